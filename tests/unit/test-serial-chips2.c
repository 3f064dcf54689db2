/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* CH34x and PL2303 against what Linux 6.1.192's ch341 and pl2303 send (/work/notes/chips-spec.md §3,
 * §4 and §7: the divisors come from the kernel's own encoder functions): the rate encodings, the
 * PL2303 types by descriptor, and the requests for start-up, an open with the default termios, a
 * termios change, TIOCMBIS/BIC, a break, a close and a status packet. The requests go through a small
 * stand-in for serial-control.c's queue (prepare(), skip, reply()) and a fake device's answers. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>

#include <cmocka.h>

#include "ch341-baud.h"
#include "chip-models.h"
#include "chips.h"
#include "pl2303-baud.h"
#include "serial-chip.h"

enum {
        SENT_MAX = 32,
        IN = 0x80,
};

static LineCoding coding_with(tcflag_t cflag, speed_t speed, tcflag_t iflag)
{
        struct termios2 t = {.c_cflag = cflag | CREAD | HUPCL | CLOCAL, .c_iflag = iflag, .c_ospeed = speed};
        LineCoding lc;

        t.c_cc[VSTART] = 0x11;
        t.c_cc[VSTOP] = 0x13;
        assert_int_equal(line_coding_from_termios(&t, &lc), 0);
        return lc;
}

/* What the fake device answers; a read it does not answer stalls (reply() is not called). */
typedef struct FakeDevice {
        uint8_t ch341_version, ch341_status, break_reg, lcr_reg;
        bool break_stalls;
        bool hx_status_answers;
        uint8_t flow_reg;
        bool flow_stalls;
        SerialRequest sent[SENT_MAX];
        unsigned n_sent;
} FakeDevice;

static size_t fake_answer(const FakeDevice *d, const SerialRequest *r, uint8_t *buf)
{
        memset(buf, 0, SERIAL_REQUEST_DATA_MAX);
        switch (r->request_type << 8 | r->request) {
        case 0xc05f: /* CH341 READ_VERSION */
                buf[0] = d->ch341_version;
                return 2;
        case 0xc095: /* CH341 READ_REG */
                if (r->value == 0x0706)
                        buf[0] = d->ch341_status;
                if (r->value == 0x1805) {
                        if (d->break_stalls)
                                return 0;
                        buf[0] = d->break_reg;
                        buf[1] = d->lcr_reg;
                }
                return 2;
        case 0xc001: /* PL2303 vendor read */
                if (r->value == 0x8080)
                        return d->hx_status_answers ? 1 : 0;
                buf[0] = d->flow_reg;
                return d->flow_stalls && r->value == 0x0080 ? 0 : 1;
        case 0xc081: /* PL2303 HXN vendor read */
                buf[0] = d->flow_reg;
                return 1;
        case 0xa121: /* PL2303 GET_LINE */
                return 7;
        default:
                return 0;
        }
}

/* Sends out as serial-control.c does: prepare() each request just before it goes, drop it if it says
 * skip, hand an IN request's answer to reply(). */
static void run(ChipPort *p, FakeDevice *d, SerialRequests *out)
{
        for (unsigned i = 0; i < out->n; i++) {
                SerialRequest r = out->r[i];
                uint8_t buf[SERIAL_REQUEST_DATA_MAX];
                size_t n;

                if (p->chip->prepare)
                        p->chip->prepare(p, &r);
                if (r.skip)
                        continue;
                assert_true(d->n_sent < SENT_MAX);
                d->sent[d->n_sent++] = r;
                if (!(r.request_type & IN))
                        continue;
                n = fake_answer(d, &r, buf);
                if (n > 0 && p->chip->reply)
                        p->chip->reply(p, &r, buf, n);
        }
        *out = (SerialRequests){};
}

