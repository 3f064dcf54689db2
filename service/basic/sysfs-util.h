/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

/* Whether the device at syspath is bound to the kernel driver named driver, read from its "driver"
 * link right now (udev's view may lag behind a bind or unbind we just did). */
bool sysfs_bound_to(const char *syspath, const char *driver);

/* The name of the kernel driver bound to the device at syspath, read from its "driver" link.
 * Returns 0, -ENOENT when none is bound, or -errno; *ret must be freed. */
int sysfs_driver_name(const char *syspath, char **ret);
