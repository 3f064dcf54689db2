/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>

#include "ftdi-baud.h"
#include "macro.h"

enum {
        FTDI_CLOCK = 48000000,       /* full-speed chips: 48 MHz, 16 samples a bit */
        FTDI_CLOCK_HIGH = 120000000, /* high-speed chips: 120 MHz, 10 samples a bit */
        FTDI_HIGH_RATE_MIN = 1200,   /* below, the high-speed divider cannot count: the old one */
        FTDI_FRACTION_BITS = 3,      /* the divisor counts in eighths */
        FTDI_FRACTION_MASK = (1 << FTDI_FRACTION_BITS) - 1,
        FTDI_FRACTION_SHIFT = 14, /* where the eighths' code sits in the 17-bit divisor */
        /* Two divisors the chips take as special: 1 is 3 MBd (written 0), 1.5 is 2 MBd (written 1). */
        FTDI_DIVISOR_ONE = 1,
        FTDI_DIVISOR_ONE_AND_HALF = 0x4001,
        FTDI_DIVISOR_HIGH_CLOCK = 1 << 17, /* the high-speed chips' "no divide by 2.5" bit */
        /* FT8U232AM's fraction codes: 1/8, 1/4, 1/2. */
        FTDI_AM_EIGHTH = 0xc000,
        FTDI_AM_QUARTER = 0x8000,
        FTDI_AM_HALF = 0x4000,
        FTDI_AM_ROUND_UP = 7, /* x.7/8 rounds to x+1 */
        FTDI_AM_HALF_FROM = 4,
        FTDI_AM_EIGHTH_AT = 1,
};

/* The eighths of the divisor as BM and later chips encode them (AN232B-05, table 3). */
static const uint8_t ftdi_fraction_code[FTDI_FRACTION_MASK + 1] = {0, 3, 2, 4, 1, 5, 6, 7};

/* The SIO's rate codes: a code per rate. */
static const uint32_t ftdi_sio_rates[] = {300, 600, 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200};

static uint32_t div_round_closest(uint64_t n, uint64_t d)
{
        return (uint32_t)((n + d / 2) / d);
}

static uint32_t ftdi_bm_divisor(uint32_t rate)
{
        /* In eighths: the clock over 16 samples a bit. */
        uint32_t eighths = div_round_closest(FTDI_CLOCK, 2 * (uint64_t)rate);
        uint32_t d = (eighths >> FTDI_FRACTION_BITS) |
                     (uint32_t)ftdi_fraction_code[eighths & FTDI_FRACTION_MASK] << FTDI_FRACTION_SHIFT;

        if (d == FTDI_DIVISOR_ONE)
                return 0;
        if (d == FTDI_DIVISOR_ONE_AND_HALF)
                return 1;
        return d;
}

static uint32_t ftdi_high_divisor(uint32_t rate)
{
        /* In eighths: the clock over 10 samples a bit. */
        uint32_t eighths = div_round_closest(8 * (uint64_t)FTDI_CLOCK_HIGH, 10 * (uint64_t)rate);
        uint32_t d = (eighths >> FTDI_FRACTION_BITS) |
                     (uint32_t)ftdi_fraction_code[eighths & FTDI_FRACTION_MASK] << FTDI_FRACTION_SHIFT;

        if (d == FTDI_DIVISOR_ONE)
                d = 0;
        else if (d == FTDI_DIVISOR_ONE_AND_HALF)
                d = 1;
        return d | FTDI_DIVISOR_HIGH_CLOCK;
}

static uint32_t ftdi_am_divisor(uint32_t rate)
{
        uint32_t eighths = div_round_closest(FTDI_CLOCK, 2 * (uint64_t)rate);
        uint32_t d, frac;

        if ((eighths & FTDI_FRACTION_MASK) == FTDI_AM_ROUND_UP)
                eighths++;
        d = eighths >> FTDI_FRACTION_BITS;
        frac = eighths & FTDI_FRACTION_MASK;
        if (frac == FTDI_AM_EIGHTH_AT)
                d |= FTDI_AM_EIGHTH;
        else if (frac >= FTDI_AM_HALF_FROM)
                d |= FTDI_AM_HALF;
        else if (frac != 0)
                d |= FTDI_AM_QUARTER;
        else if (d == FTDI_DIVISOR_ONE)
                d = 0;
        return d;
}

/* Returns 0 and the divisor, or -EINVAL if the model cannot do rate. */
static int ftdi_divisor_exact(const FtdiModel *m, uint32_t rate, uint32_t *ret)
{
        if (rate > m->rate_max)
                return -EINVAL;
        switch (m->divisor) {
        case FTDI_DIVISOR_SIO:
                for (uint32_t i = 0; i < ELEMENTSOF(ftdi_sio_rates); i++)
                        if (ftdi_sio_rates[i] == rate) {
                                *ret = i;
                                return 0;
                        }
                return -EINVAL;
        case FTDI_DIVISOR_AM:
                *ret = ftdi_am_divisor(rate);
                return 0;
        case FTDI_DIVISOR_BM:
                *ret = ftdi_bm_divisor(rate);
                return 0;
        case FTDI_DIVISOR_HIGH:
                *ret = rate >= FTDI_HIGH_RATE_MIN ? ftdi_high_divisor(rate) : ftdi_bm_divisor(rate);
                return 0;
        }
        return -EINVAL;
}

int ftdi_divisor(const FtdiModel *m, uint32_t rate, uint32_t *ret_divisor, uint32_t *ret_rate)
{
        if (rate == 0)
                return -EINVAL;
        if (ftdi_divisor_exact(m, rate, ret_divisor) < 0) {
                rate = FTDI_RATE_FALLBACK;
                if (ftdi_divisor_exact(m, rate, ret_divisor) < 0)
                        return -EINVAL;
        }
        *ret_rate = rate;
        return 0;
}
