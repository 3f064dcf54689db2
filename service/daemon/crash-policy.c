/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>

#include "crash-policy.h"
#include "macro.h"
#include "time-util.h"

void crash_policy_init(CrashPolicy *p, unsigned burst, uint64_t interval_usec)
{
        *p = (CrashPolicy){
            .burst = burst == 0                       ? 1
                     : burst > CRASH_POLICY_BURST_MAX ? CRASH_POLICY_BURST_MAX
                                                      : burst,
            .interval_usec = interval_usec,
            .streak_max = CRASH_POLICY_STREAK_MAX,
            .healthy_usec = CRASH_POLICY_HEALTHY_USEC,
            .delay_min_usec = CRASH_POLICY_DELAY_MIN_USEC,
            .delay_max_usec = CRASH_POLICY_DELAY_MAX_USEC,
        };
}

/* min * 2^(streak - 1), without overflowing on a long streak. */
static uint64_t backoff(const CrashPolicy *p, unsigned streak)
{
        uint64_t d = p->delay_min_usec;

        for (unsigned i = 1; i < streak && d < p->delay_max_usec; i++)
                d *= 2;
        return d < p->delay_max_usec ? d : p->delay_max_usec;
}

CrashVerdict crash_policy_record(const CrashPolicy *p, CrashHistory *h, uint64_t now, uint64_t running_since,
                                 uint64_t *ret_delay_usec, char *reason, size_t reason_size)
{
        unsigned recent = 0;

        if (running_since > 0 && now >= running_since && now - running_since >= p->healthy_usec)
                h->streak = 0;
        h->streak++;
        h->times[h->n_deaths % p->burst] = now;
        h->n_deaths++;
        for (unsigned i = 0; i < p->burst && i < h->n_deaths; i++)
                if (now - h->times[i] <= p->interval_usec)
                        recent++;

        *ret_delay_usec = 0;
        if (recent >= p->burst) {
                (void)snprintf(reason, reason_size, "%u crashes within %llu s", recent,
                               (unsigned long long)(p->interval_usec / USEC_PER_SEC));
                return CRASH_GIVE_UP_BURST;
        }
        if (h->streak >= p->streak_max) {
                (void)snprintf(reason, reason_size, "%u crashes without %llu min of healthy running",
                               h->streak, (unsigned long long)(p->healthy_usec / USEC_PER_SEC / 60));
                return CRASH_GIVE_UP_STREAK;
        }
        *ret_delay_usec = backoff(p, h->streak);
        (void)snprintf(reason, reason_size, "restart %u of a streak of at most %u, after %llu ms", h->streak,
                       p->streak_max, (unsigned long long)(*ret_delay_usec / USEC_PER_MSEC));
        return CRASH_RESTART;
}

const char *crash_verdict_to_string(CrashVerdict v)
{
        static const char *const names[] = {
            [CRASH_RESTART] = "restart",
            [CRASH_GIVE_UP_BURST] = "give-up-burst",
            [CRASH_GIVE_UP_STREAK] = "give-up-streak",
        };
        return (size_t)v < ELEMENTSOF(names) ? names[v] : "unknown";
}
