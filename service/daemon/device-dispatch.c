/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <libkmod.h>
#include <string.h>

#include "binding.h"
#include "bus-api.h"
#include "classify.h"
#include "device-dispatch.h"
#include "device-info.h"
#include "event.h"
#include "log.h"
#include "messages.h"
#include "pci-binding.h"


DEFINE_TRIVIAL_CLEANUP_FUNC(struct kmod_ctx *, kmod_unref);
DEFINE_TRIVIAL_CLEANUP_FUNC_VOID(struct kmod_list *, kmod_module_unref_list);

static void log_device_event(const char *action, struct udev_device *dev, const char *kind)
{
        const char *syspath = udev_device_get_syspath(dev);
        const char *modalias = udev_device_get_property_value(dev, "MODALIAS");
        const char *product = udev_device_get_property_value(dev, "PRODUCT");
        const char *driver = udev_device_get_driver(dev);
        bool removed = streq(action, "remove"), added = streq(action, "add");
        const EventField fields[] = {
                { "DRVHOST_DEVICE", syspath },
                { "DRVHOST_SYSNAME", udev_device_get_sysname(dev) },
                { "DRVHOST_SUBSYSTEM", udev_device_get_subsystem(dev) },
                { "DRVHOST_DEVTYPE", udev_device_get_devtype(dev) },
                { "DRVHOST_ACTION", action },
                { "DRVHOST_MODALIAS", modalias },
                { "DRVHOST_USB_PRODUCT", product },
                { "DRVHOST_DEVNODE", udev_device_get_devnode(dev) },
                { "DRVHOST_KERNEL_DRIVER", driver },
        };
        int r;

        r = event_emit(removed ? DRVHOST_MESSAGE_DEVICE_REMOVED
                       : added ? DRVHOST_MESSAGE_DEVICE_ADDED
                               : DRVHOST_MESSAGE_DEVICE_CHANGED,
                       removed || added ? LOG_INFO : LOG_DEBUG, fields, ELEMENTSOF(fields), "%s %s %s (%s%s%s) at %s",
                       kind, udev_device_get_sysname(dev), removed ? "removed" : added ? "added" : action,
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
                int r = kmod_module_probe_insert_module(mod, KMOD_PROBE_APPLY_BLACKLIST, NULL, NULL, NULL, NULL);

                kmod_module_unref(mod);
                if (r >= 0)
                        return "requested";
        }
        return NULL;
}

static void delegate(struct udev_device *dev, DelegationReason reason)
{
        const char *driver = device_kernel_driver(dev);
        const char *modalias = udev_device_get_property_value(dev, "MODALIAS");
        const char *requested = NULL;
        int r;

        if (!driver)
                requested = load_kernel_module(modalias);
        if (!driver)
                driver = device_kernel_driver(dev);

        const EventField fields[] = {
                { "DRVHOST_DEVICE", udev_device_get_syspath(dev) },
                { "DRVHOST_SYSNAME", udev_device_get_sysname(dev) },
                { "DRVHOST_SUBSYSTEM", udev_device_get_subsystem(dev) },
                { "DRVHOST_MODALIAS", modalias },
                { "DRVHOST_DELEGATION", delegation_reason_to_string(reason) },
                { "DRVHOST_KERNEL_DRIVER", driver ?: "none" },
                { "DRVHOST_MODULE_REQUEST", requested },
        };
        r = event_emit(DRVHOST_MESSAGE_DELEGATED, LOG_INFO, fields, ELEMENTSOF(fields),
                       "%s %s is %s: delegated to the kernel (driver %s%s).", udev_device_get_subsystem(dev),
                       udev_device_get_sysname(dev), reason == DELEGATION_GPU ? "a GPU" : "storage",
                       driver ?: "none bound", requested ? ", module requested" : "");
        if (r < 0)
                log_warning_errno(r, "Failed to log delegation of %s: %m", udev_device_get_syspath(dev));
}

