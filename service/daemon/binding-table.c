/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "device-util.h"
#include "binding-control.h"
#include "binding-ports.h"
#include "binding.h"
#include "time-util.h"
#include "unit-name.h"

/* Bindings as objects: made, found, listened to and freed. Their life is binding.c's. */

Binding *binding_find_by_unit(Context *c, const char *unit)
{
        for (Binding *b = c->bindings; b; b = b->next)
                if (streq(b->unit, unit))
                        return b;
        return NULL;
}

Binding *binding_find_by_syspath(Context *c, const char *syspath)
{
        for (Binding *b = c->bindings; b; b = b->next)
                if (streq(b->syspath, syspath))
                        return b;
        return NULL;
}

Binding *binding_claiming(Context *c, const char *usb_syspath, unsigned ifnum)
{
        size_t len = strlen(usb_syspath);

        if (ifnum >= sizeof(uint32_t) * 8)
                return NULL;
        for (Binding *b = c->bindings; b; b = b->next)
                if (strneq(b->syspath, usb_syspath, len) && b->syspath[len] == '/' &&
                    !strchr(b->syspath + len + 1, '/') && (b->interfaces & (UINT32_C(1) << ifnum)))
                        return b;
        return NULL;
}

bool binding_holds_device(const Binding *b)
{
        return b->state != BINDING_FALLEN_BACK;
}

int binding_add_listener(Context *c, binding_listener_t f, void *userdata)
{
        if (c->n_listeners >= ELEMENTSOF(c->listeners))
                return -ENOSPC;
        c->listeners[c->n_listeners++] = (BindingListener){f, userdata};
        return 0;
}

void binding_unlink(Binding *b)
{
        Context *c = b->context;

        if (!c)
                return;
        if (b->prev)
                b->prev->next = b->next;
        else
                c->bindings = b->next;
        if (b->next)
                b->next->prev = b->prev;
        c->n_bindings--;
        b->context = NULL;
}

Binding *binding_free(Binding *b)
{
        if (!b)
                return NULL;
        if (b->context && b->context->unit_ops)
                b->watch = b->context->unit_ops->unwatch(b->watch);
        binding_unlink(b);
        binding_ports_close(b);
        binding_control_close(b);
        free(b->tty_link);
        free(b->tty_path);
        sd_event_source_disable_unref(b->timer);
        safe_close(b->fd);
        safe_close(b->irq_fd);
        free(b->unit);
        free(b->driver);
        free(b->exec);
        free(b->syspath);
        free(b->sysname);
        free(b->modalias);
        free(b->kernel_driver);
        free(b->devnode);
        free(b);
        return NULL;
}
DEFINE_TRIVIAL_CLEANUP_FUNC(Binding *, binding_free);

int binding_apply_manifest(Binding *b, const Manifest *m)
{
        char *exec = strdup(m->exec);

        if (!exec)
                return -ENOMEM;
        free(b->exec);
        b->exec = exec;
        b->fallback_to_kernel = m->fallback_to_kernel;
        b->want_tty = m->tty_link;
        b->want_tty_usb_serial = m->tty_usb_serial;
        b->want_socket = m->job_socket;
        crash_policy_init(&b->policy, m->restart_limit_burst,
                          (uint64_t)m->restart_limit_interval_sec * USEC_PER_SEC);
        return 0;
}

static int strdup_or_null(const char *s, char **ret)
{
        *ret = NULL;
        if (s && !(*ret = strdup(s)))
                return -ENOMEM;
        return 0;
}

int binding_new_raw(Context *c, const BackendOps *backend, const char *syspath, const char *sysname,
                    const char *modalias, const Manifest *m, Binding **ret)
{
        _cleanup_(binding_freep) Binding *b = NULL;
        int r;

        b = calloc(1, sizeof(*b));
        if (!b)
                return -ENOMEM;
        b->fd = -EBADF;
        b->irq_fd = -EBADF;
        b->tty_fd = -EBADF;
        b->socket_fd = -EBADF;
        b->control_fd = -EBADF;
        b->backend = backend;
        r = driver_unit_name(m->name, sysname, &b->unit);
        if (r < 0)
                return r;
        if (strdup_or_null(m->name, &b->driver) < 0 || strdup_or_null(syspath, &b->syspath) < 0 ||
            strdup_or_null(sysname, &b->sysname) < 0 || strdup_or_null(modalias, &b->modalias) < 0 ||
            binding_apply_manifest(b, m) < 0)
                return -ENOMEM;

        b->context = c;
        b->next = c->bindings;
        if (c->bindings)
                c->bindings->prev = b;
        c->bindings = b;
        c->n_bindings++;
        *ret = TAKE_PTR(b);
        return 0;
}

int binding_new(Context *c, const BackendOps *backend, sd_device *dev, const Manifest *m, Binding **ret)
{
        Binding *b;
        int r;

        r = binding_new_raw(c, backend, device_syspath(dev), device_sysname(dev),
                            device_property(dev, "MODALIAS"), m, &b);
        if (r < 0)
                return r;
        r = strdup_or_null(device_driver(dev), &b->kernel_driver);
        if (r >= 0)
                r = backend->init(b, dev, m);
        if (r < 0) {
                binding_free(b);
                return r;
        }
        *ret = b;
        return 0;
}
