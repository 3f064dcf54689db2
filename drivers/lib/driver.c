/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include <systemd/sd-daemon.h>

#include "driver-internal.h"
#include "macro.h"

/* Before 1.0.26 the option had its first name; 1.0.23 had neither, and its libusb_init() fails in a
 * unit without /dev/bus/usb, so meson requires 1.0.24. */
#if LIBUSB_API_VERSION >= 0x01000109
#define DRIVER_LIBUSB_NO_DISCOVERY LIBUSB_OPTION_NO_DEVICE_DISCOVERY
#else
#define DRIVER_LIBUSB_NO_DISCOVERY LIBUSB_OPTION_WEAK_AUTHORITY
#endif

int driver_alloc(DrvhostDriver **ret)
{
        DrvhostDriver *d;

        int r;

        d = calloc(1, sizeof(*d));
        if (!d)
                return -ENOMEM;

        d->env =
            (DriverEnv){.device_fd = -EBADF, .tty_fd = -EBADF, .socket_fd = -EBADF, .control_fd = -EBADF};
        d->gone_fd = -EBADF;
        d->signal_fd = -EBADF;
        d->tick_usec = DRVHOST_DRIVER_TICK_USEC;
        watchdog_init(&d->watchdog, 0, DRVHOST_DRIVER_STALL_LIMIT_USEC_DEFAULT);
        r = sd_event_new(&d->event);
        if (r < 0) {
                free(d);
                return r;
        }
        *ret = d;
        return 0;
}

static int driver_open_usb(DrvhostDriver *d)
{
        int r;

        /* The unit has no /dev: libusb must not scan for devices, only use the one it is handed. */
        r = libusb_set_option(NULL, DRIVER_LIBUSB_NO_DISCOVERY);
        if (r < 0)
                return driver_errno_from_libusb(r);
        r = libusb_init(&d->context);
        if (r < 0)
                return driver_errno_from_libusb(r);

        r = libusb_wrap_sys_device(d->context, (intptr_t)d->env.device_fd, &d->handle);
        if (r < 0)
                return driver_errno_from_libusb(r);

        /* drvhostd claimed these on the same open file already, so this cannot take them from anyone;
         * it tells libusb they are ours, which it checks before transfers and alt settings. */
        for (size_t i = 0; i < d->env.n_interfaces; i++) {
                r = libusb_claim_interface(d->handle, d->env.interfaces[i]);
                if (r < 0)
                        return driver_errno_from_libusb(r);
        }
        return 0;
}

/* Takes an fd the launcher handed over: it must be open; we hand it to nobody else. */
static int take_passed_fd(int *fd)
{
        int flags;

        if (*fd < 0)
                return 0;
        flags = fcntl(*fd, F_GETFD);
        if (flags < 0) {
                /* Not ours to close: nothing was handed over on that number. */
                *fd = -EBADF;
                return -EBADF;
        }
        if (fcntl(*fd, F_SETFD, flags | FD_CLOEXEC) < 0)
                return -errno;
        return 0;
}

int drvhost_driver_new(DrvhostDriver **ret)
{
        _cleanup_drvhost_driver_ DrvhostDriver *d = NULL;
        uint64_t watchdog_usec = 0;
        int r;

        if (!ret)
                return -EINVAL;

        r = driver_alloc(&d);
        if (r < 0)
                return r;

        r = driver_env_parse(&d->env, environ);
        if (r < 0)
                return r;

        /* The launcher cleared close-on-exec to hand the fds over. */
        r = take_passed_fd(&d->env.device_fd);
        if (r >= 0)
                r = take_passed_fd(&d->env.tty_fd);
        if (r >= 0)
                r = take_passed_fd(&d->env.socket_fd);
        if (r >= 0)
                r = take_passed_fd(&d->env.control_fd);
        if (r < 0)
                return r;

        /* A PCI binding has its BAR on the device fd and its interrupts on a drvhost_irq file; no
         * libusb at all. */
        if (d->env.bus == DRIVER_BUS_PCI)
                r = drvhost_irq_new_from_env(&d->irq);
        else
                r = driver_open_usb(d);
        if (r < 0)
                return r;

        /* Not unset: systemd may be asked again, e.g. by a library the driver uses. */
        r = sd_watchdog_enabled(/* unset_environment= */ false, &watchdog_usec);
        if (r < 0)
                return r;
        d->watchdog.interval_usec = r > 0 ? watchdog_usec : 0;

        d->log_to_journal = getenv("JOURNAL_STREAM") != NULL;

        *ret = TAKE_PTR(d);
        return 0;
}

