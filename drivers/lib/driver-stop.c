/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* How a driver ends: the first stop request wins, a failure while the device is gone is an unplug, and
 * a failure of the loop itself ends run(). A leaf: everything above calls here, this calls nothing up. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>

#include "driver-internal.h"

enum { EXIT_STATUS_MAX = 255 };

/* usbfs reports a disconnected device as POLLHUP/POLLERR on its fd, but only once the disconnect
 * is through: the transfers it kills fail a little earlier. So a failure gets a short grace period
 * to turn out to be an unplug; a real failure only pays that delay once, on its way out. */
enum { DEVICE_GONE_GRACE_MSEC = 500 };

static bool device_gone(const DrvhostDriver *d)
{
        /* A PCI device's BAR file does not report its removal; its interrupt file does. */
        int fd = d->irq ? drvhost_irq_get_fd(d->irq) : d->env.device_fd;
        struct pollfd p = {.fd = fd};

        return fd >= 0 && poll(&p, 1, DEVICE_GONE_GRACE_MSEC) > 0 &&
               (p.revents & (POLLHUP | POLLERR | POLLNVAL));
}

int drvhost_driver_stop(DrvhostDriver *d, int exit_status)
{
        if (!d || exit_status < 0 || exit_status > EXIT_STATUS_MAX)
                return -EINVAL;
        if (!d->stop_requested) {
                d->stop_requested = true;
                /* Transfers cut by an unplug often end in a generic error (-EPROTO, -ESHUTDOWN): a
                 * failure while the device is gone is an unplug, not a crash. */
                d->exit_status =
                    exit_status != EXIT_SUCCESS && device_gone(d) ? DRVHOST_EXIT_UNPLUGGED : exit_status;
        }
        return 0;
}

int drvhost_driver_exit_status(DrvhostDriver *d)
{
        return d && d->stop_requested ? d->exit_status : EXIT_SUCCESS;
}

void driver_fail(DrvhostDriver *d, int error)
{
        if (d->loop_error == 0 && !d->stop_requested)
                d->loop_error = error;
}
