/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <limits.h>
#include <libkmod.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "classify.h"
#include "drvhost_irq.h"
#include "log.h"
#include "messages.h"
#include "pci-binding.h"
#include "sysfs-util.h"
#include "supervise.h"
#include "udev-util.h"
#include "unit-control.h"
#include "unit-name.h"

#define PCI_SYSFS "/sys/bus/pci"
#define PCI_DRIVERS_PROBE PCI_SYSFS "/drivers_probe"
#define IRQ_HELPER_DRIVER PCI_SYSFS "/drivers/" DRVHOST_IRQ_DEVICE_NAME
#define IRQ_HELPER_NODE "/dev/" DRVHOST_IRQ_DEVICE_NAME

DEFINE_TRIVIAL_CLEANUP_FUNC(struct kmod_ctx *, kmod_unref);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct kmod_module *, kmod_module_unref);

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
        _cleanup_(kmod_unrefp) struct kmod_ctx *ctx = NULL;
        _cleanup_(kmod_module_unrefp) struct kmod_module *mod = NULL;
        int r;

        if (access(IRQ_HELPER_DRIVER, F_OK) >= 0)
                return 0;
        ctx = kmod_new(NULL, NULL);
        if (!ctx)
                return -ENOMEM;
        r = kmod_module_new_from_name(ctx, DRVHOST_IRQ_DEVICE_NAME, &mod);
        if (r < 0)
                return r;
        r = kmod_module_probe_insert_module(mod, 0, NULL, NULL, NULL, NULL);
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

static int binding_new_pci(Context *c, const char *unit, const Manifest *m, struct udev_device *dev,
                           Binding **ret)
{
        Binding *b;
        int r;

        r = binding_new(c, unit, &b);
        if (r < 0)
                return r;
        b->pci = true;
        b->driver = strdup(m->name);
        b->syspath = strdup(udev_device_get_syspath(dev));
        b->sysname = strdup(udev_device_get_sysname(dev));
        if (udev_device_get_property_value(dev, "MODALIAS"))
                b->modalias = strdup(udev_device_get_property_value(dev, "MODALIAS"));
        if (!b->driver || !b->syspath || !b->sysname || binding_apply_manifest(b, m) < 0) {
                binding_free(b);
                return -ENOMEM;
        }
        *ret = b;
        return 0;
}

static int pci_binding_create(Context *c, struct udev_device *dev, const Manifest *m)
{
        _cleanup_free_ char *unit = NULL;
        const char *sysname = udev_device_get_sysname(dev), *syspath = udev_device_get_syspath(dev);
        const char *modalias = udev_device_get_property_value(dev, "MODALIAS");
        Binding *b;
        int r;

        r = driver_unit_name(m->name, sysname, &unit);
        if (r < 0)
                return log_warning_errno(r, "Cannot bind %s to %s: no valid unit name: %m", sysname,
                                         m->name);

        r = helper_load();
        if (r < 0)
                return log_warning_errno(
                    r, "Cannot bind %s to %s: the drvhost_irq kernel helper is not available: %m", sysname,
                    m->name);
        r = binding_new_pci(c, unit, m, dev, &b);
        if (r < 0)
                return log_oom();
        b->kernel_driver = udev_device_get_driver(dev) ? strdup(udev_device_get_driver(dev)) : NULL;

        r = hand_to_helper(syspath, sysname);
        if (r < 0) {
                log_warning_errno(r, "Failed to hand %s to the drvhost_irq helper: %m", sysname);
                goto fail;
        }
        b->irq_fd = irq_bind(sysname);
        if (b->irq_fd < 0) {
                r = log_warning_errno(b->irq_fd, "Failed to bind the interrupt of %s: %m", sysname);
                goto fail;
        }
        b->fd = bar_open(syspath);
        if (b->fd < 0) {
                r = log_warning_errno(b->fd, "Failed to open BAR 0 of %s: %m", sysname);
                goto fail;
        }

        /* Only the interrupt file goes to the fd store (pci_binding_adopt() takes it back; a release
         * removes it by the unit's name). The BAR's sysfs file cannot be kept there: a fresh kernfs
         * file polls as EPOLLERR|EPOLLPRI until read, and systemd drops a stored fd that reports an
         * error. It is simply opened again. */
        r = binding_fdstore_push(b, b->irq_fd);
        if (r < 0)
                log_warning_errno(
                    r, "Failed to keep %s in the fd store, a drvhostd restart will lose it: %m", sysname);

        binding_link(c, b);
        r = binding_start_unit(b);
        if (r < 0) {
                log_warning_errno(r, "Failed to start %s: %m", b->unit);
                goto fail;
        }
        b->state = BINDING_STARTING;
        binding_emit(
            b, DRVHOST_MESSAGE_BOUND, LOG_INFO, NULL, 0,
            "Bound PCI device %s (%s) to user-mode driver %s in %s, interrupt through drvhost_irq%s%s.",
            sysname, strna(modalias), b->driver, b->unit,
            b->kernel_driver ? ", taken from kernel driver " : "", strempty(b->kernel_driver));
        return 0;
fail:
        pci_binding_return(b);
        binding_free(b);
        return r;
}

