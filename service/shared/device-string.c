/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device-string.h"
#include "macro.h"

#define FILENAME_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-"
#define FILENAME_REPLACEMENT '_'

/* FNV-1a, 32 bits: stable everywhere, no key, no dependency. Not collision-proof against a device
 * that tries, but a device can copy another's serial outright, so callers disambiguate anyway. */
#define FNV1A_32_OFFSET UINT32_C(2166136261)
#define FNV1A_32_PRIME UINT32_C(16777619)

enum {
        ASCII_PRINTABLE_FIRST = 0x20,
        ASCII_DEL = 0x7f,
        ESCAPE_HEX_LEN = 4,   /* "\xNN" */
        ESCAPE_SHORT_LEN = 2, /* "\n", "\\" */
        UTF8_MAX_LEN = 4,
        UTF8_ASCII_MAX = 0x7f,
        UTF8_CONT_MIN = 0x80,
        UTF8_CONT_MAX = 0xbf,
        UTF8_CONT_PAYLOAD_BITS = 6,
        UTF8_CONT_PAYLOAD_MASK = 0x3f,
        HEX_DIGIT_BITS = 4,
        HEX_DIGIT_MASK = 0xf,
        UNICODE_C1_FIRST = 0x80,
        UNICODE_C1_LAST = 0x9f,
        UNICODE_LINE_SEPARATOR = 0x2028,
        UNICODE_BIDI_EMBEDDING_LAST = 0x202e, /* U+2029 paragraph separator, U+202A..E embeddings */
        UNICODE_BIDI_ISOLATE_FIRST = 0x2066,
        UNICODE_BIDI_ISOLATE_LAST = 0x2069,
};

static uint32_t fnv1a_32(const char *s)
{
        uint32_t h = FNV1A_32_OFFSET;

        for (const unsigned char *p = (const unsigned char *)s; *p; p++)
                h = (h ^ *p) * FNV1A_32_PRIME;
        return h;
}

int device_string_to_filename(const char *s, size_t max_len, char **ret)
{
        size_t len, keep;
        char *name;

        if (!s || !*s || max_len < DEVICE_STRING_FILENAME_MIN || max_len > DEVICE_STRING_FILENAME_MAX)
                return -EINVAL;
        len = strlen(s);
        keep = len <= max_len ? len : max_len - DEVICE_STRING_HASH_SUFFIX_LEN;
        name = malloc((len <= max_len ? len : max_len) + 1);
        if (!name)
                return -ENOMEM;
        for (size_t i = 0; i < keep; i++)
                name[i] = strchr(FILENAME_CHARS, s[i]) ? s[i] : FILENAME_REPLACEMENT;
        name[keep] = '\0';
        /* Not hidden, not "." or "..", not taken for an option. */
        if (name[0] == '.' || name[0] == '-')
                name[0] = FILENAME_REPLACEMENT;
        if (keep < len)
                (void)snprintf(name + keep, DEVICE_STRING_HASH_SUFFIX_LEN + 1, "-%08" PRIx32, fnv1a_32(s));
        *ret = name;
        return 0;
}

/* Unicode's table 3-7, the well-formed UTF-8 sequences of more than one byte: by lead byte, the length
 * and the range of the second byte (later ones are 0x80..0xbf). No overlong forms, no surrogates,
 * nothing above U+10FFFF. */
static const struct {
        unsigned char lead_min, lead_max, second_min, second_max;
        size_t len;
} utf8_forms[] = {
    {0xc2, 0xdf, 0x80, 0xbf, 2}, {0xe0, 0xe0, 0xa0, 0xbf, 3}, /* overlong below */
    {0xe1, 0xec, 0x80, 0xbf, 3}, {0xed, 0xed, 0x80, 0x9f, 3}, /* surrogates above */
    {0xee, 0xef, 0x80, 0xbf, 3}, {0xf0, 0xf0, 0x90, 0xbf, 4}, /* overlong below */
    {0xf1, 0xf3, 0x80, 0xbf, 4}, {0xf4, 0xf4, 0x80, 0x8f, 4}, /* above U+10FFFF */
};

/* The length of the well-formed UTF-8 sequence at p, 0 when there is none; *ret_cp: its code point.
 * The NUL that ends the string is no continuation byte, so this never reads past it. */
static size_t utf8_sequence(const unsigned char *p, uint32_t *ret_cp)
{
        if (p[0] <= UTF8_ASCII_MAX) {
                *ret_cp = p[0];
                return 1;
        }
        for (size_t f = 0; f < ELEMENTSOF(utf8_forms); f++) {
                size_t n = utf8_forms[f].len;
                uint32_t cp = p[0] & (UTF8_ASCII_MAX >> n); /* the lead byte's payload */

                if (p[0] < utf8_forms[f].lead_min || p[0] > utf8_forms[f].lead_max)
                        continue;
                if (p[1] < utf8_forms[f].second_min || p[1] > utf8_forms[f].second_max)
                        return 0;
                for (size_t i = 1; i < n; i++) {
                        if (i > 1 && (p[i] < UTF8_CONT_MIN || p[i] > UTF8_CONT_MAX))
                                return 0;
                        cp = (cp << UTF8_CONT_PAYLOAD_BITS) | (p[i] & UTF8_CONT_PAYLOAD_MASK);
                }
                *ret_cp = cp;
                return n;
        }
        return 0;
}

