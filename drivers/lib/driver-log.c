/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>

/* CODE_FILE/CODE_LINE would name this file, not the driver's call site: leave them out. */
#define SD_JOURNAL_SUPPRESS_LOCATION
#include <systemd/sd-journal.h>

#include "driver-internal.h"
#include "macro.h"

int drvhost_driver_logv(DrvhostDriver *d, int priority, const char *format, va_list ap)
{
        _cleanup_free_ char *message = NULL;
        int saved_errno = errno, r = 0;

        if (!d || !format || priority < LOG_EMERG || priority > LOG_DEBUG)
                return -EINVAL;

        /* For %m, and so that logging never changes the caller's errno. */
        errno = saved_errno;
        if (vasprintf(&message, format, ap) < 0) {
                errno = saved_errno;
                return -ENOMEM;
        }

        if (d->log_to_journal) {
                r = sd_journal_send("MESSAGE=%s", message, "PRIORITY=%i", priority, "DRVHOST_DEVICE=%s",
                                    strempty(d->env.device), "DRVHOST_DRIVER=%s", strempty(d->env.driver),
                                    "DRVHOST_UNIT=%s", strempty(d->env.unit), NULL);
                if (r >= 0) {
                        errno = saved_errno;
                        return 0;
                }
        }

        (void)fprintf(stderr, "%s\n", message);
        errno = saved_errno;
        return r;
}

int drvhost_driver_log(DrvhostDriver *d, int priority, const char *format, ...)
{
        va_list ap;
        int r;

        va_start(ap, format);
        r = drvhost_driver_logv(d, priority, format, ap);
        va_end(ap);
        return r;
}
