/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fault.h"
#include "macro.h"

static void test_signal_faults(void **state _unused_)
{
        assert_int_equal(fault_from_string("crash"), FAULT_CRASH);
        assert_int_equal(fault_signal(FAULT_CRASH), SIGSEGV);
        assert_int_equal(fault_from_string("abort"), FAULT_ABORT);
        assert_int_equal(fault_signal(FAULT_ABORT), SIGABRT);
        assert_int_equal(fault_from_string("kill"), FAULT_KILL);
        assert_int_equal(fault_signal(FAULT_KILL), SIGKILL);
        /* A clean end with the device present: SIGTERM, which drivers answer by exiting. */
        assert_int_equal(fault_from_string("exit"), FAULT_EXIT);
        assert_int_equal(fault_signal(FAULT_EXIT), SIGTERM);
}

static void test_library_faults_not_supported(void **state _unused_)
{
        static const char *const names[] = {"hang", "stall", "oom", "slow"};

        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
                int f = fault_from_string(names[i]);

                assert_true(f >= 0);
                assert_int_equal(fault_signal((Fault)f), -EOPNOTSUPP);
        }
}

static void test_unknown(void **state _unused_)
{
        assert_int_equal(fault_from_string("segv"), -EINVAL);
        assert_int_equal(fault_from_string("CRASH"), -EINVAL);
        assert_int_equal(fault_from_string(""), -EINVAL);
        assert_int_equal(fault_from_string("crash "), -EINVAL);
        assert_int_equal(fault_from_string(NULL), -EINVAL);
        assert_null(fault_to_string(_FAULT_MAX));
        assert_int_equal(fault_signal(_FAULT_MAX), -EINVAL);
}

/* Every fault has a name that parses back to it, and FAULT_NAMES lists exactly these names. */
static void test_round_trip(void **state _unused_)
{
        char names[128] = "";

        for (int f = 0; f < _FAULT_MAX; f++) {
                const char *s = fault_to_string((Fault)f);

                assert_non_null(s);
                assert_int_equal(fault_from_string(s), f);
                if (f > 0)
                        strcat(names, " ");
                strcat(names, s);
        }
        assert_string_equal(names, FAULT_NAMES);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_signal_faults),
                cmocka_unit_test(test_library_faults_not_supported),
                cmocka_unit_test(test_unknown),
                cmocka_unit_test(test_round_trip),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
