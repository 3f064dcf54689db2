/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef DRVHOST_DRIVER_H
#define DRVHOST_DRIVER_H

/* libdrvhost-driver: the runtime every drvhost user-mode driver links, USB or PCI.
 *
 * drvhostd claims the driver's USB interface(s) on a usbfs file, limits that file to them, and starts
 * drvhost-driver@<instance>.service; the driver executable finds the file on fd 3 and the binding in
 * DRVHOST_* environment variables. (A PCI binding gets its BAR 0 there instead, and its interrupt file
 * on DRVHOST_IRQ_FD: see drvhost_driver_get_irq().) This library turns that into a ready libusb device
 * handle, talks to systemd (READY=1, STATUS=, WATCHDOG=1), logs to the journal with the binding's
 * fields, and runs an sd-event loop that ends on SIGTERM or unplug. The loop has no tick of its own:
 * an idle driver wakes for its device, its fds and timers, and the watchdog only.
 *
 * A driver in outline:
 *
 *     static int start(DrvhostDriver *d, void *userdata)
 *     {
 *             ... drvhost_driver_find_endpoint(), drvhost_driver_transfer_new(), drvhost_driver_submit(),
 *                 timers and fds on drvhost_driver_get_event(d) ...
 *             return 0;   // READY=1 follows
 *     }
 *
 *     int main(int argc, char *argv[])
 *     {
 *             static const DrvhostDriverOps ops = {.start = start};
 *             return drvhost_driver_main(&ops, &state);
 *     }
 *
 * drvhost_driver_main() sets up from the environment, calls start, sends READY=1, runs the loop,
 * calls stop, cancels and drains the transfers it tracks, and returns the exit status (0 after
 * SIGTERM, DRVHOST_EXIT_UNPLUGGED once the device is gone, EXIT_FAILURE on failure). Drivers with a
 * main() of their own use drvhost_driver_new() and drvhost_driver_run() as before.
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

/* From <systemd/sd-event.h> and "drvhost-irq.h", without making every driver include them. */
typedef struct sd_event sd_event;
typedef struct DrvhostIrq DrvhostIrq;

/* Exit status of a driver that stops because its device is gone (EX_TEMPFAIL). The unit template lists
 * it in SuccessExitStatus= and RestartPreventExitStatus=: an unplug is neither a crash nor restarted. */
#define DRVHOST_EXIT_UNPLUGGED 75

/* How long I/O marked with drvhost_driver_io_begin() may go without any completion before watchdog
 * pings are withheld, unless changed with drvhost_driver_set_stall_limit(). */
#define DRVHOST_DRIVER_STALL_LIMIT_USEC_DEFAULT (UINT64_C(5) * 1000000)

/* Longest wait of drvhost_driver_run() between two calls of DrvhostDriverOps.tick, unless changed with
 * drvhost_driver_set_tick_interval(). */
#define DRVHOST_DRIVER_TICK_USEC (UINT64_C(100) * 1000)

/* How long drvhost_driver_main() and drvhost_driver_free() wait for cancelled transfers to come back. */
#define DRVHOST_DRIVER_DRAIN_USEC_DEFAULT (UINT64_C(1000) * 1000)

typedef struct DrvhostDriver DrvhostDriver;

/* Callbacks of drvhost_driver_run() and drvhost_driver_main(). Unused members are NULL; initialize
 * with designated initializers. drvhost_driver_run() reads tick only. */
typedef struct DrvhostDriverOps {
        /* Called after each loop iteration that handled an event, and when none came for the tick
         * interval (DRVHOST_DRIVER_TICK_USEC by default). Return 0 to go on, or a negative errno to
         * make drvhost_driver_run() return it. Not called once a stop was requested. Leave it NULL
         * unless the driver must poll something: then the loop sleeps until an event. */
        int (*tick)(DrvhostDriver *d, void *userdata);
        /* drvhost_driver_main() only. Called once the device is set up, before the loop: submit
         * transfers, add fds and timers. Return 0 for READY=1 to follow, 1 if the driver sends
         * READY=1 itself (drvhost_driver_notify_ready()), or a negative errno to exit: -ENODEV (or
         * any failure once the device is gone) with DRVHOST_EXIT_UNPLUGGED, else EXIT_FAILURE.
         * Map libusb errors with drvhost_driver_errno_from_libusb(). */
        int (*start)(DrvhostDriver *d, void *userdata);
        /* drvhost_driver_main() only. Called once the loop ended, or start failed, before the
         * library cancels and drains the transfers of drvhost_driver_transfer_new(): undo what
         * start did besides those (close fds, free memory). */
        void (*stop)(DrvhostDriver *d, void *userdata);
} DrvhostDriverOps;

