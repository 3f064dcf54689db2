/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* FTDI's rate divisors (ftdi_sio's get_ftdi_divisor() and the application notes AN232B-05 and
 * AN_120): the rate becomes a 17-bit divisor of the chip's clock with a fraction in eighths, whose low
 * 16 bits go in SET_BAUDRATE's wValue and the rest in its wIndex. Pure: a unit test checks it. */

#include <stdint.h>

#include "chip-models.h"

enum {
        /* What ftdi_sio falls back to for a rate the chip cannot do, and reports as set. */
        FTDI_RATE_FALLBACK = 9600,
};

/* The divisor for rate on model m, and the rate the port is then set to: rate itself, or
 * FTDI_RATE_FALLBACK for one the model cannot do (ftdi_sio does the same). Returns 0, or -EINVAL
 * (rate 0) with nothing set. */
int ftdi_divisor(const FtdiModel *m, uint32_t rate, uint32_t *ret_divisor, uint32_t *ret_rate);
