/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>

#include "device-dispatch.h"
#include "discovery.h"
#include "log.h"
#include "device-util.h"

/* The subsystems drvhost decides about: USB devices and interfaces, PCI functions, block devices. */
static const char *const watched_subsystems[] = {"usb", "pci", "block"};

/* The socket buffer for uevents: a storm of plugs must not overflow it while we are busy. */
enum { MONITOR_RECEIVE_BUFFER_BYTES = 8 * 1024 * 1024 };

static int on_device(sd_device_monitor *m _unused_, sd_device *dev, void *userdata)
{
        device_dispatch(userdata, device_action(dev), dev);
        return 0;
}

static int monitor_start(Context *c)
{
        int r;

        r = sd_device_monitor_new(&c->monitor);
        if (r < 0)
                return log_error_errno(r, "Failed to create the device monitor: %m");

        for (size_t i = 0; i < ELEMENTSOF(watched_subsystems); i++) {
                r = sd_device_monitor_filter_add_match_subsystem_devtype(c->monitor, watched_subsystems[i],
                                                                         NULL);
                if (r < 0)
                        return log_error_errno(r, "Failed to add device monitor filter for %s: %m",
                                               watched_subsystems[i]);
        }

        r = sd_device_monitor_set_receive_buffer_size(c->monitor, MONITOR_RECEIVE_BUFFER_BYTES);
        if (r < 0)
                log_debug_errno(r, "Failed to enlarge the device monitor's buffer, continuing: %m");

        r = sd_device_monitor_attach_event(c->monitor, c->event);
        if (r < 0)
                return log_error_errno(r, "Failed to attach the device monitor to the event loop: %m");
        (void)sd_device_monitor_set_description(c->monitor, "device-monitor");

        r = sd_device_monitor_start(c->monitor, on_device, c);
        if (r < 0)
                return log_error_errno(r, "Failed to start the device monitor: %m");
        return 0;
}

static int coldplug(Context *c)
{
        _cleanup_(sd_device_enumerator_unrefp) sd_device_enumerator *e = NULL;
        int r;

        /* Only devices udev has finished processing (sd-device's default); the rest arrive through
         * the monitor. */
        r = sd_device_enumerator_new(&e);
        if (r < 0)
                return log_error_errno(r, "Failed to enumerate devices: %m");

        for (size_t i = 0; i < ELEMENTSOF(watched_subsystems); i++) {
                r = sd_device_enumerator_add_match_subsystem(e, watched_subsystems[i], true);
                if (r < 0)
                        return log_error_errno(r, "Failed to add enumeration match: %m");
        }

        for (sd_device *dev = sd_device_enumerator_get_device_first(e); dev;
             dev = sd_device_enumerator_get_device_next(e))
                device_dispatch(c, "add", dev);
        return 0;
}

int discovery_start(Context *c)
{
        int r;

        r = monitor_start(c);
        if (r < 0)
                return r;

        return coldplug(c);
}
