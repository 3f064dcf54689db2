/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* drvhostd's own fd store (FileDescriptorStoreMax= of drvhost.service): a binding's device file
 * kept under its unit's name, so that a restarted drvhostd, even after SIGKILL, adopts the running
 * driver. Outside systemd both are no-ops. */

/* Returns what sd_pid_notify_with_fds() returns. */
int fdstore_push(const char *unit, int fd);
void fdstore_remove(const char *unit);
