/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The port's control requests: each change the applications make (an open, line settings, DTR/RTS, a
 * break, a close) queues the requests the chip's kernel driver sends for it (serial-chip.h), computed
 * against what the changes before it left on the device; the queue goes out one request at a time,
 * in order. */
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

static const char *const control_kind_name[_CONTROL_KIND_MAX] = {
        [CONTROL_START] = "start-up",
        [CONTROL_OPEN] = "open",
        [CONTROL_CLOSE] = "close",
        [CONTROL_CODING] = "line settings",
        [CONTROL_LINES] = "modem control lines",
        [CONTROL_BREAK] = "break",
        [CONTROL_POLL] = "modem status",
};

static QueuedRequest *queue_first(Serial *s)
{
        return &s->queue[s->queue_head];
}

static void ack_send(Serial *s, uint32_t seq, uint32_t speed)
{
        int r;

        if (seq == 0)
                return;
        r = kernel_tty_ack(s->pty.master, seq, speed);
        if (r < 0)
                (void)drvhost_driver_log(s->driver, LOG_WARNING, "Failed to acknowledge an event of the port: %s",
                                         strerror(-r));
}

/* Done with the first request, sent or not: the events waiting for it are done too. */
static void queue_pop(Serial *s)
{
        QueuedRequest *q = queue_first(s);

        if (q->kind == CONTROL_POLL)
                s->poll_pending = false;
        s->queue_head = (s->queue_head + 1) % CONTROL_QUEUE;
        s->queue_count--;
        if (q->ack_speed_seq != 0 && q->ack_speed_seq != q->ack_seq)
                ack_send(s, q->ack_speed_seq, q->ack_speed);
        ack_send(s, q->ack_seq, q->ack_speed_seq == q->ack_seq ? q->ack_speed : 0);
}

void serial_port_ack(Serial *s, uint32_t seq, uint32_t speed)
{
        QueuedRequest *last;

        if (s->queue_count == 0) {
                ack_send(s, seq, speed);
                return;
        }
        /* The requests go out in order: the event is done with the last one queued. */
        last = &s->queue[(s->queue_head + s->queue_count - 1) % CONTROL_QUEUE];
        last->ack_seq = seq;
        if (speed != 0) {
                last->ack_speed_seq = seq;
                last->ack_speed = speed;
        }
}

/* Queues what a chip's operation made (r: what it returned). */
static void queue_add(Serial *s, ControlKind kind, const SerialRequests *reqs, int r)
{
        if (r < 0) {
                /* A chip table that does not fit its request list: a bug, logged; nothing sent. */
                (void)drvhost_driver_log(s->driver, LOG_ERR, "Cannot make the requests for the %s: %s",
                                         control_kind_name[kind], strerror(-r));
                return;
        }
        if (s->queue_count + reqs->n > CONTROL_QUEUE) {
                /* Not reached: events are taken from the front end only while there is room. */
                (void)drvhost_driver_log(s->driver, LOG_ERR, "Control queue full, dropping the %s.",
                                         control_kind_name[kind]);
                return;
        }
        for (unsigned i = 0; i < reqs->n; i++)
                s->queue[(s->queue_head + s->queue_count++) % CONTROL_QUEUE] =
                    (QueuedRequest){.r = reqs->r[i], .kind = kind};
}

static bool control_skipped(const Serial *s, ControlKind kind)
{
        return (kind == CONTROL_CODING && s->coding_unsupported) || (kind == CONTROL_LINES && s->lines_unsupported);
}

