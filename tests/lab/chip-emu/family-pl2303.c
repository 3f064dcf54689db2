/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Prolific PL2303 (the HX family's protocol): CDC-like class requests to the interface for the line
 * coding, control lines and break; vendor request 1 to the device reads (0xc0) and writes (0x40)
 * registers; the modem status in byte 8 of a 10-byte interrupt packet (UART_STATE, as from a CDC
 * SERIAL_STATE notification). Request numbers and bits as in pl2303.c. */

#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "chip-emu.h"

enum {
        SET_LINE_REQUEST = 0x20,
        GET_LINE_REQUEST = 0x21,
        SET_CONTROL_REQUEST = 0x22,
        BREAK_REQUEST = 0x23,
        VENDOR_REQUEST = 0x01,
        TYPE_CLASS = 0x20,

        CONTROL_DTR = 0x01,
        CONTROL_RTS = 0x02,

        /* A register read names the register with bit 7 set (0x8484 reads what 0x0404 wrote). */
        VENDOR_REG_MASK = 0x7f,

        UART_DCD = 0x01,
        UART_DSR = 0x02,
        UART_RING = 0x08,
        UART_CTS = 0x80,
        UART_STATE_INDEX = 8,
        NOTIFY_LEN = 10,
        NOTIFY_REQUEST_TYPE = 0xa1,
        NOTIFY_SERIAL_STATE = 0x20,
        NOTIFY_DATA_LEN = 2,
        NOTIFY_LENGTH_INDEX = 6,

        LINE_CODING_LEN = 7,
        LINE_STOP = 4,
        LINE_PARITY = 5,
        LINE_BITS = 6,
        /* The top bit of the rate's last byte: a divisor, not a rate. The TA's (alt) encoding:
         * rate = 12 MHz * 32 / (mantissa * 2^exponent), mantissa in bits 10:0, exponent's bits 3:1
         * in bits 15:13 and its bit 0 in bit 16. */
        LINE_DIVISOR_FLAG = 0x80,
        DIVISOR_BASELINE = 12000000 * 32,
        DIVISOR_MANTISSA_HIGH_MASK = 0x07,
        DIVISOR_EXPONENT_SHIFT = 4,
        DIVISOR_EXPONENT_HIGH_MASK = 0x0e,
        DEFAULT_RATE = 9600,
        DEFAULT_BITS = 8,
};

static void pl2303_init_port(EmuPort *p)
{
        uint32_t rate = htole32(DEFAULT_RATE);

        memcpy(p->line_coding, &rate, sizeof(rate));
        p->line_coding[LINE_BITS] = DEFAULT_BITS;
}

static void decode_line(EmuPort *p)
{
        static const char parity[] = "NOEMS";
        static const char *const stop[] = { "1", "1.5", "2" };
        const uint8_t *c = p->line_coding;

        if (c[3] & LINE_DIVISOR_FLAG) {
                unsigned mantissa = c[0] | (c[1] & DIVISOR_MANTISSA_HIGH_MASK) << 8;
                unsigned exponent = ((c[1] >> DIVISOR_EXPONENT_SHIFT) & DIVISOR_EXPONENT_HIGH_MASK) | (c[2] & 1);
                p->rate = mantissa ? (DIVISOR_BASELINE / mantissa) >> exponent : 0;
        } else
                p->rate = c[0] | c[1] << 8 | c[2] << 16 | (uint32_t) c[3] << 24;
        snprintf(p->line, sizeof(p->line), "%u%c%s", c[LINE_BITS], c[LINE_PARITY] < 5 ? parity[c[LINE_PARITY]] : '?',
                 c[LINE_STOP] < 3 ? stop[c[LINE_STOP]] : "?");
}

static int pl2303_setup(Emu *e, const struct usb_ctrlrequest *req, const uint8_t *data, uint8_t *reply,
                        size_t *reply_len)
{
        uint16_t value = le16toh(req->wValue), index = le16toh(req->wIndex);
        bool class = (req->bRequestType & USB_TYPE_MASK) == TYPE_CLASS;
        EmuPort *p = port_by_index(e, 0);

        pthread_mutex_lock(&p->lock);
        if (class) {
                switch (req->bRequest) {
                case SET_LINE_REQUEST:
                        if (data) {
                                memcpy(p->line_coding, data, LINE_CODING_LEN);
                                decode_line(p);
                        }
                        break;
                case GET_LINE_REQUEST:
                        memcpy(reply, p->line_coding, LINE_CODING_LEN);
                        *reply_len = LINE_CODING_LEN;
                        break;
                case SET_CONTROL_REQUEST:
                        port_set_lines(p, !!(value & CONTROL_DTR), !!(value & CONTROL_RTS));
                        break;
                case BREAK_REQUEST:
                        port_set_break(p, value != 0);
                        break;
                default:
                        break;
                }
        } else if (req->bRequest == VENDOR_REQUEST && (req->bRequestType & USB_DIR_IN)) {
                reply[0] = p->regs[value & VENDOR_REG_MASK];
                *reply_len = 1;
        } else if (req->bRequest == VENDOR_REQUEST) {
                p->regs[value & VENDOR_REG_MASK] = index & 0xff;
        } else if (req->bRequestType & USB_DIR_IN) {
                *reply_len = le16toh(req->wLength);
        }
        pthread_mutex_unlock(&p->lock);
        return 0;
}

static size_t pl2303_frame_in(EmuPort *p, const uint8_t *in, size_t n, uint8_t *out)
{
        (void) p;
        memcpy(out, in, n);
        return n;
}

static size_t pl2303_notify(EmuPort *p, uint8_t *out, EpRole *role)
{
        memset(out, 0, NOTIFY_LEN);
        out[0] = NOTIFY_REQUEST_TYPE;
        out[1] = NOTIFY_SERIAL_STATE;
        out[NOTIFY_LENGTH_INDEX] = NOTIFY_DATA_LEN;
        out[UART_STATE_INDEX] = (p->msr & EMU_MSR_DCD ? UART_DCD : 0) | (p->msr & EMU_MSR_DSR ? UART_DSR : 0) |
                                (p->msr & EMU_MSR_RI ? UART_RING : 0) | (p->msr & EMU_MSR_CTS ? UART_CTS : 0);
        *role = EP_INT_IN;
        return NOTIFY_LEN;
}

const FamilyOps family_pl2303_ops = {
        .init_port = pl2303_init_port,
        .setup = pl2303_setup,
        .frame_in = pl2303_frame_in,
        .notify = pl2303_notify,
};