/* The port's lines as serial-control.c keeps them. */
static void lines(ChipPort *p, FakeDevice *d, unsigned set, unsigned clear)
{
        SerialRequests out = {};

        assert_int_equal(p->chip->lines(p, set, clear, &out), 0);
        p->lines = (p->lines & ~clear) | set;
        run(p, d, &out);
}

/* Checks the requests sent since the last check, and forgets them. */
static void assert_sent(FakeDevice *d, unsigned n, ...)
{
        va_list ap;

        assert_int_equal(d->n_sent, n);
        va_start(ap, n);
        for (unsigned i = 0; i < n; i++) {
                const SerialRequest *r = &d->sent[i];

                assert_int_equal(r->request_type, va_arg(ap, int));
                assert_int_equal(r->request, va_arg(ap, int));
                assert_int_equal(r->value, va_arg(ap, int));
                assert_int_equal(r->index, va_arg(ap, int));
                assert_int_equal(r->length, va_arg(ap, int));
        }
        va_end(ap);
        d->n_sent = 0;
}

static void test_ch341_divisors(void **state)
{
        static const struct {
                uint32_t rate;
                uint16_t value;
        } cases[] = {
                {46, 0x0100},      {300, 0xd900},      {9600, 0xb202},    {31250, 0x4003},
                {57600, 0x9803},   {100000, 0xc403},   {115200, 0xcc03},  {250000, 0xe803},
                {921600, 0xf307},  {1000000, 0xfa03},  {1500000, 0xfc03}, {2000000, 0xfd03},
                {3000000, 0xfe03}, {12000000, 0xfe03}, {10, 0x0100},
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                assert_int_equal(ch341_divisor(cases[i].rate, false), cases[i].value);
                /* §7: the limited prescaler gives the same for these rates. */
                assert_int_equal(ch341_divisor(cases[i].rate, true), cases[i].value);
        }
}

static ChipPort ch341_started(FakeDevice *d)
{
        ChipPort p = {.chip = &chip_ch341};
        SerialRequests out = {};

        assert_int_equal(chip_ch341.start(&p, &out), 0);
        run(&p, d, &out);
        return p;
}

static void test_ch341_start(void **state)
{
        FakeDevice d = {.ch341_version = 0x31};
        ChipPort p = ch341_started(&d);
        LineCoding raw = coding_with(B115200 | CS8, 115200, 0);
        SerialRequests out = {};

        assert_int_equal(p.version, 0x31);
        assert_sent(&d, 6, 0xc0, 0x5f, 0, 0, 2, 0x40, 0xa1, 0, 0, 0, 0x40, 0x9a, 0x1312, 0xb282, 0, 0x40,
                    0x9a, 0x2518, 0x00c3, 0, 0x40, 0xa4, 0xffff, 0, 0, 0xc0, 0x95, 0x0005, 0, 2);

        /* Version 0x27: the rate without the no-buffering bit, and no line control at all. */
        d = (FakeDevice){.ch341_version = 0x27};
        p = ch341_started(&d);
        assert_sent(&d, 5, 0xc0, 0x5f, 0, 0, 2, 0x40, 0xa1, 0, 0, 0, 0x40, 0x9a, 0x1312, 0xb202, 0, 0x40,
                    0xa4, 0xffff, 0, 0, 0xc0, 0x95, 0x0005, 0, 2);
        /* ... also for what the port asks later. */
        assert_int_equal(chip_ch341.coding(&p, &raw, NULL, &out), 0);
        run(&p, &d, &out);
        assert_sent(&d, 3, 0x40, 0x9a, 0x1312, 0xcc03, 0, 0x40, 0xa4, 0xffff, 0, 0, 0xc0, 0x95, 0x0706, 0,
                    2);
}

