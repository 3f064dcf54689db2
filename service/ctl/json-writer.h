/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The JSON side of the one renderer (output.h): a Table becomes json-c objects, then text. json-c
 * does the escaping and the nesting, to any depth (the hand-written writer this replaces stopped
 * tracking nesting at 16 levels and wrote invalid JSON for deeper device trees). */

#include <stdio.h>

#include "table.h"

struct json_object;

typedef enum JsonFormat {
        JSON_FORMAT_SHORT,  /* one document per line */
        JSON_FORMAT_PRETTY, /* indented */
} JsonFormat;

/* The JSON value of t: an array of objects for TABLE_ROWS (a tree nests each row's children under
 * "children", roots at the top), one object for TABLE_RECORD. Keys in column order; CELL_ABSENT
 * cells and COLUMN_JSON_HIDDEN columns are left out. Returns a new reference, or NULL on -ENOMEM. */
struct json_object *json_from_table(const Table *t);

/* Writes t as one JSON document followed by a newline. Returns 0, -ENOMEM or -EIO. */
int json_write_table(FILE *f, const Table *t, JsonFormat format);
