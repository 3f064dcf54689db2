/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>

#include "fault.h"
#include "macro.h"

static const char *const fault_names[_FAULT_MAX] = {
    [FAULT_CRASH] = "crash", [FAULT_ABORT] = "abort", [FAULT_KILL] = "kill", [FAULT_EXIT] = "exit",
    [FAULT_HANG] = "hang",   [FAULT_STALL] = "stall", [FAULT_OOM] = "oom",   [FAULT_SLOW] = "slow",
};

/* 0: no signal expresses the fault. */
static const int fault_signals[_FAULT_MAX] = {
    [FAULT_CRASH] = SIGSEGV,
    [FAULT_ABORT] = SIGABRT,
    [FAULT_KILL] = SIGKILL,
    [FAULT_EXIT] = SIGTERM,
};

int fault_from_string(const char *s)
{
        if (!s)
                return -EINVAL;
        for (size_t i = 0; i < ELEMENTSOF(fault_names); i++)
                if (streq(fault_names[i], s))
                        return (int)i;
        return -EINVAL;
}

const char *fault_to_string(Fault f)
{
        if ((unsigned)f >= _FAULT_MAX)
                return NULL;
        return fault_names[f];
}

int fault_signal(Fault f)
{
        if ((unsigned)f >= _FAULT_MAX)
                return -EINVAL;
        return fault_signals[f] ? fault_signals[f] : -EOPNOTSUPP;
}
