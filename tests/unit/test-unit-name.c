/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "unit-name.h"

static void test_round_trip(void **state)
{
        char *unit = NULL, *driver = NULL, *sysname = NULL, *fdname = NULL, *back = NULL;

        assert_int_equal(driver_unit_name("usb-printer", "1-1.2:1.0", &unit), 0);
        assert_string_equal(unit, "drvhost-driver@usb-printer_1-1.2:1.0.service");
        assert_int_equal(driver_unit_name_parse(unit, &driver, &sysname), 0);
        assert_string_equal(driver, "usb-printer");
        assert_string_equal(sysname, "1-1.2:1.0");

        /* The fd store forbids ':' in names. */
        assert_int_equal(driver_unit_to_fdname(unit, &fdname), 0);
        assert_null(strchr(fdname, ':'));
        assert_int_equal(driver_unit_from_fdname(fdname, &back), 0);
        assert_string_equal(back, unit);

        free(unit);
        free(driver);
        free(sysname);
        free(fdname);
        free(back);
}

static void test_rejects(void **state)
{
        char *s = NULL;

        /* '_' separates driver and interface, so neither may contain it; nor '/', spaces, '@'. */
        assert_int_equal(driver_unit_name("usb_printer", "1-1:1.0", &s), -EINVAL);
        assert_int_equal(driver_unit_name("Printer", "1-1:1.0", &s), -EINVAL);
        assert_int_equal(driver_unit_name("p", "1-1:1.0/x", &s), -EINVAL);
        assert_int_equal(driver_unit_name("p", "", &s), -EINVAL);
        assert_int_equal(driver_unit_name("", "1-1:1.0", &s), -EINVAL);
        assert_int_equal(driver_unit_name("p", "usb1", &s), -EINVAL);
        assert_null(s);

        assert_int_equal(driver_unit_name_parse("drvhost.service", NULL, NULL), -EINVAL);
        assert_int_equal(driver_unit_name_parse("drvhost-driver@.service", NULL, NULL), -EINVAL);
        assert_int_equal(driver_unit_name_parse("drvhost-driver@p.service", NULL, NULL), -EINVAL);
        assert_int_equal(driver_unit_name_parse("drvhost-driver@p_1-1:1.0.socket", NULL, NULL), -EINVAL);
        assert_int_equal(driver_unit_name_parse("other@p_1-1:1.0.service", NULL, NULL), -EINVAL);
        assert_int_equal(driver_unit_from_fdname("stdin", &s), -EINVAL);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_round_trip),
                cmocka_unit_test(test_rejects),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
