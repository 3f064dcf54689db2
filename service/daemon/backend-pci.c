/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "backend.h"
#include "binding.h"
#include "drvhost_irq.h"
#include "kmod-util.h"
#include "sysfs-util.h"

/* The PCI backend: the device goes to the drvhost_irq kernel helper (through driver_override), a
 * /dev/drvhost_irq file is bound to its interrupt, and BAR 0 (sysfs resource0) is opened; the
 * driver unit receives both (DRVHOST_DEVICE_FD, DRVHOST_IRQ_FD). */

#define PCI_SYSFS "/sys/bus/pci"
#define PCI_DRIVERS_PROBE PCI_SYSFS "/drivers_probe"
#define IRQ_HELPER_DRIVER PCI_SYSFS "/drivers/" DRVHOST_IRQ_DEVICE_NAME
#define IRQ_HELPER_NODE "/dev/" DRVHOST_IRQ_DEVICE_NAME

static int write_string(const char *path, const char *value)
{
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
        size_t len = strlen(value);

        if (fd < 0)
                return -errno;
        if (write(fd, value, len) != (ssize_t)len)
                return errno > 0 ? -errno : -EIO;
        return 0;
}

static int write_attr(const char *syspath, const char *attr, const char *value)
{
        _cleanup_free_ char *path = NULL;

        if (asprintf(&path, "%s/%s", syspath, attr) < 0)
                return -ENOMEM;
        return write_string(path, value);
}

/* Loads drvhost_irq if its PCI driver is not registered yet (DKMS installs it as a module). */
static int helper_load(void)
{
        int r;

        if (access(IRQ_HELPER_DRIVER, F_OK) >= 0)
                return 0;
        r = kmod_load(DRVHOST_IRQ_DEVICE_NAME);
        if (r < 0)
                return r;
        return access(IRQ_HELPER_DRIVER, F_OK) < 0 ? -errno : 0;
}

static bool driven_by_helper(const char *syspath)
{
        return sysfs_bound_to(syspath, DRVHOST_IRQ_DEVICE_NAME);
}

/* Takes the device from its kernel driver, if any, and gives it to the helper. */
static int hand_to_helper(const char *syspath, const char *sysname)
{
        int r;

        r = write_attr(syspath, "driver_override", DRVHOST_IRQ_DEVICE_NAME);
        if (r < 0)
                return r;
        if (driven_by_helper(syspath))
                return 0;
        (void)write_attr(syspath, "driver/unbind", sysname);
        r = write_string(PCI_DRIVERS_PROBE, sysname);
        if (r < 0)
                return r;
        return driven_by_helper(syspath) ? 0 : -ENXIO;
}

static int irq_bind(const char *sysname)
{
        struct drvhost_irq_bind_pci req = {};
        _cleanup_close_ int fd = -EBADF;

        if (strlen(sysname) >= sizeof(req.name))
                return -EINVAL;
        strncpy(req.name, sysname, sizeof(req.name) - 1);
        fd = open(IRQ_HELPER_NODE, O_RDWR | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (ioctl(fd, DRVHOST_IRQ_BIND_PCI, &req) < 0)
                return -errno;
        return TAKE_FD(fd);
}

static int bar_open(const char *syspath)
{
        _cleanup_free_ char *path = NULL;
        int fd;

        if (asprintf(&path, "%s/resource0", syspath) < 0)
                return -ENOMEM;
        fd = open(path, O_RDWR | O_CLOEXEC);
        return fd < 0 ? -errno : fd;
}

static int pci_init(Binding *b _unused_, sd_device *dev _unused_, const Manifest *m _unused_)
{
        return 0;
}

static void pci_close(Binding *b)
{
        b->irq_fd = safe_close(b->irq_fd);
        b->fd = safe_close(b->fd);
}

static int pci_return_to_kernel(Binding *b)
{
        int r;

        pci_close(b); /* closing the files released the interrupt; now the device itself */
        r = write_attr(b->syspath, "driver_override", "\n");
        if (driven_by_helper(b->syspath))
                (void)write_attr(b->syspath, "driver/unbind", b->sysname);
        (void)write_string(PCI_DRIVERS_PROBE, b->sysname);
        free(b->kernel_driver);
        b->kernel_driver = NULL;
        (void)sysfs_driver_name(b->syspath, &b->kernel_driver);
        return r;
}

static int pci_claim(Binding *b)
{
        int r;

        r = helper_load();
        if (r < 0)
                return r;
        r = hand_to_helper(b->syspath, b->sysname);
        if (r >= 0)
                r = b->irq_fd = irq_bind(b->sysname);
        if (r >= 0)
                r = b->fd = bar_open(b->syspath);
        if (r < 0)
                (void)pci_return_to_kernel(b);
        return r < 0 ? r : 0;
}

static int pci_renew(Binding *b _unused_)
{
        /* Interrupts a dead driver left unacknowledged stay masked until the next one enables
         * them; the files themselves carry no queued work. */
        return 0;
}

/* Whether fd is a drvhost_irq file. */
static bool is_irq_file(int fd)
{
        struct drvhost_irq_info info;

        return ioctl(fd, DRVHOST_IRQ_GET_INFO, &info) >= 0;
}

static int pci_adopt(Binding *b, int fd)
{
        int bar;

        if (!is_irq_file(fd))
                return -EINVAL;
        /* Only the interrupt file is in the fd store: a fresh kernfs file polls as EPOLLERR|EPOLLPRI
         * until read, and systemd drops a stored fd that reports an error. The BAR is opened again. */
        bar = bar_open(b->syspath);
        if (bar < 0)
                return bar;
        b->fd = bar;
        b->irq_fd = fd;
        return 0;
}

static int pci_stored_fd(const Binding *b)
{
        return b->irq_fd;
}

static bool pci_held(const Binding *b _unused_)
{
        return false;
}

static bool pci_present(const Binding *b)
{
        return access(b->syspath, F_OK) >= 0 && driven_by_helper(b->syspath);
}

const BackendOps backend_pci = {
    .name = "pci",
    .init = pci_init,
    .claim = pci_claim,
    .renew = pci_renew,
    .adopt = pci_adopt,
    .stored_fd = pci_stored_fd,
    .close = pci_close,
    .held = pci_held,
    .return_to_kernel = pci_return_to_kernel,
    .present = pci_present,
};
