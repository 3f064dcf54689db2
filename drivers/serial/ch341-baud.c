/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "ch341-baud.h"
#include "macro.h"

enum {
        CH341_CLOCK = 48000000,
        CH341_PRESCALERS = 4,
        CH341_PRESCALER_TOP = CH341_PRESCALERS - 1,
        /* CLK_DIV(ps, fact) = 1 << (12 - 3 ps - fact): each prescaler step divides by 8 less. */
        CH341_CLK_DIV_SHIFT = 12,
        CH341_CLK_DIV_STEP = 3,
        /* The divisor fits in 8 bits, counted down from 0x100; below 9 or above 255 the base clock is
         * halved (fact 0). */
        CH341_DIVISOR_SPAN = 0x100,
        CH341_DIVISOR_MIN = 9,
        CH341_DIVISOR_MAX = 255,
        /* min_rate[ps] = CLOCK / (CLK_DIV(ps, 1) * 512): the slowest rate of each prescaler. */
        CH341_MIN_RATE_DIVISOR = 512,
        /* Rounding to the nearer divisor compares rates scaled by 16, for the low rates' sake. */
        CH341_ROUND_SCALE = 16,
        CH341_FACT_SHIFT = 2,
        CH341_VALUE_DIVISOR_SHIFT = 8,
};

static uint32_t clk_div(unsigned ps, unsigned fact)
{
        return 1u << (CH341_CLK_DIV_SHIFT - CH341_CLK_DIV_STEP * ps - fact);
}

uint16_t ch341_divisor(uint32_t rate, bool limited_prescaler)
{
        uint32_t speed = CLAMP(rate, (uint32_t)CH341_RATE_MIN, (uint32_t)CH341_RATE_MAX), clk, div;
        unsigned fact = 1, ps;

        /* The highest base clock (fact 1) with a divisor below 512; the clamp keeps ps ≥ 0. */
        for (ps = CH341_PRESCALER_TOP; ps > 0; ps--)
                if (speed > CH341_CLOCK / (clk_div(ps, 1) * CH341_MIN_RATE_DIVISOR))
                        break;
        clk = clk_div(ps, fact);
        div = CH341_CLOCK / (clk * speed);
        if (div < CH341_DIVISOR_MIN || div > CH341_DIVISOR_MAX ||
            (ps < CH341_PRESCALER_TOP && limited_prescaler)) {
                div /= 2;
                clk *= 2;
                fact = 0;
        }
        /* The next divisor if its rate is nearer (unsigned, as the kernel computes it). */
        if (CH341_ROUND_SCALE * CH341_CLOCK / (clk * div) - CH341_ROUND_SCALE * speed >=
            CH341_ROUND_SCALE * speed - CH341_ROUND_SCALE * CH341_CLOCK / (clk * (div + 1)))
                div++;
        /* An even divisor goes with the lower base clock: the receiver tolerates more error. */
        if (fact == 1 && div % 2 == 0) {
                div /= 2;
                fact = 0;
        }
        return (uint16_t)((CH341_DIVISOR_SPAN - div) << CH341_VALUE_DIVISOR_SHIFT |
                          fact << CH341_FACT_SHIFT | ps);
}
