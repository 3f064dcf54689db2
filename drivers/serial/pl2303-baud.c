/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "macro.h"
#include "byte-order.h"
#include "pl2303-baud.h"

enum {
        /* rate = 12 MHz * 32 / (mantissa * base^exponent) */
        PL2303_BASELINE = 12000000 * 32,
        PL2303_MANTISSA_LIMIT = 512, /* 9 bits, exponent 3 bits of powers of 4 */
        PL2303_EXPONENT_MAX = 7,
        PL2303_ALT_MANTISSA_LIMIT = 2048, /* 11 bits, exponent 4 bits of powers of 2 */
        PL2303_ALT_EXPONENT_MAX = 15,
        PL2303_DIVISOR_FLAG = 0x80, /* byte 3: a divisor, not a rate */
        BITS_PER_BYTE = 8,
};

/* The rates the chips take directly (pl2303_get_supported_baud_rate()). */
static const uint32_t pl2303_rates[] = {
        75,     150,    300,    600,     1200,    1800,    2400,    3600,   4800,
        7200,   9600,   14400,  19200,   28800,   38400,   57600,   115200, 230400,
        460800, 614400, 921600, 1228800, 2457600, 3000000, 6000000,
};

/* The standard rate nearest to rate; the lower one only if strictly nearer. */
static uint32_t pl2303_nearest_rate(uint32_t rate)
{
        size_t i;

        for (i = 0; i < ELEMENTSOF(pl2303_rates); i++)
                if (pl2303_rates[i] > rate)
                        break;
        if (i == ELEMENTSOF(pl2303_rates))
                return pl2303_rates[i - 1];
        if (i > 0 && pl2303_rates[i] - rate > rate - pl2303_rates[i - 1])
                return pl2303_rates[i - 1];
        return pl2303_rates[i];
}

static uint32_t mantissa_of(uint32_t rate)
{
        uint32_t m = PL2303_BASELINE / rate;

        return m == 0 ? 1 : m; /* a rate above 384 MBd: the kernel avoids dividing by 0 the same way */
}

static uint32_t encode_divisor(uint32_t rate, uint8_t *buf)
{
        uint32_t m = mantissa_of(rate), e = 0;

        while (m >= PL2303_MANTISSA_LIMIT) {
                if (e < PL2303_EXPONENT_MAX) {
                        m >>= 2;
                        e++;
                } else {
                        m = PL2303_MANTISSA_LIMIT - 1;
                        break;
                }
        }
        buf[0] = (uint8_t)m;
        buf[1] = (uint8_t)(e << 1 | m >> BITS_PER_BYTE);
        buf[2] = 0;
        buf[3] = PL2303_DIVISOR_FLAG;
        return (PL2303_BASELINE / m) >> (e << 1);
}

static uint32_t encode_divisor_alt(uint32_t rate, uint8_t *buf)
{
        uint32_t m = mantissa_of(rate), e = 0;

        while (m >= PL2303_ALT_MANTISSA_LIMIT) {
                if (e < PL2303_ALT_EXPONENT_MAX) {
                        m >>= 1;
                        e++;
                } else {
                        m = PL2303_ALT_MANTISSA_LIMIT - 1;
                        break;
                }
        }
        /* The exponent's low bit sits apart, in byte 2. */
        buf[0] = (uint8_t)m;
        buf[1] = (uint8_t)((e & ~1u) << 4 | m >> BITS_PER_BYTE);
        buf[2] = (uint8_t)(e & 1);
        buf[3] = PL2303_DIVISOR_FLAG;
        return (PL2303_BASELINE / m) >> e;
}

uint32_t pl2303_encode_rate(const Pl2303Model *m, uint32_t rate, uint8_t buf[static PL2303_RATE_SIZE])
{
        rate = MIN(rate, m->rate_max);
        if (m->encoding == PL2303_ENCODING_DIRECT || pl2303_nearest_rate(rate) == rate) {
                put_le32(buf, rate);
                return rate;
        }
        if (m->encoding == PL2303_ENCODING_DIVISOR_ALT)
                return encode_divisor_alt(rate, buf);
        return encode_divisor(rate, buf);
}
