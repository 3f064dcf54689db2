/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Logging at the boundary. Messages go to the journal with CODE_* fields when stderr is connected to
 * it (JOURNAL_STREAM is set), else to stderr. Filtering is left to LogLevelMax= in the unit, so there
 * is no log level to keep as global state here. Every log_*_errno() returns -abs(error) so callers can
 * log and return in one statement. */

#include <syslog.h>

#include "macro.h"

int log_internal(int level, int error, const char *file, int line, const char *func, const char *format, ...)
        _printf_(6, 7);

#define log_full_errno(level, error, ...) log_internal((level), (error), __FILE__, __LINE__, __func__, __VA_ARGS__)
#define log_full(level, ...) (void)log_full_errno((level), 0, __VA_ARGS__)

#define log_debug(...) log_full(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_full(LOG_INFO, __VA_ARGS__)
#define log_notice(...) log_full(LOG_NOTICE, __VA_ARGS__)
#define log_warning(...) log_full(LOG_WARNING, __VA_ARGS__)
#define log_error(...) log_full(LOG_ERR, __VA_ARGS__)

#define log_debug_errno(error, ...) log_full_errno(LOG_DEBUG, (error), __VA_ARGS__)
#define log_info_errno(error, ...) log_full_errno(LOG_INFO, (error), __VA_ARGS__)
#define log_warning_errno(error, ...) log_full_errno(LOG_WARNING, (error), __VA_ARGS__)
#define log_error_errno(error, ...) log_full_errno(LOG_ERR, (error), __VA_ARGS__)

/* For allocation failures at the boundary. */
#define log_oom() log_full_errno(LOG_ERR, ENOMEM, "Out of memory.")
