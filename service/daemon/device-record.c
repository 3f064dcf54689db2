/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device-record.h"

DeviceRecord *device_record_get(Context *c, const char *syspath)
{
        for (DeviceRecord *r = c->records; r; r = r->next)
                if (streq(r->syspath, syspath))
                        return r;
        return NULL;
}

static DeviceRecord *record_free(DeviceRecord *r)
{
        free(r->syspath);
        free(r->manifest);
        free(r->reason);
        free(r);
        return NULL;
}

int device_record_set(Context *c, const char *syspath, Decision d, const char *manifest, Binding *b,
                      const char *format, ...)
{
        DeviceRecord *r = device_record_get(c, syspath);
        char *m = NULL, *reason = NULL;
        va_list ap;
        int n;

        va_start(ap, format);
        n = vasprintf(&reason, format, ap);
        va_end(ap);
        if (n < 0 || (manifest && !(m = strdup(manifest)))) {
                if (n >= 0)
                        free(reason);
                return -ENOMEM;
        }
        if (!r) {
                r = calloc(1, sizeof(*r));
                if (!r || !(r->syspath = strdup(syspath))) {
                        free(r);
                        free(m);
                        free(reason);
                        return -ENOMEM;
                }
                r->next = c->records;
                c->records = r;
        }
        free(r->manifest);
        free(r->reason);
        r->decision = d;
        r->manifest = m;
        r->reason = reason;
        r->binding = b;
        return 0;
}

void device_record_remove(Context *c, const char *syspath)
{
        for (DeviceRecord **p = &c->records; *p; p = &(*p)->next)
                if (streq((*p)->syspath, syspath)) {
                        DeviceRecord *r = *p;

                        *p = r->next;
                        record_free(r);
                        return;
                }
}

void device_records_free(Context *c)
{
        while (c->records) {
                DeviceRecord *r = c->records;

                c->records = r->next;
                record_free(r);
        }
}

bool device_record_is_released(Context *c, const char *syspath)
{
        DeviceRecord *r = device_record_get(c, syspath);

        return r && r->decision == DECISION_RELEASED;
}
