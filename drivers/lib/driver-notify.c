/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <systemd/sd-daemon.h>

#include "driver-internal.h"
#include "macro.h"

/* sd_notify() takes newline-separated assignments, so a newline in a status taken from a device
 * string could smuggle in "READY=1" or "STOPPING=1". Other control characters would garble
 * `systemctl status`. Replace them all. */
static void status_sanitize(char *s)
{
        for (char *p = s; *p; p++)
                if ((unsigned char)*p < ' ' || *p == 0x7f)
                        *p = ' ';
}

static int notify_with_status(const char *prefix, const char *status)
{
        _cleanup_free_ char *message = NULL;

        if (asprintf(&message, "%sSTATUS=%s", prefix, status) < 0)
                return -ENOMEM;
        status_sanitize(message + strlen(prefix));
        return sd_notify(/* unset_environment= */ false, message);
}

int drvhost_driver_notify_ready(DrvhostDriver *d, const char *status)
{
        if (!d)
                return -EINVAL;
        if (!status)
                return sd_notify(/* unset_environment= */ false, "READY=1");
        return notify_with_status("READY=1\n", status);
}

int drvhost_driver_notify_status(DrvhostDriver *d, const char *format, ...)
{
        _cleanup_free_ char *status = NULL;
        va_list ap;
        int r;

        if (!d || !format)
                return -EINVAL;

        va_start(ap, format);
        r = vasprintf(&status, format, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;

        return notify_with_status("", status);
}
