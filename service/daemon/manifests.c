/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "binding.h"
#include "device-dispatch.h"
#include "device-record.h"
#include "event.h"
#include "log.h"
#include "manifests.h"
#include "messages.h"
#include "device-util.h"
#include "version.h"

static int split_path(const char *path, char ***ret)
{
        _cleanup_free_ char *copy = strdup(path);
        _cleanup_strv_free_ char **l = NULL;
        size_t n = 0;
        char *state = NULL;

        if (!copy)
                return -ENOMEM;
        for (const char *p = path; *p; p++)
                n += *p == ':';
        l = calloc(n + 2, sizeof(char *));
        if (!l)
                return -ENOMEM;
        n = 0;
        for (char *tok = strtok_r(copy, ":", &state); tok; tok = strtok_r(NULL, ":", &state)) {
                l[n] = strdup(tok);
                if (!l[n++])
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(l);
        return 0;
}

static void log_manifest_errors(const ManifestSet *set)
{
        for (size_t i = 0; i < set->n_errors; i++) {
                const ManifestError *e = &set->errors[i];
                char line[16];
                const EventField fields[] = {
                    {"DRVHOST_MANIFEST", e->path},
                    {"DRVHOST_LINE", line},
                    {"DRVHOST_REASON", e->reason},
                };

                (void)snprintf(line, sizeof(line), "%u", e->line);
                (void)event_emit(DRVHOST_MESSAGE_MANIFEST_INVALID, LOG_ERR, fields, ELEMENTSOF(fields),
                                 "Skipping driver manifest %s:%u: %s", e->path, e->line, e->reason);
        }
}

/* Builds a new set and index without touching the current ones. */
static int load(Context *c, ManifestSet **ret_set, MatchIndex **ret_index)
{
        _cleanup_(manifest_set_freep) ManifestSet *set = NULL;
        _cleanup_(match_index_freep) MatchIndex *index = NULL;
        _cleanup_strv_free_ char **ties = NULL;
        int r;

        r = manifest_set_load((const char *const *)c->manifest_dirs, &set);
        if (r < 0)
                return log_error_errno(r, "Failed to load driver manifests: %m");
        log_manifest_errors(set);

        r = match_index_new(set, &index);
        if (r < 0)
                return log_error_errno(r, "Failed to index driver manifests: %m");

        r = match_index_check_ties(index, &ties);
        if (r < 0)
                return log_error_errno(r, "Failed to check manifests for ties: %m");
        for (char **t = ties; t && *t; t++)
                log_error("Driver manifests tie, the order is decided by name: %s", *t);

        log_info("Loaded %zu driver manifest(s), %zu invalid.", set->n, set->n_errors);
        *ret_set = TAKE_PTR(set);
        *ret_index = TAKE_PTR(index);
        return 0;
}

int manifests_load(Context *c)
{
        const char *path = getenv("DRVHOST_MANIFEST_PATH");
        int r;

        if (!c->manifest_dirs) {
                r = split_path(path ?: DRVHOST_MANIFEST_DIRS, &c->manifest_dirs);
                if (r < 0)
                        return log_oom();
        }
        return load(c, &c->manifests, &c->index);
}

/* Decides again about the USB interfaces and PCI functions that nobody drives, against the new set. */
static void rematch_unbound(Context *c)
{
        static const char *const subsystems[] = {"usb", "pci"};

        for (size_t i = 0; i < ELEMENTSOF(subsystems); i++) {
                _cleanup_(sd_device_enumerator_unrefp) sd_device_enumerator *e = NULL;

                if (sd_device_enumerator_new(&e) < 0 ||
                    sd_device_enumerator_add_match_subsystem(e, subsystems[i], true) < 0) {
                        log_warning("Failed to enumerate %s devices after reload.", subsystems[i]);
                        continue;
                }
                /* Released devices stay with the kernel: a reload is no request to take them. */
                for (sd_device *dev = sd_device_enumerator_get_device_first(e); dev;
                     dev = sd_device_enumerator_get_device_next(e))
                        if (!binding_find_by_syspath(c, device_syspath(dev)) &&
                            !device_record_is_released(c, device_syspath(dev)))
                                device_dispatch_rematch(c, dev);
        }
}

int manifests_reload(Context *c)
{
        _cleanup_(manifest_set_freep) ManifestSet *set = NULL, *old_set = NULL;
        _cleanup_(match_index_freep) MatchIndex *index = NULL;
        Binding *next;
        int r;

        r = load(c, &set, &index);
        if (r < 0)
                return r; /* keep running on the old manifests */

        /* The new set goes in first: what the bindings below hand back is matched against it. */
        old_set = TAKE_PTR(c->manifests);
        match_index_free(c->index);
        c->manifests = TAKE_PTR(set);
        c->index = TAKE_PTR(index);

        /* Each binding whose manifest changed goes back to the kernel and is matched against the new
         * set once its unit is down. */
        for (Binding *b = c->bindings; b; b = next) {
                const Manifest *old = manifest_set_find(old_set, b->driver);
                const Manifest *new = manifest_set_find(c->manifests, b->driver);

                next = b->next;
                if (old && new && old->hash == new->hash)
                        continue;
                (void)binding_handle(b, BINDING_INPUT_REMATCH,
                                     new ? "manifest changed" : "manifest removed");
        }

        rematch_unbound(c);
        return 0;
}
