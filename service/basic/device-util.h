/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <systemd/sd-device.h>

#include "macro.h"

/* sd-device, read the way a list of journal fields wants it: a value or NULL. */

/* sd-device.h brings sd_device_unrefp() and its kin for _cleanup_(). */

#define DEFINE_DEVICE_GETTER(name, getter)                                                                  \
        static inline const char *device_##name(sd_device *d)                                               \
        {                                                                                                   \
                const char *v = NULL;                                                                       \
                return d && getter(d, &v) >= 0 ? v : NULL;                                                  \
        }

DEFINE_DEVICE_GETTER(syspath, sd_device_get_syspath)
DEFINE_DEVICE_GETTER(sysname, sd_device_get_sysname)
DEFINE_DEVICE_GETTER(subsystem, sd_device_get_subsystem)
DEFINE_DEVICE_GETTER(devtype, sd_device_get_devtype)
DEFINE_DEVICE_GETTER(driver, sd_device_get_driver)
DEFINE_DEVICE_GETTER(devnode, sd_device_get_devname)

static inline const char *device_property(sd_device *d, const char *key)
{
        const char *v = NULL;

        return sd_device_get_property_value(d, key, &v) >= 0 ? v : NULL;
}

static inline const char *device_sysattr(sd_device *d, const char *attr)
{
        const char *v = NULL;

        return sd_device_get_sysattr_value(d, attr, &v) >= 0 ? v : NULL;
}

/* Borrowed references: they live as long as the child. */
static inline sd_device *device_parent(sd_device *d)
{
        sd_device *p = NULL;

        return sd_device_get_parent(d, &p) >= 0 ? p : NULL;
}

static inline sd_device *device_parent_with(sd_device *d, const char *subsystem, const char *devtype)
{
        sd_device *p = NULL;

        return sd_device_get_parent_with_subsystem_devtype(d, subsystem, devtype, &p) >= 0 ? p : NULL;
}

/* "add", "remove", …; "change" when the device carries no action (enumerated ones). */
static inline const char *device_action(sd_device *d)
{
        static const char *const names[_SD_DEVICE_ACTION_MAX] = {
            [SD_DEVICE_ADD] = "add",   [SD_DEVICE_REMOVE] = "remove", [SD_DEVICE_CHANGE] = "change",
            [SD_DEVICE_MOVE] = "move", [SD_DEVICE_ONLINE] = "online", [SD_DEVICE_OFFLINE] = "offline",
            [SD_DEVICE_BIND] = "bind", [SD_DEVICE_UNBIND] = "unbind",
        };
        sd_device_action_t a;

        return sd_device_get_action(d, &a) >= 0 && a >= 0 && a < _SD_DEVICE_ACTION_MAX ? names[a] : "change";
}
