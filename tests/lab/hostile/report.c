/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The verdict lines the scenario turns into checks, and sd_notify() by hand (the program links
 * nothing but libc, so that the lab builds it on the host with gcc alone). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "hostile.h"

const char *errno_name(int error)
{
        static __thread char unknown[32];
        const char *name = strerrorname_np(error);

        if (name)
                return name;
        (void)snprintf(unknown, sizeof(unknown), "errno %d", error);
        return unknown;
}

void report_denied_because(const char *attempt, const char *why)
{
        printf("HOSTILE %s: denied (%s)\n", attempt, why);
        fflush(stdout);
}

void report_succeeded(const char *attempt, const char *detail)
{
        printf("HOSTILE %s: SUCCEEDED (%s)\n", attempt, detail && *detail ? detail : "no error");
        fflush(stdout);
}

void report_result(const char *attempt, int r, const char *detail)
{
        if (r >= 0)
                report_succeeded(attempt, detail);
        else
                report_denied_because(attempt, errno_name(-r));
}

void report_info(const char *format, ...)
{
        va_list ap;

        fputs("HOSTILE-INFO ", stdout);
        va_start(ap, format);
        vprintf(format, ap);
        va_end(ap);
        putchar('\n');
        fflush(stdout);
}

void notify(const char *message)
{
        const char *path = getenv("NOTIFY_SOCKET");
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        socklen_t len;
        int fd;

        if (!path || strlen(path) >= sizeof(sa.sun_path))
                return;
        strncpy(sa.sun_path, path, sizeof(sa.sun_path) - 1);
        if (sa.sun_path[0] == '@')
                sa.sun_path[0] = '\0'; /* abstract namespace */
        len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path));
        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return;
        (void)sendto(fd, message, strlen(message), MSG_NOSIGNAL, (struct sockaddr *)&sa, len);
        close(fd);
}
