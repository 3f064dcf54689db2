/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef DRVHOST_DRIVER_H
#define DRVHOST_DRIVER_H

/* libdrvhost-driver: the runtime every drvhost user-mode USB driver links.
 *
 * drvhostd claims the driver's USB interface(s) on a usbfs file, limits that file to them, and starts
 * drvhost-driver@<instance>.service; the driver executable finds the file on fd 3 and the binding in
 * DRVHOST_* environment variables. This library turns that into a ready libusb device handle, talks
 * to systemd (READY=1, STATUS=, WATCHDOG=1), logs to the journal with the binding's fields, and runs
 * a small event loop that ends on SIGTERM or unplug.
 *
 * A driver in outline:
 *
 *     _cleanup_drvhost_driver_ DrvhostDriver *d = NULL;
 *     int r = drvhost_driver_new(&d);
 *     if (r == -ENODEV)
 *             return DRVHOST_EXIT_UNPLUGGED;
 *     if (r < 0)
 *             return EXIT_FAILURE;
 *     ... set up transfers on drvhost_driver_get_handle(d) ...
 *     drvhost_driver_notify_ready(d, "Serving ...");
 *     r = drvhost_driver_run(d, &ops, userdata);
 *     ... cancel transfers, drain them with libusb_handle_events_completed() ...
 *     return r < 0 ? EXIT_FAILURE : drvhost_driver_exit_status(d);
 *
 * Conventions: functions returning int return 0 (or a documented positive value) on success and a
 * negative errno on failure. The library never writes to stdout/stderr on its own, except as the
 * fallback of drvhost_driver_log(). It is not thread-safe: use a DrvhostDriver from one thread.
 *
 * The device itself is not kept in the driver's fd store: drvhostd hands every new driver process a fresh
 * usbfs file, so that transfers a crashed process left in flight cannot reach its successor. */

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libusb.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Exit status of a driver that stops because its device is gone (EX_TEMPFAIL). The unit template lists
 * it in SuccessExitStatus= and RestartPreventExitStatus=: an unplug is neither a crash nor restarted. */
#define DRVHOST_EXIT_UNPLUGGED 75

/* How long I/O marked with drvhost_driver_io_begin() may go without any completion before watchdog
 * pings are withheld, unless changed with drvhost_driver_set_stall_limit(). */
#define DRVHOST_DRIVER_STALL_LIMIT_USEC_DEFAULT (UINT64_C(5) * 1000000)

/* Longest wait of drvhost_driver_run() between two calls of DrvhostDriverOps.tick. */
#define DRVHOST_DRIVER_TICK_USEC (UINT64_C(100) * 1000)

typedef struct DrvhostDriver DrvhostDriver;

/* Callbacks of drvhost_driver_run(). Unused members are NULL; initialize with designated initializers. */
typedef struct DrvhostDriverOps {
        /* Called once per loop iteration, after USB events were handled: at least every
         * DRVHOST_DRIVER_TICK_USEC, and more often when events arrive. Return 0 to go on, or a negative
         * errno to make drvhost_driver_run() return it. Not called once a stop was requested. */
        int (*tick)(DrvhostDriver *d, void *userdata);
} DrvhostDriverOps;

/* Longest list of fds drvhost_driver_add_fd() accepts: a driver serves a few clients, not a server's
 * worth. */
#define DRVHOST_DRIVER_FDS_MAX 64

/* Called by drvhost_driver_run() for an fd registered with drvhost_driver_add_fd(), after USB events
 * were handled, with revents as poll(2) reported them (POLLIN, POLLOUT, POLLHUP, POLLERR ...). It may
 * add, change or remove registrations, its own included. Not called once a stop was requested. Return
 * 0 to go on, or a negative errno to make drvhost_driver_run() return it. */
typedef int (*DrvhostDriverFdHandler)(DrvhostDriver *d, int fd, short revents, void *userdata);

/* Creates the driver from the environment the unit's launcher set up: validates DRVHOST_DEVICE_FD,
 * DRVHOST_DEVICE, DRVHOST_DRIVER, DRVHOST_UNIT, DRVHOST_INTERFACES and DRVHOST_MODALIAS, initializes a
 * libusb context that does no device discovery, wraps the fd into a device handle and claims every
 * granted interface (they stay claimed on drvhostd's shared file after exit: the library never
 * releases them). Marks the fd close-on-exec so helper processes do not inherit the device. Reads
 * the watchdog settings systemd passed.
 * Returns 0 and the driver in *ret, or: -EINVAL for a missing or malformed variable, -EBADF if the
 * fd is not open, -ENODEV if the device is already gone (exit with DRVHOST_EXIT_UNPLUGGED then),
 * -EACCES for an interface that was not granted, -ENOMEM, or another -errno mapped from libusb. */
