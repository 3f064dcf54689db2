/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/* The kernel front end (drvhost_tty, kernel/include/uapi/drvhost_tty.h): a real tty the kernel keeps,
 * served through a file drvhostd made for the driver. These are the calls on that file beyond read(),
 * write() and TCGETS2, which work as on a pty master. */
#include <stddef.h>
#include <stdint.h>

#include <drvhost_tty.h>

/* The oldest of what the applications did that the driver has not read yet. Returns 0, -EAGAIN when
 * there is none, or -errno. */
int kernel_tty_next_event(int fd, struct drvhost_tty_event *ret);
/* The port's state now, dropping the events not read yet. Returns 0 or -errno. */
int kernel_tty_sync(int fd, struct drvhost_tty_event *ret);
/* A TERMIOS event (seq) is done; speed: the rate the device was set to (0: as asked). Returns 0 or
 * -errno. */
int kernel_tty_ack(int fd, uint32_t seq, uint32_t speed);
/* "/dev/ttyACM<n>" of the port. Returns 0 or -errno. */
int kernel_tty_path(int fd, char *buf, size_t n);
/* The device's modem status, TIOCM_CAR | TIOCM_DSR | TIOCM_RI | TIOCM_CTS, for TIOCMGET and TIOCMIWAIT.
 * Returns 0 or -errno. */
int kernel_tty_set_msr(int fd, uint32_t msr);
/* The device is gone: the applications get a hang-up. Returns 0 or -errno. */
int kernel_tty_hangup(int fd);
