/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>

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

        *ret = TAKE_PTR(c);
        return 0;
}

Context *context_free(Context *c)
{
        if (!c)
                return NULL;

        sd_event_source_disable_unref(c->monitor_source);
        udev_monitor_unref(c->monitor);
        udev_unref(c->udev);
        sd_event_unref(c->event);
        free(c);
        return NULL;
}
