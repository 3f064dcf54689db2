/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* WCH CH340, CH341 and their kin (the kernel's ch341): vendor requests to the device that write the
 * chip's registers (rate, line control, break), the modem control lines as an inverted byte, and the
 * modem status from an interrupt endpoint. The requests and their order are those of Linux 6.1's ch341,
 * so that a device sees the same with either driver. */
#include <errno.h>
#include <sys/ioctl.h>

#include "ch341-baud.h"
#include "chips.h"
#include "port-descriptors.h"

enum {
        CH341_REQUEST_TYPE_OUT = LIBUSB_ENDPOINT_OUT | LIBUSB_REQUEST_TYPE_VENDOR | LIBUSB_RECIPIENT_DEVICE,
        CH341_REQUEST_TYPE_IN = LIBUSB_ENDPOINT_IN | LIBUSB_REQUEST_TYPE_VENDOR | LIBUSB_RECIPIENT_DEVICE,
        CH341_READ_VERSION = 0x5f,
        CH341_WRITE_REG = 0x9a,
        CH341_READ_REG = 0x95,
        CH341_SERIAL_INIT = 0xa1,
        CH341_MODEM_CTRL = 0xa4,
        CH341_READ_SIZE = 2, /* READ_VERSION and READ_REG answer two bytes */

        /* The registers, two to a request: wValue = second << 8 | first, wIndex their values alike. */
        CH341_REG_BREAK = 0x05,
        CH341_REG_PRESCALER = 0x12,
        CH341_REG_DIVISOR = 0x13,
        CH341_REG_LCR = 0x18,
        CH341_REG_LCR2 = 0x25,
        CH341_REG_SHIFT = 8,
        CH341_REGS_RATE = CH341_REG_DIVISOR << CH341_REG_SHIFT | CH341_REG_PRESCALER,
        CH341_REGS_LCR = CH341_REG_LCR2 << CH341_REG_SHIFT | CH341_REG_LCR, /* LCR2 always 0 */
        CH341_REGS_BREAK = CH341_REG_LCR << CH341_REG_SHIFT | CH341_REG_BREAK,
        CH341_REGS_STATUS = 0x0706, /* the modem status, read at an open */
        CH341_REGS_QUIRK = 0x0005,  /* read at attach: chips without a break register stall it */

        CH341_NBREAK_BITS = 0x01, /* in REG_BREAK: clear while breaking */
        CH341_LCR_ENABLE_RX = 0x80,
        CH341_LCR_ENABLE_TX = 0x40, /* also cleared while breaking */
        CH341_LCR_MARK_SPACE = 0x20,
        CH341_LCR_PAR_EVEN = 0x10,
        CH341_LCR_ENABLE_PAR = 0x08,
        CH341_LCR_STOP_BITS_2 = 0x04,
        CH341_LCR_CS5 = 0x00, /* CS5..CS8 are 0..3 */
        CH341_LCR_CS8 = 0x03,
        CH341_DATA_BITS_MIN = 5,
        CH341_LCR_DEFAULT = CH341_LCR_ENABLE_RX | CH341_LCR_ENABLE_TX | CH341_LCR_CS8, /* 8N1, at attach */
        CH341_RATE_DEFAULT = 9600,

        /* MODEM_CTRL's wValue is the inverted byte of these (lines are active low). */
        CH341_MCR_DTR = 1 << 5,
        CH341_MCR_RTS = 1 << 6,

        /* The status byte (inverted on the wire): in the interrupt packet's byte 2, or READ_REG 0x0706's
         * first byte. */
        CH341_STATUS_CTS = 0x01,
        CH341_STATUS_DSR = 0x02,
        CH341_STATUS_RI = 0x04,
        CH341_STATUS_DCD = 0x08,
        CH341_STATUS_BITS = 0x0f,
        CH341_NOTIFY_SIZE_MIN = 4,
        CH341_NOTIFY_STATUS = 2,

        /* What the chip's version changes: the no-buffering bit of the rate above 0x27, and from 0x30
         * on the line control in LCR (older chips have other registers the kernel does not write). */
        CH341_VERSION_NO_BUFFERING_ABOVE = 0x27,
        CH341_VERSION_LCR_FROM = 0x30,
};

/* The requests prepare() completes (SerialRequest.tag). */
enum {
        CH341_TAG_NONE,
        CH341_TAG_VERSION,
        CH341_TAG_RATE,
        CH341_TAG_LCR,
        CH341_TAG_STATUS,
        CH341_TAG_BREAK_READ,
        CH341_TAG_BREAK_ON,
        CH341_TAG_BREAK_OFF,
};

static int ch341_add(SerialRequests *out, uint8_t type, uint8_t request, uint16_t value, uint16_t index,
                     uint16_t length, uint8_t tag)
{
        int r;

        r = serial_requests_add(out, type, request, value, index, NULL, length);
        if (r < 0)
                return r;
        out->r[out->n - 1].tag = tag;
        return 0;
}

static int ch341_write(SerialRequests *out, uint8_t request, uint16_t value, uint16_t index, uint8_t tag)
{
        return ch341_add(out, CH341_REQUEST_TYPE_OUT, request, value, index, 0, tag);
}

static int ch341_read(SerialRequests *out, uint16_t value, uint8_t tag)
{
        return ch341_add(out, CH341_REQUEST_TYPE_IN, CH341_READ_REG, value, 0, CH341_READ_SIZE, tag);
}

/* MODEM_CTRL for the lines: the kernel sends (u16)~mcr, so the high byte is all ones. */
static int ch341_modem_ctrl(unsigned lines, SerialRequests *out)
{
        uint16_t mcr = (lines & SERIAL_LINE_DTR ? CH341_MCR_DTR : 0) |
                       (lines & SERIAL_LINE_RTS ? CH341_MCR_RTS : 0);

        return ch341_write(out, CH341_MODEM_CTRL, (uint16_t)~mcr, 0, CH341_TAG_NONE);
}

/* The rate and the line control, as ch341_set_baudrate_lcr(); prepare() adds what the version decides. */
static int ch341_rate_lcr(uint32_t rate, uint8_t lcr, SerialRequests *out)
{
        int r;

        r = ch341_write(out, CH341_WRITE_REG, CH341_REGS_RATE, ch341_divisor(rate, false), CH341_TAG_RATE);
        if (r < 0)
                return r;
        return ch341_write(out, CH341_WRITE_REG, CH341_REGS_LCR, lcr, CH341_TAG_LCR);
}

static int ch341_probe(ChipPort *p, const struct libusb_device_descriptor *dev,
                       const struct libusb_config_descriptor *config, const uint8_t *granted,
                       size_t n_granted)
{
        int r;

        r = port_find_endpoints(config, granted, n_granted, &p->ep);
        if (r < 0)
                return r;
        return 0;
}

/* As ch341_port_probe(): the version, the chip's initialisation, 9600 8N1 with the lines down, and the
 * read that tells the chips without a break register. That one stalls on those, which this framework
 * does not hand to reply(): such a chip is taken as a normal one (the kernel would slow the rate down
 * and send a NUL for a break, and use the lower base clock). */
static int ch341_start(ChipPort *p, SerialRequests *out)
{
        int r;

        r = ch341_add(out, CH341_REQUEST_TYPE_IN, CH341_READ_VERSION, 0, 0, CH341_READ_SIZE,
                      CH341_TAG_VERSION);
        if (r < 0)
                return r;
        r = ch341_write(out, CH341_SERIAL_INIT, 0, 0, CH341_TAG_NONE);
        if (r < 0)
                return r;
        r = ch341_rate_lcr(CH341_RATE_DEFAULT, CH341_LCR_DEFAULT, out);
        if (r < 0)
                return r;
        r = ch341_modem_ctrl(0, out);
        if (r < 0)
                return r;
        return ch341_read(out, CH341_REGS_QUIRK, CH341_TAG_NONE);
}

static uint8_t ch341_lcr(const LineCoding *lc)
{
        uint8_t lcr = CH341_LCR_ENABLE_RX | CH341_LCR_ENABLE_TX |
                      (uint8_t)(CH341_LCR_CS5 + lc->data_bits - CH341_DATA_BITS_MIN);

        switch (lc->parity) {
        case LINE_CODING_PARITY_ODD:
                lcr |= CH341_LCR_ENABLE_PAR;
                break;
        case LINE_CODING_PARITY_EVEN:
                lcr |= CH341_LCR_ENABLE_PAR | CH341_LCR_PAR_EVEN;
                break;
        case LINE_CODING_PARITY_MARK:
                lcr |= CH341_LCR_ENABLE_PAR | CH341_LCR_MARK_SPACE;
                break;
        case LINE_CODING_PARITY_SPACE:
                lcr |= CH341_LCR_ENABLE_PAR | CH341_LCR_PAR_EVEN | CH341_LCR_MARK_SPACE;
                break;
        }
        if (lc->stop_bits == LINE_CODING_STOP_BITS_2)
                lcr |= CH341_LCR_STOP_BITS_2;
        return lcr;
}

/* As ch341_set_termios(): nothing unless the rate or c_cflag's hardware part changed; else the rate
 * and the line control, and the lines again whatever they are. At an open (sent NULL), ch341_open()
 * reads the modem status right after. */
static int ch341_coding(ChipPort *p, const LineCoding *want, const LineCoding *sent, SerialRequests *out)
{
        int r;

        if (sent && !line_coding_hw_change(want, sent))
                return 0;
        p->rate_set = want->rate; /* the kernel reports the rate asked, not the one the divisor gives */
        r = ch341_rate_lcr(want->rate, ch341_lcr(want), out);
        if (r < 0)
                return r;
        r = ch341_modem_ctrl(p->lines, out);
        if (r < 0 || sent)
                return r;
        return ch341_read(out, CH341_REGS_STATUS, CH341_TAG_STATUS);
}

/* As ch341_tiocmset() and ch341_dtr_rts(): the lines, sent even when they do not change. */
static int ch341_lines(ChipPort *p, unsigned set, unsigned clear, SerialRequests *out)
{
        return ch341_modem_ctrl((p->lines & ~clear) | set, out);
}

/* The break register and LCR read, changed in prepare() and written back (ch341_break_ctl()). */
static int ch341_break(ChipPort *p, bool on, SerialRequests *out)
{
        int r;

        r = ch341_read(out, CH341_REGS_BREAK, CH341_TAG_BREAK_READ);
        if (r < 0)
                return r;
        return ch341_write(out, CH341_WRITE_REG, CH341_REGS_BREAK, 0,
                           on ? CH341_TAG_BREAK_ON : CH341_TAG_BREAK_OFF);
}

static uint32_t ch341_status_to_tiocm(uint8_t wire)
{
        uint8_t status = (uint8_t)~wire & CH341_STATUS_BITS;

        return (status & CH341_STATUS_CTS ? TIOCM_CTS : 0) | (status & CH341_STATUS_DSR ? TIOCM_DSR : 0) |
               (status & CH341_STATUS_RI ? TIOCM_RI : 0) | (status & CH341_STATUS_DCD ? TIOCM_CAR : 0);
}

static void ch341_reply(ChipPort *p, const SerialRequest *req, const uint8_t *data, size_t n)
{
        /* A short answer is an error to the kernel (usb_control_msg_recv()): nothing taken from it. */
        if (n < CH341_READ_SIZE)
                return;
        switch (req->tag) {
        case CH341_TAG_VERSION:
                p->version = data[0];
                break;
        case CH341_TAG_STATUS:
                p->msr = ch341_status_to_tiocm(data[0]);
                break;
        case CH341_TAG_BREAK_READ:
                p->saved[0] = data[0];
                p->saved[1] = data[1];
                p->saved_valid = true;
                break;
        }
}

static void ch341_prepare(ChipPort *p, SerialRequest *req)
{
        switch (req->tag) {
        case CH341_TAG_RATE:
                if (p->version > CH341_VERSION_NO_BUFFERING_ABOVE)
                        req->index |= CH341_DIVISOR_NO_BUFFERING;
                else
                        req->index &= (uint16_t)~CH341_DIVISOR_NO_BUFFERING;
                break;
        case CH341_TAG_LCR:
                req->skip = p->version < CH341_VERSION_LCR_FROM;
                break;
        case CH341_TAG_BREAK_READ:
                p->saved_valid = false;
                break;
        case CH341_TAG_BREAK_ON:
        case CH341_TAG_BREAK_OFF: {
                uint8_t brk = p->saved[0], lcr = p->saved[1];

                /* The kernel gives up when the read failed. */
                req->skip = !p->saved_valid;
                p->saved_valid = false;
                if (req->tag == CH341_TAG_BREAK_ON) {
                        brk &= (uint8_t)~CH341_NBREAK_BITS;
                        lcr &= (uint8_t)~CH341_LCR_ENABLE_TX;
                } else {
                        brk |= CH341_NBREAK_BITS;
                        lcr |= CH341_LCR_ENABLE_TX;
                }
                req->index = (uint16_t)(lcr << CH341_REG_SHIFT | brk);
                break;
        }
        }
}

/* ch341_update_status(): byte 2 of a packet of at least 4 holds the lines, active low. */
static int ch341_notify(ChipPort *p, const uint8_t *buf, size_t n)
{
        uint32_t msr;

        if (n < CH341_NOTIFY_SIZE_MIN)
                return -EBADMSG;
        msr = ch341_status_to_tiocm(buf[CH341_NOTIFY_STATUS]);
        if (msr == p->msr)
                return 0;
        p->msr = msr;
        return 1;
}

const SerialChip chip_ch341 = {
        .name = "ch341",
        .description = "WCH CH340, CH341 and compatibles",
        .probe = ch341_probe,
        .start = ch341_start,
        .coding = ch341_coding,
        .lines = ch341_lines,
        .brk = ch341_break,
        .notify = ch341_notify,
        .reply = ch341_reply,
        .prepare = ch341_prepare,
        .coding_at_open = true,
};
