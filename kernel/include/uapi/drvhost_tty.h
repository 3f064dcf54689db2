/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note OR LGPL-2.1-or-later */
/*
 * drvhost_tty: the user-space interface of the drvhost serial front end.
 *
 * A real tty (/dev/ttyACM<n>, n from DRVHOST_TTY_NAME_BASE, or for a USB-serial converter
 * /dev/ttyUSB<n>, n from DRVHOST_TTY_USB_NAME_BASE) whose device is a child of the USB interface it
 * serves, so that udev links it under /dev/serial/by-id and gives it to "dialout" as it does for
 * cdc_acm's and usbserial's ports. The kernel keeps termios and the line discipline; a user-mode driver serves the
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
/* A USB-serial converter's port is named as usbserial names it, numbered above all of usbserial's
 * (ttyUSB0 to ttyUSB511), and has a port_number attribute as usbserial's ports do (udev's by-id and
 * by-path links end in "-port<n>" with drvhost's rule 60-drvhost-tty.rules). */
#define DRVHOST_TTY_USB_NAME "ttyUSB"
#define DRVHOST_TTY_USB_NAME_BASE 512
#define DRVHOST_TTY_PORTS 64 /* of each name */
#define DRVHOST_TTY_PARENT_MAX 32
#define DRVHOST_TTY_NAME_MAX 32

/* struct drvhost_tty_create.flags */
#define DRVHOST_TTY_CREATE_USB_SERIAL (1U << 0) /* a ttyUSB port, not a ttyACM one */

struct drvhost_tty_create {
	char parent[DRVHOST_TTY_PARENT_MAX]; /* the USB interface, "1-1.2:1.0", NUL-terminated */
	__u32 flags;                         /* DRVHOST_TTY_CREATE_* */
	__u32 index;                         /* out: the number in the tty's name */
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

/* Termios as TCGETS2's struct termios2 has it (<asm/termbits.h>, which user space cannot include
 * beside <termios.h>): the same layout, so a driver may copy it into one. */
#define DRVHOST_TTY_NCCS 19
struct drvhost_tty_termios {
	__u32 c_iflag;
	__u32 c_oflag;
	__u32 c_cflag;
	__u32 c_lflag;
	__u8 c_line;
	__u8 c_cc[DRVHOST_TTY_NCCS];
	__u32 c_ispeed;
	__u32 c_ospeed;
};

/* What the applications did to the port, one event each, in the order they did it: what a driver
 * needs to send a device the same requests, in the same order, as the kernel's own USB serial
 * drivers do (they act inside each call). Each event carries the port's state after it. */
#define DRVHOST_TTY_EVENT_OPEN 1    /* the first application opened the port (termios: the port's) */
#define DRVHOST_TTY_EVENT_CLOSE 2   /* the last one closed it (mctrl: after HUPCL's drop, if any) */
#define DRVHOST_TTY_EVENT_TERMIOS 3 /* tcsetattr() and the like, even when nothing changed */
#define DRVHOST_TTY_EVENT_MCTRL 4   /* DTR/RTS set by an application (TIOCMSET, TIOCMBIS, TIOCMBIC) */
#define DRVHOST_TTY_EVENT_BREAK 5   /* break on or off */
#define DRVHOST_TTY_EVENT_FLUSH 6   /* TCOFLUSH */
/* DTR/RTS raised by an open or dropped by the last close with HUPCL (a driver's dtr_rts()); termios
 * events carry the drop and raise of speed B0 themselves. */
#define DRVHOST_TTY_EVENT_DTR_RTS 8
/* TIOCMGET: the device's modem status is read now. A driver whose device reports it only when asked
 * asks it, and sets it (DRVHOST_TTY_SET_MSR) before it acknowledges; the others acknowledge at once. */
#define DRVHOST_TTY_EVENT_MSR_READ 9
/* More events came than the queue holds (DRVHOST_TTY_EVENTS) while none were read: they are gone,
 * the driver starts over from DRVHOST_TTY_SYNC. */
#define DRVHOST_TTY_EVENT_LOST 7
#define DRVHOST_TTY_EVENTS 64

struct drvhost_tty_event {
	__u32 kind;     /* DRVHOST_TTY_EVENT_*; 0 from DRVHOST_TTY_SYNC */
	__u32 seq;      /* TERMIOS: what DRVHOST_TTY_ACK names */
	__u32 open;     /* an application has the port open */
	__u32 mctrl;    /* TIOCM_DTR | TIOCM_RTS the applications ask for */
	__u32 break_on; /* break is on */
	__u32 set;      /* DTR_RTS and MCTRL: the lines asked up (TIOCM_DTR | TIOCM_RTS) ... */
	__u32 clear;    /* ... and down, as TIOCMBIS/TIOCMBIC/TIOCMSET asked (TIOCMSET: both) */
	struct drvhost_tty_termios termios;
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
/* The oldest event not read yet, taken from the queue (POLLPRI while there is one); -EAGAIN: none. */
#define DRVHOST_TTY_NEXT_EVENT _IOR(DRVHOST_TTY_IOC_MAGIC, 7, struct drvhost_tty_event)
/* The port's state now, emptying the queue of events (which that state includes): where a driver
 * starts, and starts over after DRVHOST_TTY_EVENT_LOST. */
#define DRVHOST_TTY_SYNC _IOR(DRVHOST_TTY_IOC_MAGIC, 8, struct drvhost_tty_event)
/* Event seq is done (and every one before it): the device has what it asked. A driver that reads
 * events acknowledges each, in order: until it does, or for at most DRVHOST_TTY_ACK_TIMEOUT_MS (a
 * driver restarting), the call that made the event waits (open, close, tcsetattr(), TIOCMBIS ...,
 * a break), as it would while a kernel driver sends its control requests. For an OPEN or TERMIOS event,
 * speed when not 0 is written into the port's termios: the rate the device was set to, as the kernel's USB
 * serial drivers report it. */
struct drvhost_tty_ack {
	__u32 seq;
	__u32 speed;
};
#define DRVHOST_TTY_ACK_TIMEOUT_MS 1000
#define DRVHOST_TTY_ACK _IOW(DRVHOST_TTY_IOC_MAGIC, 9, struct drvhost_tty_ack)
/* The tty's name, "ttyUSB512" (NUL-terminated), likewise. */
#define DRVHOST_TTY_GET_NAME _IOR(DRVHOST_TTY_IOC_MAGIC, 6, char[DRVHOST_TTY_NAME_MAX])

#endif /* _UAPI_DRVHOST_TTY_H */
