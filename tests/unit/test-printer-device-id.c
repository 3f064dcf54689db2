/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The IEEE 1284 device ID: GET_DEVICE_ID responses (length prefix in either byte order) and the
 * KEY:value parser, with the sloppiness real printers show, and the port status words. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "device-id.h"
#include "macro.h"
#include "printer-class.h"

#define LAB_ID "MFG:drvhost;MDL:Lab Printer;CMD:PCL,PJL;CLS:PRINTER;DES:drvhost virtual printer;"

/* A response: length prefix (big- or little-endian, counting itself) and the ID. */
static size_t response(uint8_t *buf, const char *id, bool little_endian)
{
        size_t len = strlen(id) + DEVICE_ID_LENGTH_SIZE;

        buf[little_endian ? 1 : 0] = (uint8_t)(len >> 8);
        buf[little_endian ? 0 : 1] = (uint8_t)len;
        memcpy(buf + DEVICE_ID_LENGTH_SIZE, id, strlen(id));
        return len;
}

static void test_response_big_endian(void **state)
{
        uint8_t buf[512];
        size_t n = response(buf, LAB_ID, false), len;
        const char *id;

        assert_int_equal(device_id_from_response(buf, n, &id, &len), 0);
        assert_int_equal(len, strlen(LAB_ID));
        assert_memory_equal(id, LAB_ID, len);
}

static void test_response_little_endian_quirk(void **state)
{
        /* 84 bytes: big-endian 0x5400 would be 21504, beyond what came: the quirk. */
        uint8_t buf[512];
        size_t n = response(buf, LAB_ID, true), len;
        const char *id;

        assert_int_equal(buf[0], strlen(LAB_ID) + 2);
        assert_int_equal(buf[1], 0);
        assert_int_equal(device_id_from_response(buf, n, &id, &len), 0);
        assert_int_equal(len, strlen(LAB_ID));
        assert_memory_equal(id, LAB_ID, len);
}

static void test_response_longer_than_announced(void **state)
{
        /* Extra bytes after the announced length (a padded transfer) are not part of the ID. */
        uint8_t buf[512];
        size_t n = response(buf, "MFG:A;MDL:B;", false), len;
        const char *id;

        memcpy(buf + n, "garbage", 7);
        assert_int_equal(device_id_from_response(buf, n + 7, &id, &len), 0);
        assert_int_equal(len, strlen("MFG:A;MDL:B;"));
}

static void test_response_nul_padded(void **state)
{
        uint8_t buf[64] = {0, 40};
        const char *id;
        size_t len;

        memcpy(buf + 2, "MFG:A;", 6);
        assert_int_equal(device_id_from_response(buf, 40, &id, &len), 0);
        assert_int_equal(len, 6);
}

static void test_response_implausible(void **state)
{
        uint8_t buf[8] = {0x7f, 0x7f, 'M', 'F', 'G'};
        const char *id;
        size_t len;

        /* Both readings beyond the 5 bytes received. */
        assert_int_equal(device_id_from_response(buf, 5, &id, &len), -EBADMSG);
        /* Below the 2 bytes of the prefix itself, both ways. */
        buf[0] = 0;
        buf[1] = 0;
        assert_int_equal(device_id_from_response(buf, 5, &id, &len), -EBADMSG);
        buf[0] = 1;
        assert_int_equal(device_id_from_response(buf, 5, &id, &len), -EBADMSG);
        /* Too short to hold a prefix. */
        assert_int_equal(device_id_from_response(buf, 1, &id, &len), -EBADMSG);
        assert_int_equal(device_id_from_response(buf, 0, &id, &len), -EBADMSG);
        assert_int_equal(device_id_from_response(NULL, 0, &id, &len), -EBADMSG);
}

static void test_response_empty_id(void **state)
{
        uint8_t buf[2] = {0, 2};
        const char *id;
        size_t len;

        assert_int_equal(device_id_from_response(buf, 2, &id, &len), 0);
        assert_int_equal(len, 0);
}

static void test_response_overlong(void **state)
{
        size_t n = DEVICE_ID_MAX + 1 + DEVICE_ID_LENGTH_SIZE;
        uint8_t *buf = calloc(1, n);
        const char *id;
        size_t len;

        assert_non_null(buf);
        memset(buf + 2, 'A', n - 2);
        buf[0] = (uint8_t)(n >> 8);
        buf[1] = (uint8_t)n;
        assert_int_equal(device_id_from_response(buf, n, &id, &len), -EMSGSIZE);
        /* Exactly DEVICE_ID_MAX is fine. */
        n--;
        buf[0] = (uint8_t)(n >> 8);
        buf[1] = (uint8_t)n;
        assert_int_equal(device_id_from_response(buf, n, &id, &len), 0);
        assert_int_equal(len, DEVICE_ID_MAX);
        free(buf);
}

static void test_parse_normal(void **state)
{
        _cleanup_(device_id_donep) DeviceId id = {};

        assert_int_equal(device_id_parse(LAB_ID, strlen(LAB_ID), &id), 0);
        assert_string_equal(id.manufacturer, "drvhost");
        assert_string_equal(id.model, "Lab Printer");
        assert_string_equal(id.command_set, "PCL,PJL");
        assert_string_equal(id.class, "PRINTER");
        assert_string_equal(id.description, "drvhost virtual printer");
        assert_null(id.serial);
}

