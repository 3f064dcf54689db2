/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What every part of drvhostctl shares: the exit status, the error line, the colors of decisions. */

#include "macro.h"

/* Exit status, as drvhostctl(1) documents it. */
enum {
        EXIT_OK = 0,
        EXIT_FAILED = 1,
        EXIT_USAGE = 2,
        EXIT_NOT_RUNNING = 3,
        EXIT_PERMISSION = 4,
        EXIT_NO_DEVICE = 5,
};

#define ANSI_GREEN "\033[0;32m"
#define ANSI_YELLOW "\033[0;33m"
#define ANSI_RED "\033[0;31m"
#define ANSI_BLUE "\033[0;34m"
#define ANSI_GREY "\033[0;90m"

/* Prints "drvhostctl: <message>" to stderr and returns exit_code. */
int log_error_exit(int exit_code, const char *format, ...) _printf_(2, 3);

/* "Out of memory." Returns EXIT_FAILED. */
int log_oom(void);

/* The color of a device's decision (and its unit's state, if known), or NULL. */
const char *decision_color(const char *decision, const char *active_state);
