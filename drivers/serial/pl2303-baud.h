/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The PL2303's rate encodings (the kernel's pl2303_encode_baud_rate()): SET_LINE's first four bytes
 * hold a standard rate as is, or a mantissa and an exponent of 12 MHz·32 with bit 31 set. Pure: a unit
 * test checks it against the kernel's own functions' output. */

#include <stdint.h>

#include "chip-models.h"

enum {
        PL2303_RATE_SIZE = 4,
};

/* Encodes rate (> 0) for model m into buf and returns the rate the chip then runs at (which the kernel
 * reports back in termios): rate capped at m's maximum, direct if the type takes it so (HXN: any; the
 * others: a rate of their standard list), else the nearest divisor's rate. */
uint32_t pl2303_encode_rate(const Pl2303Model *m, uint32_t rate, uint8_t buf[static PL2303_RATE_SIZE]);
