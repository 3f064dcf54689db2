/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <libudev.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "macro.h"
#include "manifest.h"
#include "match.h"

typedef struct Binding Binding;

/* The daemon's one context: it owns every resource drvhostd holds. There is no other mutable global
 * state in the daemon. */
typedef struct Context {
        sd_event *event;
        sd_bus *bus;

        struct udev *udev;
        struct udev_monitor *monitor;
        sd_event_source *monitor_source;

        /* Manifest search path, highest priority first, NULL-terminated. */
        char **manifest_dirs;
        ManifestSet *manifests;
        MatchIndex *index;

        char *broker_path;
        sd_event_source *broker_source;

        Binding *bindings; /* a list: a machine has tens of bindings, not thousands */
        unsigned n_bindings;

        unsigned n_devices_seen;

        /* Syspaths given back to the kernel on request (drvhostctl release): not bound again until
         * they are unplugged or a restart is asked for. NULL-terminated. */
        char **released;

        sd_bus_slot *bus_vtable_slot;

        /* systemctl stop: drivers are stopped and their devices handed back to the kernel before
         * drvhostd exits; no new bindings meanwhile. */
        bool shutting_down;
        sd_event_source *shutdown_timer;
        uint64_t shutdown_deadline_usec;
} Context;

int context_new(Context **ret);
Context *context_free(Context *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(Context *, context_free);

bool context_is_released(const Context *c, const char *syspath);
/* Adds or removes syspath from the released set. Returns 0 or -ENOMEM. */
int context_set_released(Context *c, const char *syspath, bool released);
