/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The FunctionFS side of a model: one function with one interface per port, each with the chip's
 * endpoints in the chip's order, written to ep0; then the endpoint files FunctionFS makes for them.
 * FUNCTIONFS_ALL_CTRL_RECIP: FTDI, CH34x, PL2303 and part of CP210x send vendor requests to the
 * device, not to an interface; without the flag composite.c answers them with a stall. */

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/usb/functionfs.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "chip-emu.h"

enum {
        DESCS_MAX = 1024,
        /* The endpoint descriptor without the audio fields. */
        EP_DESC_SIZE = USB_DT_ENDPOINT_SIZE,
        HS_INT_INTERVAL_OFFSET = 3, /* at high speed bInterval is 2^(n-1) microframes: 1 ms is 4 */
};

typedef struct Buf {
        uint8_t data[DESCS_MAX];
        size_t len;
} Buf;

static void put(Buf *b, const void *p, size_t n)
{
        if (b->len + n <= sizeof(b->data))
                memcpy(b->data + b->len, p, n);
        b->len += n;
}

static void put_le32(Buf *b, uint32_t v)
{
        uint32_t le = htole32(v);
        put(b, &le, sizeof(le));
}

static uint8_t ep_type(EpRole role)
{
        return role == EP_INT_IN ? USB_ENDPOINT_XFER_INT : USB_ENDPOINT_XFER_BULK;
}

/* One speed's descriptors: returns how many there are. */
static unsigned put_speed(Buf *b, const ChipModel *m, bool high_speed)
{
        unsigned count = 0, ep_number = 1;

        for (unsigned port = 0; port < m->n_ports; port++) {
                unsigned n_eps = 0;
                for (unsigned i = 0; i < EMU_EPS_PER_PORT_MAX; i++)
                        n_eps += m->eps[i].role != EP_NONE;
                struct usb_interface_descriptor intf = {
                        .bLength = USB_DT_INTERFACE_SIZE,
                        .bDescriptorType = USB_DT_INTERFACE,
                        .bInterfaceNumber = port,
                        .bNumEndpoints = n_eps,
                        .bInterfaceClass = m->intf_class,
                        .bInterfaceSubClass = m->intf_subclass,
                        .bInterfaceProtocol = m->intf_protocol,
                };
                put(b, &intf, USB_DT_INTERFACE_SIZE);
                count++;
                for (unsigned i = 0; i < EMU_EPS_PER_PORT_MAX; i++) {
                        const EpSpec *s = &m->eps[i];
                        if (s->role == EP_NONE)
                                continue;
                        struct usb_endpoint_descriptor ep = {
                                .bLength = EP_DESC_SIZE,
                                .bDescriptorType = USB_DT_ENDPOINT,
                                .bEndpointAddress = ep_number++ | (s->role == EP_BULK_OUT ? USB_DIR_OUT : USB_DIR_IN),
                                .bmAttributes = ep_type(s->role),
                                .wMaxPacketSize = htole16(high_speed && s->hs_size ? s->hs_size : s->fs_size),
                                .bInterval = s->interval,
                        };
                        if (high_speed && s->role == EP_INT_IN)
                                ep.bInterval = s->interval + HS_INT_INTERVAL_OFFSET;
                        put(b, &ep, EP_DESC_SIZE);
                        count++;
                }
        }
        return count;
}

static int write_all(int fd, const void *p, size_t n)
{
        ssize_t k = write(fd, p, n);
        if (k < 0)
                return -errno;
        return (size_t) k == n ? 0 : -EIO;
}

int descriptors_write(Emu *e, const char *ffs_dir)
{
        const ChipModel *m = e->model;
        Buf body = {}, descs = {};
        char path[EMU_PATH_MAX];
        unsigned fs_count, hs_count = 0;
        uint32_t flags = FUNCTIONFS_HAS_FS_DESC | FUNCTIONFS_ALL_CTRL_RECIP;
        int r;

        fs_count = put_speed(&body, m, false);
        if (m->high_speed) {
                flags |= FUNCTIONFS_HAS_HS_DESC;
                hs_count = put_speed(&body, m, true);
        }

        put_le32(&descs, FUNCTIONFS_DESCRIPTORS_MAGIC_V2);
        put_le32(&descs, 0); /* length, below */
        put_le32(&descs, flags);
        put_le32(&descs, fs_count);
        if (m->high_speed)
                put_le32(&descs, hs_count);
        put(&descs, body.data, body.len);
        if (descs.len > sizeof(descs.data))
                return -ENOBUFS;
        uint32_t len = htole32(descs.len);
        memcpy(descs.data + 4, &len, sizeof(len));

        snprintf(path, sizeof(path), "%s/ep0", ffs_dir);
        e->ep0 = open(path, O_RDWR | O_CLOEXEC);
        if (e->ep0 < 0)
                return -errno;
        r = write_all(e->ep0, descs.data, descs.len);
        if (r < 0)
                return r;

        /* No interface strings: the chips' come from the device, which the gadget's configfs has. */
        struct usb_functionfs_strings_head strings = {
                .magic = htole32(FUNCTIONFS_STRINGS_MAGIC),
                .length = htole32(sizeof(strings)),
                .str_count = 0,
                .lang_count = 0,
        };
        return write_all(e->ep0, &strings, sizeof(strings));
}

/* FunctionFS names the endpoint files ep1, ep2 ... in the order of the full-speed descriptors. */
int endpoints_open(Emu *e, const char *ffs_dir)
{
        const ChipModel *m = e->model;
        unsigned file = 1;
        char path[EMU_PATH_MAX];

        for (unsigned port = 0; port < m->n_ports; port++) {
                EmuPort *p = &e->ports[port];
                for (unsigned i = 0; i < EMU_EPS_PER_PORT_MAX; i++) {
                        const EpSpec *s = &m->eps[i];
                        p->ep_fd[i] = -1;
                        if (s->role == EP_NONE)
                                continue;
                        snprintf(path, sizeof(path), "%s/ep%u", ffs_dir, file++);
                        p->ep_fd[i] = open(path, O_RDWR | O_CLOEXEC);
                        if (p->ep_fd[i] < 0)
                                return -errno;
                        p->ep_size[i] = m->high_speed && s->hs_size ? s->hs_size : s->fs_size;
                }
        }
        return 0;
}
