/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "table-text.h"
#include "table.h"

#define RED "\033[0;31m"

static char *render(const Table *t, bool legend, bool color)
{
        char *buf = NULL;
        size_t size = 0;
        FILE *mem = open_memstream(&buf, &size);

        assert_non_null(mem);
        assert_int_equal(table_print_text(t, mem, legend, color), 0);
        assert_int_equal(fclose(mem), 0);
        return buf;
}

static void expect(const Table *t, bool legend, bool color, const char *want)
{
        char *s = render(t, legend, color);

        if (!streq(s, want))
                print_error("got:\n%s\nwant:\n%s\n", s, want);
        assert_string_equal(s, want);
        free(s);
}

enum { L_DEVICE, L_SYSPATH, L_DECISION, L_DRIVER, L_DETAILS, _L_MAX };

static const Column list_columns[_L_MAX] = {
    [L_DEVICE] = {.header = "DEVICE", .json_key = "sysname"},
    [L_SYSPATH] = {.json_key = "syspath", .flags = COLUMN_TEXT_HIDDEN},
    [L_DECISION] = {.header = "DECISION", .json_key = "decision", .min_width = 10},
    [L_DRIVER] = {.header = "DRIVER", .json_key = "driver", .min_width = 8, .empty_text = "-"},
    [L_DETAILS] = {.header = "DETAILS", .flags = COLUMN_JSON_HIDDEN},
};

static void add(Table *t, const char *device, const char *decision, const char *driver, const char *details)
{
        ssize_t row = table_add_row(t);

        assert_true(row >= 0);
        assert_int_equal(table_set_string(t, row, L_DEVICE, device), 0);
        assert_int_equal(table_set_string(t, row, L_SYSPATH, "/sys/hidden"), 0);
        assert_int_equal(table_set_string(t, row, L_DECISION, decision), 0);
        assert_int_equal(table_set_string_or_null(t, row, L_DRIVER, driver), 0);
        assert_int_equal(table_set_string_or_null(t, row, L_DETAILS, details), 0);
}

static void test_tree_aligned_on_display_width(void **state)
{
        _cleanup_(table_freep) Table *t = table_new(TABLE_ROWS, list_columns, _L_MAX);

        assert_non_null(t);
        add(t, "1-1", "device", "", "Printer");
        add(t, "1-1:1.0", "user-mode", "usb-printer", "drvhost-driver@x.service active/running");
        add(t, "1-1:1.1", "delegated", "usb-storage", "");
        add(t, "sda", "delegated", "sd", "");
        add(t, "2-1", "kernel", "usbhid", "");
        assert_int_equal(table_set_parent(t, 1, 0), 0);
        assert_int_equal(table_set_parent(t, 2, 0), 0);
        assert_int_equal(table_set_parent(t, 3, 2), 0);
        assert_int_equal(table_set_parent(t, 3, 3), -EINVAL);
        assert_int_equal(table_set_footer(t, "%d device(s).", 5), 0);

        expect(t, true, false,
               "DEVICE    DECISION   DRIVER      DETAILS\n"
               "1-1       device     -           Printer\n"
               "├─1-1:1.0 user-mode  usb-printer drvhost-driver@x.service active/running\n"
               "└─1-1:1.1 delegated  usb-storage\n"
               "  └─sda   delegated  sd\n"
               "2-1       kernel     usbhid\n"
               "\n"
               "5 device(s).\n");
        /* Without the legend: no header, no footer. Lines end without blanks. */
        expect(t, false, false,
               "1-1       device     -           Printer\n"
               "├─1-1:1.0 user-mode  usb-printer drvhost-driver@x.service active/running\n"
               "└─1-1:1.1 delegated  usb-storage\n"
               "  └─sda   delegated  sd\n"
               "2-1       kernel     usbhid\n");
}

static void test_colors_only_when_asked(void **state)
{
        _cleanup_(table_freep) Table *t = table_new(TABLE_ROWS, list_columns, _L_MAX);

        assert_non_null(t);
        add(t, "a", "fallback", "x", "");
        assert_int_equal(table_set_style(t, 0, L_DECISION, RED, false), 0);
        expect(t, true, true,
               "\033[1mDEVICE DECISION   DRIVER   DETAILS\033[0m\n"
               "a      " RED "fallback\033[0m   x\n");
        /* Without the legend the header's width does not count. */
        expect(t, false, false, "a fallback   x\n");
}

