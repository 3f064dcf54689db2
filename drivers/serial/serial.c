/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* drvhost-serial: the USB CDC-ACM driver. It serves the device as a pty: what a user writes to the pty's
 * slave goes out on the bulk OUT endpoint, what comes in on bulk IN is written to the pty, and the line
 * settings the user makes with tcsetattr()/stty reach the device as SET_LINE_CODING, the open state of
 * the port as DTR/RTS (SET_CONTROL_LINE_STATE). $RUNTIME_DIRECTORY/tty points at the slave.
 *
 * How the driver learns what the user does on the slave, holding only the master:
 *  - termios: read through the master (TCGETS2 on a master reads its slave's termios), at every tick
 *    (DRVHOST_DRIVER_TICK_USEC) and before every read of data from the pty. Packet mode (TIOCPKT) does
 *    not help here: Linux reports termios changes to the master (TIOCPKT_IOCTL) only while the slave
 *    has EXTPROC set, and EXTPROC turns off the slave's own input processing (canonical mode, echo,
 *    signals), which a serial port must keep. Checking before each read orders a change before the
 *    data written after it; reads are held while the new line coding is on its way.
 *  - open and close: the master reports POLLHUP while no process has the slave open (pty-port.c arms
 *    this). Data left in the pty is drained before a close counts. Opening is seen at the next tick.
 *    Like the kernel's cdc-acm, the driver reads from the device only while the port is open, raises
 *    DTR and RTS on open and drops them on the last close if HUPCL is set (the default) or on B0.
 * Linux ptys keep CS8 and clear PARENB whatever the user asks (pty_set_termios()), so through a pty
 * only the rate and the stop bits can change; the translation handles all of termios regardless. */

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <drvhost-driver.h>

#include "acm-descriptors.h"
#include "line-coding.h"
#include "macro.h"
#include "pty-port.h"

enum {
        /* Several IN transfers in flight keep the device streaming while one is written to the pty. */
        IN_TRANSFERS = 4,
        OUT_TRANSFERS = 4,
        BULK_BUFFER_SIZE = 16 * 1024,
        /* A CDC notification is an 8-byte header and a little data; SERIAL_STATE has 2 bytes. */
        NOTIFY_BUFFER_SIZE = 64,
        CONTROL_TIMEOUT_MSEC = 5000,
        /* Dropping DTR at exit must fit well within the unit's TimeoutStopSec=. */
        EXIT_CONTROL_TIMEOUT_MSEC = 1000,
        /* Rounds of waiting for cancelled transfers' callbacks before giving up on them at exit. */
        DRAIN_ROUNDS = 10,
        DRAIN_ROUND_USEC = 100 * 1000,
        STATUS_MAX = 256,
};

/* USB CDC PSTN 1.2, 6.3 and 6.5: the class requests and the notification the driver uses. */
enum {
        CDC_REQUEST_TYPE_OUT = LIBUSB_ENDPOINT_OUT | LIBUSB_REQUEST_TYPE_CLASS | LIBUSB_RECIPIENT_INTERFACE,
        CDC_SET_LINE_CODING = 0x20,
        CDC_SET_CONTROL_LINE_STATE = 0x22,
        CDC_CONTROL_DTR = 1 << 0,
        CDC_CONTROL_RTS = 1 << 1,
        CDC_NOTIFY_SERIAL_STATE = 0x20,
        CDC_NOTIFICATION_HEADER_SIZE = 8,
        CDC_SERIAL_STATE_SIZE = 2,
        CDC_NOTIFICATION_CODE_OFFSET = 1,
};

#define TTY_LINK_NAME "tty"

typedef enum InState {
        IN_IDLE,
        IN_PENDING,
        IN_FILLED, /* completed, data not (all) written to the pty yet */
} InState;

typedef struct Serial Serial;

typedef struct InSlot {
        Serial *serial;
        struct libusb_transfer *t;
        InState state;
        int written; /* bytes of t->actual_length already in the pty */
} InSlot;

typedef struct OutSlot {
        Serial *serial;
        struct libusb_transfer *t;
        bool pending;
} OutSlot;

struct Serial {
        DrvhostDriver *driver;
        libusb_device_handle *handle;
        AcmEndpoints acm;
        uint16_t vendor, product;
        PtyPort pty;
        const char *runtime_dir; /* where the tty link goes; NULL when started by hand */
        bool watching;           /* pty.master is registered with drvhost_driver_add_fd() */

