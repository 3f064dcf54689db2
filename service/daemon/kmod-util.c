/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <libkmod.h>

#include "kmod-util.h"
#include "macro.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct kmod_ctx *, kmod_unref);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct kmod_module *, kmod_module_unref);

int kmod_load(const char *name)
{
        _cleanup_(kmod_unrefp) struct kmod_ctx *ctx = NULL;
        _cleanup_(kmod_module_unrefp) struct kmod_module *mod = NULL;
        int r;

        ctx = kmod_new(NULL, NULL);
        if (!ctx)
                return -ENOMEM;
        r = kmod_module_new_from_name(ctx, name, &mod);
        if (r < 0)
                return r;
        return kmod_module_probe_insert_module(mod, 0, NULL, NULL, NULL, NULL);
}