int drvhost_driver_new(DrvhostDriver **ret);

/* Closes the libusb handle and context and the device fd, and frees d. Cancel and drain your transfers
 * first. Accepts NULL. Returns NULL. */
DrvhostDriver *drvhost_driver_free(DrvhostDriver *d);

/* For __attribute__((cleanup)): frees *d if not NULL. */
static inline void drvhost_driver_freep(DrvhostDriver **d)
{
        if (*d)
                *d = drvhost_driver_free(*d);
}
/* Declares a DrvhostDriver pointer that is freed when it goes out of scope. */
#define _cleanup_drvhost_driver_ __attribute__((cleanup(drvhost_driver_freep)))

/* The libusb device handle of the bound device. Owned by d. */
libusb_device_handle *drvhost_driver_get_handle(DrvhostDriver *d);
/* The libusb context the handle belongs to, e.g. for libusb_handle_events*(). Owned by d. */
libusb_context *drvhost_driver_get_context(DrvhostDriver *d);
/* Stores in *ret the bInterfaceNumbers granted (and claimed), in the order drvhostd gave them, and
 * returns how many there are (at least 1). The array is owned by d. */
size_t drvhost_driver_get_interfaces(DrvhostDriver *d, const uint8_t **ret);
/* The sysfs path of the bound USB interface (DRVHOST_DEVICE). */
const char *drvhost_driver_get_device_path(DrvhostDriver *d);
/* The driver's manifest name (DRVHOST_DRIVER). */
const char *drvhost_driver_get_name(DrvhostDriver *d);
/* The name of the unit the driver runs in (DRVHOST_UNIT). */
const char *drvhost_driver_get_unit(DrvhostDriver *d);
/* The modalias of the bound interface (DRVHOST_MODALIAS). */
const char *drvhost_driver_get_modalias(DrvhostDriver *d);

/* Tells systemd the driver is ready (READY=1), with status as STATUS= if not NULL. Control characters
 * in status are replaced by spaces (device strings must not inject notify assignments).
 * Returns >0 if sent, 0 if not running under systemd's notify socket, or -errno. */
int drvhost_driver_notify_ready(DrvhostDriver *d, const char *status);

/* Sets STATUS= to a printf-formatted line, sanitized like drvhost_driver_notify_ready().
 * Returns >0 if sent, 0 if there is no notify socket, or -errno. */
