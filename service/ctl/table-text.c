/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device-string.h"
#include "table-text.h"

#define ANSI_BOLD "\033[1m"
#define ANSI_NORMAL "\033[0m"
#define TREE_BRANCH "├─"
#define TREE_LAST "└─"
#define TREE_PIPE "│ "
#define TREE_SPACE "  "
#define STRV_SEPARATOR ", "

enum {
        TREE_STEP_WIDTH = 2, /* display columns per tree level */
        DETAIL_INDENT = 4,
        /* UTF-8 continuation bytes are 10xxxxxx. */
        UTF8_CONTINUATION_MASK = 0xC0,
        UTF8_CONTINUATION = 0x80,
};

/* Display width, counting each UTF-8 sequence as one column (true of the tree glyphs). */
static size_t display_width(const char *s)
{
        size_t n = 0;

        for (const unsigned char *p = (const unsigned char *)s; *p; p++)
                if ((*p & UTF8_CONTINUATION_MASK) != UTF8_CONTINUATION)
                        n++;
        return n;
}

static bool column_shown(const Column *col)
{
        return !(col->flags & (COLUMN_TEXT_HIDDEN | COLUMN_DETAIL));
}

/* Joins l with ", "; NULL for an empty list. */
static int strv_join(char *const *l, char **ret)
{
        size_t n = 1;
        char *s;

        *ret = NULL;
        if (!l || !*l)
                return 0;
        for (char *const *p = l; *p; p++)
                n += strlen(*p) + strlen(STRV_SEPARATOR);
        s = calloc(n, 1);
        if (!s)
                return -ENOMEM;
        for (char *const *p = l; *p; p++) {
                if (p != l)
                        strcat(s, STRV_SEPARATOR);
                strcat(s, *p);
        }
        *ret = s;
        return 0;
}

/* s as it may reach a terminal: a device's product string (or a daemon that passed one on raw) must not
 * move the cursor, recolor, break the line or the table. What drvhostd escaped stays as it sent it. */
static int text_escape(const char *s, char **ret)
{
        return device_string_for_terminal(s, ret);
}

/* The text of a cell as one line: *ret is NULL when there is nothing to show (no value and no
 * empty_text, or a nested table). Returns 0 or -ENOMEM. */
static int cell_text(const Column *col, const Cell *c, char **ret)
{
        char *s = NULL;
        int k = 0;

        *ret = NULL;
        switch (c->type) {
        case CELL_ABSENT:
        case CELL_TABLE:
                return 0;
        case CELL_NULL:
                break;
        case CELL_STRING:
                if (*c->string && !(s = strdup(c->string)))
                        return -ENOMEM;
                break;
        case CELL_UINT:
                k = asprintf(&s, "%" PRIu64, c->uint);
                break;
        case CELL_INT:
                k = asprintf(&s, "%" PRId64, c->integer);
                break;
        case CELL_BOOL:
                if (!(s = strdup(c->boolean ? "yes" : "no")))
                        return -ENOMEM;
                break;
        case CELL_STRV:
                k = strv_join(c->strv, &s);
                break;
        }
        if (k < 0)
                return -ENOMEM;
        if (!s && col->empty_text && !(s = strdup(col->empty_text)))
                return -ENOMEM;
        if (!s)
                return 0;
        k = text_escape(s, ret);
        free(s);
        return k < 0 ? -ENOMEM : 0;
}

static void print_styled(FILE *f, const Cell *c, bool color, const char *text)
{
        bool styled = color && c && (c->bold || c->color);

        if (styled && c->bold)
                fputs(ANSI_BOLD, f);
        if (styled && c->color)
                fputs(c->color, f);
        fputs(text, f);
        if (styled)
                fputs(ANSI_NORMAL, f);
}

static void print_padding(FILE *f, size_t n)
{
        for (size_t i = 0; i < n; i++)
                fputc(' ', f);
}

typedef struct TextLayout {
        const Table *t;
        FILE *f;
        bool color;
        char **texts;   /* n_rows * n_columns, NULL: nothing */
        size_t *widths; /* n_columns */
        size_t last;    /* the last shown column: printed without padding */
        size_t first;   /* the first shown column: carries the tree */
} TextLayout;

static char *text_at(const TextLayout *l, size_t row, size_t column)
{
        return l->texts[row * l->t->n_columns + column];
}

static size_t depth_of(const Table *t, size_t row)
{
        size_t depth = 0;

        for (ssize_t p = t->rows[row].parent; p != TABLE_NO_PARENT && depth < t->n_rows;
             p = t->rows[p].parent)
                depth++;
        return depth;
}

