/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "binding.h"
#include "bus-names.h"
#include "classify.h"
#include "device-info.h"
#include "device-record.h"
#include "device-string.h"
#include "device-util.h"
#include "unit-name.h"

/* USB sysfs attributes (bInterfaceClass, bInterfaceNumber) are hex. */
enum { SYSFS_HEX_BASE = 16 };

#define SYSFS_PREFIX "/sys/"
#define VIRTUAL_DEVICES_PREFIX "/sys/devices/virtual/"

static const char *const listed_subsystems[] = {"usb", "pci", "block"};

uint32_t device_class_of(sd_device *dev, DeviceKind kind)
{
        const char *s;
        uint32_t v = 0;

        if (kind == DEVICE_KIND_PCI) {
                s = device_sysattr(dev, "class");
                return s && classify_parse_pci_class(s, &v) >= 0 ? v : 0;
        }
        if (kind == DEVICE_KIND_USB_INTERFACE) {
                s = device_sysattr(dev, "bInterfaceClass");
                return s ? (uint32_t)strtoul(s, NULL, SYSFS_HEX_BASE) : 0;
        }
        return 0;
}

static bool listed(sd_device *dev, DeviceKind kind)
{
        switch (kind) {
        case DEVICE_KIND_USB_DEVICE:
        case DEVICE_KIND_USB_INTERFACE:
        case DEVICE_KIND_PCI:
                return true;
        case DEVICE_KIND_BLOCK:
                /* Whole disks with hardware behind them; partitions and loop/ram/dm are not devices. */
                return streq(strempty(device_devtype(dev)), "disk") &&
                       !strneq(device_syspath(dev), VIRTUAL_DEVICES_PREFIX, strlen(VIRTUAL_DEVICES_PREFIX));
        default:
                return false;
        }
}

/* The nearest ancestor that is itself listed: a USB interface's device, a disk's controller. */
static const char *listed_parent(sd_device *dev)
{
        for (sd_device *p = device_parent(dev); p; p = device_parent(p)) {
                DeviceKind k = classify_kind(device_subsystem(p), device_devtype(p));

                if (k != DEVICE_KIND_OTHER && listed(p, k))
                        return device_sysname(p);
        }
        return "";
}

const char *device_kernel_driver(sd_device *dev)
{
        for (sd_device *d = dev; d; d = device_parent(d)) {
                const char *driver = device_driver(d);
                if (driver)
                        return driver;
                if (!streq(strempty(device_subsystem(d)), "block"))
                        break;
        }
        return NULL;
}

static const char *description_of(sd_device *dev, DeviceKind kind)
{
        switch (kind) {
        case DEVICE_KIND_USB_DEVICE:
                return device_sysattr(dev, "product");
        case DEVICE_KIND_USB_INTERFACE:
                return device_sysattr(dev, "interface");
        case DEVICE_KIND_PCI:
                return device_property(dev, "ID_MODEL_FROM_DATABASE") ?: device_sysattr(dev, "class");
        case DEVICE_KIND_BLOCK:
                return device_property(dev, "ID_MODEL") ?: device_sysattr(dev, "device/model");
        default:
                return NULL;
        }
}

int device_info_get(Context *c, sd_device *dev, DeviceInfo *ret)
{
        DeviceKind kind = classify_kind(device_subsystem(dev), device_devtype(dev));
        const DeviceRecord *rec;
        const Binding *b;

        if (!listed(dev, kind))
                return -ENOENT;

        *ret = (DeviceInfo){
            .sysname = device_sysname(dev),
            .syspath = device_syspath(dev),
            .subsystem = strempty(device_subsystem(dev)),
            .devtype = strempty(device_devtype(dev)),
            .parent = listed_parent(dev),
            .modalias = strempty(device_property(dev, "MODALIAS")),
            .driver = "",
            .unit = "",
            .state = "",
            .kernel_driver = strempty(device_kernel_driver(dev)),
            .port = "",
            .front_end = "",
        };
        (void)device_string_for_log_buf(strempty(description_of(dev, kind)), ret->description,
                                        sizeof(ret->description));
        rec = device_record_get(c, ret->syspath);
        device_info_from_record(rec, ret);
        b = rec ? rec->binding : NULL;
        if (b) {
                ret->driver = b->driver;
                ret->unit = b->unit;
                ret->state = binding_state_to_string(b->state);
                ret->crashes = b->history.n_deaths;
                ret->restarts = b->n_restarts;
                if (b->tty_path) {
                        ret->port = b->tty_path;
                        ret->front_end = b->tty_kernel ? DRVHOST_FRONT_END_KERNEL : DRVHOST_FRONT_END_PTY;
                }
        }
        return 0;
}

void device_info_from_record(const DeviceRecord *rec, DeviceInfo *info)
{
        /* What the D-Bus API calls each decision (NULL: kernel or unmanaged, by what is bound now),
         * and whether the kernel driver is the device's driver. */
        static const struct {
                const char *name;
                bool kernel_drives;
        } table[_DECISION_MAX] = {
            [DECISION_NO_MATCH] = {NULL, true},
            [DECISION_DEVICE] = {DEVICE_DECISION_DEVICE, false},
            [DECISION_USER_MODE] = {DEVICE_DECISION_USER_MODE, false},
            [DECISION_FALLBACK] = {DEVICE_DECISION_FALLBACK, false},
            [DECISION_RELEASED] = {DEVICE_DECISION_RELEASED, true},
            [DECISION_DELEGATED] = {DEVICE_DECISION_DELEGATED, true},
            [DECISION_FAILED] = {NULL, true},
        };
        Decision d = rec ? rec->decision : DECISION_NO_MATCH;

        info->decision = table[d].name
                             ?: *info->kernel_driver ? DEVICE_DECISION_KERNEL
                                                     : DEVICE_DECISION_UNMANAGED;
        if (table[d].kernel_drives)
                info->driver = info->kernel_driver;
}

