/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: a GET_DEVICE_ID response as a printer may send it, through the length decoder
 * and the KEY:value parser. ASan catches reads past the input (libFuzzer hands it in a buffer of
 * exactly that size) and leaks of the parsed values. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "device-id.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        DeviceId id = {};
        const char *s;
        size_t len;

        if (device_id_from_response(data, size, &s, &len) == 0) {
                if (len > size || s < (const char *)data || s + len > (const char *)data + size)
                        abort();
                if (device_id_parse(s, len, &id) == 0)
                        device_id_done(&id);
        }

        /* The parser on its own too: the input need not carry a length prefix to reach it. */
        if (device_id_parse((const char *)data, size, &id) == 0) {
                /* A value never holds the separator it was cut at. */
                if ((id.manufacturer && strchr(id.manufacturer, ';')) || (id.model && strchr(id.model, ';')))
                        abort();
                device_id_done(&id);
        }
        return 0;
}
