/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Where the pieces of a CDC-ACM function are, read from the configuration descriptor: its
 * communication interface (class 2, subclass 2) with the notification endpoint, and its data interface
 * (class 0x0A) with the bulk pair. Pure: tests feed it hand-made descriptors. */

#include <stddef.h>
#include <stdint.h>

#include <libusb.h>

enum {
        USB_CLASS_CDC_DATA = 0x0A,
        USB_CDC_SUBCLASS_ACM = 0x02,
        /* CDC 1.2, 5.2.3: class-specific interface descriptors and the Union one among them. */
        USB_CDC_DESCRIPTOR_CS_INTERFACE = 0x24,
        USB_CDC_DESCRIPTOR_UNION = 0x06,
};

typedef struct AcmEndpoints {
        uint8_t comm_interface;
        uint8_t data_interface;
        uint8_t data_altsetting; /* the one carrying the bulk pair; 0 for nearly every device */
        uint8_t notify_ep;       /* interrupt IN; 0 if the device has none */
        uint16_t notify_max_packet;
        uint8_t bulk_in_ep;
        uint8_t bulk_out_ep;
        uint16_t bulk_in_max_packet;
        uint16_t bulk_out_max_packet;
} AcmEndpoints;

/* Finds the ACM function among the granted interfaces (bInterfaceNumbers, as DRVHOST_INTERFACES gave
 * them): the first granted communication interface, the data interface its Union descriptor names (or,
 * without one, the first granted data interface), and their endpoints. Returns 0, -ENOENT if no
 * communication or no data interface is found, -EACCES if the data interface exists but was not
 * granted (the manifest lacks ClaimInterfaces=function), or -EBADMSG if the data interface has no
 * bulk IN and OUT pair in any alternate setting. */
int acm_find_endpoints(const struct libusb_config_descriptor *config, const uint8_t *granted,
                       size_t n_granted, AcmEndpoints *ret);
