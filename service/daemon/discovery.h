/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "context.h"

/* Subscribes to udev before enumerating, so no device slips between coldplug and the monitor, then
 * hands every device (coldplug as "add", then each uevent) to device_dispatch(). */
int discovery_start(Context *c);
