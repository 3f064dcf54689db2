/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The watchdog that notices stuck I/O. systemd restarts a unit whose WATCHDOG=1 pings stop; a
 * driver whose event loop still spins while a transfer hangs would keep pinging forever. So the
 * driver marks I/O that must complete (io_begin/io_end), and pings are withheld once such I/O has
 * been in flight with no completion for longer than the stall limit: a hung transfer then ends in
 * a watchdog restart, not a silent hang. Time comes from a clock function so tests can drive it. */

#include <stdbool.h>
#include <stdint.h>

typedef uint64_t (*WatchdogClock)(void *userdata);

typedef struct Watchdog {
        uint64_t interval_usec;    /* WATCHDOG_USEC from systemd; 0 when the unit has no WatchdogSec= */
        uint64_t stall_limit_usec; /* > 0 */
        unsigned n_in_flight;
        uint64_t progress_usec; /* when I/O last started from idle or last completed */
        bool pinged;
        uint64_t last_ping_usec; /* valid when pinged */
        WatchdogClock clock;
        void *clock_userdata;
} Watchdog;

/* CLOCK_MONOTONIC in µs: the default clock. */
uint64_t watchdog_clock_monotonic(void *userdata);

void watchdog_init(Watchdog *w, uint64_t interval_usec, uint64_t stall_limit_usec);
/* For tests: replaces the clock. */
void watchdog_set_clock(Watchdog *w, WatchdogClock clock, void *userdata);
uint64_t watchdog_now(const Watchdog *w);

/* Returns 0, or -EOVERFLOW if the in-flight counter is exhausted. */
int watchdog_io_begin(Watchdog *w);
/* Returns 0, or -EINVAL if no I/O is in flight. */
int watchdog_io_end(Watchdog *w);

/* True while some I/O has been in flight and none has completed for longer than the stall limit. */
bool watchdog_stalled(const Watchdog *w, uint64_t now);
/* True when the watchdog is enabled and half its interval has passed since the last ping (the
 * cadence sd_watchdog_enabled(3) recommends). */
bool watchdog_ping_due(const Watchdog *w, uint64_t now);
void watchdog_pinged(Watchdog *w, uint64_t now);
