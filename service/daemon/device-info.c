/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "binding.h"
#include "classify.h"
#include "device-info.h"
#include "udev-util.h"
#include "unit-name.h"

/* USB sysfs attributes (bInterfaceClass, bInterfaceNumber) are hex. */
enum { SYSFS_HEX_BASE = 16, USB_INTERFACES_MAX = 32 };

#define SYSFS_PREFIX "/sys/"
#define VIRTUAL_DEVICES_PREFIX "/sys/devices/virtual/"

static const char *const listed_subsystems[] = { "usb", "pci", "block" };

uint32_t device_class_of(struct udev_device *dev, DeviceKind kind)
{
        const char *s;
        uint32_t v = 0;

        if (kind == DEVICE_KIND_PCI) {
                s = udev_device_get_sysattr_value(dev, "class");
                return s && classify_parse_pci_class(s, &v) >= 0 ? v : 0;
        }
        if (kind == DEVICE_KIND_USB_INTERFACE) {
                s = udev_device_get_sysattr_value(dev, "bInterfaceClass");
                return s ? (uint32_t)strtoul(s, NULL, SYSFS_HEX_BASE) : 0;
        }
        return 0;
}

static bool listed(struct udev_device *dev, DeviceKind kind)
{
        switch (kind) {
        case DEVICE_KIND_USB_DEVICE:
        case DEVICE_KIND_USB_INTERFACE:
        case DEVICE_KIND_PCI:
                return true;
        case DEVICE_KIND_BLOCK:
                /* Whole disks with hardware behind them; partitions and loop/ram/dm are not devices. */
                return streq(strempty(udev_device_get_devtype(dev)), "disk") &&
                       !strneq(udev_device_get_syspath(dev), VIRTUAL_DEVICES_PREFIX, strlen(VIRTUAL_DEVICES_PREFIX));
        default:
                return false;
        }
}

/* The nearest ancestor that is itself listed: a USB interface's device, a disk's controller. */
static const char *listed_parent(struct udev_device *dev)
{
        for (struct udev_device *p = udev_device_get_parent(dev); p; p = udev_device_get_parent(p)) {
                DeviceKind k = classify_kind(udev_device_get_subsystem(p), udev_device_get_devtype(p));

                if (k != DEVICE_KIND_OTHER && listed(p, k))
                        return udev_device_get_sysname(p);
        }
        return "";
}

const char *device_kernel_driver(struct udev_device *dev)
{
        for (struct udev_device *d = dev; d; d = udev_device_get_parent(d)) {
                const char *driver = udev_device_get_driver(d);
                if (driver)
                        return driver;
                if (!streq(strempty(udev_device_get_subsystem(d)), "block"))
                        break;
        }
        return NULL;
}

static const char *description_of(struct udev_device *dev, DeviceKind kind)
{
        switch (kind) {
        case DEVICE_KIND_USB_DEVICE:
                return udev_device_get_sysattr_value(dev, "product");
        case DEVICE_KIND_USB_INTERFACE:
                return udev_device_get_sysattr_value(dev, "interface");
        case DEVICE_KIND_PCI:
                return udev_device_get_property_value(dev, "ID_MODEL_FROM_DATABASE")
                               ?: udev_device_get_sysattr_value(dev, "class");
        case DEVICE_KIND_BLOCK:
                return udev_device_get_property_value(dev, "ID_MODEL") ?: udev_device_get_sysattr_value(dev, "device/model");
        default:
                return NULL;
        }
}

/* A device without a binding: does a manifest want it, and may it have it? */
static const Manifest *winner_for(Context *c, struct udev_device *dev)
{
        _cleanup_(match_result_done) MatchResult result = {};
        const char *modalias = udev_device_get_property_value(dev, "MODALIAS");

        if (!modalias || !c->index || match_index_lookup(c->index, modalias, &result) <= 0)
                return NULL;
        return result.winner; /* the manifest outlives the result */
}

