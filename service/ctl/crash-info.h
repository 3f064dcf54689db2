/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>
#include <systemd/sd-bus.h>

/* The last crash of a device's driver as drvhostd recorded it (GetLastCrash), with the first frames
 * of its core dump where systemd-coredump wrote one and the journal is readable. */
typedef struct CrashInfo {
        uint64_t realtime_usec; /* 0: no crash recorded */
        int code;               /* CLD_EXITED, CLD_KILLED, CLD_DUMPED, or 0 when unknown */
        int status;
        uint32_t pid;
        char *result;
        char **frames; /* NULL if none */
} CrashInfo;

void crash_info_done(CrashInfo *c);

/* Asks drvhostd; unit names the core dump's COREDUMP_UNIT. Returns 0 or -errno (not printed). */
int crash_info_get(sd_bus *bus, const char *device, const char *unit, CrashInfo *ret);

/* "SIGSEGV, core dumped, at 2026-11-29 21:04:05 UTC (pid 1234, result core-dump)". */
int crash_info_describe(const CrashInfo *c, char **ret);
