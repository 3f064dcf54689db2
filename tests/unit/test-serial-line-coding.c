/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The serial driver's termios to CDC line coding translation: every Linux speed code, any rate through
 * BOTHER, character sizes, parity (mark and space included), stop bits, the hang-up speed B0 and speeds
 * that no kernel defines; the 7-byte wire format and the text shown in the unit's status. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "line-coding.h"

/* The cflag any test starts from: 9600 8N1 with the bits a pty always has. */
static struct termios2 termios_with(tcflag_t cflag, speed_t ospeed)
{
        return (struct termios2){.c_cflag = cflag | CREAD | HUPCL | CLOCAL, .c_ospeed = ospeed};
}

static LineCoding coding_of(tcflag_t cflag)
{
        struct termios2 t = termios_with(cflag, 0);
        LineCoding lc;

        assert_int_equal(line_coding_from_termios(&t, &lc), 0);
        return lc;
}

static const char *string_of(tcflag_t cflag, char buf[static LINE_CODING_STRING_MAX])
{
        LineCoding lc = coding_of(cflag);

        return line_coding_to_string(&lc, buf);
}

static void test_standard_rates(void **state)
{
        static const struct {
                speed_t code;
                uint32_t rate;
        } rates[] = {
            {B50, 50},           {B75, 75},           {B110, 110},         {B134, 134},
            {B150, 150},         {B200, 200},         {B300, 300},         {B600, 600},
            {B1200, 1200},       {B1800, 1800},       {B2400, 2400},       {B4800, 4800},
            {B9600, 9600},       {B19200, 19200},     {B38400, 38400},     {B57600, 57600},
            {B115200, 115200},   {B230400, 230400},   {B460800, 460800},   {B500000, 500000},
            {B576000, 576000},   {B921600, 921600},   {B1000000, 1000000}, {B1152000, 1152000},
            {B1500000, 1500000}, {B2000000, 2000000}, {B2500000, 2500000}, {B3000000, 3000000},
            {B3500000, 3500000}, {B4000000, 4000000},
        };

        for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
                /* c_ospeed disagrees on purpose: for a Bnnn code the code is what counts. */
                struct termios2 t = termios_with(rates[i].code | CS8, 1);
                LineCoding lc;

                assert_int_equal(line_coding_from_termios(&t, &lc), 0);
                assert_int_equal(lc.rate, rates[i].rate);
                assert_int_equal(lc.data_bits, 8);
                assert_int_equal(lc.parity, LINE_CODING_PARITY_NONE);
                assert_int_equal(lc.stop_bits, LINE_CODING_STOP_BITS_1);
                assert_false(line_coding_termios_hangup(&t));
        }
}

static void test_input_speed_ignored(void **state)
{
        /* CIBAUD holds a different input speed: the line has one rate, the output one. */
        struct termios2 t = termios_with(B57600 | CS8 | (B300 << IBSHIFT), 0);
        LineCoding lc;

        assert_int_equal(line_coding_from_termios(&t, &lc), 0);
        assert_int_equal(lc.rate, 57600);
}

static void test_arbitrary_rates(void **state)
{
        static const uint32_t rates[] = {1, 250000, 31250, 12000000, UINT32_MAX};

        for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
                struct termios2 t = termios_with(BOTHER | CS8, rates[i]);
                LineCoding lc;

                assert_int_equal(line_coding_from_termios(&t, &lc), 0);
                assert_int_equal(lc.rate, rates[i]);
        }
}

static void test_invalid_rates(void **state)
{
        struct termios2 t = termios_with(BOTHER | CS8, 0);
        LineCoding lc = {.rate = 1234};

        /* BOTHER without a speed. */
        assert_int_equal(line_coding_from_termios(&t, &lc), -EINVAL);
        /* Untouched on failure. */
        assert_int_equal(lc.rate, 1234);

        /* Every other value CBAUD can hold is a rate: the table misses none of Linux's codes, and B0
         * and BOTHER are the only ones that need more than the code. */
        for (tcflag_t code = 0; code <= CBAUD; code++) {
                if (code & ~(tcflag_t)CBAUD)
                        continue;
                t = termios_with(code | CS8, 0);
                if (code == B0 || code == BOTHER)
                        assert_int_equal(line_coding_from_termios(&t, &lc), -EINVAL);
                else {
                        assert_int_equal(line_coding_from_termios(&t, &lc), 0);
                        assert_true(lc.rate >= 50 && lc.rate <= 4000000);
                }
        }
}

static void test_hangup(void **state)
{
        struct termios2 t = termios_with(B0 | CS8, 9600);
        LineCoding lc;

        assert_true(line_coding_termios_hangup(&t));
        assert_int_equal(line_coding_from_termios(&t, &lc), -EINVAL);
}

