/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The USB-serial chips' protocols against what the kernel's drivers send (Linux 6.1's ftdi_sio and
 * cp210x, whose encoders gave the expected values): FTDI's divisors for every divisor kind and its
 * requests for an open, line settings, the lines, a break and its status bytes; CP210x's rates by part,
 * its requests for an open, its flow block and its event mode. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>

#include <cmocka.h>

#include "chip-models.h"
#include "chips.h"
#include "ftdi-baud.h"
#include "serial-chip.h"

/* A pty's default termios after the tty core: 9600 8N1, ICRNL IXON, ^Q/^S. */
static LineCoding coding_with(tcflag_t cflag, speed_t speed, tcflag_t iflag)
{
        struct termios2 t = {.c_cflag = cflag | CREAD | HUPCL | CLOCAL, .c_iflag = iflag, .c_ospeed = speed};
        LineCoding lc;

        t.c_cc[VSTART] = 0x11;
        t.c_cc[VSTOP] = 0x13;
        assert_int_equal(line_coding_from_termios(&t, &lc), 0);
        return lc;
}

static void assert_request(const SerialRequest *r, uint8_t type, uint8_t request, uint16_t value, uint16_t index,
                           uint16_t length)
{
        assert_int_equal(r->request_type, type);
        assert_int_equal(r->request, request);
        assert_int_equal(r->value, value);
        assert_int_equal(r->index, index);
        assert_int_equal(r->length, length);
}

static void test_ftdi_divisors(void **state)
{
        static const struct {
                uint16_t release;
                uint32_t rate, divisor;
        } cases[] = {
                {0x0600, 9600, 0x04138},   {0x0600, 115200, 0x0001a}, {0x0600, 57600, 0x0c034},
                {0x0600, 250000, 0x0000c}, {0x0600, 921600, 0x08003}, {0x0600, 3000000, 0},
                {0x0600, 2000000, 1},      {0x0700, 9600, 0x204e2},   {0x0700, 115200, 0x2c068},
                {0x0700, 57600, 0x300d0},  {0x0700, 300, 0x02710},    {0x0700, 12000000, 0x20000},
                {0x0200, 2000000, 0x4001}, {0x0200, 9600, 0x4138},    {0x0100, 115200, 9},
        };
        uint32_t divisor, rate;

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                const FtdiModel *m = ftdi_model_find(cases[i].release);

                assert_non_null(m);
                assert_int_equal(ftdi_divisor(m, cases[i].rate, &divisor, &rate), 0);
                assert_int_equal(divisor, cases[i].divisor);
                assert_int_equal(rate, cases[i].rate);
        }
        /* Too fast for a full-speed chip, and a rate the SIO has no code for: 9600, as ftdi_sio. */
        assert_int_equal(ftdi_divisor(ftdi_model_find(0x0600), 4000000, &divisor, &rate), 0);
        assert_int_equal(rate, FTDI_RATE_FALLBACK);
        assert_int_equal(divisor, 0x04138);
        assert_int_equal(ftdi_divisor(ftdi_model_find(0x0100), 250000, &divisor, &rate), 0);
        assert_int_equal(rate, FTDI_RATE_FALLBACK);
        assert_int_equal(ftdi_divisor(ftdi_model_find(0x0600), 0, &divisor, &rate), -EINVAL);
        /* A release ftdi_sio refuses. */
        assert_null(ftdi_model_find(0x0650));
}

static ChipPort ftdi_port(uint16_t release, uint8_t interface)
{
        return (ChipPort){.chip = &chip_ftdi, .model = ftdi_model_find(release),
                          .ep = {.interface = interface, .bulk_in_max_packet = 64}};
}

