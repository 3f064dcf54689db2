/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The binding drvhostd sends the launcher (broker-protocol.h), parsed apart from acting on it, so
 * that a unit test and a fuzzer check it. Pure: no environment, no fds. */

#include <stddef.h>

#include "broker-protocol.h"
#include "manifest.h"

enum {
        /* drvhostd sends five DRVHOST_* variables; room for what later versions may add. */
        LAUNCH_PAYLOAD_ENV_MAX = 32,
        /* "DRVHOST_SOCKET_FD" and the NUL: the longest fd name's variable. */
        LAUNCH_FD_VARIABLE_MAX = 32,
};

typedef struct LaunchVariable {
        const char *name; /* DRVHOST_… */
        const char *value;
} LaunchVariable;

typedef struct LaunchPayload {
        /* EXEC= split at its single spaces: the program and its arguments, NULL-terminated. */
        char *argv[MANIFEST_EXEC_WORDS_MAX + 1];
        size_t n_args;
        /* FDS=: for the i-th fd received, the variable that says where it is (DRVHOST_DEVICE_FD …). */
        char fd_variables[DRVHOST_BROKER_FDS_MAX][LAUNCH_FD_VARIABLE_MAX];
        size_t n_fds;
        /* The other lines, in order: the driver's environment. */
        LaunchVariable env[LAUNCH_PAYLOAD_ENV_MAX];
        size_t n_env;
} LaunchPayload;

/* Parses the "KEY=value\n" lines of payload (NUL-terminated; cut up in place, and ret points into
 * it) sent with n_fds fds. Returns 0, or -EBADMSG for a line without '=', a key that is neither EXEC,
 * FDS nor DRVHOST_*, no EXEC= with an absolute path, no FDS=, FDS= not naming exactly n_fds fds with
 * "device" first, an unknown or repeated fd name; -E2BIG for more than MANIFEST_EXEC_WORDS_MAX words
 * in EXEC= or more than LAUNCH_PAYLOAD_ENV_MAX variables. */
int launch_payload_parse(char *payload, size_t n_fds, LaunchPayload *ret);
