/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Silicon Labs CP210x (CP2102, CP2105): requests to the interface (one per port, wIndex = its
 * number); the part number and other vendor reads (request 0xff) to the device with the interface
 * in wIndex. Modem status only through GET_MDMSTS: cp210x has no interrupt endpoint, and its event
 * mode (EMBED_EVENTS, on with INPCK) ignores MSR events; in event mode the escape character in the
 * data is sent twice over (escape, 0). Request numbers and bits as in cp210x.c and AN571. */

#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "chip-emu.h"

enum {
        CP210X_IFC_ENABLE = 0x00,
        CP210X_SET_BAUDDIV = 0x01,
        CP210X_GET_BAUDDIV = 0x02,
        CP210X_SET_LINE_CTL = 0x03,
        CP210X_GET_LINE_CTL = 0x04,
        CP210X_SET_BREAK = 0x05,
        CP210X_SET_MHS = 0x07,
        CP210X_GET_MDMSTS = 0x08,
        CP210X_SET_EVENTMASK = 0x0b,
        CP210X_GET_EVENTMASK = 0x0c,
        CP210X_GET_CHARS = 0x0e,
        CP210X_SET_FLOW = 0x13,
        CP210X_GET_FLOW = 0x14,
        CP210X_EMBED_EVENTS = 0x15,
        CP210X_SET_CHARS = 0x19,
        CP210X_GET_BAUDRATE = 0x1d,
        CP210X_SET_BAUDRATE = 0x1e,
        CP210X_VENDOR_SPECIFIC = 0xff,

        CP210X_GET_FW_VER = 0x000e,
        CP210X_GET_PARTNUM = 0x370b,

        CONTROL_DTR = 0x0001,
        CONTROL_RTS = 0x0002,
        CONTROL_CTS = 0x0010,
        CONTROL_DSR = 0x0020,
        CONTROL_RING = 0x0040,
        CONTROL_DCD = 0x0080,
        CONTROL_WRITE_DTR = 0x0100,
        CONTROL_WRITE_RTS = 0x0200,

        LINE_STOP_MASK = 0x000f,
        LINE_PARITY_SHIFT = 4,
        LINE_PARITY_MASK = 0x00f0,
        LINE_BITS_SHIFT = 8,
        LINE_DEFAULT = 0x0800, /* 8N1 */

        BAUDDIV_CLOCK = 3686400,
        DEFAULT_RATE = 9600,
        FLOW_BLOCK = 16,
        FLOW_DEFAULT_HANDSHAKE = 0x01, /* DTR active */
        FLOW_DEFAULT_REPLACE = 0x40,   /* RTS active */
        FLOW_DEFAULT_LIMIT = 0x80,
        CHARS_BLOCK = 6,
        ESCAPED = 0x00,
};

/* A GET that reads back what a SET wrote (by value or by block). */
static int set_of_get(uint8_t get)
{
        switch (get) {
        case CP210X_GET_BAUDDIV:
                return CP210X_SET_BAUDDIV;
        case CP210X_GET_LINE_CTL:
                return CP210X_SET_LINE_CTL;
        case CP210X_GET_EVENTMASK:
                return CP210X_SET_EVENTMASK;
        case CP210X_GET_CHARS:
                return CP210X_SET_CHARS;
        case CP210X_GET_FLOW:
                return CP210X_SET_FLOW;
        case CP210X_GET_BAUDRATE:
                return CP210X_SET_BAUDRATE;
        default:
                return -1;
        }
}

static void put_le(uint8_t *b, uint32_t v, size_t n)
{
        for (size_t i = 0; i < n; i++)
                b[i] = v >> (8 * i);
}

static void cp210x_init_port(EmuPort *p)
{
        uint8_t *flow = p->blocks[CP210X_SET_FLOW];

        put_le(p->blocks[CP210X_SET_LINE_CTL], LINE_DEFAULT, 2);
        put_le(p->blocks[CP210X_SET_BAUDRATE], DEFAULT_RATE, 4);
        put_le(p->blocks[CP210X_SET_BAUDDIV], BAUDDIV_CLOCK / DEFAULT_RATE, 2);
        put_le(flow, FLOW_DEFAULT_HANDSHAKE, 4);
        put_le(flow + 4, FLOW_DEFAULT_REPLACE, 4);
        put_le(flow + 8, FLOW_DEFAULT_LIMIT, 4);
        put_le(flow + 12, FLOW_DEFAULT_LIMIT, 4);
}

static void set_line(EmuPort *p, uint16_t v)
{
        static const char parity[] = "NOEMS???????????";
        static const char *const stop[] = { "1", "1.5", "2" };
        unsigned s = v & LINE_STOP_MASK;

        snprintf(p->line, sizeof(p->line), "%u%c%s", v >> LINE_BITS_SHIFT,
                 parity[(v & LINE_PARITY_MASK) >> LINE_PARITY_SHIFT], s < 3 ? stop[s] : "?");
}

