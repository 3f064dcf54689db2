/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "unit-name.h"

/* drvhostd's own fd store (FileDescriptorStoreMax= of drvhost.service): a binding's device file,
 * and its pty master and job socket when it has them, kept under names that say whose they are
 * (driver_fdname()), so that a restarted drvhostd, even after SIGKILL, adopts the running driver.
 * Outside systemd both are no-ops. */

/* Returns what sd_pid_notify_with_fds() returns. */
int fdstore_push(FdstoreKind kind, const char *driver, const char *sysname, int fd);
void fdstore_remove(FdstoreKind kind, const char *driver, const char *sysname);
