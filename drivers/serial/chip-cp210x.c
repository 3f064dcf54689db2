/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Silicon Labs CP210x (CP2102, CP2104, CP2105, CP2108, CP2102N ...): vendor requests to the port's
 * interface (AN571), the rate as a 32-bit number, flow control as a 16-byte block read and written back,
 * the modem status read with GET_MDMSTS. The requests and their order are those of the kernel's
 * cp210x, so that a device sees the same with either driver. */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "byte-order.h"
#include "chip-models.h"
#include "chips.h"
#include "macro.h"
#include "port-descriptors.h"

enum {
        CP210X_REQUEST_TYPE_OUT = LIBUSB_ENDPOINT_OUT | LIBUSB_REQUEST_TYPE_VENDOR | LIBUSB_RECIPIENT_INTERFACE,
        CP210X_REQUEST_TYPE_IN = LIBUSB_ENDPOINT_IN | LIBUSB_REQUEST_TYPE_VENDOR | LIBUSB_RECIPIENT_INTERFACE,
        CP210X_REQUEST_TYPE_DEVICE_IN = LIBUSB_ENDPOINT_IN | LIBUSB_REQUEST_TYPE_VENDOR | LIBUSB_RECIPIENT_DEVICE,
        CP210X_IFC_ENABLE = 0x00,
        CP210X_SET_LINE_CTL = 0x03,
        CP210X_SET_BREAK = 0x05,
        CP210X_SET_MHS = 0x07,
        CP210X_GET_MDMSTS = 0x08,
        CP210X_PURGE = 0x12,
        CP210X_SET_FLOW = 0x13,
        CP210X_EMBED_EVENTS = 0x15,
        CP210X_SET_CHARS = 0x19,
        CP210X_GET_FLOW = 0x14,
        CP210X_SET_BAUDRATE = 0x1e,
        CP210X_VENDOR_SPECIFIC = 0xff,
        CP210X_GET_PARTNUM = 0x370b, /* VENDOR_SPECIFIC's wValue */

        CP210X_UART_ENABLE = 1,
        CP210X_UART_DISABLE = 0,
        CP210X_PURGE_ALL = 0x000f,
        CP210X_BREAK_ON = 1,
        CP210X_BREAK_OFF = 0,
        /* SET_LINE_CTL's wValue: stop bits, parity, data bits. */
        CP210X_LINE_STOP_2 = 2,
        CP210X_LINE_PARITY_SHIFT = 4,
        CP210X_LINE_DATA_SHIFT = 8,
        /* SET_MHS's wValue: the levels, and which of them to write. */
        CP210X_MHS_DTR = 1 << 0,
        CP210X_MHS_RTS = 1 << 1,
        CP210X_MHS_WRITE_DTR = 1 << 8,
        CP210X_MHS_WRITE_RTS = 1 << 9,
        /* GET_MDMSTS's byte. */
        CP210X_STATUS_CTS = 1 << 4,
        CP210X_STATUS_DSR = 1 << 5,
        CP210X_STATUS_RI = 1 << 6,
        CP210X_STATUS_DCD = 1 << 7,
        CP210X_STATUS_SIZE = 1,
        CP210X_RATE_SIZE = 4,
        CP210X_PARTNUM_SIZE = 1,
        /* The flow block: ulControlHandshake, ulFlowReplace, ulXonLimit, ulXoffLimit (LE32 each). */
        CP210X_FLOW_SIZE = 16,
        CP210X_FLOW_HANDSHAKE = 0,
        CP210X_FLOW_REPLACE = 4,
        CP210X_FLOW_XON_LIMIT = 8,
        CP210X_FLOW_XOFF_LIMIT = 12,
        CP210X_XON_XOFF_LIMIT = 128,
        /* SET_CHARS: eof, error, break, event, xon, xoff. */
        CP210X_CHARS_SIZE = 6,
        CP210X_CHARS_XON = 4,
        CP210X_CHARS_XOFF = 5,
        /* Event mode (EMBED_EVENTS): the escape byte, then what follows it. */
        CP210X_ESCAPE = 0xec,
        CP210X_ESC_DATA = 0,     /* the escape byte as data */
        CP210X_ESC_LSR_DATA = 1, /* line status, then a data byte */
        CP210X_ESC_LSR = 2,      /* line status */
        CP210X_ESC_MSR = 3,      /* modem status (the kernel's cp210x ignores it too) */
        CP210X_HS_DTR_MASK = 3 << 0,
        CP210X_HS_DTR_ACTIVE = 1 << 0,
        CP210X_HS_CTS_HANDSHAKE = 1 << 3,
        CP210X_HS_DSR_HANDSHAKE = 1 << 4,
        CP210X_HS_DCD_HANDSHAKE = 1 << 5,
        CP210X_HS_DSR_SENSITIVITY = 1 << 6,
        CP210X_REPLACE_AUTO_TRANSMIT = 1 << 0,
        CP210X_REPLACE_AUTO_RECEIVE = 1 << 1,
        CP210X_REPLACE_RTS_MASK = 3 << 6,
        CP210X_REPLACE_RTS_ACTIVE = 1 << 6,
        CP210X_REPLACE_RTS_FLOW_CTL = 2 << 6,
        CP210X_PART_UNKNOWN = 0xff,
        BITS_PER_BYTE = 8,
};

