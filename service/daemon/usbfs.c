/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <linux/usbdevice_fs.h>
#include <string.h>
#include <sys/ioctl.h>

#include "macro.h"
#include "usbfs.h"

#define USB_DRIVERS_PROBE "/sys/bus/usb/drivers_probe"
/* usbfs is itself a "driver" of claimed interfaces: disconnect anyone but it. */
#define USBFS_DRIVER_NAME "usbfs"
enum { USB_MAX_INTERFACES = 32 };

int usbfs_claim(const char *devnode, uint32_t interface_mask)
{
        _cleanup_close_ int fd = -EBADF;

        if (interface_mask == 0)
                return -EINVAL;

        fd = open(devnode, O_RDWR | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;

        for (unsigned i = 0; i < USB_MAX_INTERFACES; i++) {
                struct usbdevfs_disconnect_claim dc = {
                    .interface = i,
                    .flags = USBDEVFS_DISCONNECT_CLAIM_EXCEPT_DRIVER,
                };

                if (!(interface_mask & (UINT32_C(1) << i)))
                        continue;
                strncpy(dc.driver, USBFS_DRIVER_NAME, sizeof(dc.driver) - 1);
                if (ioctl(fd, USBDEVFS_DISCONNECT_CLAIM, &dc) < 0)
                        return -errno;
        }

        if (ioctl(fd, USBDEVFS_DROP_PRIVILEGES, &interface_mask) < 0)
                return -errno;

        return TAKE_FD(fd);
}

void usbfs_release(int fd, uint32_t interface_mask)
{
        for (unsigned i = 0; i < USB_MAX_INTERFACES; i++)
                if (interface_mask & (UINT32_C(1) << i))
                        (void)ioctl(fd, USBDEVFS_RELEASEINTERFACE, &i);
}

int usbfs_reprobe(const char *interface_sysname)
{
        _cleanup_close_ int fd = -EBADF;
        size_t len = strlen(interface_sysname);

        fd = open(USB_DRIVERS_PROBE, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (write(fd, interface_sysname, len) != (ssize_t)len)
                return -errno ?: -EIO;
        return 0;
}
