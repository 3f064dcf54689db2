/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <limits.h>
#include <time.h>

#include "stall-watchdog.h"

enum {
        USEC_PER_SEC = 1000000,
        NSEC_PER_USEC = 1000,
};

uint64_t watchdog_clock_monotonic(void *userdata)
{
        struct timespec ts;

        /* CLOCK_MONOTONIC cannot fail with a valid pointer, and never jumps with the wall clock. */
        (void)clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * USEC_PER_SEC + (uint64_t)ts.tv_nsec / NSEC_PER_USEC;
}

void watchdog_init(Watchdog *w, uint64_t interval_usec, uint64_t stall_limit_usec)
{
        *w = (Watchdog){
            .interval_usec = interval_usec,
            .stall_limit_usec = stall_limit_usec,
            .clock = watchdog_clock_monotonic,
        };
}

void watchdog_set_clock(Watchdog *w, WatchdogClock clock, void *userdata)
{
        w->clock = clock;
        w->clock_userdata = userdata;
}

uint64_t watchdog_now(const Watchdog *w)
{
        return w->clock(w->clock_userdata);
}

int watchdog_io_begin(Watchdog *w)
{
        if (w->n_in_flight == UINT_MAX)
                return -EOVERFLOW;
        /* Only the first I/O starts the stall clock: later ones must not hide an older stuck one. */
        if (w->n_in_flight++ == 0)
                w->progress_usec = watchdog_now(w);
        return 0;
}

int watchdog_io_end(Watchdog *w)
{
        if (w->n_in_flight == 0)
                return -EINVAL;
        w->n_in_flight--;
        /* A completion is progress: the remaining I/O gets a fresh stall limit from now. */
        w->progress_usec = watchdog_now(w);
        return 0;
}

bool watchdog_stalled(const Watchdog *w, uint64_t now)
{
        return w->n_in_flight > 0 && now > w->progress_usec && now - w->progress_usec > w->stall_limit_usec;
}

bool watchdog_ping_due(const Watchdog *w, uint64_t now)
{
        if (w->interval_usec == 0)
                return false;
        return !w->pinged || now < w->last_ping_usec || now - w->last_ping_usec >= w->interval_usec / 2;
}

void watchdog_pinged(Watchdog *w, uint64_t now)
{
        w->pinged = true;
        w->last_ping_usec = now;
}
