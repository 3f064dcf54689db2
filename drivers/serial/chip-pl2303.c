/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Prolific PL2303 (H, HX, HXD, TA, TB and the HXN "G" chips; the kernel's pl2303): CDC-like class
 * requests for the line (a 7-byte line coding whose rate may be a divisor), the lines and a break,
 * vendor register reads and writes for the rest, and the modem status from an interrupt endpoint. The
 * requests and their order are those of Linux 6.1's pl2303, so that a device sees the same with either
 * driver. */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "chip-models.h"
#include "chips.h"
#include "macro.h"
#include "pl2303-baud.h"
#include "port-descriptors.h"

enum {
        PL2303_CLASS_OUT = LIBUSB_ENDPOINT_OUT | LIBUSB_REQUEST_TYPE_CLASS | LIBUSB_RECIPIENT_INTERFACE,
        PL2303_CLASS_IN = LIBUSB_ENDPOINT_IN | LIBUSB_REQUEST_TYPE_CLASS | LIBUSB_RECIPIENT_INTERFACE,
        PL2303_VENDOR_OUT = LIBUSB_ENDPOINT_OUT | LIBUSB_REQUEST_TYPE_VENDOR | LIBUSB_RECIPIENT_DEVICE,
        PL2303_VENDOR_IN = LIBUSB_ENDPOINT_IN | LIBUSB_REQUEST_TYPE_VENDOR | LIBUSB_RECIPIENT_DEVICE,
        PL2303_SET_LINE = 0x20,
        PL2303_GET_LINE = 0x21,
        PL2303_SET_CONTROL = 0x22,
        PL2303_BREAK = 0x23,
        PL2303_VENDOR_WRITE = 0x01,
        PL2303_VENDOR_READ = 0x01,
        PL2303_HXN_VENDOR_WRITE = 0x80,
        PL2303_HXN_VENDOR_READ = 0x81,
        PL2303_REQUEST_TYPE_MASK = 0x60, /* bmRequestType's type: standard, class, vendor */
        PL2303_VENDOR_READ_SIZE = 1,
        PL2303_READ_FLAG = 0x80, /* a register read names it with this bit (not on the HXN) */

        PL2303_LINE_STOP_1_5 = 1, /* SET_LINE's byte 4: what two stop bits with 5 data bits become */
        PL2303_LINE_STOP_2 = 2,
        PL2303_LINE_STOP = 4,
        PL2303_LINE_PARITY = 5, /* none, odd, even, mark, space: CDC's codes */
        PL2303_LINE_DATA_BITS = 6,
        PL2303_DATA_BITS_5 = 5,

        PL2303_CONTROL_DTR = 0x01,
        PL2303_CONTROL_RTS = 0x02,
        PL2303_BREAK_ON = 0xffff,
        PL2303_BREAK_OFF = 0x0000,

        /* At open: the bulk pipes reset (registers 8 and 9; on the HXN both bits of register 7). */
        PL2303_RESET_UPSTREAM_REG = 0x08,
        PL2303_RESET_DOWNSTREAM_REG = 0x09,
        PL2303_HXN_RESET_REG = 0x07,
        PL2303_HXN_RESET_PIPES = 0x03,
        /* The test read that tells TA and TB from HXN chips of the same release. */
        PL2303_READ_HX_STATUS = 0x8080,
        /* At attach: register 2's value, 0x24 on the legacy H. */
        PL2303_ATTACH_REG2 = 0x02,
        PL2303_ATTACH_REG2_VALUE = 0x44,
        PL2303_ATTACH_REG2_VALUE_H = 0x24,

        /* Automatic XON/XOFF only with the standard characters (^Q/^S). */
        PL2303_XON = 0x11,
        PL2303_XOFF = 0x13,

        /* The interrupt packet's status byte (byte 8; byte 0 on some devices, not done here). */
        PL2303_STATUS_INDEX = 8,
        PL2303_STATUS_DCD = 0x01,
        PL2303_STATUS_DSR = 0x02,
        PL2303_STATUS_RI = 0x08,
        PL2303_STATUS_CTS = 0x80,

        /* ChipPort.saved: the line coding last set, and the flow register read. */
        PL2303_SAVED_LINE = 0,
        PL2303_SAVED_FLOW = LINE_CODING_SIZE,
};

/* ChipPort.detect: where the test read telling TA/TB from HXN is. */
enum {
        PL2303_DETECT_DONE,   /* the type is known */
        PL2303_DETECT_QUEUED, /* the test read is to be sent */
        PL2303_DETECT_SENT,   /* sent: unless reply() saw its answer, the chip is an HXN */
};

/* The requests prepare() completes (SerialRequest.tag). */
enum {
        PL2303_TAG_NONE,
        PL2303_TAG_TEST,
        PL2303_TAG_FLOW_READ,
        PL2303_TAG_FLOW_WRITE,
};

/* pl2303_startup()'s vendor sequence for all but the HXN, up to register 2 (Prolific's, undocumented:
 * the values are the kernel's). */
static const struct {
        bool read;
        uint16_t value, index;
} pl2303_attach[] = {
        {true, 0x8484, 0},  {false, 0x0404, 0}, {true, 0x8484, 0}, {true, 0x8383, 0},  {true, 0x8484, 0},
        {false, 0x0404, 1}, {true, 0x8484, 0},  {true, 0x8383, 0}, {false, 0x0000, 1}, {false, 0x0001, 0},
};

static const Pl2303Model *model(const ChipPort *p)
{
        return p->model;
}

static int pl2303_add(SerialRequests *out, uint8_t type, uint8_t request, uint16_t value, uint16_t index,
                      const void *data, uint16_t length, uint8_t tag)
{
        int r;

        r = serial_requests_add(out, type, request, value, index, data, length);
        if (r < 0)
                return r;
        out->r[out->n - 1].tag = tag;
        return 0;
}

static int pl2303_vendor_write(const ChipPort *p, uint16_t value, uint16_t index, uint8_t tag,
                               SerialRequests *out)
{
        return pl2303_add(out, PL2303_VENDOR_OUT,
                          model(p)->hxn ? PL2303_HXN_VENDOR_WRITE : PL2303_VENDOR_WRITE, value, index, NULL,
                          0, tag);
}

static int pl2303_vendor_read(const ChipPort *p, uint16_t value, uint8_t tag, SerialRequests *out)
{
        return pl2303_add(out, PL2303_VENDOR_IN, model(p)->hxn ? PL2303_HXN_VENDOR_READ : PL2303_VENDOR_READ,
                          value, 0, NULL, PL2303_VENDOR_READ_SIZE, tag);
}

static int pl2303_probe(ChipPort *p, const struct libusb_device_descriptor *dev,
                        const struct libusb_config_descriptor *config, const uint8_t *granted,
                        size_t n_granted)
{
        bool test;
        int r;

        r = port_find_endpoints(config, granted, n_granted, &p->ep);
        if (r < 0)
                return r;
        /* The kernel's pl2303 refuses a port without its interrupt endpoint. (Some devices have it on
         * interface 0 when bound to another: the kernel's ENDPOINT_HACK quirk, not done here.) */
        if (p->ep.notify == 0)
                return -EBADMSG;
        p->model = pl2303_model_detect(dev->bDeviceClass, dev->bMaxPacketSize0, dev->bcdUSB, dev->bcdDevice,
                                       &test);
        if (!p->model)
                return -ENODEV;
        p->detect = test ? PL2303_DETECT_QUEUED : PL2303_DETECT_DONE;
        return 0;
}

/* pl2303_startup(): the test read where the type needs it, then the vendor sequence (none on an HXN;
 * prepare() drops it if the test read makes the chip one). */
static int pl2303_start(ChipPort *p, SerialRequests *out)
{
        int r;

        if (p->detect == PL2303_DETECT_QUEUED) {
                r = pl2303_vendor_read(p, PL2303_READ_HX_STATUS, PL2303_TAG_TEST, out);
                if (r < 0)
                        return r;
        }
        if (model(p)->hxn)
                return 0;
        for (size_t i = 0; i < ELEMENTSOF(pl2303_attach); i++) {
                r = pl2303_attach[i].read
                            ? pl2303_vendor_read(p, pl2303_attach[i].value, PL2303_TAG_NONE, out)
                            : pl2303_vendor_write(p, pl2303_attach[i].value, pl2303_attach[i].index,
                                                  PL2303_TAG_NONE, out);
                if (r < 0)
                        return r;
        }
        return pl2303_vendor_write(p, PL2303_ATTACH_REG2,
                                   model(p)->legacy ? PL2303_ATTACH_REG2_VALUE_H : PL2303_ATTACH_REG2_VALUE,
                                   PL2303_TAG_NONE, out);
}

/* pl2303_open(): the bulk pipes reset. The legacy H has its bulk endpoints' halts cleared instead,
 * which are not control requests of the chip's (libusb_clear_halt()) and not done here. */
static int pl2303_open(ChipPort *p, SerialRequests *out)
{
        int r;

        if (model(p)->legacy)
                return 0;
        if (model(p)->hxn)
                return pl2303_vendor_write(p, PL2303_HXN_RESET_REG, PL2303_HXN_RESET_PIPES, PL2303_TAG_NONE,
                                           out);
        r = pl2303_vendor_write(p, PL2303_RESET_UPSTREAM_REG, 0, PL2303_TAG_NONE, out);
        if (r < 0)
                return r;
        return pl2303_vendor_write(p, PL2303_RESET_DOWNSTREAM_REG, 0, PL2303_TAG_NONE, out);
}

/* pl2303_close(): the break off, always. */
static int pl2303_close(ChipPort *p, SerialRequests *out)
{
        (void)p;
        return serial_requests_add(out, PL2303_CLASS_OUT, PL2303_BREAK, PL2303_BREAK_OFF, 0, NULL, 0);
}

static void pl2303_line(ChipPort *p, const LineCoding *lc, uint8_t line[static LINE_CODING_SIZE])
{
        /* The kernel's pl2303 reports the rate the divisor makes. */
        p->rate_set = p->rate_report = pl2303_encode_rate(model(p), lc->rate, line);
        line[PL2303_LINE_STOP] = lc->stop_bits != LINE_CODING_STOP_BITS_2 ? 0
                                 : lc->data_bits == PL2303_DATA_BITS_5    ? PL2303_LINE_STOP_1_5
                                                                          : PL2303_LINE_STOP_2;
        line[PL2303_LINE_PARITY] = lc->parity;
        line[PL2303_LINE_DATA_BITS] = lc->data_bits;
}

/* The flow control register's value for lc (pl2303_set_termios()'s last step). IXANY, which turns the
 * chip's XON/XOFF off in the kernel, does not reach drvhost-serial: taken as off. */
static uint8_t pl2303_flow(const ChipPort *p, const LineCoding *lc)
{
        if (lc->rtscts)
                return model(p)->flow_rtscts;
        if (lc->ixon && model(p)->auto_xonxoff && lc->xon == PL2303_XON && lc->xoff == PL2303_XOFF)
                return model(p)->flow_xonxoff;
        return model(p)->flow_none;
}

/* As pl2303_set_termios(): nothing unless the rate, c_cflag's hardware part, IXON or the flow
 * characters changed; else GET_LINE, SET_LINE if the 7 bytes differ from the last set (always at an
 * open), and the flow register read and written back. The 7 bytes are all made here: the kernel keeps
 * GET_LINE's rate bytes only for B0, which drvhost-serial turns into the lines dropping instead. */
static int pl2303_coding(ChipPort *p, const LineCoding *want, const LineCoding *sent, SerialRequests *out)
{
        uint8_t line[LINE_CODING_SIZE];
        int r;

        if (sent && !line_coding_hw_change(want, sent) && want->ixon == sent->ixon &&
            want->xon == sent->xon && want->xoff == sent->xoff)
                return 0;
        r = serial_requests_add(out, PL2303_CLASS_IN, PL2303_GET_LINE, 0, 0, NULL, LINE_CODING_SIZE);
        if (r < 0)
                return r;
        pl2303_line(p, want, line);
        if (!sent || memcmp(line, p->saved + PL2303_SAVED_LINE, sizeof(line)) != 0) {
                r = serial_requests_add(out, PL2303_CLASS_OUT, PL2303_SET_LINE, 0, 0, line, sizeof(line));
                if (r < 0)
                        return r;
                memcpy(p->saved + PL2303_SAVED_LINE, line, sizeof(line));
        }
        r = pl2303_vendor_read(p, model(p)->hxn ? model(p)->flow_reg : model(p)->flow_reg | PL2303_READ_FLAG,
                               PL2303_TAG_FLOW_READ, out);
        if (r < 0)
                return r;
        /* wIndex holds the bits to set until prepare() merges them into what the read found. */
        return pl2303_vendor_write(p, model(p)->flow_reg, pl2303_flow(p, want), PL2303_TAG_FLOW_WRITE, out);
}

/* pl2303_tiocmset(), pl2303_dtr_rts(): SET_CONTROL, even when nothing changes. */
static int pl2303_lines(ChipPort *p, unsigned set, unsigned clear, SerialRequests *out)
{
        unsigned lines = (p->lines & ~clear) | set;

        return serial_requests_add(out, PL2303_CLASS_OUT, PL2303_SET_CONTROL,
                                   (lines & SERIAL_LINE_DTR ? PL2303_CONTROL_DTR : 0) |
                                           (lines & SERIAL_LINE_RTS ? PL2303_CONTROL_RTS : 0),
                                   0, NULL, 0);
}

static int pl2303_break(ChipPort *p, bool on, SerialRequests *out)
{
        (void)p;
        return serial_requests_add(out, PL2303_CLASS_OUT, PL2303_BREAK,
                                   on ? PL2303_BREAK_ON : PL2303_BREAK_OFF, 0, NULL, 0);
}

static void pl2303_reply(ChipPort *p, const SerialRequest *req, const uint8_t *data, size_t n)
{
        /* A short answer is an error to the kernel: nothing taken from it. */
        if (n < PL2303_VENDOR_READ_SIZE)
                return;
        switch (req->tag) {
        case PL2303_TAG_TEST:
                p->detect = PL2303_DETECT_DONE; /* it answered: TA or TB as probe() guessed */
                break;
        case PL2303_TAG_FLOW_READ:
                p->saved[PL2303_SAVED_FLOW] = data[0];
                p->saved_valid = true;
                break;
        }
}

static void pl2303_prepare(ChipPort *p, SerialRequest *req)
{
        if (req->tag == PL2303_TAG_TEST) {
                p->detect = PL2303_DETECT_SENT;
                return;
        }
        if (p->detect == PL2303_DETECT_SENT) {
                /* The test read failed (reply() never saw it): an HXN, as pl2303_detect_type() decides. */
                p->model = pl2303_model_hxn();
                p->detect = PL2303_DETECT_DONE;
        }
        /* Requests made for the type guessed before the test read: an HXN takes none of them (it has
         * other vendor requests and no attach sequence). */
        if (model(p)->hxn && (req->request_type & PL2303_REQUEST_TYPE_MASK) == LIBUSB_REQUEST_TYPE_VENDOR &&
            (req->request == PL2303_VENDOR_READ || req->request == PL2303_VENDOR_WRITE)) {
                req->skip = true;
                return;
        }
        switch (req->tag) {
        case PL2303_TAG_FLOW_READ:
                p->saved_valid = false;
                break;
        case PL2303_TAG_FLOW_WRITE:
                /* pl2303_update_reg(): the write only after a read that answered. */
                req->skip = !p->saved_valid;
                p->saved_valid = false;
                req->index = (p->saved[PL2303_SAVED_FLOW] & (uint8_t)~model(p)->flow_mask) |
                             (req->index & model(p)->flow_mask);
                break;
        }
}

/* pl2303_update_line_status(): the status byte of the interrupt packet. */
static int pl2303_notify(ChipPort *p, const uint8_t *buf, size_t n)
{
        uint8_t status;
        uint32_t msr;

        if (n <= PL2303_STATUS_INDEX)
                return -EBADMSG;
        status = buf[PL2303_STATUS_INDEX];
        msr = (status & PL2303_STATUS_CTS ? TIOCM_CTS : 0) | (status & PL2303_STATUS_DSR ? TIOCM_DSR : 0) |
              (status & PL2303_STATUS_RI ? TIOCM_RI : 0) | (status & PL2303_STATUS_DCD ? TIOCM_CAR : 0);
        if (msr == p->msr)
                return 0;
        p->msr = msr;
        return 1;
}

const SerialChip chip_pl2303 = {
        .name = "pl2303",
        .description = "Prolific PL2303 (H, HX, HXD, TA, TB, G)",
        .probe = pl2303_probe,
        .start = pl2303_start,
        .open = pl2303_open,
        .close = pl2303_close,
        .coding = pl2303_coding,
        .lines = pl2303_lines,
        .brk = pl2303_break,
        .notify = pl2303_notify,
        .reply = pl2303_reply,
        .prepare = pl2303_prepare,
        .coding_at_open = true,
};
