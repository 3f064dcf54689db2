/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A CDC-ACM device's notifications: SERIAL_STATE as f_acm sends it, other notifications, and the short
 * and lax ones devices send. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/ioctl.h>

#include <cmocka.h>

#include "cdc-notification.h"

enum {
        /* Class, interface, device to host. */
        REQUEST_TYPE_IN_CLASS_INTERFACE = 0xA1,
        CDC_NOTIFY_NETWORK_CONNECTION = 0x00,
        /* bRxCarrier (DCD) and bTxCarrier (DSR). */
        STATE_DCD_DSR = 0x0003,
};

/* f_acm's SERIAL_STATE for interface 0: DCD and DSR up. */
static const uint8_t serial_state[] = {REQUEST_TYPE_IN_CLASS_INTERFACE,
                                       CDC_NOTIFY_SERIAL_STATE,
                                       0x00,
                                       0x00,
                                       0x00,
                                       0x00,
                                       CDC_SERIAL_STATE_SIZE,
                                       0x00,
                                       STATE_DCD_DSR,
                                       0x00};

static void test_serial_state(void **state)
{
        CdcNotification c;
        uint16_t bits = 0;

        assert_int_equal(cdc_notification_parse(serial_state, sizeof(serial_state), &c), 0);
        assert_int_equal(c.request_type, REQUEST_TYPE_IN_CLASS_INTERFACE);
        assert_int_equal(c.code, CDC_NOTIFY_SERIAL_STATE);
        assert_int_equal(c.length, CDC_SERIAL_STATE_SIZE);
        assert_int_equal(c.n_data, CDC_SERIAL_STATE_SIZE);
        assert_int_equal(cdc_notification_serial_state(serial_state, sizeof(serial_state), &bits), 0);
        assert_int_equal(bits, STATE_DCD_DSR);
}

static void test_other_and_short(void **state)
{
        uint8_t other[sizeof(serial_state)];
        uint16_t bits = 0;
        CdcNotification c;

        for (size_t i = 0; i < sizeof(other); i++)
                other[i] = serial_state[i];
        other[1] = CDC_NOTIFY_NETWORK_CONNECTION;
        assert_int_equal(cdc_notification_serial_state(other, sizeof(other), &bits), -ENOMSG);

        /* A header only, or one data byte: nothing to read the state from. */
        assert_int_equal(cdc_notification_serial_state(serial_state, CDC_NOTIFICATION_HEADER_SIZE, &bits),
                         -EBADMSG);
        assert_int_equal(cdc_notification_serial_state(serial_state, sizeof(serial_state) - 1, &bits),
                         -EBADMSG);
        assert_int_equal(cdc_notification_parse(serial_state, CDC_NOTIFICATION_HEADER_SIZE - 1, &c),
                         -EBADMSG);
        assert_int_equal(cdc_notification_parse(NULL, 0, &c), -EBADMSG);
        assert_int_equal(bits, 0);
}

/* What a serial port shows for SERIAL_STATE: DCD and DSR from the carriers, RI from the ring signal,
 * CTS always (CDC-ACM has none), and nothing from the error bits. */
static void test_serial_state_to_tiocm(void **state)
{
        enum { STATE_BREAK = 1 << 2, STATE_FRAMING = 1 << 4, STATE_OVERRUN = 1 << 6 };

        assert_int_equal(cdc_serial_state_to_tiocm(0), TIOCM_CTS);
        assert_int_equal(cdc_serial_state_to_tiocm(STATE_DCD_DSR), TIOCM_CTS | TIOCM_CAR | TIOCM_DSR);
        assert_int_equal(cdc_serial_state_to_tiocm(CDC_SERIAL_STATE_RING), TIOCM_CTS | TIOCM_RI);
        assert_int_equal(cdc_serial_state_to_tiocm(STATE_BREAK | STATE_FRAMING | STATE_OVERRUN), TIOCM_CTS);
        assert_int_equal(cdc_serial_state_to_tiocm(UINT16_MAX),
                         TIOCM_CTS | TIOCM_CAR | TIOCM_DSR | TIOCM_RI);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_serial_state),
            cmocka_unit_test(test_other_and_short),
            cmocka_unit_test(test_serial_state_to_tiocm),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
