/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <syslog.h>

#include <cmocka.h>

#include "event.h"
#include "messages.h"

static void test_fields_in_order_and_null_skipped(void **state)
{
        const EventField fields[] = {
                { "DRVHOST_DEVICE", "/sys/devices/x/1-1" },
                { "DRVHOST_DRIVER", NULL },
                { "DRVHOST_UNIT", "drvhost-driver@printer-1-1.service" },
        };
        Event e;

        assert_int_equal(event_build(&e, DRVHOST_MESSAGE_BOUND, LOG_INFO, fields, 3, "bound"), 0);
        assert_int_equal(e.n, 5);
        assert_string_equal(event_get(&e, "MESSAGE_ID"), DRVHOST_MESSAGE_BOUND);
        assert_string_equal(event_get(&e, "PRIORITY"), "6");
        assert_string_equal(event_get(&e, "MESSAGE"), "bound");
        assert_string_equal(event_get(&e, "DRVHOST_DEVICE"), "/sys/devices/x/1-1");
        assert_null(event_get(&e, "DRVHOST_DRIVER"));
        assert_string_equal(event_get(&e, "DRVHOST_UNIT"), "drvhost-driver@printer-1-1.service");
        /* A prefix of a key is not the key. */
        assert_null(event_get(&e, "DRVHOST_DEV"));
        assert_memory_equal(e.iov[3].iov_base, "DRVHOST_DEVICE=", strlen("DRVHOST_DEVICE="));
        event_done(&e);
}

static void test_invalid_field_names_rejected(void **state)
{
        static const char *const bad[] = { "lower", "_TRUSTED", "1ST", "", "SPACE KEY",
                                           "A234567890123456789012345678901234567890123456789012345678901234X" };
        Event e;

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                const EventField f = { bad[i], "v" };

                assert_int_equal(event_build(&e, DRVHOST_MESSAGE_BOUND, LOG_INFO, &f, 1, "m"), -EINVAL);
                assert_int_equal(e.n, 0);
        }
}

static void test_too_many_fields(void **state)
{
        EventField fields[EVENT_FIELDS_MAX + 1];
        Event e;

        for (size_t i = 0; i < EVENT_FIELDS_MAX + 1; i++)
                fields[i] = (EventField){ "DRVHOST_X", "v" };
        assert_int_equal(event_build(&e, DRVHOST_MESSAGE_BOUND, LOG_INFO, fields, EVENT_FIELDS_MAX + 1, "m"),
                         -E2BIG);
        assert_int_equal(event_build(&e, DRVHOST_MESSAGE_BOUND, LOG_INFO, fields, EVENT_FIELDS_MAX, "m"), 0);
        assert_int_equal(e.n, EVENT_FIELDS_MAX + 3);
        event_done(&e);
}

static void test_message_ids_are_distinct_id128(void **state)
{
        static const char *const ids[] = {
                DRVHOST_MESSAGE_DEVICE_ADDED, DRVHOST_MESSAGE_DEVICE_REMOVED, DRVHOST_MESSAGE_BOUND,
                DRVHOST_MESSAGE_CRASHED,      DRVHOST_MESSAGE_RESTARTED,      DRVHOST_MESSAGE_GAVE_UP,
                DRVHOST_MESSAGE_FELL_BACK,    DRVHOST_MESSAGE_DELEGATED,      DRVHOST_MESSAGE_RELEASED,
                DRVHOST_MESSAGE_MANIFEST_INVALID, DRVHOST_MESSAGE_UNPLUGGED,  DRVHOST_MESSAGE_DEVICE_CHANGED,
        };

        for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
                assert_int_equal(strlen(ids[i]), 32);
                assert_int_equal(strspn(ids[i], "0123456789abcdef"), 32);
                for (size_t j = i + 1; j < sizeof(ids) / sizeof(ids[0]); j++)
                        assert_string_not_equal(ids[i], ids[j]);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_fields_in_order_and_null_skipped),
                cmocka_unit_test(test_invalid_field_names_rejected),
                cmocka_unit_test(test_too_many_fields),
                cmocka_unit_test(test_message_ids_are_distinct_id128),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
