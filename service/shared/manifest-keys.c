/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The keys of a manifest: one table drives the parser, one function per key checks its value. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "manifest-keys.h"
#include "match.h"

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

/* The words of a valid command line: the program and its arguments. */
static size_t command_line_words(const char *s)
{
        size_t n = 1;

        for (const char *p = s; *p; p++)
                n += *p == ' ';
        return n;
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
        size_t words;

        if (value[0] != '/')
                return reasonf(reason, "Invalid %s=\"%s\": must be an absolute path", key, value);
        if (!valid_command_line(value))
                return reasonf(reason,
                               "Invalid %s=\"%s\": arguments must be separated by single spaces, "
                               "without control characters",
                               key, value);
        words = command_line_words(value);
        if (words > MANIFEST_EXEC_WORDS_MAX)
                return reasonf(reason,
                               "Invalid %s=: %zu arguments after the program, at most %d are allowed "
                               "(the launcher passes no more)",
                               key, words - 1, MANIFEST_EXEC_WORDS_MAX - 1);
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
                return reasonf(reason, "Invalid %s=\"%s\": expected matched, function or device", key,
                               value);
        m->claim_scope = (ClaimScope)v;
        return 0;
}

static int parse_tty_link(Manifest *m, const char *key, const char *value, char **reason)
{
        return parse_bool_key(&m->tty_link, key, value, reason);
}

static int parse_tty_name(Manifest *m, const char *key, const char *value, char **reason)
{
        if (streq(value, MANIFEST_TTY_NAME_ACM))
                m->tty_usb_serial = false;
        else if (streq(value, MANIFEST_TTY_NAME_USB))
                m->tty_usb_serial = true;
        else
                return reasonf(reason, "Invalid %s=\"%s\": expected " MANIFEST_TTY_NAME_ACM " or " MANIFEST_TTY_NAME_USB,
                               key, value);
        return 0;
}

static int parse_job_socket(Manifest *m, const char *key, const char *value, char **reason)
{
        return parse_bool_key(&m->job_socket, key, value, reason);
}

const ManifestKey manifest_keys[_MANIFEST_KEY_MAX] = {
    [MANIFEST_KEY_NAME] = {MANIFEST_SECTION_DRIVER, "Name", parse_name, false, true},
    [MANIFEST_KEY_DESCRIPTION] = {MANIFEST_SECTION_DRIVER, "Description", parse_description, false, false},
    [MANIFEST_KEY_EXEC] = {MANIFEST_SECTION_DRIVER, "Exec", parse_exec, false, true},
    [MANIFEST_KEY_PRIORITY] = {MANIFEST_SECTION_DRIVER, "Priority", parse_priority, false, false},
    [MANIFEST_KEY_FALLBACK_TO_KERNEL] = {MANIFEST_SECTION_DRIVER, "FallbackToKernel", parse_fallback, false,
                                         false},
    [MANIFEST_KEY_RESTART_LIMIT_BURST] = {MANIFEST_SECTION_DRIVER, "RestartLimitBurst", parse_burst, false,
                                          false},
    [MANIFEST_KEY_RESTART_LIMIT_INTERVAL_SEC] = {MANIFEST_SECTION_DRIVER, "RestartLimitIntervalSec",
                                                 parse_interval, false, false},
    [MANIFEST_KEY_CLAIM_DELEGATED] = {MANIFEST_SECTION_DRIVER, "ClaimDelegated", parse_claim_delegated,
                                      false, false},
    [MANIFEST_KEY_CLAIM_INTERFACES] = {MANIFEST_SECTION_DRIVER, "ClaimInterfaces", parse_claim_interfaces,
                                       false, false},
    [MANIFEST_KEY_TTY_LINK] = {MANIFEST_SECTION_DRIVER, "TTYLink", parse_tty_link, false, false},
    [MANIFEST_KEY_TTY_NAME] = {MANIFEST_SECTION_DRIVER, "TTYName", parse_tty_name, false, false},
    [MANIFEST_KEY_JOB_SOCKET] = {MANIFEST_SECTION_DRIVER, "JobSocket", parse_job_socket, false, false},
    [MANIFEST_KEY_MATCH] = {MANIFEST_SECTION_MATCH, "Match", parse_match, true, true},
};

bool manifest_section_known(const char *name, size_t n)
{
        return (n == strlen(MANIFEST_SECTION_DRIVER) && strneq(name, MANIFEST_SECTION_DRIVER, n)) ||
               (n == strlen(MANIFEST_SECTION_MATCH) && strneq(name, MANIFEST_SECTION_MATCH, n));
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
