/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Strings a device chose: USB serial numbers, product, manufacturer and interface strings, IEEE 1284
 * device IDs, SCSI model names. A hostile device sends any bytes at any length, so none of them goes
 * into a file or unit name, a journal field or a terminal as it came. Pure code (no sd-*, no libusb)
 * so that the unit tests and a fuzz target see all of it.
 *
 * Neither function makes two devices with the same string distinct: a caller that names something
 * after a serial number also needs what tells two such devices apart (the port, the sysname). */

#include <stddef.h>

enum {
        /* A cut file name ends in '-' and 8 hex digits of a hash of the whole string. */
        DEVICE_STRING_HASH_SUFFIX_LEN = 9,
        /* max_len bounds of device_string_to_filename(): one kept byte before the suffix; a path
         * component (NAME_MAX). */
        DEVICE_STRING_FILENAME_MIN = DEVICE_STRING_HASH_SUFFIX_LEN + 1,
        DEVICE_STRING_FILENAME_MAX = 255,
};

/* What a cut log rendering ends in. */
#define DEVICE_STRING_ELLIPSIS "\xe2\x80\xa6" /* U+2026 "…" */
enum { DEVICE_STRING_LOG_MIN = sizeof(DEVICE_STRING_ELLIPSIS) - 1 };

/* One path component made from s, good as a file name and as (part of) a unit instance name: bytes
 * other than [A-Za-z0-9._-] become '_' ('+' too: the fd store's names use it for ':'); a leading '.'
 * or '-' becomes '_', so the result is never ".", ".." or an option. When s is longer than max_len
 * bytes it is cut to max_len - 9 bytes and "-" and 8 hex digits of a hash (FNV-1a, stable across runs
 * and builds) of all of s are appended: two long strings with a common prefix stay apart. The same s
 * always gives the same name. *ret (at most max_len bytes) must be freed.
 * Returns 0, -EINVAL (s NULL or empty: the caller names the thing otherwise; max_len outside
 * DEVICE_STRING_FILENAME_MIN..DEVICE_STRING_FILENAME_MAX), -ENOMEM. */
int device_string_to_filename(const char *s, size_t max_len, char **ret);

/* s as one printable line for a journal message or field, D-Bus or a terminal: valid UTF-8 is kept;
 * control characters, DEL, C1 controls, line separators and bidi overrides, and bytes that are not
 * valid UTF-8 become C escapes ("\n", "\t", "\r", "\xNN" per byte); '\' becomes "\\", so the
 * rendering is unambiguous. Longer than max_len bytes (SIZE_MAX: no limit), it is cut between
 * characters and escapes and ends in DEVICE_STRING_ELLIPSIS, max_len bytes at most. *ret must be
 * freed. Returns 0, -EINVAL (s NULL, max_len < DEVICE_STRING_LOG_MIN), -ENOMEM. */
int device_string_for_log(const char *s, size_t max_len, char **ret);

/* The same into buf (size bytes, the NUL included: max_len is size - 1), for fixed-size fields.
 * Returns 0 or -EINVAL (s or buf NULL, size - 1 < DEVICE_STRING_LOG_MIN). */
int device_string_for_log_buf(const char *s, char *buf, size_t size);

/* s made safe for a terminal, for text that may be a rendering already (drvhostctl shows what
 * drvhostd rendered): as device_string_for_log() without a limit, but a '\' stays as it is, so an
 * escape is not escaped twice. Returns 0, -EINVAL (s NULL), -ENOMEM. */
int device_string_for_terminal(const char *s, char **ret);