        /* A ring in submission order, which is the order the device fills them in: in_count slots from
         * in_head are pending or filled, and only the head may be written to the pty. */
        InSlot in[IN_TRANSFERS];
        unsigned in_head, in_count;
        OutSlot out[OUT_TRANSFERS];
        unsigned out_busy;
        struct libusb_transfer *notify;
        bool notify_pending;
        uint16_t serial_state;
        int notify_error; /* a failure of the notification endpoint not logged yet, else 0 */
        bool failure_logged;

        /* One control request at a time; what it carries becomes "sent" when it completes. */
        struct libusb_transfer *control;
        bool control_pending;
        uint8_t control_request;
        LineCoding coding_inflight;
        uint16_t lines_inflight;

        struct termios2 termios;
        bool termios_known;
        LineCoding coding_wanted, coding_sent;
        bool coding_wanted_valid, coding_sent_valid, coding_unsupported;
        uint16_t lines_wanted, lines_sent;
        bool lines_sent_valid, lines_unsupported;

        bool slave_open; /* a user has the pty open */
        bool slave_hup;  /* ... but the master reported the last close: drain, then it is closed */

        char status[STATUS_MAX];
};

static int serial_update_events(Serial *s);

/* Logged once, at exit: the library may notice the unplug first. */
static void serial_stop_unplugged(Serial *s)
{
        (void)drvhost_driver_stop(s->driver, DRVHOST_EXIT_UNPLUGGED);
}

/* For a libusb call that failed with r. */
static void serial_fail_libusb(Serial *s, int r, const char *what)
{
        if (drvhost_driver_is_unplugged_error(r)) {
                serial_stop_unplugged(s);
                return;
        }
        (void)drvhost_driver_log(s->driver, LOG_ERR, "Failed to %s: %s", what, libusb_error_name(r));
        (void)drvhost_driver_stop(s->driver, EXIT_FAILURE);
}

/* For a transfer that ended neither completed nor cancelled. */
static void serial_fail_transfer(Serial *s, const struct libusb_transfer *t, const char *what)
{
        if (t->status == LIBUSB_TRANSFER_NO_DEVICE) {
                serial_stop_unplugged(s);
                return;
        }
        /* systemd restarts us; a halted endpoint is cleared by the reset of a fresh start's claim. */
        (void)drvhost_driver_stop(s->driver, EXIT_FAILURE);
        /* Transfers cut by an unplug often end in a generic error, and the library made the stop an
         * unplug then (logged at exit). Otherwise the first failure says why. */
        if (drvhost_driver_exit_status(s->driver) == DRVHOST_EXIT_UNPLUGGED || s->failure_logged)
                return;
        s->failure_logged = true;
        (void)drvhost_driver_log(s->driver, LOG_ERR, "%s transfer failed: %s", what,
                                 libusb_error_name((int)t->status));
}

static void serial_fail_errno(Serial *s, int r, const char *what)
{
        (void)drvhost_driver_log(s->driver, LOG_ERR, "Failed to %s: %s", what, strerror(-r));
        (void)drvhost_driver_stop(s->driver, EXIT_FAILURE);
}

static void serial_update_status(Serial *s)
{
        char coding[LINE_CODING_STRING_MAX], status[STATUS_MAX];

        (void)snprintf(status, sizeof(status), "Serving %04x:%04x on %s, %s, port %s", s->vendor, s->product,
                       s->pty.path,
                       s->coding_wanted_valid ? line_coding_to_string(&s->coding_wanted, coding) : "no rate",
                       s->slave_open ? "open" : "closed");
        if (streq(status, s->status))
                return;
        memcpy(s->status, status, sizeof(status));
        (void)drvhost_driver_notify_status(s->driver, "%s", s->status);
}

/* --- Control requests --- */

static bool coding_dirty(const Serial *s)
{
        return s->coding_wanted_valid && !s->coding_unsupported &&
               !(s->coding_sent_valid && line_coding_equal(&s->coding_wanted, &s->coding_sent));
}

static bool lines_dirty(const Serial *s)
{
        return !s->lines_unsupported && !(s->lines_sent_valid && s->lines_sent == s->lines_wanted);
}

/* Data read from the pty waits while a new line coding is not on the device yet, so that it goes out
 * with the settings the user made before writing it. */
