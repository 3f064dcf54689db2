/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <systemd/sd-device.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-device.h>
#include <systemd/sd-event.h>

#include "macro.h"
#include "manifest.h"
#include "match.h"
#include "unit-control.h"

typedef struct Binding Binding;
struct BindingEventData;

/* Hears every binding's events (binding.h: BindingEvent). */
typedef void (*binding_listener_t)(Binding *b, int event, const struct BindingEventData *data,
                                   void *userdata);
typedef struct BindingListener {
        binding_listener_t f;
        void *userdata;
} BindingListener;

enum { CONTEXT_LISTENERS_MAX = 8 };

typedef struct DeviceRecord DeviceRecord;

/* The daemon's one context: it owns every resource drvhostd holds. There is no other mutable global
 * state in the daemon. */
typedef struct Context {
        sd_event *event;
        sd_bus *bus;

        sd_device_monitor *monitor;

        /* Manifest search path, highest priority first, NULL-terminated. */
        char **manifest_dirs;
        ManifestSet *manifests;
        MatchIndex *index;

        char *broker_path;
        sd_event_source *broker_source;

        Binding *bindings; /* a list: a machine has tens of bindings, not thousands */
        unsigned n_bindings;
        BindingListener listeners[CONTEXT_LISTENERS_MAX];
        unsigned n_listeners;

        /* How bindings start, stop and watch their units: systemd's, or a test's. */
        const UnitOps *unit_ops;
        void *unit_ops_userdata;

        /* What dispatch decided of each device it saw (device-record.h). */
        DeviceRecord *records;
        /* Hears what became of a device (the D-Bus DeviceChanged signal). */
        void (*device_changed)(struct Context *c, const char *sysname, const char *decision);

        unsigned n_devices_seen;

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
