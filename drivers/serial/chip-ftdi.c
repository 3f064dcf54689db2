/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* FTDI's USB-serial chips (FT232R, FT2232H, FT-X and the rest): vendor requests to the device, with
 * the port in wIndex on multi-port chips, and two status bytes (modem and line status) at the start of
 * every packet the device sends. The requests and their order are those of the kernel's ftdi_sio, so
 * that a device sees the same with either driver. */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "chips.h"
#include "ftdi-baud.h"
#include "macro.h"
#include "port-descriptors.h"

enum {
        FTDI_REQUEST_TYPE_OUT = LIBUSB_ENDPOINT_OUT | LIBUSB_REQUEST_TYPE_VENDOR | LIBUSB_RECIPIENT_DEVICE,
        FTDI_RESET = 0x00,
        FTDI_SET_MODEM_CTRL = 0x01,
        FTDI_SET_FLOW_CTRL = 0x02,
        FTDI_SET_BAUDRATE = 0x03,
        FTDI_SET_DATA = 0x04,
        FTDI_SET_LATENCY_TIMER = 0x09,

        FTDI_RESET_SIO = 0,
        /* SET_MODEM_CTRL's wValue: a line's new level in the low byte, which lines to change above. */
        FTDI_MODEM_DTR = 1 << 0,
        FTDI_MODEM_RTS = 1 << 1,
        FTDI_MODEM_CHANGE_SHIFT = 8,
        /* SET_FLOW_CTRL's wIndex high byte. */
        FTDI_FLOW_NONE = 0,
        FTDI_FLOW_RTS_CTS = 1 << 8,
        /* SET_DATA's wValue: data bits, then parity, stop bits and break. */
        FTDI_DATA_PARITY_SHIFT = 8,
        FTDI_DATA_STOP_BITS_2 = 2 << 11,
        FTDI_DATA_BREAK = 1 << 14,
        FTDI_DATA_BITS_DEFAULT = 8,
        FTDI_DATA_BITS_7 = 7,
        FTDI_DATA_BITS_CS5 = 5,
        FTDI_DATA_BITS_CS6 = 6,
        /* ftdi_sio's default, which it sets when it binds. */
        FTDI_LATENCY_MSEC = 16,
        /* The first multi-port channel (A), on interface 0; single-port chips take 0. */
        FTDI_CHANNEL_A = 1,

        /* The two bytes at the start of every IN packet. */
        FTDI_STATUS_SIZE = 2,
        FTDI_STATUS_CTS = 1 << 4,
        FTDI_STATUS_DSR = 1 << 5,
        FTDI_STATUS_RI = 1 << 6,
        FTDI_STATUS_DCD = 1 << 7,
        USB_MAX_PACKET_SIZE_BITS = 0x7ff,
        FTDI_PACKET_DEFAULT = 64, /* a device whose descriptor says 0 (ftdi_sio assumes the same) */
};

/* FTDI's parity codes (SET_DATA bits 8-10) happen to be CDC's: none, odd, even, mark, space. */
static const uint8_t ftdi_parity[] = {
        [LINE_CODING_PARITY_NONE] = 0, [LINE_CODING_PARITY_ODD] = 1,   [LINE_CODING_PARITY_EVEN] = 2,
        [LINE_CODING_PARITY_MARK] = 3, [LINE_CODING_PARITY_SPACE] = 4,
};

static const FtdiModel *model(const ChipPort *p)
{
        return p->model;
}

/* The port's number in wIndex: channel A, B ... on multi-port chips, 0 on the others. */
static uint16_t ftdi_channel(const ChipPort *p)
{
        return model(p)->multi_port ? FTDI_CHANNEL_A + p->ep.interface : 0;
}

static int ftdi_request(const ChipPort *p, uint8_t request, uint16_t value, uint16_t index_high,
                        SerialRequests *out)
{
        return serial_requests_add(out, FTDI_REQUEST_TYPE_OUT, request, value, index_high | ftdi_channel(p), NULL,
                                   0);
}

static int ftdi_probe(ChipPort *p, const struct libusb_device_descriptor *dev,
                      const struct libusb_config_descriptor *config, const uint8_t *granted, size_t n_granted)
{
        int r;

        r = port_find_endpoints(config, granted, n_granted, &p->ep);
        if (r < 0)
                return r;
        p->bcd_device = dev->bcdDevice;
        p->n_interfaces = config->bNumInterfaces;
        p->model = ftdi_model_find(dev->bcdDevice, config->bNumInterfaces);
        p->port_index = p->ep.interface;
        /* Until the first status byte says otherwise: a port without a modem is ready. */
        p->msr = TIOCM_CTS | TIOCM_DSR;
        return 0;
}

static int ftdi_start(ChipPort *p, SerialRequests *out)
{
        return ftdi_request(p, FTDI_SET_LATENCY_TIMER, FTDI_LATENCY_MSEC, 0, out);
}

static int ftdi_open(ChipPort *p, SerialRequests *out)
{
        return ftdi_request(p, FTDI_RESET, FTDI_RESET_SIO, 0, out);
}

static int ftdi_close(ChipPort *p, bool hangup, SerialRequests *out)
{
        /* ftdi_sio's dtr_rts(0) turns flow control off before the lines drop. */
        return hangup ? ftdi_request(p, FTDI_SET_FLOW_CTRL, 0, FTDI_FLOW_NONE, out) : 0;
}

