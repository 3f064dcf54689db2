/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <libkmod.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "binding.h"
#include "classify.h"
#include "device-dispatch.h"
#include "device-info.h"
#include "device-record.h"
#include "drvhost-tty-util.h"
#include "event.h"
#include "log.h"
#include "messages.h"
#include "device-util.h"
#include "unit-name.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct kmod_ctx *, kmod_unref);
DEFINE_TRIVIAL_CLEANUP_FUNC_VOID(struct kmod_list *, kmod_module_unref_list);

#define VIRTUAL_DEVICES_PREFIX "/sys/devices/virtual/"

static void log_device_event(const char *action, sd_device *dev, const char *kind)
{
        const char *syspath = device_syspath(dev);
        const char *modalias = device_property(dev, "MODALIAS");
        const char *product = device_property(dev, "PRODUCT");
        const char *driver = device_driver(dev);
        bool removed = streq(action, "remove"), added = streq(action, "add");
        const EventField fields[] = {
            {"DRVHOST_DEVICE", syspath},
            {"DRVHOST_SYSNAME", device_sysname(dev)},
            {"DRVHOST_SUBSYSTEM", device_subsystem(dev)},
            {"DRVHOST_DEVTYPE", device_devtype(dev)},
            {"DRVHOST_ACTION", action},
            {"DRVHOST_MODALIAS", modalias},
            {"DRVHOST_USB_PRODUCT", product},
            {"DRVHOST_DEVNODE", device_devnode(dev)},
            {"DRVHOST_KERNEL_DRIVER", driver},
        };
        int r;

        r = event_emit(removed ? DRVHOST_MESSAGE_DEVICE_REMOVED
                       : added ? DRVHOST_MESSAGE_DEVICE_ADDED
                               : DRVHOST_MESSAGE_DEVICE_CHANGED,
                       removed || added ? LOG_INFO : LOG_DEBUG, fields, ELEMENTSOF(fields), "%s %s %s (%s%s%s) at %s",
                       kind, device_sysname(dev), removed ? "removed" : added ? "added" : action,
                       modalias ?: product ?: "no modalias", driver ? ", kernel driver " : "", strempty(driver),
                       syspath);
        if (r < 0)
                log_warning_errno(r, "Failed to log event for %s: %m", syspath);
}

/* Asks for the kernel module of a device nobody drives yet, as udev's kmod builtin would. */
static const char *load_kernel_module(const char *modalias)
{
        _cleanup_(kmod_unrefp) struct kmod_ctx *ctx = NULL;
        _cleanup_(kmod_module_unref_listp) struct kmod_list *list = NULL;
        struct kmod_list *l;

        if (!modalias)
                return NULL;
        ctx = kmod_new(NULL, NULL);
        if (!ctx || kmod_module_new_from_lookup(ctx, modalias, &list) < 0 || !list)
                return NULL;
        kmod_list_foreach(l, list)
        {
                struct kmod_module *mod = kmod_module_get_module(l);
                int r =
                    kmod_module_probe_insert_module(mod, KMOD_PROBE_APPLY_BLACKLIST, NULL, NULL, NULL, NULL);

                kmod_module_unref(mod);
                if (r >= 0)
                        return "requested";
        }
        return NULL;
}

static void delegate(sd_device *dev, DelegationReason reason, bool announce)
{
        const char *driver = device_kernel_driver(dev);
        const char *modalias = device_property(dev, "MODALIAS");
        const char *requested = NULL;
        int r;

        if (!announce)
                return;
        if (!driver)
                requested = load_kernel_module(modalias);
        if (!driver)
                driver = device_kernel_driver(dev);

        const EventField fields[] = {
            {"DRVHOST_DEVICE", device_syspath(dev)},
            {"DRVHOST_SYSNAME", device_sysname(dev)},
            {"DRVHOST_SUBSYSTEM", device_subsystem(dev)},
            {"DRVHOST_MODALIAS", modalias},
            {"DRVHOST_DELEGATION", delegation_reason_to_string(reason)},
            {"DRVHOST_KERNEL_DRIVER", driver ?: "none"},
            {"DRVHOST_MODULE_REQUEST", requested},
        };
        r = event_emit(DRVHOST_MESSAGE_DELEGATED, LOG_INFO, fields, ELEMENTSOF(fields),
                       "%s %s is %s: delegated to the kernel (driver %s%s).", strna(device_subsystem(dev)),
                       strna(device_sysname(dev)), reason == DELEGATION_GPU ? "a GPU" : "storage",
                       driver ?: "none bound", requested ? ", module requested" : "");
        if (r < 0)
                log_warning_errno(r, "Failed to log delegation of %s: %m", device_syspath(dev));
}