static void test_ch341_open_and_settings(void **state)
{
        /* CTS and DCD active: low on the wire. */
        FakeDevice d = {.ch341_version = 0x31, .ch341_status = (uint8_t) ~(0x01 | 0x08)};
        ChipPort p = ch341_started(&d);
        LineCoding def = coding_with(B9600 | CS8, 9600, ICRNL | IXON),
                   e71 = coding_with(B115200 | CS7 | PARENB, 115200, 0), e71_local = e71, e71_raw = e71,
                   space = coding_with(B300 | CS5 | PARENB | CMSPAR | CSTOPB, 300, 0);
        SerialRequests out = {};

        d.n_sent = 0;
        /* Open: set_termios(NULL), the status read, then the port raises DTR and RTS. */
        assert_int_equal(chip_ch341.coding(&p, &def, NULL, &out), 0);
        run(&p, &d, &out);
        lines(&p, &d, SERIAL_LINES, 0);
        assert_sent(&d, 5, 0x40, 0x9a, 0x1312, 0xb282, 0, 0x40, 0x9a, 0x2518, 0x00c3, 0, 0x40, 0xa4, 0xffff,
                    0, 0, 0xc0, 0x95, 0x0706, 0, 2, 0x40, 0xa4, 0xff9f, 0, 0);
        assert_int_equal(p.msr, TIOCM_CTS | TIOCM_CAR);

        /* 115200 7E1: rate, line control, and the lines again. */
        assert_int_equal(chip_ch341.coding(&p, &e71, &def, &out), 0);
        run(&p, &d, &out);
        assert_sent(&d, 3, 0x40, 0x9a, 0x1312, 0xcc83, 0, 0x40, 0x9a, 0x2518, 0x00da, 0, 0x40, 0xa4, 0xff9f,
                    0, 0);
        assert_int_equal(p.rate_set, 115200);

        /* CLOCAL, or IXON, alone: nothing (tty_termios_hw_change()). */
        e71_local.cflag &= ~(uint32_t)CLOCAL;
        e71_raw.ixon = true;
        assert_int_equal(chip_ch341.coding(&p, &e71_local, &e71, &out), 0);
        assert_int_equal(chip_ch341.coding(&p, &e71_raw, &e71, &out), 0);
        assert_int_equal(out.n, 0);

        /* Space parity, 5 bits, 2 stop bits. */
        assert_int_equal(chip_ch341.coding(&p, &space, &e71, &out), 0);
        run(&p, &d, &out);
        assert_sent(&d, 3, 0x40, 0x9a, 0x1312, 0xd980, 0, 0x40, 0x9a, 0x2518, 0x00fc, 0, 0x40, 0xa4, 0xff9f,
                    0, 0);

        /* TIOCMBIC DTR, TIOCMBIS DTR, TIOCMBIC RTS; then the close drops both: always sent. */
        lines(&p, &d, 0, SERIAL_LINE_DTR);
        lines(&p, &d, SERIAL_LINE_DTR, 0);
        lines(&p, &d, 0, SERIAL_LINE_RTS);
        lines(&p, &d, 0, SERIAL_LINES);
        lines(&p, &d, 0, SERIAL_LINES);
        assert_sent(&d, 5, 0x40, 0xa4, 0xffbf, 0, 0, 0x40, 0xa4, 0xff9f, 0, 0, 0x40, 0xa4, 0xffdf, 0, 0,
                    0x40, 0xa4, 0xffff, 0, 0, 0x40, 0xa4, 0xffff, 0, 0);
}

