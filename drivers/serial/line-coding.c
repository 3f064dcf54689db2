/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "byte-order.h"
#include "line-coding.h"

enum {
        RATE_OFFSET = 0,
        CHAR_FORMAT_OFFSET = 4,
        PARITY_OFFSET = 5,
        DATA_BITS_OFFSET = 6,
};

typedef struct SpeedCode {
        speed_t code;
        uint32_t rate;
} SpeedCode;

/* Every Bnnn code of Linux's termios. B134 is 134.5 baud, which dwDTERate cannot say; the kernel's
 * own tables round it down too. */
static const SpeedCode speed_codes[] = {
    {B50, 50},           {B75, 75},           {B110, 110},         {B134, 134},         {B150, 150},
    {B200, 200},         {B300, 300},         {B600, 600},         {B1200, 1200},       {B1800, 1800},
    {B2400, 2400},       {B4800, 4800},       {B9600, 9600},       {B19200, 19200},     {B38400, 38400},
    {B57600, 57600},     {B115200, 115200},   {B230400, 230400},   {B460800, 460800},   {B500000, 500000},
    {B576000, 576000},   {B921600, 921600},   {B1000000, 1000000}, {B1152000, 1152000}, {B1500000, 1500000},
    {B2000000, 2000000}, {B2500000, 2500000}, {B3000000, 3000000}, {B3500000, 3500000}, {B4000000, 4000000},
};

bool line_coding_termios_hangup(const struct termios2 *t)
{
        return (t->c_cflag & CBAUD) == B0;
}

static int rate_from_termios(const struct termios2 *t, uint32_t *ret)
{
        speed_t code = t->c_cflag & CBAUD;

        if (code == BOTHER) {
                if (t->c_ospeed == 0)
                        return -EINVAL;
                *ret = t->c_ospeed;
                return 0;
        }
        for (size_t i = 0; i < sizeof(speed_codes) / sizeof(speed_codes[0]); i++)
                if (speed_codes[i].code == code) {
                        *ret = speed_codes[i].rate;
                        return 0;
                }
        return -EINVAL; /* B0, or a code no kernel defines */
}

static uint8_t data_bits_from_cflag(tcflag_t cflag)
{
        switch (cflag & CSIZE) {
        case CS5:
                return 5;
        case CS6:
                return 6;
        case CS7:
                return 7;
        default:
                return 8;
        }
}

static uint8_t parity_from_cflag(tcflag_t cflag)
{
        if (!(cflag & PARENB))
                return LINE_CODING_PARITY_NONE;
        /* Linux's CMSPAR: the parity bit is constant, 1 (mark) with PARODD, 0 (space) without. */
        if (cflag & CMSPAR)
                return cflag & PARODD ? LINE_CODING_PARITY_MARK : LINE_CODING_PARITY_SPACE;
        return cflag & PARODD ? LINE_CODING_PARITY_ODD : LINE_CODING_PARITY_EVEN;
}

int line_coding_from_termios(const struct termios2 *t, LineCoding *ret)
{
        uint32_t rate;
        int r;

        r = rate_from_termios(t, &rate);
        if (r < 0)
                return r;

        *ret = (LineCoding){
            .rate = rate,
            /* POSIX says two stop bits; 1.5 with 5-bit characters is a 16550 habit that the kernel's
             * cdc-acm does not follow either, so devices tested with it expect 2 here. */
            .stop_bits = t->c_cflag & CSTOPB ? LINE_CODING_STOP_BITS_2 : LINE_CODING_STOP_BITS_1,
            .parity = parity_from_cflag(t->c_cflag),
            .data_bits = data_bits_from_cflag(t->c_cflag),
            .rtscts = t->c_cflag & CRTSCTS,
            .ixon = t->c_iflag & IXON,
            .ixoff = t->c_iflag & IXOFF,
            .xon = t->c_cc[VSTART],
            .xoff = t->c_cc[VSTOP],
            .inpck = t->c_iflag & INPCK,
            .cflag = t->c_cflag,
            .ospeed = t->c_ospeed ? t->c_ospeed : rate,
        };
        return 0;
}

void line_coding_pack(const LineCoding *lc, uint8_t buf[static LINE_CODING_SIZE])
{
        put_le32(buf + RATE_OFFSET, lc->rate);
        buf[CHAR_FORMAT_OFFSET] = lc->stop_bits;
        buf[PARITY_OFFSET] = lc->parity;
        buf[DATA_BITS_OFFSET] = lc->data_bits;
}

bool line_coding_equal_cdc(const LineCoding *a, const LineCoding *b)
{
        return a->rate == b->rate && a->stop_bits == b->stop_bits && a->parity == b->parity &&
               a->data_bits == b->data_bits;
}

bool line_coding_hw_change(const LineCoding *a, const LineCoding *b)
{
        const uint32_t local = HUPCL | CREAD | CLOCAL;

        return a->ospeed != b->ospeed || ((a->cflag ^ b->cflag) & ~local) != 0;
}

bool line_coding_equal(const LineCoding *a, const LineCoding *b)
{
        const uint32_t local = HUPCL | CREAD | CLOCAL;

        return line_coding_equal_cdc(a, b) && a->ospeed == b->ospeed && a->rtscts == b->rtscts && a->ixon == b->ixon &&
               a->ixoff == b->ixoff && a->xon == b->xon && a->xoff == b->xoff && a->inpck == b->inpck &&
               (a->cflag & ~local) == (b->cflag & ~local);
}

const char *line_coding_to_string(const LineCoding *lc, char buf[static LINE_CODING_STRING_MAX])
{
        static const char parity_letters[] = "NOEMS";
        static const char *const stop_bits[] = {"1", "1.5", "2"};

        (void)snprintf(buf, LINE_CODING_STRING_MAX, "%" PRIu32 " %u%c%s%s", lc->rate, lc->data_bits,
                       lc->parity < sizeof(parity_letters) - 1 ? parity_letters[lc->parity] : '?',
                       lc->stop_bits < sizeof(stop_bits) / sizeof(stop_bits[0]) ? stop_bits[lc->stop_bits]
                                                                                : "?",
                       lc->rtscts ? " rtscts" : "");
        return buf;
}