static uint16_t ftdi_data_bits(uint8_t bits)
{
        switch (bits) {
        case FTDI_DATA_BITS_CS5:
                return 0; /* ftdi_sio's "CS5 quirk": no size, which smart-card readers take as a mode */
        case FTDI_DATA_BITS_7:
                return FTDI_DATA_BITS_7;
        default:
                return FTDI_DATA_BITS_DEFAULT;
        }
}

static int ftdi_coding(ChipPort *p, const LineCoding *want, const LineCoding *sent, SerialRequests *out)
{
        uint32_t divisor, rate;
        uint16_t data;
        int r;

        /* The UARTs have 7 and 8 data bits; ftdi_sio refuses 6 (keeps what was set) and passes 5 on
         * as no size at all (a smart-card reader's mode switch). */
        if (want->data_bits == FTDI_DATA_BITS_CS6 || want->parity >= ELEMENTSOF(ftdi_parity))
                return -EINVAL;
        r = ftdi_divisor(model(p), want->rate, &divisor, &rate);
        if (r < 0)
                return r;

        data = ftdi_data_bits(want->data_bits) |
               (uint16_t)(ftdi_parity[want->parity] << FTDI_DATA_PARITY_SHIFT) |
               (want->stop_bits == LINE_CODING_STOP_BITS_2 ? FTDI_DATA_STOP_BITS_2 : 0);
        if (!sent || want->data_bits != sent->data_bits || want->parity != sent->parity ||
            want->stop_bits != sent->stop_bits) {
                r = ftdi_request(p, FTDI_SET_DATA, data, 0, out);
                if (r < 0)
                        return r;
        }
        p->rate_set = rate;
        r = serial_requests_add(out, FTDI_REQUEST_TYPE_OUT, FTDI_SET_BAUDRATE, (uint16_t)divisor,
                                model(p)->multi_port ? (uint16_t)((divisor >> 16) << 8 | ftdi_channel(p))
                                                     : (uint16_t)(divisor >> 16),
                                NULL, 0);
        if (r < 0)
                return r;
        p->line_control = data;
        return ftdi_request(p, FTDI_SET_FLOW_CTRL, 0, want->rtscts ? FTDI_FLOW_RTS_CTS : FTDI_FLOW_NONE, out);
}

static int ftdi_lines(ChipPort *p, unsigned lines, int sent, SerialRequests *out)
{
        unsigned old = sent < 0 ? ~lines : (unsigned)sent;
        unsigned set = lines & ~old, clear = old & ~lines;
        uint16_t value = 0;

        /* What changed, as ftdi_sio's update_mctrl() sends it: the lines to change, and their level. */
        if (clear & SERIAL_LINE_DTR)
                value |= FTDI_MODEM_DTR << FTDI_MODEM_CHANGE_SHIFT;
        if (clear & SERIAL_LINE_RTS)
                value |= FTDI_MODEM_RTS << FTDI_MODEM_CHANGE_SHIFT;
        if (set & SERIAL_LINE_DTR)
                value |= FTDI_MODEM_DTR << FTDI_MODEM_CHANGE_SHIFT | FTDI_MODEM_DTR;
        if (set & SERIAL_LINE_RTS)
                value |= FTDI_MODEM_RTS << FTDI_MODEM_CHANGE_SHIFT | FTDI_MODEM_RTS;
        if (value == 0)
                return 0;
        return ftdi_request(p, FTDI_SET_MODEM_CTRL, value, 0, out);
}

static int ftdi_break(ChipPort *p, bool on, SerialRequests *out)
{
        return ftdi_request(p, FTDI_SET_DATA, p->line_control | (on ? FTDI_DATA_BREAK : 0), 0, out);
}

static uint32_t ftdi_status_to_tiocm(uint8_t status)
{
        return (status & FTDI_STATUS_CTS ? TIOCM_CTS : 0) | (status & FTDI_STATUS_DSR ? TIOCM_DSR : 0) |
               (status & FTDI_STATUS_RI ? TIOCM_RI : 0) | (status & FTDI_STATUS_DCD ? TIOCM_CAR : 0);
}

static size_t ftdi_in_data(ChipPort *p, uint8_t *buf, size_t n)
{
        size_t packet = p->ep.bulk_in_max_packet & USB_MAX_PACKET_SIZE_BITS, out = 0;

        if (packet <= FTDI_STATUS_SIZE)
                packet = FTDI_PACKET_DEFAULT;
        /* Every packet starts with the status; a transfer holds several packets. */
        for (size_t i = 0; i < n; i += packet) {
                size_t len = MIN(packet, n - i);

                if (len < FTDI_STATUS_SIZE)
                        break; /* malformed: ftdi_sio drops it too */
                p->msr = ftdi_status_to_tiocm(buf[i]);
                memmove(buf + out, buf + i + FTDI_STATUS_SIZE, len - FTDI_STATUS_SIZE);
                out += len - FTDI_STATUS_SIZE;
        }
        return out;
}

const SerialChip chip_ftdi = {
        .name = "ftdi",
        .description = "FTDI FT232R, FT2232H, FT-X and the others",
        .probe = ftdi_probe,
        .start = ftdi_start,
        .open = ftdi_open,
        .close = ftdi_close,
        .coding = ftdi_coding,
        .lines = ftdi_lines,
        .brk = ftdi_break,
        .in_data = ftdi_in_data,
        .coding_at_open = true,
};
