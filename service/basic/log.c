/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <systemd/sd-journal.h>

#include "log.h"

enum { LOG_LINE_MAX = 2048 };

/* JOURNAL_STREAM is inherited by children whose stderr may go elsewhere: like systemd, trust it
 * only when it names the very stream stderr is. */
static bool stderr_is_journal(void)
{
        const char *e = getenv("JOURNAL_STREAM");
        unsigned long long dev, ino;
        struct stat st;

        if (!e || sscanf(e, "%llu:%llu", &dev, &ino) != 2 || fstat(STDERR_FILENO, &st) < 0)
                return false;
        return st.st_dev == (dev_t)dev && st.st_ino == (ino_t)ino;
}

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

        if (stderr_is_journal()) {
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
