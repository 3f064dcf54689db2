/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The chips, each in its own file (chip-*.c). */

#include "serial-chip.h"

extern const SerialChip chip_cdc_acm;
extern const SerialChip chip_ftdi;
extern const SerialChip chip_cp210x;
extern const SerialChip chip_ch341;
extern const SerialChip chip_pl2303;
