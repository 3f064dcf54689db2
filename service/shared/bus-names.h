/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The D-Bus API of drvhostd on the system bus; drvhostctl and any other client use these names.
 * Reading is open to everyone; Restart, Release, Inject and Reload need the caller to be root. */

#define DRVHOST_BUS_NAME "org.drvhost.drvhost1"
#define DRVHOST_BUS_PATH "/org/drvhost/drvhost1"
#define DRVHOST_BUS_INTERFACE "org.drvhost.drvhost1.Manager"

#define DRVHOST_BUS_ERROR_NO_SUCH_DEVICE "org.drvhost.drvhost1.NoSuchDevice"
#define DRVHOST_BUS_ERROR_NOT_BOUND "org.drvhost.drvhost1.NotBound"
#define DRVHOST_BUS_ERROR_BUSY "org.drvhost.drvhost1.Busy"

/* One device: sysname, syspath, subsystem, devtype, parent sysname, modalias, description,
 * decision, driver, unit, binding state, kernel driver, crashes, restarts (both counted by drvhostd,
 * which restarts drivers itself). */
#define DRVHOST_BUS_DEVICE_TYPE "(ssssssssssssuuss)"
/* The last two: a serial port's node ("" for none) and its front end, one of these. */
#define DRVHOST_FRONT_END_KERNEL "kernel-tty"
#define DRVHOST_FRONT_END_PTY "pty"
/* The last death of a device's driver (GetLastCrash): when drvhostd saw it (CLOCK_REALTIME µs, 0 for
 * none), how it ended (CLD_EXITED, CLD_KILLED, CLD_DUMPED or 0 when unknown), the exit status or
 * signal, the pid that died (its core dump's COREDUMP_PID), systemd's Result=. */
#define DRVHOST_BUS_CRASH_TYPE "tiius"
/* One manifest: name, path, exec, priority, description, fallback to kernel, restart limit burst,
 * restart limit interval in seconds, match patterns. */
#define DRVHOST_BUS_DRIVER_TYPE "(sssisbuuas)"
/* One invalid manifest: path, line, reason. */
#define DRVHOST_BUS_MANIFEST_ERROR_TYPE "(sus)"
/* One candidate of Explain: manifest name, path, pattern, score, priority, rank, why it lost. */
#define DRVHOST_BUS_CANDIDATE_TYPE "(sssuius)"
