/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* FTDI (FT232R, FT2232H): vendor requests to the device, the port in wIndex's low byte (0 on a
 * single-port chip, 1 for A, 2 for B); every bulk IN packet starts with the modem status and line
 * status bytes that ftdi_sio strips. Request numbers and bits as in ftdi_sio.h. */

#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "chip-emu.h"

enum {
        FTDI_RESET = 0x00,
        FTDI_MODEM_CTRL = 0x01,
        FTDI_SET_FLOW_CTRL = 0x02,
        FTDI_SET_BAUDRATE = 0x03,
        FTDI_SET_DATA = 0x04,
        FTDI_GET_MODEM_STATUS = 0x05,
        FTDI_SET_LATENCY = 0x09,
        FTDI_GET_LATENCY = 0x0a,
        FTDI_READ_PINS = 0x0c,
        FTDI_READ_EEPROM = 0x90,

        FTDI_MCR_DTR = 1 << 0,
        FTDI_MCR_RTS = 1 << 1,
        FTDI_MCR_DTR_ENABLE = 1 << 8,
        FTDI_MCR_RTS_ENABLE = 1 << 9,

        FTDI_DATA_BITS_MASK = 0xff,
        FTDI_DATA_PARITY_SHIFT = 8,
        FTDI_DATA_STOP_SHIFT = 11,
        FTDI_DATA_FIELD_MASK = 0x7,
        FTDI_DATA_BREAK = 1 << 14,

        /* The first status byte: bit 0 is always set on these chips; CTS, DSR, RI, DCD above. */
        FTDI_B0_BASE = 0x01,
        FTDI_B0_CTS = 0x10,
        FTDI_B0_DSR = 0x20,
        FTDI_B0_RI = 0x40,
        FTDI_B0_DCD = 0x80,
        /* The second: transmitter holding register and shift register empty. */
        FTDI_B1_IDLE = 0x60,
        FTDI_STATUS_LEN = 2,

        /* FT232R EEPROM word 0x0a: CBUS0..3 = TXLED#, RXLED#, TXDEN, PWREN# (none a GPIO). */
        FT232R_EEPROM_CBUS_WORD = 0x0a,
        FT232R_EEPROM_CBUS_DEFAULT = 0x1023,

        FTDI_DIV_INT_MASK = 0x3fff,
        FTDI_DIV_FRAC_SHIFT = 14,
        FTDI_DIV_HI_CLK = 1 << 17,
        FTDI_BASE_CLOCK = 3000000,
        FTDI_HI_BASE_CLOCK = 12000000,
};

static EmuPort *port_of(Emu *e, uint16_t w_index)
{
        unsigned channel = w_index & 0xff;
        return port_by_index(e, channel ? channel - 1 : 0);
}

static uint8_t status0(unsigned msr)
{
        return FTDI_B0_BASE | (msr & EMU_MSR_CTS ? FTDI_B0_CTS : 0) | (msr & EMU_MSR_DSR ? FTDI_B0_DSR : 0) |
               (msr & EMU_MSR_RI ? FTDI_B0_RI : 0) | (msr & EMU_MSR_DCD ? FTDI_B0_DCD : 0);
}

/* The rate an encoded divisor gives: 14 bits of integer, 3 of fraction (in ftdi_sio's odd order),
 * and on the H chips a 17th bit for the 120 MHz clock. */
static uint32_t decode_rate(uint32_t div)
{
        static const unsigned eighths[8] = { 0, 4, 2, 1, 3, 5, 6, 7 };
        uint32_t base = div & FTDI_DIV_HI_CLK ? FTDI_HI_BASE_CLOCK : FTDI_BASE_CLOCK;
        uint32_t whole = div & FTDI_DIV_INT_MASK;
        unsigned frac = eighths[(div >> FTDI_DIV_FRAC_SHIFT) & FTDI_DATA_FIELD_MASK];

        if (whole == 0 && frac == 0)
                return base;
        if (whole == 1 && frac == 0)
                return base * 2 / 3;
        return (uint32_t) ((uint64_t) base * 8 / (whole * 8 + frac));
}

static void ftdi_init_port(EmuPort *p)
{
        Emu *e = p->emu;

        e->eeprom[1] = e->model->vid;
        e->eeprom[2] = e->model->pid;
        e->eeprom[3] = e->model->bcd_device;
        e->eeprom[FT232R_EEPROM_CBUS_WORD] = FT232R_EEPROM_CBUS_DEFAULT;
}

