/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Line settings: the user's termios, read through the pty's master, become SET_LINE_CODING, and the
 * port's open state (with HUPCL and B0) SET_CONTROL_LINE_STATE; one control request at a time. */
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

static void control_done(struct libusb_transfer *t)
{
        Serial *s = t->user_data;
        bool is_coding = s->control_request == CDC_SET_LINE_CODING;
        bool is_break = s->control_request == CDC_SEND_BREAK;
        const char *name = is_coding  ? "SET_LINE_CODING"
                           : is_break ? "SEND_BREAK"
                                      : "SET_CONTROL_LINE_STATE";

        s->control_pending = false;
        (void)drvhost_driver_io_end(s->driver);

        if (serial_transfer_over(s, t))
                return;
        switch (t->status) {
        case LIBUSB_TRANSFER_COMPLETED:
                break;
        case LIBUSB_TRANSFER_STALL:
                if (is_break) {
                        /* Kept on asking, as cdc_acm does: some devices (Linux's f_acm among them)
                         * send the break and still stall the request. */
                        if (!s->break_stall_logged)
                                (void)drvhost_driver_log(s->driver, LOG_NOTICE,
                                                         "The device stalled SEND_BREAK.");
                        s->break_stall_logged = true;
                        break;
                }
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
        } else if (is_break) {
                s->break_sent = s->break_inflight;
                if (s->break_sent)
                        s->break_pulse = false; /* the pulse's "on" is out; off follows if wanted */
        } else {
                s->lines_sent = s->lines_inflight;
                s->lines_sent_valid = true;
        }
        control_kick(s);
        (void)serial_update_events(s);
}

/* Sends what the device should know and does not yet: the line coding first, so that the rate is right
 * by the time DTR rises. */
void control_kick(Serial *s)
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
        } else if (break_dirty(s)) {
                s->control_request = CDC_SEND_BREAK;
                s->break_inflight = s->break_pulse || s->break_wanted;
                value = s->break_inflight ? CDC_BREAK_ON : CDC_BREAK_OFF;
        } else
                return;

        libusb_fill_control_setup(t->buffer, CDC_REQUEST_TYPE_OUT, s->control_request, value,
                                  s->acm.comm_interface, length);
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

void serial_set_lines(Serial *s, uint16_t lines)
{
        s->lines_wanted = lines;
        control_kick(s);
}

void serial_apply_front_state(Serial *s, const struct drvhost_tty_state *st)
{
        s->lines_wanted =
            (st->mctrl & TIOCM_DTR ? CDC_CONTROL_DTR : 0) | (st->mctrl & TIOCM_RTS ? CDC_CONTROL_RTS : 0);
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
                s->lines_wanted = CDC_CONTROL_DTR | CDC_CONTROL_RTS;
        control_kick(s);
        serial_update_status(s);
        return 0;
}
