/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <json-c/json.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "json-writer.h"
#include "table.h"

enum { DEEP_TREE_LEVELS = 20, TOKENER_DEPTH = 1024 };

/* Renders t into memory and returns what was written (to be freed). */
static char *render(const Table *t, JsonFormat format)
{
        char *buf = NULL;
        size_t size = 0;
        FILE *mem = open_memstream(&buf, &size);

        assert_non_null(mem);
        assert_int_equal(json_write_table(mem, t, format), 0);
        assert_int_equal(fclose(mem), 0);
        return buf;
}

/* Parses s as exactly one JSON document (and its newline), to any depth. */
static struct json_object *parse(const char *s)
{
        struct json_tokener *tok = json_tokener_new_ex(TOKENER_DEPTH);
        struct json_object *o;

        assert_non_null(tok);
        o = json_tokener_parse_ex(tok, s, (int)strlen(s));
        if (json_tokener_get_error(tok) != json_tokener_success)
                print_error("invalid JSON (%s): %s\n", json_tokener_error_desc(json_tokener_get_error(tok)),
                            s);
        assert_int_equal(json_tokener_get_error(tok), json_tokener_success);
        /* Nothing after the document but its newline. */
        assert_int_equal(strspn(s + json_tokener_get_parse_end(tok), "\n"),
                         strlen(s + json_tokener_get_parse_end(tok)));
        assert_true(strlen(s) > 0 && s[strlen(s) - 1] == '\n');
        json_tokener_free(tok);
        return o;
}

enum { N_SYSNAME, N_CRASHES, N_PRIORITY, N_OK, N_UNIT, N_ABSENT, N_HIDDEN, N_CHILDREN, N_EMPTY, _N_MAX };

static const Column record_columns[_N_MAX] = {
    [N_SYSNAME] = {.json_key = "sysname"},
    [N_CRASHES] = {.json_key = "crashes"},
    [N_PRIORITY] = {.json_key = "priority"},
    [N_OK] = {.json_key = "ok"},
    [N_UNIT] = {.json_key = "unit"},
    [N_ABSENT] = {.json_key = "absent"},
    [N_HIDDEN] = {.header = "TEXT ONLY", .flags = COLUMN_JSON_HIDDEN},
    [N_CHILDREN] = {.json_key = "children"},
    [N_EMPTY] = {.json_key = "empty"},
};

enum { A_A, _A_MAX };

static const Column a_columns[_A_MAX] = {
    [A_A] = {.json_key = "a"},
};

static void test_nesting_and_commas(void **state)
{
        _cleanup_(table_freep) Table *t = table_new(TABLE_RECORD, record_columns, _N_MAX);
        Table *children = table_new(TABLE_ROWS, a_columns, _A_MAX);
        char *s;

        assert_non_null(t);
        assert_int_equal(table_set_string(t, 0, N_SYSNAME, "1-1:1.0"), 0);
        assert_int_equal(table_set_uint(t, 0, N_CRASHES, 3), 0);
        assert_int_equal(table_set_int(t, 0, N_PRIORITY, -10), 0);
        assert_int_equal(table_set_bool(t, 0, N_OK, true), 0);
        assert_int_equal(table_set_string_or_null(t, 0, N_UNIT, ""), 0);
        assert_int_equal(table_set_string(t, 0, N_HIDDEN, "not in JSON"), 0);
        assert_int_equal(table_set_table(t, 0, N_CHILDREN, children), 0);
        assert_int_equal(table_add_row(children), 0);
        assert_int_equal(table_add_row(children), 1);
        assert_int_equal(table_set_string(children, 1, A_A, "b"), 0);
        assert_int_equal(table_set_table(t, 0, N_EMPTY, table_new(TABLE_ROWS, a_columns, _A_MAX)), 0);

        s = render(t, JSON_FORMAT_SHORT);
        assert_string_equal(
            s, "{\"sysname\":\"1-1:1.0\",\"crashes\":3,\"priority\":-10,\"ok\":true,\"unit\":null,"
               "\"children\":[{},{\"a\":\"b\"}],\"empty\":[]}\n");
        free(s);
}

static void test_escaping(void **state)
{
        _cleanup_(table_freep) Table *t = table_new(TABLE_ROWS, a_columns, _A_MAX);
        char *s;

        assert_non_null(t);
        assert_int_equal(table_add_row(t), 0);
        assert_int_equal(table_set_string(t, 0, A_A, "quote\" backslash\\ nl\n tab\t cr\r bell\a"), 0);
        assert_int_equal(table_add_row(t), 1);
        assert_int_equal(table_set_string(t, 1, A_A, "UTF-8 and / stay: \xc3\xa9\xe2\x94\x94 /sys/bus"), 0);

        s = render(t, JSON_FORMAT_SHORT);
        assert_string_equal(s, "[{\"a\":\"quote\\\" backslash\\\\ nl\\n tab\\t cr\\r bell\\u0007\"},"
                               "{\"a\":\"UTF-8 and / stay: \xc3\xa9\xe2\x94\x94 /sys/bus\"}]\n");
        free(s);
}

enum { V_U, V_I, V_L, _V_MAX };

static const Column value_columns[_V_MAX] = {
    [V_U] = {.json_key = "u"},
    [V_I] = {.json_key = "i"},
    [V_L] = {.json_key = "l"},
};

