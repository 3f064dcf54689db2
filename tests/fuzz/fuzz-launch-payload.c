/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: the binding drvhostd sends the launcher (broker-protocol.h) through
 * launch_payload_parse(). The first input byte is how many fds came with it (0 to 4, as SCM_RIGHTS
 * may bring); the rest is the message, NUL-terminated where the launcher's receive buffer ends.
 *
 * Aborts when a promise of launch-payload.h breaks: a parsed binding whose program is not an absolute
 * path, with an empty word, more words than MANIFEST_EXEC_WORDS_MAX, fd variables not one per fd with
 * DRVHOST_DEVICE_FD first and none twice, a variable outside DRVHOST_* or a name with '='; a binding
 * that, sent again as drvhostd would write it, parses differently. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "launch-payload.h"
#include "macro.h"

#define FD_VARIABLE_PREFIX "DRVHOST_"
#define FD_VARIABLE_SUFFIX "_FD"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool inside(const char *p, const char *buf, size_t size)
{
        return p >= buf && p < buf + size;
}

static void check_payload(const LaunchPayload *p, size_t n_fds, const char *buf, size_t size)
{
        if (p->n_args == 0 || p->n_args > MANIFEST_EXEC_WORDS_MAX || p->argv[p->n_args] ||
            p->argv[0][0] != '/')
                abort();
        for (size_t i = 0; i < p->n_args; i++)
                if (!inside(p->argv[i], buf, size) || !*p->argv[i] || strpbrk(p->argv[i], " \n"))
                        abort();

        if (p->n_fds != n_fds || (n_fds > 0 && !streq(p->fd_variables[0], DRVHOST_ENV_DEVICE_FD)))
                abort();
        for (size_t i = 0; i < p->n_fds; i++) {
                const char *v = p->fd_variables[i];
                size_t n = strnlen(v, LAUNCH_FD_VARIABLE_MAX);

                if (n == LAUNCH_FD_VARIABLE_MAX ||
                    !strneq(v, FD_VARIABLE_PREFIX, strlen(FD_VARIABLE_PREFIX)) ||
                    n < strlen(FD_VARIABLE_PREFIX FD_VARIABLE_SUFFIX) ||
                    !streq(v + n - strlen(FD_VARIABLE_SUFFIX), FD_VARIABLE_SUFFIX))
                        abort();
                for (size_t j = 0; j < i; j++)
                        if (streq(p->fd_variables[j], v))
                                abort();
        }

        if (p->n_env > LAUNCH_PAYLOAD_ENV_MAX)
                abort();
        for (size_t i = 0; i < p->n_env; i++)
                if (!inside(p->env[i].name, buf, size) || !inside(p->env[i].value, buf, size + 1) ||
                    !strneq(p->env[i].name, FD_VARIABLE_PREFIX, strlen(FD_VARIABLE_PREFIX)) ||
                    strpbrk(p->env[i].name, "=\n") || strchr(p->env[i].value, '\n'))
                        abort();
}

/* "DRVHOST_TTY_FD" → "tty": the name drvhostd put in FDS=. */
static void fd_name(const char *variable, char *buf, size_t size)
{
        size_t n = strlen(variable) - strlen(FD_VARIABLE_PREFIX) - strlen(FD_VARIABLE_SUFFIX);

        (void)snprintf(buf, size, "%.*s", (int)n, variable + strlen(FD_VARIABLE_PREFIX));
        for (char *c = buf; *c; c++)
                *c = (char)(*c - 'A' + 'a');
}

/* Writes p back as drvhostd's broker would, and parses that: the same binding. */
static void check_round_trip(const LaunchPayload *p)
{
        char buf[DRVHOST_BROKER_MESSAGE_MAX * 2], name[LAUNCH_FD_VARIABLE_MAX];
        _cleanup_fclose_ FILE *f = fmemopen(buf, sizeof(buf), "w");
        LaunchPayload again;

        if (!f)
                return;
        fputs(DRVHOST_BROKER_KEY_EXEC "=", f);
        for (size_t i = 0; i < p->n_args; i++)
                fprintf(f, "%s%s", i > 0 ? " " : "", p->argv[i]);
        fputs("\n" DRVHOST_BROKER_KEY_FDS "=", f);
        for (size_t i = 0; i < p->n_fds; i++) {
                fd_name(p->fd_variables[i], name, sizeof(name));
                fprintf(f, "%s%s", i > 0 ? "," : "", name);
        }
        fputc('\n', f);
        for (size_t i = 0; i < p->n_env; i++)
                fprintf(f, "%s=%s\n", p->env[i].name, p->env[i].value);
        if (fputc('\0', f) == EOF || fflush(f) != 0)
                abort(); /* the input was at most DRVHOST_BROKER_MESSAGE_MAX, and this is no longer */

        if (launch_payload_parse(buf, p->n_fds, &again) < 0 || again.n_args != p->n_args ||
            again.n_fds != p->n_fds || again.n_env != p->n_env)
                abort();
        for (size_t i = 0; i < p->n_args; i++)
                if (!streq(again.argv[i], p->argv[i]))
                        abort();
        for (size_t i = 0; i < p->n_fds; i++)
                if (!streq(again.fd_variables[i], p->fd_variables[i]))
                        abort();
        for (size_t i = 0; i < p->n_env; i++)
                if (!streq(again.env[i].name, p->env[i].name) || !streq(again.env[i].value, p->env[i].value))
                        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char buf[DRVHOST_BROKER_MESSAGE_MAX];
        LaunchPayload p;
        size_t n_fds;
        int r;

        if (size < 1)
                return 0;
        n_fds = data[0] % (DRVHOST_BROKER_FDS_MAX + 1);
        data++;
        size--;
        /* As broker_receive(): at most the buffer less one byte, then a NUL. */
        size = MIN(size, sizeof(buf) - 1);
        memcpy(buf, data, size);
        buf[size] = '\0';

        r = launch_payload_parse(buf, n_fds, &p);
        if (r < 0) {
                if (r != -EBADMSG && r != -E2BIG)
                        abort();
                return 0;
        }
        check_payload(&p, n_fds, buf, size);
        check_round_trip(&p);
        return 0;
}
