/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <libudev.h>
#include <systemd/sd-event.h>

#include "macro.h"

/* The daemon's one context: it owns every resource drvhostd holds. There is no other mutable global
 * state in the daemon. */
typedef struct Context {
        sd_event *event;

        struct udev *udev;
        struct udev_monitor *monitor;
        sd_event_source *monitor_source;

        unsigned n_devices_seen;
} Context;

int context_new(Context **ret);
Context *context_free(Context *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(Context *, context_free);