static bool serial_reads_held(const Serial *s)
{
        return coding_dirty(s) || (s->control_pending && s->control_request == CDC_SET_LINE_CODING);
}

static void control_kick(Serial *s);

static void control_done(struct libusb_transfer *t)
{
        Serial *s = t->user_data;
        bool is_coding = s->control_request == CDC_SET_LINE_CODING;
        const char *name = is_coding ? "SET_LINE_CODING" : "SET_CONTROL_LINE_STATE";

        s->control_pending = false;
        (void)drvhost_driver_io_end(s->driver);

        switch (t->status) {
        case LIBUSB_TRANSFER_COMPLETED:
                break;
        case LIBUSB_TRANSFER_CANCELLED:
                return;
        case LIBUSB_TRANSFER_NO_DEVICE:
                serial_stop_unplugged(s);
                return;
        case LIBUSB_TRANSFER_STALL:
                /* The request is optional (the ACM descriptor's bmCapabilities may say so, but devices
                 * lie both ways, so like the kernel's cdc-acm we try and take no for an answer). */
                (void)drvhost_driver_log(s->driver, LOG_NOTICE,
                                         "The device does not support %s, not sending it again.", name);
                if (is_coding)
                        s->coding_unsupported = true;
                else
                        s->lines_unsupported = true;
                break;
        default:
                /* Counted as sent: retrying the same value would only fail the same way. */
                (void)drvhost_driver_log(s->driver, LOG_WARNING, "%s failed: %s", name,
                                         libusb_error_name((int)t->status));
                break;
        }

        if (is_coding) {
                s->coding_sent = s->coding_inflight;
                s->coding_sent_valid = true;
        } else {
                s->lines_sent = s->lines_inflight;
                s->lines_sent_valid = true;
        }
        control_kick(s);
        (void)serial_update_events(s);
}

/* Sends what the device should know and does not yet: the line coding first, so that the rate is right
 * by the time DTR rises. */
static void control_kick(Serial *s)
{
        struct libusb_transfer *t = s->control;
        uint16_t value = 0, length = 0;
        int r;

        if (s->control_pending)
                return;
        if (coding_dirty(s)) {
                s->control_request = CDC_SET_LINE_CODING;
                s->coding_inflight = s->coding_wanted;
                line_coding_pack(&s->coding_inflight, libusb_control_transfer_get_data(t));
                length = LINE_CODING_SIZE;
        } else if (lines_dirty(s)) {
                s->control_request = CDC_SET_CONTROL_LINE_STATE;
                s->lines_inflight = s->lines_wanted;
                value = s->lines_inflight;
        } else
                return;

        libusb_fill_control_setup(t->buffer, CDC_REQUEST_TYPE_OUT, s->control_request, value,
                                  s->acm.comm_interface, length);
        libusb_fill_control_transfer(t, s->handle, t->buffer, control_done, s, CONTROL_TIMEOUT_MSEC);
        /* A control request must complete: the stall watchdog restarts a driver whose device stopped
         * answering. */
        (void)drvhost_driver_io_begin(s->driver);
        r = libusb_submit_transfer(t);
        if (r < 0) {
                (void)drvhost_driver_io_end(s->driver);
                serial_fail_libusb(s, r, "send a control request");
                return;
        }
        s->control_pending = true;
}

/* --- Line settings --- */

static void serial_set_lines(Serial *s, uint16_t lines)
{
        s->lines_wanted = lines;
        control_kick(s);
}

static bool termios_changed(const struct termios2 *a, const struct termios2 *b)
{
        /* Only what reaches the device; raw, echo and the like are the pty's own business. */
        return a->c_cflag != b->c_cflag || a->c_ospeed != b->c_ospeed;
}

