/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include "context.h"
#include "macro.h"

/* What dispatch decided of one device, made once when the device comes (and again only when
 * something changes it: a binding's end, a release, a reload). ListDevices, Explain and the journal
 * read it; nothing computes it a second time. */

typedef enum Decision {
        DECISION_NO_MATCH,  /* no manifest wants it: the kernel's, or nobody's */
        DECISION_DEVICE,    /* a USB device: its interfaces carry the decisions */
        DECISION_USER_MODE, /* a user-mode driver serves it (or is starting) */
        DECISION_FALLBACK,  /* the user-mode driver crash-looped; back to the kernel */
        DECISION_RELEASED,  /* given back to the kernel on request */
        DECISION_DELEGATED, /* a GPU or storage device: the kernel's */
        DECISION_FAILED,    /* a manifest matched, but binding failed */
        _DECISION_MAX,
} Decision;

struct DeviceRecord {
        DeviceRecord *next;
        char *syspath;
        Decision decision;
        char *manifest;   /* the winning manifest's Name=, if one won */
        char *reason;     /* one sentence: why */
        Binding *binding; /* the binding serving it: its own, or the one that claimed it with its function */
};

DeviceRecord *device_record_get(Context *c, const char *syspath);
/* Creates or updates the record of syspath. Returns 0 or -ENOMEM. */
int device_record_set(Context *c, const char *syspath, Decision d, const char *manifest, Binding *b,
                      const char *format, ...) _printf_(6, 7);
void device_record_remove(Context *c, const char *syspath);
void device_records_free(Context *c);

/* Whether the device was given back to the kernel on request. */
bool device_record_is_released(Context *c, const char *syspath);
