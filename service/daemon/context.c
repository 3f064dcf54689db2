/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>
#include <string.h>

#include "binding.h"
#include "broker-protocol.h"
#include "context.h"

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

        c->udev = udev_new();
        if (!c->udev)
                return -errno ?: -ENOMEM;

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

        strv_free(c->released);
        sd_bus_slot_unref(c->bus_vtable_slot);
        sd_event_source_disable_unref(c->shutdown_timer);
        match_index_free(c->index);
        manifest_set_free(c->manifests);
        strv_free(c->manifest_dirs);
        sd_event_source_disable_unref(c->broker_source);
        free(c->broker_path);
        sd_event_source_disable_unref(c->monitor_source);
        udev_monitor_unref(c->monitor);
        udev_unref(c->udev);
        sd_bus_flush_close_unref(c->bus);
        sd_event_unref(c->event);
        free(c);
        return NULL;
}

bool context_is_released(const Context *c, const char *syspath)
{
        for (char **p = c->released; p && *p; p++)
                if (streq(*p, syspath))
                        return true;
        return false;
}

int context_set_released(Context *c, const char *syspath, bool released)
{
        size_t n = 0;
        char **l;

        for (char **p = c->released; p && *p; p++, n++)
                if (streq(*p, syspath)) {
                        if (released)
                                return 0;
                        free(*p);
                        memmove(p, p + 1, sizeof(char *) * (size_t)(c->released + strv_length(c->released) - p));
                        return 0;
                }
        if (!released)
                return 0;

        l = reallocarray(c->released, n + 2, sizeof(char *));
        if (!l)
                return -ENOMEM;
        c->released = l;
        l[n] = strdup(syspath);
        if (!l[n])
                return -ENOMEM; /* l[n] is NULL: the list stays terminated */
        l[n + 1] = NULL;
        return 0;
}
