/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* For fuzz targets: raw descriptors, as a device sends them, made into the libusb_config_descriptor
 * libusb_get_active_config_descriptor() would give a driver. libusb has no call that parses bytes
 * without a device, so this does what its parser does: interface descriptors with their class-specific
 * descriptors as "extra" and the endpoints after them, alternate settings of one interface number in a
 * row grouped into one interface. Fixed capacities: what does not fit is left out, as libusb drops
 * what it cannot parse. */

#include <stddef.h>
#include <stdint.h>

#include <libusb.h>

enum {
        USB_CONFIG_INTERFACES_MAX = 32,
        USB_CONFIG_ALTSETTINGS_MAX = 64,
        USB_CONFIG_ENDPOINTS_MAX = 128,
};

typedef struct UsbConfig {
        struct libusb_config_descriptor config;
        struct libusb_interface interfaces[USB_CONFIG_INTERFACES_MAX];
        struct libusb_interface_descriptor altsettings[USB_CONFIG_ALTSETTINGS_MAX];
        struct libusb_endpoint_descriptor endpoints[USB_CONFIG_ENDPOINTS_MAX];
} UsbConfig;

/* Fills *ret from the descriptors in buf, which must outlive it ("extra" points into it). */
void usb_config_from_bytes(const uint8_t *buf, size_t n, UsbConfig *ret);