/* Longest list of fds drvhost_driver_add_fd() accepts: a driver serves a few clients, not a server's
 * worth. */
#define DRVHOST_DRIVER_FDS_MAX 64

/* Called by drvhost_driver_run() for an fd registered with drvhost_driver_add_fd(), after USB events
 * were handled, with revents as epoll reported them (the poll(2) bits: POLLIN, POLLOUT, POLLHUP,
 * POLLERR ...); fds ready at once are handled in the order they were registered. It may
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

/* Runs the sd-event loop (drvhost_driver_get_event()): handles libusb events (transfer callbacks run
 * from here), calls the handlers of fds added with drvhost_driver_add_fd() and the driver's own
 * sources, pings the watchdog from a timer, and calls ops->tick if set. SIGTERM and SIGINT
 * are blocked and read through a signalfd while it runs, and stop the loop with exit status 0.
 * Returns when a stop was requested: by drvhost_driver_stop() (also from a callback or tick), by one
 * of those signals, or because the device is gone (its usbfs file, or a PCI binding's interrupt
 * file, reports a hang-up, or libusb reports LIBUSB_ERROR_NO_DEVICE), which stops with
 * DRVHOST_EXIT_UNPLUGGED. ops and userdata may be NULL. It may be called again after it returned.
 * Returns 0 after a stop (then see drvhost_driver_exit_status()), or -errno on failure: of the loop,
 * of libusb, or the error tick or an fd handler returned. */
int drvhost_driver_run(DrvhostDriver *d, const DrvhostDriverOps *ops, void *userdata);

/* Adds fd to what drvhost_driver_run() waits for, so that a driver serving a socket, a pty or a timerfd
 * reacts at once: handler runs when epoll reports one of events (poll(2) bits) for it. The fd need
 * not be open until the loop runs.
 * events 0 pauses the fd altogether (not even POLLHUP is reported), e.g. to stop reading from a
 * client until there is room for its data. d does not own fd: remove it before closing it.
 * Returns 0, -EINVAL for a bad argument, -EEXIST if fd is registered already, -E2BIG beyond
 * DRVHOST_DRIVER_FDS_MAX, or -ENOMEM. */
int drvhost_driver_add_fd(DrvhostDriver *d, int fd, short events, DrvhostDriverFdHandler handler,
                          void *userdata);
/* Changes the events waited for on a registered fd (0 pauses it). Returns 0, -EINVAL, or -ENOENT if fd
 * is not registered. */
int drvhost_driver_set_fd_events(DrvhostDriver *d, int fd, short events);
/* Forgets fd; its handler is not called any more, not even for events epoll reported already.
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

/* --- Since LIBDRVHOST_DRIVER_0.4: the framework --- */

/* The whole life of a driver: drvhost_driver_new(), ops->start, READY=1, drvhost_driver_run(),
 * ops->stop, then the tracked transfers cancelled and drained. Failures are logged. Returns the exit
 * status for main() to return: 0 after SIGTERM/SIGINT or drvhost_driver_stop(d, 0),
 * DRVHOST_EXIT_UNPLUGGED when the device is gone (also if it was gone before start), EXIT_FAILURE
 * (or the status given to drvhost_driver_stop()) otherwise. */
int drvhost_driver_main(const DrvhostDriverOps *ops, void *userdata);

/* The driver's sd-event loop, for timers, signals and fds of the driver's own (sd_event_add_*()). It
 * runs inside drvhost_driver_run(). Owned by d: take a reference (sd_event_ref()) to keep it longer.
 * Sources of the driver's own must be freed before drvhost_driver_free(). */
sd_event *drvhost_driver_get_event(DrvhostDriver *d);

/* Changes how long the loop waits for an event before calling ops->tick anyway. Returns 0 or -EINVAL. */
int drvhost_driver_set_tick_interval(DrvhostDriver *d, uint64_t usec);

/* The device fd drvhostd passed: the usbfs file (a USB binding; libusb owns its use) or BAR 0 (a PCI
 * binding, for mmap()). Owned by d. */
int drvhost_driver_get_device_fd(DrvhostDriver *d);
/* A PCI binding's interrupt file (see drvhost-irq.h), owned by d; NULL for a USB binding. The library
 * watches it for the device's removal, which stops the loop with DRVHOST_EXIT_UNPLUGGED. */
DrvhostIrq *drvhost_driver_get_irq(DrvhostDriver *d);
/* The pty master drvhostd opened for a binding whose manifest says TTYLink=yes: drvhostd owns the
 * slave's name, mode and link (/run/drvhost/tty/…) and keeps the master open across the driver's
 * restarts, so the port's users do not see them. Owned by d. Returns the fd, -ENOENT without one. */
