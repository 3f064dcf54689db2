/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The leaf of drvhost-serial: how a failure ends the driver, what STATUS= says, and what the pty's
 * master is polled for, from the state the other parts keep. */
#include <errno.h>
#include <sys/ioctl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "macro.h"
#include "serial.h"

/* Logged once, at exit: the library may notice the unplug first. */
void serial_stop_unplugged(Serial *s)
{
        (void)drvhost_driver_stop(s->driver, DRVHOST_EXIT_UNPLUGGED);
}

bool serial_transfer_over(Serial *s, const struct libusb_transfer *t)
{
        if (t->status == LIBUSB_TRANSFER_CANCELLED)
                return true;
        if (t->status == LIBUSB_TRANSFER_NO_DEVICE) {
                serial_stop_unplugged(s);
                return true;
        }
        return false;
}

/* For a libusb call that failed with r. */
void serial_fail_libusb(Serial *s, int r, const char *what)
{
        if (drvhost_driver_is_unplugged_error(r)) {
                serial_stop_unplugged(s);
                return;
        }
        (void)drvhost_driver_log(s->driver, LOG_ERR, "Failed to %s: %s", what, libusb_error_name(r));
        (void)drvhost_driver_stop(s->driver, EXIT_FAILURE);
}

/* For a transfer that ended neither completed nor cancelled. */
void serial_fail_transfer(Serial *s, const struct libusb_transfer *t, const char *what)
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

void serial_fail_submit(Serial *s, int r, const char *what)
{
        /* The library stopped the driver for an unplug already; a refusal while stopping is expected. */
        if (r == -ENODEV || r == -ESHUTDOWN)
                return;
        serial_fail_errno(s, r, what);
}

void serial_fail_errno(Serial *s, int r, const char *what)
{
        (void)drvhost_driver_log(s->driver, LOG_ERR, "Failed to %s: %s", what, strerror(-r));
        (void)drvhost_driver_stop(s->driver, EXIT_FAILURE);
}

void serial_update_status(Serial *s)
{
        char coding[LINE_CODING_STRING_MAX], status[STATUS_MAX];

        (void)snprintf(status, sizeof(status), "Serving %04x:%04x on %s (%s), %s, port %s", s->vendor,
                       s->product, s->pty.path, s->pty.kernel ? "kernel tty" : "pty",
                       s->coding_valid ? line_coding_to_string(&s->coding, coding) : "no rate",
                       s->slave_open ? "open" : "closed");
        if (streq(status, s->status))
                return;
        memcpy(s->status, status, sizeof(status));
        (void)drvhost_driver_notify_status(s->driver, "%s", s->status);
}

/* The device's modem status changed (s->port.msr): to the kernel front end's tty, for TIOCMGET and
 * TIOCMIWAIT; a pty has no modem status lines, so it is logged for debugging. Returns 0, or -errno
 * after stopping the driver. */
int serial_pass_msr(Serial *s)
{
        int r;

        (void)drvhost_driver_log(s->driver, LOG_DEBUG, "Modem status:%s%s%s%s.",
                                 s->port.msr & TIOCM_CAR ? " DCD" : "", s->port.msr & TIOCM_DSR ? " DSR" : "",
                                 s->port.msr & TIOCM_RI ? " RI" : "", s->port.msr & TIOCM_CTS ? " CTS" : "");
        if (!s->pty.kernel)
                return 0;
        r = kernel_tty_set_msr(s->pty.master, s->port.msr);
        if (r < 0)
                serial_fail_errno(s, r, "pass on the modem status");
        return r;
}

bool control_has_room(const Serial *s)
{
        /* Room for what one event makes at most: the lines' requests besides a close's. */
        return s->queue_count + 3 * SERIAL_REQUESTS_MAX <= CONTROL_QUEUE;
}

bool control_coding_queued(const Serial *s)
{
        for (unsigned i = 0; i < s->queue_count; i++)
                if (s->queue[(s->queue_head + i) % CONTROL_QUEUE].kind == CONTROL_CODING)
                        return true;
        return false;
}

/* Data read from the pty waits while a new line coding is not on the device yet, so that it goes out
 * with the settings the user made before writing it. */
bool serial_reads_held(const Serial *s)
{
        return control_coding_queued(s);
}

bool in_waiting(const Serial *s)
{
        return s->in_count > 0 && s->in[s->in_head].state == IN_FILLED;
}

/* Asks the loop for what the driver can act on now. While the master reports a hang-up, it is only
 * polled to drain it: poll() would report POLLHUP on every iteration otherwise. */
int serial_update_events(Serial *s)
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
        /* The kernel front end says what changed (opens among others) with POLLPRI. */
        if (s->pty.kernel && control_has_room(s))
                events |= POLLPRI;
        return drvhost_driver_set_fd_events(s->driver, s->pty.master, events);
}
