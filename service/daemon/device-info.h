/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <systemd/sd-device.h>

#include "classify.h"
#include "context.h"
#include "match.h"

/* What drvhostd decided about one device, as the D-Bus API reports it. The strings borrow from the
 * udev device and the binding, so a DeviceInfo lives no longer than the call that filled it; only the
 * description, which the device chose, is its own (escaped) copy. */

#define DEVICE_DECISION_USER_MODE "user-mode" /* a user-mode driver runs (or is starting) for it */
#define DEVICE_DECISION_FALLBACK "fallback"   /* the user-mode driver crash-looped; back to the kernel */
#define DEVICE_DECISION_RELEASED "released"   /* given back to the kernel on request */
#define DEVICE_DECISION_DELEGATED "delegated" /* a GPU or storage device: the kernel's */
#define DEVICE_DECISION_KERNEL "kernel"       /* no manifest matches; a kernel driver has it */
#define DEVICE_DECISION_UNMANAGED "unmanaged" /* no manifest matches and no kernel driver is bound */
#define DEVICE_DECISION_DEVICE "device"       /* a USB device: its interfaces carry the decisions */

/* Room for a USB string descriptor (126 UTF-16 units) in UTF-8, or a cut rendering of a longer one. */
enum { DEVICE_INFO_DESCRIPTION_SIZE = 384 };

typedef struct DeviceInfo {
        const char *sysname;
        const char *syspath;
        const char *subsystem;
        const char *devtype;
        const char *parent; /* sysname of the nearest listed ancestor, "" for none */
        const char *modalias;
        /* USB product or interface string, PCI model, disk model: one line of valid UTF-8 (sd-bus
         * refuses anything else, and with it the whole device list) without control characters. */
        char description[DEVICE_INFO_DESCRIPTION_SIZE];
        const char *decision;
        const char *driver; /* manifest Name= for user-mode, else the kernel driver */
        const char *unit;
        const char *state;         /* the binding's state, "" without a binding */
        const char *kernel_driver; /* bound in sysfs right now */
        unsigned crashes;          /* deaths of its driver, counted by drvhostd */
        unsigned restarts;         /* restarts after those deaths */
        const char *port;          /* a serial port's node, "" for none */
        const char *front_end;     /* DRVHOST_FRONT_END_*, "" without a port */
} DeviceInfo;

/* Fills ret for a device drvhostd decides about (USB device or interface, PCI function, non-virtual
 * disk). Returns 0, or -ENOENT for any other device. */
int device_info_get(Context *c, sd_device *dev, DeviceInfo *ret);

/* The device a user names: a sysname ("1-1:1.0", "0000:00:03.0", "sda"), a /sys path, or the name
 * of a driver unit. Returns 0, -ENOENT, or -ENOMEM. */
int device_resolve(Context *c, const char *name, sd_device **ret);

/* Calls f for every device device_info_get() knows, in sysfs order; stops at the first error. */
typedef int (*device_info_func_t)(const DeviceInfo *info, void *userdata);
int device_info_foreach(Context *c, device_info_func_t f, void *userdata);

/* Why the device (with info from device_info_get()) got its decision, in one sentence; *ret must be
 * freed. The candidates come from match_index_lookup() on its modalias (an empty result when it has
 * none). */
int device_explain(Context *c, sd_device *dev, const DeviceInfo *info, MatchResult *candidates, char **ret);
/* The sentence itself, from the device's record (NULL: none) and the winner of today's manifests (w:
 * NULL for none). Returns 0 or -ENOMEM. */
int device_explain_reason(const DeviceRecord *rec, const DeviceInfo *info, const char *modalias,
                          const Manifest *w, char **ret);
/* The decision fields of info from the device's record (NULL: none). */
void device_info_from_record(const DeviceRecord *rec, DeviceInfo *info);

/* The PCI class (24 bits) of a PCI function or the class of a USB interface; 0 for other kinds. */
uint32_t device_class_of(sd_device *dev, DeviceKind kind);
/* The kernel driver a device is in the hands of; a disk has it on its parent chain. NULL: none. */
const char *device_kernel_driver(sd_device *dev);
