/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdbool.h>

#include "usb-descriptors.h"

enum {
        CONFIG_TOTAL_LENGTH_OFFSET = 2,
        CONFIG_VALUE_OFFSET = 5,
        INTERFACE_NUMBER_OFFSET = 2,
        IAD_FIRST_OFFSET = 2,
        IAD_COUNT_OFFSET = 3,
        IAD_SIZE = 8,
        CDC_SUBTYPE_OFFSET = 2,
        CDC_UNION_CONTROL_OFFSET = 3,
        CDC_UNION_MIN_SIZE = 5,
};

static uint32_t bit(unsigned n)
{
        return n < USB_INTERFACE_MASK_BITS ? UINT32_C(1) << n : 0;
}

/* Finds the descriptors of one configuration: [*ret_start, *ret_end) within buf. */
static int find_config(const uint8_t *buf, size_t len, uint8_t config_value, size_t *ret_start, size_t *ret_end)
{
        size_t off = USB_DEVICE_DESCRIPTOR_SIZE;

        if (len < USB_DEVICE_DESCRIPTOR_SIZE || buf[1] != USB_DT_DEVICE_)
                return -EBADMSG;

        while (off + USB_CONFIG_DESCRIPTOR_SIZE <= len) {
                size_t total = buf[off + CONFIG_TOTAL_LENGTH_OFFSET] |
                               (size_t)buf[off + CONFIG_TOTAL_LENGTH_OFFSET + 1] << 8;

                if (buf[off + 1] != USB_DT_CONFIG_ || total < USB_CONFIG_DESCRIPTOR_SIZE)
                        return -EBADMSG;
                if (total > len - off)
                        total = len - off; /* sysfs may hold less than announced: use what is there */
                if (buf[off + CONFIG_VALUE_OFFSET] == config_value) {
                        *ret_start = off;
                        *ret_end = off + total;
                        return 0;
                }
                off += total;
        }
        return -ENOENT;
}

/* Walks the descriptors of a configuration; calls visit for each. Stops at a malformed length. */
typedef void (*DescriptorVisitor)(const uint8_t *d, size_t len, void *userdata);

static int walk(const uint8_t *buf, size_t start, size_t end, DescriptorVisitor visit, void *userdata)
{
        for (size_t off = start; off + 2 <= end;) {
                uint8_t dlen = buf[off];

                if (dlen < 2 || dlen > end - off)
                        return -EBADMSG;
                visit(buf + off, dlen, userdata);
                off += dlen;
        }
        return 0;
}

static void visit_interface(const uint8_t *d, size_t len, void *userdata)
{
        uint32_t *mask = userdata;

        if (d[1] == USB_DT_INTERFACE_ && len > INTERFACE_NUMBER_OFFSET)
                *mask |= bit(d[INTERFACE_NUMBER_OFFSET]);
}

int usb_descriptors_all_interfaces(const uint8_t *buf, size_t len, uint8_t config_value, uint32_t *ret_mask)
{
        size_t start, end;
        uint32_t mask = 0;
        int r;

        r = find_config(buf, len, config_value, &start, &end);
        if (r < 0)
                return r;
        r = walk(buf, start, end, visit_interface, &mask);
        if (r < 0)
                return r;
        *ret_mask = mask;
        return 0;
}

typedef struct FunctionSearch {
        uint8_t ifnum;
        uint32_t iad_mask;
        uint32_t union_mask;
} FunctionSearch;

static void visit_function(const uint8_t *d, size_t len, void *userdata)
{
        FunctionSearch *f = userdata;

        if (d[1] == USB_DT_INTERFACE_ASSOCIATION_ && len >= IAD_SIZE && !f->iad_mask) {
                unsigned first = d[IAD_FIRST_OFFSET], count = d[IAD_COUNT_OFFSET];

                if (f->ifnum >= first && f->ifnum < first + count)
                        for (unsigned i = first; i < first + count; i++)
                                f->iad_mask |= bit(i);
        } else if (d[1] == USB_DT_CS_INTERFACE_ && len >= CDC_UNION_MIN_SIZE &&
                   d[CDC_SUBTYPE_OFFSET] == USB_CDC_UNION_SUBTYPE && !f->union_mask) {
                uint32_t m = 0;
                bool ours = false;

                for (size_t i = CDC_UNION_CONTROL_OFFSET; i < len; i++) {
                        m |= bit(d[i]);
                        ours = ours || d[i] == f->ifnum;
                }
                if (ours)
                        f->union_mask = m;
        }
}

int usb_descriptors_function_interfaces(const uint8_t *buf, size_t len, uint8_t config_value, uint8_t ifnum,
                                        uint32_t *ret_mask)
{
        FunctionSearch f = { .ifnum = ifnum };
        size_t start, end;
        int r;

        r = find_config(buf, len, config_value, &start, &end);
        if (r < 0)
                return r;
        r = walk(buf, start, end, visit_function, &f);
        if (r < 0)
                return r;
        *ret_mask = (f.iad_mask ?: f.union_mask) | bit(ifnum);
        return 0;
}
