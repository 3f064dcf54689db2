/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "broker-protocol.h"
#include "unit-name.h"

/* The instance must make a user name systemd takes: at most 31 of [a-zA-Z0-9_-], not starting
 * with a digit or '-'. */
static void assert_valid_user(const char *unit)
{
        size_t prefix = strlen(DRVHOST_DRIVER_UNIT_PREFIX), suffix = strlen(DRVHOST_DRIVER_UNIT_SUFFIX);
        size_t n = strlen(unit) - prefix - suffix;
        const char *instance = unit + prefix;
        char user[64];

        assert_true(n + strlen(DRVHOST_DRIVER_USER_PREFIX) <= DRVHOST_DRIVER_USER_NAME_MAX);
        assert_true(snprintf(user, sizeof(user), "%s%.*s", DRVHOST_DRIVER_USER_PREFIX, (int)n, instance) > 0);
        assert_int_equal(strspn(user, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-"),
                         strlen(user));
}

static void test_unit_name(void **state)
{
        char *unit = NULL;

        assert_int_equal(driver_unit_name("usb-printer", "1-1.2:1.0", &unit), 0);
        assert_string_equal(unit, "drvhost-driver@usb-printer_1-1_2_1_0.service");
        assert_valid_user(unit);
        free(unit);

        assert_int_equal(driver_unit_name("edu", "0000:00:03.0", &unit), 0);
        assert_string_equal(unit, "drvhost-driver@edu_0000_00_03_0.service");
        free(unit);

        /* A long driver name is cut to fit (and not left ending in '-'); the device never is. */
        assert_int_equal(driver_unit_name("usb-serial-ftdi-long-name", "3-1.4.2.1:1.0", &unit), 0);
        assert_string_equal(unit, "drvhost-driver@usb-serial-ft_3-1_4_2_1_1_0.service");
        assert_valid_user(unit);
        free(unit);
        assert_int_equal(driver_unit_name("usb-serial-ftdi", "3-1.4.2.1.1:1.0", &unit), 0);
        assert_string_equal(unit, "drvhost-driver@usb-serial_3-1_4_2_1_1_1_0.service");
        assert_valid_user(unit);
        free(unit);

        /* Two bindings never share a name: the device part differs. */
        assert_int_equal(driver_unit_name("usb-serial-ftdi-long-name", "3-1.4.2.2:1.0", &unit), 0);
        assert_string_equal(unit, "drvhost-driver@usb-serial-ft_3-1_4_2_2_1_0.service");
        free(unit);

        /* A device name that leaves no room for a driver name. */
        assert_int_equal(driver_unit_name("p", "1-1.2.3.4.5.6.7.8.9.10.11:1.0", &unit), -ENAMETOOLONG);
}

static void test_fdname_round_trip(void **state)
{
        char *fdname = NULL, *driver = NULL, *sysname = NULL;
        FdstoreKind kind;

        /* The name drvhostd stored before the unit names changed: still adopted. */
        assert_int_equal(driver_fdname(FDSTORE_DEVICE, "usb-printer", "1-1.2:1.0", &fdname), 0);
        assert_string_equal(fdname, "drvhost-driver@usb-printer_1-1.2+1.0.service");
        assert_null(strchr(fdname, ':'));
        assert_int_equal(driver_fdname_parse(fdname, &kind, &driver, &sysname), 0);
        assert_int_equal(kind, FDSTORE_DEVICE);
        assert_string_equal(driver, "usb-printer");
        assert_string_equal(sysname, "1-1.2:1.0");
        free(fdname);
        free(driver);
        free(sysname);

        assert_int_equal(driver_fdname(FDSTORE_SOCKET, "usb-printer-with-a-very-long-name", "1-1:1.0", &fdname), 0);
        assert_string_equal(fdname, "socket+drvhost-driver@usb-printer-with-a-very-long-name_1-1+1.0.service");
        assert_int_equal(driver_fdname_parse(fdname, &kind, &driver, NULL), 0);
        assert_int_equal(kind, FDSTORE_SOCKET);
        assert_string_equal(driver, "usb-printer-with-a-very-long-name");
        free(fdname);
        free(driver);

        assert_int_equal(driver_fdname(FDSTORE_TTY, "usb-serial", "1-1:1.0", &fdname), 0);
        assert_int_equal(driver_fdname_parse(fdname, &kind, NULL, NULL), 0);
        assert_int_equal(kind, FDSTORE_TTY);
        free(fdname);
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
        assert_int_equal(driver_fdname(_FDSTORE_KIND_MAX, "p", "1-1:1.0", &s), -EINVAL);
        assert_null(s);

        assert_int_equal(driver_fdname_parse("stdin", NULL, NULL, NULL), -EINVAL);
        assert_int_equal(driver_fdname_parse("drvhost.service", NULL, NULL, NULL), -EINVAL);
        assert_int_equal(driver_fdname_parse("drvhost-driver@.service", NULL, NULL, NULL), -EINVAL);
        assert_int_equal(driver_fdname_parse("drvhost-driver@p.service", NULL, NULL, NULL), -EINVAL);
        assert_int_equal(driver_fdname_parse("drvhost-driver@p_1-1+1.0.socket", NULL, NULL, NULL), -EINVAL);
        assert_int_equal(driver_fdname_parse("tty+other@p_1-1+1.0.service", NULL, NULL, NULL), -EINVAL);
        assert_int_equal(driver_fdname_parse("pty+drvhost-driver@p_1-1+1.0.service", NULL, NULL, NULL), -EINVAL);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_unit_name),
                cmocka_unit_test(test_fdname_round_trip),
                cmocka_unit_test(test_rejects),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