enum { D_NAME, D_PRIORITY, D_PATH, D_DESCRIPTION, D_MATCHES, _D_MAX };

static const Column detail_columns[_D_MAX] = {
    [D_NAME] = {.header = "NAME", .json_key = "name"},
    [D_PRIORITY] = {.header = "PRIORITY", .json_key = "priority", .flags = COLUMN_RIGHT},
    [D_PATH] = {.header = "FILE", .json_key = "path"},
    [D_DESCRIPTION] = {.json_key = "description", .flags = COLUMN_DETAIL},
    [D_MATCHES] = {.json_key = "matches", .flags = COLUMN_DETAIL, .prefix = "Match="},
};

static void test_details_and_right_alignment(void **state)
{
        _cleanup_(table_freep) Table *t = table_new(TABLE_ROWS, detail_columns, _D_MAX);
        char *const matches[] = {"usb:v1*", "usb:v2*", NULL};

        assert_non_null(t);
        assert_int_equal(table_add_row(t), 0);
        assert_int_equal(table_set_string(t, 0, D_NAME, "usb-printer"), 0);
        assert_int_equal(table_set_int(t, 0, D_PRIORITY, -10), 0);
        assert_int_equal(table_set_string(t, 0, D_PATH, "/usr/lib/a.driver"), 0);
        assert_int_equal(table_set_string(t, 0, D_DESCRIPTION, "USB printers"), 0);
        assert_int_equal(table_set_strv(t, 0, D_MATCHES, matches), 0);
        assert_int_equal(table_add_row(t), 1);
        assert_int_equal(table_set_string(t, 1, D_NAME, "x"), 0);
        assert_int_equal(table_set_int(t, 1, D_PRIORITY, 5), 0);
        assert_int_equal(table_set_string(t, 1, D_PATH, "/etc/x.driver"), 0);
        assert_int_equal(table_set_string_or_null(t, 1, D_DESCRIPTION, ""), 0);

        expect(t, true, false,
               "NAME        PRIORITY FILE\n"
               "usb-printer      -10 /usr/lib/a.driver\n"
               "    USB printers\n"
               "    Match=usb:v1*\n"
               "    Match=usb:v2*\n"
               "x                  5 /etc/x.driver\n");
}

/* A product string is the device's to choose: it must not clear the screen, recolor, or start a line
 * that looks like another device's; the table stays aligned on what is shown. */
static void test_device_strings_escaped(void **state)
{
        _cleanup_(table_freep) Table *t = table_new(TABLE_ROWS, detail_columns, _D_MAX);
        char *const matches[] = {"usb:v1*\r\x1b[2K", NULL};

        assert_non_null(t);
        assert_int_equal(table_add_row(t), 0);
        assert_int_equal(table_set_string(t, 0, D_NAME, "\x1b[2J\x1b[31mx"), 0);
        assert_int_equal(table_set_int(t, 0, D_PRIORITY, 1), 0);
        assert_int_equal(table_set_string(t, 0, D_PATH, "p\\x1b"), 0); /* escaped by drvhostd already */
        assert_int_equal(table_set_string(t, 0, D_DESCRIPTION, "Printer\n1-2 user-mode evil \xff"), 0);
        assert_int_equal(table_set_strv(t, 0, D_MATCHES, matches), 0);

        expect(t, true, false,
               "NAME             PRIORITY FILE\n"
               "\\x1b[2J\\x1b[31mx        1 p\\x1b\n"
               "    Printer\\n1-2 user-mode evil \\xff\n"
               "    Match=usb:v1*\\r\\x1b[2K\n");
}

enum { R_TITLE, R_SYSPATH, R_PARENT, R_MODALIAS, R_KERNEL_DRIVER, R_JSON_ONLY, R_LIST, _R_MAX };

