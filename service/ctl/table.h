/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* One table per verb, printed as text or as JSON by one renderer (output.h), after systemd's
 * format-table: a verb fills cells once; columns say how each shows in text and under which key in
 * JSON.
 *
 * A TABLE_ROWS table is a list: in text, aligned columns under a header line; in JSON, an array of
 * objects. Rows may form a tree (table_set_parent()): in text the first visible column carries the
 * tree glyphs, in JSON each object gets a "children" array. A TABLE_RECORD table is one object: in
 * text, "Label: value" lines with the labels right-aligned (a field without a label prints its value
 * alone, as a title), in JSON one object. A cell may hold another table (a list inside a record).
 *
 * This file is the model only; it never prints. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "macro.h"

typedef enum TableKind {
        TABLE_ROWS,
        TABLE_RECORD,
} TableKind;

typedef enum CellType {
        CELL_ABSENT, /* not set: no key in JSON, nothing in text */
        CELL_NULL,   /* JSON null; text: the column's empty_text, or nothing */
        CELL_STRING,
        CELL_UINT,
        CELL_INT,
        CELL_BOOL,
        CELL_STRV,  /* JSON array of strings; text: joined by ", ", or one detail line each */
        CELL_TABLE, /* a nested table */
} CellType;

typedef enum ColumnFlags {
        COLUMN_TEXT_HIDDEN = 1 << 0,  /* JSON only */
        COLUMN_JSON_HIDDEN = 1 << 1,  /* text only */
        COLUMN_RIGHT = 1 << 2,        /* text: right-aligned */
        COLUMN_DETAIL = 1 << 3,       /* text (rows): on lines of its own under the row, indented */
        COLUMN_BLANK_BEFORE = 1 << 4, /* text (records): a nested table starts after an empty line */
} ColumnFlags;

typedef struct Column {
        const char *header;     /* text: header (rows) or label (records); NULL: none */
        const char *json_key;   /* JSON: the key (required unless COLUMN_JSON_HIDDEN) */
        unsigned flags;         /* ColumnFlags */
        size_t min_width;       /* text: columns of at least this width */
        const char *empty_text; /* text: shown for CELL_NULL (and an empty string), e.g. "-" */
        const char *prefix;     /* text: before each value of a COLUMN_DETAIL line, e.g. "Match=" */
} Column;

typedef struct Table Table;

typedef struct Cell {
        CellType type;
        const char *color; /* text: an ANSI sequence for the value, or NULL */
        bool bold;         /* text: the value in bold */
        union {
                char *string;
                uint64_t uint;
                int64_t integer;
                bool boolean;
                char **strv;
                Table *table;
        };
} Cell;

enum { TABLE_NO_PARENT = -1 };

typedef struct TableRow {
        Cell *cells;    /* one per column */
        ssize_t parent; /* index of the parent row, or TABLE_NO_PARENT */
} TableRow;

struct Table {
        TableKind kind;
        const Column *columns; /* borrowed: usually a static array of the verb */
        size_t n_columns;
        TableRow *rows;
        size_t n_rows, allocated;
        bool tree;        /* some row has a parent */
        char *footer;     /* text, with the legend: after an empty line */
        char *empty_text; /* text: printed instead of an empty list (rows), e.g. "No match." */
};

/* Returns NULL on -ENOMEM. A TABLE_RECORD table has its one row from the start. */
Table *table_new(TableKind kind, const Column *columns, size_t n_columns);
Table *table_free(Table *t);
DEFINE_TRIVIAL_CLEANUP_FUNC(Table *, table_free);

/* Appends an empty row (every cell CELL_ABSENT). Returns its index, or -ENOMEM. */
ssize_t table_add_row(Table *t);
/* Makes parent the parent of row in the tree, and t a tree. Returns 0 or -EINVAL. */
int table_set_parent(Table *t, size_t row, size_t parent);
/* Makes t a tree even if no row has a parent: in JSON every row gets its "children". */
void table_set_tree(Table *t);

/* Setters return 0, -EINVAL (no such row or column) or -ENOMEM. They replace what was there. */
int table_set_string(Table *t, size_t row, size_t column, const char *s); /* NULL: CELL_NULL */
/* Like table_set_string(), but an empty string is CELL_NULL too (D-Bus sends "" for none). */
int table_set_string_or_null(Table *t, size_t row, size_t column, const char *s);
int table_set_stringf(Table *t, size_t row, size_t column, const char *format, ...) _printf_(4, 5);
int table_set_uint(Table *t, size_t row, size_t column, uint64_t v);
int table_set_int(Table *t, size_t row, size_t column, int64_t v);
int table_set_bool(Table *t, size_t row, size_t column, bool v);
int table_set_strv(Table *t, size_t row, size_t column, char *const *l); /* copied; NULL: empty */
int table_set_table(Table *t, size_t row, size_t column, Table *sub);    /* takes sub, even on error */
/* Text only: color (an ANSI sequence, borrowed) and bold for a cell already set. */
int table_set_style(Table *t, size_t row, size_t column, const char *color, bool bold);

int table_set_footer(Table *t, const char *format, ...) _printf_(2, 3);
int table_set_empty_text(Table *t, const char *s);

/* The cell, or NULL. */
const Cell *table_cell(const Table *t, size_t row, size_t column);
