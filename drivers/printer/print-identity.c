/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A printer's identity, and matching it against a drvhost:// URI (see print-identity.h for why the
 * serial is the kernel's before the driver's). Pure. */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "macro.h"
#include "print-identity.h"

static const char *nonempty(const char *s)
{
        return s && *s ? s : NULL;
}

int printer_identity_make(const char *device_id, const char *usb_serial, const char *interface,
                          PrinterIdentity *ret)
{
        PrinterIdentity ident = {};
        int r;

        r = device_id_parse(strempty(device_id), strlen(strempty(device_id)), &ident.id);
        if (r == -ENOMEM)
                return r;
        ident.manufacturer = nonempty(ident.id.manufacturer) ?: "Unknown";
        ident.model = nonempty(ident.id.model) ?: "Printer";
        if (nonempty(usb_serial)) {
                ident.serial = usb_serial;
                ident.serial_source = PRINTER_SERIAL_USB;
        } else if (nonempty(ident.id.serial)) {
                ident.serial = ident.id.serial;
                ident.serial_source = PRINTER_SERIAL_DEVICE_ID;
        } else {
                ident.serial = strempty(interface);
                ident.serial_source = PRINTER_SERIAL_INTERFACE;
        }
        *ret = ident;
        return 0;
}

void printer_identity_done(PrinterIdentity *ident)
{
        device_id_done(&ident->id);
        *ident = (PrinterIdentity){};
}

const char *printer_serial_source_to_string(PrinterSerialSource s)
{
        static const char *const names[_PRINTER_SERIAL_SOURCE_MAX] = {
            [PRINTER_SERIAL_USB] = "USB serial number",
            [PRINTER_SERIAL_DEVICE_ID] = "device ID",
            [PRINTER_SERIAL_INTERFACE] = "USB interface",
        };

        return (unsigned)s < _PRINTER_SERIAL_SOURCE_MAX ? names[s] : NULL;
}

bool printer_uri_matches(const PrinterUri *u, const PrinterIdentity *ident)
{
        if (u->serial)
                return streq(u->serial, ident->serial);
        return strcasecmp(u->manufacturer, ident->manufacturer) == 0 &&
               strcasecmp(u->model, ident->model) == 0;
}