int drvhost_driver_get_tty_fd(DrvhostDriver *d);
/* The listening socket drvhostd made for a binding whose manifest says JobSocket=yes (its path, owner
 * and mode are drvhostd's; it lives as long as the binding, across the driver's restarts). Owned by
 * d. Returns the fd, -ENOENT without one. */
int drvhost_driver_get_socket_fd(DrvhostDriver *d);

/* Maps a negative enum libusb_error to a negative errno (LIBUSB_ERROR_NO_DEVICE to -ENODEV ...); 0 and
 * positive values pass through. */
int drvhost_driver_errno_from_libusb(int libusb_error);

/* The exit status for a driver ending with error (a negative errno, or >= 0 for none):
 * drvhost_driver_exit_status() for none, DRVHOST_EXIT_UNPLUGGED for -ENODEV or when the device is
 * gone, else EXIT_FAILURE. d may be NULL. */
int drvhost_driver_exit_status_for(DrvhostDriver *d, int error);

/* An endpoint of a granted interface, as drvhost_driver_find_endpoint() found it. */
typedef struct DrvhostEndpoint {
        uint8_t address;          /* bEndpointAddress, direction bit included */
        uint8_t type;             /* enum libusb_transfer_type */
        uint16_t max_packet_size; /* wMaxPacketSize */
        uint8_t interval;         /* bInterval */
        uint8_t interface;        /* bInterfaceNumber */
        uint8_t alt_setting;      /* the alternate setting it is in: select it if not 0 */
} DrvhostEndpoint;

/* Bits for the types argument of drvhost_driver_find_endpoint(). */
#define DRVHOST_ENDPOINT_TYPE(libusb_type) (1u << (libusb_type))
#define DRVHOST_ENDPOINT_BULK DRVHOST_ENDPOINT_TYPE(LIBUSB_TRANSFER_TYPE_BULK)
#define DRVHOST_ENDPOINT_INTERRUPT DRVHOST_ENDPOINT_TYPE(LIBUSB_TRANSFER_TYPE_INTERRUPT)
#define DRVHOST_ENDPOINT_ISOCHRONOUS DRVHOST_ENDPOINT_TYPE(LIBUSB_TRANSFER_TYPE_ISOCHRONOUS)

/* Finds the first endpoint of interface (a granted bInterfaceNumber, or -1 for the first granted one)
 * whose type is one of types and whose direction is direction (LIBUSB_ENDPOINT_IN or
 * LIBUSB_ENDPOINT_OUT), in the active configuration, alternate settings in order. Returns 0 and *ret,
 * -ENOENT if there is none, -EACCES for an interface not granted, -EOPNOTSUPP for a PCI binding,
 * -EINVAL, or another -errno mapped from libusb. */
int drvhost_driver_find_endpoint(DrvhostDriver *d, int interface, unsigned types, uint8_t direction,
                                 DrvhostEndpoint *ret);

/* A tracked transfer with a size-byte buffer (length preset to size), owned by d: drvhost_driver_free()
 * frees it. Fill it with libusb_fill_*_transfer() (buffer and length as they are), then submit it with
 * drvhost_driver_submit(). NULL when out of memory. Do not libusb_free_transfer() it. */
struct libusb_transfer *drvhost_driver_transfer_new(DrvhostDriver *d, size_t size);

/* Submits a transfer of drvhost_driver_transfer_new() and tracks it until its callback ran: the
 * library cancels and drains it when the driver stops, and a transfer that ends with
 * LIBUSB_TRANSFER_NO_DEVICE stops the driver with DRVHOST_EXIT_UNPLUGGED (before its callback runs,
 * which may resubmit with this function). Returns 0, -ENOENT for a transfer not made by
 * drvhost_driver_transfer_new(), -EBUSY if in flight already, -ESHUTDOWN once a stop was requested,
 * -ENODEV if the device is gone (the stop is requested then), or another -errno mapped from libusb. */
int drvhost_driver_submit(DrvhostDriver *d, struct libusb_transfer *t);

/* Cancels the tracked transfers in flight and waits up to timeout_usec for their callbacks; after it,
 * drvhost_driver_submit() refuses. drvhost_driver_main() and drvhost_driver_free() do it. Returns 0,
 * or -ETIMEDOUT if some did not come back (they are left to libusb, never freed under it). */
int drvhost_driver_drain(DrvhostDriver *d, uint64_t timeout_usec);

#ifdef __cplusplus
}
#endif

#endif /* DRVHOST_DRIVER_H */