DrvhostDriver *drvhost_driver_free(DrvhostDriver *d)
{
        if (!d)
                return NULL;

        /* Transfers first, while libusb can still complete them; the loop's sources with them. */
        if (d->context)
                (void)driver_transfers_drain(d, DRVHOST_DRIVER_DRAIN_USEC_DEFAULT);
        driver_transfers_free(d);
        driver_usb_detach(d);
        driver_fds_free(d);
        d->signal_source = sd_event_source_disable_unref(d->signal_source);
        d->gone_source = sd_event_source_disable_unref(d->gone_source);
        d->post_source = sd_event_source_disable_unref(d->post_source);
        d->tick_source = sd_event_source_disable_unref(d->tick_source);
        d->watchdog_source = sd_event_source_disable_unref(d->watchdog_source);
        d->control_source = sd_event_source_disable_unref(d->control_source);
        d->event = sd_event_unref(d->event);

        /* No libusb_release_interface(): the claims live on the open file we share with drvhostd,
         * and releasing them would let a kernel driver take the interface before a restart. */
        if (d->handle)
                libusb_close(d->handle);
        if (d->context)
                libusb_exit(d->context);
        safe_close(d->env.device_fd);
        safe_close(d->env.tty_fd);
        safe_close(d->env.socket_fd);
        safe_close(d->env.control_fd);
        safe_close(d->gone_fd);
        safe_close(d->signal_fd);
        drvhost_irq_free(d->irq);
        driver_state_done(d);
        driver_env_done(&d->env);
        free(d);
        return NULL;
}

libusb_device_handle *drvhost_driver_get_handle(DrvhostDriver *d)
{
        return d ? d->handle : NULL;
}

libusb_context *drvhost_driver_get_context(DrvhostDriver *d)
{
        return d ? d->context : NULL;
}

int drvhost_driver_get_device_fd(DrvhostDriver *d)
{
        return d ? d->env.device_fd : -EINVAL;
}

DrvhostIrq *drvhost_driver_get_irq(DrvhostDriver *d)
{
        return d ? d->irq : NULL;
}

int drvhost_driver_get_tty_fd(DrvhostDriver *d)
{
        if (!d)
                return -EINVAL;
        return d->env.tty_fd >= 0 ? d->env.tty_fd : -ENOENT;
}

int drvhost_driver_get_socket_fd(DrvhostDriver *d)
{
        if (!d)
                return -EINVAL;
        return d->env.socket_fd >= 0 ? d->env.socket_fd : -ENOENT;
}

size_t drvhost_driver_get_interfaces(DrvhostDriver *d, const uint8_t **ret)
{
        if (!d) {
                if (ret)
                        *ret = NULL;
                return 0;
        }
        if (ret)
                *ret = d->env.interfaces;
        return d->env.n_interfaces;
}

const char *drvhost_driver_get_device_path(DrvhostDriver *d)
{
        return d ? d->env.device : NULL;
}

const char *drvhost_driver_get_name(DrvhostDriver *d)
{
        return d ? d->env.driver : NULL;
}

const char *drvhost_driver_get_unit(DrvhostDriver *d)
{
        return d ? d->env.unit : NULL;
}

const char *drvhost_driver_get_modalias(DrvhostDriver *d)
{
        return d ? d->env.modalias : NULL;
}
