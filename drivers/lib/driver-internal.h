/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What a DrvhostDriver holds, shared by the library's files and its unit tests; not installed. */

#include <stdbool.h>

#include "driver-env.h"
#include "drvhost-driver.h"
#include "stall-watchdog.h"

struct DrvhostDriver {
        DriverEnv env; /* env.device_fd is owned and closed by the driver */
        libusb_context *context;
        libusb_device_handle *handle;

        Watchdog watchdog;
        bool stall_reported; /* run() logged the current stall already */

        bool log_to_journal; /* stderr is the journal's (JOURNAL_STREAM): log with fields instead */

        int signal_fd; /* SIGTERM/SIGINT while run() runs, else -EBADF */
        bool stop_requested;
        int exit_status;
};

/* An empty driver: no environment, no libusb, watchdog disabled. drvhost_driver_new() fills it; tests
 * use it bare to exercise the parts that need no device. Returns 0 or -ENOMEM. */
int driver_alloc(DrvhostDriver **ret);

/* For tests: replaces CLOCK_MONOTONIC for the watchdog's stall logic. */
void driver_set_clock(DrvhostDriver *d, WatchdogClock clock, void *userdata);

/* Maps an enum libusb_error to a negative errno. */
int driver_errno_from_libusb(int libusb_error);
