/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* drvhost:// printer URIs (print-uri.c), as the CUPS backend lists them and queues use them. */

#define PRINTER_URI_SCHEME "drvhost"

/* drvhost://MANUFACTURER/MODEL?serial=SERIAL, percent-encoded. */
typedef struct PrinterUri {
        char *manufacturer;
        char *model;
        char *serial; /* NULL when the URI has none: then make and model select the printer */
} PrinterUri;

/* Builds the URI; serial may be NULL or empty (no query then). Returns 0 or -ENOMEM; free *ret. */
int printer_uri_format(const char *manufacturer, const char *model, const char *serial, char **ret);
/* Parses a URI of the drvhost scheme. Unknown query parameters are ignored. Returns 0, -EINVAL for
 * a URI that is not one (wrong scheme, empty parts, bad %-escape, %00), or -ENOMEM. */
int printer_uri_parse(const char *uri, PrinterUri *ret);
void printer_uri_done(PrinterUri *u);
