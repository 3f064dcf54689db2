/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: a string a device chose (serial number, product string, IEEE 1284 ID) through
 * device_string_to_filename() and device_string_for_log(). Aborts when a promise of device-string.h
 * breaks: a file name of other bytes than [A-Za-z0-9._-], ".", "..", a leading '.' or '-', longer than
 * max_len, or not the same twice; a log rendering with a control byte or DEL, not valid UTF-8, or
 * longer than max_len; a terminal rendering that is not printable or that escapes a log rendering again.
 * The first input byte picks max_len, the rest is the string. */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "device-string.h"
#include "../unit/utf8-oracle.h"

#define FILENAME_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_filename(const char *s, size_t max_len)
{
        char *name = NULL, *again = NULL;
        size_t len;
        int r;

        r = device_string_to_filename(s, max_len, &name);
        if (r == -EINVAL &&
            (!*s || max_len < DEVICE_STRING_FILENAME_MIN || max_len > DEVICE_STRING_FILENAME_MAX))
                return;
        if (r < 0)
                abort();
        len = strlen(name);
        if (len == 0 || len > max_len || strspn(name, FILENAME_CHARS) != len || name[0] == '.' ||
            name[0] == '-' || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
                abort();
        /* As long as s up to max_len, and the same name for the same s. */
        if (len != (strlen(s) < max_len ? strlen(s) : max_len))
                abort();
        if (device_string_to_filename(s, max_len, &again) < 0 || strcmp(name, again) != 0)
                abort();
        free(name);
        free(again);
}

static void check_printable(const char *text, size_t max_len)
{
        if (strlen(text) > max_len || !utf8_valid(text))
                abort();
        for (const unsigned char *p = (const unsigned char *)text; *p; p++)
                if (*p < 0x20 || *p == 0x7f)
                        abort();
}

/* drvhostctl's rendering: safe on raw input, and what drvhostd rendered comes through unchanged. */
static void check_terminal(const char *s)
{
        char *text = NULL, *shown = NULL;

        if (device_string_for_terminal(s, &shown) < 0)
                abort();
        check_printable(shown, SIZE_MAX);
        free(shown);
        if (device_string_for_log(s, SIZE_MAX, &text) < 0 || device_string_for_terminal(text, &shown) < 0 ||
            strcmp(text, shown) != 0)
                abort();
        free(text);
        free(shown);
}

static void check_log(const char *s, size_t max_len)
{
        char *text = NULL;
        int r;

        r = device_string_for_log(s, max_len, &text);
        if (r == -EINVAL && max_len < DEVICE_STRING_LOG_MIN)
                return;
        if (r < 0)
                abort();
        check_printable(text, max_len);
        /* Cut or not: a plain ASCII string that fits comes back as it was. */
        if (strlen(s) <= max_len && strcspn(s, "\\") == strlen(s)) {
                bool plain = true;

                for (const unsigned char *p = (const unsigned char *)s; *p; p++)
                        plain = plain && *p >= 0x20 && *p < 0x7f;
                if (plain && strcmp(text, s) != 0)
                        abort();
        }
        free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        size_t max_len;
        char *s;

        if (size < 1)
                return 0;
        /* 0..255 covers both functions' bounds and beyond them on either side. */
        max_len = data[0];
        s = strndup((const char *)data + 1, size - 1); /* a C string, as sysfs and libusb give */
        if (!s)
                return 0;
        check_filename(s, max_len);
        check_log(s, max_len);
        check_log(s, SIZE_MAX);
        check_terminal(s);
        free(s);
        return 0;
}