/* Valid, but they break a line or the order it is shown in, or a terminal reads them as commands. */
static bool code_point_escaped(uint32_t cp)
{
        return cp < ASCII_PRINTABLE_FIRST || cp == ASCII_DEL ||
               (cp >= UNICODE_C1_FIRST && cp <= UNICODE_C1_LAST) ||
               (cp >= UNICODE_LINE_SEPARATOR && cp <= UNICODE_BIDI_EMBEDDING_LAST) ||
               (cp >= UNICODE_BIDI_ISOLATE_FIRST && cp <= UNICODE_BIDI_ISOLATE_LAST);
}

/* The rendering of the character or byte at p into unit (at least ESCAPE_HEX_LEN * UTF8_MAX_LEN
 * bytes, no NUL); returns its length and sets *ret_consumed to the input bytes it stands for. */
static size_t render_unit(const unsigned char *p, bool escape_backslash, char *unit, size_t *ret_consumed)
{
        static const char hex[] = "0123456789abcdef";
        uint32_t cp = 0;
        size_t n = utf8_sequence(p, &cp), len = 0;
        char short_escape = cp == '\n'                       ? 'n'
                            : cp == '\t'                     ? 't'
                            : cp == '\r'                     ? 'r'
                            : cp == '\\' && escape_backslash ? '\\'
                                                             : 0;

        if (n == 0)
                n = 1; /* one stray byte, escaped */
        else if (short_escape) {
                unit[0] = '\\';
                unit[1] = short_escape;
                *ret_consumed = n;
                return ESCAPE_SHORT_LEN;
        } else if (!code_point_escaped(cp)) {
                memcpy(unit, p, n);
                *ret_consumed = n;
                return n;
        }
        for (size_t i = 0; i < n; i++) {
                unit[len++] = '\\';
                unit[len++] = 'x';
                unit[len++] = hex[p[i] >> HEX_DIGIT_BITS];
                unit[len++] = hex[p[i] & HEX_DIGIT_MASK];
        }
        *ret_consumed = n;
        return len;
}

/* Renders s into buf (NULL: only counts) while whole units fit in limit bytes. Returns the bytes
 * rendered; *ret_all: whether all of s was. */
static size_t render(const char *s, bool escape_backslash, char *buf, size_t limit, bool *ret_all)
{
        const unsigned char *p = (const unsigned char *)s;
        size_t out = 0;

        while (*p) {
                char unit[ESCAPE_HEX_LEN * UTF8_MAX_LEN];
                size_t consumed, len = render_unit(p, escape_backslash, unit, &consumed);

                if (len > limit - out) {
                        *ret_all = false;
                        return out;
                }
                if (buf)
                        memcpy(buf + out, unit, len);
                out += len;
                p += consumed;
        }
        *ret_all = true;
        return out;
}

static int render_cut(const char *s, bool escape_backslash, char *buf, size_t size)
{
        size_t n;
        bool all;

        if (!s || !buf || size == 0 || size - 1 < DEVICE_STRING_LOG_MIN)
                return -EINVAL;
        n = render(s, escape_backslash, buf, size - 1, &all);
        if (!all) {
                /* Cut again, short enough for the marker. */
                n = render(s, escape_backslash, buf, size - 1 - DEVICE_STRING_LOG_MIN, &all);
                memcpy(buf + n, DEVICE_STRING_ELLIPSIS, DEVICE_STRING_LOG_MIN);
                n += DEVICE_STRING_LOG_MIN;
        }
        buf[n] = '\0';
        return 0;
}

static int render_alloc(const char *s, bool escape_backslash, size_t max_len, char **ret)
{
        size_t len;
        char *buf;
        bool all;
        int r;

        if (!s || max_len < DEVICE_STRING_LOG_MIN)
                return -EINVAL;
        /* As long as the rendering, so a short string costs little however large max_len is; never
         * below what render_cut() takes. */
        len = render(s, escape_backslash, NULL, SIZE_MAX, &all);
        if (len > max_len)
                len = max_len;
        if (len < DEVICE_STRING_LOG_MIN)
                len = DEVICE_STRING_LOG_MIN;
        buf = malloc(len + 1);
        if (!buf)
                return -ENOMEM;
        r = render_cut(s, escape_backslash, buf, len + 1);
        if (r < 0) {
                free(buf);
                return r;
        }
        *ret = buf;
        return 0;
}

int device_string_for_log(const char *s, size_t max_len, char **ret)
{
        return render_alloc(s, true, max_len, ret);
}

int device_string_for_log_buf(const char *s, char *buf, size_t size)
{
        return render_cut(s, true, buf, size);
}

int device_string_for_terminal(const char *s, char **ret)
{
        return render_alloc(s, false, SIZE_MAX, ret);
}
