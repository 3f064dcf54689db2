/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <systemd/sd-journal.h>

#include "event.h"

/* journald's rule: upper-case letters, digits and '_', not starting with '_' or a digit, at most 64. */
enum { JOURNAL_FIELD_NAME_MAX = 64 };

static bool journal_field_valid(const char *key)
{
        size_t len = strlen(key);

        if (len == 0 || len > JOURNAL_FIELD_NAME_MAX || key[0] == '_' || (key[0] >= '0' && key[0] <= '9'))
                return false;
        for (const char *p = key; *p; p++)
                if (!((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_'))
                        return false;
        return true;
}

static int event_add(Event *e, const char *key, const char *value)
{
        char *s;

        if (e->n >= ELEMENTSOF(e->iov))
                return -E2BIG;
        if (asprintf(&s, "%s=%s", key, value) < 0)
                return -ENOMEM;
        e->strings[e->n] = s;
        e->iov[e->n] = (struct iovec){ .iov_base = s, .iov_len = strlen(s) };
        e->n++;
        return 0;
}

int event_build(Event *e, const char *message_id, int priority, const EventField *fields, size_t n_fields,
                const char *message)
{
        char prio[16];
        int r;

        *e = (Event){};
        if (n_fields > EVENT_FIELDS_MAX)
                return -E2BIG;

        (void)snprintf(prio, sizeof(prio), "%i", priority);
        r = event_add(e, "MESSAGE_ID", message_id);
        if (r >= 0)
                r = event_add(e, "PRIORITY", prio);
        if (r >= 0)
                r = event_add(e, "MESSAGE", message);

        for (size_t i = 0; r >= 0 && i < n_fields; i++) {
                if (!journal_field_valid(fields[i].key))
                        r = -EINVAL;
                else if (fields[i].value)
                        r = event_add(e, fields[i].key, fields[i].value);
        }
        if (r < 0)
                event_done(e);
        return r;
}

void event_done(Event *e)
{
        for (size_t i = 0; i < e->n; i++)
                free(e->strings[i]);
        *e = (Event){};
}

const char *event_get(const Event *e, const char *key)
{
        size_t len = strlen(key);

        for (size_t i = 0; i < e->n; i++)
                if (strneq(e->strings[i], key, len) && e->strings[i][len] == '=')
                        return e->strings[i] + len + 1;
        return NULL;
}

int event_emit(const char *message_id, int priority, const EventField *fields, size_t n_fields,
               const char *format, ...)
{
        _cleanup_free_ char *message = NULL;
        Event e;
        va_list ap;
        int r;

        va_start(ap, format);
        r = vasprintf(&message, format, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;

        r = event_build(&e, message_id, priority, fields, n_fields, message);
        if (r < 0)
                return r;

        r = sd_journal_sendv(e.iov, (int)e.n);
        event_done(&e);
        return r;
}
