/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "time-util.h"

/* What to do when a driver dies while its device is still there. Pure: no I/O, no clock of its own
 * (callers pass the time), so tests drive it step by step.
 *
 * Two limits, as UMDF has them: a burst limit (the manifest's RestartLimitBurst= deaths within
 * RestartLimitIntervalSec=) stops a fast loop, and a streak limit stops a slow one (deaths that
 * never leave the driver running for CRASH_POLICY_HEALTHY_USEC in between). Between restarts the
 * delay doubles from CRASH_POLICY_DELAY_MIN_USEC up to CRASH_POLICY_DELAY_MAX_USEC; a healthy
 * stretch forgets the streak and the delay. */

/* The first delay is the unit's RestartSec=. (The broker holds a new process back until drvhostd has
 * seen the death of the one before and renewed the claim, however fast systemd restarted it.) */
#define CRASH_POLICY_DELAY_MIN_USEC (100 * USEC_PER_MSEC) /* 100 ms: RestartSec= */
/* The delay holds the device back from a driver process systemd has already started: it must end
 * within the unit's watchdog (WatchdogSec=10s) and start timeout (TimeoutStartSec=30s). */
#define CRASH_POLICY_DELAY_MAX_USEC (8 * USEC_PER_SEC)     /* 8 s */
#define CRASH_POLICY_HEALTHY_USEC (30 * 60 * USEC_PER_SEC) /* 30 min */
enum { CRASH_POLICY_STREAK_MAX = 10, CRASH_POLICY_BURST_MAX = 64, CRASH_POLICY_REASON_MAX = 128 };

typedef struct CrashPolicy {
        unsigned burst; /* deaths within interval_usec that give up (1..CRASH_POLICY_BURST_MAX) */
        uint64_t interval_usec;
        unsigned streak_max; /* deaths without a healthy stretch that give up */
        uint64_t healthy_usec;
        uint64_t delay_min_usec, delay_max_usec;
} CrashPolicy;

typedef struct CrashHistory {
        uint64_t times[CRASH_POLICY_BURST_MAX]; /* a ring of the last deaths, CLOCK_MONOTONIC usec */
        unsigned n_deaths;                      /* every death of this binding */
        unsigned streak;                        /* deaths since the last healthy stretch */
} CrashHistory;

typedef enum CrashVerdict {
        CRASH_RESTART,        /* start it again after *ret_delay_usec */
        CRASH_GIVE_UP_BURST,  /* too many deaths within the interval */
        CRASH_GIVE_UP_STREAK, /* a slow loop: too many deaths without a healthy stretch */
} CrashVerdict;

/* The policy of a manifest's limits with the default streak, healthy time and delays; a burst
 * beyond CRASH_POLICY_BURST_MAX is clamped. */
void crash_policy_init(CrashPolicy *p, unsigned burst, uint64_t interval_usec);

/* Records one death at now; running_since is when the dead process was last seen serving (0 if it
 * never was). Returns the verdict, with the delay before the restart and a sentence for the
 * journal (for a give-up: why). */
CrashVerdict crash_policy_record(const CrashPolicy *p, CrashHistory *h, uint64_t now, uint64_t running_since,
                                 uint64_t *ret_delay_usec, char *reason, size_t reason_size);

const char *crash_verdict_to_string(CrashVerdict v);
