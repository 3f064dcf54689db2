/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* WCH CH340/CH341: vendor requests to the device that read and write registers in pairs (wValue
 * names two registers, wIndex holds their two values), the modem lines by MODEM_CTRL (inverted),
 * the modem status inverted in register 0x06 and in byte 2 of a 4-byte interrupt packet. Request and
 * register numbers as in ch341.c. */

#include <endian.h>
#include <errno.h>
#include <stdio.h>

#include "chip-emu.h"

enum {
        CH341_REQ_READ_VERSION = 0x5f,
        CH341_REQ_WRITE_REG = 0x9a,
        CH341_REQ_READ_REG = 0x95,
        CH341_REQ_SERIAL_INIT = 0xa1,
        CH341_REQ_MODEM_CTRL = 0xa4,

        CH341_REG_BREAK = 0x05,
        CH341_REG_STATUS = 0x06,
        CH341_REG_STATUS2 = 0x07,
        CH341_REG_PRESCALER = 0x12,
        CH341_REG_DIVISOR = 0x13,
        CH341_REG_LCR = 0x18,
        CH341_REG_LCR2 = 0x25,

        CH341_NBREAK = 0x01,
        CH341_LCR_ENABLE_TX = 0x40,
        CH341_LCR_DEFAULT = 0xc3, /* RX, TX, 8 bits */
        CH341_LCR_MARK_SPACE = 0x20,
        CH341_LCR_PAR_EVEN = 0x10,
        CH341_LCR_ENABLE_PAR = 0x08,
        CH341_LCR_STOP_BITS_2 = 0x04,
        CH341_LCR_CS_MASK = 0x03,
        CH341_CS_BASE = 5,

        CH341_BIT_RTS = 1 << 6,
        CH341_BIT_DTR = 1 << 5,

        CH341_BIT_CTS = 0x01,
        CH341_BIT_DSR = 0x02,
        CH341_BIT_RI = 0x04,
        CH341_BIT_DCD = 0x08,
        CH341_STATUS2 = 0xee, /* what the chip reads in register 0x07 and sends in byte 3 */
        CH341_INT_FIRST = 0x08,
        CH341_INT_LEN = 4,

        CH341_PS_MASK = 0x03,
        CH341_FACT_SHIFT = 2,
        CH341_CLKRATE = 48000000,
        CH341_CLK_SHIFT_BASE = 12,
};

static uint8_t status_inverted(unsigned msr)
{
        return ~((msr & EMU_MSR_CTS ? CH341_BIT_CTS : 0) | (msr & EMU_MSR_DSR ? CH341_BIT_DSR : 0) |
                 (msr & EMU_MSR_RI ? CH341_BIT_RI : 0) | (msr & EMU_MSR_DCD ? CH341_BIT_DCD : 0));
}

static void ch341_init_port(EmuPort *p)
{
        p->regs[CH341_REG_BREAK] = CH341_NBREAK;
        p->regs[CH341_REG_LCR] = CH341_LCR_DEFAULT;
}

/* What the registers now say: the rate (48 MHz / (2^(12 - 3 ps - fact) * div)), line, break. */
static void decode_regs(EmuPort *p)
{
        uint8_t ps_reg = p->regs[CH341_REG_PRESCALER], lcr = p->regs[CH341_REG_LCR];
        unsigned ps = ps_reg & CH341_PS_MASK, fact = (ps_reg >> CH341_FACT_SHIFT) & 1;
        unsigned div = 0x100 - p->regs[CH341_REG_DIVISOR];
        char parity = 'N';

        if (div)
                p->rate = CH341_CLKRATE / ((1u << (CH341_CLK_SHIFT_BASE - 3 * ps - fact)) * div);
        if (lcr & CH341_LCR_ENABLE_PAR)
                parity = lcr & CH341_LCR_MARK_SPACE ? (lcr & CH341_LCR_PAR_EVEN ? 'S' : 'M')
                                                    : (lcr & CH341_LCR_PAR_EVEN ? 'E' : 'O');
        snprintf(p->line, sizeof(p->line), "%u%c%s", CH341_CS_BASE + (lcr & CH341_LCR_CS_MASK), parity,
                 lcr & CH341_LCR_STOP_BITS_2 ? "2" : "1");
        port_set_break(p, !(p->regs[CH341_REG_BREAK] & CH341_NBREAK) || !(lcr & CH341_LCR_ENABLE_TX));
}

static uint8_t read_reg(const EmuPort *p, uint8_t reg)
{
        if (reg == CH341_REG_STATUS)
                return status_inverted(p->msr);
        if (reg == CH341_REG_STATUS2)
                return CH341_STATUS2;
        return p->regs[reg];
}

static int ch341_setup(Emu *e, const struct usb_ctrlrequest *req, const uint8_t *data, uint8_t *reply,
                       size_t *reply_len)
{
        uint16_t value = le16toh(req->wValue), index = le16toh(req->wIndex);
        EmuPort *p = port_by_index(e, 0);
        (void) data;

        pthread_mutex_lock(&p->lock);
        switch (req->bRequest) {
        case CH341_REQ_READ_VERSION:
                reply[0] = e->model->chip_id;
                reply[1] = 0;
                *reply_len = 2;
                break;
        case CH341_REQ_READ_REG:
                reply[0] = read_reg(p, value & 0xff);
                reply[1] = read_reg(p, value >> 8);
                *reply_len = 2;
                break;
        case CH341_REQ_WRITE_REG:
                p->regs[value & 0xff] = index & 0xff;
                p->regs[value >> 8] = index >> 8;
                decode_regs(p);
                break;
        case CH341_REQ_MODEM_CTRL:
                port_set_lines(p, !(value & CH341_BIT_DTR), !(value & CH341_BIT_RTS));
                break;
        default:
                /* SERIAL_INIT and the like: taken. */
                if (req->bRequestType & USB_DIR_IN)
                        *reply_len = le16toh(req->wLength);
                break;
        }
        pthread_mutex_unlock(&p->lock);
        return 0;
}

static size_t ch341_frame_in(EmuPort *p, const uint8_t *in, size_t n, uint8_t *out)
{
        (void) p;
        for (size_t i = 0; i < n; i++)
                out[i] = in[i];
        return n;
}

static size_t ch341_notify(EmuPort *p, uint8_t *out, EpRole *role)
{
        out[0] = CH341_INT_FIRST;
        out[1] = 0; /* no CH341_MULT_STAT: one change a packet */
        out[2] = status_inverted(p->msr);
        out[3] = CH341_STATUS2;
        *role = EP_INT_IN;
        return CH341_INT_LEN;
}

const FamilyOps family_ch341_ops = {
        .init_port = ch341_init_port,
        .setup = ch341_setup,
        .frame_in = ch341_frame_in,
        .notify = ch341_notify,
};