static int print_details(const TextLayout *l, size_t row)
{
        const Table *t = l->t;

        for (size_t j = 0; j < t->n_columns; j++) {
                const Column *col = &t->columns[j];
                const Cell *c = &t->rows[row].cells[j];

                if (!(col->flags & COLUMN_DETAIL) || (col->flags & COLUMN_TEXT_HIDDEN))
                        continue;
                if (c->type == CELL_STRV) {
                        for (char **s = c->strv; s && *s; s++) {
                                _cleanup_free_ char *text = NULL;

                                if (text_escape(*s, &text) < 0)
                                        return -ENOMEM;
                                print_padding(l->f, DETAIL_INDENT);
                                fprintf(l->f, "%s%s\n", col->prefix ? col->prefix : "", text);
                        }
                } else if (text_at(l, row, j)) {
                        print_padding(l->f, DETAIL_INDENT);
                        fprintf(l->f, "%s%s\n", col->prefix ? col->prefix : "", text_at(l, row, j));
                }
        }
        return 0;
}

/* Whether the shown columns from j on are all empty in row: the line ends before them. */
static bool rest_empty(const TextLayout *l, size_t row, size_t j)
{
        for (; j < l->t->n_columns; j++)
                if (column_shown(&l->t->columns[j]) && text_at(l, row, j) && *text_at(l, row, j))
                        return false;
        return true;
}

static int print_row(const TextLayout *l, size_t row, const char *prefix)
{
        const Table *t = l->t;

        for (size_t j = 0; j < t->n_columns; j++) {
                const Column *col = &t->columns[j];
                const char *text = text_at(l, row, j) ?: "";
                size_t w = display_width(text), pad;

                if (!column_shown(col))
                        continue;
                if (j != l->first && rest_empty(l, row, j))
                        break; /* no trailing blanks */
                if (j != l->first)
                        fputc(' ', l->f);
                if (j == l->first && prefix) {
                        fputs(prefix, l->f);
                        w += display_width(prefix);
                }
                pad = l->widths[j] > w ? l->widths[j] - w : 0;
                if (col->flags & COLUMN_RIGHT)
                        print_padding(l->f, pad);
                print_styled(l->f, &t->rows[row].cells[j], l->color, text);
                if (!(col->flags & COLUMN_RIGHT) && !rest_empty(l, row, j + 1))
                        print_padding(l->f, pad);
        }
        fputc('\n', l->f);
        return print_details(l, row);
}

/* Prints row and, below it, its children; prefix is the glyphs of the row's ancestors. */
static int print_tree(const TextLayout *l, size_t row, const char *prefix, bool last, bool root)
{
        const Table *t = l->t;
        _cleanup_free_ char *own = NULL, *child_prefix = NULL;
        size_t n_children = 0, seen = 0;
        int r;

        if (asprintf(&own, "%s%s", prefix,
                     root   ? ""
                     : last ? TREE_LAST
                            : TREE_BRANCH) < 0 ||
            asprintf(&child_prefix, "%s%s", prefix,
                     root   ? ""
                     : last ? TREE_SPACE
                            : TREE_PIPE) < 0)
                return -ENOMEM;
        r = print_row(l, row, own);
        if (r < 0)
                return r;

        for (size_t i = 0; i < t->n_rows; i++)
                if (t->rows[i].parent == (ssize_t)row)
                        n_children++;
        for (size_t i = 0; i < t->n_rows; i++)
                if (t->rows[i].parent == (ssize_t)row) {
                        seen++;
                        r = print_tree(l, i, child_prefix, seen == n_children, false);
                        if (r < 0)
                                return r;
                }
        return 0;
}

static void print_header(const TextLayout *l)
{
        const Table *t = l->t;
        bool any = false;

        for (size_t j = 0; j < t->n_columns; j++)
                any = any || (column_shown(&t->columns[j]) && t->columns[j].header);
        if (!any)
                return;
        if (l->color)
                fputs(ANSI_BOLD, l->f);
        for (size_t j = 0; j < t->n_columns; j++) {
                const Column *col = &t->columns[j];
                const char *h = col->header ?: "";
                size_t pad = l->widths[j] > strlen(h) ? l->widths[j] - strlen(h) : 0;

                if (!column_shown(col))
                        continue;
                if (j != l->first)
                        fputc(' ', l->f);
                if (col->flags & COLUMN_RIGHT)
                        print_padding(l->f, pad);
                fputs(h, l->f);
                if (!(col->flags & COLUMN_RIGHT) && j != l->last)
                        print_padding(l->f, pad);
        }
        if (l->color)
                fputs(ANSI_NORMAL, l->f);
        fputc('\n', l->f);
}