static void test_ch341_break_and_status(void **state)
{
        FakeDevice d = {.ch341_version = 0x31, .break_reg = 0x01, .lcr_reg = 0xc3};
        ChipPort p = ch341_started(&d);
        uint8_t packet[] = {0x08, 0x7d, 0x94 | 0x0f, 0xee}; /* all lines inactive */
        SerialRequests out = {};

        d.n_sent = 0;
        assert_int_equal(chip_ch341.brk(&p, true, &out), 0);
        run(&p, &d, &out);
        d.break_reg = 0x00;
        d.lcr_reg = 0x83;
        assert_int_equal(chip_ch341.brk(&p, false, &out), 0);
        run(&p, &d, &out);
        assert_sent(&d, 4, 0xc0, 0x95, 0x1805, 0, 2, 0x40, 0x9a, 0x1805, 0x8300, 0, 0xc0, 0x95, 0x1805, 0, 2,
                    0x40, 0x9a, 0x1805, 0xc301, 0);

        /* The read failed: the kernel writes nothing. */
        d.break_stalls = true;
        assert_int_equal(chip_ch341.brk(&p, true, &out), 0);
        run(&p, &d, &out);
        assert_sent(&d, 1, 0xc0, 0x95, 0x1805, 0, 2);

        /* Status packets: inverted byte 2; a short one is no status. */
        assert_int_equal(chip_ch341.notify(&p, packet, sizeof(packet)), 0);
        packet[2] = 0x94 | 0x0f;
        packet[2] &= (uint8_t) ~(0x02 | 0x04); /* DSR and RI active */
        assert_int_equal(chip_ch341.notify(&p, packet, sizeof(packet)), 1);
        assert_int_equal(p.msr, TIOCM_DSR | TIOCM_RI);
        assert_int_equal(chip_ch341.notify(&p, packet, sizeof(packet)), 0);
        assert_int_equal(chip_ch341.notify(&p, packet, 3), -EBADMSG);
}

static void assert_rate(const Pl2303Model *m, uint32_t rate, const uint8_t *want, uint32_t reported)
{
        uint8_t buf[PL2303_RATE_SIZE];

        assert_int_equal(pl2303_encode_rate(m, rate, buf), reported);
        assert_memory_equal(buf, want, PL2303_RATE_SIZE);
}

static void test_pl2303_types_and_rates(void **state)
{
        bool test;
        const Pl2303Model *h = pl2303_model_detect(0x02, 0x40, 0x0110, 0x0300, &test),
                          *hx = pl2303_model_detect(0, 0x40, 0x0110, 0x0300, &test),
                          *hxd = pl2303_model_detect(0, 0x40, 0x0101, 0x0400, &test),
                          *hxn = pl2303_model_detect(0, 0x40, 0x0200, 0x0405, &test), *ta;

        assert_string_equal(h->name, "H");
        assert_string_equal(pl2303_model_detect(0, 0x08, 0x0110, 0x0300, &test)->name, "H");
        assert_string_equal(hx->name, "HX");
        assert_string_equal(hxd->name, "HXD");
        assert_string_equal(hxn->name, "G");
        assert_false(test);
        ta = pl2303_model_detect(0, 0x40, 0x0200, 0x0300, &test);
        assert_string_equal(ta->name, "TA");
        assert_true(test);
        assert_string_equal(pl2303_model_detect(0, 0x40, 0x0200, 0x0500, &test)->name, "TB");
        assert_null(pl2303_model_detect(0, 0x40, 0x0200, 0x0800, &test));
        assert_null(pl2303_model_detect(0, 0x40, 0x0300, 0x0300, &test));

        /* §4.3 and §7. */
        assert_rate(hx, 9600, (const uint8_t[]){0x80, 0x25, 0x00, 0x00}, 9600);
        assert_rate(hxn, 9600, (const uint8_t[]){0x80, 0x25, 0x00, 0x00}, 9600);
        assert_rate(ta, 115200, (const uint8_t[]){0x00, 0xc2, 0x01, 0x00}, 115200);
        assert_rate(hx, 250000, (const uint8_t[]){0x80, 0x03, 0x00, 0x80}, 250000);
        assert_rate(ta, 250000, (const uint8_t[]){0x00, 0x06, 0x00, 0x80}, 250000);
        assert_rate(hxn, 250000, (const uint8_t[]){0x90, 0xd0, 0x03, 0x00}, 250000);
        assert_rate(hx, 31250, (const uint8_t[]){0xc0, 0x06, 0x00, 0x80}, 31250);
        assert_rate(ta, 31250, (const uint8_t[]){0x00, 0x26, 0x01, 0x80}, 31250);
        assert_rate(hx, 100000, (const uint8_t[]){0xf0, 0x04, 0x00, 0x80}, 100000);
        assert_rate(ta, 100000, (const uint8_t[]){0x80, 0x07, 0x01, 0x80}, 100000);
        assert_rate(hx, 1000000, (const uint8_t[]){0x80, 0x01, 0x00, 0x80}, 1000000);
        assert_rate(ta, 1000000, (const uint8_t[]){0x80, 0x01, 0x00, 0x80}, 1000000);
        assert_rate(hx, 46, (const uint8_t[]){0xfd, 0x0f, 0x00, 0x80}, 46);
        assert_rate(ta, 46, (const uint8_t[]){0xf6, 0xc7, 0x00, 0x80}, 46);
        assert_rate(hx, 1500000, (const uint8_t[]){0x00, 0x01, 0x00, 0x80}, 1500000);
        assert_rate(hx, 2000000, (const uint8_t[]){0xc0, 0x00, 0x00, 0x80}, 2000000);
        assert_rate(hxd, 12000000, (const uint8_t[]){0x20, 0x00, 0x00, 0x80}, 12000000);
        /* Capped at the type's maximum, which is then a standard rate: direct. */
        assert_rate(hx, 12000000, (const uint8_t[]){0x80, 0x8d, 0x5b, 0x00}, 6000000);
        assert_rate(h, 2000000, (const uint8_t[]){0x00, 0xc0, 0x12, 0x00}, 1228800);
}

