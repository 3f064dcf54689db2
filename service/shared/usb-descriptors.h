/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Reading a USB device's raw descriptors (sysfs "descriptors": the device descriptor followed by
 * every configuration's descriptors) to find which interfaces belong together. The input comes
 * from the device, so the parser trusts no length in it. */

#include <stddef.h>
#include <stdint.h>

enum {
        USB_DT_DEVICE_ = 0x01,
        USB_DT_CONFIG_ = 0x02,
        USB_DT_INTERFACE_ = 0x04,
        USB_DT_INTERFACE_ASSOCIATION_ = 0x0b,
        USB_DT_CS_INTERFACE_ = 0x24,
        USB_CDC_UNION_SUBTYPE = 0x06,
        USB_DEVICE_DESCRIPTOR_SIZE = 18,
        USB_CONFIG_DESCRIPTOR_SIZE = 9,
        USB_INTERFACE_MASK_BITS = 32,
};

/* The interfaces of configuration config_value (bConfigurationValue) as a bit mask. */
int usb_descriptors_all_interfaces(const uint8_t *buf, size_t len, uint8_t config_value, uint32_t *ret_mask);

/* The interfaces of the function interface ifnum belongs to, as a bit mask that includes ifnum: an
 * Interface Association Descriptor covering it, else a CDC Union descriptor naming it, else ifnum
 * alone. Returns 0, -EBADMSG for malformed descriptors, -ENOENT when the configuration is absent. */
int usb_descriptors_function_interfaces(const uint8_t *buf, size_t len, uint8_t config_value, uint8_t ifnum,
                                        uint32_t *ret_mask);
