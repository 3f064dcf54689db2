/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <systemd/sd-daemon.h>

#include "bus-api.h"
#include "binding.h"
#include "bus-names.h"
#include "device-dispatch.h"
#include "device-info.h"
#include "fault.h"
#include "log.h"
#include "manifests.h"
#include "device-util.h"

/* Changes are for root only; everything else may read. The policy file lets everyone call, so
 * the decision is here, with a message that says what was refused. */
static int check_root(sd_bus_message *m, const char *what, sd_bus_error *error)
{
        _cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
        uid_t uid;
        int r;

        r = sd_bus_query_sender_creds(m, SD_BUS_CREDS_EUID | SD_BUS_CREDS_UID | SD_BUS_CREDS_AUGMENT,
                                      &creds);
        if (r < 0)
                return r;
        r = sd_bus_creds_get_euid(creds, &uid);
        if (r < 0)
                r = sd_bus_creds_get_uid(creds, &uid);
        if (r < 0)
                return r;
        if (uid != 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED,
                                         "Permission denied: %s needs root", what);
        return 0;
}

static int resolve(Context *c, const char *name, sd_device **ret, sd_bus_error *error)
{
        int r = device_resolve(c, name, ret);

        if (r == -ENOENT)
                return sd_bus_error_setf(error, DRVHOST_BUS_ERROR_NO_SUCH_DEVICE, "No device '%s'.", name);
        return r;
}

/* The device argument of a method: read, checked for root when what (the change, for the message)
 * is given, and resolved to a device drvhost decides about. */
static int read_device_argument(sd_bus_message *m, Context *c, const char *what, sd_device **ret,
                                DeviceInfo *ret_info, sd_bus_error *error)
{
        _cleanup_(sd_device_unrefp) sd_device *dev = NULL;
        const char *name;
        DeviceInfo info;
        int r;

        r = sd_bus_message_read(m, "s", &name);
        if (r < 0)
                return r;
        if (what) {
                r = check_root(m, what, error);
                if (r < 0)
                        return r;
        }
        r = resolve(c, name, &dev, error);
        if (r < 0)
                return r;
        if (device_info_get(c, dev, &info) < 0)
                return sd_bus_error_setf(error, DRVHOST_BUS_ERROR_NO_SUCH_DEVICE,
                                         "'%s' is not a device drvhost decides about (USB, PCI or a disk).",
                                         name);
        if (ret_info)
                *ret_info = info; /* borrows from dev, which the caller now holds */
        *ret = TAKE_PTR(dev);
        return 0;
}

static int append_device(sd_bus_message *reply, const DeviceInfo *i)
{
        return sd_bus_message_append(reply, DRVHOST_BUS_DEVICE_TYPE, i->sysname, i->syspath, i->subsystem,
                                     i->devtype, i->parent, i->modalias, i->description, i->decision,
                                     i->driver, i->unit, i->state, i->kernel_driver, i->crashes, i->restarts,
                                     i->port, i->front_end);
}

static int append_device_cb(const DeviceInfo *info, void *userdata)
{
        return append_device(userdata, info);
}