static void record(Context *c, sd_device *dev, Decision d, const char *manifest, Binding *b,
                   const char *reason)
{
        if (device_record_set(c, device_syspath(dev), d, manifest, b, "%s", reason) < 0)
                log_oom();
}

static void bind_device(Context *c, sd_device *dev, DeviceKind kind, const Manifest *m)
{
        const char *sysname = device_sysname(dev);
        Binding *b;
        int r;

        r = binding_new(c, kind == DEVICE_KIND_PCI ? &backend_pci : &backend_usb, dev, m, &b);
        if (r < 0) {
                log_warning_errno(r, "Cannot bind %s to %s: %m", sysname, m->name);
                return record(c, dev, DECISION_FAILED, m->name, NULL, "Binding failed (see the journal).");
        }
        r = binding_handle(b, BINDING_INPUT_PLUGGED, NULL); /* b is gone on failure */
        if (r < 0)
                record(c, dev, DECISION_FAILED, m->name, NULL, "Binding failed (see the journal).");
}

/* The interface number a USB interface's sysname ends in ("1-1:1.2" → 2). */
static int interface_number(const char *sysname, unsigned *ret)
{
        const char *dot = strrchr(sysname, '.');
        char *end;
        unsigned long n;

        if (!dot)
                return -EINVAL;
        n = strtoul(dot + 1, &end, 10);
        if (end == dot + 1 || *end)
                return -EINVAL;
        *ret = (unsigned)n;
        return 0;
}

/* The binding that claimed this interface along with the one it matched (ClaimInterfaces=). */
static Binding *claimed_with(Context *c, sd_device *dev)
{
        sd_device *usb = device_parent(dev);
        unsigned ifnum;

        if (!usb || interface_number(device_sysname(dev), &ifnum) < 0)
                return NULL;
        return binding_claiming(c, device_syspath(usb), ifnum);
}

/* The decision, in one place: delegate, bind, or leave alone. announce: log delegations (not on a
 * reload, which decides again what was decided before). */
