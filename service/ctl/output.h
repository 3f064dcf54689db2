/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The one renderer of drvhostctl: every verb builds one Table and hands it here, to be printed as
 * text (table-text.h) or as JSON (json-writer.h), as --json= says. */

#include <stdbool.h>
#include <stdio.h>

#include "table.h"

typedef enum OutputMode {
        OUTPUT_TEXT,        /* --json=off, the default */
        OUTPUT_JSON_SHORT,  /* --json=short, and --json alone: one document per line */
        OUTPUT_JSON_PRETTY, /* --json=pretty */
        _OUTPUT_MODE_MAX,
} OutputMode;

typedef struct OutputOptions {
        OutputMode mode;
        bool legend; /* text: header lines and footers */
        bool color;  /* text: colors and bold */
} OutputOptions;

/* "off", "short", "pretty" (systemctl's --json= values). Returns the mode or -EINVAL. */
int output_mode_from_string(const char *s);

static inline bool output_is_json(const OutputOptions *o)
{
        return o->mode != OUTPUT_TEXT;
}

/* Prints t to stdout. Returns 0, -ENOMEM or -EIO. */
int output_table(const Table *t, const OutputOptions *o);

/* Like output_table(), for a verb: returns its exit status, after printing why it failed. */
int output_print(const Table *t, const OutputOptions *o);