static void control_done(struct libusb_transfer *t)
{
        Serial *s = t->user_data;
        QueuedRequest *q = queue_first(s);
        const char *name = control_kind_name[q->kind];

        s->control_pending = false;
        (void)drvhost_driver_io_end(s->driver);

        if (serial_transfer_over(s, t))
                return;
        switch (t->status) {
        case LIBUSB_TRANSFER_COMPLETED:
                if ((q->r.request_type & LIBUSB_ENDPOINT_IN) && s->port.chip->reply) {
                        uint32_t msr = s->port.msr;

                        s->port.chip->reply(&s->port, &q->r, libusb_control_transfer_get_data(t),
                                            (size_t)MAX(t->actual_length, 0));
                        if (msr != s->port.msr && serial_pass_msr(s) < 0)
                                return;
                }
                break;
        case LIBUSB_TRANSFER_STALL:
                if (q->kind == CONTROL_BREAK) {
                        /* Kept on asking, as cdc_acm does: some devices (Linux's f_acm among them)
                         * send the break and still stall the request. */
                        if (!s->break_stall_logged)
                                (void)drvhost_driver_log(s->driver, LOG_NOTICE,
                                                         "The device stalled request 0x%02x (break).",
                                                         q->r.request);
                        s->break_stall_logged = true;
                        break;
                }
                /* CDC's requests are optional (the ACM descriptor's bmCapabilities may say so, but
                 * devices lie both ways, so like the kernel's cdc-acm we try and take no for an
                 * answer); a chip that stalls one takes it no better the second time. */
                (void)drvhost_driver_log(s->driver, LOG_NOTICE, "The device stalled request 0x%02x (%s)%s.",
                                         q->r.request, name,
                                         q->kind == CONTROL_CODING || q->kind == CONTROL_LINES
                                             ? ", not sending it again"
                                             : "");
                if (q->kind == CONTROL_CODING)
                        s->coding_unsupported = true;
                else if (q->kind == CONTROL_LINES)
                        s->lines_unsupported = true;
                break;
        default:
                /* Not retried: the same request would only fail the same way. */
                (void)drvhost_driver_log(s->driver, LOG_WARNING, "Request 0x%02x (%s) failed: %s", q->r.request,
                                         name, libusb_error_name((int)t->status));
                break;
        }

        queue_pop(s);
        control_kick(s);
        (void)serial_update_events(s);
}

/* Sends the next queued request, if none is on its way. */
void control_kick(Serial *s)
{
        struct libusb_transfer *t = s->control;
        QueuedRequest *q;
        int r;

        if (s->control_pending)
                return;
        for (;;) {
                while (s->queue_count > 0 && control_skipped(s, queue_first(s)->kind))
                        queue_pop(s);
                if (s->queue_count == 0)
                        return;

                q = queue_first(s);
                /* Filled in now what depends on an earlier reply (CP210x's flow block), or dropped
                 * when that reply says so (CH34x's line control on an old chip). */
                if (s->port.chip->prepare)
                        s->port.chip->prepare(&s->port, &q->r);
                if (!q->r.skip)
                        break;
                queue_pop(s);
        }
        libusb_fill_control_setup(t->buffer, q->r.request_type, q->r.request, q->r.value, q->r.index,
                                  q->r.length);
        if (!(q->r.request_type & LIBUSB_ENDPOINT_IN))
                memcpy(libusb_control_transfer_get_data(t), q->r.data, q->r.length);
        libusb_fill_control_transfer(t, s->handle, t->buffer, control_done, s, CONTROL_TIMEOUT_MSEC);
        /* A control request must complete: the stall watchdog restarts a driver whose device stopped
         * answering. */
        (void)drvhost_driver_io_begin(s->driver);
        r = drvhost_driver_submit(s->driver, t);
        if (r < 0) {
                (void)drvhost_driver_io_end(s->driver);
                serial_fail_submit(s, r, "send a control request");
                return;
        }
        s->control_pending = true;
}

/* --- The changes --- */

