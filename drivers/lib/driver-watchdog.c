/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <systemd/sd-daemon.h>

#include "driver-internal.h"

void driver_set_clock(DrvhostDriver *d, WatchdogClock clock, void *userdata)
{
        watchdog_set_clock(&d->watchdog, clock, userdata);
}

int drvhost_driver_watchdog_enabled(DrvhostDriver *d, uint64_t *ret_usec)
{
        if (!d)
                return -EINVAL;
        if (ret_usec)
                *ret_usec = d->watchdog.interval_usec;
        return d->watchdog.interval_usec > 0;
}

int drvhost_driver_set_stall_limit(DrvhostDriver *d, uint64_t usec)
{
        if (!d || usec == 0)
                return -EINVAL;
        d->watchdog.stall_limit_usec = usec;
        return 0;
}

int drvhost_driver_io_begin(DrvhostDriver *d)
{
        if (!d)
                return -EINVAL;
        return watchdog_io_begin(&d->watchdog);
}

int drvhost_driver_io_end(DrvhostDriver *d)
{
        if (!d)
                return -EINVAL;
        return watchdog_io_end(&d->watchdog);
}

int drvhost_driver_watchdog_ping(DrvhostDriver *d)
{
        uint64_t now;
        int r;

        if (!d)
                return -EINVAL;

        now = watchdog_now(&d->watchdog);
        if (watchdog_stalled(&d->watchdog, now))
                return -ETIMEDOUT;
        if (d->watchdog.interval_usec == 0)
                return 0;

        r = sd_notify(/* unset_environment= */ false, "WATCHDOG=1");
        if (r < 0)
                return r;
        watchdog_pinged(&d->watchdog, now);
        return r;
}