static const Column record_columns[_R_MAX] = {
    [R_TITLE] = {.flags = COLUMN_JSON_HIDDEN},
    [R_SYSPATH] = {.header = "Syspath", .json_key = "syspath"},
    [R_PARENT] = {.header = "Parent", .json_key = "parent"},
    [R_MODALIAS] = {.header = "Modalias", .json_key = "modalias", .empty_text = "-"},
    [R_KERNEL_DRIVER] = {.header = "Kernel driver", .json_key = "kernel_driver"},
    [R_JSON_ONLY] = {.header = "Hidden label", .json_key = "hidden", .flags = COLUMN_TEXT_HIDDEN},
    [R_LIST] = {.json_key = "list", .flags = COLUMN_BLANK_BEFORE},
};

static void test_record_with_a_list(void **state)
{
        _cleanup_(table_freep) Table *t = table_new(TABLE_RECORD, record_columns, _R_MAX);
        Table *list = table_new(TABLE_ROWS, list_columns, _L_MAX);

        assert_non_null(t);
        assert_int_equal(table_add_row(t), -EINVAL); /* a record has one row */
        assert_int_equal(table_set_string(t, 0, R_TITLE, "1-1:1.0 - Printer"), 0);
        assert_int_equal(table_set_style(t, 0, R_TITLE, NULL, true), 0);
        assert_int_equal(table_set_string(t, 0, R_SYSPATH, "/sys/devices/x"), 0);
        assert_int_equal(table_set_string(t, 0, R_PARENT, NULL), 0);
        assert_int_equal(table_set_string_or_null(t, 0, R_MODALIAS, ""), 0);
        assert_int_equal(table_set_string(t, 0, R_KERNEL_DRIVER, "usblp"), 0);
        assert_int_equal(table_set_string(t, 0, R_JSON_ONLY, "x"), 0);
        assert_int_equal(table_set_table(t, 0, R_LIST, list), 0);
        assert_int_equal(table_set_empty_text(list, "No match."), 0);

        /* Labels right-aligned on the longest one shown; a NULL without empty_text is left out. */
        expect(t, true, false,
               "1-1:1.0 - Printer\n"
               "      Syspath: /sys/devices/x\n"
               "     Modalias: -\n"
               "Kernel driver: usblp\n"
               "\n"
               "No match.\n");
        expect(t, true, true,
               "\033[1m1-1:1.0 - Printer\033[0m\n"
               "      Syspath: /sys/devices/x\n"
               "     Modalias: -\n"
               "Kernel driver: usblp\n"
               "\n"
               "No match.\n");

        add(list, "a", "kernel", NULL, NULL);
        expect(t, false, false,
               "1-1:1.0 - Printer\n"
               "      Syspath: /sys/devices/x\n"
               "     Modalias: -\n"
               "Kernel driver: usblp\n"
               "\n"
               "a kernel     -\n");
}

/* A list in a record (drvhostctl status's backtrace): one item per line, aligned under the first. */
enum { B_CRASH, B_FRAMES, _B_MAX };
static const Column backtrace_columns[_B_MAX] = {
    [B_CRASH] = {.header = "Last crash", .json_key = "last_crash"},
    [B_FRAMES] = {.header = "Backtrace", .json_key = "frames", .flags = COLUMN_DETAIL},
};

static void test_record_list_one_per_line(void **state)
{
        _cleanup_(table_freep) Table *t = table_new(TABLE_RECORD, backtrace_columns, _B_MAX);
        char *frames[] = {(char *)"#0 0x1 f (a + 0x1)", (char *)"#1 0x2 g (a + 0x2)", NULL};

        assert_non_null(t);
        assert_int_equal(table_set_string(t, 0, B_CRASH, "SIGSEGV"), 0);
        assert_int_equal(table_set_strv(t, 0, B_FRAMES, frames), 0);
        expect(t, true, false,
               "Last crash: SIGSEGV\n"
               " Backtrace: #0 0x1 f (a + 0x1)\n"
               "            #1 0x2 g (a + 0x2)\n");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_tree_aligned_on_display_width),
            cmocka_unit_test(test_colors_only_when_asked),
            cmocka_unit_test(test_details_and_right_alignment),
            cmocka_unit_test(test_device_strings_escaped),
            cmocka_unit_test(test_record_with_a_list),
            cmocka_unit_test(test_record_list_one_per_line),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
