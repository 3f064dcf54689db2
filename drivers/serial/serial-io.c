/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Data both ways: bulk IN completions written to the pty in order, what the user writes read into bulk
 * OUT transfers, the port opened and closed, and the notification endpoint. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <syslog.h>
#include <unistd.h>

#include "macro.h"
#include "serial.h"

void in_submit(Serial *s)
{
        /* Only while the port is open, as the kernel's cdc-acm: the device keeps its data until
         * someone listens, instead of it piling up for whoever opens the port next. */
        while (s->slave_open && s->in_count < IN_TRANSFERS) {
                InSlot *slot = &s->in[(s->in_head + s->in_count) % IN_TRANSFERS];
                int r;

                r = drvhost_driver_submit(s->driver, slot->t);
                if (r < 0) {
                        serial_fail_submit(s, r, "read from the device");
                        return;
                }
                slot->state = IN_PENDING;
                s->in_count++;
        }
}

/* Writes completed IN data to the pty in order, as far as the pty takes it, and resubmits the emptied
 * transfers. Returns 0 or -errno. */
int in_deliver(Serial *s)
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

void in_done(struct libusb_transfer *t)
{
        InSlot *slot = t->user_data;
        Serial *s = slot->serial;
        int r;

        switch (t->status) {
        case LIBUSB_TRANSFER_COMPLETED:
                slot->state = IN_FILLED;
                slot->written = 0;
                if (s->port.chip->in_data) {
                        uint32_t msr = s->port.msr;

                        t->actual_length = (int)s->port.chip->in_data(&s->port, t->buffer,
                                                                      (size_t)MAX(t->actual_length, 0));
                        if (msr != s->port.msr && serial_pass_msr(s) < 0)
                                return;
                }
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

void out_done(struct libusb_transfer *t)
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

void serial_slave_closed(Serial *s)
{
        s->slave_open = false;
        s->slave_hup = false;
        (void)drvhost_driver_log(s->driver, LOG_DEBUG, "Port closed.");
        /* HUPCL is the serial port's "hang up on last close"; the pty starts with it set. The kernel
         * front end's tty does that itself and says so (DRVHOST_TTY_EVENT_DTR_RTS, before the close). */
        if (!s->pty.kernel && (!s->termios_known || (s->termios.c_cflag & HUPCL)))
                serial_port_dtr_rts(s, false);
        serial_port_close(s);
        serial_update_status(s);
}

/* The port is open: data flows. */
static void slave_mark_open(Serial *s)
{
        s->slave_open = true;
        (void)drvhost_driver_log(s->driver, LOG_DEBUG, "Port opened.");
        in_submit(s);
        serial_update_status(s);
}

void serial_slave_opened(Serial *s, const struct termios2 *t)
{
        struct termios2 now;

        if (!t && pty_port_get_termios(&s->pty, &now) >= 0)
                t = &now;
        if (t)
                serial_port_open(s, t);
        /* The kernel front end raises the lines itself and says so (DRVHOST_TTY_EVENT_DTR_RTS). */
        if (!s->pty.kernel && !(s->termios_known && line_coding_termios_hangup(&s->termios)))
                serial_port_dtr_rts(s, true);
        slave_mark_open(s);
}

/* Reads what the user wrote into free OUT transfers and sends them. Returns 0 or -errno. */
int out_fill(Serial *s)
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
                r = drvhost_driver_submit(s->driver, slot->t);
                if (r < 0) {
                        serial_fail_submit(s, r, "write to the device");
                        return 0;
                }
                slot->pending = true;
                s->out_busy++;
        }
        return 0;
}

void notify_done(struct libusb_transfer *t)
{
        Serial *s = t->user_data;
        size_t n;
        int r;

        s->notify_pending = false;
        if (serial_transfer_over(s, t))
                return;
        if (t->status != LIBUSB_TRANSFER_COMPLETED) {
                /* Notifications only inform: serve on without them. Logged at the next tick, which an
                 * unplug (the usual cause) does not reach. */
                s->notify_error = (int)t->status;
                return;
        }

        n = MIN((size_t)MAX(t->actual_length, 0), sizeof(s->notify_acc) - s->notify_len);
        memcpy(s->notify_acc + s->notify_len, t->buffer, n);
        s->notify_len += n;
        /* A full packet of a notification not complete yet: the rest follows. A short packet ends it. */
        if (t->actual_length == t->length && s->notify_len < sizeof(s->notify_acc) &&
            s->port.chip->notify_incomplete && s->port.chip->notify_incomplete(s->notify_acc, s->notify_len))
                goto resubmit;

        /* A pty has no modem status lines to show DCD, DSR, RING or errors on: logged for debugging.
         * The kernel front end's tty has them, for TIOCMGET and TIOCMIWAIT. */
        r = s->port.chip->notify(&s->port, s->notify_acc, s->notify_len);
        s->notify_len = 0;
        if (r > 0 && serial_pass_msr(s) < 0)
                return;

resubmit:
        r = drvhost_driver_submit(s->driver, t);
        if (r < 0) {
                serial_fail_submit(s, r, "wait for notifications");
                return;
        }
        s->notify_pending = true;
}