int drvhost_driver_notify_status(DrvhostDriver *d, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

/* Returns 1 and the watchdog interval (WatchdogSec=) in *ret_usec (if not NULL) when systemd expects
 * WATCHDOG=1 pings from this process, else 0. drvhost_driver_run() sends them by itself. */
int drvhost_driver_watchdog_enabled(DrvhostDriver *d, uint64_t *ret_usec);

/* Sets how long I/O marked with drvhost_driver_io_begin() may go without a completion before pings are
 * withheld (default DRVHOST_DRIVER_STALL_LIMIT_USEC_DEFAULT). Returns 0, or -EINVAL for 0. */
int drvhost_driver_set_stall_limit(DrvhostDriver *d, uint64_t usec);

/* Marks one I/O that must complete as in flight: a control request, a bulk write. Do not mark
 * transfers that legitimately wait forever, such as an interrupt IN transfer waiting for an event.
 * Pair every call with drvhost_driver_io_end(), e.g. from the transfer's callback.
 * Returns 0, or -EOVERFLOW when far too many are in flight. */
int drvhost_driver_io_begin(DrvhostDriver *d);
/* Marks one I/O as completed (whatever its outcome). Returns 0, or -EINVAL if none was in flight. */
int drvhost_driver_io_end(DrvhostDriver *d);

/* Sends WATCHDOG=1, unless I/O has been in flight with no completion for longer than the stall limit:
 * then the ping is withheld, so that systemd restarts the driver once WatchdogSec= passes.
 * Returns >0 if sent, 0 if the watchdog is not enabled or there is no notify socket, -ETIMEDOUT if
 * withheld because I/O is stuck, or another -errno. drvhost_driver_run() calls it at the right
 * cadence; call it yourself only when driving your own event loop (every WatchdogSec=/2). */
int drvhost_driver_watchdog_ping(DrvhostDriver *d);

/* Runs the event loop: handles libusb events (transfer callbacks run from here), calls the handlers of
 * fds added with drvhost_driver_add_fd(), pings the watchdog, and calls ops->tick. SIGTERM and SIGINT
 * are blocked and read through a signalfd while it runs, and stop the loop with exit status 0.
 * Returns when a stop was requested: by drvhost_driver_stop() (also from a callback or tick), by one
 * of those signals, or because the device is gone (its usbfs file reports a hang-up, or libusb
 * reports LIBUSB_ERROR_NO_DEVICE), which stops with DRVHOST_EXIT_UNPLUGGED. ops and userdata may be
 * NULL. Returns 0 after a stop (then see drvhost_driver_exit_status()), or -errno on failure: of
 * poll(), of libusb, or the error tick or an fd handler returned. */
int drvhost_driver_run(DrvhostDriver *d, const DrvhostDriverOps *ops, void *userdata);

/* Adds fd to what drvhost_driver_run() waits for, so that a driver serving a socket, a pty or a timerfd
 * reacts at once instead of at the next tick: handler runs when poll(2) reports one of events for it.
 * events 0 pauses the fd altogether (not even POLLHUP is reported), e.g. to stop reading from a
 * client until there is room for its data. d does not own fd: remove it before closing it.
 * Returns 0, -EINVAL for a bad argument, -EEXIST if fd is registered already, -E2BIG beyond
 * DRVHOST_DRIVER_FDS_MAX, or -ENOMEM. */
int drvhost_driver_add_fd(DrvhostDriver *d, int fd, short events, DrvhostDriverFdHandler handler,
                          void *userdata);
/* Changes the events waited for on a registered fd (0 pauses it). Returns 0, -EINVAL, or -ENOENT if fd
 * is not registered. */
int drvhost_driver_set_fd_events(DrvhostDriver *d, int fd, short events);
/* Forgets fd; its handler is not called any more, not even for events poll(2) reported already.
 * Returns 0, -EINVAL, or -ENOENT if fd is not registered. */
int drvhost_driver_remove_fd(DrvhostDriver *d, int fd);

/* Asks drvhost_driver_run() to return after the current iteration, with exit_status (0..255) for
 * drvhost_driver_exit_status(). The first request wins: a SIGTERM racing an unplug does not turn
 * DRVHOST_EXIT_UNPLUGGED into 0. A failure status while the device is gone becomes
 * DRVHOST_EXIT_UNPLUGGED, since transfers cut by an unplug often end in a generic error.
 * Returns 0, or -EINVAL for a status out of range. */
int drvhost_driver_stop(DrvhostDriver *d, int exit_status);

/* The exit status the driver process should end with: the one of the first stop request, 0 if none. */
int drvhost_driver_exit_status(DrvhostDriver *d);

/* True if libusb_error (a negative enum libusb_error, as returned by libusb calls) means the device
 * is gone. For a completed transfer, check transfer->status == LIBUSB_TRANSFER_NO_DEVICE instead. In
 * both cases call drvhost_driver_stop(d, DRVHOST_EXIT_UNPLUGGED) and do not resubmit. */
bool drvhost_driver_is_unplugged_error(int libusb_error);

/* Logs a printf-formatted message to the journal at priority (LOG_ERR ... LOG_DEBUG from <syslog.h>),
 * with the fields DRVHOST_DEVICE, DRVHOST_DRIVER and DRVHOST_UNIT of this binding, so that
 * `journalctl DRVHOST_DEVICE=...` finds it. When stderr is not connected to the journal, or sending
 * fails, the message goes to stderr instead. %m prints errno as at the call.
 * Returns 0, -EINVAL for a priority out of range, or -errno if the journal failed (the message was
 * then written to stderr). */
/* A transfer with a size-byte buffer that libusb frees with it (LIBUSB_TRANSFER_FREE_BUFFER), for
 * drivers that keep several in flight. NULL when out of memory. */
struct libusb_transfer *drvhost_driver_alloc_transfer(size_t size);

/* A driver's own state that survives its crashes: size bytes of shared memory, backed by a memfd that
 * the unit's fd store (FileDescriptorStoreMax=) keeps while systemd restarts the driver. On the first
 * start it is zero-filled and *ret_recovered is false; after a crash it holds what the last process
 * left there and *ret_recovered is true. It does not survive a stop of the unit (an unplug, a
 * release). Write it so that a crash half-way leaves it usable (e.g. a version or sequence field).
 * *ret_mem stays valid until drvhost_driver_free(). Call once. Returns 0 or a negative errno. */
int drvhost_driver_state_open(DrvhostDriver *d, size_t size, void **ret_mem, bool *ret_recovered);

int drvhost_driver_log(DrvhostDriver *d, int priority, const char *format, ...)
    __attribute__((format(printf, 3, 4)));
/* The same with a va_list. */
int drvhost_driver_logv(DrvhostDriver *d, int priority, const char *format, va_list ap)
    __attribute__((format(printf, 3, 0)));

#ifdef __cplusplus
}
#endif

#endif /* DRVHOST_DRIVER_H */