static void test_ftdi_open_and_settings(void **state)
{
        ChipPort p = ftdi_port(0x0700, 1); /* FT2232H, channel B */
        LineCoding def = coding_with(B9600 | CS8, 9600, IXON), raw = coding_with(B115200 | CS8, 115200, 0),
                   e71 = coding_with(B115200 | CS7 | PARENB, 115200, 0);
        SerialRequests out = {};

        assert_int_equal(chip_ftdi.open(&p, &out), 0);
        assert_int_equal(chip_ftdi.coding(&p, &def, NULL, &out), 0);
        assert_int_equal(out.n, 4);
        assert_request(&out.r[0], 0x40, 0x00, 0x0000, 0x0002, 0);
        assert_request(&out.r[1], 0x40, 0x04, 0x0008, 0x0002, 0);
        assert_request(&out.r[2], 0x40, 0x03, 0x04e2, 0x0202, 0);
        assert_request(&out.r[3], 0x40, 0x02, 0x1311, 0x0402, 0); /* the default termios has IXON */

        /* pyserial's raw 115200: the same format, so no SET_DATA; the rate; flow control off. */
        out = (SerialRequests){};
        assert_int_equal(chip_ftdi.coding(&p, &raw, &def, &out), 0);
        assert_int_equal(out.n, 2);
        assert_request(&out.r[0], 0x40, 0x03, 0xc068, 0x0202, 0);
        assert_request(&out.r[1], 0x40, 0x02, 0x0000, 0x0002, 0);

        out = (SerialRequests){};
        assert_int_equal(chip_ftdi.coding(&p, &e71, &raw, &out), 0);
        assert_int_equal(out.n, 3);
        assert_request(&out.r[0], 0x40, 0x04, 0x0207, 0x0002, 0);

        /* Nothing of c_cflag changed: flow control alone, as every tcsetattr() sends it. */
        out = (SerialRequests){};
        assert_int_equal(chip_ftdi.coding(&p, &e71, &e71, &out), 0);
        assert_int_equal(out.n, 1);
        assert_request(&out.r[0], 0x40, 0x02, 0x0000, 0x0002, 0);

        /* The break keeps the format. */
        out = (SerialRequests){};
        assert_int_equal(chip_ftdi.brk(&p, true, &out), 0);
        assert_int_equal(chip_ftdi.brk(&p, false, &out), 0);
        assert_request(&out.r[0], 0x40, 0x04, 0x4207, 0x0002, 0);
        assert_request(&out.r[1], 0x40, 0x04, 0x0207, 0x0002, 0);
}

static void test_ftdi_lines_and_status(void **state)
{
        ChipPort p = ftdi_port(0x0600, 0); /* FT232R: no channel */
        uint8_t in[] = {0x31, 0x60, 'a', 'b', 0x01, 0x60}; /* CTS DSR, then DSR gone */
        SerialRequests out = {};

        assert_int_equal(chip_ftdi.lines(&p, SERIAL_LINES, 0, &out), 0);
        assert_int_equal(chip_ftdi.lines(&p, SERIAL_LINE_DTR, 0, &out), 0);
        assert_int_equal(chip_ftdi.lines(&p, 0, SERIAL_LINE_RTS, &out), 0);
        assert_int_equal(chip_ftdi.hangup(&p, &out), 0);
        assert_int_equal(chip_ftdi.lines(&p, 0, SERIAL_LINES, &out), 0);
        assert_int_equal(out.n, 5);
        assert_request(&out.r[0], 0x40, 0x01, 0x0303, 0, 0);
        assert_request(&out.r[1], 0x40, 0x01, 0x0101, 0, 0);
        assert_request(&out.r[2], 0x40, 0x01, 0x0200, 0, 0);
        assert_request(&out.r[3], 0x40, 0x02, 0x0000, 0, 0);
        assert_request(&out.r[4], 0x40, 0x01, 0x0300, 0, 0);

        /* Two packets of a 4-byte endpoint: status bytes out, the last status kept. */
        p.ep.bulk_in_max_packet = 4;
        assert_int_equal(chip_ftdi.in_data(&p, in, sizeof(in)), 2);
        assert_memory_equal(in, "ab", 2);
        assert_int_equal(p.msr, 0);
        in[4] = 0xb0;
        assert_int_equal(chip_ftdi.in_data(&p, in + 4, 2), 0);
        assert_int_equal(p.msr, TIOCM_CTS | TIOCM_DSR | TIOCM_CAR);
}

static void test_cp210x_rates(void **state)
{
        const Cp210xModel *cp2102 = cp210x_model_find(0x02, 0), *cp2104 = cp210x_model_find(0x04, 0),
                          *sci = cp210x_model_find(0x05, 1), *unknown = cp210x_model_find(0x7f, 0);

        assert_int_equal(cp210x_rate(cp2102, 31250), 38400);
        assert_int_equal(cp210x_rate(cp2102, 100000), 115200);
        assert_int_equal(cp210x_rate(cp2102, 1500000), 1000000);
        assert_int_equal(cp210x_rate(cp2102, 250000), 250000);
        assert_int_equal(cp210x_rate(cp2104, 115200), 115384);
        assert_int_equal(cp210x_rate(cp2104, 31250), 31250);
        assert_int_equal(cp210x_rate(cp2104, 300), 300);
        assert_int_equal(cp210x_rate(sci, 1200), 2400);
        assert_string_equal(unknown->name, "CP210x");
}