static void test_limits_and_lists(void **state)
{
        _cleanup_(table_freep) Table *t = table_new(TABLE_RECORD, value_columns, _V_MAX);
        char *const list[] = {"usb:v*p*", "pci:v*", NULL};
        char *s;

        assert_non_null(t);
        assert_int_equal(table_set_uint(t, 0, V_U, UINT64_MAX), 0);
        assert_int_equal(table_set_int(t, 0, V_I, INT64_MIN), 0);
        assert_int_equal(table_set_strv(t, 0, V_L, list), 0);
        s = render(t, JSON_FORMAT_SHORT);
        assert_string_equal(
            s, "{\"u\":18446744073709551615,\"i\":-9223372036854775808,\"l\":[\"usb:v*p*\",\"pci:v*\"]}\n");
        free(s);

        assert_int_equal(table_set_strv(t, 0, V_L, NULL), 0);
        s = render(t, JSON_FORMAT_SHORT);
        assert_non_null(strstr(s, "\"l\":[]"));
        free(s);
}

enum { T_SYSNAME, T_PARENT, _T_MAX };

static const Column tree_columns[_T_MAX] = {
    [T_SYSNAME] = {.header = "DEVICE", .json_key = "sysname"},
    [T_PARENT] = {.json_key = "parent"},
};

/* A chain of DEEP_TREE_LEVELS devices, each the parent of the next, and one more root after it. */
static Table *deep_tree(void)
{
        Table *t = table_new(TABLE_ROWS, tree_columns, _T_MAX);

        assert_non_null(t);
        for (int i = 0; i < DEEP_TREE_LEVELS; i++) {
                assert_int_equal(table_add_row(t), i);
                assert_int_equal(table_set_stringf(t, i, T_SYSNAME, "level-%d", i), 0);
                if (i == 0)
                        assert_int_equal(table_set_string(t, i, T_PARENT, NULL), 0);
                else {
                        assert_int_equal(table_set_stringf(t, i, T_PARENT, "level-%d", i - 1), 0);
                        assert_int_equal(table_set_parent(t, i, i - 1), 0);
                }
        }
        assert_int_equal(table_add_row(t), DEEP_TREE_LEVELS);
        assert_int_equal(table_set_string(t, DEEP_TREE_LEVELS, T_SYSNAME, "other-root"), 0);
        return t;
}

/* drvhostctl --json list wrote invalid JSON for a device tree deeper than 16 levels: the
 * hand-written writer stopped tracking nesting there. Every level must come back out. */
static void test_list_deeper_than_16_levels_is_valid_json(void **state)
{
        _cleanup_(table_freep) Table *t = deep_tree();

        for (JsonFormat format = JSON_FORMAT_SHORT; format <= JSON_FORMAT_PRETTY; format++) {
                char *s = render(t, format);
                struct json_object *root = parse(s), *o, *v;

                assert_true(json_object_is_type(root, json_type_array));
                assert_int_equal(json_object_array_length(root), 2);
                o = json_object_array_get_idx(root, 0);
                for (int i = 0; i < DEEP_TREE_LEVELS; i++) {
                        char want[32];

                        (void)snprintf(want, sizeof(want), "level-%d", i);
                        assert_true(json_object_object_get_ex(o, "sysname", &v));
                        assert_string_equal(json_object_get_string(v), want);
                        assert_true(json_object_object_get_ex(o, "children", &v));
                        assert_int_equal(json_object_array_length(v), i + 1 < DEEP_TREE_LEVELS ? 1 : 0);
                        o = i + 1 < DEEP_TREE_LEVELS ? json_object_array_get_idx(v, 0) : NULL;
                }
                assert_true(json_object_object_get_ex(json_object_array_get_idx(root, 1), "sysname", &v));
                assert_string_equal(json_object_get_string(v), "other-root");
                json_object_put(root);
                free(s);
        }
}

static void test_tree_without_parents_has_children(void **state)
{
        _cleanup_(table_freep) Table *t = table_new(TABLE_ROWS, tree_columns, _T_MAX);
        char *s;

        assert_non_null(t);
        table_set_tree(t);
        assert_int_equal(table_add_row(t), 0);
        assert_int_equal(table_set_string(t, 0, T_SYSNAME, "0000:00:03.0"), 0);
        s = render(t, JSON_FORMAT_SHORT);
        assert_string_equal(s, "[{\"sysname\":\"0000:00:03.0\",\"children\":[]}]\n");
        free(s);
}

static void test_pretty_is_the_same_document(void **state)
{
        _cleanup_(table_freep) Table *t = deep_tree();
        char *s = render(t, JSON_FORMAT_SHORT), *p = render(t, JSON_FORMAT_PRETTY);
        struct json_object *a = parse(s), *b = parse(p);

        assert_non_null(strchr(p, '\n'));
        assert_true(strchr(p, '\n') < p + strlen(p) - 1);     /* more than one line */
        assert_ptr_equal(strchr(s, '\n'), s + strlen(s) - 1); /* one line */
        assert_true(json_object_equal(a, b));
        json_object_put(a);
        json_object_put(b);
        free(s);
        free(p);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_nesting_and_commas),
            cmocka_unit_test(test_escaping),
            cmocka_unit_test(test_limits_and_lists),
            cmocka_unit_test(test_list_deeper_than_16_levels_is_valid_json),
            cmocka_unit_test(test_tree_without_parents_has_children),
            cmocka_unit_test(test_pretty_is_the_same_document),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
