/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-bus.h>

#include "systemd-names.h"

/* Driver units as the binding state machine sees them: jobs to start and stop them, and a watch
 * that reports each change of their status. Everything is asynchronous: the event loop never waits
 * for PID 1. The ops table lets the tests drive bindings without systemd. */

/* What systemd says of a service unit. */
typedef struct UnitStatus {
        char active_state[32];
        char sub_state[32];
        char result[32];        /* "success", "signal", "exit-code", "core-dump", "watchdog", … */
        int exec_main_code;     /* CLD_EXITED, CLD_KILLED, CLD_DUMPED, or 0 (no process ran) */
        int exec_main_status;   /* the exit status or the signal number */
        uint32_t exec_main_pid; /* the main process, also after it ended: names its core dump */
        /* CLOCK_MONOTONIC of the main process's last exit: names one death, however many signals
         * report it, and also one that systemd restarts at once (auto-restart is no end of the unit). */
        uint64_t exec_main_exit_usec;
        /* CLOCK_MONOTONIC of the main process's start: names one process. A new one while ours was
         * serving is a death whose exit we did not see (a start clears the exit timestamp, and the
         * exit and the new start can reach us in one reading). */
        uint64_t exec_main_start_usec;
        /* CLOCK_MONOTONIC of the unit's last entry into inactive or failed: names one end of a run,
         * however many signals report it. */
        uint64_t inactive_enter_usec;
} UnitStatus;

/* Whether the unit is down: inactive or failed. */
bool unit_status_is_down(const UnitStatus *st);
bool unit_status_is_active(const UnitStatus *st);

typedef struct UnitWatch UnitWatch;
typedef void (*unit_status_handler_t)(const UnitStatus *st, void *userdata);

typedef struct UnitOps {
        int (*start)(void *userdata, const char *unit);
        int (*stop)(void *userdata, const char *unit);
        /* Forgets a unit's failed state and start rate limit. */
        int (*reset_failed)(void *userdata, const char *unit);
        /* Sends signo to the unit's main process (drvhostd has no CAP_KILL: systemd does it). */
        int (*kill)(void *userdata, const char *unit, int signo);
        /* Calls f with the unit's whole status once it is known, then after every change. */
        int (*watch)(void *userdata, const char *unit, unit_status_handler_t f, void *f_userdata,
                     UnitWatch **ret);
        UnitWatch *(*unwatch)(UnitWatch *w);
} UnitOps;

/* The real one; its userdata is the sd_bus connection to the system bus. */
extern const UnitOps unit_ops_systemd;

/* The object path of a unit; *ret must be freed. */
int unit_object_path(const char *unit, char **ret);

/* Subscribes to systemd's unit signals (without a subscriber it sends none). */
int unit_control_subscribe(sd_bus *bus);
