/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Which devices drvhost may ever drive from user space. GPUs and storage stay with their kernel
 * drivers (delegated): a GPU is shared by the whole desktop and storage holds the root file system,
 * so neither is a place for a restartable user-mode driver unless a manifest explicitly says so. */

#include <stdbool.h>
#include <stdint.h>

typedef enum DeviceKind {
        DEVICE_KIND_OTHER,
        DEVICE_KIND_USB_DEVICE,
        DEVICE_KIND_USB_INTERFACE,
        DEVICE_KIND_PCI,
        DEVICE_KIND_BLOCK,
} DeviceKind;

typedef enum DelegationReason {
        DELEGATION_NONE,
        DELEGATION_GPU,
        DELEGATION_STORAGE,
} DelegationReason;

/* Class codes, from the PCI and USB specifications. */
enum {
        PCI_BASE_CLASS_STORAGE = 0x01,
        PCI_BASE_CLASS_DISPLAY = 0x03,
        USB_CLASS_MASS_STORAGE = 0x08,
};

DeviceKind classify_kind(const char *subsystem, const char *devtype);

/* Parses a sysfs "class" attribute of a PCI function ("0x030000"). Returns 0 or -EINVAL. */
int classify_parse_pci_class(const char *s, uint32_t *ret);

/* kind plus, where it matters, the PCI class (24 bits) or the USB interface class. */
DelegationReason classify_delegation(DeviceKind kind, uint32_t class_code);

const char *delegation_reason_to_string(DelegationReason r);
const char *device_kind_to_string(DeviceKind k);
