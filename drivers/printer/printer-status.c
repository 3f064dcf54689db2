/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What drvhost-printer says about itself: STATUS= and the QUERY answer. A leaf, called from every
 * other part. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "macro.h"
#include "printer-class.h"
#include "printer.h"

enum {
        USEC_PER_SEC = 1000000,
        NSEC_PER_USEC = 1000,
};

uint64_t now_usec(void)
{
        struct timespec ts;

        (void)clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * USEC_PER_SEC + (uint64_t)ts.tv_nsec / NSEC_PER_USEC;
}

static const char *printer_state(const Printer *p)
{
        if (p->job)
                return "printing";
        if (!p->port_status_known)
                return "ready (status unknown)";
        return port_status_to_string(p->port_status);
}

void printer_update_status(Printer *p)
{
        char text[STATUS_TEXT_MAX];

        (void)snprintf(text, sizeof(text), "%s: %s", p->name, printer_state(p));
        if (streq(text, p->status_text))
                return;
        memcpy(p->status_text, text, sizeof(text));
        (void)drvhost_driver_notify_status(p->driver, "%s", text);
}

/* Copies src into dst (size bytes), cutting it if needed. */
static void copy_string(char *dst, size_t size, const char *src)
{
        (void)snprintf(dst, size, "%s", strempty(src));
}

void printer_describe(Printer *p, JobInfo *ret)
{
        copy_string(ret->device_id, sizeof(ret->device_id), p->device_id);
        ret->port_status_known = p->port_status_known;
        ret->port_status = p->port_status;
        copy_string(ret->status, sizeof(ret->status),
                    p->port_status_known ? port_status_to_string(p->port_status) : "unknown");
        copy_string(ret->instance, sizeof(ret->instance), p->instance);
        copy_string(ret->unit, sizeof(ret->unit), drvhost_driver_get_unit(p->driver));
        copy_string(ret->device, sizeof(ret->device), drvhost_driver_get_device_path(p->driver));
        (void)snprintf(ret->usb_id, sizeof(ret->usb_id), "%04x:%04x", p->vendor_id, p->product_id);
        copy_string(ret->usb_serial, sizeof(ret->usb_serial), p->usb_serial);
        ret->bidirectional = p->bidirectional;
        ret->busy = p->job != NULL;
}
