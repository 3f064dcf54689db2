/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Raw descriptors made into a libusb_config_descriptor for the fuzz targets (see usb-config.h). */
#include <stdbool.h>
#include <string.h>

#include "usb-config.h"

enum {
        DESCRIPTOR_HEADER_SIZE = 2,
        CONFIG_VALUE_OFFSET = 5,
        CONFIG_ATTRIBUTES_OFFSET = 7,
        INTERFACE_NUMBER_OFFSET = 2,
        INTERFACE_ALTSETTING_OFFSET = 3,
        INTERFACE_CLASS_OFFSET = 5,
        INTERFACE_SUBCLASS_OFFSET = 6,
        INTERFACE_PROTOCOL_OFFSET = 7,
        ENDPOINT_ADDRESS_OFFSET = 2,
        ENDPOINT_ATTRIBUTES_OFFSET = 3,
        ENDPOINT_MAX_PACKET_OFFSET = 4,
        ENDPOINT_INTERVAL_OFFSET = 6,
        BITS_PER_BYTE = 8,
};

typedef struct Builder {
        UsbConfig *c;
        size_t n_alts, n_endpoints;
        struct libusb_interface_descriptor *alt; /* the one descriptors are added to, or NULL */
        bool extra_open; /* no endpoint after alt yet: class descriptors are its extra */
} Builder;

static void add_interface(Builder *b, const uint8_t *p)
{
        struct libusb_interface_descriptor *alt;
        struct libusb_interface *intf;
        UsbConfig *c = b->c;

        if (b->n_alts >= USB_CONFIG_ALTSETTINGS_MAX) {
                b->alt = NULL;
                return;
        }
        alt = &c->altsettings[b->n_alts++];
        *alt = (struct libusb_interface_descriptor){
            .bLength = p[0],
            .bDescriptorType = p[1],
            .bInterfaceNumber = p[INTERFACE_NUMBER_OFFSET],
            .bAlternateSetting = p[INTERFACE_ALTSETTING_OFFSET],
            .bInterfaceClass = p[INTERFACE_CLASS_OFFSET],
            .bInterfaceSubClass = p[INTERFACE_SUBCLASS_OFFSET],
            .bInterfaceProtocol = p[INTERFACE_PROTOCOL_OFFSET],
            .endpoint = &c->endpoints[b->n_endpoints],
        };
        b->alt = alt;
        b->extra_open = true;

        /* The next altsetting of the interface before it joins it; another number starts one. */
        intf = c->config.bNumInterfaces > 0 ? &c->interfaces[c->config.bNumInterfaces - 1] : NULL;
        if (intf && intf->altsetting[0].bInterfaceNumber == alt->bInterfaceNumber) {
                intf->num_altsetting++;
                return;
        }
        if (c->config.bNumInterfaces >= USB_CONFIG_INTERFACES_MAX) {
                b->n_alts--;
                b->alt = NULL;
                return;
        }
        c->interfaces[c->config.bNumInterfaces++] =
            (struct libusb_interface){.altsetting = alt, .num_altsetting = 1};
}

static void add_endpoint(Builder *b, const uint8_t *p)
{
        b->extra_open = false;
        if (!b->alt || b->n_endpoints >= USB_CONFIG_ENDPOINTS_MAX)
                return;
        b->c->endpoints[b->n_endpoints++] = (struct libusb_endpoint_descriptor){
            .bLength = p[0],
            .bDescriptorType = p[1],
            .bEndpointAddress = p[ENDPOINT_ADDRESS_OFFSET],
            .bmAttributes = p[ENDPOINT_ATTRIBUTES_OFFSET],
            .wMaxPacketSize = (uint16_t)(p[ENDPOINT_MAX_PACKET_OFFSET] | p[ENDPOINT_MAX_PACKET_OFFSET + 1]
                                                                             << BITS_PER_BYTE),
            .bInterval = p[ENDPOINT_INTERVAL_OFFSET],
        };
        b->alt->bNumEndpoints++;
}

void usb_config_from_bytes(const uint8_t *buf, size_t n, UsbConfig *ret)
{
        Builder b = {.c = ret};

        memset(ret, 0, sizeof(*ret));
        ret->config.interface = ret->interfaces;
        for (size_t pos = 0; n - pos >= DESCRIPTOR_HEADER_SIZE;) {
                const uint8_t *p = buf + pos;
                uint8_t len = p[0], type = p[1];

                /* libusb stops at a descriptor shorter than its header or running past the end. */
                if (len < DESCRIPTOR_HEADER_SIZE || len > n - pos)
                        break;
                pos += len;

                if (type == LIBUSB_DT_CONFIG && len >= LIBUSB_DT_CONFIG_SIZE) {
                        ret->config.bLength = len;
                        ret->config.bDescriptorType = type;
                        ret->config.bConfigurationValue = p[CONFIG_VALUE_OFFSET];
                        ret->config.bmAttributes = p[CONFIG_ATTRIBUTES_OFFSET];
                } else if (type == LIBUSB_DT_INTERFACE && len >= LIBUSB_DT_INTERFACE_SIZE)
                        add_interface(&b, p);
                else if (type == LIBUSB_DT_ENDPOINT && len >= LIBUSB_DT_ENDPOINT_SIZE)
                        add_endpoint(&b, p);
                else if (b.alt && b.extra_open) {
                        /* Class-specific descriptors follow each other: one run from the first. */
                        if (!b.alt->extra)
                                b.alt->extra = p;
                        b.alt->extra_length += len;
                }
        }
}
