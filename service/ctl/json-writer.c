/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <json-c/json.h>

#include "json-writer.h"

#define JSON_KEY_CHILDREN "children"

static struct json_object *json_from_strv(char *const *l)
{
        struct json_object *a = json_object_new_array();

        if (!a)
                return NULL;
        for (char *const *s = l; s && *s; s++) {
                struct json_object *v = json_object_new_string(*s);

                if (!v || json_object_array_add(a, v) < 0) {
                        json_object_put(v);
                        json_object_put(a);
                        return NULL;
                }
        }
        return a;
}

/* Returns 0 with *ret (NULL for a JSON null), or -ENOMEM. */
static int json_from_cell(const Cell *c, struct json_object **ret)
{
        struct json_object *v = NULL;

        switch (c->type) {
        case CELL_ABSENT:
        case CELL_NULL:
                *ret = NULL;
                return 0;
        case CELL_STRING:
                v = json_object_new_string(c->string);
                break;
        case CELL_UINT:
                v = json_object_new_uint64(c->uint);
                break;
        case CELL_INT:
                v = json_object_new_int64(c->integer);
                break;
        case CELL_BOOL:
                v = json_object_new_boolean(c->boolean);
                break;
        case CELL_STRV:
                v = json_from_strv(c->strv);
                break;
        case CELL_TABLE:
                v = json_from_table(c->table);
                break;
        }
        if (!v)
                return -ENOMEM;
        *ret = v;
        return 0;
}

static struct json_object *json_from_row(const Table *t, size_t row);

/* The rows whose parent is parent (TABLE_NO_PARENT: the roots), in row order. */
static struct json_object *json_from_rows(const Table *t, ssize_t parent)
{
        struct json_object *a = json_object_new_array();

        if (!a)
                return NULL;
        for (size_t i = 0; i < t->n_rows; i++) {
                struct json_object *o;

                if (t->tree && t->rows[i].parent != parent)
                        continue;
                o = json_from_row(t, i);
                if (!o || json_object_array_add(a, o) < 0) {
                        json_object_put(o);
                        json_object_put(a);
                        return NULL;
                }
        }
        return a;
}

static struct json_object *json_from_row(const Table *t, size_t row)
{
        struct json_object *o = json_object_new_object(), *v;

        if (!o)
                return NULL;
        for (size_t j = 0; j < t->n_columns; j++) {
                const Column *col = &t->columns[j];
                const Cell *c = &t->rows[row].cells[j];

                if ((col->flags & COLUMN_JSON_HIDDEN) || c->type == CELL_ABSENT || !col->json_key)
                        continue;
                if (json_from_cell(c, &v) < 0) {
                        json_object_put(o);
                        return NULL;
                }
                if (json_object_object_add(o, col->json_key, v) < 0) {
                        json_object_put(v);
                        json_object_put(o);
                        return NULL;
                }
        }
        if (t->tree) {
                v = json_from_rows(t, (ssize_t)row);
                if (!v || json_object_object_add(o, JSON_KEY_CHILDREN, v) < 0) {
                        json_object_put(v);
                        json_object_put(o);
                        return NULL;
                }
        }
        return o;
}

struct json_object *json_from_table(const Table *t)
{
        if (!t)
                return NULL;
        if (t->kind == TABLE_RECORD)
                return json_from_row(t, 0);
        return json_from_rows(t, TABLE_NO_PARENT);
}

int json_write_table(FILE *f, const Table *t, JsonFormat format)
{
        /* Slashes stay as they are: sysfs paths and unit names read better that way, and both forms
         * are valid JSON. */
        int flags = JSON_C_TO_STRING_NOSLASHESCAPE |
                    (format == JSON_FORMAT_PRETTY ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED
                                                  : JSON_C_TO_STRING_PLAIN);
        struct json_object *o = json_from_table(t);
        const char *s;
        int r = 0;

        if (!o)
                return -ENOMEM;
        s = json_object_to_json_string_ext(o, flags);
        if (!s)
                r = -ENOMEM;
        else if (fputs(s, f) < 0 || fputc('\n', f) < 0)
                r = -EIO;
        json_object_put(o);
        return r;
}
