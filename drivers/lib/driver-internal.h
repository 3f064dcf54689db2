/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What a DrvhostDriver holds, shared by the library's files and its unit tests; not installed. */

#include <stdbool.h>
#include <stdint.h>

#include "driver-env.h"
#include "drvhost-driver.h"
#include "stall-watchdog.h"

/* An fd registered with drvhost_driver_add_fd(). */
typedef struct DriverFd {
        int fd;
        short events; /* 0: paused, left out of poll() */
        DrvhostDriverFdHandler handler;
        void *userdata;
        uint64_t id; /* unique per registration: a handler may remove an fd and add the same number */
} DriverFd;

struct DrvhostDriver {
        DriverEnv env; /* env.device_fd is owned and closed by the driver */
        libusb_context *context;
        libusb_device_handle *handle;

        Watchdog watchdog;
        bool stall_reported; /* run() logged the current stall already */

        bool log_to_journal; /* stderr is the journal's (JOURNAL_STREAM): log with fields instead */

        DriverFd *fds; /* drvhost_driver_add_fd(); not owned */
        size_t n_fds;
        uint64_t next_fd_id;

        int signal_fd; /* SIGTERM/SIGINT while run() runs, else -EBADF */
        void *state_mem; /* drvhost_driver_state_open() */
        size_t state_size;
        bool stop_requested;
        int exit_status;
};

/* An empty driver: no environment, no libusb, watchdog disabled. drvhost_driver_new() fills it; tests
 * use it bare to exercise the parts that need no device. Returns 0 or -ENOMEM. */
int driver_alloc(DrvhostDriver **ret);

/* The registration with that id, or NULL once removed. The pointer is valid until the next add or remove. */
const DriverFd *driver_fd_by_id(const DrvhostDriver *d, uint64_t id);

void driver_state_done(DrvhostDriver *d);

/* For tests: replaces CLOCK_MONOTONIC for the watchdog's stall logic. */
void driver_set_clock(DrvhostDriver *d, WatchdogClock clock, void *userdata);

/* Maps an enum libusb_error to a negative errno. */
int driver_errno_from_libusb(int libusb_error);