static void termios_of_event(const struct drvhost_tty_event *e, struct termios2 *ret)
{
        _Static_assert(sizeof(e->termios) == sizeof(*ret), "drvhost_tty_termios is termios2");
        memcpy(ret, &e->termios, sizeof(*ret));
}

static unsigned lines_of_mctrl(uint32_t mctrl)
{
        return (mctrl & TIOCM_DTR ? SERIAL_LINE_DTR : 0) | (mctrl & TIOCM_RTS ? SERIAL_LINE_RTS : 0);
}

int serial_front_sync(Serial *s)
{
        struct drvhost_tty_event e;
        struct termios2 t;
        int r;

        r = kernel_tty_sync(s->pty.master, &e);
        if (r < 0)
                return r;
        termios_of_event(&e, &t);
        if (!s->started) {
                /* A restart resumes what the port was doing: open or not, its settings, its lines. */
                serial_port_start(s, e.open, &t, lines_of_mctrl(e.mctrl));
                s->started = true;
                if (e.open)
                        slave_mark_open(s);
                if (e.break_on)
                        serial_port_break(s, true);
                return 0;
        }
        /* Events were lost: the port as it is now, from what was queued. */
        if (e.open && !s->slave_open)
                serial_slave_opened(s, &t);
        else if (!e.open && s->slave_open)
                serial_slave_closed(s);
        serial_port_termios(s, &t, (int)lines_of_mctrl(e.mctrl));
        serial_port_lines(s, lines_of_mctrl(e.mctrl) & ~s->port.lines,
                          s->port.lines & ~lines_of_mctrl(e.mctrl) & SERIAL_LINES);
        if (e.break_on != s->break_on)
                serial_port_break(s, e.break_on);
        return 0;
}

/* One event of the kernel front end's, as the kernel's USB serial drivers act on the same call. */
static int serial_front_event(Serial *s, const struct drvhost_tty_event *e)
{
        struct termios2 t;

        termios_of_event(e, &t);
        switch (e->kind) {
        case DRVHOST_TTY_EVENT_OPEN:
                /* Opened: data flows. */
                if (!s->slave_open)
                        serial_slave_opened(s, &t);
                return 0;
        case DRVHOST_TTY_EVENT_CLOSE:
                /* The tty drained what the application wrote before it let the close finish
                 * (closing_wait), so nothing is left. */
                if (s->slave_open)
                        serial_slave_closed(s);
                return 0;
        case DRVHOST_TTY_EVENT_TERMIOS:
                serial_port_termios(s, &t, (int)lines_of_mctrl(e->mctrl));
                return 0;
        case DRVHOST_TTY_EVENT_MCTRL:
                serial_port_lines(s, lines_of_mctrl(e->set), lines_of_mctrl(e->clear));
                return 0;
        case DRVHOST_TTY_EVENT_DTR_RTS:
                serial_port_dtr_rts(s, e->set != 0);
                return 0;
        case DRVHOST_TTY_EVENT_BREAK:
                serial_port_break(s, e->break_on);
                return 0;
        case DRVHOST_TTY_EVENT_MSR_READ:
                /* A chip that tells its status only when asked is asked now; the acknowledgment
                 * follows the reply, which has set the status by then. */
                serial_port_poll(s);
                return 0;
        case DRVHOST_TTY_EVENT_LOST:
                (void)drvhost_driver_log(s->driver, LOG_NOTICE,
                                         "Events of the port were lost, taking its state as it is.");
                return serial_front_sync(s);
        default:
                return 0; /* a flush (nothing waits on the driver's side), or one a newer module knows */
        }
}

int serial_front_changed(Serial *s)
{
        struct drvhost_tty_event e;
        int r;

        /* In order, while the control queue has room; the rest waits in the front end (POLLPRI). */
        while (control_has_room(s)) {
                r = kernel_tty_next_event(s->pty.master, &e);
                if (r == -EAGAIN)
                        return 0;
                if (r < 0)
                        return r;
                s->port.rate_report = 0;
                r = serial_front_event(s, &e);
                if (r < 0)
                        return r;
                /* The application's call returns once its requests are on the device, as with the
                 * kernel's drivers, and an open or tcsetattr() with the rate the chip was set to if
                 * its kernel driver reports one. */
                if (e.kind != DRVHOST_TTY_EVENT_LOST)
                        serial_port_ack(s, e.seq,
                                        e.kind == DRVHOST_TTY_EVENT_OPEN || e.kind == DRVHOST_TTY_EVENT_TERMIOS
                                            ? s->port.rate_report
                                            : 0);
        }
        return 0;
}
