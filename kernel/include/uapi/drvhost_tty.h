/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note OR LGPL-2.1-or-later */
/*
 * drvhost_tty: the user-space interface of the drvhost serial front end.
 *
 * A real tty (/dev/ttyACM<n>, n from DRVHOST_TTY_NAME_BASE) whose device is a child of the USB
 * interface it serves, so that udev links it under /dev/serial/by-id and gives it to "dialout" as it
 * does for cdc_acm. The kernel keeps termios and the line discipline; a user-mode driver serves the
 * port through a file of /dev/drvhost-tty:
 *  - DRVHOST_TTY_CREATE (root, once per file) makes the port under the named USB interface;
 *  - read() returns what applications wrote to the tty (0, end of file, once the USB interface is
 *    gone), write() hands data from the device to them (dropped while no application has the port
 *    open, as a UART drops it);
 *  - poll(): POLLIN data to read, POLLOUT room for write(), POLLPRI something in
 *    DRVHOST_TTY_GET_STATE changed (an application opened or closed the port among others);
 *  - TCGETS2 reads the port's termios (also while it is closed);
 *  - DRVHOST_TTY_GET_STATE: what the driver must apply (modem control lines, break);
 *  - DRVHOST_TTY_SET_MSR: the device's modem status (DCD, DSR, RI, CTS), for TIOCMGET and TIOCMIWAIT;
 *  - DRVHOST_TTY_HANGUP: the device is gone, hang up the applications.
 * The port lives as long as any copy of the file is open: a driver that crashes leaves it to the copy
 * its supervisor keeps, applications keep their open tty, and what they write waits for the next
 * driver. The last close hangs up the port's applications and removes the tty.
 */
#ifndef _UAPI_DRVHOST_TTY_H
#define _UAPI_DRVHOST_TTY_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define DRVHOST_TTY_DEVICE_NAME "drvhost-tty" /* /dev/drvhost-tty */
#define DRVHOST_TTY_NAME "ttyACM"
/* The first number: far above what cdc_acm hands out (the lowest free of its 256), so the names of
 * both never meet in /sys/class/tty. */
#define DRVHOST_TTY_NAME_BASE 192
#define DRVHOST_TTY_PORTS 64
#define DRVHOST_TTY_PARENT_MAX 32

struct drvhost_tty_create {
	char parent[DRVHOST_TTY_PARENT_MAX]; /* the USB interface, "1-1.2:1.0", NUL-terminated */
	__u32 flags;                         /* 0 */
	__u32 index;                         /* out: the tty is DRVHOST_TTY_NAME<index> */
};

/* struct drvhost_tty_state.changed */
#define DRVHOST_TTY_CHANGED_TERMIOS (1U << 0)
#define DRVHOST_TTY_CHANGED_MCTRL (1U << 1)
#define DRVHOST_TTY_CHANGED_BREAK (1U << 2)
#define DRVHOST_TTY_CHANGED_OPEN (1U << 3)
#define DRVHOST_TTY_CHANGED_FLUSH (1U << 4) /* TCOFLUSH: drop what is on its way to the device */

struct drvhost_tty_state {
	__u32 changed;  /* DRVHOST_TTY_CHANGED_*, since the previous GET_STATE (which clears them) */
	__u32 mctrl;    /* TIOCM_DTR | TIOCM_RTS the applications ask for */
	__u32 open;     /* an application has the port open */
	__u32 break_on; /* break is on now */
	__u32 breaks;   /* breaks started so far: one on and off between two reads is not lost */
	__u32 reserved; /* 0 (the port's number: DRVHOST_TTY_GET_INDEX) */
};

#define DRVHOST_TTY_IOC_MAGIC 0xd6
#define DRVHOST_TTY_CREATE _IOWR(DRVHOST_TTY_IOC_MAGIC, 1, struct drvhost_tty_create)
#define DRVHOST_TTY_GET_STATE _IOR(DRVHOST_TTY_IOC_MAGIC, 2, struct drvhost_tty_state)
/* Argument: TIOCM_CAR | TIOCM_DSR | TIOCM_RI | TIOCM_CTS (__u32). */
#define DRVHOST_TTY_SET_MSR _IOW(DRVHOST_TTY_IOC_MAGIC, 3, __u32)
#define DRVHOST_TTY_HANGUP _IO(DRVHOST_TTY_IOC_MAGIC, 4)
/* The port's number (__u32), without touching what GET_STATE reports as changed: for whoever holds
 * the file besides the driver (drvhostd, taking it back from its fd store). */
#define DRVHOST_TTY_GET_INDEX _IOR(DRVHOST_TTY_IOC_MAGIC, 5, __u32)

#endif /* _UAPI_DRVHOST_TTY_H */
