/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "json-writer.h"

/* Runs the writer into memory and returns what it wrote (to be freed). */
typedef void (*write_func_t)(JsonWriter *w);

static char *render(write_func_t f)
{
        char *buf = NULL;
        size_t size = 0;
        FILE *mem = open_memstream(&buf, &size);
        JsonWriter w;

        assert_non_null(mem);
        json_init(&w, mem);
        f(&w);
        assert_int_equal(fclose(mem), 0);
        return buf;
}

static void nested(JsonWriter *w)
{
        json_object_begin(w);
        json_field_string(w, "sysname", "1-1:1.0");
        json_field_uint(w, "crashes", 3);
        json_key(w, "priority");
        json_int(w, -10);
        json_key(w, "ok");
        json_bool(w, true);
        json_field_string(w, "unit", NULL);
        json_key(w, "children");
        json_array_begin(w);
        json_object_begin(w);
        json_object_end(w);
        json_object_begin(w);
        json_field_string(w, "a", "b");
        json_object_end(w);
        json_array_end(w);
        json_key(w, "empty");
        json_array_begin(w);
        json_array_end(w);
        json_object_end(w);
}

static void test_nesting_and_commas(void **state)
{
        char *s = render(nested);

        assert_string_equal(s, "{\"sysname\":\"1-1:1.0\",\"crashes\":3,\"priority\":-10,\"ok\":true,\"unit\":null,"
                               "\"children\":[{},{\"a\":\"b\"}],\"empty\":[]}\n");
        free(s);
}

static void escapes(JsonWriter *w)
{
        json_array_begin(w);
        json_string(w, "quote\" backslash\\ nl\n tab\t cr\r bell\a");
        json_string(w, "UTF-8 stays: \xc3\xa9\xe2\x94\x94");
        json_array_end(w);
}

static void test_escaping(void **state)
{
        char *s = render(escapes);

        assert_string_equal(s, "[\"quote\\\" backslash\\\\ nl\\n tab\\t cr\\r bell\\u0007\","
                               "\"UTF-8 stays: \xc3\xa9\xe2\x94\x94\"]\n");
        free(s);
}

static void top_level_values(JsonWriter *w)
{
        json_array_begin(w);
        json_uint(w, UINT64_MAX);
        json_int(w, INT64_MIN);
        json_array_end(w);
        json_object_begin(w);
        json_object_end(w);
}

static void test_documents_and_limits(void **state)
{
        char *s = render(top_level_values);

        /* Each top-level document ends its own line. */
        assert_string_equal(s, "[18446744073709551615,-9223372036854775808]\n{}\n");
        free(s);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_nesting_and_commas),
                cmocka_unit_test(test_escaping),
                cmocka_unit_test(test_documents_and_limits),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
