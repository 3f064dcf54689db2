/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* USB CDC-ACM (PSTN 1.2) as a chip: the class requests on the communication interface, SERIAL_STATE
 * notifications for the modem status, plain data. */
#include <errno.h>

#include "acm-descriptors.h"
#include "cdc-notification.h"
#include "chips.h"

/* USB CDC PSTN 1.2, 6.3: the class requests. */
enum {
        CDC_REQUEST_TYPE_OUT = LIBUSB_ENDPOINT_OUT | LIBUSB_REQUEST_TYPE_CLASS | LIBUSB_RECIPIENT_INTERFACE,
        CDC_SET_LINE_CODING = 0x20,
        CDC_SET_CONTROL_LINE_STATE = 0x22,
        CDC_SEND_BREAK = 0x23,
        /* SEND_BREAK's wValue: on until told otherwise, and off. */
        CDC_BREAK_ON = 0xffff,
        CDC_BREAK_OFF = 0,
        CDC_CONTROL_DTR = 1 << 0,
        CDC_CONTROL_RTS = 1 << 1,
};

static int acm_probe(ChipPort *p, const struct libusb_device_descriptor *dev,
                     const struct libusb_config_descriptor *config, const uint8_t *granted, size_t n_granted)
{
        AcmEndpoints acm;
        int r;

        (void)dev;
        r = acm_find_endpoints(config, granted, n_granted, &acm);
        if (r < 0)
                return r;
        p->ep = (SerialEndpoints){
            .interface = acm.comm_interface,
            .data_interface = acm.data_interface,
            .data_altsetting = acm.data_altsetting,
            .bulk_in = acm.bulk_in_ep,
            .bulk_out = acm.bulk_out_ep,
            .bulk_in_max_packet = acm.bulk_in_max_packet,
            .bulk_out_max_packet = acm.bulk_out_max_packet,
            .notify = acm.notify_ep,
            .notify_max_packet = acm.notify_max_packet,
        };
        return 0;
}

static int acm_coding(ChipPort *p, const LineCoding *want, const LineCoding *sent, SerialRequests *out)
{
        uint8_t data[LINE_CODING_SIZE];

        /* CDC has no flow control to set: a CRTSCTS change alone sends nothing, as with cdc_acm. */
        if (sent && line_coding_equal_cdc(want, sent))
                return 0;
        line_coding_pack(want, data);
        p->rate_set = want->rate;
        return serial_requests_add(out, CDC_REQUEST_TYPE_OUT, CDC_SET_LINE_CODING, 0, p->ep.interface, data,
                                   sizeof(data));
}

static int acm_lines(ChipPort *p, unsigned set, unsigned clear, SerialRequests *out)
{
        unsigned lines = (p->lines & ~clear) | set;
        uint16_t value = (lines & SERIAL_LINE_DTR ? CDC_CONTROL_DTR : 0) |
                         (lines & SERIAL_LINE_RTS ? CDC_CONTROL_RTS : 0);

        return serial_requests_add(out, CDC_REQUEST_TYPE_OUT, CDC_SET_CONTROL_LINE_STATE, value,
                                   p->ep.interface, NULL, 0);
}

static int acm_break(ChipPort *p, bool on, SerialRequests *out)
{
        return serial_requests_add(out, CDC_REQUEST_TYPE_OUT, CDC_SEND_BREAK, on ? CDC_BREAK_ON : CDC_BREAK_OFF,
                                   p->ep.interface, NULL, 0);
}

static int acm_notify(ChipPort *p, const uint8_t *buf, size_t n)
{
        uint32_t msr;
        uint16_t state;
        int r;

        r = cdc_notification_serial_state(buf, n, &state);
        if (r < 0)
                return r;
        msr = cdc_serial_state_to_tiocm(state);
        if (msr == p->msr)
                return 0;
        p->msr = msr;
        return 1;
}

const SerialChip chip_cdc_acm = {
        .name = "cdc-acm",
        .description = "USB CDC-ACM (the class: modems, microcontrollers)",
        .probe = acm_probe,
        .coding = acm_coding,
        .lines = acm_lines,
        .brk = acm_break,
        .notify = acm_notify,
        .notify_incomplete = cdc_notification_incomplete,
        .lines_at_start = true,
};
