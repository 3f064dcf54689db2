/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>

#include "classify.h"
#include "macro.h"

enum { PCI_CLASS_MAX = 0xffffff, PCI_BASE_CLASS_SHIFT = 16 };

DeviceKind classify_kind(const char *subsystem, const char *devtype)
{
        if (!subsystem)
                return DEVICE_KIND_OTHER;
        if (streq(subsystem, "usb") && devtype) {
                if (streq(devtype, "usb_device"))
                        return DEVICE_KIND_USB_DEVICE;
                if (streq(devtype, "usb_interface"))
                        return DEVICE_KIND_USB_INTERFACE;
        }
        if (streq(subsystem, "pci"))
                return DEVICE_KIND_PCI;
        /* Partitions follow their disk; only whole disks are reported. */
        if (streq(subsystem, "block") && devtype && streq(devtype, "disk"))
                return DEVICE_KIND_BLOCK;
        return DEVICE_KIND_OTHER;
}

int classify_parse_pci_class(const char *s, uint32_t *ret)
{
        unsigned long v;
        char *end;

        if (!s || !*s)
                return -EINVAL;
        errno = 0;
        v = strtoul(s, &end, 16);
        if (errno != 0 || end == s || (*end != '\0' && *end != '\n') || v > PCI_CLASS_MAX)
                return -EINVAL;
        *ret = (uint32_t)v;
        return 0;
}

DelegationReason classify_delegation(DeviceKind kind, uint32_t class_code)
{
        switch (kind) {
        case DEVICE_KIND_PCI:
                if ((class_code >> PCI_BASE_CLASS_SHIFT) == PCI_BASE_CLASS_DISPLAY)
                        return DELEGATION_GPU;
                if ((class_code >> PCI_BASE_CLASS_SHIFT) == PCI_BASE_CLASS_STORAGE)
                        return DELEGATION_STORAGE;
                return DELEGATION_NONE;
        case DEVICE_KIND_USB_INTERFACE:
                return class_code == USB_CLASS_MASS_STORAGE ? DELEGATION_STORAGE : DELEGATION_NONE;
        case DEVICE_KIND_BLOCK:
                return DELEGATION_STORAGE;
        default:
                return DELEGATION_NONE;
        }
}

const char *delegation_reason_to_string(DelegationReason r)
{
        switch (r) {
        case DELEGATION_GPU:
                return "gpu";
        case DELEGATION_STORAGE:
                return "storage";
        default:
                return "none";
        }
}

const char *device_kind_to_string(DeviceKind k)
{
        static const char *const names[] = {
                [DEVICE_KIND_OTHER] = "other",
                [DEVICE_KIND_USB_DEVICE] = "usb-device",
                [DEVICE_KIND_USB_INTERFACE] = "usb-interface",
                [DEVICE_KIND_PCI] = "pci",
                [DEVICE_KIND_BLOCK] = "block",
        };
        return (size_t)k < ELEMENTSOF(names) ? names[k] : "other";
}
