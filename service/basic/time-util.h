/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>
#include <time.h>

#define USEC_PER_SEC UINT64_C(1000000)
#define USEC_PER_MSEC UINT64_C(1000)
#define NSEC_PER_USEC UINT64_C(1000)

static inline uint64_t clock_usec(clockid_t clock)
{
        struct timespec ts;

        (void)clock_gettime(clock, &ts);
        return (uint64_t)ts.tv_sec * USEC_PER_SEC + (uint64_t)ts.tv_nsec / NSEC_PER_USEC;
}

/* CLOCK_MONOTONIC in microseconds. */
static inline uint64_t now_usec(void)
{
        return clock_usec(CLOCK_MONOTONIC);
}

/* CLOCK_REALTIME in microseconds: for what people read (a crash's time). */
static inline uint64_t now_realtime_usec(void)
{
        return clock_usec(CLOCK_REALTIME);
}
