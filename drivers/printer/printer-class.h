/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The USB printer class (USB Device Class Definition for Printing Devices 1.1): its interface
 * protocols, class requests and the port status byte. */

#include <stdbool.h>
#include <stdint.h>

enum {
        PRINTER_CLASS = 0x07,
        PRINTER_SUBCLASS = 0x01,
        PRINTER_PROTOCOL_UNIDIRECTIONAL = 0x01,
        PRINTER_PROTOCOL_BIDIRECTIONAL = 0x02,
        /* 1284.4 and IPP over USB (0x04) are left to the kernel's usblp or to ipp-usb. */
        PRINTER_PROTOCOL_1284_4 = 0x03,
        PRINTER_PROTOCOL_IPP_USB = 0x04,
};

/* Class requests: bmRequestType 0xA1 (device-to-host, class, interface) for the two reads. */
enum {
        PRINTER_REQUEST_TYPE_IN = 0xA1,
        PRINTER_REQUEST_GET_DEVICE_ID = 0,
        PRINTER_REQUEST_GET_PORT_STATUS = 1,
        PRINTER_REQUEST_SOFT_RESET = 2,
};

/* GET_PORT_STATUS answers one byte; the other bits are reserved. */
enum {
        PORT_STATUS_NOT_ERROR = 1 << 3,
        PORT_STATUS_SELECTED = 1 << 4,
        PORT_STATUS_PAPER_EMPTY = 1 << 5,
};

/* wValue and wIndex of GET_DEVICE_ID: the configuration index, and the interface in the high byte
 * with the alternate setting in the low one. GET_PORT_STATUS takes the interface number alone. */
static inline uint16_t printer_device_id_windex(uint8_t interface, uint8_t alt_setting)
{
        return (uint16_t)(interface << 8 | alt_setting);
}

/* A word for the port status, most severe condition first: "paper empty", "error", "offline" (not
 * selected) or "ready". */
static inline const char *port_status_to_string(uint8_t status)
{
        if (status & PORT_STATUS_PAPER_EMPTY)
                return "paper empty";
        if (!(status & PORT_STATUS_NOT_ERROR))
                return "error";
        if (!(status & PORT_STATUS_SELECTED))
                return "offline";
        return "ready";
}