static const Cp210xModel *model(const ChipPort *p)
{
        return p->model;
}

static int cp210x_request(const ChipPort *p, uint8_t request, uint16_t value, const void *data, uint16_t length,
                          SerialRequests *out)
{
        return serial_requests_add(out, CP210X_REQUEST_TYPE_OUT, request, value, p->ep.interface, data, length);
}

static int cp210x_probe(ChipPort *p, const struct libusb_device_descriptor *dev,
                        const struct libusb_config_descriptor *config, const uint8_t *granted, size_t n_granted)
{
        int r;

        r = port_find_endpoints(config, granted, n_granted, &p->ep);
        if (r < 0)
                return r;
        /* Until GET_PARTNUM answers: the kernel's defaults. */
        p->model = cp210x_model_find(CP210X_PART_UNKNOWN, p->ep.interface);
        return 0;
}

static int cp210x_start(ChipPort *p, SerialRequests *out)
{
        return serial_requests_add(out, CP210X_REQUEST_TYPE_DEVICE_IN, CP210X_VENDOR_SPECIFIC, CP210X_GET_PARTNUM,
                                   p->ep.interface, NULL, CP210X_PARTNUM_SIZE);
}

static int cp210x_open(ChipPort *p, SerialRequests *out)
{
        return cp210x_request(p, CP210X_IFC_ENABLE, CP210X_UART_ENABLE, NULL, 0, out);
}

static int cp210x_close(ChipPort *p, SerialRequests *out)
{
        int r;

        /* The kernel's cp210x clears both queues first: a CP2108 may hang without. */
        r = cp210x_request(p, CP210X_PURGE, CP210X_PURGE_ALL, NULL, 0, out);
        if (r < 0)
                return r;
        p->event_mode = false; /* a disabled interface forgets it */
        p->in_escape_len = 0;
        return cp210x_request(p, CP210X_IFC_ENABLE, CP210X_UART_DISABLE, NULL, 0, out);
}

/* The flow block comes back from GET_FLOW and goes out with SET_FLOW changed (prepare()). */
static int cp210x_flow(ChipPort *p, SerialRequests *out)
{
        int r;

        r = serial_requests_add(out, CP210X_REQUEST_TYPE_IN, CP210X_GET_FLOW, 0, p->ep.interface, NULL,
                                CP210X_FLOW_SIZE);
        if (r < 0)
                return r;
        return cp210x_request(p, CP210X_SET_FLOW, 0, NULL, CP210X_FLOW_SIZE, out);
}

/* As cp210x_set_termios(): the rate when it changed (or at an open), the line control, the flow block
 * when flow control changed, event mode with INPCK. The caller calls only for a change (or an open). */
