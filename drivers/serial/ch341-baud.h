/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The CH34x's rate as a prescaler and a divisor of its 48 MHz clock (the kernel's ch341_get_divisor()):
 * the value SET_BAUDRATE's WRITE_REG of registers 0x12/0x13 carries in wIndex. Pure: a unit test checks
 * it against the kernel's own function's output. */

#include <stdbool.h>
#include <stdint.h>

enum {
        /* The rates the chip can do; the kernel clamps to them silently (and reports the rate asked). */
        CH341_RATE_MIN = 46,
        CH341_RATE_MAX = 3000000,
        /* Chips from version 0x28 on buffer the data for 32 bytes unless this bit of the value is set. */
        CH341_DIVISOR_NO_BUFFERING = 1 << 7,
};

/* The value for rate (clamped to CH341_RATE_MIN..CH341_RATE_MAX), without CH341_DIVISOR_NO_BUFFERING:
 * (0x100 - divisor) << 8 | fact << 2 | prescaler. limited_prescaler: a chip that needs the lower base
 * clock below the highest prescaler (the kernel's CH341_QUIRK_LIMITED_PRESCALER). */
uint16_t ch341_divisor(uint32_t rate, bool limited_prescaler);
