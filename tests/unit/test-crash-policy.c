/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "crash-policy.h"
#include "time-util.h"

static CrashVerdict record(const CrashPolicy *p, CrashHistory *h, uint64_t now, uint64_t since,
                           uint64_t *delay)
{
        char reason[CRASH_POLICY_REASON_MAX];

        return crash_policy_record(p, h, now, since, delay, reason, sizeof(reason));
}

static void test_burst_gives_up(void **state)
{
        CrashPolicy p;
        CrashHistory h = {};
        uint64_t delay, t = 1000 * USEC_PER_SEC;

        crash_policy_init(&p, 3, 10 * USEC_PER_SEC);
        assert_int_equal(record(&p, &h, t, 0, &delay), CRASH_RESTART);
        assert_int_equal(record(&p, &h, t + USEC_PER_SEC, 0, &delay), CRASH_RESTART);
        assert_int_equal(record(&p, &h, t + 2 * USEC_PER_SEC, 0, &delay), CRASH_GIVE_UP_BURST);
        assert_int_equal(h.n_deaths, 3);
}

static void test_backoff_doubles_and_is_capped(void **state)
{
        CrashPolicy p;
        CrashHistory h = {};
        uint64_t delay, expect = CRASH_POLICY_DELAY_MIN_USEC, t = 0;

        crash_policy_init(&p, 1000, USEC_PER_SEC); /* the burst never trips: deaths are 2 s apart */
        p.streak_max = 100;
        for (unsigned i = 0; i < 20; i++) {
                t += 2 * USEC_PER_SEC;
                assert_int_equal(record(&p, &h, t, 0, &delay), CRASH_RESTART);
                assert_int_equal(delay, expect);
                expect = expect * 2 > CRASH_POLICY_DELAY_MAX_USEC ? CRASH_POLICY_DELAY_MAX_USEC : expect * 2;
        }
}

/* Found in the lab: a driver dying every ~10 s crashed 14 times in 136 s and was never given up. */
static void test_slow_crash_loop_gives_up(void **state)
{
        CrashPolicy p;
        CrashHistory h = {};
        uint64_t delay, t = 0;
        CrashVerdict v = CRASH_RESTART;
        unsigned n = 0;

        crash_policy_init(&p, 5, 10 * USEC_PER_SEC);
        while (v == CRASH_RESTART && n < 100) {
                uint64_t started = t + 1;

                t += 11 * USEC_PER_SEC; /* runs 11 s, dies: never 5 within 10 s */
                v = record(&p, &h, t, started, &delay);
                n++;
        }
        assert_int_equal(v, CRASH_GIVE_UP_STREAK);
        assert_int_equal(n, CRASH_POLICY_STREAK_MAX);
}

static void test_healthy_stretch_forgets_the_streak(void **state)
{
        CrashPolicy p;
        CrashHistory h = {};
        uint64_t delay, t = 0;

        crash_policy_init(&p, 5, 10 * USEC_PER_SEC);
        for (unsigned i = 0; i < 100; i++) {
                uint64_t started = t;

                t += CRASH_POLICY_HEALTHY_USEC + USEC_PER_SEC; /* served for more than 30 min each time */
                assert_int_equal(record(&p, &h, t, started, &delay), CRASH_RESTART);
                assert_int_equal(h.streak, 1);
                assert_int_equal(delay, CRASH_POLICY_DELAY_MIN_USEC);
        }
        assert_int_equal(h.n_deaths, 100);
}

static void test_burst_is_clamped(void **state)
{
        CrashPolicy p;

        crash_policy_init(&p, 100000, USEC_PER_SEC);
        assert_int_equal(p.burst, CRASH_POLICY_BURST_MAX);
        crash_policy_init(&p, 0, USEC_PER_SEC);
        assert_int_equal(p.burst, 1);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_burst_gives_up),
            cmocka_unit_test(test_backoff_doubles_and_is_capped),
            cmocka_unit_test(test_slow_crash_loop_gives_up),
            cmocka_unit_test(test_healthy_stretch_forgets_the_streak),
            cmocka_unit_test(test_burst_is_clamped),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
