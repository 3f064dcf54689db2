/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* systemd's D-Bus names, for drvhostd (which starts and watches units) and drvhostctl (which reads
 * their state). */

#define SYSTEMD_BUS_NAME "org.freedesktop.systemd1"
#define SYSTEMD_OBJECT_PATH "/org/freedesktop/systemd1"
#define SYSTEMD_UNIT_PATH_PREFIX "/org/freedesktop/systemd1/unit"
#define SYSTEMD_MANAGER_INTERFACE "org.freedesktop.systemd1.Manager"
#define SYSTEMD_UNIT_INTERFACE "org.freedesktop.systemd1.Unit"
#define SYSTEMD_SERVICE_INTERFACE "org.freedesktop.systemd1.Service"
