/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdbool.h>

#include "acm-descriptors.h"

enum {
        /* Union functional descriptor: bLength, bDescriptorType, bDescriptorSubtype, bControlInterface,
         * bSubordinateInterface0 ... */
        UNION_SUBTYPE_OFFSET = 2,
        UNION_CONTROL_OFFSET = 3,
        UNION_FIRST_SUBORDINATE_OFFSET = 4,
        DESCRIPTOR_HEADER_SIZE = 2,
};

static bool granted_has(const uint8_t *granted, size_t n, uint8_t ifnum)
{
        for (size_t i = 0; i < n; i++)
                if (granted[i] == ifnum)
                        return true;
        return false;
}

static const struct libusb_interface *interface_by_number(const struct libusb_config_descriptor *config,
                                                          uint8_t ifnum)
{
        for (int i = 0; i < config->bNumInterfaces; i++) {
                const struct libusb_interface *intf = &config->interface[i];

                if (intf->num_altsetting > 0 && intf->altsetting[0].bInterfaceNumber == ifnum)
                        return intf;
        }
        return NULL;
}

static bool has_data_interface(const struct libusb_config_descriptor *config)
{
        for (int i = 0; i < config->bNumInterfaces; i++)
                if (config->interface[i].num_altsetting > 0 &&
                    config->interface[i].altsetting[0].bInterfaceClass == USB_CLASS_CDC_DATA)
                        return true;
        return false;
}

static bool is_comm(const struct libusb_interface_descriptor *alt)
{
        return alt->bInterfaceClass == LIBUSB_CLASS_COMM && alt->bInterfaceSubClass == USB_CDC_SUBCLASS_ACM;
}

/* The first subordinate interface of the comm interface's Union descriptor, in its class-specific
 * descriptors. Returns 0, or -ENOENT without a well-formed one. */
static int union_data_interface(const struct libusb_interface_descriptor *comm, uint8_t *ret)
{
        const uint8_t *p = comm->extra;
        size_t left = comm->extra_length > 0 ? (size_t)comm->extra_length : 0;

        while (left >= DESCRIPTOR_HEADER_SIZE) {
                uint8_t len = p[0];

                /* A descriptor claiming to be shorter than its header would loop forever. */
                if (len < DESCRIPTOR_HEADER_SIZE || len > left)
                        return -ENOENT;
                if (p[1] == USB_CDC_DESCRIPTOR_CS_INTERFACE && len > UNION_FIRST_SUBORDINATE_OFFSET &&
                    p[UNION_SUBTYPE_OFFSET] == USB_CDC_DESCRIPTOR_UNION &&
                    p[UNION_CONTROL_OFFSET] == comm->bInterfaceNumber) {
                        *ret = p[UNION_FIRST_SUBORDINATE_OFFSET];
                        return 0;
                }
                p += len;
                left -= len;
        }
        return -ENOENT;
}

static int endpoint_type(const struct libusb_endpoint_descriptor *ep)
{
        return ep->bmAttributes & LIBUSB_TRANSFER_TYPE_MASK;
}

static bool endpoint_is_in(const struct libusb_endpoint_descriptor *ep)
{
        return (ep->bEndpointAddress & LIBUSB_ENDPOINT_DIR_MASK) == LIBUSB_ENDPOINT_IN;
}

static void find_notify(const struct libusb_interface_descriptor *comm, AcmEndpoints *e)
{
        for (int i = 0; i < comm->bNumEndpoints; i++) {
                const struct libusb_endpoint_descriptor *ep = &comm->endpoint[i];

                if (endpoint_type(ep) == LIBUSB_TRANSFER_TYPE_INTERRUPT && endpoint_is_in(ep)) {
                        e->notify_ep = ep->bEndpointAddress;
                        e->notify_max_packet = ep->wMaxPacketSize;
                        return;
                }
        }
}

/* The first alternate setting with a bulk IN and a bulk OUT endpoint. Returns 0 or -EBADMSG. */
static int find_bulk_pair(const struct libusb_interface *data, AcmEndpoints *e)
{
        for (int a = 0; a < data->num_altsetting; a++) {
                const struct libusb_interface_descriptor *alt = &data->altsetting[a];
                const struct libusb_endpoint_descriptor *in = NULL, *out = NULL;

                for (int i = 0; i < alt->bNumEndpoints; i++) {
                        const struct libusb_endpoint_descriptor *ep = &alt->endpoint[i];

                        if (endpoint_type(ep) != LIBUSB_TRANSFER_TYPE_BULK)
                                continue;
                        if (endpoint_is_in(ep) && !in)
                                in = ep;
                        else if (!endpoint_is_in(ep) && !out)
                                out = ep;
                }
                if (in && out) {
                        e->data_altsetting = alt->bAlternateSetting;
                        e->bulk_in_ep = in->bEndpointAddress;
                        e->bulk_in_max_packet = in->wMaxPacketSize;
                        e->bulk_out_ep = out->bEndpointAddress;
                        e->bulk_out_max_packet = out->wMaxPacketSize;
                        return 0;
                }
        }
        return -EBADMSG;
}

int acm_find_endpoints(const struct libusb_config_descriptor *config, const uint8_t *granted,
                       size_t n_granted, AcmEndpoints *ret)
{
        const struct libusb_interface_descriptor *comm = NULL;
        const struct libusb_interface *data = NULL;
        AcmEndpoints e = {};
        uint8_t data_ifnum;

        for (size_t i = 0; i < n_granted && !comm; i++) {
                const struct libusb_interface *intf = interface_by_number(config, granted[i]);

                if (intf && is_comm(&intf->altsetting[0]))
                        comm = &intf->altsetting[0];
        }
        if (!comm)
                return -ENOENT;

        if (union_data_interface(comm, &data_ifnum) >= 0) {
                data = interface_by_number(config, data_ifnum);
                if (!data || data->altsetting[0].bInterfaceClass != USB_CLASS_CDC_DATA)
                        return -ENOENT;
                if (!granted_has(granted, n_granted, data_ifnum))
                        return -EACCES;
        } else {
                /* No Union descriptor (broken, but seen): take the data interface we were given. */
                for (size_t i = 0; i < n_granted && !data; i++) {
                        const struct libusb_interface *intf = interface_by_number(config, granted[i]);

                        if (intf && intf->altsetting[0].bInterfaceClass == USB_CLASS_CDC_DATA)
                                data = intf;
                }
                if (!data)
                        return has_data_interface(config) ? -EACCES : -ENOENT;
        }

        e.comm_interface = comm->bInterfaceNumber;
        e.data_interface = data->altsetting[0].bInterfaceNumber;
        find_notify(comm, &e);
        if (find_bulk_pair(data, &e) < 0)
                return -EBADMSG;

        *ret = e;
        return 0;
}