static uint8_t mdmsts(const EmuPort *p)
{
        return (p->dtr ? CONTROL_DTR : 0) | (p->rts ? CONTROL_RTS : 0) | (p->msr & EMU_MSR_CTS ? CONTROL_CTS : 0) |
               (p->msr & EMU_MSR_DSR ? CONTROL_DSR : 0) | (p->msr & EMU_MSR_RI ? CONTROL_RING : 0) |
               (p->msr & EMU_MSR_DCD ? CONTROL_DCD : 0);
}

static void vendor_read(Emu *e, uint16_t value, uint8_t *reply, size_t *reply_len, size_t w_length)
{
        /* Unknown vendor reads (GET_PORTCONFIG, GET_DEVICEMODE, latches) answer zeros: ports in
         * modem mode, no GPIO. */
        *reply_len = w_length;
        if (value == CP210X_GET_PARTNUM)
                reply[0] = e->model->chip_id;
        else if (value == CP210X_GET_FW_VER)
                reply[0] = 1; /* firmware 1.0.0 */
}

static int cp210x_setup(Emu *e, const struct usb_ctrlrequest *req, const uint8_t *data, uint8_t *reply,
                        size_t *reply_len)
{
        uint16_t value = le16toh(req->wValue), w_length = le16toh(req->wLength);
        EmuPort *p = port_by_index(e, le16toh(req->wIndex) & 0xff);
        bool in = req->bRequestType & USB_DIR_IN;
        int set;

        if (!p)
                return -EPIPE;
        if (req->bRequest == CP210X_VENDOR_SPECIFIC) {
                if (in)
                        vendor_read(e, value, reply, reply_len, w_length);
                return 0;
        }
        pthread_mutex_lock(&p->lock);
        if (in) {
                *reply_len = w_length;
                set = set_of_get(req->bRequest);
                if (req->bRequest == CP210X_GET_MDMSTS)
                        reply[0] = mdmsts(p);
                else if (set >= 0)
                        memcpy(reply, p->blocks[set], w_length < sizeof(p->blocks[0]) ? w_length : sizeof(p->blocks[0]));
                /* GET_COMM_STATUS and GET_PROPS: zeros (nothing queued, no errors). */
                pthread_mutex_unlock(&p->lock);
                return 0;
        }
        switch (req->bRequest) {
        case CP210X_IFC_ENABLE:
                /* Disabling the interface ends event mode. */
                if (!value)
                        p->escape = 0;
                break;
        case CP210X_SET_BAUDDIV:
        case CP210X_SET_EVENTMASK:
                put_le(p->blocks[req->bRequest], value, 2);
                if (req->bRequest == CP210X_SET_BAUDDIV && value)
                        p->rate = BAUDDIV_CLOCK / value;
                break;
        case CP210X_SET_LINE_CTL:
                put_le(p->blocks[req->bRequest], value, 2);
                set_line(p, value);
                break;
        case CP210X_SET_BREAK:
                port_set_break(p, value != 0);
                break;
        case CP210X_SET_MHS:
                port_set_lines(p, value & CONTROL_WRITE_DTR ? !!(value & CONTROL_DTR) : -1,
                               value & CONTROL_WRITE_RTS ? !!(value & CONTROL_RTS) : -1);
                break;
        case CP210X_EMBED_EVENTS:
                p->escape = value & 0xff;
                break;
        case CP210X_SET_FLOW:
        case CP210X_SET_CHARS:
        case CP210X_SET_BAUDRATE:
                if (data)
                        memcpy(p->blocks[req->bRequest], data,
                               w_length < sizeof(p->blocks[0]) ? w_length : sizeof(p->blocks[0]));
                if (req->bRequest == CP210X_SET_BAUDRATE && data && w_length >= 4)
                        p->rate = data[0] | data[1] << 8 | data[2] << 16 | (uint32_t) data[3] << 24;
                break;
        default:
                break;
        }
        pthread_mutex_unlock(&p->lock);
        return 0;
}

static size_t cp210x_frame_in(EmuPort *p, const uint8_t *in, size_t n, uint8_t *out)
{
        uint8_t escape;
        size_t o = 0;

        pthread_mutex_lock(&p->lock);
        escape = p->escape;
        pthread_mutex_unlock(&p->lock);
        for (size_t i = 0; i < n; i++) {
                out[o++] = in[i];
                if (escape && in[i] == escape)
                        out[o++] = ESCAPED;
        }
        return o;
}

static size_t cp210x_notify(EmuPort *p, uint8_t *out, EpRole *role)
{
        (void) p, (void) out, (void) role;
        return 0;
}

const FamilyOps family_cp210x_ops = {
        .init_port = cp210x_init_port,
        .setup = cp210x_setup,
        .frame_in = cp210x_frame_in,
        .notify = cp210x_notify,
};
