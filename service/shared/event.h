/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Structured journal events: one entry per event, with a MESSAGE_ID from messages.h and DRVHOST_*
 * fields. Building the entry is kept apart from sending it so that tests can look at the fields. */

#include <stddef.h>
#include <sys/uio.h>

#include "macro.h"

typedef struct EventField {
        const char *key;   /* e.g. "DRVHOST_DEVICE" */
        const char *value; /* NULL: the field is left out */
} EventField;

enum { EVENT_FIELDS_MAX = 24 };

typedef struct Event {
        struct iovec iov[EVENT_FIELDS_MAX + 3]; /* + MESSAGE_ID, PRIORITY, MESSAGE */
        char *strings[EVENT_FIELDS_MAX + 3];
        size_t n;
} Event;

/* Fills e with MESSAGE_ID, PRIORITY, MESSAGE and the non-NULL fields. Returns 0 or -errno
 * (-E2BIG for too many fields, -EINVAL for a key that is not a valid journal field name). */
int event_build(Event *e, const char *message_id, int priority, const EventField *fields, size_t n_fields,
                const char *message);
void event_done(Event *e);

/* Looks a field up in a built event, for tests and diagnostics. Returns the value or NULL. */
const char *event_get(const Event *e, const char *key);

/* Builds and sends; the message is printf-formatted. Returns 0 or -errno. */
int event_emit(const char *message_id, int priority, const EventField *fields, size_t n_fields,
               const char *format, ...) _printf_(5, 6);
