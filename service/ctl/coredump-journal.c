/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-journal.h>
#include <systemd/sd-messages.h>

#include "coredump-journal.h"
#include "macro.h"

#define MESSAGE_FIELD "MESSAGE="
enum { MATCH_MAX = 300 };

/* The frames of the first "Stack trace of thread" block of systemd-coredump's message: its lines
 * that start with '#' once their indentation is skipped. */
int coredump_parse_frames(const char *message, size_t len, size_t max, char ***ret)
{
        char **frames = calloc(max + 1, sizeof(char *));
        size_t n = 0;

        if (!frames)
                return -ENOMEM;
        for (const char *p = message, *end = message + len; p < end && n < max;) {
                const char *eol = memchr(p, '\n', (size_t)(end - p)) ?: end, *s = p;

                while (s < eol && (*s == ' ' || *s == '\t'))
                        s++;
                if (s < eol && *s == '#') {
                        frames[n] = strndup(s, (size_t)(eol - s));
                        if (!frames[n]) {
                                strv_free(frames);
                                return -ENOMEM;
                        }
                        n++;
                } else if (n > 0)
                        break; /* the first thread's trace is over */
                p = eol + 1;
        }
        if (n == 0) {
                free(frames);
                return 0;
        }
        *ret = frames;
        return 1;
}

int coredump_journal_frames(uint32_t pid, const char *unit, size_t max, char ***ret)
{
        _cleanup_(sd_journal_closep) sd_journal *j = NULL;
        char pid_match[MATCH_MAX], unit_match[MATCH_MAX];
        const void *data;
        size_t len;
        int r;

        if (pid == 0 || !unit || max == 0)
                return 0;
        r = sd_journal_open(&j, SD_JOURNAL_LOCAL_ONLY | SD_JOURNAL_SYSTEM);
        if (r < 0)
                return r == -EACCES || r == -EPERM ? 0 : r;
        (void)snprintf(pid_match, sizeof(pid_match), "COREDUMP_PID=%" PRIu32, pid);
        (void)snprintf(unit_match, sizeof(unit_match), "COREDUMP_UNIT=%s", unit);
        r = sd_journal_add_match(j, "MESSAGE_ID=" SD_MESSAGE_COREDUMP_STR, 0);
        if (r >= 0)
                r = sd_journal_add_match(j, pid_match, 0);
        if (r >= 0)
                r = sd_journal_add_match(j, unit_match, 0);
        if (r >= 0)
                r = sd_journal_seek_tail(j);
        if (r >= 0)
                r = sd_journal_previous(j);
        if (r <= 0)
                return r == -EACCES || r == -EPERM ? 0 : r;
        r = sd_journal_get_data(j, "MESSAGE", &data, &len);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        if (len < strlen(MESSAGE_FIELD))
                return 0;
        return coredump_parse_frames((const char *)data + strlen(MESSAGE_FIELD), len - strlen(MESSAGE_FIELD),
                                     max, ret);
}
