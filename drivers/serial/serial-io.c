/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Data both ways: bulk IN completions written to the pty in order, what the user writes read into bulk
 * OUT transfers, the port opened and closed, and the notification endpoint. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
        s->close_pending = s->port.chip->close != NULL;
        (void)drvhost_driver_log(s->driver, LOG_DEBUG, "Port closed.");
        /* HUPCL is the serial port's "hang up on last close"; the pty starts with it set. The kernel
         * front end's tty does that itself and says so in its modem lines. */
        if (!s->pty.kernel && (!s->termios_known || (s->termios.c_cflag & HUPCL)))
                serial_set_lines(s, 0);
        serial_update_status(s);
}

void serial_slave_opened(Serial *s)
{
        s->slave_open = true;
        s->open_pending = s->port.chip->open != NULL;
        s->close_pending = false;
        /* The kernel's drivers of these chips set the line in full at every open. */
        if (s->port.chip->coding_at_open)
                s->coding_sent_valid = false;
        (void)drvhost_driver_log(s->driver, LOG_DEBUG, "Port opened.");
        if (!s->pty.kernel && !(s->termios_known && line_coding_termios_hangup(&s->termios)))
                serial_set_lines(s, SERIAL_LINE_DTR | SERIAL_LINE_RTS);
        in_submit(s);
        serial_update_status(s);
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

int serial_front_changed(Serial *s)
{
        struct drvhost_tty_state st;
        int r;

        r = kernel_tty_get_state(s->pty.master, &st);
        if (r < 0)
                return r;
        /* Opened: data flows, the lines follow what the tty asks. Closed: the tty drained what the
         * application wrote before it let the close finish (closing_wait), so nothing is left. */
        if (st.open && !s->slave_open)
                serial_slave_opened(s);
        else if (!st.open && s->slave_open)
                serial_slave_closed(s);
        serial_apply_front_state(s, &st);
        return 0;
}
