/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The frames drvhostctl status shows from systemd-coredump's journal message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "coredump-journal.h"
#include "macro.h"

/* As systemd 252's systemd-coredump writes it (a driver without symbols). */
static const char message[] = "Process 1234 (drvhost-sample) of user 61234 dumped core.\n"
                              "\n"
                              "Module /usr/libexec/drvhost/drvhost-sample from deb drvhost-0.1.0.amd64\n"
                              "Stack trace of thread 1234:\n"
                              "#0  0x00007f2c1e0a1234 __pthread_kill_implementation (libc.so.6 + 0x8aeec)\n"
                              "#1  0x00007f2c1e05bfb2 raise (libc.so.6 + 0x3cfb2)\n"
                              "#2  0x000055d0c0a01a2b n/a (drvhost-sample + 0x1a2b)\n"
                              "\n"
                              "Stack trace of thread 1240:\n"
                              "#0  0x00007f2c1e0a9999 n/a (libc.so.6 + 0x99999)\n"
                              "ELF object binary architecture: AMD x86-64";

static void test_first_thread_only(void **state)
{
        _cleanup_strv_free_ char **frames = NULL;

        assert_int_equal(coredump_parse_frames(message, strlen(message), 5, &frames), 1);
        assert_int_equal(strv_length(frames), 3);
        assert_string_equal(frames[0],
                            "#0  0x00007f2c1e0a1234 __pthread_kill_implementation (libc.so.6 + 0x8aeec)");
        assert_string_equal(frames[2], "#2  0x000055d0c0a01a2b n/a (drvhost-sample + 0x1a2b)");
}

static void test_at_most_max(void **state)
{
        _cleanup_strv_free_ char **frames = NULL;

        assert_int_equal(coredump_parse_frames(message, strlen(message), 2, &frames), 1);
        assert_int_equal(strv_length(frames), 2);
}

static void test_indented_and_unterminated(void **state)
{
        static const char indented[] =
            "Stack trace of thread 7:\n        #0  0x1 f (a + 0x1)\n        #1  0x2 g (a + 0x2)";
        _cleanup_strv_free_ char **frames = NULL;

        /* The length excludes a trailing part: nothing is read past it. */
        assert_int_equal(
            coredump_parse_frames(indented, strlen(indented) - strlen("#1  0x2 g (a + 0x2)"), 5, &frames),
            1);
        assert_int_equal(strv_length(frames), 1);
        assert_string_equal(frames[0], "#0  0x1 f (a + 0x1)");
}

static void test_no_frames(void **state)
{
        static const char none[] = "Process 1 (x) of user 0 dumped core.\n\nStack trace unavailable.";
        char **frames = NULL;

        assert_int_equal(coredump_parse_frames(none, strlen(none), 5, &frames), 0);
        assert_null(frames);
        assert_int_equal(coredump_parse_frames("", 0, 5, &frames), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_first_thread_only),
            cmocka_unit_test(test_at_most_max),
            cmocka_unit_test(test_indented_and_unterminated),
            cmocka_unit_test(test_no_frames),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
