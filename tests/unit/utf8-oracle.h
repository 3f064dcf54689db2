/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A second, independent reading of UTF-8 (by code point ranges, not by the table under test), for
 * the unit tests and the fuzz target of device-string.c. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

static inline bool utf8_valid(const char *s)
{
        for (const unsigned char *p = (const unsigned char *)s; *p;) {
                uint32_t cp;
                size_t n;

                if (*p < 0x80)
                        n = 1, cp = *p;
                else if ((*p & 0xe0) == 0xc0)
                        n = 2, cp = *p & 0x1f;
                else if ((*p & 0xf0) == 0xe0)
                        n = 3, cp = *p & 0x0f;
                else if ((*p & 0xf8) == 0xf0)
                        n = 4, cp = *p & 0x07;
                else
                        return false;
                for (size_t i = 1; i < n; i++) {
                        if ((p[i] & 0xc0) != 0x80)
                                return false;
                        cp = cp << 6 | (p[i] & 0x3f);
                }
                if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
                    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
                        return false;
                p += n;
        }
        return true;
}
