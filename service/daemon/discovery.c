/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>

#include "device-dispatch.h"
#include "discovery.h"
#include "log.h"
#include "udev-util.h"

/* The subsystems drvhost decides about: USB devices and interfaces, PCI functions, block devices. */
static const char *const watched_subsystems[] = { "usb", "pci", "block" };

/* The socket buffer for uevents: a storm of plugs must not overflow it while we are busy. */
enum { MONITOR_RECEIVE_BUFFER_BYTES = 8 * 1024 * 1024 };

static int on_monitor_event(sd_event_source *s _unused_, int fd _unused_, uint32_t revents _unused_,
                            void *userdata)
{
        Context *c = userdata;

        /* Drain everything that is queued; the fd is level-triggered so leftovers come back anyway. */
        for (;;) {
                _cleanup_(udev_device_unrefp) struct udev_device *dev = NULL;

                dev = udev_monitor_receive_device(c->monitor);
                if (!dev)
                        break;
                device_dispatch(c, udev_device_get_action(dev) ?: "change", dev);
        }
        return 0;
}

static int monitor_start(Context *c)
{
        int r;

        c->monitor = udev_monitor_new_from_netlink(c->udev, "udev");
        if (!c->monitor)
                return log_error_errno(errno ?: ENOMEM, "Failed to create udev monitor: %m");

        for (size_t i = 0; i < ELEMENTSOF(watched_subsystems); i++) {
                r = udev_monitor_filter_add_match_subsystem_devtype(c->monitor, watched_subsystems[i], NULL);
                if (r < 0)
                        return log_error_errno(r, "Failed to add udev monitor filter for %s: %m",
                                               watched_subsystems[i]);
        }

        r = udev_monitor_set_receive_buffer_size(c->monitor, MONITOR_RECEIVE_BUFFER_BYTES);
        if (r < 0)
                log_debug_errno(r, "Failed to enlarge udev monitor buffer, continuing: %m");

        r = udev_monitor_enable_receiving(c->monitor);
        if (r < 0)
                return log_error_errno(r, "Failed to enable udev monitor: %m");

        r = sd_event_add_io(c->event, &c->monitor_source, udev_monitor_get_fd(c->monitor), EPOLLIN,
                            on_monitor_event, c);
        if (r < 0)
                return log_error_errno(r, "Failed to watch udev monitor: %m");

        (void)sd_event_source_set_description(c->monitor_source, "udev-monitor");
        return 0;
}

static int coldplug(Context *c)
{
        _cleanup_(udev_enumerate_unrefp) struct udev_enumerate *e = NULL;
        struct udev_list_entry *entry;
        int r;

        e = udev_enumerate_new(c->udev);
        if (!e)
                return log_error_errno(errno ?: ENOMEM, "Failed to enumerate devices: %m");

        for (size_t i = 0; i < ELEMENTSOF(watched_subsystems); i++) {
                r = udev_enumerate_add_match_subsystem(e, watched_subsystems[i]);
                if (r < 0)
                        return log_error_errno(r, "Failed to add enumeration match: %m");
        }

        /* Only devices udev has finished processing; the rest arrive through the monitor. */
        r = udev_enumerate_add_match_is_initialized(e);
        if (r < 0)
                return log_error_errno(r, "Failed to add enumeration match: %m");

        r = udev_enumerate_scan_devices(e);
        if (r < 0)
                return log_error_errno(r, "Failed to enumerate devices: %m");

        udev_list_entry_foreach(entry, udev_enumerate_get_list_entry(e))
        {
                _cleanup_(udev_device_unrefp) struct udev_device *dev = NULL;

                dev = udev_device_new_from_syspath(c->udev, udev_list_entry_get_name(entry));
                if (!dev)
                        continue; /* gone meanwhile: its remove event follows on the monitor */
                device_dispatch(c, "add", dev);
        }
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