static int print_rows(const Table *t, FILE *f, bool legend, bool color)
{
        TextLayout l = {.t = t, .f = f, .color = color};
        size_t n = t->n_rows * t->n_columns;
        bool any_shown = false;
        int r = 0;

        l.texts = calloc(n ? n : 1, sizeof(char *));
        l.widths = calloc(t->n_columns ? t->n_columns : 1, sizeof(size_t));
        if (!l.texts || !l.widths) {
                r = -ENOMEM;
                goto finish;
        }
        for (size_t j = 0; j < t->n_columns; j++) {
                const Column *col = &t->columns[j];

                if (!column_shown(col))
                        continue;
                if (!any_shown)
                        l.first = j;
                any_shown = true;
                l.last = j;
                l.widths[j] = col->min_width;
                if (legend && col->header && strlen(col->header) > l.widths[j])
                        l.widths[j] = strlen(col->header);
        }
        for (size_t i = 0; i < t->n_rows; i++)
                for (size_t j = 0; j < t->n_columns; j++) {
                        size_t w;

                        r = cell_text(&t->columns[j], &t->rows[i].cells[j], &l.texts[i * t->n_columns + j]);
                        if (r < 0)
                                goto finish;
                        if (!column_shown(&t->columns[j]))
                                continue;
                        w = display_width(l.texts[i * t->n_columns + j] ?: "");
                        if (j == l.first && t->tree)
                                w += TREE_STEP_WIDTH * depth_of(t, i);
                        if (w > l.widths[j])
                                l.widths[j] = w;
                }

        if (legend && t->n_rows > 0)
                print_header(&l);
        for (size_t i = 0; r >= 0 && i < t->n_rows; i++) {
                if (!t->tree)
                        r = print_row(&l, i, NULL);
                else if (t->rows[i].parent == TABLE_NO_PARENT)
                        r = print_tree(&l, i, "", true, true);
        }
        if (t->n_rows == 0 && t->empty_text)
                fprintf(f, "%s\n", t->empty_text);
        if (legend && t->footer)
                fprintf(f, "\n%s\n", t->footer);

finish:
        for (size_t i = 0; l.texts && i < n; i++)
                free(l.texts[i]);
        free(l.texts);
        free(l.widths);
        return r;
}

/* A list a record shows one item per line: the first after the label, the rest aligned under it. */
static int print_record_lines(FILE *f, const Column *col, const Cell *c, size_t label_width)
{
        for (char **s = c->strv; s && *s; s++) {
                _cleanup_free_ char *text = NULL;

                if (text_escape(*s, &text) < 0)
                        return -ENOMEM;
                if (s == c->strv)
                        fprintf(f, "%*s: ", (int)label_width, col->header ? col->header : "");
                else
                        print_padding(f, label_width + strlen(": "));
                fprintf(f, "%s%s\n", col->prefix ? col->prefix : "", text);
        }
        return 0;
}

static int print_record(const Table *t, FILE *f, bool legend, bool color)
{
        size_t label_width = 0;
        int r;

        for (size_t j = 0; j < t->n_columns; j++)
                if (!(t->columns[j].flags & COLUMN_TEXT_HIDDEN) && t->columns[j].header &&
                    strlen(t->columns[j].header) > label_width)
                        label_width = strlen(t->columns[j].header);

        for (size_t j = 0; j < t->n_columns; j++) {
                const Column *col = &t->columns[j];
                const Cell *c = &t->rows[0].cells[j];
                _cleanup_free_ char *text = NULL;

                if ((col->flags & COLUMN_TEXT_HIDDEN) || c->type == CELL_ABSENT)
                        continue;
                if (c->type == CELL_TABLE) {
                        if (col->flags & COLUMN_BLANK_BEFORE)
                                fputc('\n', f);
                        r = table_print_text(c->table, f, legend, color);
                        if (r < 0)
                                return r;
                        continue;
                }
                if (c->type == CELL_STRV && (col->flags & COLUMN_DETAIL)) {
                        r = print_record_lines(f, col, c, label_width);
                        if (r < 0)
                                return r;
                        continue;
                }
                r = cell_text(col, c, &text);
                if (r < 0)
                        return r;
                if (!text)
                        continue;
                if (col->header)
                        fprintf(f, "%*s: ", (int)label_width, col->header);
                print_styled(f, c, color, text);
                fputc('\n', f);
        }
        if (legend && t->footer)
                fprintf(f, "\n%s\n", t->footer);
        return 0;
}

int table_print_text(const Table *t, FILE *f, bool legend, bool color)
{
        if (!t || !f)
                return -EINVAL;
        return t->kind == TABLE_RECORD ? print_record(t, f, legend, color) : print_rows(t, f, legend, color);
}
