/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Line settings: the user's termios, read through the pty's master, the port's open state (with HUPCL
 * and B0) and its break become the chip's control requests (serial-chip.h), one at a time. */
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

static const char *const control_kind_name[] = {
        [CONTROL_START] = "start-up",
        [CONTROL_OPEN] = "open",
        [CONTROL_CLOSE] = "close",
        [CONTROL_CODING] = "line settings",
        [CONTROL_LINES] = "modem control lines",
        [CONTROL_BREAK] = "break",
        [CONTROL_POLL] = "modem status",
};

/* The batch is over (its last request completed, or one failed): what it carried is on the device. */
static void control_commit(Serial *s)
{
        switch (s->batch_kind) {
        case CONTROL_START:
                s->start_pending = false;
                break;
        case CONTROL_OPEN:
                s->open_pending = false;
                break;
        case CONTROL_CLOSE:
                s->close_pending = false;
                break;
        case CONTROL_CODING:
                s->coding_sent = s->coding_inflight;
                s->coding_sent_valid = true;
                break;
        case CONTROL_LINES:
                s->lines_sent = s->lines_inflight;
                s->lines_sent_valid = true;
                break;
        case CONTROL_BREAK:
                s->break_sent = s->break_inflight;
                if (s->break_sent)
                        s->break_pulse = false; /* the pulse's "on" is out; off follows if wanted */
                break;
        case CONTROL_POLL:
                s->poll_pending = false;
                break;
        }
        s->batch = (SerialRequests){};
        s->batch_next = 0;
        s->batch_failed = false;
}

static void control_done(struct libusb_transfer *t)
{
        Serial *s = t->user_data;
        const SerialRequest *req = &s->batch.r[s->batch_next];
        const char *name = control_kind_name[s->batch_kind];

        s->control_pending = false;
        (void)drvhost_driver_io_end(s->driver);

        if (serial_transfer_over(s, t))
                return;
        switch (t->status) {
        case LIBUSB_TRANSFER_COMPLETED:
                if ((req->request_type & LIBUSB_ENDPOINT_IN) && s->port.chip->reply) {
                        uint32_t msr = s->port.msr;

                        s->port.chip->reply(&s->port, req, libusb_control_transfer_get_data(t),
                                            (size_t)MAX(t->actual_length, 0));
                        if (msr != s->port.msr && serial_pass_msr(s) < 0)
                                return;
                }
                break;
        case LIBUSB_TRANSFER_STALL:
                if (s->batch_kind == CONTROL_BREAK) {
                        /* Kept on asking, as cdc_acm does: some devices (Linux's f_acm among them)
                         * send the break and still stall the request. */
                        if (!s->break_stall_logged)
                                (void)drvhost_driver_log(s->driver, LOG_NOTICE,
                                                         "The device stalled request 0x%02x (break).",
                                                         req->request);
                        s->break_stall_logged = true;
                        break;
                }
                /* CDC's requests are optional (the ACM descriptor's bmCapabilities may say so, but
                 * devices lie both ways, so like the kernel's cdc-acm we try and take no for an
                 * answer); a vendor chip that stalls one will not take it the second time either. */
                (void)drvhost_driver_log(s->driver, LOG_NOTICE,
                                         "The device stalled request 0x%02x (%s), not sending the %s again.",
                                         req->request, name, name);
                if (s->batch_kind == CONTROL_CODING)
                        s->coding_unsupported = true;
                else if (s->batch_kind == CONTROL_LINES)
                        s->lines_unsupported = true;
                s->batch_failed = true;
                break;
        default:
                /* Counted as sent: retrying the same value would only fail the same way. */
                (void)drvhost_driver_log(s->driver, LOG_WARNING, "Request 0x%02x (%s) failed: %s", req->request,
                                         name, libusb_error_name((int)t->status));
                s->batch_failed = true;
                break;
        }

        s->batch_next++;
        if (s->batch_failed || s->batch_next >= s->batch.n)
                control_commit(s);
        control_kick(s);
        (void)serial_update_events(s);
}