static int method_list_devices(sd_bus_message *m, void *userdata, sd_bus_error *error _unused_)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Context *c = userdata;
        int r;

        r = sd_bus_message_new_method_return(m, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', DRVHOST_BUS_DEVICE_TYPE);
        if (r >= 0)
                r = device_info_foreach(c, append_device_cb, reply);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int method_get_device(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(sd_device_unrefp) sd_device *dev = NULL;
        Context *c = userdata;
        DeviceInfo info;
        int r;

        r = read_device_argument(m, c, NULL, &dev, &info, error);
        if (r < 0)
                return r;
        r = sd_bus_message_new_method_return(m, &reply);
        if (r >= 0)
                r = append_device(reply, &info);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

/* The last death of the device's driver; time 0 when there was none (or the binding is gone). */
static int method_get_last_crash(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        _cleanup_(sd_device_unrefp) sd_device *dev = NULL;
        Context *c = userdata;
        const Binding *b;
        BindingCrash none = {};
        const BindingCrash *x;
        int r;

        r = read_device_argument(m, c, NULL, &dev, NULL, error);
        if (r < 0)
                return r;
        b = binding_find_by_syspath(c, device_syspath(dev));
        x = b ? &b->last_crash : &none;
        return sd_bus_reply_method_return(m, DRVHOST_BUS_CRASH_TYPE, x->realtime_usec, x->code, x->status,
                                          x->pid, x->result);
}

static int method_list_drivers(sd_bus_message *m, void *userdata, sd_bus_error *error _unused_)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Context *c = userdata;
        int r;

        r = sd_bus_message_new_method_return(m, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', DRVHOST_BUS_DRIVER_TYPE);
        for (size_t i = 0; r >= 0 && c->manifests && i < c->manifests->n; i++) {
                const Manifest *man = c->manifests->manifests[i];

                r = sd_bus_message_open_container(reply, 'r', "sssisbuuas");
                if (r >= 0)
                        r = sd_bus_message_append(reply, "sssisbuu", man->name, man->path, man->exec,
                                                  man->priority, strempty(man->description),
                                                  man->fallback_to_kernel, man->restart_limit_burst,
                                                  man->restart_limit_interval_sec);
                if (r >= 0)
                        r = sd_bus_message_append_strv(reply, man->matches);
                if (r >= 0)
                        r = sd_bus_message_close_container(reply);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int method_list_manifest_errors(sd_bus_message *m, void *userdata, sd_bus_error *error _unused_)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Context *c = userdata;
        int r;

        r = sd_bus_message_new_method_return(m, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', DRVHOST_BUS_MANIFEST_ERROR_TYPE);
        for (size_t i = 0; r >= 0 && c->manifests && i < c->manifests->n_errors; i++) {
                const ManifestError *e = &c->manifests->errors[i];

                r = sd_bus_message_append(reply, DRVHOST_BUS_MANIFEST_ERROR_TYPE, e->path, e->line,
                                          e->reason);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int method_explain(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(sd_device_unrefp) sd_device *dev = NULL;
        _cleanup_(match_result_done) MatchResult result = {};
        _cleanup_free_ char *reason = NULL;
        Context *c = userdata;
        DeviceInfo info;
        int r;

        r = read_device_argument(m, c, NULL, &dev, &info, error);
        if (r < 0)
                return r;
        r = device_explain(c, dev, &info, &result, &reason);
        if (r < 0)
                return r;

        r = sd_bus_message_new_method_return(m, &reply);
        if (r >= 0)
                r = sd_bus_message_append(reply, "ssss", info.sysname, info.modalias, info.decision, reason);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', DRVHOST_BUS_CANDIDATE_TYPE);
        for (size_t i = 0; r >= 0 && i < result.n_candidates; i++) {
                const MatchCandidate *k = &result.candidates[i];

                r = sd_bus_message_append(reply, DRVHOST_BUS_CANDIDATE_TYPE, k->manifest->name,
                                          k->manifest->path, k->pattern, k->score, k->manifest->priority,
                                          k->rank, match_loss_to_string(k->loss));
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int method_restart(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        _cleanup_(sd_device_unrefp) sd_device *dev = NULL;
        Context *c = userdata;
        Binding *b;
        int r;

        r = read_device_argument(m, c, "restarting a binding", &dev, NULL, error);
        if (r < 0)
                return r;

        b = binding_find_by_syspath(c, device_syspath(dev));
        if (b) {
                BindingState state = b->state;

                /* A fallen-back binding goes and dispatch binds the device anew. */
                r = binding_handle(b, BINDING_INPUT_RESTART, NULL);
                if (r == -EBUSY)
                        return sd_bus_error_setf(error, DRVHOST_BUS_ERROR_BUSY,
                                                 "%s is %s; try again shortly.", strna(device_sysname(dev)),
                                                 binding_state_to_string(state));
                if (r < 0)
                        return r;
        } else
                device_dispatch_rematch(c, dev); /* released, or never bound: decide anew */

        if (!binding_find_by_syspath(c, device_syspath(dev)))
                return sd_bus_error_setf(
                    error, DRVHOST_BUS_ERROR_NOT_BOUND,
                    "No user-mode driver took %s (no manifest matches it, it is delegated, "
                    "or binding failed: see the journal).",
                    strna(device_sysname(dev)));
        return sd_bus_reply_method_return(m, NULL);
}

static int method_release(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        _cleanup_(sd_device_unrefp) sd_device *dev = NULL;
        Context *c = userdata;
        Binding *b;
        int r;

        r = read_device_argument(m, c, "releasing a binding", &dev, NULL, error);
        if (r < 0)
                return r;

        b = binding_find_by_syspath(c, device_syspath(dev));
        if (!b || b->state == BINDING_FALLEN_BACK)
                return sd_bus_error_setf(error, DRVHOST_BUS_ERROR_NOT_BOUND,
                                         "%s has no user-mode driver to release.",
                                         strna(device_sysname(dev)));
        r = binding_handle(b, BINDING_INPUT_RELEASE, "released on request");
        if (r == -EBUSY)
                return sd_bus_error_setf(error, DRVHOST_BUS_ERROR_BUSY, "%s is %s; try again shortly.",
                                         b->unit, binding_state_to_string(b->state));
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(m, NULL);
}

static int method_inject(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        _cleanup_(sd_device_unrefp) sd_device *dev = NULL;
        Context *c = userdata;
        const char *name;
        Binding *b;
        int r, f;

        r = read_device_argument(m, c, "injecting a fault", &dev, NULL, error);
        if (r < 0)
                return r;
        r = sd_bus_message_read(m, "s", &name);
        if (r < 0)
                return r;
        f = fault_from_string(name);
        if (f < 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "Unknown fault '%s'; the faults are: " FAULT_NAMES ".", name);

        b = binding_find_by_syspath(c, device_syspath(dev));
        if (!b || b->state == BINDING_FALLEN_BACK)
                return sd_bus_error_setf(error, DRVHOST_BUS_ERROR_NOT_BOUND,
                                         "%s has no user-mode driver to inject a fault into.",
                                         strna(device_sysname(dev)));
        r = binding_inject(b, (Fault)f);
        if (r == -EOPNOTSUPP)
                return sd_bus_error_setf(error, SD_BUS_ERROR_NOT_SUPPORTED,
                                         "Driver %s of %s does not take fault '%s': it goes through the "
                                         "drvhost runtime library, and this driver process did not announce "
                                         "it (not built on the library, or started before drvhostd; "
                                         "'drvhostctl restart' starts it anew). crash, abort, kill and exit "
                                         "work with any driver.",
                                         b->driver, strna(device_sysname(dev)), name);
        if (r == -ESRCH)
                return sd_bus_error_setf(error, DRVHOST_BUS_ERROR_BUSY,
                                         "No driver process of %s is serving (%s); try again shortly.",
                                         b->unit, binding_state_to_string(b->state));
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Delivering fault '%s' to %s failed: %m", name,
                                               b->unit);
        return sd_bus_reply_method_return(m, NULL);
}

static int method_reload(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        Context *c = userdata;
        int r;

        r = check_root(m, "reloading the manifests", error);
        if (r < 0)
                return r;
        (void)sd_notify(false, "RELOADING=1\nSTATUS=Reloading driver manifests");
        r = manifests_reload(c);
        (void)sd_notifyf(false, "READY=1\nSTATUS=%u binding(s), %zu manifest(s)", c->n_bindings,
                         c->manifests ? c->manifests->n : 0);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Reloading the manifests failed: %m");
        return sd_bus_reply_method_return(m, NULL);
}

static const sd_bus_vtable manager_vtable[] = {
    SD_BUS_VTABLE_START(0),
    SD_BUS_METHOD_WITH_ARGS("ListDevices", SD_BUS_NO_ARGS,
                            SD_BUS_RESULT("a" DRVHOST_BUS_DEVICE_TYPE, devices), method_list_devices,
                            SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_ARGS("GetDevice", SD_BUS_ARGS("s", device),
                            SD_BUS_RESULT(DRVHOST_BUS_DEVICE_TYPE, info), method_get_device,
                            SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_ARGS("GetLastCrash", SD_BUS_ARGS("s", device),
                            SD_BUS_RESULT("t", time, "i", code, "i", status, "u", pid, "s", result),
                            method_get_last_crash, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_ARGS("ListDrivers", SD_BUS_NO_ARGS,
                            SD_BUS_RESULT("a" DRVHOST_BUS_DRIVER_TYPE, drivers), method_list_drivers,
                            SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_ARGS("ListManifestErrors", SD_BUS_NO_ARGS,
                            SD_BUS_RESULT("a" DRVHOST_BUS_MANIFEST_ERROR_TYPE, errors),
                            method_list_manifest_errors, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_ARGS("Explain", SD_BUS_ARGS("s", device),
                            SD_BUS_RESULT("s", sysname, "s", modalias, "s", decision, "s", reason,
                                          "a" DRVHOST_BUS_CANDIDATE_TYPE, candidates),
                            method_explain, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_ARGS("Restart", SD_BUS_ARGS("s", device), SD_BUS_NO_RESULT, method_restart,
                            SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_ARGS("Release", SD_BUS_ARGS("s", device), SD_BUS_NO_RESULT, method_release,
                            SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_ARGS("Inject", SD_BUS_ARGS("s", device, "s", fault), SD_BUS_NO_RESULT, method_inject,
                            SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_ARGS("Reload", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT, method_reload,
                            SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_SIGNAL_WITH_ARGS("DeviceChanged", SD_BUS_ARGS("s", sysname, "s", decision), 0),
    SD_BUS_SIGNAL_WITH_ARGS("BindingChanged", SD_BUS_ARGS("s", sysname, "s", unit, "s", state), 0),
    SD_BUS_VTABLE_END,
};

int bus_api_start(Context *c)
{
        int r;

        r = sd_bus_add_object_vtable(c->bus, &c->bus_vtable_slot, DRVHOST_BUS_PATH, DRVHOST_BUS_INTERFACE,
                                     manager_vtable, c);
        if (r < 0)
                return log_error_errno(r, "Failed to publish the D-Bus object: %m");
        /* Synchronous: a second drvhostd (or a policy that does not let us own the name) must fail
         * here, loudly, not later. */
        r = sd_bus_request_name(c->bus, DRVHOST_BUS_NAME, 0);
        if (r < 0)
                return log_error_errno(r, "Failed to take the bus name %s: %m", DRVHOST_BUS_NAME);
        return 0;
}

void bus_api_device_changed(Context *c, const char *sysname, const char *decision)
{
        int r;

        if (!c->bus_vtable_slot)
                return;
        r = sd_bus_emit_signal(c->bus, DRVHOST_BUS_PATH, DRVHOST_BUS_INTERFACE, "DeviceChanged", "ss",
                               sysname, decision);
        if (r < 0)
                log_debug_errno(r, "Failed to send DeviceChanged for %s: %m", sysname);
}

static void on_binding_event(Binding *b, int event, const struct BindingEventData *data _unused_,
                             void *userdata)
{
        Context *c = userdata;
        int r;

        /* An injection changes nothing yet: the death that follows does. */
        if (event == BINDING_EVENT_FREED || event == BINDING_EVENT_INJECTED || !c->bus_vtable_slot)
                return;
        r = sd_bus_emit_signal(c->bus, DRVHOST_BUS_PATH, DRVHOST_BUS_INTERFACE, "BindingChanged", "sss",
                               b->sysname, b->unit, binding_state_to_string(b->state));
        if (r < 0)
                log_debug_errno(r, "Failed to send BindingChanged for %s: %m", b->sysname);
}

int bus_api_listen(Context *c)
{
        c->device_changed = bus_api_device_changed;
        return binding_add_listener(c, on_binding_event, c);
}
