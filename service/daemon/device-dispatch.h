/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <systemd/sd-device.h>

#include "context.h"

/* Dispatch: classifies each device, decides (delegate, bind, leave alone), records the decision
 * (device-record.h) and starts bindings. It is the one place a decision is made. */

/* Registers dispatch's listener for binding events (records, matching again after a release). */
int device_dispatch_init(Context *c);

/* One device event (coldplug counts as "add"). Never fails: whatever goes wrong with one device is
 * logged with that device's fields and the daemon goes on. */
void device_dispatch(Context *c, const char *action, sd_device *dev);

/* Decides about a present USB interface or PCI function again, as if it had just come (a reload, a
 * restart of a released device); a release on request is forgotten. */
void device_dispatch_rematch(Context *c, sd_device *dev);

/* Takes over a binding an earlier drvhostd left in the fd store. Returns 0, or -errno and the caller
 * still owns fd. */
int device_dispatch_adopt(Context *c, const char *driver, const char *sysname, int fd);
