/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: what drvhost-serial parses of what a device and the pty's user send it. The first
 * input byte picks which:
 *   descriptors   a configuration descriptor set (as usb-config.c makes it a libusb one) through
 *                 acm_find_endpoints(); the next byte says how many interfaces were granted (0 to 3),
 *                 then their numbers, then the descriptors;
 *   notification  a transfer from the notification endpoint through cdc_notification_serial_state();
 *   termios       a struct termios2 set on the pty, through line_coding_from_termios(), packed as
 *                 SET_LINE_CODING sends it and shown as the STATUS= line shows it.
 *
 * Aborts when a promise breaks: an ACM function with interfaces that were not granted, a data interface
 * that is not CDC data, endpoints that are not the bulk IN, bulk OUT and interrupt IN of those
 * interfaces; a SERIAL_STATE read from other bytes than the two after the header; a line coding outside
 * CDC's values, packed otherwise than PSTN 6.3.10 says, or shown cut off. */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acm-descriptors.h"
#include "cdc-notification.h"
#include "line-coding.h"
#include "macro.h"
#include "usb-config.h"

enum {
        PICK_DESCRIPTORS,
        PICK_NOTIFICATION,
        PICK_TERMIOS,
        _PICK_MAX,
        /* A CDC-ACM function is two interfaces; a third shows what a composite device adds. */
        GRANTED_MAX = 3,
        DATA_BITS_MIN = 5,
        DATA_BITS_MAX = 8,
        BITS_PER_BYTE = 8,
        LINE_CODING_CHAR_FORMAT_OFFSET = 4,
        LINE_CODING_PARITY_OFFSET = 5,
        LINE_CODING_DATA_BITS_OFFSET = 6,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The interface numbered ifnum: libusb groups altsettings under the first one's number. */
static const struct libusb_interface *interface_of(const UsbConfig *c, uint8_t ifnum)
{
        for (int i = 0; i < c->config.bNumInterfaces; i++)
                if (c->interfaces[i].altsetting[0].bInterfaceNumber == ifnum)
                        return &c->interfaces[i];
        return NULL;
}

/* Whether d has an endpoint of that address, type, direction and packet size. A device may repeat an
 * address (the kernel keeps the first): what the driver chose must be one of them. */
static bool has_endpoint(const struct libusb_interface_descriptor *d, uint8_t address, int type,
                         int direction, uint16_t max_packet)
{
        for (int i = 0; i < d->bNumEndpoints; i++) {
                const struct libusb_endpoint_descriptor *ep = &d->endpoint[i];

                if (ep->bEndpointAddress == address &&
                    (ep->bmAttributes & LIBUSB_TRANSFER_TYPE_MASK) == type &&
                    (ep->bEndpointAddress & LIBUSB_ENDPOINT_DIR_MASK) == direction &&
                    ep->wMaxPacketSize == max_packet)
                        return true;
        }
        return false;
}

/* An altsetting of the data interface with e's number carries e's bulk pair (a device may number two
 * altsettings alike; the driver selects by number, as the device does). */
static bool data_has_bulk_pair(const struct libusb_interface *data, const AcmEndpoints *e)
{
        for (int a = 0; a < data->num_altsetting; a++) {
                const struct libusb_interface_descriptor *d = &data->altsetting[a];

                if (d->bAlternateSetting == e->data_altsetting &&
                    has_endpoint(d, e->bulk_in_ep, LIBUSB_TRANSFER_TYPE_BULK, LIBUSB_ENDPOINT_IN,
                                 e->bulk_in_max_packet) &&
                    has_endpoint(d, e->bulk_out_ep, LIBUSB_TRANSFER_TYPE_BULK, LIBUSB_ENDPOINT_OUT,
                                 e->bulk_out_max_packet))
                        return true;
        }
        return false;
}

static void fuzz_descriptors(const uint8_t *data, size_t size)
{
        const struct libusb_interface *comm_intf, *data_intf;
        const struct libusb_interface_descriptor *comm;
        uint8_t granted[GRANTED_MAX];
        size_t n_granted;
        AcmEndpoints e;
        UsbConfig config, *c = &config;

        if (size < 1)
                return;
        n_granted = MIN(data[0] % (GRANTED_MAX + 1), size - 1);
        memcpy(granted, data + 1, n_granted);
        data += 1 + n_granted;
        size -= 1 + n_granted;

        usb_config_from_bytes(data, size, c);
        if (acm_find_endpoints(&c->config, granted, n_granted, &e) < 0)
                return;

        if (!memchr(granted, e.comm_interface, n_granted) || !memchr(granted, e.data_interface, n_granted))
                abort();
        comm_intf = interface_of(c, e.comm_interface);
        data_intf = interface_of(c, e.data_interface);
        if (!comm_intf || !data_intf)
                abort();
        comm = &comm_intf->altsetting[0];
        if (comm->bInterfaceClass != LIBUSB_CLASS_COMM || comm->bInterfaceSubClass != USB_CDC_SUBCLASS_ACM ||
            data_intf->altsetting[0].bInterfaceClass != USB_CLASS_CDC_DATA ||
            !data_has_bulk_pair(data_intf, &e))
                abort();
        if (e.notify_ep != 0 && !has_endpoint(comm, e.notify_ep, LIBUSB_TRANSFER_TYPE_INTERRUPT,
                                              LIBUSB_ENDPOINT_IN, e.notify_max_packet))
                abort();
}

static void fuzz_notification(const uint8_t *data, size_t size)
{
        uint16_t state;
        int r;

        r = cdc_notification_serial_state(data, size, &state);
        if (r == 0) {
                if (size < CDC_NOTIFICATION_HEADER_SIZE + CDC_SERIAL_STATE_SIZE ||
                    data[1] != CDC_NOTIFY_SERIAL_STATE ||
                    state != (data[CDC_NOTIFICATION_HEADER_SIZE] | data[CDC_NOTIFICATION_HEADER_SIZE + 1]
                                                                       << BITS_PER_BYTE))
                        abort();
        } else if (r == -ENOMSG) {
                if (size < CDC_NOTIFICATION_HEADER_SIZE || data[1] == CDC_NOTIFY_SERIAL_STATE)
                        abort();
        } else if (r != -EBADMSG || (size >= CDC_NOTIFICATION_HEADER_SIZE + CDC_SERIAL_STATE_SIZE &&
                                     data[1] == CDC_NOTIFY_SERIAL_STATE))
                abort();
}

static void fuzz_termios(const uint8_t *data, size_t size)
{
        char text[LINE_CODING_STRING_MAX], rate[LINE_CODING_STRING_MAX];
        uint8_t packed[LINE_CODING_SIZE];
        struct termios2 t = {};
        LineCoding lc;
        uint32_t back = 0;

        memcpy(&t, data, MIN(size, sizeof(t)));
        if (line_coding_from_termios(&t, &lc) < 0) {
                if (!line_coding_termios_hangup(&t) && (t.c_cflag & CBAUD) == BOTHER && t.c_ospeed != 0)
                        abort(); /* any non-zero BOTHER speed is a rate */
                return;
        }
        if (lc.rate == 0 || lc.data_bits < DATA_BITS_MIN || lc.data_bits > DATA_BITS_MAX ||
            (lc.stop_bits != LINE_CODING_STOP_BITS_1 && lc.stop_bits != LINE_CODING_STOP_BITS_2) ||
            lc.parity > LINE_CODING_PARITY_SPACE || line_coding_termios_hangup(&t))
                abort();

        line_coding_pack(&lc, packed);
        for (unsigned i = 0; i < sizeof(back); i++)
                back |= (uint32_t)packed[i] << (i * BITS_PER_BYTE);
        if (back != lc.rate || packed[LINE_CODING_CHAR_FORMAT_OFFSET] != lc.stop_bits ||
            packed[LINE_CODING_PARITY_OFFSET] != lc.parity ||
            packed[LINE_CODING_DATA_BITS_OFFSET] != lc.data_bits)
                abort();

        /* The whole rate, the bits, a parity letter and the stop bits: nothing cut, nothing unknown. */
        line_coding_to_string(&lc, text);
        (void)snprintf(rate, sizeof(rate), "%" PRIu32 " ", lc.rate);
        if (!memchr(text, '\0', sizeof(text)) || !strneq(text, rate, strlen(rate)) || strchr(text, '?'))
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (size < 1)
                return 0;
        switch (data[0] % _PICK_MAX) {
        case PICK_DESCRIPTORS:
                fuzz_descriptors(data + 1, size - 1);
                break;
        case PICK_NOTIFICATION:
                fuzz_notification(data + 1, size - 1);
                break;
        default:
                fuzz_termios(data + 1, size - 1);
                break;
        }
        return 0;
}