static void queue_coding(Serial *s, const LineCoding *lc, bool full)
{
        SerialRequests out = {};
        LineCoding lc_reported;
        int r;

        s->port.rate_report = 0;
        if (!s->coding_unsupported) {
                r = s->port.chip->coding(&s->port, lc, full || !s->coding_valid ? NULL : &s->coding, &out);
                if (r == -EINVAL) {
                        char buf[LINE_CODING_STRING_MAX];

                        (void)drvhost_driver_log(s->driver, LOG_WARNING,
                                                 "The chip cannot do %s, keeping what it has.",
                                                 line_coding_to_string(lc, buf));
                        return;
                }
                queue_add(s, CONTROL_CODING, &out, r);
        }
        /* What the kernel's driver writes back into termios (c_ospeed): the next change is compared
         * with it, as the kernel's drivers compare c_ospeed. */
        if (s->port.rate_report != 0) {
                lc_reported = *lc;
                lc_reported.ospeed = s->port.rate_report;
                lc = &lc_reported;
        }
        if (!s->coding_valid || !line_coding_equal(lc, &s->coding)) {
                char buf[LINE_CODING_STRING_MAX];

                (void)drvhost_driver_log(s->driver, LOG_INFO, "Line settings: %s.", line_coding_to_string(lc, buf));
        }
        s->coding = *lc;
        s->coding_valid = true;
}

/* DTR and RTS: set up, clear down (SERIAL_LINE_*), as TIOCMBIS/TIOCMBIC/TIOCMSET asked. */
void serial_port_lines(Serial *s, unsigned set, unsigned clear)
{
        SerialRequests out = {};

        if (!s->lines_unsupported)
                queue_add(s, CONTROL_LINES, &out, s->port.chip->lines(&s->port, set, clear, &out));
        s->port.lines = (s->port.lines & ~clear) | set;
        control_kick(s);
}

/* DTR and RTS to lines, whatever they were (a pty has no TIOCMBIS: its changes are the differences). */
static void serial_port_lines_to(Serial *s, unsigned lines)
{
        serial_port_lines(s, lines & ~s->port.lines, s->port.lines & ~lines & SERIAL_LINES);
}

/* DTR and RTS as the port itself sets them: both up at an open, both down at a close with HUPCL. */
void serial_port_dtr_rts(Serial *s, bool on)
{
        SerialRequests out = {};

        if (!on && s->port.chip->hangup)
                queue_add(s, CONTROL_LINES, &out, s->port.chip->hangup(&s->port, &out));
        serial_port_lines(s, on ? SERIAL_LINES : 0, on ? 0 : SERIAL_LINES);
}

/* Line settings set (TCSETS and the like), as termios t. B0 drops DTR and RTS and leaving it raises
 * them again (the kernel front end says so with the lines it reports: lines, or -1 on a pty). */
void serial_port_termios(Serial *s, const struct termios2 *t, int lines)
{
        bool was_hangup = s->termios_known && line_coding_termios_hangup(&s->termios);
        LineCoding lc;

        s->termios = *t;
        s->termios_known = true;
        if (line_coding_termios_hangup(t)) {
                /* B0 means hang up (POSIX); the rate stays what it was. */
                (void)drvhost_driver_log(s->driver, LOG_INFO, "Speed B0 set: dropping DTR and RTS.");
                serial_port_lines_to(s, 0);
                control_kick(s);
                return;
        }
        if (line_coding_from_termios(t, &lc) < 0)
                (void)drvhost_driver_log(s->driver, LOG_WARNING,
                                         "Ignoring line settings without a speed (BOTHER, c_ospeed 0).");
        else
                queue_coding(s, &lc, false);
        /* Leaving B0 while open: back up, after the new rate. */
        if (was_hangup && s->slave_open)
                serial_port_lines_to(s, lines >= 0 ? (unsigned)lines : SERIAL_LINES);
        control_kick(s);
        serial_update_status(s);
}

/* An application opened the port, with termios t. */
void serial_port_open(Serial *s, const struct termios2 *t)
{
        SerialRequests out = {};
        LineCoding lc;

        if (s->port.chip->open)
                queue_add(s, CONTROL_OPEN, &out, s->port.chip->open(&s->port, &out));
        s->termios = *t;
        s->termios_known = true;
        if (s->port.chip->coding_at_open && line_coding_from_termios(t, &lc) >= 0)
                queue_coding(s, &lc, true);
        control_kick(s);
}

