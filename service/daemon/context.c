/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>
#include <string.h>

#include "binding.h"
#include "broker-protocol.h"
#include "context.h"
#include "device-record.h"

int context_new(Context **ret)
{
        _cleanup_(context_freep) Context *c = NULL;
        int r;

        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;

        r = sd_event_default(&c->event);
        if (r < 0)
                return r;

        c->unit_ops = &unit_ops_systemd;

        c->broker_path = strdup(DRVHOST_BROKER_SOCKET);
        if (!c->broker_path)
                return -ENOMEM;

        *ret = TAKE_PTR(c);
        return 0;
}

Context *context_free(Context *c)
{
        if (!c)
                return NULL;

        /* Bindings are forgotten, not stopped: the driver units live on and the device fds stay in
         * our fd store, so a restarted drvhostd takes them over. */
        while (c->bindings)
                binding_free(c->bindings);
        device_records_free(c);
        sd_bus_slot_unref(c->bus_vtable_slot);
        sd_event_source_disable_unref(c->shutdown_timer);
        match_index_free(c->index);
        manifest_set_free(c->manifests);
        strv_free(c->manifest_dirs);
        sd_event_source_disable_unref(c->broker_source);
        free(c->broker_path);
        sd_device_monitor_unref(c->monitor);
        sd_bus_flush_close_unref(c->bus);
        sd_event_unref(c->event);
        free(c);
        return NULL;
}
