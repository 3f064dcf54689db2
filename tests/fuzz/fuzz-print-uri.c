/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: a drvhost:// URI as a CUPS queue's DEVICE_URI or drvhost-print's argument gives
 * it, through printer_uri_parse(), and back through printer_uri_format().
 *
 * Aborts when a promise of print-uri.h breaks: a parsed URI with an empty manufacturer or model, or a
 * serial that is empty; a parse that fails on what printer_uri_format() made of parsed parts, or
 * gives other parts back; a formatted URI that is not the same for the same parts. The whole input is
 * the URI, as a C string (the environment and argv give no NUL). */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "print-uri.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool streq_null(const char *a, const char *b)
{
        return (!a && !b) || (a && b && streq(a, b));
}

/* Parsed parts formatted, then parsed again: the same parts, and the same URI when formatted again. */
static void check_round_trip(const PrinterUri *u)
{
        _cleanup_(printer_uri_done) PrinterUri back = {};
        _cleanup_free_ char *uri = NULL, *again = NULL;

        if (printer_uri_format(u->manufacturer, u->model, u->serial, &uri) < 0)
                abort();
        if (printer_uri_parse(uri, &back) < 0)
                abort();
        if (!streq(back.manufacturer, u->manufacturer) || !streq(back.model, u->model) ||
            !streq_null(back.serial, u->serial))
                abort();
        if (printer_uri_format(back.manufacturer, back.model, back.serial, &again) < 0 || !streq(uri, again))
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        _cleanup_(printer_uri_done) PrinterUri u = {};
        _cleanup_free_ char *s = strndup((const char *)data, size);
        int r;

        if (!s)
                return 0;
        r = printer_uri_parse(s, &u);
        if (r == -ENOMEM)
                return 0;
        if (r < 0) {
                if (r != -EINVAL || u.manufacturer || u.model || u.serial)
                        abort();
                return 0;
        }
        if (!u.manufacturer || !*u.manufacturer || !u.model || !*u.model || (u.serial && !*u.serial))
                abort();
        check_round_trip(&u);
        return 0;
}
