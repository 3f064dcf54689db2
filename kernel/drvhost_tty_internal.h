/* SPDX-License-Identifier: GPL-2.0 */
/* drvhost_tty's parts: drvhost_tty_main.c (the tty, the module) and drvhost_tty_file.c (the driver's
 * file, which makes and serves a port). */
#ifndef DRVHOST_TTY_INTERNAL_H
#define DRVHOST_TTY_INTERNAL_H

#include <linux/kfifo.h>
#include <linux/mutex.h>
#include <linux/serial.h>
#include <linux/spinlock.h>
#include <linux/tty.h>
#include <linux/tty_driver.h>
#include <linux/usb.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "include/uapi/drvhost_tty.h"

/* Applications' output waiting for the driver: what a USB serial driver's write buffers hold, and
 * what keeps an application writing (not blocked) while its driver restarts. */
#define DRVHOST_TTY_FIFO_SIZE (128 * 1024)
/* One read() or write() of the driver moves at most this much (one bounce buffer). */
#define DRVHOST_TTY_CHUNK (64 * 1024)
#define DRVHOST_TTY_MSR_MASK (TIOCM_CAR | TIOCM_DSR | TIOCM_RI | TIOCM_CTS)
#define DRVHOST_TTY_MCTRL_MASK (TIOCM_DTR | TIOCM_RTS)

/* The names a port can have: ttyACM (a CDC-ACM function) and ttyUSB (a USB-serial converter). */
enum drvhost_tty_family {
	DRVHOST_TTY_ACM,
	DRVHOST_TTY_USB,
	DRVHOST_TTY_FAMILIES,
};

struct drvhost_tty_port {
	struct tty_port port;
	int index; /* in drvhost_tty_idr: DRVHOST_TTY_PORTS per family, in the order of the families */
	enum drvhost_tty_family family;
	struct usb_interface *intf;
	bool registered; /* the tty device exists; under drvhost_tty_lock */
	/* The USB bus's BUS_NOTIFY_DEL_DEVICE for the interface: the tty, its child in sysfs, must go
	 * before the interface does. */
	struct notifier_block bus_nb;

	spinlock_t lock; /* protects everything below up to the wait queue */
	DECLARE_KFIFO_PTR(out, u8);
	struct ktermios termios; /* the tty's, kept while no one has it open */
	u32 changed, mctrl, msr, breaks;
	bool open, break_on, dead;
	struct async_icount icount;
	/* What the applications did, in order, for the driver (DRVHOST_TTY_NEXT_EVENT). */
	struct drvhost_tty_event events[DRVHOST_TTY_EVENTS];
	unsigned int ev_head, ev_count;
	bool ev_lost;
	/* Events acknowledged: a driver that reads events (it called SYNC) acknowledges each, in
	 * order, once the device has it; seq numbers the events, acked is the last acknowledged, and
	 * ack_speed the rate a TERMIOS event (number speed_seq) set. */
	bool acking;
	u32 seq, acked, speed_seq, ack_speed;
	wait_queue_head_t ack_wait;
	wait_queue_head_t wait; /* the driver's poll() */
	/* A safety net to drvhost_tty_client_ops' wake-up: the tty buffer frees what the line
	 * discipline took only after receive_buf(), so the driver's poll() looks once more a tick later. */
	struct delayed_work room_work;
};

extern struct tty_driver *drvhost_tty_drivers[DRVHOST_TTY_FAMILIES];
/* usbserial's ports have it, and udev's links use it: a ttyUSB port's attributes. */
extern const struct attribute_group *drvhost_tty_usb_groups[];

/* Queues an event of kind with the port's state now, and for the lines what was asked of them; under
 * p->lock (drvhost_tty_file.c). Returns its number. */
u32 drvhost_tty_push_locked(struct drvhost_tty_port *p, u32 kind, u32 set, u32 clear);
/* As a kernel driver acts inside the call that made the event: waits until the driver acknowledged
 * event seq (or is not there to: DRVHOST_TTY_ACK_TIMEOUT_MS at most). Returns the rate it set for a
 * TERMIOS event, else 0. Sleeps. */
u32 drvhost_tty_event_wait(struct drvhost_tty_port *p, u32 seq);

static inline int drvhost_tty_line(const struct drvhost_tty_port *p)
{
	return p->index - p->family * DRVHOST_TTY_PORTS;
}
extern struct idr drvhost_tty_idr;
extern struct mutex drvhost_tty_lock; /* guards drvhost_tty_idr */
extern const struct tty_port_operations drvhost_tty_port_ops;
extern const struct file_operations drvhost_tty_fops;
/* The tty buffer's hand-over to the line discipline, which also tells the driver there is room. */
extern struct tty_port_client_operations drvhost_tty_client_ops;

#endif
