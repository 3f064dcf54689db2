/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What a CDC-ACM device sends on its notification endpoint (USB CDC 1.2, 6.3; PSTN 1.2, 6.5.4
 * SERIAL_STATE): an 8-byte header like a setup packet, then wLength bytes of data. Pure: the fuzzer and
 * a unit test feed it device bytes. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
        CDC_NOTIFICATION_HEADER_SIZE = 8,
        CDC_NOTIFY_SERIAL_STATE = 0x20,
        CDC_SERIAL_STATE_SIZE = 2,
};

typedef struct CdcNotification {
        uint8_t request_type;
        uint8_t code; /* bNotification */
        uint16_t value, index, length;
        const uint8_t *data; /* what follows the header, as much as arrived: n_data bytes */
        size_t n_data;
} CdcNotification;

/* Splits a notification as it arrived (buf, n) into its header and data. Returns 0, or -EBADMSG when
 * shorter than the header. n_data is what arrived, which a device may make differ from wLength. */
int cdc_notification_parse(const uint8_t *buf, size_t n, CdcNotification *ret);

/* The UART state bits of a SERIAL_STATE notification. Returns 0, -ENOMSG for another notification,
 * or -EBADMSG for one too short to carry them. Devices are lax about wLength: two data bytes are
 * what counts. */
int cdc_notification_serial_state(const uint8_t *buf, size_t n, uint16_t *ret);

/* Whether buf (n bytes) is the start of a notification still missing bytes: its header, or data up to
 * its wLength. A notification longer than the endpoint's packets arrives in pieces. */
bool cdc_notification_incomplete(const uint8_t *buf, size_t n);

/* SERIAL_STATE's bits (PSTN 1.2, table 31) that are modem lines. */
enum {
        CDC_SERIAL_STATE_DCD = 1 << 0, /* bRxCarrier */
        CDC_SERIAL_STATE_DSR = 1 << 1, /* bTxCarrier */
        CDC_SERIAL_STATE_RING = 1 << 3,
};

/* The modem status a serial port shows for a SERIAL_STATE (TIOCM_CAR, TIOCM_DSR, TIOCM_RI), with CTS
 * always on: CDC-ACM has no CTS line, and the kernel's cdc-acm reports it on too. */
uint32_t cdc_serial_state_to_tiocm(uint16_t state);