/* Picks up termios changes the user made on the slave. Returns 0 or -errno. */
static int serial_check_termios(Serial *s)
{
        struct termios2 t;
        bool was_hangup;
        LineCoding lc;
        int r;

        r = pty_port_get_termios(&s->pty, &t);
        if (r < 0)
                return r;
        if (s->termios_known && !termios_changed(&t, &s->termios))
                return 0;

        was_hangup = s->termios_known && line_coding_termios_hangup(&s->termios);
        s->termios = t;
        s->termios_known = true;

        if (line_coding_termios_hangup(&t)) {
                /* B0 means hang up (POSIX); the rate stays what it was. */
                (void)drvhost_driver_log(s->driver, LOG_INFO, "Speed B0 set: dropping DTR and RTS.");
                s->lines_wanted = 0;
        } else if (line_coding_from_termios(&t, &lc) < 0)
                (void)drvhost_driver_log(s->driver, LOG_WARNING,
                                         "Ignoring line settings without a speed (BOTHER, c_ospeed 0).");
        else if (!s->coding_wanted_valid || !line_coding_equal(&lc, &s->coding_wanted)) {
                char buf[LINE_CODING_STRING_MAX];

                s->coding_wanted = lc;
                s->coding_wanted_valid = true;
                (void)drvhost_driver_log(s->driver, LOG_INFO, "Line settings: %s.",
                                         line_coding_to_string(&lc, buf));
        }
        /* Leaving B0 while open: back up, after the new rate (control_kick() sends that first). */
        if (was_hangup && !line_coding_termios_hangup(&t) && s->slave_open)
                s->lines_wanted = CDC_CONTROL_DTR | CDC_CONTROL_RTS;
        control_kick(s);
        serial_update_status(s);
        return 0;
}

/* --- Device to pty --- */

static bool in_waiting(const Serial *s)
{
        return s->in_count > 0 && s->in[s->in_head].state == IN_FILLED;
}

static void in_submit(Serial *s)
{
        /* Only while the port is open, as the kernel's cdc-acm: the device keeps its data until
         * someone listens, instead of it piling up for whoever opens the port next. */
        while (s->slave_open && s->in_count < IN_TRANSFERS) {
                InSlot *slot = &s->in[(s->in_head + s->in_count) % IN_TRANSFERS];
                int r;

                r = libusb_submit_transfer(slot->t);
                if (r < 0) {
                        serial_fail_libusb(s, r, "read from the device");
                        return;
                }
                slot->state = IN_PENDING;
                s->in_count++;
        }
}

/* Writes completed IN data to the pty in order, as far as the pty takes it, and resubmits the emptied
 * transfers. Returns 0 or -errno. */
static int in_deliver(Serial *s)
{
        while (in_waiting(s)) {
                InSlot *slot = &s->in[s->in_head];

                while (slot->written < slot->t->actual_length) {
                        ssize_t n = write(s->pty.master, slot->t->buffer + slot->written,
                                          (size_t)(slot->t->actual_length - slot->written));

                        if (n < 0) {
                                if (errno == EINTR)
                                        continue;
                                if (errno == EAGAIN)
                                        return 0; /* the pty is full: POLLOUT resumes */
                                return -errno;
                        }
                        slot->written += (int)n;
                }
                slot->state = IN_IDLE;
                s->in_head = (s->in_head + 1) % IN_TRANSFERS;
                s->in_count--;
        }
        in_submit(s);
        return 0;
}

static void in_done(struct libusb_transfer *t)
{
        InSlot *slot = t->user_data;
        Serial *s = slot->serial;
        int r;

        switch (t->status) {
        case LIBUSB_TRANSFER_COMPLETED:
                slot->state = IN_FILLED;
                slot->written = 0;
                r = in_deliver(s);
                if (r < 0) {
                        serial_fail_errno(s, r, "write to the pty");
                        return;
                }
                (void)serial_update_events(s);
                return;
        case LIBUSB_TRANSFER_CANCELLED:
                slot->state = IN_IDLE;
                return;
        default:
                slot->state = IN_IDLE;
                serial_fail_transfer(s, t, "Bulk IN");
                return;
        }
}

/* --- Pty to device --- */

static void out_done(struct libusb_transfer *t)
{
        OutSlot *slot = t->user_data;
        Serial *s = slot->serial;

        slot->pending = false;
        s->out_busy--;
        switch (t->status) {
        case LIBUSB_TRANSFER_COMPLETED:
                /* Room for another read from the pty. */
                (void)serial_update_events(s);
                return;
        case LIBUSB_TRANSFER_CANCELLED:
                return;
        default:
                serial_fail_transfer(s, t, "Bulk OUT");
                return;
        }
}

static void serial_slave_closed(Serial *s)
{
        s->slave_open = false;
        s->slave_hup = false;
        (void)drvhost_driver_log(s->driver, LOG_DEBUG, "Port closed.");
        /* HUPCL is the serial port's "hang up on last close"; the pty starts with it set. */
        if (!s->termios_known || (s->termios.c_cflag & HUPCL))
                serial_set_lines(s, 0);
        serial_update_status(s);
}

