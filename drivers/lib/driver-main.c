/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* drvhost_driver_main(): the one entry point. The library owns the sequence every driver used to
 * write itself: set up from the environment, start, READY=1, the loop, stop, drain, the exit status. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <systemd/sd-daemon.h>

#include "driver-internal.h"
#include "macro.h"

/* The usbfs file outlives driver processes: transfers a crashed predecessor left in flight (a pending
 * IN, say) complete on it later, and libusb, unable to reap what it did not submit, fails its event
 * handling with LIBUSB_ERROR_IO (-EIO). Each such failure consumes one leftover, and our own
 * transfers are untouched: the loop goes on, this many times at most. */
enum { STALE_REAPS_MAX = 16 };

int drvhost_driver_exit_status_for(DrvhostDriver *d, int error)
{
        if (error >= 0)
                return drvhost_driver_exit_status(d);
        if (error == -ENODEV)
                return DRVHOST_EXIT_UNPLUGGED;
        /* Sets the status as a stop would: a failure while the device is gone is an unplug. */
        if (d) {
                (void)drvhost_driver_stop(d, EXIT_FAILURE);
                return drvhost_driver_exit_status(d);
        }
        return EXIT_FAILURE;
}

static int driver_loop(DrvhostDriver *d, const DrvhostDriverOps *ops, void *userdata)
{
        int r;

        for (unsigned stale = 0;; stale++) {
                r = drvhost_driver_run(d, ops, userdata);
                if (r != -EIO || !d->context || stale >= STALE_REAPS_MAX)
                        return r;
                (void)drvhost_driver_log(
                    d, LOG_NOTICE,
                    "libusb failed to reap a transfer (one a previous instance left?), going on.");
        }
}

int drvhost_driver_main(const DrvhostDriverOps *ops, void *userdata)
{
        _cleanup_drvhost_driver_ DrvhostDriver *d = NULL;
        int r, status;

        if (!ops)
                return EXIT_FAILURE;

        r = drvhost_driver_new(&d);
        if (r < 0) {
                /* No DrvhostDriver to log with: stderr goes to the journal under the unit. */
                fprintf(stderr, "Failed to set up the driver: %s\n", strerror(-r));
                return r == -ENODEV ? DRVHOST_EXIT_UNPLUGGED : EXIT_FAILURE;
        }

        /* Before READY=1: whoever sees the unit active can inject the library's faults. */
        r = driver_faults_attach(d);
        if (r < 0)
                (void)drvhost_driver_log(d, LOG_NOTICE, "Failed to watch the fault channel: %s",
                                         strerror(-r));

        r = ops->start ? ops->start(d, userdata) : 0;
        if (r < 0) {
                /* A driver that requested a stop said why already. */
                if (r != -ENODEV && !d->stop_requested)
                        (void)drvhost_driver_log(d, LOG_ERR, "Failed to start: %s", strerror(-r));
                status = drvhost_driver_exit_status_for(d, r);
                if (ops->stop)
                        ops->stop(d, userdata);
                return status;
        }
        /* 1: the driver sends READY=1 itself once it is (e.g. after a self-test in the loop). */
        if (r == 0 && !d->stop_requested)
                (void)drvhost_driver_notify_ready(d, NULL);

        r = driver_loop(d, ops, userdata);
        if (r < 0)
                (void)drvhost_driver_log(d, LOG_ERR, "Event loop failed: %s", strerror(-r));
        status = drvhost_driver_exit_status_for(d, r);

        (void)sd_notify(/* unset_environment= */ false, "STOPPING=1");
        if (ops->stop)
                ops->stop(d, userdata);
        if (driver_transfers_drain(d, DRVHOST_DRIVER_DRAIN_USEC_DEFAULT) > 0)
                (void)drvhost_driver_log(d, LOG_WARNING,
                                         "Transfers did not come back after cancelling, leaving them.");
        return status;
}