/* The next change the device should know of, as a batch of requests. Returns true if there is one. */
static bool control_next_batch(Serial *s)
{
        const SerialChip *chip = s->port.chip;
        SerialRequests *out = &s->batch;
        int r = 0;

        *out = (SerialRequests){};
        if (s->start_pending) {
                s->batch_kind = CONTROL_START;
                if (chip->start)
                        r = chip->start(&s->port, out);
        } else if (s->open_pending) {
                s->batch_kind = CONTROL_OPEN;
                if (chip->open)
                        r = chip->open(&s->port, out);
        } else if (s->close_pending) {
                s->batch_kind = CONTROL_CLOSE;
                if (chip->close)
                        r = chip->close(&s->port,
                                        s->lines_wanted == 0 && s->lines_sent_valid && s->lines_sent != 0, out);
        } else if (coding_dirty(s)) {
                s->batch_kind = CONTROL_CODING;
                s->coding_inflight = s->coding_wanted;
                r = chip->coding(&s->port, &s->coding_inflight, s->coding_sent_valid ? &s->coding_sent : NULL,
                                 out);
                if (r == -EINVAL) {
                        char buf[LINE_CODING_STRING_MAX];

                        (void)drvhost_driver_log(s->driver, LOG_WARNING,
                                                 "The chip cannot do %s, keeping what it has.",
                                                 line_coding_to_string(&s->coding_inflight, buf));
                        out->n = 0;
                        r = 0;
                }
        } else if (lines_dirty(s)) {
                s->batch_kind = CONTROL_LINES;
                s->lines_inflight = s->lines_wanted;
                r = chip->lines(&s->port, s->lines_inflight, s->lines_sent_valid ? s->lines_sent : -1, out);
        } else if (break_dirty(s)) {
                s->batch_kind = CONTROL_BREAK;
                s->break_inflight = s->break_pulse || s->break_wanted;
                r = chip->brk ? chip->brk(&s->port, s->break_inflight, out) : -EOPNOTSUPP;
                if (r == -EOPNOTSUPP) {
                        (void)drvhost_driver_log(s->driver, LOG_NOTICE, "The chip has no break.");
                        out->n = 0;
                        r = 0;
                }
        } else if (s->poll_pending && chip->poll) {
                s->batch_kind = CONTROL_POLL;
                r = chip->poll(&s->port, out);
        } else
                return false;

        if (r < 0) {
                /* A chip's table that does not fit its request list: a bug, logged; nothing sent. */
                (void)drvhost_driver_log(s->driver, LOG_ERR, "Cannot make the requests for the %s: %s",
                                         control_kind_name[s->batch_kind], strerror(-r));
                out->n = 0;
        }
        return true;
}

/* Sends what the device should know and does not yet, one request at a time: the chip's start-up
 * requests, an open or close, the line settings (first, so that the rate is right by the time DTR
 * rises), the modem control lines, the break. */
void control_kick(Serial *s)
{
        struct libusb_transfer *t = s->control;
        const SerialRequest *req;
        int r;

        if (s->control_pending)
                return;
        while (s->batch.n == 0) {
                if (!control_next_batch(s))
                        return;
                /* A change with nothing to send (the chip has no request for it) is made at once. */
                if (s->batch.n == 0)
                        control_commit(s);
        }

        req = &s->batch.r[s->batch_next];
        if (s->port.chip->prepare)
                s->port.chip->prepare(&s->port, &s->batch.r[s->batch_next]);
        libusb_fill_control_setup(t->buffer, req->request_type, req->request, req->value, req->index,
                                  req->length);
        if (!(req->request_type & LIBUSB_ENDPOINT_IN))
                memcpy(libusb_control_transfer_get_data(t), req->data, req->length);
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

/* At exit, with the device still there: DTR and RTS down, synchronously, as a closed port has them. */
void serial_lines_down_now(Serial *s)
{
        SerialRequests out = {};

        if (s->port.chip->lines(&s->port, 0, s->lines_sent, &out) < 0)
                return;
        for (unsigned i = 0; i < out.n; i++) {
                SerialRequest *r = &out.r[i];

                (void)libusb_control_transfer(s->handle, r->request_type, r->request, r->value, r->index, r->data,
                                              r->length, EXIT_CONTROL_TIMEOUT_MSEC);
        }
}

void serial_set_lines(Serial *s, uint16_t lines)
{
        s->lines_wanted = lines;
        control_kick(s);
}

void serial_apply_front_state(Serial *s, const struct drvhost_tty_state *st)
{
        s->lines_wanted =
            (st->mctrl & TIOCM_DTR ? SERIAL_LINE_DTR : 0) | (st->mctrl & TIOCM_RTS ? SERIAL_LINE_RTS : 0);
        if (st->breaks != s->breaks_seen && !st->break_on && !s->break_sent)
                s->break_pulse = true;
        s->breaks_seen = st->breaks;
        s->break_wanted = st->break_on;
        control_kick(s);
}

static bool termios_changed(const struct termios2 *a, const struct termios2 *b)
{
        /* Only what reaches the device; raw, echo and the like are the pty's own business. */
        return a->c_cflag != b->c_cflag || a->c_ospeed != b->c_ospeed;
}

/* Picks up termios changes the user made on the slave. Returns 0 or -errno. */
int serial_check_termios(Serial *s)
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
                s->lines_wanted = SERIAL_LINE_DTR | SERIAL_LINE_RTS;
        control_kick(s);
        serial_update_status(s);
        return 0;
}