int device_resolve(Context *c, const char *name, sd_device **ret)
{
        sd_device *dev = NULL;
        Binding *b;
        int r = -ENOENT;

        if (strneq(name, SYSFS_PREFIX, strlen(SYSFS_PREFIX)))
                r = sd_device_new_from_syspath(&dev, name);
        else if ((b = binding_find_by_unit(c, name)))
                r = sd_device_new_from_syspath(&dev, b->syspath);
        else
                for (size_t i = 0; r < 0 && i < ELEMENTSOF(listed_subsystems); i++)
                        r = sd_device_new_from_subsystem_sysname(&dev, listed_subsystems[i], name);

        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return -ENOENT;
        *ret = dev;
        return 0;
}

int device_info_foreach(Context *c, device_info_func_t f, void *userdata)
{
        _cleanup_(sd_device_enumerator_unrefp) sd_device_enumerator *e = NULL;
        int r;

        r = sd_device_enumerator_new(&e);
        if (r < 0)
                return r;
        for (size_t i = 0; i < ELEMENTSOF(listed_subsystems); i++) {
                r = sd_device_enumerator_add_match_subsystem(e, listed_subsystems[i], true);
                if (r < 0)
                        return r;
        }

        for (sd_device *dev = sd_device_enumerator_get_device_first(e); dev;
             dev = sd_device_enumerator_get_device_next(e)) {
                DeviceInfo info;

                if (device_info_get(c, dev, &info) < 0)
                        continue; /* not ours to list */
                r = f(&info, userdata);
                if (r < 0)
                        return r;
        }
        return 0;
}

int device_explain(Context *c, sd_device *dev, const DeviceInfo *i, MatchResult *candidates, char **ret)
{
        const char *modalias = device_property(dev, "MODALIAS");
        const DeviceRecord *rec = device_record_get(c, i->syspath);
        int r;

        *candidates = (MatchResult){};
        if (modalias && c->index) {
                r = match_index_lookup(c->index, modalias, candidates);
                if (r < 0)
                        return r;
        }
        return device_explain_reason(rec, i, modalias, candidates->winner, ret);
}

int device_explain_reason(const DeviceRecord *rec, const DeviceInfo *i, const char *modalias,
                          const Manifest *w, char **ret)
{
        const DeviceInfo info = *i;
        /* The manifest a decision was made for: the record's, whoever serves the device now. */
        const char *decided = rec && rec->manifest ? rec->manifest : "?";
        char *s = NULL;
        int r;

        if (streq(info.decision, DEVICE_DECISION_DEVICE))
                r = asprintf(&s, "A USB device: drvhost decides per interface (see its interfaces).");
        else if (streq(info.decision, DEVICE_DECISION_USER_MODE))
                r = asprintf(&s, "Bound to user-mode driver %s (unit %s, %s)%s%s%s.", decided, info.unit,
                             info.state,
                             rec && rec->binding && !streq(rec->binding->syspath, info.syspath)
                                 ? ", claimed with the interface it belongs to"
                                 : "",
                             w && !streq(w->name, decided) ? "; the manifests changed since: now " : "",
                             w && !streq(w->name, decided) ? w->name : "");
        else if (streq(info.decision, DEVICE_DECISION_FALLBACK))
                r = asprintf(
                    &s,
                    "User-mode driver %s crash-looped (%u crashes); the device went back to the kernel%s%s.",
                    decided, info.crashes, *info.kernel_driver ? ", driver " : "", info.kernel_driver);
        else if (streq(info.decision, DEVICE_DECISION_RELEASED))
                r = asprintf(&s,
                             "Released to the kernel on request%s%s; 'drvhostctl restart' binds it again.",
                             *info.kernel_driver ? ", driver " : "", info.kernel_driver);
        else if (streq(info.decision, DEVICE_DECISION_DELEGATED))
                r = asprintf(
                    &s, "%s: delegated to the kernel%s%s%s%s.",
                    rec && rec->reason && *rec->reason ? rec->reason : "Storage or a GPU",
                    *info.kernel_driver ? " (driver " : " (no driver bound yet", info.kernel_driver, ")",
                    rec && rec->manifest ? "; the winning manifest does not set ClaimDelegated=yes" : "");
        else if (!modalias)
                r = asprintf(&s, "It has no modalias, so no manifest can match it%s%s.",
                             *info.kernel_driver ? "; kernel driver " : "", info.kernel_driver);
        else if (rec && rec->decision == DECISION_FAILED)
                r = asprintf(&s, "Manifest %s matches, but binding failed (see the journal).", decided);
        else if (w)
                r = asprintf(&s, "Manifest %s matches, but no binding exists (see the journal).", w->name);
        else
                r = asprintf(&s, "No driver manifest matches %s; %s%s.", modalias,
                             *info.kernel_driver ? "kernel driver " : "no kernel driver is bound",
                             info.kernel_driver);
        if (r < 0)
                return -ENOMEM;
        *ret = s;
        return 0;
}