static void decide(Context *c, sd_device *dev, DeviceKind kind, bool announce)
{
        _cleanup_(match_result_done) MatchResult result = {};
        const char *modalias = device_property(dev, "MODALIAS");
        const char *syspath = device_syspath(dev);
        DelegationReason delegation;
        const Manifest *w = NULL;
        Binding *b;
        int r;

        if (kind == DEVICE_KIND_USB_DEVICE)
                return record(c, dev, DECISION_DEVICE, NULL, NULL,
                              "A USB device: drvhost decides per interface (see its interfaces).");
        if (binding_find_by_syspath(c, syspath) || device_record_is_released(c, syspath))
                return; /* ours already (adopted, a repeated event), or given back on request */
        if (kind == DEVICE_KIND_USB_INTERFACE && (b = claimed_with(c, dev)))
                return record(c, dev, DECISION_USER_MODE, b->driver, b,
                              "Claimed with the interface it belongs to.");

        delegation = classify_delegation(kind, device_class_of(dev, kind));
        if (modalias && c->index) {
                r = match_index_lookup(c->index, modalias, &result);
                if (r < 0)
                        log_warning_errno(r, "Failed to match %s: %m", modalias);
                w = result.winner;
        }
        if (delegation != DELEGATION_NONE && !(w && w->claim_delegated)) {
                delegate(dev, delegation, announce);
                /* The reason is what explain says first. */
                return record(c, dev, DECISION_DELEGATED, w ? w->name : NULL, NULL,
                              delegation == DELEGATION_GPU ? "A GPU" : "Storage");
        }
        if (!w || (kind != DEVICE_KIND_USB_INTERFACE && kind != DEVICE_KIND_PCI)) {
                log_debug("No driver manifest matches %s; leaving it alone.", modalias ?: syspath);
                return record(c, dev, DECISION_NO_MATCH, NULL, NULL, "");
        }
        if (c->shutting_down)
                return;
        /* A USB-serial converter's port is /dev/ttyUSB<n> to its users: without the kernel front end
         * drvhost could offer only a pty, which would take that name away. Its kernel driver keeps it. */
        if (w->tty_usb_serial && access(DRVHOST_TTY_CONTROL, F_OK) < 0) {
                log_info("%s matches %s, which needs the kernel serial front end (drvhost_tty, package "
                         "drvhost-dkms): leaving it to its kernel driver.",
                         device_sysname(dev), w->name);
                return record(c, dev, DECISION_NO_MATCH, w->name, NULL,
                              "Its manifest needs the drvhost_tty module, which is not loaded");
        }
        bind_device(c, dev, kind, w);
}

static void device_dispatch_one(Context *c, const char *action, sd_device *dev)
{
        DeviceKind kind = classify_kind(device_subsystem(dev), device_devtype(dev));
        bool added = streq(action, "add"), removed = streq(action, "remove");
        const char *syspath = device_syspath(dev);
        Binding *b = binding_find_by_syspath(c, syspath);

        c->n_devices_seen++;
        if (kind == DEVICE_KIND_OTHER)
                return;
        if (kind == DEVICE_KIND_USB_DEVICE)
                log_device_event(action, dev, "USB device");
        else if (kind == DEVICE_KIND_USB_INTERFACE)
                log_device_event(action, dev, "USB interface");

        if (removed) {
                device_record_remove(c, syspath); /* a released device that comes back is a new one */
                if (b)
                        (void)binding_handle(b, BINDING_INPUT_UNPLUGGED, NULL);
                return;
        }
        /* Virtual block devices (loop, ram, dm) have no hardware to speak of. */
        if (kind == DEVICE_KIND_BLOCK &&
            strneq(syspath, VIRTUAL_DEVICES_PREFIX, strlen(VIRTUAL_DEVICES_PREFIX)))
                return;
        /* Beyond new devices only a USB interface that lost its driver (bind events of our own
         * claims and releases are not news) is decided again. */
        if (added ||
            (kind == DEVICE_KIND_USB_INTERFACE && streq(action, "bind") && !b && !device_driver(dev)))
                decide(c, dev, kind, true);
}

/* Tells D-Bus clients what became of a device that came or went. */
static void announce(Context *c, const char *action, sd_device *dev)
{
        DeviceInfo info;

        if (!c->device_changed)
                return;
        if (streq(action, "remove"))
                c->device_changed(c, device_sysname(dev), "removed");
        else if (device_info_get(c, dev, &info) >= 0)
                c->device_changed(c, info.sysname, info.decision);
}

void device_dispatch(Context *c, const char *action, sd_device *dev)
{
        device_dispatch_one(c, action, dev);
        if (streq(action, "add") || streq(action, "remove"))
                announce(c, action, dev);
}

void device_dispatch_rematch(Context *c, sd_device *dev)
{
        DeviceKind kind = classify_kind(device_subsystem(dev), device_devtype(dev));
        DeviceRecord *r = device_record_get(c, device_syspath(dev));

        if (kind != DEVICE_KIND_USB_INTERFACE && kind != DEVICE_KIND_PCI)
                return;
        if (r && r->decision == DECISION_RELEASED)
                r->decision = DECISION_NO_MATCH; /* asked for again */
        decide(c, dev, kind, false);
        announce(c, "change", dev);
}