/* A PL2303 as probe() finds it: interrupt 0x81, bulk out 0x02, bulk in 0x83 on interface 0. */
static ChipPort pl2303_probed(uint16_t bcd_usb, uint16_t bcd_device)
{
        static const struct libusb_endpoint_descriptor eps[] = {
                {.bEndpointAddress = 0x81,
                 .bmAttributes = LIBUSB_TRANSFER_TYPE_INTERRUPT,
                 .wMaxPacketSize = 10},
                {.bEndpointAddress = 0x02, .bmAttributes = LIBUSB_TRANSFER_TYPE_BULK, .wMaxPacketSize = 64},
                {.bEndpointAddress = 0x83, .bmAttributes = LIBUSB_TRANSFER_TYPE_BULK, .wMaxPacketSize = 64},
        };
        static const struct libusb_interface_descriptor alt = {.bNumEndpoints = 3, .endpoint = eps};
        static const struct libusb_interface intf = {.altsetting = &alt, .num_altsetting = 1};
        const struct libusb_config_descriptor config = {.bNumInterfaces = 1, .interface = &intf};
        const struct libusb_device_descriptor dev = {
                .bMaxPacketSize0 = 0x40, .bcdUSB = bcd_usb, .bcdDevice = bcd_device};
        static const uint8_t granted[] = {0};
        ChipPort p = {.chip = &chip_pl2303};

        assert_int_equal(chip_pl2303.probe(&p, &dev, &config, granted, 1), 0);
        return p;
}

