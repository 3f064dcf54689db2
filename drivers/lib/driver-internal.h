/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What a DrvhostDriver holds, shared by the library's files and its unit tests; not installed.
 *
 * The files, top down:
 *   driver-main.c       drvhost_driver_main(): the one entry point (new, start, READY=1, run, stop, drain)
 *   driver-run.c        the sd-event loop: signals, device-gone watch, watchdog timer, tick, stop
 *   driver-usb-events.c libusb's pollfds and timeouts as sd-event sources
 *   driver-fd.c         the driver's own fds (drvhost_driver_add_fd()) as sd-event io sources
 *   driver-faults.c     the faults drvhostd injects through the fault channel (hang, stall, oom, slow)
 *   driver-transfer.c   tracked transfers: submit, device gone, cancel and drain on stop
 *   driver-endpoint.c   endpoint lookup on a claimed interface
 *   driver.c            new/free, the device (libusb for USB, the interrupt file for PCI)
 *   driver-stop.c       stop requests, the exit status, a failure that ends the loop
 *   driver-errno.c      libusb's errors as errnos
 *   driver-env.c, driver-watchdog.c, stall-watchdog.c, driver-state.c, driver-notify.c, driver-log.c,
 *   driver-irq.c        leaves */

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "driver-env.h"
#include "drvhost-driver.h"
#include "drvhost-irq.h"
#include "stall-watchdog.h"

/* Priorities of the loop's sources: what ends the loop first, then libusb (transfer callbacks), then
 * the device-gone watch (after the callbacks saw their transfers end with NO_DEVICE), the timers, and
 * the driver's own fds in the order they were registered (DRIVER_PRIORITY_FD + their id), and last
 * the work after each iteration. */
enum {
        DRIVER_PRIORITY_SIGNAL = SD_EVENT_PRIORITY_IMPORTANT,
        DRIVER_PRIORITY_USB = SD_EVENT_PRIORITY_NORMAL - 30,
        DRIVER_PRIORITY_DEVICE_GONE = SD_EVENT_PRIORITY_NORMAL - 20,
        DRIVER_PRIORITY_WATCHDOG = SD_EVENT_PRIORITY_NORMAL - 10,
        DRIVER_PRIORITY_FD = SD_EVENT_PRIORITY_NORMAL,
};
#define DRIVER_PRIORITY_POST INT64_MAX

/* How late the library's timers may fire, so that the kernel can coalesce wake-ups: 1 ms. (0 would
 * mean sd-event's default, 250 ms, far too coarse for a 100 ms tick or a short watchdog.) */
#define DRIVER_TIMER_ACCURACY_USEC UINT64_C(1000)

/* An fd registered with drvhost_driver_add_fd(). Heap-allocated: its sd-event source points to it. */
typedef struct DriverFd {
        DrvhostDriver *driver;
        int fd;
        short events; /* 0: paused, its source disabled */
        DrvhostDriverFdHandler handler;
        void *userdata;
        uint64_t id;             /* unique per registration */
        sd_event_source *source; /* NULL until the loop first runs: numbers need not be open before */
} DriverFd;

/* A libusb pollfd, watched by an io source. */
typedef struct DriverUsbFd {
        int fd;
        sd_event_source *source;
} DriverUsbFd;

/* A transfer made with drvhost_driver_transfer_new(): owned by the driver. While in flight, the
 * transfer's callback and user_data are the library's; the driver's are kept here. */
typedef struct DriverTransfer {
        DrvhostDriver *driver;
        struct libusb_transfer *transfer;
        libusb_transfer_cb_fn callback;
        void *user_data;
        bool in_flight;
} DriverTransfer;

struct DrvhostDriver {
        DriverEnv env;           /* env.device_fd is owned and closed by the driver */
        libusb_context *context; /* NULL for a PCI binding */
        libusb_device_handle *handle;
        DrvhostIrq *irq; /* a PCI binding's interrupt file, else NULL */