static void test_parse_long_keys_and_spaces(void **state)
{
        static const char s[] = " MANUFACTURER : Hewlett-Packard ;model:HP LaserJet 1020; COMMAND SET:ZJS\t;"
                                "SERN:CN12345;CLASS:PRINTER;DESCRIPTION: a b ;";
        _cleanup_(device_id_donep) DeviceId id = {};

        assert_int_equal(device_id_parse(s, strlen(s), &id), 0);
        assert_string_equal(id.manufacturer, "Hewlett-Packard");
        assert_string_equal(id.model, "HP LaserJet 1020");
        assert_string_equal(id.command_set, "ZJS");
        assert_string_equal(id.serial, "CN12345");
        assert_string_equal(id.class, "PRINTER");
        assert_string_equal(id.description, "a b");
}

static void test_parse_missing_trailing_semicolon(void **state)
{
        /* What the configfs printer gadget sends: its last two characters cut, a newline kept. */
        static const char s[] = "MFG:drvhost;MDL:Lab Printer;DES:drvhost virtual printer";
        _cleanup_(device_id_donep) DeviceId id = {};

        assert_int_equal(device_id_parse(s, strlen(s), &id), 0);
        assert_string_equal(id.description, "drvhost virtual printer");
        device_id_done(&id);
        assert_int_equal(device_id_parse("MDL:X\n", 6, &id), 0);
        assert_string_equal(id.model, "X");
}

static void test_parse_missing_fields(void **state)
{
        _cleanup_(device_id_donep) DeviceId id = {};

        assert_int_equal(device_id_parse("CLS:PRINTER;", 12, &id), 0);
        assert_null(id.manufacturer);
        assert_null(id.model);
        assert_string_equal(id.class, "PRINTER");
        device_id_done(&id);

        assert_int_equal(device_id_parse("", 0, &id), 0);
        assert_null(id.manufacturer);
        assert_int_equal(device_id_parse(NULL, 0, &id), 0);

        /* An empty value is a value. */
        assert_int_equal(device_id_parse("MFG:;MDL:M", 10, &id), 0);
        assert_string_equal(id.manufacturer, "");
        assert_string_equal(id.model, "M");
}

static void test_parse_first_key_wins(void **state)
{
        static const char s[] = "MFG:One;MANUFACTURER:Two;MFG:Three;SN:1;SN:2";
        _cleanup_(device_id_donep) DeviceId id = {};

        assert_int_equal(device_id_parse(s, strlen(s), &id), 0);
        assert_string_equal(id.manufacturer, "One");
        assert_string_equal(id.serial, "1");
}

static void test_parse_garbage(void **state)
{
        static const char s[] = ";;;no colon here;:empty key;\x01\x02\xff;MDL:Still Found;X:Y:Z;MFG:a:b";
        _cleanup_(device_id_donep) DeviceId id = {};

        assert_int_equal(device_id_parse(s, strlen(s), &id), 0);
        assert_string_equal(id.model, "Still Found");
        /* Only the first ':' separates: the value keeps the others. */
        assert_string_equal(id.manufacturer, "a:b");
}

static void test_parse_respects_length(void **state)
{
        /* Not NUL-terminated where the length ends: nothing past it is read. */
        static const char s[] = "MFG:Cut;MDL:Here_and_not_beyond";
        _cleanup_(device_id_donep) DeviceId id = {};

        assert_int_equal(device_id_parse(s, strlen("MFG:Cut;MDL:Here"), &id), 0);
        assert_string_equal(id.model, "Here");
}

static void test_parse_rejects(void **state)
{
        _cleanup_(device_id_donep) DeviceId id = {};
        char *big = malloc(DEVICE_ID_MAX + 1);

        assert_non_null(big);
        memset(big, 'A', DEVICE_ID_MAX + 1);
        memcpy(big, "MFG:", 4);
        assert_int_equal(device_id_parse(big, DEVICE_ID_MAX + 1, &id), -EMSGSIZE);
        assert_null(id.manufacturer);
        assert_int_equal(device_id_parse(big, DEVICE_ID_MAX, &id), 0);
        assert_int_equal(strlen(id.manufacturer), DEVICE_ID_MAX - 4);
        device_id_done(&id);
        free(big);

        assert_int_equal(device_id_parse("MFG:A\0B;", 8, &id), -EINVAL);
        assert_null(id.manufacturer);
}

static void test_port_status(void **state)
{
        assert_string_equal(port_status_to_string(PORT_STATUS_NOT_ERROR | PORT_STATUS_SELECTED), "ready");
        assert_string_equal(port_status_to_string(PORT_STATUS_NOT_ERROR), "offline");
        assert_string_equal(port_status_to_string(PORT_STATUS_SELECTED), "error");
        assert_string_equal(
            port_status_to_string(PORT_STATUS_NOT_ERROR | PORT_STATUS_SELECTED | PORT_STATUS_PAPER_EMPTY),
            "paper empty");
        /* Reserved bits do not matter. */
        assert_string_equal(port_status_to_string(0xc7 | PORT_STATUS_NOT_ERROR | PORT_STATUS_SELECTED),
                            "ready");
        assert_int_equal(printer_device_id_windex(1, 2), 0x0102);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_response_big_endian),
            cmocka_unit_test(test_response_little_endian_quirk),
            cmocka_unit_test(test_response_longer_than_announced),
            cmocka_unit_test(test_response_nul_padded),
            cmocka_unit_test(test_response_implausible),
            cmocka_unit_test(test_response_empty_id),
            cmocka_unit_test(test_response_overlong),
            cmocka_unit_test(test_parse_normal),
            cmocka_unit_test(test_parse_long_keys_and_spaces),
            cmocka_unit_test(test_parse_missing_trailing_semicolon),
            cmocka_unit_test(test_parse_missing_fields),
            cmocka_unit_test(test_parse_first_key_wins),
            cmocka_unit_test(test_parse_garbage),
            cmocka_unit_test(test_parse_respects_length),
            cmocka_unit_test(test_parse_rejects),
            cmocka_unit_test(test_port_status),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
