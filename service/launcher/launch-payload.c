/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Parsing the binding drvhostd sends the launcher (see launch-payload.h). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "launch-payload.h"
#include "macro.h"

#define DRVHOST_ENV_PREFIX "DRVHOST_"

/* The environment variable that tells the driver where a named fd is: "tty" → DRVHOST_TTY_FD. */
static int fd_variable(const char *name, char buf[static LAUNCH_FD_VARIABLE_MAX])
{
        static const char *const known[] = {DRVHOST_BROKER_FD_DEVICE, DRVHOST_BROKER_FD_IRQ,
                                            DRVHOST_BROKER_FD_TTY, DRVHOST_BROKER_FD_SOCKET,
                                            DRVHOST_BROKER_FD_CONTROL};

        for (size_t i = 0; i < ELEMENTSOF(known); i++) {
                if (!streq(name, known[i]))
                        continue;
                /* Known names only: always fits. */
                (void)snprintf(buf, LAUNCH_FD_VARIABLE_MAX, DRVHOST_ENV_PREFIX "%s_FD", name);
                for (char *p = buf; *p; p++)
                        *p = (char)toupper((unsigned char)*p);
                return 0;
        }
        return -EBADMSG;
}

/* FDS=: one name per fd received, in order, "device" first, none twice (a second DRVHOST_TTY_FD would
 * hide the first fd from the driver). */
static int parse_fd_names(char *names, size_t n_fds, LaunchPayload *p)
{
        char *state = NULL;

        for (char *name = strtok_r(names, ",", &state); name; name = strtok_r(NULL, ",", &state)) {
                int r;

                if (p->n_fds >= n_fds || p->n_fds >= ELEMENTSOF(p->fd_variables) ||
                    (p->n_fds == 0 && !streq(name, DRVHOST_BROKER_FD_DEVICE)))
                        return -EBADMSG;
                r = fd_variable(name, p->fd_variables[p->n_fds]);
                if (r < 0)
                        return r;
                for (size_t i = 0; i < p->n_fds; i++)
                        if (streq(p->fd_variables[i], p->fd_variables[p->n_fds]))
                                return -EBADMSG;
                p->n_fds++;
        }
        return p->n_fds == n_fds ? 0 : -EBADMSG;
}

/* The manifest parser refuses longer command lines; refuse rather than run the driver with some of its
 * arguments cut off. */
static int parse_exec(char *exec, LaunchPayload *p)
{
        char *state = NULL;

        if (exec[0] != '/')
                return -EBADMSG;
        for (char *w = strtok_r(exec, " ", &state); w; w = strtok_r(NULL, " ", &state)) {
                if (p->n_args >= MANIFEST_EXEC_WORDS_MAX)
                        return -E2BIG;
                p->argv[p->n_args++] = w;
        }
        p->argv[p->n_args] = NULL;
        return 0;
}

int launch_payload_parse(char *payload, size_t n_fds, LaunchPayload *ret)
{
        char *state = NULL, *exec = NULL, *fd_names = NULL;
        LaunchPayload p = {};
        int r;

        for (char *line = strtok_r(payload, "\n", &state); line; line = strtok_r(NULL, "\n", &state)) {
                char *eq = strchr(line, '=');

                if (!eq)
                        return -EBADMSG;
                *eq = '\0';
                if (streq(line, DRVHOST_BROKER_KEY_EXEC))
                        exec = eq + 1;
                else if (streq(line, DRVHOST_BROKER_KEY_FDS))
                        fd_names = eq + 1;
                else if (strneq(line, DRVHOST_ENV_PREFIX, strlen(DRVHOST_ENV_PREFIX))) {
                        if (p.n_env >= LAUNCH_PAYLOAD_ENV_MAX)
                                return -E2BIG;
                        p.env[p.n_env++] = (LaunchVariable){.name = line, .value = eq + 1};
                } else
                        return -EBADMSG;
        }
        if (!exec || !fd_names)
                return -EBADMSG;
        r = parse_exec(exec, &p);
        if (r < 0)
                return r;
        r = parse_fd_names(fd_names, n_fds, &p);
        if (r < 0)
                return r;
        *ret = p;
        return 0;
}