static void test_pl2303_hx(void **state)
{
        FakeDevice d = {.flow_reg = 0x31};
        ChipPort p = pl2303_probed(0x0110, 0x0300);
        LineCoding def = coding_with(B9600 | CS8, 9600, ICRNL | IXON),
                   raw = coding_with(B115200 | CS8, 115200, 0), raw_ixon = raw,
                   rts = coding_with(B115200 | CS8 | CRTSCTS, 115200, 0), raw_ixoff = raw;
        static const uint8_t line_9600[] = {0x80, 0x25, 0, 0, 0, 0, 8},
                             line_115200[] = {0, 0xc2, 1, 0, 0, 0, 8};
        SerialRequests out = {};

        assert_int_equal(chip_pl2303.start(&p, &out), 0);
        run(&p, &d, &out);
        assert_sent(&d, 11, 0xc0, 0x01, 0x8484, 0, 1, 0x40, 0x01, 0x0404, 0, 0, 0xc0, 0x01, 0x8484, 0, 1,
                    0xc0, 0x01, 0x8383, 0, 1, 0xc0, 0x01, 0x8484, 0, 1, 0x40, 0x01, 0x0404, 1, 0, 0xc0, 0x01,
                    0x8484, 0, 1, 0xc0, 0x01, 0x8383, 0, 1, 0x40, 0x01, 0x0000, 1, 0, 0x40, 0x01, 0x0001, 0,
                    0, 0x40, 0x01, 0x0002, 0x0044, 0);

        /* Open with the default termios: pipes reset, GET_LINE, SET_LINE, auto XON/XOFF, lines up. */
        assert_int_equal(chip_pl2303.open(&p, &out), 0);
        assert_int_equal(chip_pl2303.coding(&p, &def, NULL, &out), 0);
        run(&p, &d, &out);
        lines(&p, &d, SERIAL_LINES, 0);
        assert_sent(&d, 7, 0x40, 0x01, 0x0008, 0, 0, 0x40, 0x01, 0x0009, 0, 0, 0xa1, 0x21, 0, 0, 7, 0x21,
                    0x20, 0, 0, 7, 0xc0, 0x01, 0x0080, 0, 1, 0x40, 0x01, 0x0000, 0x00c1, 0, 0x21, 0x22,
                    0x0003, 0, 0);

        /* Raw 115200: a new line coding, flow control off. */
        assert_int_equal(chip_pl2303.coding(&p, &raw, &def, &out), 0);
        assert_memory_equal(out.r[1].data, line_115200, sizeof(line_115200));
        run(&p, &d, &out);
        assert_sent(&d, 4, 0xa1, 0x21, 0, 0, 7, 0x21, 0x20, 0, 0, 7, 0xc0, 0x01, 0x0080, 0, 1, 0x40, 0x01, 0,
                    0x0001, 0);

        /* IXON alone: the same 7 bytes, so no SET_LINE; XON/XOFF back on. IXOFF alone: nothing. */
        raw_ixon.ixon = true;
        raw_ixoff.ixoff = true;
        assert_int_equal(chip_pl2303.coding(&p, &raw_ixoff, &raw, &out), 0);
        assert_int_equal(out.n, 0);
        assert_int_equal(chip_pl2303.coding(&p, &raw_ixon, &raw, &out), 0);
        run(&p, &d, &out);
        assert_sent(&d, 3, 0xa1, 0x21, 0, 0, 7, 0xc0, 0x01, 0x0080, 0, 1, 0x40, 0x01, 0, 0x00c1, 0);

        /* RTS/CTS; the flow read failing: no write, as pl2303_update_reg(). */
        assert_int_equal(chip_pl2303.coding(&p, &rts, &raw_ixon, &out), 0);
        run(&p, &d, &out);
        d.flow_stalls = true;
        assert_int_equal(chip_pl2303.coding(&p, &raw, &rts, &out), 0);
        run(&p, &d, &out);
        assert_sent(&d, 5, 0xa1, 0x21, 0, 0, 7, 0xc0, 0x01, 0x0080, 0, 1, 0x40, 0x01, 0, 0x0061, 0, 0xa1,
                    0x21, 0, 0, 7, 0xc0, 0x01, 0x0080, 0, 1);

        /* An open again sends SET_LINE whatever it was. */
        d.flow_stalls = false;
        assert_int_equal(chip_pl2303.coding(&p, &def, NULL, &out), 0);
        assert_memory_equal(out.r[1].data, line_9600, sizeof(line_9600));
        assert_int_equal(chip_pl2303.coding(&p, &def, NULL, &out), 0);
        assert_int_equal(out.n, 8);
        out = (SerialRequests){};

        /* TIOCMBIC DTR, TIOCMBIS DTR; break on and off; the close: lines down, break off. */
        lines(&p, &d, 0, SERIAL_LINE_DTR);
        lines(&p, &d, SERIAL_LINE_DTR, 0);
        assert_int_equal(chip_pl2303.brk(&p, true, &out), 0);
        assert_int_equal(chip_pl2303.brk(&p, false, &out), 0);
        run(&p, &d, &out);
        lines(&p, &d, 0, SERIAL_LINES);
        assert_int_equal(chip_pl2303.close(&p, &out), 0);
        run(&p, &d, &out);
        assert_sent(&d, 6, 0x21, 0x22, 0x0002, 0, 0, 0x21, 0x22, 0x0003, 0, 0, 0x21, 0x23, 0xffff, 0, 0,
                    0x21, 0x23, 0x0000, 0, 0, 0x21, 0x22, 0x0000, 0, 0, 0x21, 0x23, 0x0000, 0, 0);
}

