/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The pty that stands for the serial port: users open its slave (/dev/pts/N) as they would open
 * /dev/ttyACM0; the driver holds the master. Uses struct termios2 (see line-coding.h), so a file
 * including this must not include <termios.h>. */

#include <asm/termbits.h>
#include <stdbool.h>

enum {
        /* "/dev/pts/" and a 32-bit number. */
        PTY_PATH_MAX = 32,
        /* The kernel's cdc-acm default, so that the pty starts as /dev/ttyACM0 would. */
        PTY_DEFAULT_RATE = 9600,
};

typedef struct PtyPort {
        int master; /* nonblocking, close-on-exec; -EBADF if not open */
        char path[PTY_PATH_MAX];
        /* Not a pty but the kernel front end's file (kernel-tty.h): a real tty, /dev/ttyACM<n>. */
        bool kernel;
} PtyPort;

/* Opens a pty pair: the master nonblocking and close-on-exec, the slave unlocked, with the line
 * settings of the kernel's cdc-acm (9600 8N1, HUPCL, CLOCAL), and opened and closed once, so that the
 * master reports POLLHUP until a user opens the slave (see pty_port_slave_state()). The slave keeps
 * devpts' owner and mode (the driver's user, group tty, 0620). Returns 0 or -errno. */
int pty_port_open(PtyPort *ret);

/* Takes a copy of a master someone else made (drvhostd, which keeps its own copy open across the
 * driver's restarts, sets the slave's owner, mode and first settings, and opened it once as
 * pty_port_open() does), or of the kernel front end's file drvhostd made instead (then p->kernel).
 * The copy is made nonblocking. Returns 0 or -errno. */
int pty_port_from_fd(int master, PtyPort *ret);

/* Closes the master, which hangs up the slave's users unless another copy stays open. Safe on a
 * closed port. */
void pty_port_close(PtyPort *p);

/* The slave's termios. Read through the master: the kernel applies termios ioctls on a master to its
 * slave, which is why the driver never has to open the slave, and why "raw mode on the master" is no
 * setting of its own (the master side is always raw). Returns 0 or -errno. */
int pty_port_get_termios(const PtyPort *p, struct termios2 *ret);

typedef enum PtySlaveState {
        PTY_SLAVE_CLOSED,
        /* Closed, but opened and written to since the master last read: a user quicker than the
         * driver noticed ("echo AT > /dev/pts/N"). The output is there to be drained. */
        PTY_SLAVE_CLOSED_WITH_OUTPUT,
        PTY_SLAVE_OPEN,
} PtySlaveState;

/* Whether some process has the slave open, from the master's poll() flags (no POLLHUP: open). Does not
 * wait. Returns a PtySlaveState or -errno. */
int pty_port_slave_state(const PtyPort *p);

/* Makes dir/name a symlink to the slave, replacing an older one atomically (a stale link from a
 * previous run would point at a pty that now belongs to someone else). Returns 0 or -errno. */
int pty_port_link(const PtyPort *p, const char *dir, const char *name);

/* Removes dir/name. Returns 0 (also if it was gone) or -errno. */
int pty_port_unlink(const char *dir, const char *name);
