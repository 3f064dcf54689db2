/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Which printer is which (print-identity.c): the identity a client gives a printer, and whether a
 * drvhost:// URI names it. Pure code.
 *
 * What the driver says (the IEEE 1284 device ID, and whatever else its QUERY answer holds) is the
 * driver's word: a hostile driver can copy another printer's. What the kernel read from the device
 * (its USB serial number in sysfs) and the socket's name (the USB interface drvhostd bound, in a
 * directory only root writes) are not. So the serial that identifies a printer is the kernel's USB
 * serial number when the device has one, whatever SN the device ID claims; else the ID's SN; else
 * the interface (which names the USB port: stable only while the printer stays in it). Make and model
 * still come from the ID: they select a printer only in URIs without a serial, and a client refuses a
 * URI that two printers match. */

#include <stdbool.h>

#include "device-id.h"
#include "print-uri.h"

typedef enum PrinterSerialSource {
        PRINTER_SERIAL_USB,       /* the USB serial number the kernel read */
        PRINTER_SERIAL_DEVICE_ID, /* the device ID's SN (driver-reported) */
        PRINTER_SERIAL_INTERFACE, /* neither: the USB interface's name */
        _PRINTER_SERIAL_SOURCE_MAX,
} PrinterSerialSource;

typedef struct PrinterIdentity {
        DeviceId id;
        const char *manufacturer; /* the ID's MFG, or "Unknown" */
        const char *model;        /* the ID's MDL, or "Printer" */
        const char *serial;       /* see above */
        PrinterSerialSource serial_source;
} PrinterIdentity;

/* Fills in *ret from the device ID the driver reported, the USB serial number from sysfs ("" or NULL
 * when the device has none) and the interface name (the socket's); usb_serial and interface must
 * outlive *ret. A device ID that does not parse leaves the USB identity to go by. Returns 0 or
 * -ENOMEM; free with printer_identity_done(). */
int printer_identity_make(const char *device_id, const char *usb_serial, const char *interface,
                          PrinterIdentity *ret);
void printer_identity_done(PrinterIdentity *ident);

/* "USB serial number", "device ID", "USB interface", or NULL. */
const char *printer_serial_source_to_string(PrinterSerialSource s);

/* Whether the URI names the printer: by serial when the URI has one, else by make and model
 * (case-insensitive). Several printers may match: callers must look at all of them. */
bool printer_uri_matches(const PrinterUri *u, const PrinterIdentity *ident);