static void test_pl2303_ta_or_hxn(void **state)
{
        FakeDevice d = {.hx_status_answers = true, .flow_reg = 0xff};
        ChipPort p = pl2303_probed(0x0200, 0x0300);
        LineCoding def = coding_with(B9600 | CS8, 9600, ICRNL | IXON);
        SerialRequests out = {};

        /* The test read answers: a TA, with the attach sequence. */
        assert_int_equal(chip_pl2303.start(&p, &out), 0);
        run(&p, &d, &out);
        assert_int_equal(d.n_sent, 12);
        assert_int_equal(d.sent[0].value, 0x8080);
        assert_string_equal(((const Pl2303Model *)p.model)->name, "TA");
        d.n_sent = 0;

        /* It stalls: an HXN, which gets none of the attach sequence, and its own requests after. */
        d.hx_status_answers = false;
        p = pl2303_probed(0x0200, 0x0300);
        assert_int_equal(chip_pl2303.start(&p, &out), 0);
        run(&p, &d, &out);
        assert_sent(&d, 1, 0xc0, 0x01, 0x8080, 0, 1);
        assert_string_equal(((const Pl2303Model *)p.model)->name, "G");
        assert_int_equal(chip_pl2303.open(&p, &out), 0);
        assert_int_equal(chip_pl2303.coding(&p, &def, NULL, &out), 0);
        run(&p, &d, &out);
        assert_sent(&d, 5, 0x40, 0x80, 0x0007, 0x0003, 0, 0xa1, 0x21, 0, 0, 7, 0x21, 0x20, 0, 0, 7, 0xc0,
                    0x81, 0x000a, 0, 1, 0x40, 0x80, 0x000a, 0x00ef, 0);
}

static void test_pl2303_status(void **state)
{
        ChipPort p = pl2303_probed(0x0110, 0x0400);
        uint8_t packet[10] = {0xa1, 0x20, 0, 0, 0, 0, 0x02, 0, 0x83, 0};

        assert_int_equal(chip_pl2303.notify(&p, packet, sizeof(packet)), 1);
        assert_int_equal(p.msr, TIOCM_CAR | TIOCM_DSR | TIOCM_CTS);
        assert_int_equal(chip_pl2303.notify(&p, packet, sizeof(packet)), 0);
        packet[8] = 0x08 | 0x74; /* RI, and the transient error bits that are no modem status */
        assert_int_equal(chip_pl2303.notify(&p, packet, sizeof(packet)), 1);
        assert_int_equal(p.msr, TIOCM_RI);
        assert_int_equal(chip_pl2303.notify(&p, packet, 8), -EBADMSG);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_ch341_divisors),
                cmocka_unit_test(test_ch341_start),
                cmocka_unit_test(test_ch341_open_and_settings),
                cmocka_unit_test(test_ch341_break_and_status),
                cmocka_unit_test(test_pl2303_types_and_rates),
                cmocka_unit_test(test_pl2303_hx),
                cmocka_unit_test(test_pl2303_ta_or_hxn),
                cmocka_unit_test(test_pl2303_status),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
