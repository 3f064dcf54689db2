/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The faults `drvhostctl inject` knows, by name, and how each is delivered. Shared by drvhostd,
 * which delivers them, and drvhostctl, which refuses a bad name before calling. */

typedef enum Fault {
        FAULT_CRASH, /* SIGSEGV */
        FAULT_ABORT, /* SIGABRT */
        FAULT_KILL,  /* SIGKILL */
        FAULT_EXIT,  /* SIGTERM: the driver ends with its device present */
        /* Delivered through the driver runtime library's fault channel (fault-channel.h). */
        FAULT_HANG,
        FAULT_STALL,
        FAULT_OOM,
        FAULT_SLOW,
        _FAULT_MAX,
} Fault;

/* Returns the fault named s, or -EINVAL for a name that is none. */
int fault_from_string(const char *s);
const char *fault_to_string(Fault f);

/* The signal that delivers f to the driver's main process, or -EOPNOTSUPP for a fault no signal
 * can express (the runtime library's). */
int fault_signal(Fault f);

/* The names of all faults, space-separated, for messages and completion. */
#define FAULT_NAMES "crash abort kill exit hang stall oom slow"
