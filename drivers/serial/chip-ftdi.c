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
        FTDI_REQUEST_TYPE_IN = LIBUSB_ENDPOINT_IN | LIBUSB_REQUEST_TYPE_VENDOR | LIBUSB_RECIPIENT_DEVICE,
        FTDI_RESET = 0x00,
        FTDI_SET_MODEM_CTRL = 0x01,
        FTDI_SET_FLOW_CTRL = 0x02,
        FTDI_SET_BAUDRATE = 0x03,
        FTDI_SET_DATA = 0x04,
        FTDI_SET_LATENCY_TIMER = 0x09,
        FTDI_GET_LATENCY_TIMER = 0x0a,
        FTDI_LATENCY_SIZE = 1,

        FTDI_RESET_SIO = 0,
        /* SET_MODEM_CTRL's wValue: a line's new level in the low byte, which lines to change above. */
        FTDI_MODEM_DTR = 1 << 0,
        FTDI_MODEM_RTS = 1 << 1,
        FTDI_MODEM_CHANGE_SHIFT = 8,
        /* SET_FLOW_CTRL's wIndex high byte. */
        FTDI_FLOW_NONE = 0,
        FTDI_FLOW_RTS_CTS = 1 << 8,
        FTDI_FLOW_XON_XOFF = 4 << 8,
        FTDI_XOFF_SHIFT = 8, /* XON/XOFF flow control's wValue: VSTOP, VSTART */
        /* SET_BAUDRATE: the divisor's bits above 16 go in wIndex, above the channel if any. */
        FTDI_DIVISOR_INDEX_SHIFT = 16,
        FTDI_CHANNEL_BITS = 8,
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

/* The port's number in wIndex: channel A, B ... on the chips that name it, 0 on the others. */
static uint16_t ftdi_channel(const ChipPort *p)
{
        return model(p)->indexed ? FTDI_CHANNEL_A + p->ep.interface : 0;
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
        p->model = ftdi_model_find(dev->bcdDevice);
        if (!p->model)
                return -ENODEV;
        p->saved[0] = FTDI_LATENCY_MSEC;
        return 0;
}

/* The latency timer, read and written back, as ftdi_sio's port probe does (the SIO and FT232A have
 * none). */
static int ftdi_start(ChipPort *p, SerialRequests *out)
{
        int r;

        if (model(p)->divisor == FTDI_DIVISOR_SIO || model(p)->divisor == FTDI_DIVISOR_AM)
                return 0;
        r = serial_requests_add(out, FTDI_REQUEST_TYPE_IN, FTDI_GET_LATENCY_TIMER, 0, ftdi_channel(p), NULL,
                                FTDI_LATENCY_SIZE);
        if (r < 0)
                return r;
        return ftdi_request(p, FTDI_SET_LATENCY_TIMER, FTDI_LATENCY_MSEC, 0, out);
}

static void ftdi_reply(ChipPort *p, const SerialRequest *req, const uint8_t *data, size_t n)
{
        if (req->request == FTDI_GET_LATENCY_TIMER && n >= FTDI_LATENCY_SIZE)
                p->saved[0] = data[0];
}

static void ftdi_prepare(ChipPort *p, SerialRequest *req)
{
        if (req->request == FTDI_SET_LATENCY_TIMER)
                req->value = p->saved[0];
}

static int ftdi_open(ChipPort *p, SerialRequests *out)
{
        return ftdi_request(p, FTDI_RESET, FTDI_RESET_SIO, 0, out);
}

/* ftdi_sio's dtr_rts(0) turns flow control off before the lines drop. */
static int ftdi_hangup(ChipPort *p, SerialRequests *out)
{
        return ftdi_request(p, FTDI_SET_FLOW_CTRL, 0, FTDI_FLOW_NONE, out);
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

/* As ftdi_set_termios(): the data format when it changed (or at an open), the rate whenever c_cflag or
 * the speed changed, and flow control every time. */
static int ftdi_coding(ChipPort *p, const LineCoding *want, const LineCoding *sent, SerialRequests *out)
{
        const uint32_t format = CSIZE | PARODD | PARENB | CMSPAR | CSTOPB;
        LineCoding lc = *want;
        uint32_t divisor, rate;
        int r;

        if (lc.parity >= ELEMENTSOF(ftdi_parity))
                return -EINVAL;
        /* The UARTs have no 6 data bits: ftdi_sio keeps the size set before (8 at an open). */
        if (lc.data_bits == FTDI_DATA_BITS_CS6) {
                lc.data_bits = sent ? sent->data_bits : FTDI_DATA_BITS_DEFAULT;
                lc.cflag = (lc.cflag & ~(uint32_t)CSIZE) | (sent ? sent->cflag & CSIZE : CS8);
        }
        if (!sent || lc.cflag != sent->cflag || lc.ospeed != sent->ospeed) {
                if (!sent || ((lc.cflag ^ sent->cflag) & format)) {
                        p->line_control = ftdi_data_bits(lc.data_bits) |
                                          (uint16_t)(ftdi_parity[lc.parity] << FTDI_DATA_PARITY_SHIFT) |
                                          (lc.stop_bits == LINE_CODING_STOP_BITS_2 ? FTDI_DATA_STOP_BITS_2 : 0);
                        r = ftdi_request(p, FTDI_SET_DATA, p->line_control, 0, out);
                        if (r < 0)
                                return r;
                }
                r = ftdi_divisor(model(p), lc.rate, &divisor, &rate);
                if (r < 0)
                        return r;
                p->rate_set = p->rate_report = rate;
                r = serial_requests_add(out, FTDI_REQUEST_TYPE_OUT, FTDI_SET_BAUDRATE, (uint16_t)divisor,
                                        ftdi_channel(p) ? (uint16_t)((divisor >> FTDI_DIVISOR_INDEX_SHIFT)
                                                                         << FTDI_CHANNEL_BITS |
                                                                     ftdi_channel(p))
                                                        : (uint16_t)(divisor >> FTDI_DIVISOR_INDEX_SHIFT),
                                        NULL, 0);
                if (r < 0)
                        return r;
        }
        if (lc.rtscts)
                return ftdi_request(p, FTDI_SET_FLOW_CTRL, 0, FTDI_FLOW_RTS_CTS, out);
        if (lc.ixon)
                return ftdi_request(p, FTDI_SET_FLOW_CTRL, (uint16_t)(lc.xoff << FTDI_XOFF_SHIFT | lc.xon),
                                    FTDI_FLOW_XON_XOFF, out);
        return ftdi_request(p, FTDI_SET_FLOW_CTRL, 0, FTDI_FLOW_NONE, out);
}

static int ftdi_lines(ChipPort *p, unsigned set, unsigned clear, SerialRequests *out)
{
        uint16_t value = 0;

        /* As ftdi_sio's update_mctrl() sends it: the lines to change, and their level; set wins. */
        clear &= ~set;
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
        .hangup = ftdi_hangup,
        .reply = ftdi_reply,
        .prepare = ftdi_prepare,
        .coding = ftdi_coding,
        .lines = ftdi_lines,
        .brk = ftdi_break,
        .in_data = ftdi_in_data,
        .coding_at_open = true,
};
