/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Parsing the notifications of a CDC-ACM device (see cdc-notification.h). */
#include <errno.h>
#include <sys/ioctl.h>

#include "byte-order.h"
#include "cdc-notification.h"

enum {
        REQUEST_TYPE_OFFSET = 0,
        CODE_OFFSET = 1,
        VALUE_OFFSET = 2,
        INDEX_OFFSET = 4,
        LENGTH_OFFSET = 6,
};

int cdc_notification_parse(const uint8_t *buf, size_t n, CdcNotification *ret)
{
        if (!buf || n < CDC_NOTIFICATION_HEADER_SIZE)
                return -EBADMSG;
        *ret = (CdcNotification){
            .request_type = buf[REQUEST_TYPE_OFFSET],
            .code = buf[CODE_OFFSET],
            .value = get_le16(buf + VALUE_OFFSET),
            .index = get_le16(buf + INDEX_OFFSET),
            .length = get_le16(buf + LENGTH_OFFSET),
            .data = buf + CDC_NOTIFICATION_HEADER_SIZE,
            .n_data = n - CDC_NOTIFICATION_HEADER_SIZE,
        };
        return 0;
}

bool cdc_notification_incomplete(const uint8_t *buf, size_t n)
{
        CdcNotification c;

        if (cdc_notification_parse(buf, n, &c) < 0)
                return true;
        return c.n_data < c.length;
}

int cdc_notification_serial_state(const uint8_t *buf, size_t n, uint16_t *ret)
{
        CdcNotification c;
        int r;

        r = cdc_notification_parse(buf, n, &c);
        if (r < 0)
                return r;
        if (c.code != CDC_NOTIFY_SERIAL_STATE)
                return -ENOMSG;
        if (c.n_data < CDC_SERIAL_STATE_SIZE)
                return -EBADMSG;
        *ret = get_le16(c.data);
        return 0;
}

uint32_t cdc_serial_state_to_tiocm(uint16_t state)
{
        return TIOCM_CTS | (state & CDC_SERIAL_STATE_DCD ? TIOCM_CAR : 0) |
               (state & CDC_SERIAL_STATE_DSR ? TIOCM_DSR : 0) |
               (state & CDC_SERIAL_STATE_RING ? TIOCM_RI : 0);
}
