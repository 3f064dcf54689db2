/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <libudev.h>

#include "context.h"

/* One device event (coldplug counts as "add"): classify it and act on it. Never fails: whatever goes
 * wrong with one device is logged with that device's fields and the daemon goes on. */
void device_dispatch(Context *c, const char *action, struct udev_device *dev);

/* Matches a USB interface again, as if it had just been plugged in (drvhostctl restart of a
 * device that fell back or was released). */
void device_dispatch_rebind(Context *c, struct udev_device *dev);