static bool is_delegated(struct udev_device *dev)
{
        const char *s = udev_device_get_sysattr_value(dev, "class");
        uint32_t class_code;

        return s && classify_parse_pci_class(s, &class_code) >= 0 &&
               classify_delegation(DEVICE_KIND_PCI, class_code) != DELEGATION_NONE;
}

static bool pci_binding_added(Context *c, struct udev_device *dev)
{
        _cleanup_(match_result_done) MatchResult result = {};
        const char *modalias = udev_device_get_property_value(dev, "MODALIAS");
        int r;

        if (!modalias || !c->index)
                return false;
        if (binding_find_by_syspath(c, udev_device_get_syspath(dev)))
                return true;
        r = match_index_lookup(c->index, modalias, &result);
        if (r < 0) {
                log_warning_errno(r, "Failed to match %s: %m", modalias);
                return false;
        }
        if (!result.winner)
                return false;
        if (!result.winner->claim_delegated && is_delegated(dev)) {
                log_debug("Manifest %s matches %s but it is a GPU or storage; ClaimDelegated= is not set.",
                          result.winner->name, modalias);
                return false; /* the caller delegates it */
        }
        (void)pci_binding_create(c, dev, result.winner);
        return true;
}

bool pci_binding_dispatch(Context *c, const char *action, struct udev_device *dev)
{
        Binding *b = binding_find_by_syspath(c, udev_device_get_syspath(dev));

        if (streq(action, "remove")) {
                if (!b)
                        return false;
                b->device_gone = true;
                binding_release(b, "device removed");
                return true;
        }
        if (streq(action, "add"))
                return pci_binding_added(c, dev);
        return b != NULL; /* our own bind/unbind of the device, or a change */
}

void pci_binding_rematch(Binding *b)
{
        _cleanup_(udev_device_unrefp) struct udev_device *dev = NULL;
        Context *c = b->context;

        dev = udev_device_new_from_syspath(c->udev, b->syspath);
        binding_free(b);
        if (dev)
                (void)pci_binding_dispatch(c, "add", dev);
}

void pci_binding_return(Binding *b)
{
        b->irq_fd = safe_close(b->irq_fd);
        b->fd = safe_close(b->fd);
        if (b->device_gone || !b->syspath)
                return;
        /* Closing the files released the interrupt; now the device itself. */
        (void)write_attr(b->syspath, "driver_override", "\n");
        if (driven_by_helper(b->syspath))
                (void)write_attr(b->syspath, "driver/unbind", b->sysname);
        (void)write_string(PCI_DRIVERS_PROBE, b->sysname);
}

/* Whether fd is a drvhost_irq file. */
static bool is_irq_file(int fd)
{
        struct drvhost_irq_info info;

        return ioctl(fd, DRVHOST_IRQ_GET_INFO, &info) >= 0;
}

int pci_binding_adopt(Context *c, const char *unit, int fd)
{
        _cleanup_(udev_device_unrefp) struct udev_device *dev = NULL;
        _cleanup_free_ char *driver = NULL, *sysname = NULL;
        const Manifest *m;
        ServiceStatus st;
        Binding *b;
        int r;

        r = driver_unit_name_parse(unit, &driver, &sysname);
        if (r < 0)
                return r;
        dev = udev_device_new_from_subsystem_sysname(c->udev, "pci", sysname);
        if (!dev)
                return 0; /* not a PCI device: a USB binding */
        if (!is_irq_file(fd) || binding_find_by_unit(c, unit))
                return -EINVAL;
        m = manifest_set_find(c->manifests, driver);
        if (!m)
                return -ENOENT;

        r = binding_new_pci(c, unit, m, dev, &b);
        if (r < 0)
                return r;
        b->fd = bar_open(b->syspath);
        if (b->fd < 0) {
                r = b->fd;
                binding_free(b);
                return r;
        }
        b->irq_fd = fd;
        binding_link(c, b);
        b->state = BINDING_RUNNING;
        /* Deaths before we came back were systemd's business; count from here. */
        if (unit_get_status(c->bus, b->unit, &st) >= 0) {
                b->last_death_usec = st.exec_main_exit_usec;
                b->restarts_accounted = st.n_restarts;
        }
        r = supervise_binding(b);
        if (r < 0) {
                b->irq_fd = -EBADF; /* the caller still owns fd on failure */
                binding_free(b);
                return r;
        }
        log_info("Adopted %s serving %s.", b->unit, b->sysname);
        return 1;
}
