/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ctl-util.h"

int log_error_exit(int exit_code, const char *format, ...)
{
        va_list ap;

        fputs("drvhostctl: ", stderr);
        va_start(ap, format);
        vfprintf(stderr, format, ap);
        va_end(ap);
        fputc('\n', stderr);
        return exit_code;
}

int log_oom(void)
{
        return log_error_exit(EXIT_FAILED, "Out of memory.");
}

const char *decision_color(const char *decision, const char *active_state)
{
        if (active_state && streq(active_state, "failed"))
                return ANSI_RED;
        if (active_state && streq(active_state, "activating"))
                return ANSI_YELLOW;
        if (streq(decision, "user-mode"))
                return ANSI_GREEN;
        if (streq(decision, "fallback") || streq(decision, "released"))
                return ANSI_YELLOW;
        if (streq(decision, "delegated"))
                return ANSI_BLUE;
        if (streq(decision, "unmanaged") || streq(decision, "device"))
                return ANSI_GREY;
        return NULL;
}
