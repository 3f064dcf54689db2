/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What one model of a chip family differs from another in, as data: the one place of chip knowledge
 * that is not a protocol. The rows follow the kernel's drivers (ftdi_sio, cp210x), which tell the
 * models apart the same way. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* FTDI: how the rate becomes a divisor (ftdi-baud.h). */
typedef enum FtdiDivisorKind {
        FTDI_DIVISOR_SIO,  /* the original SIO: a code per standard rate, nothing else */
        FTDI_DIVISOR_AM,   /* FT8U232AM: 3 MHz base, eighths rounded to 0, 1/8, 1/4, 1/2 */
        FTDI_DIVISOR_BM,   /* FT232BM, FT2232C, FT232R, FT-X: 3 MHz base, any eighth */
        FTDI_DIVISOR_HIGH, /* FT2232H, FT4232H, FT232H: 12 MHz base from 1200 up, else as BM */
} FtdiDivisorKind;

typedef struct FtdiModel {
        const char *name;
        uint16_t release; /* bcdDevice */
        bool indexed;     /* requests name the port: wIndex 1 + bInterfaceNumber (channel A, B ...) */
        FtdiDivisorKind divisor;
        uint32_t rate_max;
} FtdiModel;

/* The model of an FTDI device by its bcdDevice, as ftdi_sio's ftdi_determine_type() tells them
 * (releases below 0x200 are the SIO), or NULL for a release ftdi_sio refuses too. */
const FtdiModel *ftdi_model_find(uint16_t release);

/* CP210x: the part number the chip reports (GET_PARTNUM) and what the kernel's cp210x lets it do. */
typedef struct Cp210xModel {
        const char *name;
        uint8_t part;
        int8_t interface;  /* the row is for this interface of a multi-port part; -1: any */
        uint32_t rate_min, rate_max;
        bool actual_rate;  /* the rate is 48 MHz over a divisor (else AN205's table below 1 MBd) */
        bool fixed_format; /* CP2101: 8 data bits, 1 stop bit, no mark or space parity */
} Cp210xModel;

/* The row for part on interface ifnum (never NULL: an unknown part gets the kernel's defaults). */
const Cp210xModel *cp210x_model_find(uint8_t part, uint8_t ifnum);
/* The rate the chip is set to for rate (>0) on model m, as the kernel's cp210x computes it. */
uint32_t cp210x_rate(const Cp210xModel *m, uint32_t rate);

/* PL2303: how a type encodes a rate in SET_LINE's first four bytes (pl2303-baud.h). */
typedef enum Pl2303Encoding {
        PL2303_ENCODING_DIVISOR,     /* H, HX, HXD: a standard rate directly, others as mantissa·4^exp */
        PL2303_ENCODING_DIVISOR_ALT, /* TA, TB: a standard rate directly, others as mantissa·2^exp */
        PL2303_ENCODING_DIRECT,      /* HXN ("G"): every rate directly */
} Pl2303Encoding;

/* PL2303: the types the kernel's pl2303 tells apart (pl2303_type_data) and what differs between them. */
typedef struct Pl2303Model {
        const char *name;
        uint32_t rate_max;
        Pl2303Encoding encoding;
        bool legacy; /* H: bulk pipes cleared at open (not reset), register 2 set to 0x24 at attach */
        bool hxn;    /* G: vendor requests 0x80/0x81, no attach sequence, flow control in register 0x0a */
        bool auto_xonxoff; /* the chip does XON/XOFF itself when asked (not the H) */
        /* Flow control: the register, the bits of it the kernel changes, and their values. */
        uint8_t flow_reg, flow_mask, flow_none, flow_rtscts, flow_xonxoff;
} Pl2303Model;

/* The type of a PL2303 by its device descriptor, as the kernel's pl2303_detect_type() tells it, or
 * NULL for one it refuses. *ret_test is set when the type holds only if the vendor read 0x8080 answers
 * (TA, TB); when it does not, the type is pl2303_model_hxn(). */
const Pl2303Model *pl2303_model_detect(uint8_t device_class, uint8_t max_packet_size0, uint16_t bcd_usb,
                                       uint16_t bcd_device, bool *ret_test);
const Pl2303Model *pl2303_model_hxn(void);