static int cp210x_coding(ChipPort *p, const LineCoding *want, const LineCoding *sent, SerialRequests *out)
{
        LineCoding lc = *want;
        int r;

        if (sent && line_coding_equal(want, sent))
                return 0;
        /* cp210x_change_speed() takes c_ospeed, and compares it with the one it wrote back. */
        if (!sent || want->ospeed != sent->ospeed) {
                uint8_t rate[CP210X_RATE_SIZE];

                p->rate_set = p->rate_report = cp210x_rate(model(p), want->ospeed);
                put_le32(rate, p->rate_set);
                r = cp210x_request(p, CP210X_SET_BAUDRATE, 0, rate, sizeof(rate), out);
                if (r < 0)
                        return r;
        }
        if (model(p)->fixed_format) {
                lc.data_bits = BITS_PER_BYTE;
                lc.stop_bits = LINE_CODING_STOP_BITS_1;
                if (lc.parity == LINE_CODING_PARITY_MARK || lc.parity == LINE_CODING_PARITY_SPACE)
                        lc.parity = lc.parity == LINE_CODING_PARITY_MARK ? LINE_CODING_PARITY_ODD
                                                                         : LINE_CODING_PARITY_EVEN;
        }
        r = cp210x_request(p, CP210X_SET_LINE_CTL,
                           (uint16_t)(lc.data_bits << CP210X_LINE_DATA_SHIFT |
                                      lc.parity << CP210X_LINE_PARITY_SHIFT |
                                      (lc.stop_bits == LINE_CODING_STOP_BITS_2 ? CP210X_LINE_STOP_2 : 0)),
                           NULL, 0, out);
        if (r < 0)
                return r;
        if (!sent || lc.rtscts != sent->rtscts || lc.ixon != sent->ixon || lc.ixoff != sent->ixoff ||
            lc.xon != sent->xon || lc.xoff != sent->xoff) {
                p->rtscts = lc.rtscts;
                p->ixon = lc.ixon;
                p->ixoff = lc.ixoff;
                if (lc.ixon || lc.ixoff) {
                        uint8_t chars[CP210X_CHARS_SIZE] = {[CP210X_CHARS_XON] = lc.xon, [CP210X_CHARS_XOFF] = lc.xoff};

                        r = cp210x_request(p, CP210X_SET_CHARS, 0, chars, sizeof(chars), out);
                        if (r < 0)
                                return r;
                }
                r = cp210x_flow(p, out);
                if (r < 0)
                        return r;
        }
        if (lc.inpck != p->event_mode) {
                p->event_mode = lc.inpck;
                p->in_escape_len = 0;
                return cp210x_request(p, CP210X_EMBED_EVENTS, lc.inpck ? CP210X_ESCAPE : 0, NULL, 0, out);
        }
        return 0;
}

static int cp210x_lines(ChipPort *p, unsigned set, unsigned clear, SerialRequests *out)
{
        uint16_t value = 0;

        /* As cp210x_tiocmset_port(): clear wins here, and a request goes even with nothing in it. */
        if (set & SERIAL_LINE_RTS)
                value |= CP210X_MHS_RTS | CP210X_MHS_WRITE_RTS;
        if (set & SERIAL_LINE_DTR)
                value |= CP210X_MHS_DTR | CP210X_MHS_WRITE_DTR;
        if (clear & SERIAL_LINE_RTS)
                value = (value & ~CP210X_MHS_RTS) | CP210X_MHS_WRITE_RTS;
        if (clear & SERIAL_LINE_DTR)
                value = (value & ~CP210X_MHS_DTR) | CP210X_MHS_WRITE_DTR;
        /* With hardware flow control, RTS is the chip's: the flow block says whether it may drive it
         * (prepare() reads the lines as they are by then). */
        if (p->rtscts && (value & CP210X_MHS_RTS))
                return cp210x_flow(p, out);
        return cp210x_request(p, CP210X_SET_MHS, value, NULL, 0, out);
}

static int cp210x_break(ChipPort *p, bool on, SerialRequests *out)
{
        return cp210x_request(p, CP210X_SET_BREAK, on ? CP210X_BREAK_ON : CP210X_BREAK_OFF, NULL, 0, out);
}

static int cp210x_poll(ChipPort *p, SerialRequests *out)
{
        return serial_requests_add(out, CP210X_REQUEST_TYPE_IN, CP210X_GET_MDMSTS, 0, p->ep.interface, NULL,
                                   CP210X_STATUS_SIZE);
}

static void cp210x_reply(ChipPort *p, const SerialRequest *req, const uint8_t *data, size_t n)
{
        switch (req->request) {
        case CP210X_VENDOR_SPECIFIC:
                if (n >= CP210X_PARTNUM_SIZE)
                        p->model = cp210x_model_find(data[0], p->ep.interface);
                break;
        case CP210X_GET_FLOW:
                memset(p->saved, 0, sizeof(p->saved));
                memcpy(p->saved, data, MIN(n, (size_t)CP210X_FLOW_SIZE));
                break;
        case CP210X_GET_MDMSTS:
                if (n >= CP210X_STATUS_SIZE)
                        p->msr = (data[0] & CP210X_STATUS_CTS ? TIOCM_CTS : 0) |
                                 (data[0] & CP210X_STATUS_DSR ? TIOCM_DSR : 0) |
                                 (data[0] & CP210X_STATUS_RI ? TIOCM_RI : 0) |
                                 (data[0] & CP210X_STATUS_DCD ? TIOCM_CAR : 0);
                break;
        }
}

