/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <systemd/sd-daemon.h>

#include "fdstore.h"
#include "macro.h"

int fdstore_push(FdstoreKind kind, const char *driver, const char *sysname, int fd)
{
        _cleanup_free_ char *fdname = NULL, *msg = NULL;
        int r;

        if (fd < 0)
                return -EBADF;
        r = driver_fdname(kind, driver, sysname, &fdname);
        if (r < 0)
                return r;
        if (asprintf(&msg, "FDSTORE=1\nFDNAME=%s", fdname) < 0)
                return -ENOMEM;
        return sd_pid_notify_with_fds(0, false, msg, &fd, 1);
}

void fdstore_remove(FdstoreKind kind, const char *driver, const char *sysname)
{
        _cleanup_free_ char *fdname = NULL, *msg = NULL;

        if (driver_fdname(kind, driver, sysname, &fdname) < 0 ||
            asprintf(&msg, "FDSTOREREMOVE=1\nFDNAME=%s", fdname) < 0)
                return;
        (void)sd_notify(false, msg);
}