/* The binding that claimed this interface along with the one it matched (ClaimInterfaces=). */
static Binding *binding_claiming(Context *c, struct udev_device *intf)
{
        const char *s = udev_device_get_sysattr_value(intf, "bInterfaceNumber");
        struct udev_device *usb = udev_device_get_parent(intf);
        unsigned long ifnum;
        size_t len;

        if (!s || !usb)
                return NULL;
        ifnum = strtoul(s, NULL, SYSFS_HEX_BASE);
        if (ifnum >= USB_INTERFACES_MAX)
                return NULL;
        len = strlen(udev_device_get_syspath(usb));
        for (Binding *b = c->bindings; b; b = b->next)
                if (strneq(b->syspath, udev_device_get_syspath(usb), len) && b->syspath[len] == '/' &&
                    !strchr(b->syspath + len + 1, '/') && (b->interfaces & (UINT32_C(1) << ifnum)))
                        return b;
        return NULL;
}

int device_info_get(Context *c, struct udev_device *dev, DeviceInfo *ret)
{
        DeviceKind kind = classify_kind(udev_device_get_subsystem(dev), udev_device_get_devtype(dev));
        DelegationReason delegation;
        const Manifest *m;
        Binding *b;

        if (!listed(dev, kind))
                return -ENOENT;

        *ret = (DeviceInfo){
                .sysname = udev_device_get_sysname(dev),
                .syspath = udev_device_get_syspath(dev),
                .subsystem = strempty(udev_device_get_subsystem(dev)),
                .devtype = strempty(udev_device_get_devtype(dev)),
                .parent = listed_parent(dev),
                .modalias = strempty(udev_device_get_property_value(dev, "MODALIAS")),
                .description = strempty(description_of(dev, kind)),
                .driver = "",
                .unit = "",
                .state = "",
                .kernel_driver = strempty(device_kernel_driver(dev)),
        };

        if (kind == DEVICE_KIND_USB_DEVICE) {
                ret->decision = DEVICE_DECISION_DEVICE;
                return 0;
        }

        b = binding_find_by_syspath(c, ret->syspath);
        if (!b && kind == DEVICE_KIND_USB_INTERFACE)
                b = binding_claiming(c, dev); /* e.g. CDC-ACM's data interface, claimed with its control one */
        if (b) {
                ret->decision = b->state == BINDING_GAVE_UP ? DEVICE_DECISION_FALLBACK : DEVICE_DECISION_USER_MODE;
                ret->driver = b->driver;
                ret->unit = b->unit;
                ret->state = binding_state_to_string(b->state);
                ret->crashes = b->n_crashes;
                return 0;
        }
        if (context_is_released(c, ret->syspath)) {
                ret->decision = DEVICE_DECISION_RELEASED;
                ret->driver = ret->kernel_driver;
                return 0;
        }

        delegation = classify_delegation(kind, device_class_of(dev, kind));
        m = kind == DEVICE_KIND_USB_INTERFACE ? winner_for(c, dev) : NULL;
        if (delegation != DELEGATION_NONE && !(m && m->claim_delegated))
                ret->decision = DEVICE_DECISION_DELEGATED;
        else
                ret->decision = *ret->kernel_driver ? DEVICE_DECISION_KERNEL : DEVICE_DECISION_UNMANAGED;
        ret->driver = ret->kernel_driver;
        return 0;
}

int device_resolve(Context *c, const char *name, struct udev_device **ret)
{
        struct udev_device *dev = NULL;
        Binding *b;

        if (strneq(name, SYSFS_PREFIX, strlen(SYSFS_PREFIX)))
                dev = udev_device_new_from_syspath(c->udev, name);
        else if ((b = binding_find_by_unit(c, name)))
                dev = udev_device_new_from_syspath(c->udev, b->syspath);
        else
                for (size_t i = 0; !dev && i < ELEMENTSOF(listed_subsystems); i++)
                        dev = udev_device_new_from_subsystem_sysname(c->udev, listed_subsystems[i], name);

        if (!dev)
                return errno == ENOMEM ? -ENOMEM : -ENOENT;
        *ret = dev;
        return 0;
}

