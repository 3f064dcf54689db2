/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <systemd/sd-bus.h>

/* Thin asynchronous wrappers around org.freedesktop.systemd1. The bus calls never block the event
 * loop; failures are logged by the reply handlers. */

#include "systemd-names.h"

int unit_start(sd_bus *bus, const char *unit);
int unit_stop(sd_bus *bus, const char *unit);
/* Forgets a unit's failed state and its start rate limit: a new binding of a unit name an earlier
 * binding used is a new device, and drvhostd enforces the manifest's crash limits itself. */
int unit_reset_failed(sd_bus *bus, const char *unit);

/* The object path of a unit; *ret must be freed. */
int unit_object_path(const char *unit, char **ret);

/* What systemd says about a service unit's last run. */
typedef struct ServiceStatus {
        char active_state[32];
        char sub_state[32];
        char result[32];    /* "success", "signal", "exit-code", "core-dump", "watchdog", "start-limit-hit", … */
        int exec_main_code; /* CLD_EXITED, CLD_KILLED, CLD_DUMPED, or 0 */
        int exec_main_status; /* the exit status or the signal number */
        uint32_t n_restarts;
        uint64_t exec_main_exit_usec; /* CLOCK_MONOTONIC of the last main process exit: names a death */
} ServiceStatus;

/* Reads the status synchronously: used at start-up adoption and after a state change, where the
 * answer is needed before going on. */
int unit_get_status(sd_bus *bus, const char *unit, ServiceStatus *ret);
