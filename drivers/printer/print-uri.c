/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* drvhost:// printer URIs: drvhost://MANUFACTURER/MODEL?serial=SERIAL, percent-encoded. Pure. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "macro.h"
#include "print-uri.h"

enum {
        HEX = 16,
        NIBBLE_BITS = 4,
};

#define URI_PREFIX PRINTER_URI_SCHEME "://"

/* RFC 3986's unreserved characters stay as they are; everything else is %-escaped. */
static bool uri_unreserved(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
               c == '.' || c == '_' || c == '~';
}

static int uri_append(FILE *f, const char *s)
{
        static const char hex[] = "0123456789ABCDEF";

        for (; *s; s++) {
                unsigned char c = (unsigned char)*s;

                if (uri_unreserved((char)c))
                        fputc(c, f);
                else
                        fprintf(f, "%%%c%c", hex[c >> NIBBLE_BITS], hex[c & (HEX - 1)]);
        }
        return ferror(f) ? -ENOMEM : 0;
}

int printer_uri_format(const char *manufacturer, const char *model, const char *serial, char **ret)
{
        _cleanup_free_ char *buf = NULL;
        size_t size = 0;
        FILE *f;
        int r = 0;

        f = open_memstream(&buf, &size);
        if (!f)
                return -ENOMEM;
        fputs(URI_PREFIX, f);
        r = r ?: uri_append(f, manufacturer);
        fputc('/', f);
        r = r ?: uri_append(f, model);
        if (serial && *serial) {
                fputs("?serial=", f);
                r = r ?: uri_append(f, serial);
        }
        if (fclose(f) != 0 || r < 0)
                return -ENOMEM;
        *ret = TAKE_PTR(buf);
        return 0;
}

static int hex_value(char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

/* Decodes [s, s + n) into a new string. Returns 0, -EINVAL for a bad or NUL escape, -ENOMEM. */
static int uri_decode(const char *s, size_t n, char **ret)
{
        char *out = malloc(n + 1), *o = out;

        if (!out)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                int hi, lo;

                if (s[i] != '%') {
                        *o++ = s[i];
                        continue;
                }
                if (n - i < 3 || (hi = hex_value(s[i + 1])) < 0 || (lo = hex_value(s[i + 2])) < 0 ||
                    (hi == 0 && lo == 0)) {
                        free(out);
                        return -EINVAL;
                }
                *o++ = (char)(hi << NIBBLE_BITS | lo);
                i += 2;
        }
        *o = '\0';
        *ret = out;
        return 0;
}

int printer_uri_parse(const char *uri, PrinterUri *ret)
{
        _cleanup_(printer_uri_done) PrinterUri u = {};
        const char *host, *slash, *path_end, *query;
        int r;

        *ret = (PrinterUri){};
        if (!uri || strncasecmp(uri, URI_PREFIX, strlen(URI_PREFIX)) != 0)
                return -EINVAL;
        host = uri + strlen(URI_PREFIX);
        slash = strchr(host, '/');
        if (!slash || slash == host)
                return -EINVAL;
        query = strchr(slash, '?');
        path_end = query ? query : slash + strlen(slash);
        if (path_end == slash + 1)
                return -EINVAL;

        r = uri_decode(host, (size_t)(slash - host), &u.manufacturer);
        if (r < 0)
                return r;
        r = uri_decode(slash + 1, (size_t)(path_end - slash - 1), &u.model);
        if (r < 0)
                return r;

        for (const char *p = query ? query + 1 : NULL; p && *p;) {
                const char *amp = strchr(p, '&');
                size_t len = amp ? (size_t)(amp - p) : strlen(p);

                if (len > strlen("serial=") && strneq(p, "serial=", strlen("serial=")) && !u.serial) {
                        r = uri_decode(p + strlen("serial="), len - strlen("serial="), &u.serial);
                        if (r < 0)
                                return r;
                }
                p = amp ? amp + 1 : NULL;
        }

        *ret = u;
        u = (PrinterUri){};
        return 0;
}

void printer_uri_done(PrinterUri *u)
{
        free(u->manufacturer);
        free(u->model);
        free(u->serial);
        *u = (PrinterUri){};
}