static void test_data_bits(void **state)
{
        assert_int_equal(coding_of(B9600 | CS5).data_bits, 5);
        assert_int_equal(coding_of(B9600 | CS6).data_bits, 6);
        assert_int_equal(coding_of(B9600 | CS7).data_bits, 7);
        assert_int_equal(coding_of(B9600 | CS8).data_bits, 8);
}

static void test_parity(void **state)
{
        assert_int_equal(coding_of(B9600 | CS8).parity, LINE_CODING_PARITY_NONE);
        assert_int_equal(coding_of(B9600 | CS7 | PARENB).parity, LINE_CODING_PARITY_EVEN);
        assert_int_equal(coding_of(B9600 | CS7 | PARENB | PARODD).parity, LINE_CODING_PARITY_ODD);
        assert_int_equal(coding_of(B9600 | CS7 | PARENB | CMSPAR | PARODD).parity, LINE_CODING_PARITY_MARK);
        assert_int_equal(coding_of(B9600 | CS7 | PARENB | CMSPAR).parity, LINE_CODING_PARITY_SPACE);
        /* Without PARENB, PARODD and CMSPAR mean nothing (a pty clears PARENB but leaves them). */
        assert_int_equal(coding_of(B9600 | CS8 | PARODD).parity, LINE_CODING_PARITY_NONE);
        assert_int_equal(coding_of(B9600 | CS8 | CMSPAR | PARODD).parity, LINE_CODING_PARITY_NONE);
}

static void test_stop_bits(void **state)
{
        assert_int_equal(coding_of(B9600 | CS8).stop_bits, LINE_CODING_STOP_BITS_1);
        assert_int_equal(coding_of(B9600 | CS8 | CSTOPB).stop_bits, LINE_CODING_STOP_BITS_2);
        /* As the kernel's cdc-acm: two, not the 16550's 1.5, for 5-bit characters. */
        assert_int_equal(coding_of(B9600 | CS5 | CSTOPB).stop_bits, LINE_CODING_STOP_BITS_2);
}

static void test_pack(void **state)
{
        const LineCoding lc = {.rate = 115200, .stop_bits = 2, .parity = 1, .data_bits = 7};
        const uint8_t expected[LINE_CODING_SIZE] = {0x00, 0xc2, 0x01, 0x00, 2, 1, 7};
        uint8_t buf[LINE_CODING_SIZE];

        line_coding_pack(&lc, buf);
        assert_memory_equal(buf, expected, sizeof(expected));

        line_coding_pack(&(LineCoding){.rate = 0x12345678, .data_bits = 8}, buf);
        assert_memory_equal(buf, ((const uint8_t[]){0x78, 0x56, 0x34, 0x12, 0, 0, 8}), LINE_CODING_SIZE);
}

static void test_equal(void **state)
{
        const LineCoding a = {.rate = 9600, .data_bits = 8};
        LineCoding b = a;

        assert_true(line_coding_equal(&a, &b));
        b.rate = 57600;
        assert_false(line_coding_equal(&a, &b));
        b = a;
        b.stop_bits = LINE_CODING_STOP_BITS_2;
        assert_false(line_coding_equal(&a, &b));
        b = a;
        b.parity = LINE_CODING_PARITY_EVEN;
        assert_false(line_coding_equal(&a, &b));
        b = a;
        b.data_bits = 7;
        assert_false(line_coding_equal(&a, &b));
}

static void test_to_string(void **state)
{
        char buf[LINE_CODING_STRING_MAX];

        assert_string_equal(string_of(B57600 | CS8, buf), "57600 8N1");
        assert_string_equal(string_of(B300 | CS7 | PARENB | CSTOPB, buf), "300 7E2");
        assert_string_equal(string_of(B4000000 | CS5 | PARENB | PARODD, buf), "4000000 5O1");
        assert_string_equal(string_of(B1200 | CS6 | PARENB | CMSPAR | PARODD, buf), "1200 6M1");
        assert_string_equal(string_of(B1200 | CS6 | PARENB | CMSPAR, buf), "1200 6S1");
        assert_string_equal(line_coding_to_string(&(LineCoding){.rate = 110, .stop_bits = LINE_CODING_STOP_BITS_1_5, .data_bits = 5}, buf),
                            "110 5N1.5");
        assert_string_equal(line_coding_to_string(&(LineCoding){.rate = UINT32_MAX, .stop_bits = 9, .parity = 9, .data_bits = 16}, buf),
                            "4294967295 16??");
        assert_string_equal(string_of(B115200 | CS8 | CRTSCTS, buf), "115200 8N1 rtscts");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_standard_rates),
            cmocka_unit_test(test_input_speed_ignored),
            cmocka_unit_test(test_arbitrary_rates),
            cmocka_unit_test(test_invalid_rates),
            cmocka_unit_test(test_hangup),
            cmocka_unit_test(test_data_bits),
            cmocka_unit_test(test_parity),
            cmocka_unit_test(test_stop_bits),
            cmocka_unit_test(test_pack),
            cmocka_unit_test(test_equal),
            cmocka_unit_test(test_to_string),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
