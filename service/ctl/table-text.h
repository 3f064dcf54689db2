/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The text side of the one renderer (output.h). */

#include <stdbool.h>
#include <stdio.h>

#include "table.h"

/* Prints t as text (see table.h for the layout). legend: the header line and the footer; color:
 * the cells' colors and bold. Returns 0, or -ENOMEM. */
int table_print_text(const Table *t, FILE *f, bool legend, bool color);
