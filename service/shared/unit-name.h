/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Names of driver units. A binding of driver "usb-printer" to USB interface "1-1:1.0" runs as
 * drvhost-driver@usb-printer_1-1:1.0.service: readable, and reversible since driver names have no
 * '_' and USB interface names only [0-9.:-]. */

/* Returns 0 or -EINVAL (a name that would not be a valid or reversible unit name), -ENOMEM. */
int driver_unit_name(const char *driver, const char *sysname, char **ret);
int driver_unit_name_parse(const char *unit, char **ret_driver, char **ret_sysname);

/* The fd store forbids ':' in FDNAME=, so the instance is stored with ':' as '+'. */
int driver_unit_to_fdname(const char *unit, char **ret);
int driver_unit_from_fdname(const char *fdname, char **ret);
