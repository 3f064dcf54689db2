/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Parsing one manifest file with libinih, driven by the key table of manifest-keys.c. */
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "manifest-keys.h"

enum {
        /* libinih wants the longest line plus "\r\n\0" to fit into the buffer it hands the reader. */
        INI_LINE_OVERHEAD = 3,
};

static const uint64_t FNV1A_64_OFFSET_BASIS = UINT64_C(0xcbf29ce484222325);
static const uint64_t FNV1A_64_PRIME = UINT64_C(0x100000001b3);

static uint64_t fnv1a_64(const char *p, size_t n)
{
        uint64_t h = FNV1A_64_OFFSET_BASIS;

        for (size_t i = 0; i < n; i++) {
                h ^= (unsigned char)p[i];
                h *= FNV1A_64_PRIME;
        }
        return h;
}

typedef struct ParseState {
        const char *text; /* what the reader hands to libinih, line by line */
        size_t size;
        size_t offset;
        unsigned line;

        Manifest *manifest;
        unsigned seen_line[_MANIFEST_KEY_MAX]; /* 0: not seen yet */

        int r; /* first error: -EINVAL or -ENOMEM */
        unsigned error_line;
        char *error_reason;
} ParseState;

static void parse_state_fail(ParseState *s, int r, unsigned line, char *reason)
{
        if (s->r < 0) {
                free(reason);
                return;
        }
        s->r = r;
        s->error_line = line;
        s->error_reason = reason;
}

_printf_(3, 4) static void parse_state_failf(ParseState *s, unsigned line, const char *format, ...)
{
        char *reason = NULL;
        va_list ap;
        int k;

        if (s->r < 0)
                return;
        va_start(ap, format);
        k = vasprintf(&reason, format, ap);
        va_end(ap);
        parse_state_fail(s, k < 0 ? -ENOMEM : -EINVAL, line, k < 0 ? NULL : reason);
}
/* libinih's fgets-style reader. It hands out one line per call, so our line counter and libinih's
 * agree. It drops leading whitespace (so that libinih never sees a continuation line), and catches
 * what libinih would not report by itself: over-long lines, ':' used as the separator, and unknown
 * sections without keys. Returning NULL ends the parse. */
static char *manifest_reader(char *buf, int size, void *userdata)
{
        ParseState *s = userdata;
        const char *start, *nl, *p;
        size_t n, content, limit;

        if (s->r < 0 || s->offset >= s->size)
                return NULL;

        start = s->text + s->offset;
        nl = memchr(start, '\n', s->size - s->offset);
        n = nl ? (size_t)(nl - start) + 1 : s->size - s->offset;
        s->offset += n;
        s->line++;

        content = n;
        while (content > 0 && (start[content - 1] == '\n' || start[content - 1] == '\r'))
                content--;
        limit = size > INI_LINE_OVERHEAD ? (size_t)size - INI_LINE_OVERHEAD : 0;
        if (limit > MANIFEST_LINE_MAX)
                limit = MANIFEST_LINE_MAX;
        if (content > limit) {
                parse_state_failf(s, s->line, "Line too long (%zu characters, at most %zu)", content, limit);
                return NULL;
        }

        /* Copy without the leading whitespace; content + "\n\0" fits, as content <= size - 3. */
        for (p = start; p < start + content && (*p == ' ' || *p == '\t'); p++)
                ;
        content -= (size_t)(p - start);
        memcpy(buf, p, content);
        buf[content] = '\n';
        buf[content + 1] = '\0';

        if (buf[0] == '[') {
                const char *end = strchr(buf, ']');

                if (end && !manifest_section_known(buf + 1, (size_t)(end - buf - 1)))
                        parse_state_failf(s, s->line, "Unknown section [%.*s]", (int)(end - buf - 1),
                                          buf + 1);
        } else if (buf[0] && !strchr(";#\r\n", buf[0])) {
                size_t k = strcspn(buf, "=:");

                if (buf[k] == ':')
                        parse_state_failf(s, s->line, "Expected Key=Value, found ':' before any '='");
        }
        return buf;
}

static int manifest_handler(void *userdata, const char *section, const char *key, const char *value)
{
        ParseState *s = userdata;
        const ManifestKey *k = NULL;
        size_t i;
        char *reason = NULL;
        int r;

        if (s->r < 0)
                return 1; /* only the first error is reported */

        if (!*section) {
                parse_state_failf(s, s->line, "Key \"%s\" outside of any section", key);
                return 1;
        }
        if (!manifest_section_known(section, strlen(section))) {
                parse_state_failf(s, s->line, "Unknown section [%s]", section);
                return 1;
        }

        for (i = 0; i < _MANIFEST_KEY_MAX; i++)
                if (streq(manifest_keys[i].section, section) && streq(manifest_keys[i].key, key)) {
                        k = &manifest_keys[i];
                        break;
                }
        if (!k) {
                parse_state_failf(s, s->line, "Unknown key \"%s\" in section [%s]", key, section);
                return 1;
        }
        if (s->seen_line[i] > 0 && !k->repeatable) {
                parse_state_failf(s, s->line, "Duplicate key %s= (already set on line %u)", key,
                                  s->seen_line[i]);
                return 1;
        }
        if (s->seen_line[i] == 0)
                s->seen_line[i] = s->line;

        r = k->parse(s->manifest, key, value, &reason);
        if (r < 0)
                parse_state_fail(s, r, s->line, reason);
        return 1;
}

