/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <inttypes.h>

#include "json-writer.h"

enum { JSON_FIRST_NON_CONTROL = 0x20 };

void json_init(JsonWriter *w, FILE *f)
{
        *w = (JsonWriter){ .f = f };
}

/* Before any value: a comma if a sibling came before, unless it follows a key. */
static void value_prefix(JsonWriter *w)
{
        if (w->after_key) {
                w->after_key = false;
                return;
        }
        if (w->need_comma[w->depth])
                fputc(',', w->f);
        w->need_comma[w->depth] = true;
}

static void open_container(JsonWriter *w, char c)
{
        value_prefix(w);
        fputc(c, w->f);
        if (w->depth < JSON_DEPTH_MAX)
                w->depth++;
        w->need_comma[w->depth] = false;
}

static void close_container(JsonWriter *w, char c)
{
        fputc(c, w->f);
        if (w->depth > 0)
                w->depth--;
        if (w->depth == 0) {
                /* A finished document: the next one starts a new line, without a comma. */
                fputc('\n', w->f);
                w->need_comma[0] = false;
        }
}

void json_object_begin(JsonWriter *w)
{
        open_container(w, '{');
}

void json_object_end(JsonWriter *w)
{
        close_container(w, '}');
}

void json_array_begin(JsonWriter *w)
{
        open_container(w, '[');
}

void json_array_end(JsonWriter *w)
{
        close_container(w, ']');
}

static void write_escaped(FILE *f, const char *s)
{
        fputc('"', f);
        for (const unsigned char *p = (const unsigned char *)s; *p; p++)
                switch (*p) {
                case '"':
                        fputs("\\\"", f);
                        break;
                case '\\':
                        fputs("\\\\", f);
                        break;
                case '\n':
                        fputs("\\n", f);
                        break;
                case '\t':
                        fputs("\\t", f);
                        break;
                case '\r':
                        fputs("\\r", f);
                        break;
                default:
                        if (*p < JSON_FIRST_NON_CONTROL)
                                fprintf(f, "\\u%04x", *p);
                        else
                                fputc(*p, f);
                }
        fputc('"', f);
}

void json_key(JsonWriter *w, const char *key)
{
        value_prefix(w);
        write_escaped(w->f, key);
        fputc(':', w->f);
        w->after_key = true;
}

void json_string(JsonWriter *w, const char *s)
{
        value_prefix(w);
        if (s)
                write_escaped(w->f, s);
        else
                fputs("null", w->f);
}

void json_uint(JsonWriter *w, uint64_t v)
{
        value_prefix(w);
        fprintf(w->f, "%" PRIu64, v);
}

void json_int(JsonWriter *w, int64_t v)
{
        value_prefix(w);
        fprintf(w->f, "%" PRId64, v);
}

void json_bool(JsonWriter *w, bool v)
{
        value_prefix(w);
        fputs(v ? "true" : "false", w->f);
}

void json_field_string(JsonWriter *w, const char *key, const char *s)
{
        json_key(w, key);
        json_string(w, s);
}

void json_field_uint(JsonWriter *w, const char *key, uint64_t v)
{
        json_key(w, key);
        json_uint(w, v);
}
