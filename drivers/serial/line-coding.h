/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The CDC line coding (USB CDC PSTN 1.2, 6.3.10 SetLineCoding) and its translation from the termios a
 * user sets on the pty. Pure: no I/O, so that a unit test covers every case.
 *
 * termios comes as the kernel's struct termios2 (TCGETS2), which carries any output speed in
 * c_ospeed (BOTHER), where glibc's struct termios knows only the Bnnn codes. So this header pulls in
 * <asm/termbits.h>, and a file including it must not include <termios.h>. */

#include <asm/termbits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
        /* dwDTERate (LE32), bCharFormat, bParityType, bDataBits. */
        LINE_CODING_SIZE = 7,
        /* "4000000 8N1.5" and then some. */
        LINE_CODING_STRING_MAX = 32,
};

/* bCharFormat */
typedef enum LineCodingStopBits {
        LINE_CODING_STOP_BITS_1 = 0,
        LINE_CODING_STOP_BITS_1_5 = 1,
        LINE_CODING_STOP_BITS_2 = 2,
} LineCodingStopBits;

/* bParityType */
typedef enum LineCodingParity {
        LINE_CODING_PARITY_NONE = 0,
        LINE_CODING_PARITY_ODD = 1,
        LINE_CODING_PARITY_EVEN = 2,
        LINE_CODING_PARITY_MARK = 3,
        LINE_CODING_PARITY_SPACE = 4,
} LineCodingParity;

typedef struct LineCoding {
        uint32_t rate;     /* bits per second */
        uint8_t stop_bits; /* LineCodingStopBits */
        uint8_t parity;    /* LineCodingParity */
        uint8_t data_bits; /* 5..8 */
        bool rtscts;       /* CRTSCTS: hardware flow control, for the chips that have it (CDC has not) */
        bool ixon, ixoff;  /* software flow control, which some chips do themselves */
        uint8_t xon, xoff; /* VSTART, VSTOP */
        bool inpck;        /* INPCK: the user wants parity errors reported */
        uint32_t cflag;    /* all of c_cflag, for chips whose kernel drivers compare it (CLOCAL ...) */
        /* c_ospeed as the kernel keeps it: the rate of the Bnnn code, or BOTHER's, or what the
         * chip's driver wrote back (the kernel's drivers compare it, and cp210x sets it). */
        uint32_t ospeed;
} LineCoding;

/* True if t asks to hang up (speed B0): the caller drops DTR and RTS and keeps the line coding. */
bool line_coding_termios_hangup(const struct termios2 *t);

/* Translates the output speed, CSIZE, CSTOPB, PARENB, PARODD, CMSPAR, CRTSCTS, IXON, IXOFF, INPCK,
 * VSTART and VSTOP of t, as the kernel's cdc-acm
 * does: CSTOPB is two stop bits whatever the character size, CMSPAR turns odd/even into mark/space.
 * The input speed is ignored: the line has one rate. Returns 0, or -EINVAL for B0 (no rate: see
 * line_coding_termios_hangup()), BOTHER with speed 0, or a speed code that is no Bnnn constant (every
 * value of CBAUD is one on Linux). */
int line_coding_from_termios(const struct termios2 *t, LineCoding *ret);

/* The request's data stage: 7 bytes, the rate little-endian. */
void line_coding_pack(const LineCoding *lc, uint8_t buf[static LINE_CODING_SIZE]);

/* Equal in everything but cflag's bits that reach no device (HUPCL, CREAD, CLOCAL). */
bool line_coding_equal(const LineCoding *a, const LineCoding *b);
/* The kernel's tty_termios_hw_change(): the rate, or c_cflag outside HUPCL, CREAD and CLOCAL, differ
 * (CH34x and PL2303 send nothing for a tcsetattr() that changes neither). */
bool line_coding_hw_change(const LineCoding *a, const LineCoding *b);
/* Equal in what SET_LINE_CODING carries (rate, stop bits, parity, data bits). */
bool line_coding_equal_cdc(const LineCoding *a, const LineCoding *b);

/* "57600 8N1", "300 7E2", "110 5N1.5"; values outside the spec show as '?'. Returns buf. */
const char *line_coding_to_string(const LineCoding *lc, char buf[static LINE_CODING_STRING_MAX]);
