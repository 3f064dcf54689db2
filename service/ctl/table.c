/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "table.h"

enum { ROWS_ALLOCATED_MIN = 16 };

static void cell_done(Cell *c)
{
        switch (c->type) {
        case CELL_STRING:
                free(c->string);
                break;
        case CELL_STRV:
                strv_free(c->strv);
                break;
        case CELL_TABLE:
                table_free(c->table);
                break;
        default:
                break;
        }
        *c = (Cell){};
}

Table *table_new(TableKind kind, const Column *columns, size_t n_columns)
{
        Table *t = calloc(1, sizeof(Table));

        if (!t)
                return NULL;
        *t = (Table){.kind = kind, .columns = columns, .n_columns = n_columns};
        if (kind == TABLE_RECORD && table_add_row(t) < 0)
                return table_free(t);
        return t;
}

Table *table_free(Table *t)
{
        if (!t)
                return NULL;
        for (size_t i = 0; i < t->n_rows; i++) {
                for (size_t j = 0; j < t->n_columns; j++)
                        cell_done(&t->rows[i].cells[j]);
                free(t->rows[i].cells);
        }
        free(t->rows);
        free(t->footer);
        free(t->empty_text);
        free(t);
        return NULL;
}

ssize_t table_add_row(Table *t)
{
        Cell *cells;

        if (!t || (t->kind == TABLE_RECORD && t->n_rows > 0))
                return -EINVAL;
        if (t->n_rows >= t->allocated) {
                size_t want = t->allocated ? t->allocated * 2 : ROWS_ALLOCATED_MIN;
                TableRow *p = reallocarray(t->rows, want, sizeof(TableRow));

                if (!p)
                        return -ENOMEM;
                t->rows = p;
                t->allocated = want;
        }
        cells = calloc(t->n_columns ? t->n_columns : 1, sizeof(Cell));
        if (!cells)
                return -ENOMEM;
        t->rows[t->n_rows] = (TableRow){.cells = cells, .parent = TABLE_NO_PARENT};
        return (ssize_t)t->n_rows++;
}

int table_set_parent(Table *t, size_t row, size_t parent)
{
        if (!t || t->kind != TABLE_ROWS || row >= t->n_rows || parent >= t->n_rows || row == parent)
                return -EINVAL;
        t->rows[row].parent = (ssize_t)parent;
        t->tree = true;
        return 0;
}

void table_set_tree(Table *t)
{
        if (t && t->kind == TABLE_ROWS)
                t->tree = true;
}

static Cell *cell_at(Table *t, size_t row, size_t column)
{
        if (!t || row >= t->n_rows || column >= t->n_columns)
                return NULL;
        return &t->rows[row].cells[column];
}

const Cell *table_cell(const Table *t, size_t row, size_t column)
{
        return cell_at((Table *)t, row, column);
}

/* Empties the cell for a new value, keeping its style. */
static Cell *cell_reset(Table *t, size_t row, size_t column)
{
        Cell *c = cell_at(t, row, column);
        const char *color;
        bool bold;

        if (!c)
                return NULL;
        color = c->color;
        bold = c->bold;
        cell_done(c);
        c->color = color;
        c->bold = bold;
        return c;
}

int table_set_string(Table *t, size_t row, size_t column, const char *s)
{
        Cell *c = cell_reset(t, row, column);

        if (!c)
                return -EINVAL;
        if (!s) {
                c->type = CELL_NULL;
                return 0;
        }
        c->string = strdup(s);
        if (!c->string)
                return -ENOMEM;
        c->type = CELL_STRING;
        return 0;
}

int table_set_string_or_null(Table *t, size_t row, size_t column, const char *s)
{
        return table_set_string(t, row, column, s && *s ? s : NULL);
}

int table_set_stringf(Table *t, size_t row, size_t column, const char *format, ...)
{
        Cell *c = cell_reset(t, row, column);
        va_list ap;
        int k;

        if (!c)
                return -EINVAL;
        va_start(ap, format);
        k = vasprintf(&c->string, format, ap);
        va_end(ap);
        if (k < 0) {
                c->string = NULL;
                return -ENOMEM;
        }
        c->type = CELL_STRING;
        return 0;
}

int table_set_uint(Table *t, size_t row, size_t column, uint64_t v)
{
        Cell *c = cell_reset(t, row, column);

        if (!c)
                return -EINVAL;
        c->type = CELL_UINT;
        c->uint = v;
        return 0;
}

int table_set_int(Table *t, size_t row, size_t column, int64_t v)
{
        Cell *c = cell_reset(t, row, column);

        if (!c)
                return -EINVAL;
        c->type = CELL_INT;
        c->integer = v;
        return 0;
}

int table_set_bool(Table *t, size_t row, size_t column, bool v)
{
        Cell *c = cell_reset(t, row, column);

        if (!c)
                return -EINVAL;
        c->type = CELL_BOOL;
        c->boolean = v;
        return 0;
}

int table_set_strv(Table *t, size_t row, size_t column, char *const *l)
{
        Cell *c = cell_reset(t, row, column);
        size_t n = strv_length(l);

        if (!c)
                return -EINVAL;
        c->strv = calloc(n + 1, sizeof(char *));
        if (!c->strv)
                return -ENOMEM;
        c->type = CELL_STRV;
        for (size_t i = 0; i < n; i++) {
                c->strv[i] = strdup(l[i]);
                if (!c->strv[i])
                        return -ENOMEM;
        }
        return 0;
}

int table_set_table(Table *t, size_t row, size_t column, Table *sub)
{
        Cell *c = cell_reset(t, row, column);

        if (!c || !sub) {
                table_free(sub);
                return -EINVAL;
        }
        c->type = CELL_TABLE;
        c->table = sub;
        return 0;
}

int table_set_style(Table *t, size_t row, size_t column, const char *color, bool bold)
{
        Cell *c = cell_at(t, row, column);

        if (!c)
                return -EINVAL;
        c->color = color;
        c->bold = bold;
        return 0;
}

int table_set_footer(Table *t, const char *format, ...)
{
        va_list ap;
        int k;

        if (!t)
                return -EINVAL;
        free(t->footer);
        va_start(ap, format);
        k = vasprintf(&t->footer, format, ap);
        va_end(ap);
        if (k < 0) {
                t->footer = NULL;
                return -ENOMEM;
        }
        return 0;
}

int table_set_empty_text(Table *t, const char *s)
{
        char *copy;

        if (!t || !s)
                return -EINVAL;
        copy = strdup(s);
        if (!copy)
                return -ENOMEM;
        free(t->empty_text);
        t->empty_text = copy;
        return 0;
}
