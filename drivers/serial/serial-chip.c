/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The chips drvhost-serial speaks, by name, and the request list their operations fill. */
#include <errno.h>
#include <string.h>

#include "chips.h"
#include "macro.h"
#include "serial-chip.h"

static const SerialChip *const chips[] = {
        &chip_cdc_acm,
        &chip_ftdi,
        &chip_cp210x,
        &chip_ch341,
        &chip_pl2303,
};

const SerialChip *serial_chip_find(const char *name)
{
        for (size_t i = 0; i < ELEMENTSOF(chips); i++)
                if (streq(chips[i]->name, name))
                        return chips[i];
        return NULL;
}

const SerialChip *serial_chip_at(size_t i)
{
        return i < ELEMENTSOF(chips) ? chips[i] : NULL;
}

int serial_requests_add(SerialRequests *out, uint8_t request_type, uint8_t request, uint16_t value,
                        uint16_t index, const void *data, uint16_t length)
{
        SerialRequest *r;

        if (out->n >= SERIAL_REQUESTS_MAX || length > SERIAL_REQUEST_DATA_MAX)
                return -E2BIG;
        r = &out->r[out->n++];
        *r = (SerialRequest){
            .request_type = request_type,
            .request = request,
            .value = value,
            .index = index,
            .length = length,
        };
        if (data && length > 0)
                memcpy(r->data, data, length);
        return 0;
}