/* The last application closed the port (after the lines dropped, if they did). */
void serial_port_close(Serial *s)
{
        SerialRequests out = {};

        if (s->port.chip->close)
                queue_add(s, CONTROL_CLOSE, &out, s->port.chip->close(&s->port, &out));
        control_kick(s);
}

void serial_port_break(Serial *s, bool on)
{
        SerialRequests out = {};
        int r;

        s->break_on = on;
        r = s->port.chip->brk ? s->port.chip->brk(&s->port, on, &out) : -EOPNOTSUPP;
        if (r == -EOPNOTSUPP) {
                (void)drvhost_driver_log(s->driver, LOG_NOTICE, "The chip has no break.");
                return;
        }
        queue_add(s, CONTROL_BREAK, &out, r);
        control_kick(s);
}

/* Asks a chip that reports its modem status only when asked. */
void serial_port_poll(Serial *s)
{
        SerialRequests out = {};

        if (!s->port.chip->poll || s->poll_pending)
                return;
        queue_add(s, CONTROL_POLL, &out, s->port.chip->poll(&s->port, &out));
        s->poll_pending = out.n > 0;
        control_kick(s);
}

/* At start-up: the chip's own requests, then what the port had: resumed after a restart (open, with
 * its settings and lines), or, for CDC, the settings and the lines down as cdc_acm's probe leaves
 * them. */
void serial_port_start(Serial *s, bool open, const struct termios2 *t, unsigned lines)
{
        SerialRequests out = {};
        LineCoding lc;

        if (s->port.chip->start)
                queue_add(s, CONTROL_START, &out, s->port.chip->start(&s->port, &out));
        if (open && s->port.chip->open) {
                out = (SerialRequests){};
                queue_add(s, CONTROL_OPEN, &out, s->port.chip->open(&s->port, &out));
        }
        s->termios = *t;
        s->termios_known = true;
        if ((open || s->port.chip->lines_at_start) && line_coding_from_termios(t, &lc) >= 0)
                queue_coding(s, &lc, true);
        /* Sent in full: what the device has is not known. (A chip's kernel driver leaves them alone
         * until an open: they are down.) */
        if (open || s->port.chip->lines_at_start)
                serial_port_lines(s, open ? lines : 0, open ? ~lines & SERIAL_LINES : SERIAL_LINES);
        control_kick(s);
}

/* At exit, with the device still there: DTR and RTS down, synchronously, as a closed port has them. */
void serial_lines_down_now(Serial *s)
{
        SerialRequests out = {};

        if (s->lines_unsupported || s->port.lines == 0 || s->port.chip->lines(&s->port, 0, SERIAL_LINES, &out) < 0)
                return;
        for (unsigned i = 0; i < out.n; i++) {
                SerialRequest *r = &out.r[i];

                (void)libusb_control_transfer(s->handle, r->request_type, r->request, r->value, r->index, r->data,
                                              r->length, EXIT_CONTROL_TIMEOUT_MSEC);
        }
}

static bool termios_changed(const struct termios2 *a, const struct termios2 *b)
{
        /* Only what reaches a device; raw, echo and the like are the tty's own business. */
        return a->c_cflag != b->c_cflag || a->c_ospeed != b->c_ospeed ||
               (a->c_iflag ^ b->c_iflag) & (IXON | IXOFF | INPCK) || a->c_cc[VSTART] != b->c_cc[VSTART] ||
               a->c_cc[VSTOP] != b->c_cc[VSTOP];
}

/* The pty front end: picks up termios changes the user made on the slave. Returns 0 or -errno. */
int serial_check_termios(Serial *s)
{
        struct termios2 t;
        int r;

        r = pty_port_get_termios(&s->pty, &t);
        if (r < 0)
                return r;
        if (s->termios_known && !termios_changed(&t, &s->termios))
                return 0;
        serial_port_termios(s, &t, -1);
        return 0;
}
