/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* IEEE 1284 device IDs, as USB printers return them for the class request GET_DEVICE_ID: a 2-byte
 * length, then "KEY:value;" pairs, e.g.
 *
 *     MFG:drvhost;MDL:Lab Printer;CMD:PCL,PJL;CLS:PRINTER;DES:drvhost virtual printer;
 *
 * Pure code, no I/O: the parsers take a pointer and a length, never read past it and never rely on
 * a terminating NUL, because the bytes come from a device. */

#include <stddef.h>
#include <stdint.h>

enum {
        /* Longest ID accepted, and the wLength of GET_DEVICE_ID. IEEE 1284 allows 64 KiB; real IDs
         * stay well under 1 KiB, and CUPS reads 1 KiB. Anything longer is rejected, not truncated. */
        DEVICE_ID_MAX = 4096,
        /* The length field that precedes the ID counts itself. */
        DEVICE_ID_LENGTH_SIZE = 2,
};

typedef struct DeviceId {
        /* NULL when the ID lacks the key. Values are trimmed of surrounding spaces and may contain any
         * byte but NUL and ';' (control characters included: sanitize before printing). */
        char *manufacturer; /* MFG or MANUFACTURER */
        char *model;        /* MDL or MODEL */
        char *command_set;  /* CMD or COMMAND SET */
        char *class;        /* CLS or CLASS */
        char *description;  /* DES or DESCRIPTION */
        char *serial;       /* SN, SERN or SERIALNUMBER */
} DeviceId;

/* Extracts the ID from a GET_DEVICE_ID response of n bytes. The length prefix is big-endian per IEEE
 * 1284 and counts its own 2 bytes; some printers send it little-endian, so, as CUPS does, when the
 * big-endian reading is implausible (below 2 or beyond the n bytes received) the little-endian one
 * is tried. The ID ends at the length or at a NUL byte, whichever comes first.
 * Returns 0 with *ret_id pointing into buf and *ret_len its length, or -EBADMSG when neither byte
 * order gives a plausible length, or -EMSGSIZE for an ID longer than DEVICE_ID_MAX. */
int device_id_from_response(const uint8_t *buf, size_t n, const char **ret_id, size_t *ret_len);

/* Parses len bytes of an ID (not necessarily NUL-terminated). Keys are matched case-insensitively and
 * may be surrounded by spaces; the first occurrence of a key wins; pairs without ':' and unknown keys
 * are skipped; the last pair may lack its ';'. An empty ID gives an empty DeviceId.
 * Returns 0, -EMSGSIZE for len > DEVICE_ID_MAX, -EINVAL for a NUL byte inside the ID, or -ENOMEM.
 * On failure *ret is left empty. Free with device_id_done(). */
int device_id_parse(const char *id, size_t len, DeviceId *ret);

/* Frees the values and empties *id. */
void device_id_done(DeviceId *id);

/* For _cleanup_(device_id_done). */
static inline void device_id_donep(DeviceId *id)
{
        device_id_done(id);
}