int device_dispatch_adopt(Context *c, const char *driver, const char *sysname, int fd)
{
        _cleanup_(sd_device_unrefp) sd_device *dev = NULL;
        _cleanup_free_ char *unit = NULL;
        const BackendOps *backend = &backend_pci;
        const Manifest *m;
        Binding *b;
        int r;

        r = driver_unit_name(driver, sysname, &unit);
        if (r < 0)
                return r;
        if (binding_find_by_unit(c, unit))
                return -EEXIST;
        if (sd_device_new_from_subsystem_sysname(&dev, "pci", sysname) < 0) {
                backend = &backend_usb;
                (void)sd_device_new_from_subsystem_sysname(&dev, "usb", sysname);
        }
        m = manifest_set_find(c->manifests, driver);
        if (!dev || !m)
                return -ENOENT; /* the device or the driver went away while we were down */

        r = binding_new(c, backend, dev, m, &b);
        if (r < 0)
                return r;
        /* What holds it now is ours (usbfs, the helper): the driver it was taken from is unknown. */
        b->kernel_driver = mfree(b->kernel_driver);
        r = binding_handle(b, BINDING_INPUT_ADOPTED, &fd);
        if (r < 0) {
                binding_free(b);
                return r; /* the caller still owns fd */
        }
        if (device_record_set(c, b->syspath, DECISION_USER_MODE, b->driver, b,
                              "Adopted from an earlier drvhostd.") < 0)
                log_oom();
        log_info("Adopted %s serving %s.", b->unit, b->sysname);
        return 0;
}

/* Keeps the records in step with the bindings' lives. */
static void on_binding_event(Binding *b, int event, const struct BindingEventData *data, void *userdata)
{
        _cleanup_(sd_device_unrefp) sd_device *dev = NULL;
        Context *c = userdata;

        switch (event) {
        case BINDING_EVENT_BOUND:
                if (device_record_set(c, b->syspath, DECISION_USER_MODE, b->driver, b,
                                      "Bound to user-mode driver %s.", b->driver) < 0)
                        log_oom();
                /* Interfaces it claimed with its own that were decided before it. */
                for (DeviceRecord *r = c->records; r; r = r->next) {
                        const char *slash = strrchr(r->syspath, '/');
                        unsigned ifnum;

                        if (r != device_record_get(c, b->syspath) && slash &&
                            interface_number(slash + 1, &ifnum) >= 0 &&
                            strneq(r->syspath, b->syspath, (size_t)(slash - r->syspath)) &&
                            b->syspath[slash - r->syspath] == '/' &&
                            ifnum < sizeof(b->interfaces) * CHAR_BIT &&
                            (b->interfaces & (UINT32_C(1) << ifnum)) &&
                            device_record_set(c, r->syspath, DECISION_USER_MODE, b->driver, b, "%s",
                                              "Claimed with the interface it belongs to.") < 0)
                                log_oom();
                }
                return;
        case BINDING_EVENT_FELL_BACK:
                for (DeviceRecord *r = c->records; r; r = r->next)
                        if (r->binding == b)
                                r->decision = DECISION_FALLBACK;
                return;
        case BINDING_EVENT_FREED:
                for (DeviceRecord *r = c->records; r; r = r->next)
                        if (r->binding == b) {
                                r->binding = NULL;
                                r->decision = data->after == AFTER_RETURN_RELEASED && !c->shutting_down
                                                  ? DECISION_RELEASED
                                                  : DECISION_NO_MATCH;
                        }
                if (data->after != AFTER_RETURN_REMATCH || c->shutting_down)
                        return;
                /* Another manifest may want it now, or the same one anew. */
                if (sd_device_new_from_syspath(&dev, b->syspath) >= 0)
                        device_dispatch_rematch(c, dev);
                return;
        default:
                return;
        }
}

int device_dispatch_init(Context *c)
{
        return binding_add_listener(c, on_binding_event, c);
}
