/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>

#include "port-descriptors.h"

static const struct libusb_interface_descriptor *port_interface(const struct libusb_config_descriptor *config,
                                                                uint8_t ifnum)
{
        for (int i = 0; i < config->bNumInterfaces; i++) {
                const struct libusb_interface *intf = &config->interface[i];

                if (intf->num_altsetting > 0 && intf->altsetting[0].bInterfaceNumber == ifnum)
                        return &intf->altsetting[0];
        }
        return NULL;
}

int port_find_endpoints(const struct libusb_config_descriptor *config, const uint8_t *granted, size_t n_granted,
                        SerialEndpoints *ret)
{
        const struct libusb_interface_descriptor *alt;
        SerialEndpoints ep = {};

        if (n_granted == 0)
                return -ENOENT;
        alt = port_interface(config, granted[0]);
        if (!alt)
                return -ENOENT;
        ep.interface = ep.data_interface = alt->bInterfaceNumber;
        for (int i = 0; i < alt->bNumEndpoints; i++) {
                const struct libusb_endpoint_descriptor *e = &alt->endpoint[i];
                uint8_t type = e->bmAttributes & LIBUSB_TRANSFER_TYPE_MASK;
                bool in = e->bEndpointAddress & LIBUSB_ENDPOINT_IN;

                /* The first of each kind, as the kernel's usb-serial core assigns them. */
                if (type == LIBUSB_TRANSFER_TYPE_BULK && in && ep.bulk_in == 0) {
                        ep.bulk_in = e->bEndpointAddress;
                        ep.bulk_in_max_packet = e->wMaxPacketSize;
                } else if (type == LIBUSB_TRANSFER_TYPE_BULK && !in && ep.bulk_out == 0) {
                        ep.bulk_out = e->bEndpointAddress;
                        ep.bulk_out_max_packet = e->wMaxPacketSize;
                } else if (type == LIBUSB_TRANSFER_TYPE_INTERRUPT && in && ep.notify == 0) {
                        ep.notify = e->bEndpointAddress;
                        ep.notify_max_packet = e->wMaxPacketSize;
                }
        }
        if (ep.bulk_in == 0 || ep.bulk_out == 0)
                return -EBADMSG;
        *ret = ep;
        return 0;
}