static int ftdi_setup(Emu *e, const struct usb_ctrlrequest *req, const uint8_t *data, uint8_t *reply,
                      size_t *reply_len)
{
        uint16_t value = le16toh(req->wValue), index = le16toh(req->wIndex);
        EmuPort *p = port_of(e, index);
        static const char parity[] = "NOEMS???";
        static const char *const stop[] = { "1", "1.5", "2", "?", "?", "?", "?", "?" };
        (void) data;

        /* EEPROM requests name a word in wIndex, not a port. */
        if (req->bRequest == FTDI_READ_EEPROM) {
                uint16_t word = index < sizeof(e->eeprom) / sizeof(e->eeprom[0]) ? e->eeprom[index] : 0xffff;
                reply[0] = word & 0xff;
                reply[1] = word >> 8;
                *reply_len = 2;
                return 0;
        }
        if (!p)
                return -EPIPE;
        pthread_mutex_lock(&p->lock);
        switch (req->bRequest) {
        case FTDI_MODEM_CTRL:
                port_set_lines(p, value & FTDI_MCR_DTR_ENABLE ? !!(value & FTDI_MCR_DTR) : -1,
                               value & FTDI_MCR_RTS_ENABLE ? !!(value & FTDI_MCR_RTS) : -1);
                break;
        case FTDI_SET_BAUDRATE: {
                /* On the multi-port H chips wIndex's low byte is the port, its high byte the high bits. */
                uint32_t high = e->model->n_ports > 1 ? index >> 8 : index;
                p->rate = decode_rate(value | high << 16);
                break;
        }
        case FTDI_SET_DATA:
                snprintf(p->line, sizeof(p->line), "%u%c%s", value & FTDI_DATA_BITS_MASK,
                         parity[(value >> FTDI_DATA_PARITY_SHIFT) & FTDI_DATA_FIELD_MASK],
                         stop[(value >> FTDI_DATA_STOP_SHIFT) & FTDI_DATA_FIELD_MASK]);
                port_set_break(p, value & FTDI_DATA_BREAK);
                break;
        case FTDI_GET_MODEM_STATUS:
                reply[0] = status0(p->msr);
                reply[1] = FTDI_B1_IDLE;
                *reply_len = FTDI_STATUS_LEN;
                break;
        case FTDI_SET_LATENCY:
                p->latency = value & 0xff;
                break;
        case FTDI_GET_LATENCY:
                reply[0] = p->latency;
                *reply_len = 1;
                break;
        default:
                /* RESET, SET_FLOW_CTRL, event and error characters, bit modes, EEPROM writes: taken;
                 * other reads (READ_PINS) answer zeros of the length asked. */
                if (req->bRequestType & USB_DIR_IN)
                        *reply_len = le16toh(req->wLength);
                break;
        }
        pthread_mutex_unlock(&p->lock);
        return 0;
}

/* Each packet of wMaxPacketSize: 2 status bytes, then data. A transfer must end in a short packet
 * or the host's URB waits for more: when the data fills the last packet exactly, a status-only
 * packet follows (what the chip sends at each latency timer tick anyway). */
static size_t ftdi_frame_in(EmuPort *p, const uint8_t *in, size_t n, uint8_t *out)
{
        uint16_t mps = 0;
        size_t o = 0, payload;
        uint8_t s0;

        (void) port_fd(p, EP_BULK_IN, &mps);
        payload = mps - FTDI_STATUS_LEN;
        pthread_mutex_lock(&p->lock);
        s0 = status0(p->msr);
        p->notify_pending = false;
        pthread_mutex_unlock(&p->lock);
        for (size_t i = 0; i < n; i += payload) {
                size_t k = n - i < payload ? n - i : payload;
                out[o++] = s0;
                out[o++] = FTDI_B1_IDLE;
                memcpy(out + o, in + i, k);
                o += k;
        }
        if (o % mps == 0) {
                out[o++] = s0;
                out[o++] = FTDI_B1_IDLE;
        }
        return o;
}

static size_t ftdi_notify(EmuPort *p, uint8_t *out, EpRole *role)
{
        out[0] = status0(p->msr);
        out[1] = FTDI_B1_IDLE;
        *role = EP_BULK_IN;
        return FTDI_STATUS_LEN;
}

const FamilyOps family_ftdi_ops = {
        .init_port = ftdi_init_port,
        .setup = ftdi_setup,
        .frame_in = ftdi_frame_in,
        .notify = ftdi_notify,
};