        sd_event *event;
        int signal_fd; /* SIGTERM, SIGINT while run() runs, else -EBADF */
        sd_event_source *signal_source;
        sd_event_source *gone_source;        /* the device's hang-up, on gone_fd */
        int gone_fd;                         /* a dup of the usbfs or interrupt fd: libusb or the
                                                driver watch the original, and epoll takes a number once */
        sd_event_source *post_source;        /* after every iteration: tick, timers re-armed */
        sd_event_source *tick_source;        /* ops->tick's timer */
        sd_event_source *watchdog_source;    /* the next ping or stall deadline */
        sd_event_source *usb_timeout_source; /* libusb_get_next_timeout() where there is no timerfd */
        uint64_t tick_usec;
        const DrvhostDriverOps *ops; /* of the running loop */
        void *ops_userdata;
        bool running;
        int loop_error; /* a failure that ends run(): libusb's, a handler's, a tick's */

        Watchdog watchdog;
        bool stall_reported; /* logged the current stall already */

        /* driver-faults.c: the fault channel's source, and what an injected fault left behind. */
        sd_event_source *control_source;
        bool faults_announced;
        bool fault_stalled;       /* libusb's events are no longer handled */
        uint64_t fault_slow_usec; /* each handling of libusb's events waits this long first */

        bool log_to_journal; /* stderr is the journal's (JOURNAL_STREAM): log with fields instead */

        DriverFd **fds; /* drvhost_driver_add_fd(); the fds are not owned */
        size_t n_fds;
        uint64_t next_fd_id;

        DriverUsbFd *usb_fds; /* libusb's pollfds, while attached */
        size_t n_usb_fds;
        bool usb_attached;

        DriverTransfer **transfers; /* drvhost_driver_transfer_new() */
        size_t n_transfers;
        bool draining; /* no submission any more */

        void *state_mem; /* drvhost_driver_state_open() */
        size_t state_size;
        bool stop_requested;
        int exit_status;
};

/* An empty driver: no environment, no libusb, watchdog disabled, an sd-event loop of its own.
 * drvhost_driver_new() fills it; tests use it bare to exercise the parts that need no device.
 * Returns 0 or -ENOMEM. */
int driver_alloc(DrvhostDriver **ret);

/* The registration with that id, or NULL once removed. The pointer is valid until it is removed. */
const DriverFd *driver_fd_by_id(const DrvhostDriver *d, uint64_t id);
/* Creates the sources of the registered fds that have none yet (run() does, on entry). */
int driver_fds_attach(DrvhostDriver *d);
void driver_fds_free(DrvhostDriver *d);

/* Announces the faults the library takes on the fault channel, once, and watches it. Returns 0 (also
 * without a channel) or -errno. */
int driver_faults_attach(DrvhostDriver *d);

/* Watches libusb's pollfds (and follows their changes) and its timeouts. Returns 0 or -errno. */
int driver_usb_attach(DrvhostDriver *d);
void driver_usb_detach(DrvhostDriver *d);
/* Arms the timer for libusb's next timeout, where libusb has no timerfd of its own. */
void driver_usb_rearm_timeout(DrvhostDriver *d);

/* Cancels the tracked transfers in flight and waits for their callbacks, up to timeout_usec in all.
 * Returns how many are still in flight (then leaked rather than freed under libusb's feet). */
size_t driver_transfers_drain(DrvhostDriver *d, uint64_t timeout_usec);
void driver_transfers_free(DrvhostDriver *d);
/* How many tracked transfers are in flight. */
size_t driver_transfers_in_flight(const DrvhostDriver *d);

/* Ends run() with error (a negative errno) unless a stop or an error came first. */
void driver_fail(DrvhostDriver *d, int error);

void driver_state_done(DrvhostDriver *d);

/* For tests: replaces CLOCK_MONOTONIC for the watchdog's stall logic. */
void driver_set_clock(DrvhostDriver *d, WatchdogClock clock, void *userdata);

/* Maps an enum libusb_error to a negative errno. */
int driver_errno_from_libusb(int libusb_error);

/* The first endpoint of interface (any alternate setting, in order) with a transfer type in types and
 * direction LIBUSB_ENDPOINT_IN or LIBUSB_ENDPOINT_OUT. Returns 0, -ENOENT, or -EINVAL. */
int driver_endpoint_find(const struct libusb_config_descriptor *config, uint8_t interface, unsigned types,
                         uint8_t direction, DrvhostEndpoint *ret);