/* SET_FLOW: the block GET_FLOW read, with DTR, RTS and the handshakes as the kernel's cp210x sets them. */
static void cp210x_prepare(ChipPort *p, SerialRequest *req)
{
        uint32_t hs, replace;

        if (req->request != CP210X_SET_FLOW)
                return;
        memcpy(req->data, p->saved, CP210X_FLOW_SIZE);
        hs = get_le32(req->data + CP210X_FLOW_HANDSHAKE);
        replace = get_le32(req->data + CP210X_FLOW_REPLACE);
        hs &= ~(uint32_t)(CP210X_HS_DSR_HANDSHAKE | CP210X_HS_DCD_HANDSHAKE | CP210X_HS_DSR_SENSITIVITY |
                          CP210X_HS_DTR_MASK);
        if (p->lines & SERIAL_LINE_DTR)
                hs |= CP210X_HS_DTR_ACTIVE;
        replace &= ~(uint32_t)(CP210X_REPLACE_RTS_MASK | CP210X_REPLACE_AUTO_RECEIVE | CP210X_REPLACE_AUTO_TRANSMIT);
        if (p->ixoff) {
                replace |= CP210X_REPLACE_AUTO_RECEIVE;
                put_le32(req->data + CP210X_FLOW_XON_LIMIT, CP210X_XON_XOFF_LIMIT);
                put_le32(req->data + CP210X_FLOW_XOFF_LIMIT, CP210X_XON_XOFF_LIMIT);
        }
        if (p->ixon)
                replace |= CP210X_REPLACE_AUTO_TRANSMIT;
        if (p->rtscts) {
                hs |= CP210X_HS_CTS_HANDSHAKE;
                if (p->lines & SERIAL_LINE_RTS)
                        replace |= CP210X_REPLACE_RTS_FLOW_CTL;
        } else {
                hs &= ~(uint32_t)CP210X_HS_CTS_HANDSHAKE;
                if (p->lines & SERIAL_LINE_RTS)
                        replace |= CP210X_REPLACE_RTS_ACTIVE;
        }
        put_le32(req->data + CP210X_FLOW_HANDSHAKE, hs);
        put_le32(req->data + CP210X_FLOW_REPLACE, replace);
}

/* The length of an escape sequence starting with ESC, kind (0 if not known: back to data). */
static size_t cp210x_escape_length(uint8_t kind)
{
        switch (kind) {
        case CP210X_ESC_DATA:
                return 2;
        case CP210X_ESC_LSR_DATA:
                return 4;
        case CP210X_ESC_LSR:
        case CP210X_ESC_MSR:
                return 3;
        default:
                return 0;
        }
}

/* In event mode the chip mixes its line status into the data behind an escape byte; the data is what
 * the kernel's cp210x passes on (line errors are the tty's flags there, which the front end has not). */
static size_t cp210x_in_data(ChipPort *p, uint8_t *buf, size_t n)
{
        size_t out = 0;

        if (!p->event_mode)
                return n;
        for (size_t i = 0; i < n; i++) {
                uint8_t c = buf[i];
                size_t need;

                if (p->in_escape_len == 0) {
                        if (c == CP210X_ESCAPE)
                                p->in_escape[p->in_escape_len++] = c;
                        else
                                buf[out++] = c;
                        continue;
                }
                p->in_escape[p->in_escape_len++] = c;
                need = cp210x_escape_length(p->in_escape[1]);
                if (need == 0) {
                        p->in_escape_len = 0; /* not an escape the chip sends: back to data */
                        continue;
                }
                if (p->in_escape_len < need)
                        continue;
                if (p->in_escape[1] == CP210X_ESC_DATA)
                        buf[out++] = CP210X_ESCAPE;
                else if (p->in_escape[1] == CP210X_ESC_LSR_DATA)
                        buf[out++] = p->in_escape[need - 1];
                p->in_escape_len = 0;
        }
        return out;
}

const SerialChip chip_cp210x = {
        .name = "cp210x",
        .description = "Silicon Labs CP2102, CP2104, CP2105, CP2108, CP2102N",
        .probe = cp210x_probe,
        .start = cp210x_start,
        .open = cp210x_open,
        .close = cp210x_close,
        .coding = cp210x_coding,
        .lines = cp210x_lines,
        .brk = cp210x_break,
        .poll = cp210x_poll,
        .in_data = cp210x_in_data,
        .reply = cp210x_reply,
        .prepare = cp210x_prepare,
        .coding_at_open = true,
};
