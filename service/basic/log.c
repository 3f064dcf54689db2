/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-journal.h>

#include "log.h"

enum { LOG_LINE_MAX = 2048 };

int log_internal(int level, int error, const char *file, int line, const char *func, const char *format, ...)
{
        char buf[LOG_LINE_MAX];
        int saved_errno = errno;
        va_list ap;

        /* Make %m print the error we were given, not whatever errno happens to hold. */
        errno = ERRNO_VALUE(error);
        va_start(ap, format);
        (void)vsnprintf(buf, sizeof(buf), format, ap);
        va_end(ap);

        if (getenv("JOURNAL_STREAM")) {
                char code_file[LOG_LINE_MAX / 4], code_line[32];

                (void)snprintf(code_file, sizeof(code_file), "CODE_FILE=%s", file);
                (void)snprintf(code_line, sizeof(code_line), "CODE_LINE=%d", line);
                if (error != 0)
                        (void)sd_journal_send_with_location(code_file, code_line, func, "MESSAGE=%s", buf,
                                                            "PRIORITY=%i", level, "ERRNO=%i",
                                                            ERRNO_VALUE(error), NULL);
                else
                        (void)sd_journal_send_with_location(code_file, code_line, func, "MESSAGE=%s", buf,
                                                            "PRIORITY=%i", level, NULL);
        } else
                (void)fprintf(stderr, "%s\n", buf);

        errno = saved_errno;
        return -ERRNO_VALUE(error);
}
