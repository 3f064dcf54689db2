/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <fcntl.h>
#include <ini.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "manifest.h"
#include "match.h"

#define SECTION_DRIVER "Driver"
#define SECTION_MATCH "Match"
#define DEV_NULL "/dev/null"

enum {
        DEV_NULL_MAJOR = 1,
        DEV_NULL_MINOR = 3,
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

/* Formats a reason into *reason and returns -EINVAL, or -ENOMEM if that fails. */
_printf_(2, 3) static int reasonf(char **reason, const char *format, ...)
{
        va_list ap;
        int k;

        va_start(ap, format);
        k = vasprintf(reason, format, ap);
        va_end(ap);
        if (k < 0) {
                *reason = NULL;
                return -ENOMEM;
        }
        return -EINVAL;
}

static int parse_int_range(const char *s, long min, long max, long *ret)
{
        char *end;
        long v;

        if (!*s)
                return -EINVAL;
        errno = 0;
        v = strtol(s, &end, 10);
        if (errno != 0 || *end || v < min || v > max)
                return -EINVAL;
        *ret = v;
        return 0;
}

static int parse_bool(const char *s, bool *ret)
{
        static const char *const yes[] = {"yes", "true", "1"};
        static const char *const no[] = {"no", "false", "0"};

        for (size_t i = 0; i < ELEMENTSOF(yes); i++) {
                if (strcasecmp(s, yes[i]) == 0) {
                        *ret = true;
                        return 0;
                }
                if (strcasecmp(s, no[i]) == 0) {
                        *ret = false;
                        return 0;
                }
        }
        return -EINVAL;
}

static bool name_valid(const char *s)
{
        size_t n = strlen(s);

        if (n == 0 || n > MANIFEST_NAME_MAX || s[0] == '-')
                return false;
        for (const char *p = s; *p; p++)
                if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
                        return false;
        return true;
}

/* Exec= is a path and optional arguments, separated by single spaces (no quoting). */
static bool valid_command_line(const char *s)
{
        for (const char *p = s; *p; p++)
                if (((unsigned char)*p < ' ' || *p == 0x7f) || (*p == ' ' && (p[1] == ' ' || p[1] == '\0')))
                        return false;
        return true;
}

static int set_string(char **field, const char *value)
{
        char *s = strdup(value);

        if (!s)
                return -ENOMEM;
        free(*field);
        *field = s;
        return 0;
}

static int parse_name(Manifest *m, const char *key, const char *value, char **reason)
{
        if (!name_valid(value))
                return reasonf(reason,
                               "Invalid %s=\"%s\": use 1 to %d characters from a-z, 0-9 and '-', "
                               "not starting with '-'",
                               key, value, MANIFEST_NAME_MAX);
        return set_string(&m->name, value);
}

static int parse_description(Manifest *m, const char *key, const char *value, char **reason)
{
        if (!*value)
                return 0;
        return set_string(&m->description, value);
}

static int parse_exec(Manifest *m, const char *key, const char *value, char **reason)
{
        if (value[0] != '/')
                return reasonf(reason, "Invalid %s=\"%s\": must be an absolute path", key, value);
        if (!valid_command_line(value))
                return reasonf(reason,
                               "Invalid %s=\"%s\": arguments must be separated by single spaces, "
                               "without control characters",
                               key, value);
        return set_string(&m->exec, value);
}

static int parse_priority(Manifest *m, const char *key, const char *value, char **reason)
{
        long v;

        if (parse_int_range(value, MANIFEST_PRIORITY_MIN, MANIFEST_PRIORITY_MAX, &v) < 0)
                return reasonf(reason, "Invalid %s=\"%s\": expected an integer from %d to %d", key, value,
                               MANIFEST_PRIORITY_MIN, MANIFEST_PRIORITY_MAX);
        m->priority = (int)v;
        return 0;
}

static int parse_bool_key(bool *field, const char *key, const char *value, char **reason)
{
        if (parse_bool(value, field) < 0)
                return reasonf(reason, "Invalid %s=\"%s\": expected yes, no, true, false, 1 or 0", key,
                               value);
        return 0;
}

static int parse_fallback(Manifest *m, const char *key, const char *value, char **reason)
{
        return parse_bool_key(&m->fallback_to_kernel, key, value, reason);
}

static int parse_claim_delegated(Manifest *m, const char *key, const char *value, char **reason)
{
        return parse_bool_key(&m->claim_delegated, key, value, reason);
}

static int parse_unsigned_key(unsigned *field, long min, long max, const char *key, const char *value,
                              char **reason)
{
        long v;

        if (parse_int_range(value, min, max, &v) < 0)
                return reasonf(reason, "Invalid %s=\"%s\": expected an integer from %ld to %ld", key, value,
                               min, max);
        *field = (unsigned)v;
        return 0;
}

static int parse_burst(Manifest *m, const char *key, const char *value, char **reason)
{
        return parse_unsigned_key(&m->restart_limit_burst, MANIFEST_RESTART_BURST_MIN,
                                  MANIFEST_RESTART_BURST_MAX, key, value, reason);
}

static int parse_interval(Manifest *m, const char *key, const char *value, char **reason)
{
        return parse_unsigned_key(&m->restart_limit_interval_sec, MANIFEST_RESTART_INTERVAL_MIN,
                                  MANIFEST_RESTART_INTERVAL_MAX, key, value, reason);
}

static int parse_match(Manifest *m, const char *key, const char *value, char **reason)
{
        _cleanup_free_ char *why = NULL;
        char **l;
        int r;

        r = match_pattern_check(value, &why);
        if (r == -EINVAL)
                return reasonf(reason, "Invalid %s=\"%s\": %s", key, value, why);
        if (r < 0)
                return r;

        l = reallocarray(m->matches, m->n_matches + 2, sizeof(char *));
        if (!l)
                return -ENOMEM;
        m->matches = l;
        l[m->n_matches] = strdup(value);
        if (!l[m->n_matches])
                return -ENOMEM;
        l[++m->n_matches] = NULL;
        return 0;
}

static int parse_claim_interfaces(Manifest *m, const char *key, const char *value, char **reason)
{
        int v = claim_scope_from_string(value);

        if (v < 0)
                return reasonf(reason, "Invalid %s=\"%s\": expected matched, function or device", key, value);
        m->claim_scope = (ClaimScope)v;
        return 0;
}

static int parse_tty_link(Manifest *m, const char *key, const char *value, char **reason)
{
        return parse_bool_key(&m->tty_link, key, value, reason);
}

typedef int (*KeyParser)(Manifest *m, const char *key, const char *value, char **reason);

typedef struct ManifestKey {
        const char *section;
        const char *key;
        KeyParser parse;
        bool repeatable;
        bool required;
} ManifestKey;

static const ManifestKey manifest_keys[] = {
    {SECTION_DRIVER, "Name", parse_name, false, true},
    {SECTION_DRIVER, "Description", parse_description, false, false},
    {SECTION_DRIVER, "Exec", parse_exec, false, true},
    {SECTION_DRIVER, "Priority", parse_priority, false, false},
    {SECTION_DRIVER, "FallbackToKernel", parse_fallback, false, false},
    {SECTION_DRIVER, "RestartLimitBurst", parse_burst, false, false},
    {SECTION_DRIVER, "RestartLimitIntervalSec", parse_interval, false, false},
    {SECTION_DRIVER, "ClaimDelegated", parse_claim_delegated, false, false},
    {SECTION_DRIVER, "ClaimInterfaces", parse_claim_interfaces, false, false},
    {SECTION_DRIVER, "TTYLink", parse_tty_link, false, false},
    {SECTION_MATCH, "Match", parse_match, true, true},
};

enum {
        KEY_NAME_INDEX = 0,
        KEY_MATCH_INDEX = ELEMENTSOF(manifest_keys) - 1,
};

typedef struct ParseState {
        const char *text; /* what the reader hands to libinih, line by line */
        size_t size;
        size_t offset;
        unsigned line;

        Manifest *manifest;
        unsigned seen_line[ELEMENTSOF(manifest_keys)]; /* 0: not seen yet */

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

static bool section_known(const char *name, size_t n)
{
        return (n == strlen(SECTION_DRIVER) && strneq(name, SECTION_DRIVER, n)) ||
               (n == strlen(SECTION_MATCH) && strneq(name, SECTION_MATCH, n));
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

                if (end && !section_known(buf + 1, (size_t)(end - buf - 1)))
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
        if (!section_known(section, strlen(section))) {
                parse_state_failf(s, s->line, "Unknown section [%s]", section);
                return 1;
        }

        for (i = 0; i < ELEMENTSOF(manifest_keys); i++)
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

        for (size_t i = 0; s.r == 0 && i < ELEMENTSOF(manifest_keys); i++)
                if (manifest_keys[i].required && s.seen_line[i] == 0) {
                        if (i == KEY_MATCH_INDEX)
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

        m->name_line = s.seen_line[KEY_NAME_INDEX];
        *ret = TAKE_PTR(m);
        return 0;
}

int manifest_parse_string(const char *path_for_messages, const char *text, Manifest **ret,
                          ManifestError *ret_error)
{
        return manifest_parse_buffer(path_for_messages, text, strlen(text), ret, ret_error);
}

static int errno_reason(ManifestError *ret_error, int r, const char *path, const char *what)
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
                return errno_reason(ret_error, -errno, path, "Failed to open");
        if (fstat(fd, &st) < 0)
                return errno_reason(ret_error, -errno, path, "Failed to stat");
        if (!S_ISREG(st.st_mode))
                return errno_reason(ret_error, S_ISDIR(st.st_mode) ? -EISDIR : -EBADFD, path,
                                    "Not a regular file");

        buf = malloc(MANIFEST_FILE_SIZE_MAX + 1);
        if (!buf)
                return -ENOMEM;
        for (;;) {
                ssize_t k = read(fd, buf + size, MANIFEST_FILE_SIZE_MAX + 1 - size);

                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return errno_reason(ret_error, -errno, path, "Failed to read");
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

/* The search path. */

typedef struct DirEntry {
        char *name;
        size_t dir; /* index into dirs: lower is higher priority */
} DirEntry;

static int dir_entry_compare(const void *a, const void *b)
{
        const DirEntry *x = a, *y = b;
        int c = strcmp(x->name, y->name);

        if (c != 0)
                return c;
        return (x->dir > y->dir) - (x->dir < y->dir);
}

typedef struct LoadState {
        ManifestSet *set;
        size_t manifests_allocated;
        size_t errors_allocated;
        DirEntry *entries;
        size_t n_entries;
        size_t entries_allocated;
} LoadState;

static void load_state_done(LoadState *l)
{
        for (size_t i = 0; i < l->n_entries; i++)
                free(l->entries[i].name);
        free(l->entries);
}

/* Makes room for one more element in an array that grows by doubling. */
static int grow(void **array, size_t *allocated, size_t n, size_t size)
{
        size_t want;
        void *p;

        if (n < *allocated)
                return 0;
        want = *allocated ? *allocated * 2 : 16;
        p = reallocarray(*array, want, size);
        if (!p)
                return -ENOMEM;
        *array = p;
        *allocated = want;
        return 0;
}

/* Takes over e's contents. */
static int load_add_error(LoadState *l, ManifestError *e)
{
        if (grow((void **)&l->set->errors, &l->errors_allocated, l->set->n_errors, sizeof(ManifestError)) <
            0) {
                manifest_error_done(e);
                return -ENOMEM;
        }
        l->set->errors[l->set->n_errors++] = *e;
        *e = (ManifestError){};
        return 0;
}

static int load_add_errno(LoadState *l, int r, const char *path, const char *what)
{
        ManifestError e;

        r = errno_reason(&e, r, path, what);
        if (r == -ENOMEM)
                return r;
        return load_add_error(l, &e);
}

static int load_scan_dir(LoadState *l, const char *dir, size_t index)
{
        DIR *d;
        struct dirent *de;
        int r = 0;

        d = opendir(dir);
        if (!d) {
                if (errno == ENOENT)
                        return 0;
                return load_add_errno(l, -errno, dir, "Failed to open directory");
        }

        while (r >= 0) {
                size_t n;

                errno = 0;
                de = readdir(d);
                if (!de) {
                        if (errno != 0)
                                r = load_add_errno(l, -errno, dir, "Failed to read directory");
                        break;
                }
                n = strlen(de->d_name);
                if (de->d_name[0] == '.' || n <= strlen(MANIFEST_SUFFIX) ||
                    !streq(de->d_name + n - strlen(MANIFEST_SUFFIX), MANIFEST_SUFFIX))
                        continue;

                r = grow((void **)&l->entries, &l->entries_allocated, l->n_entries, sizeof(DirEntry));
                if (r < 0)
                        break;
                l->entries[l->n_entries].name = strdup(de->d_name);
                if (!l->entries[l->n_entries].name) {
                        r = -ENOMEM;
                        break;
                }
                l->entries[l->n_entries++].dir = index;
        }
        closedir(d);
        return r;
}

static bool path_is_mask(const char *path)
{
        char target[sizeof(DEV_NULL) + 1];
        struct stat st;
        ssize_t k;

        k = readlink(path, target, sizeof(target) - 1);
        if (k >= 0) {
                target[k] = '\0';
                if (streq(target, DEV_NULL))
                        return true;
        }
        return stat(path, &st) >= 0 && S_ISCHR(st.st_mode) &&
               st.st_rdev == makedev(DEV_NULL_MAJOR, DEV_NULL_MINOR);
}

static int load_file(LoadState *l, const char *dir, const char *name)
{
        _cleanup_free_ char *path = NULL;
        Manifest *m = NULL;
        ManifestError e;
        int r;

        if (asprintf(&path, "%s/%s", dir, name) < 0)
                return -ENOMEM;
        if (path_is_mask(path))
                return 0;

        r = manifest_parse_file(path, &m, &e);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return load_add_error(l, &e);

        if (grow((void **)&l->set->manifests, &l->manifests_allocated, l->set->n, sizeof(Manifest *)) < 0) {
                manifest_free(m);
                return -ENOMEM;
        }
        l->set->manifests[l->set->n++] = m;
        return 0;
}

static const char *path_basename(const char *path)
{
        const char *p = strrchr(path, '/');

        return p ? p + 1 : path;
}

/* Orders by Name=, then by file name, which is the order the files were loaded in. */
static int manifest_name_compare(const void *a, const void *b)
{
        const Manifest *x = *(Manifest *const *)a, *y = *(Manifest *const *)b;
        int c = strcmp(x->name, y->name);

        return c != 0 ? c : strcmp(path_basename(x->path), path_basename(y->path));
}

static int manifest_error_compare(const void *a, const void *b)
{
        const ManifestError *x = a, *y = b;
        int c = strcmp(x->path, y->path);

        return c != 0 ? c : (x->line > y->line) - (x->line < y->line);
}

/* Drops every manifest whose Name= a manifest loaded before it already has, with an error for it. */
static int load_drop_duplicates(LoadState *l)
{
        ManifestSet *s = l->set;
        size_t n = 0;

        if (s->n == 0)
                return 0;
        s->by_name = reallocarray(NULL, s->n, sizeof(Manifest *));
        if (!s->by_name)
                return -ENOMEM;
        memcpy(s->by_name, s->manifests, s->n * sizeof(Manifest *));
        qsort(s->by_name, s->n, sizeof(Manifest *), manifest_name_compare);

        for (size_t i = 0; i < s->n; i++) {
                Manifest *m = s->by_name[i];
                ManifestError e = {.line = m->name_line};

                if (n == 0 || !streq(s->by_name[n - 1]->name, m->name)) {
                        s->by_name[n++] = m;
                        continue;
                }
                /* A duplicate: mark it by clearing its slot in ->manifests, and report it. */
                for (size_t j = 0; j < s->n; j++)
                        if (s->manifests[j] == m)
                                s->manifests[j] = NULL;
                e.path = strdup(m->path);
                if (!e.path || asprintf(&e.reason, "Duplicate Name=\"%s\": already defined in %s", m->name,
                                        s->by_name[n - 1]->path) < 0) {
                        free(e.path);
                        manifest_free(m);
                        return -ENOMEM;
                }
                manifest_free(m);
                if (load_add_error(l, &e) < 0)
                        return -ENOMEM;
        }

        if (n < s->n) {
                size_t k = 0;

                for (size_t j = 0; j < s->n; j++)
                        if (s->manifests[j])
                                s->manifests[k++] = s->manifests[j];
                s->n = k;
        }
        return 0;
}

int manifest_set_load(const char *const *dirs, ManifestSet **ret)
{
        _cleanup_(manifest_set_freep) ManifestSet *s = NULL;
        _cleanup_(load_state_done) LoadState l = {};
        int r;

        if (!dirs || !ret)
                return -EINVAL;

        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        l.set = s;

        for (size_t i = 0; dirs[i]; i++) {
                r = load_scan_dir(&l, dirs[i], i);
                if (r < 0)
                        return r;
        }

        /* By name, and for each name the highest-priority directory first: that one is taken. */
        if (l.n_entries > 0)
                qsort(l.entries, l.n_entries, sizeof(DirEntry), dir_entry_compare);
        for (size_t i = 0; i < l.n_entries; i++) {
                if (i > 0 && streq(l.entries[i].name, l.entries[i - 1].name))
                        continue;
                r = load_file(&l, dirs[l.entries[i].dir], l.entries[i].name);
                if (r < 0)
                        return r;
        }

        r = load_drop_duplicates(&l);
        if (r < 0)
                return r;
        if (s->n_errors > 0)
                qsort(s->errors, s->n_errors, sizeof(ManifestError), manifest_error_compare);

        *ret = TAKE_PTR(s);
        return 0;
}

ManifestSet *manifest_set_free(ManifestSet *s)
{
        if (!s)
                return NULL;
        for (size_t i = 0; i < s->n; i++)
                manifest_free(s->manifests[i]);
        free(s->manifests);
        free(s->by_name);
        for (size_t i = 0; i < s->n_errors; i++)
                manifest_error_done(&s->errors[i]);
        free(s->errors);
        free(s);
        return NULL;
}

static int manifest_find_compare(const void *key, const void *element)
{
        return strcmp(key, (*(Manifest *const *)element)->name);
}

const Manifest *manifest_set_find(const ManifestSet *s, const char *name)
{
        Manifest *const *m;

        if (!s || !name || s->n == 0)
                return NULL;
        m = bsearch(name, s->by_name, s->n, sizeof(Manifest *), manifest_find_compare);
        return m ? *m : NULL;
}

static const char *const claim_scope_names[_CLAIM_SCOPE_MAX] = {
        [CLAIM_SCOPE_MATCHED] = "matched",
        [CLAIM_SCOPE_FUNCTION] = "function",
        [CLAIM_SCOPE_DEVICE] = "device",
};

const char *claim_scope_to_string(ClaimScope s)
{
        return (unsigned)s < _CLAIM_SCOPE_MAX ? claim_scope_names[s] : NULL;
}

int claim_scope_from_string(const char *s)
{
        for (unsigned i = 0; i < _CLAIM_SCOPE_MAX; i++)
                if (streq(s, claim_scope_names[i]))
                        return (int)i;
        return -EINVAL;
}