static void serial_slave_opened(Serial *s)
{
        s->slave_open = true;
        (void)drvhost_driver_log(s->driver, LOG_DEBUG, "Port opened.");
        if (!(s->termios_known && line_coding_termios_hangup(&s->termios)))
                serial_set_lines(s, CDC_CONTROL_DTR | CDC_CONTROL_RTS);
        in_submit(s);
        serial_update_status(s);
}

/* Reads what the user wrote into free OUT transfers and sends them. Returns 0 or -errno. */
static int out_fill(Serial *s)
{
        int r;

        while (s->out_busy < OUT_TRANSFERS && s->slave_open) {
                OutSlot *slot = NULL;
                ssize_t n;

                r = serial_check_termios(s);
                if (r < 0)
                        return r;
                if (serial_reads_held(s))
                        return 0;

                for (unsigned i = 0; i < OUT_TRANSFERS && !slot; i++)
                        if (!s->out[i].pending)
                                slot = &s->out[i];

                n = read(s->pty.master, slot->t->buffer, BULK_BUFFER_SIZE);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && errno == EAGAIN)
                        return 0;
                if (n <= 0) {
                        /* EIO: nothing left to read and no process has the slave open. */
                        if (n == 0 || errno == EIO) {
                                serial_slave_closed(s);
                                return 0;
                        }
                        return -errno;
                }

                slot->t->length = (int)n;
                r = libusb_submit_transfer(slot->t);
                if (r < 0) {
                        serial_fail_libusb(s, r, "write to the device");
                        return 0;
                }
                slot->pending = true;
                s->out_busy++;
        }
        return 0;
}

/* --- The pty in the event loop --- */

static int log_pty_error(DrvhostDriver *d, int r)
{
        (void)drvhost_driver_log(d, LOG_ERR, "The pty failed: %s", strerror(-r));
        return r;
}

/* Asks the loop for what the driver can act on now. While the master reports a hang-up, it is only
 * polled to drain it: poll() would report POLLHUP on every iteration otherwise. */
static int serial_update_events(Serial *s)
{
        short events = 0;

        if (!s->watching)
                return 0;
        if (s->slave_open && s->out_busy < OUT_TRANSFERS && !serial_reads_held(s))
                events |= POLLIN;
        if (s->slave_open && !s->slave_hup && in_waiting(s))
                events |= POLLOUT;
        if (s->slave_hup && !(events & POLLIN))
                events = 0;
        return drvhost_driver_set_fd_events(s->driver, s->pty.master, events);
}

static int on_pty(DrvhostDriver *d, int fd, short revents, void *userdata)
{
        Serial *s = userdata;
        int r;

        if (revents & POLLHUP)
                s->slave_hup = true;
        if (revents & (POLLIN | POLLHUP | POLLERR)) {
                r = out_fill(s);
                if (r < 0)
                        return log_pty_error(d, r);
        }
        if (revents & POLLOUT) {
                r = in_deliver(s);
                if (r < 0)
                        return log_pty_error(d, r);
        }
        return serial_update_events(s);
}

static int on_tick(DrvhostDriver *d, void *userdata)
{
        Serial *s = userdata;
        int r;

        if (s->notify_error != 0) {
                (void)drvhost_driver_log(d, LOG_WARNING, "Notification endpoint failed (%s), ignoring it.",
                                         libusb_error_name(s->notify_error));
                s->notify_error = 0;
        }

        /* No event says that the slave was opened: a hang-up only ends. */
        if (!s->slave_open || s->slave_hup) {
                r = pty_port_slave_state(&s->pty);
                if (r < 0)
                        return log_pty_error(d, r);
                if (r != PTY_SLAVE_CLOSED && !s->slave_open)
                        serial_slave_opened(s);
                /* Opened and closed again since the last tick: drain what was written, then close. */
                s->slave_hup = s->slave_open && r != PTY_SLAVE_OPEN;
        }

        r = serial_check_termios(s);
        if (r < 0)
                return log_pty_error(d, r);
        return serial_update_events(s);
}

/* --- Notifications --- */

