/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Names of driver units and of drvhostd's fd store entries.
 *
 * A binding of driver "usb-printer" to USB interface "1-1.2:1.0" runs as
 * drvhost-driver@usb-printer_1-1_2_1_0.service, whose DynamicUser is "drv-" and the instance
 * (User=drv-%i in the template): every binding gets a uid of its own, and systemd only takes a
 * user name of at most 31 characters of [a-zA-Z0-9_-]. So ':' and '.' of the device's name become
 * '_', and a driver name too long to fit is cut (the device part, unique among bindings, never is).
 *
 * The fd store keeps what the unit name may have lost: "drvhost-driver@<driver>_<sysname>.service"
 * with ':' as '+' (the fd store forbids ':'), prefixed with "tty+" or "socket+" for a binding's pty
 * master and job socket. That is also the name drvhostd stored before, so it still adopts those. */

typedef enum FdstoreKind {
        FDSTORE_DEVICE,
        FDSTORE_TTY,
        FDSTORE_SOCKET,
        _FDSTORE_KIND_MAX,
} FdstoreKind;

/* Returns 0, -EINVAL (driver or device name not of the allowed characters), -ENAMETOOLONG (the
 * device name alone leaves no room for the driver's) or -ENOMEM. */
int driver_unit_name(const char *driver, const char *sysname, char **ret);

int driver_fdname(FdstoreKind kind, const char *driver, const char *sysname, char **ret);
/* Returns 0 with the parts (each optional), -EINVAL for a name that is not one of ours, -ENOMEM. */
int driver_fdname_parse(const char *fdname, FdstoreKind *ret_kind, char **ret_driver, char **ret_sysname);