static void test_cp210x_open_and_flow(void **state)
{
        ChipPort p = {.chip = &chip_cp210x, .model = cp210x_model_find(0x02, 0), .ep = {.interface = 1}};
        LineCoding def = coding_with(B9600 | CS8, 9600, IXON), rts = coding_with(B9600 | CS8 | CRTSCTS, 9600, 0);
        static const uint8_t rate_9600[] = {0x80, 0x25, 0, 0}, chars[] = {0, 0, 0, 0, 0x11, 0x13};
        uint8_t flow[16] = {0x01, 0, 0, 0, 0x40, 0, 0, 0};
        SerialRequests out = {};

        assert_int_equal(chip_cp210x.open(&p, &out), 0);
        assert_int_equal(chip_cp210x.coding(&p, &def, NULL, &out), 0);
        assert_int_equal(out.n, 6);
        assert_request(&out.r[0], 0x41, 0x00, 0x0001, 1, 0);
        assert_request(&out.r[1], 0x41, 0x1e, 0, 1, 4);
        assert_memory_equal(out.r[1].data, rate_9600, sizeof(rate_9600));
        assert_request(&out.r[2], 0x41, 0x03, 0x0800, 1, 0);
        assert_request(&out.r[3], 0x41, 0x19, 0, 1, 6);
        assert_memory_equal(out.r[3].data, chars, sizeof(chars));
        assert_request(&out.r[4], 0xc1, 0x14, 0, 1, 16);
        assert_request(&out.r[5], 0x41, 0x13, 0, 1, 16);

        /* The flow block read back, changed as cp210x does: lines down, XON/XOFF on the transmit side. */
        chip_cp210x.reply(&p, &out.r[4], flow, sizeof(flow));
        chip_cp210x.prepare(&p, &out.r[5]);
        assert_int_equal(out.r[5].data[0], 0x00);
        assert_int_equal(out.r[5].data[4], 0x01);

        /* RTS/CTS with the lines up: handshake on, RTS the chip's; RTS then goes through the block. */
        p.lines = SERIAL_LINES;
        out = (SerialRequests){};
        assert_int_equal(chip_cp210x.coding(&p, &rts, &def, &out), 0);
        assert_int_equal(out.n, 3);
        assert_request(&out.r[0], 0x41, 0x03, 0x0800, 1, 0);
        chip_cp210x.prepare(&p, &out.r[2]);
        assert_int_equal(out.r[2].data[0], 0x01 | 0x08);
        assert_int_equal(out.r[2].data[4], 0x80);
        out = (SerialRequests){};
        assert_int_equal(chip_cp210x.lines(&p, SERIAL_LINE_RTS, 0, &out), 0);
        assert_request(&out.r[0], 0xc1, 0x14, 0, 1, 16);
        assert_int_equal(chip_cp210x.lines(&p, 0, SERIAL_LINE_DTR, &out), 0);
        assert_request(&out.r[2], 0x41, 0x07, 0x0100, 1, 0);

        /* A change of nothing the chip is told of: no request. */
        out = (SerialRequests){};
        assert_int_equal(chip_cp210x.coding(&p, &rts, &rts, &out), 0);
        assert_int_equal(out.n, 0);
}

static void test_cp210x_event_mode(void **state)
{
        ChipPort p = {.chip = &chip_cp210x, .model = cp210x_model_find(0x02, 0)};
        LineCoding plain = coding_with(B9600 | CS8, 9600, 0), inpck = coding_with(B9600 | CS8, 9600, INPCK);
        uint8_t in[] = {'a', 0xec, 0x00, 'b', 0xec, 0x01, 0x04, 'c', 0xec, 0x02, 0x08, 0xec};
        uint8_t rest[] = {0x03, 0xb0, 'd'};
        SerialRequests out = {};

        assert_int_equal(chip_cp210x.in_data(&p, in, 3), 3); /* not in event mode: all data */
        assert_int_equal(chip_cp210x.coding(&p, &inpck, &plain, &out), 0);
        assert_request(&out.r[out.n - 1], 0x41, 0x15, 0x00ec, 0, 0);
        assert_int_equal(chip_cp210x.in_data(&p, in, sizeof(in)), 4);
        assert_memory_equal(in, "a\xec" "bc", 4);
        /* The escape cut by the end of the transfer goes on in the next. */
        assert_int_equal(chip_cp210x.in_data(&p, rest, sizeof(rest)), 1);
        assert_int_equal(rest[0], 'd');
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_ftdi_divisors),
            cmocka_unit_test(test_ftdi_open_and_settings),
            cmocka_unit_test(test_ftdi_lines_and_status),
            cmocka_unit_test(test_cp210x_rates),
            cmocka_unit_test(test_cp210x_open_and_flow),
            cmocka_unit_test(test_cp210x_event_mode),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