static void notify_done(struct libusb_transfer *t)
{
        Serial *s = t->user_data;
        const uint8_t *b = t->buffer;
        int r;

        s->notify_pending = false;
        switch (t->status) {
        case LIBUSB_TRANSFER_COMPLETED:
                break;
        case LIBUSB_TRANSFER_CANCELLED:
                return;
        case LIBUSB_TRANSFER_NO_DEVICE:
                serial_stop_unplugged(s);
                return;
        default:
                /* Notifications only inform: serve on without them. Logged at the next tick, which an
                 * unplug (the usual cause) does not reach. */
                s->notify_error = (int)t->status;
                return;
        }

        /* A pty has no modem status lines to show DCD, DSR, RING or errors on: logged for debugging. */
        if (t->actual_length >= CDC_NOTIFICATION_HEADER_SIZE + CDC_SERIAL_STATE_SIZE &&
            b[CDC_NOTIFICATION_CODE_OFFSET] == CDC_NOTIFY_SERIAL_STATE) {
                uint16_t state =
                    (uint16_t)(b[CDC_NOTIFICATION_HEADER_SIZE] | b[CDC_NOTIFICATION_HEADER_SIZE + 1] << 8);

                if (state != s->serial_state)
                        (void)drvhost_driver_log(s->driver, LOG_DEBUG, "Serial state 0x%04x.", state);
                s->serial_state = state;
        }

        r = libusb_submit_transfer(t);
        if (r < 0) {
                serial_fail_libusb(s, r, "wait for notifications");
                return;
        }
        s->notify_pending = true;
}

/* --- Set-up and shutdown --- */


static int serial_alloc_transfers(Serial *s)
{
        for (unsigned i = 0; i < IN_TRANSFERS; i++) {
                s->in[i] = (InSlot){.serial = s, .t = drvhost_driver_alloc_transfer(BULK_BUFFER_SIZE)};
                if (!s->in[i].t)
                        return -ENOMEM;
                /* No timeout: a serial device may stay silent for as long as it likes. */
                libusb_fill_bulk_transfer(s->in[i].t, s->handle, s->acm.bulk_in_ep, s->in[i].t->buffer,
                                          BULK_BUFFER_SIZE, in_done, &s->in[i], 0);
        }
        for (unsigned i = 0; i < OUT_TRANSFERS; i++) {
                s->out[i] = (OutSlot){.serial = s, .t = drvhost_driver_alloc_transfer(BULK_BUFFER_SIZE)};
                if (!s->out[i].t)
                        return -ENOMEM;
                /* No timeout either: a device applying flow control may hold data back indefinitely,
                 * which is why OUT transfers are not marked with drvhost_driver_io_begin(). */
                libusb_fill_bulk_transfer(s->out[i].t, s->handle, s->acm.bulk_out_ep, s->out[i].t->buffer, 0,
                                          out_done, &s->out[i], 0);
        }
        s->control = drvhost_driver_alloc_transfer(LIBUSB_CONTROL_SETUP_SIZE + LINE_CODING_SIZE);
        if (!s->control)
                return -ENOMEM;
        if (s->acm.notify_ep != 0) {
                s->notify = drvhost_driver_alloc_transfer(NOTIFY_BUFFER_SIZE);
                if (!s->notify)
                        return -ENOMEM;
                libusb_fill_interrupt_transfer(s->notify, s->handle, s->acm.notify_ep, s->notify->buffer,
                                               NOTIFY_BUFFER_SIZE, notify_done, s, 0);
        }
        return 0;
}

static bool serial_any_pending(const Serial *s)
{
        for (unsigned i = 0; i < IN_TRANSFERS; i++)
                if (s->in[i].state == IN_PENDING)
                        return true;
        return s->out_busy > 0 || s->control_pending || s->notify_pending;
}

static void transfer_free_unless(struct libusb_transfer *t, bool pending)
{
        /* libusb still owns a transfer whose callback never came: leaked rather than freed under it. */
        if (t && !pending)
                libusb_free_transfer(t);
}