int device_info_foreach(Context *c, device_info_func_t f, void *userdata)
{
        _cleanup_(udev_enumerate_unrefp) struct udev_enumerate *e = NULL;
        struct udev_list_entry *entry;
        int r;

        e = udev_enumerate_new(c->udev);
        if (!e)
                return -ENOMEM;
        for (size_t i = 0; i < ELEMENTSOF(listed_subsystems); i++) {
                r = udev_enumerate_add_match_subsystem(e, listed_subsystems[i]);
                if (r < 0)
                        return r;
        }
        r = udev_enumerate_scan_devices(e);
        if (r < 0)
                return r;

        udev_list_entry_foreach(entry, udev_enumerate_get_list_entry(e))
        {
                _cleanup_(udev_device_unrefp) struct udev_device *dev = NULL;
                DeviceInfo info;

                dev = udev_device_new_from_syspath(c->udev, udev_list_entry_get_name(entry));
                if (!dev || device_info_get(c, dev, &info) < 0)
                        continue; /* gone meanwhile, or not ours to list */
                r = f(&info, userdata);
                if (r < 0)
                        return r;
        }
        return 0;
}

int device_explain(Context *c, struct udev_device *dev, const DeviceInfo *i, MatchResult *candidates, char **ret)
{
        DeviceKind kind = classify_kind(udev_device_get_subsystem(dev), udev_device_get_devtype(dev));
        const char *modalias = udev_device_get_property_value(dev, "MODALIAS");
        DelegationReason delegation = classify_delegation(kind, device_class_of(dev, kind));
        const DeviceInfo info = *i;
        const Manifest *w;
        char *s = NULL;
        int r;

        *candidates = (MatchResult){};
        if (modalias && c->index) {
                r = match_index_lookup(c->index, modalias, candidates);
                if (r < 0)
                        return r;
        }
        w = candidates->winner;

        if (streq(info.decision, DEVICE_DECISION_DEVICE))
                r = asprintf(&s, "A USB device: drvhost decides per interface (see its interfaces).");
        else if (streq(info.decision, DEVICE_DECISION_USER_MODE))
                r = asprintf(&s, "Bound to user-mode driver %s (unit %s, %s)%s%s.", info.driver, info.unit, info.state,
                             w && !streq(w->name, info.driver) ? "; the manifests changed since: now " : "",
                             w && !streq(w->name, info.driver) ? w->name : "");
        else if (streq(info.decision, DEVICE_DECISION_FALLBACK))
                r = asprintf(&s, "User-mode driver %s crash-looped (%u crashes); the device went back to the kernel%s%s.",
                             binding_find_by_syspath(c, info.syspath)->driver, info.crashes,
                             *info.kernel_driver ? ", driver " : "", info.kernel_driver);
        else if (streq(info.decision, DEVICE_DECISION_RELEASED))
                r = asprintf(&s, "Released to the kernel on request%s%s; 'drvhostctl restart' binds it again.",
                             *info.kernel_driver ? ", driver " : "", info.kernel_driver);
        else if (streq(info.decision, DEVICE_DECISION_DELEGATED))
                r = asprintf(&s, "%s: delegated to the kernel%s%s%s%s.",
                             delegation == DELEGATION_GPU ? "A GPU" : "Storage",
                             *info.kernel_driver ? " (driver " : " (no driver bound yet", info.kernel_driver, ")",
                             w ? "; the winning manifest does not set ClaimDelegated=yes" : "");
        else if (!modalias)
                r = asprintf(&s, "It has no modalias, so no manifest can match it%s%s.",
                             *info.kernel_driver ? "; kernel driver " : "", info.kernel_driver);
        else if (w)
                r = asprintf(&s, "Manifest %s matches, but no binding exists (binding failed, see the journal).",
                             w->name);
        else
                r = asprintf(&s, "No driver manifest matches %s; %s%s.", modalias,
                             *info.kernel_driver ? "kernel driver " : "no kernel driver is bound",
                             info.kernel_driver);
        if (r < 0)
                return -ENOMEM;
        *ret = s;
        return 0;
}
