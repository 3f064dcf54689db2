/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "device-dispatch.h"
#include "event.h"
#include "log.h"
#include "messages.h"

static const char *device_kind(struct udev_device *dev)
{
        const char *devtype = udev_device_get_devtype(dev);

        if (devtype && streq(devtype, "usb_interface"))
                return "USB interface";
        if (devtype && streq(devtype, "usb_device"))
                return "USB device";
        return NULL;
}

static void log_usb_event(const char *action, struct udev_device *dev, const char *kind)
{
        const char *syspath = udev_device_get_syspath(dev);
        const char *modalias = udev_device_get_property_value(dev, "MODALIAS");
        const char *product = udev_device_get_property_value(dev, "PRODUCT");
        const char *driver = udev_device_get_driver(dev);
        bool removed = streq(action, "remove");
        const EventField fields[] = {
                { "DRVHOST_DEVICE", syspath },
                { "DRVHOST_SYSNAME", udev_device_get_sysname(dev) },
                { "DRVHOST_SUBSYSTEM", udev_device_get_subsystem(dev) },
                { "DRVHOST_DEVTYPE", udev_device_get_devtype(dev) },
                { "DRVHOST_ACTION", action },
                { "DRVHOST_MODALIAS", modalias },
                { "DRVHOST_USB_PRODUCT", product },
                { "DRVHOST_DEVNODE", udev_device_get_devnode(dev) },
                { "DRVHOST_KERNEL_DRIVER", driver },
        };
        const char *id = removed                 ? DRVHOST_MESSAGE_DEVICE_REMOVED
                         : streq(action, "add") ? DRVHOST_MESSAGE_DEVICE_ADDED
                                                : DRVHOST_MESSAGE_DEVICE_CHANGED;
        int r;

        r = event_emit(id, removed || streq(action, "add") ? LOG_INFO : LOG_DEBUG, fields, ELEMENTSOF(fields),
                       "%s %s %s (%s%s%s) at %s", kind, udev_device_get_sysname(dev),
                       removed ? "removed" : streq(action, "add") ? "added" : action,
                       modalias ?: product ?: "no modalias", driver ? ", kernel driver " : "", strempty(driver),
                       syspath);
        if (r < 0)
                log_warning_errno(r, "Failed to log event for %s: %m", syspath);
}

void device_dispatch(Context *c, const char *action, struct udev_device *dev)
{
        const char *kind = device_kind(dev);

        c->n_devices_seen++;
        if (kind)
                log_usb_event(action, dev, kind);
        else
                log_debug("%s %s: %s", action, strna(udev_device_get_subsystem(dev)),
                          udev_device_get_syspath(dev));
}