/* Cancels every transfer and waits (boundedly) for their callbacks, then frees them. */
static void serial_drain(Serial *s)
{
        struct timeval round = {.tv_usec = DRAIN_ROUND_USEC};

        for (unsigned i = 0; i < IN_TRANSFERS; i++)
                if (s->in[i].state == IN_PENDING)
                        (void)libusb_cancel_transfer(s->in[i].t);
        for (unsigned i = 0; i < OUT_TRANSFERS; i++)
                if (s->out[i].pending)
                        (void)libusb_cancel_transfer(s->out[i].t);
        if (s->control_pending)
                (void)libusb_cancel_transfer(s->control);
        if (s->notify_pending)
                (void)libusb_cancel_transfer(s->notify);

        for (unsigned i = 0; serial_any_pending(s) && i < DRAIN_ROUNDS; i++)
                (void)libusb_handle_events_timeout_completed(drvhost_driver_get_context(s->driver), &round,
                                                             NULL);

        for (unsigned i = 0; i < IN_TRANSFERS; i++)
                transfer_free_unless(s->in[i].t, s->in[i].state == IN_PENDING);
        for (unsigned i = 0; i < OUT_TRANSFERS; i++)
                transfer_free_unless(s->out[i].t, s->out[i].pending);
        transfer_free_unless(s->control, s->control_pending);
        transfer_free_unless(s->notify, s->notify_pending);
}

static void serial_shutdown(Serial *s)
{
        if (s->watching)
                (void)drvhost_driver_remove_fd(s->driver, s->pty.master);
        s->watching = false;
        serial_drain(s);

        /* Stopped with the device still there: leave it as a closed port would, DTR and RTS down. */
        if (drvhost_driver_exit_status(s->driver) != DRVHOST_EXIT_UNPLUGGED && !s->lines_unsupported &&
            s->lines_sent_valid && s->lines_sent != 0)
                (void)libusb_control_transfer(s->handle, CDC_REQUEST_TYPE_OUT, CDC_SET_CONTROL_LINE_STATE, 0,
                                              s->acm.comm_interface, NULL, 0, EXIT_CONTROL_TIMEOUT_MSEC);

        /* The link goes first, so that it never names a pty number someone else may get next. */
        if (s->runtime_dir)
                (void)pty_port_unlink(s->runtime_dir, TTY_LINK_NAME);
        pty_port_close(&s->pty);
}