static Manifest *manifest_new(void)
{
        Manifest *m = calloc(1, sizeof(*m));

        if (!m)
                return NULL;
        m->fallback_to_kernel = true;
        m->restart_limit_burst = MANIFEST_RESTART_BURST_DEFAULT;
        m->restart_limit_interval_sec = MANIFEST_RESTART_INTERVAL_DEFAULT;
        return m;
}

Manifest *manifest_free(Manifest *m)
{
        if (!m)
                return NULL;
        free(m->name);
        free(m->description);
        free(m->exec);
        free(m->path);
        strv_free(m->matches);
        free(m);
        return NULL;
}

void manifest_error_done(ManifestError *e)
{
        if (!e)
                return;
        free(e->path);
        free(e->reason);
        *e = (ManifestError){};
}

/* Fills *ret_error (if any) and returns r. Takes ownership of reason. */
static int manifest_error_set(ManifestError *ret_error, int r, const char *path, unsigned line, char *reason)
{
        if (!ret_error) {
                free(reason);
                return r;
        }
        *ret_error = (ManifestError){.line = line, .reason = reason, .path = strdup(path)};
        if (!ret_error->path || !ret_error->reason) {
                manifest_error_done(ret_error);
                return -ENOMEM;
        }
        return r;
}

static int manifest_parse_buffer(const char *path, const char *text, size_t size, Manifest **ret,
                                 ManifestError *ret_error)
{
        _cleanup_(manifest_freep) Manifest *m = NULL;
        ParseState s = {.text = text, .size = size};
        int k;

        if (ret_error)
                *ret_error = (ManifestError){};

        if (memchr(text, '\0', size))
                return manifest_error_set(ret_error, -EINVAL, path, 0, strdup("File contains a NUL byte"));

        m = manifest_new();
        if (!m)
                return -ENOMEM;
        m->path = strdup(path);
        if (!m->path)
                return -ENOMEM;
        m->hash = fnv1a_64(text, size);
        s.manifest = m;

        k = ini_parse_stream(manifest_reader, &s, manifest_handler, &s);
        if (k == -2)
                parse_state_fail(&s, -ENOMEM, 0, NULL);
        else if (k > 0 && s.r != -ENOMEM && (s.r == 0 || (unsigned)k < s.error_line)) {
                /* A syntax error libinih found on an earlier line than ours: that one comes first. */
                free(s.error_reason);
                s.r = 0;
                parse_state_failf(&s, (unsigned)k,
                                  "Syntax error: expected [Section], Key=Value or a comment");
        }

        for (size_t i = 0; s.r == 0 && i < _MANIFEST_KEY_MAX; i++)
                if (manifest_keys[i].required && s.seen_line[i] == 0) {
                        if (i == MANIFEST_KEY_MATCH)
                                parse_state_failf(&s, 0,
                                                  "No %s= key in section [%s]: a driver must match at "
                                                  "least one device",
                                                  manifest_keys[i].key, manifest_keys[i].section);
                        else
                                parse_state_failf(&s, 0, "Missing required key %s= in section [%s]",
                                                  manifest_keys[i].key, manifest_keys[i].section);
                }

        if (s.r == -ENOMEM) {
                free(s.error_reason);
                return -ENOMEM;
        }
        if (s.r < 0)
                return manifest_error_set(ret_error, s.r, path, s.error_line, s.error_reason);

        m->name_line = s.seen_line[MANIFEST_KEY_NAME];
        *ret = TAKE_PTR(m);
        return 0;
}

int manifest_parse_string(const char *path_for_messages, const char *text, Manifest **ret,
                          ManifestError *ret_error)
{
        return manifest_parse_buffer(path_for_messages, text, strlen(text), ret, ret_error);
}

int manifest_error_from_errno(ManifestError *ret_error, int r, const char *path, const char *what)
{
        char *reason;

        errno = ERRNO_VALUE(r);
        if (asprintf(&reason, "%s: %m", what) < 0)
                return -ENOMEM;
        return manifest_error_set(ret_error, r, path, 0, reason);
}

int manifest_parse_file(const char *path, Manifest **ret, ManifestError *ret_error)
{
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *buf = NULL;
        struct stat st;
        size_t size = 0;

        if (ret_error)
                *ret_error = (ManifestError){};

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return manifest_error_from_errno(ret_error, -errno, path, "Failed to open");
        if (fstat(fd, &st) < 0)
                return manifest_error_from_errno(ret_error, -errno, path, "Failed to stat");
        if (!S_ISREG(st.st_mode))
                return manifest_error_from_errno(ret_error, S_ISDIR(st.st_mode) ? -EISDIR : -EBADFD, path,
                                                 "Not a regular file");

        buf = malloc(MANIFEST_FILE_SIZE_MAX + 1);
        if (!buf)
                return -ENOMEM;
        for (;;) {
                ssize_t k = read(fd, buf + size, MANIFEST_FILE_SIZE_MAX + 1 - size);

                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return manifest_error_from_errno(ret_error, -errno, path, "Failed to read");
                if (k == 0)
                        break;
                size += (size_t)k;
                if (size > MANIFEST_FILE_SIZE_MAX) {
                        char *reason;

                        if (asprintf(&reason, "File too large (more than %d bytes)",
                                     MANIFEST_FILE_SIZE_MAX) < 0)
                                return -ENOMEM;
                        return manifest_error_set(ret_error, -EFBIG, path, 0, reason);
                }
        }

        return manifest_parse_buffer(path, buf, size, ret, ret_error);
}
