/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "device-util.h"
#include "backend.h"
#include "binding-ports.h"
#include "binding.h"
#include "broker-protocol.h"
#include "sysfs-util.h"
#include "unit-name.h"
#include "usb-descriptors.h"
#include "usbfs.h"

/* The USB backend: a usbfs file that claims the interface (or the function's interfaces) and is
 * limited to them with DROP_PRIVILEGES. */

enum {
        USB_INTERFACES_MAX = 32,
        INTERFACE_NUMBER_BASE = 16,      /* sysfs bInterfaceNumber is hex */
        USB_DESCRIPTORS_MAX = 64 * 1024, /* wTotalLength is 16 bits */
};
#define USBFS_DRIVER "usbfs"

/* The interfaces a binding claims: the matched one, or as many more as ClaimInterfaces= asks. */
static int function_interfaces(sd_device *usb, unsigned ifnum, ClaimScope scope, uint32_t *ret)
{
        _cleanup_free_ char *path = NULL;
        _cleanup_close_ int fd = -EBADF;
        uint8_t buf[USB_DESCRIPTORS_MAX];
        const char *config_s;
        unsigned long config;
        ssize_t n;

        *ret = UINT32_C(1) << ifnum;
        if (scope == CLAIM_SCOPE_MATCHED)
                return 0;

        config_s = device_sysattr(usb, "bConfigurationValue");
        if (!config_s)
                return -ENODEV;
        config = strtoul(config_s, NULL, 10);
        if (asprintf(&path, "%s/descriptors", device_syspath(usb)) < 0)
                return -ENOMEM;
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        n = read(fd, buf, sizeof(buf));
        if (n < 0)
                return -errno;

        if (scope == CLAIM_SCOPE_DEVICE)
                return usb_descriptors_all_interfaces(buf, (size_t)n, (uint8_t)config, ret);
        return usb_descriptors_function_interfaces(buf, (size_t)n, (uint8_t)config, (uint8_t)ifnum, ret);
}

static int usb_init(Binding *b, sd_device *intf, const Manifest *m)
{
        sd_device *usb = device_parent_with(intf, "usb", "usb_device");
        const char *ifnum_s = device_sysattr(intf, "bInterfaceNumber");
        unsigned long ifnum;
        char *end;
        int r;

        if (!usb || !device_devnode(usb) || !ifnum_s)
                return -ENODEV;
        errno = 0;
        ifnum = strtoul(ifnum_s, &end, INTERFACE_NUMBER_BASE);
        if (errno != 0 || end == ifnum_s || ifnum >= USB_INTERFACES_MAX)
                return -EINVAL;
        r = function_interfaces(usb, (unsigned)ifnum, m->claim_scope, &b->interfaces);
        if (r < 0)
                return r;
        b->devnode = strdup(device_devnode(usb));
        if (!b->devnode)
                return -ENOMEM;
        /* A name that stays the same across replugs and ports, like /dev/serial/by-id. */
        if (m->tty_link) {
                r = binding_ports_name_tty(b, device_sysattr(usb, "idVendor"),
                                           device_sysattr(usb, "idProduct"), device_sysattr(usb, "serial"),
                                           (unsigned)ifnum);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int usb_claim(Binding *b)
{
        int fd = usbfs_claim(b->devnode, b->interfaces);

        if (fd < 0)
                return fd;
        b->fd = fd;
        return 0;
}

static int usb_renew(Binding *b)
{
        int fd;

        if (b->fd < 0)
                return -EBADF;
        /* Releasing kills the old file's pending URBs; the new file starts with none. No kernel
         * driver can slip in between: releasing an interface does not probe for one. */
        usbfs_release(b->fd, b->interfaces);
        fd = usbfs_claim(b->devnode, b->interfaces);
        if (fd < 0)
                return fd;
        safe_close(b->fd);
        b->fd = fd;
        return 0;
}

static int usb_adopt(Binding *b, int fd)
{
        b->fd = fd;
        return 0;
}

static int usb_stored_fd(const Binding *b)
{
        return b->fd;
}

static void usb_close(Binding *b)
{
        b->fd = safe_close(b->fd);
}

static bool usb_held(const Binding *b)
{
        /* The claim lasts until the last copy of our usbfs file is closed: the driver's, and the one
         * in our fd store, which systemd drops when it gets to our FDSTOREREMOVE. */
        return sysfs_bound_to(b->syspath, USBFS_DRIVER);
}

static int usb_return_to_kernel(Binding *b)
{
        int r = usbfs_reprobe(b->sysname);

        free(b->kernel_driver);
        b->kernel_driver = NULL;
        (void)sysfs_driver_name(b->syspath, &b->kernel_driver);
        return r;
}

static bool usb_present(const Binding *b)
{
        return access(b->syspath, F_OK) >= 0;
}

const BackendOps backend_usb = {
    .name = "usb",
    .init = usb_init,
    .claim = usb_claim,
    .renew = usb_renew,
    .adopt = usb_adopt,
    .stored_fd = usb_stored_fd,
    .close = usb_close,
    .held = usb_held,
    .return_to_kernel = usb_return_to_kernel,
    .present = usb_present,
};