static void usb_interface_added(Context *c, struct udev_device *dev, DelegationReason delegation)
{
        _cleanup_(match_result_done) MatchResult result = {};
        const char *modalias = udev_device_get_property_value(dev, "MODALIAS");
        int r;

        if (binding_find_by_syspath(c, udev_device_get_syspath(dev)))
                return; /* ours already (adopted, or a repeated event) */
        if (context_is_released(c, udev_device_get_syspath(dev)))
                return; /* given back to the kernel on request */
        if (c->shutting_down)
                return;
        if (!modalias || !c->index)
                return;

        r = match_index_lookup(c->index, modalias, &result);
        if (r < 0) {
                log_warning_errno(r, "Failed to match %s: %m", modalias);
                return;
        }
        if (!result.winner) {
                if (delegation != DELEGATION_NONE)
                        delegate(dev, delegation);
                else
                        log_debug("No driver manifest matches %s; leaving it alone.", modalias);
                return;
        }
        if (delegation != DELEGATION_NONE && !result.winner->claim_delegated) {
                log_debug("Manifest %s matches %s but it is %s; ClaimDelegated= is not set.", result.winner->name,
                          modalias, delegation_reason_to_string(delegation));
                delegate(dev, delegation);
                return;
        }

        (void)binding_create(c, dev, result.winner);
}

static void device_dispatch_one(Context *c, const char *action, struct udev_device *dev)
{
        DeviceKind kind = classify_kind(udev_device_get_subsystem(dev), udev_device_get_devtype(dev));
        bool added = streq(action, "add"), removed = streq(action, "remove");
        DelegationReason delegation;
        Binding *b;

        c->n_devices_seen++;

        switch (kind) {
        case DEVICE_KIND_USB_DEVICE:
                log_device_event(action, dev, "USB device");
                return;
        case DEVICE_KIND_USB_INTERFACE:
                log_device_event(action, dev, "USB interface");
                b = binding_find_by_syspath(c, udev_device_get_syspath(dev));
                if (removed) {
                        if (b) {
                                b->device_gone = true;
                                binding_release(b, "device removed");
                        }
                        return;
                }
                /* A driver bound after we released the interface (bind), or a change: only new
                 * devices, and ones we failed on before, are considered. */
                if (added || (streq(action, "bind") && !b && !udev_device_get_driver(dev)))
                        usb_interface_added(c, dev, classify_delegation(kind, device_class_of(dev, kind)));
                return;
        case DEVICE_KIND_PCI:
        case DEVICE_KIND_BLOCK:
                if (kind == DEVICE_KIND_PCI && added &&
                    (c->shutting_down || context_is_released(c, udev_device_get_syspath(dev))))
                        return; /* given back to the kernel on request, or drvhost is stopping */
                if (kind == DEVICE_KIND_PCI && pci_binding_dispatch(c, action, dev))
                        return; /* a user-mode PCI driver's device */
                if (!added)
                        return;
                /* Virtual block devices (loop, ram, dm) have no hardware to speak of. */
                if (kind == DEVICE_KIND_BLOCK &&
                    strneq(udev_device_get_syspath(dev), "/sys/devices/virtual/", strlen("/sys/devices/virtual/")))
                        return;
                delegation = classify_delegation(kind, device_class_of(dev, kind));
                if (delegation != DELEGATION_NONE)
                        delegate(dev, delegation);
                else
                        log_debug("%s %s: %s", action, device_kind_to_string(kind), udev_device_get_syspath(dev));
                return;
        default:
                return;
        }
}

void device_dispatch_rebind(Context *c, struct udev_device *dev)
{
        DeviceKind kind = classify_kind(udev_device_get_subsystem(dev), udev_device_get_devtype(dev));

        if (kind == DEVICE_KIND_USB_INTERFACE)
                usb_interface_added(c, dev, classify_delegation(kind, device_class_of(dev, kind)));
        else if (kind == DEVICE_KIND_PCI)
                (void)pci_binding_dispatch(c, "add", dev);
}

/* Tells D-Bus clients what became of a device that came or went. */
static void announce(Context *c, const char *action, struct udev_device *dev)
{
        DeviceInfo info;

        if (streq(action, "remove"))
                bus_api_device_changed(c, udev_device_get_sysname(dev), "removed");
        else if (device_info_get(c, dev, &info) >= 0)
                bus_api_device_changed(c, info.sysname, info.decision);
}

void device_dispatch(Context *c, const char *action, struct udev_device *dev)
{
        /* A released device that comes back is a new device. */
        if (streq(action, "remove"))
                (void)context_set_released(c, udev_device_get_syspath(dev), false);
        device_dispatch_one(c, action, dev);
        if (streq(action, "add") || streq(action, "remove"))
                announce(c, action, dev);
}