static const char *runtime_directory(void)
{
        const char *dir = getenv("RUNTIME_DIRECTORY");
        struct stat st;

        /* systemd joins several directories with ':', but the unit has one, and its name has a ':' of
         * its own ("usb-serial_1-1:1.0"): take the value whole if it is a directory. */
        if (!dir || dir[0] != '/' || stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
                return NULL;
        return dir;
}

static int serial_find_function(Serial *s)
{
        libusb_device *dev = libusb_get_device(s->handle);
        struct libusb_config_descriptor *config;
        struct libusb_device_descriptor desc;
        const uint8_t *granted;
        size_t n;
        int r;

        r = libusb_get_device_descriptor(dev, &desc);
        if (r < 0)
                return serial_fail_libusb(s, r, "read the device descriptor"), r;
        s->vendor = desc.idVendor;
        s->product = desc.idProduct;

        r = libusb_get_active_config_descriptor(dev, &config);
        if (r < 0)
                return serial_fail_libusb(s, r, "read the configuration descriptor"), r;
        n = drvhost_driver_get_interfaces(s->driver, &granted);
        r = acm_find_endpoints(config, granted, n, &s->acm);
        libusb_free_config_descriptor(config);
        switch (r) {
        case 0:
                break;
        case -EACCES:
                (void)drvhost_driver_log(s->driver, LOG_ERR,
                                         "The ACM function's data interface was not granted (the manifest "
                                         "needs ClaimInterfaces=function).");
                return r;
        case -ENOENT:
                (void)drvhost_driver_log(s->driver, LOG_ERR,
                                         "No CDC-ACM communication and data interface among those granted.");
                return r;
        default:
                (void)drvhost_driver_log(s->driver, LOG_ERR,
                                         "The CDC data interface has no bulk IN/OUT pair.");
                return r;
        }
        (void)drvhost_driver_log(s->driver, LOG_INFO,
                                 "CDC-ACM function: interfaces %u and %u, bulk IN 0x%02x, OUT 0x%02x, "
                                 "notifications 0x%02x.",
                                 s->acm.comm_interface, s->acm.data_interface, s->acm.bulk_in_ep,
                                 s->acm.bulk_out_ep, s->acm.notify_ep);

        if (s->acm.data_altsetting != 0) {
                r = libusb_set_interface_alt_setting(s->handle, s->acm.data_interface,
                                                     s->acm.data_altsetting);
                if (r < 0)
                        return serial_fail_libusb(s, r, "select the data interface's alternate setting"), r;
        }
        return 0;
}

/* Everything up to READY=1. Returns 0, or <0 after logging. */
static int serial_setup(Serial *s)
{
        int r;

        r = serial_find_function(s);
        if (r < 0)
                return r;
        r = serial_alloc_transfers(s);
        if (r < 0)
                return serial_fail_errno(s, r, "allocate transfers"), r;

        r = pty_port_open(&s->pty);
        if (r < 0)
                return serial_fail_errno(s, r, "open a pty"), r;

        s->runtime_dir = runtime_directory();
        if (s->runtime_dir) {
                r = pty_port_link(&s->pty, s->runtime_dir, TTY_LINK_NAME);
                if (r < 0)
                        return serial_fail_errno(s, r, "link the pty into $RUNTIME_DIRECTORY"), r;
        } else
                (void)drvhost_driver_log(s->driver, LOG_NOTICE,
                                         "No $RUNTIME_DIRECTORY: not linking the pty.");

        /* Puts the device into a known state, whatever a previous run left: the pty's line coding,
         * DTR and RTS down until a user opens the port. */
        r = serial_check_termios(s);
        if (r < 0)
                return serial_fail_errno(s, r, "read the pty's settings"), r;
        control_kick(s);

        if (s->notify) {
                r = libusb_submit_transfer(s->notify);
                if (r < 0)
                        return serial_fail_libusb(s, r, "wait for notifications"), r;
                s->notify_pending = true;
        }

        /* Paused until the slave is opened: see serial_update_events(). */
        r = drvhost_driver_add_fd(s->driver, s->pty.master, 0, on_pty, s);
        if (r < 0)
                return serial_fail_errno(s, r, "watch the pty"), r;
        s->watching = true;

        (void)drvhost_driver_log(s->driver, LOG_INFO, "Serving the device on %s.", s->pty.path);
        return 0;
}

static void help(void)
{
        printf("Usage: drvhost-serial [OPTIONS]\n"
               "drvhost user-mode USB CDC-ACM driver: serves the device as a pty and links it as\n"
               "$RUNTIME_DIRECTORY/tty. Started by drvhost-driver@.service, which hands it the device on\n"
               "fd 3 and describes it in DRVHOST_* environment variables.\n\n"
               "  -h --help  Show this help\n");
}

int main(int argc, char *argv[])
{
        _cleanup_drvhost_driver_ DrvhostDriver *d = NULL;
        const DrvhostDriverOps ops = {.tick = on_tick};
        Serial s = {.pty.master = -EBADF};
        int r;

        if (argc > 1) {
                bool asked = streq(argv[1], "-h") || streq(argv[1], "--help");

                if (asked)
                        help();
                else
                        fprintf(stderr, "Unexpected argument: %s (see --help)\n", argv[1]);
                return asked && argc == 2 ? EXIT_SUCCESS : EXIT_FAILURE;
        }

        r = drvhost_driver_new(&d);
        if (r < 0) {
                fprintf(stderr, "Failed to set up the driver: %s\n", strerror(-r));
                return r == -ENODEV ? DRVHOST_EXIT_UNPLUGGED : EXIT_FAILURE;
        }
        s.driver = d;
        s.handle = drvhost_driver_get_handle(d);

        r = serial_setup(&s);
        if (r >= 0) {
                serial_update_status(&s);
                (void)drvhost_driver_notify_ready(d, s.status);
                r = drvhost_driver_run(d, &ops, &s);
                if (r < 0)
                        (void)drvhost_driver_log(d, LOG_ERR, "Event loop failed: %s", strerror(-r));
        } else if (drvhost_driver_exit_status(d) == EXIT_SUCCESS)
                /* Failed without asking to stop (a descriptor problem): a failure all the same. */
                (void)drvhost_driver_stop(d, EXIT_FAILURE);

        serial_shutdown(&s);
        if (drvhost_driver_exit_status(d) == DRVHOST_EXIT_UNPLUGGED)
                (void)drvhost_driver_log(d, LOG_INFO, "Device unplugged, exiting.");
        return r < 0 && drvhost_driver_exit_status(d) == EXIT_SUCCESS ? EXIT_FAILURE
                                                                      : drvhost_driver_exit_status(d);
}
