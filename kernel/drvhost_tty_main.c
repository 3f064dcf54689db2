// SPDX-License-Identifier: GPL-2.0
/*
 * drvhost_tty: a real serial port for a user-mode USB serial driver.
 *
 * The tty is the kernel's (termios, line discipline, open/close and hang-up as for any serial
 * port); its device sits under the USB interface, so udev names and owns it as it does a cdc_acm
 * port. What a UART driver would do with the hardware, this module hands to the user-mode driver
 * through the file that created the port (see include/uapi/drvhost_tty.h).
 *
 * Lifetime: the port is refcounted by its tty_port. The creating file holds one reference, each tty
 * opened on it another. Releasing the file (its last copy) marks the port dead, hangs up its users
 * and unregisters the tty; the memory goes with the last reference.
 *
 * Locking: p->lock (a spinlock) protects the FIFO to the driver and the state fields; the tty core
 * serialises open, close and termios changes itself. drvhost_tty_lock guards the port table.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/idr.h>
#include <linux/miscdevice.h>
#include <linux/module.h>

#include "include/uapi/drvhost_tty.h"
#include "drvhost_tty_internal.h"

struct tty_driver *drvhost_tty_drivers[DRVHOST_TTY_FAMILIES];
DEFINE_IDR(drvhost_tty_idr);
DEFINE_MUTEX(drvhost_tty_lock);

/* --- tty_port --- */

static int drvhost_tty_carrier_raised(struct tty_port *port)
{
	struct drvhost_tty_port *p = container_of(port, struct drvhost_tty_port, port);

	return !!(READ_ONCE(p->msr) & TIOCM_CAR);
}

static void drvhost_tty_dtr_rts(struct tty_port *port, int raise)
{
	struct drvhost_tty_port *p = container_of(port, struct drvhost_tty_port, port);
	unsigned long flags;
	u32 seq;

	spin_lock_irqsave(&p->lock, flags);
	p->mctrl = raise ? DRVHOST_TTY_MCTRL_MASK : 0;
	p->changed |= DRVHOST_TTY_CHANGED_MCTRL;
	seq = drvhost_tty_push_locked(p, DRVHOST_TTY_EVENT_DTR_RTS, raise ? DRVHOST_TTY_MCTRL_MASK : 0,
				       raise ? 0 : DRVHOST_TTY_MCTRL_MASK);
	spin_unlock_irqrestore(&p->lock, flags);
	wake_up_interruptible(&p->wait);
	drvhost_tty_event_wait(p, seq);
}

/* The rate the device was set to, if the driver reported one, into the tty's termios: what the
 * kernel's USB serial drivers write back (tty_encode_baud_rate()). */
static void drvhost_tty_set_speed(struct drvhost_tty_port *p, struct tty_struct *tty, u32 speed)
{
	unsigned long flags;

	if (!speed)
		return;
	tty_encode_baud_rate(tty, speed, speed);
	spin_lock_irqsave(&p->lock, flags);
	p->termios = tty->termios;
	spin_unlock_irqrestore(&p->lock, flags);
}

static int drvhost_tty_activate(struct tty_port *port, struct tty_struct *tty)
{
	struct drvhost_tty_port *p = container_of(port, struct drvhost_tty_port, port);
	unsigned long flags;
	u32 seq;

	spin_lock_irqsave(&p->lock, flags);
	if (p->dead) {
		spin_unlock_irqrestore(&p->lock, flags);
		return -ENODEV;
	}
	p->open = true;
	p->termios = tty->termios;
	p->changed |= DRVHOST_TTY_CHANGED_OPEN | DRVHOST_TTY_CHANGED_TERMIOS;
	seq = drvhost_tty_push_locked(p, DRVHOST_TTY_EVENT_OPEN, 0, 0);
	spin_unlock_irqrestore(&p->lock, flags);
	wake_up_interruptible(&p->wait);
	/* The kernel's drivers set the line in full at an open, and write back the rate they set. */
	drvhost_tty_set_speed(p, tty, drvhost_tty_event_wait(p, seq));
	return 0;
}

static void drvhost_tty_port_shutdown(struct tty_port *port)
{
	struct drvhost_tty_port *p = container_of(port, struct drvhost_tty_port, port);
	unsigned long flags;
	u32 seq;

	spin_lock_irqsave(&p->lock, flags);
	p->open = false;
	p->changed |= DRVHOST_TTY_CHANGED_OPEN;
	seq = drvhost_tty_push_locked(p, DRVHOST_TTY_EVENT_CLOSE, 0, 0);
	spin_unlock_irqrestore(&p->lock, flags);
	wake_up_interruptible(&p->wait);
	drvhost_tty_event_wait(p, seq);
}

static void drvhost_tty_destruct(struct tty_port *port)
{
	struct drvhost_tty_port *p = container_of(port, struct drvhost_tty_port, port);

	if (p->intf)
		usb_put_intf(p->intf);
	kfifo_free(&p->out);
	kfree(p); /* tty_port_destructor() has destroyed the port */
}

const struct tty_port_operations drvhost_tty_port_ops = {
	.carrier_raised = drvhost_tty_carrier_raised,
	.dtr_rts = drvhost_tty_dtr_rts,
	.activate = drvhost_tty_activate,
	.shutdown = drvhost_tty_port_shutdown,
	.destruct = drvhost_tty_destruct,
};

/* The default hand-over from the tty's buffer to its line discipline, and a wake-up of the driver
 * when that made room: nothing else says so (an unthrottle only when the line discipline's own
 * buffer was full too). Filled in at load from tty_port_default_client_ops. */
struct tty_port_client_operations drvhost_tty_client_ops;

static int drvhost_tty_receive_buf(struct tty_port *port, const unsigned char *cp, const unsigned char *fp,
				   size_t count)
{
	struct drvhost_tty_port *p = container_of(port, struct drvhost_tty_port, port);
	int n = tty_port_default_client_ops.receive_buf(port, cp, fp, count);

	if (n > 0)
		wake_up_interruptible(&p->wait);
	return n;
}

/* --- tty --- */

static int drvhost_tty_install(struct tty_driver *driver, struct tty_struct *tty)
{
	struct drvhost_tty_port *p;
	int r;

	enum drvhost_tty_family family = driver == drvhost_tty_drivers[DRVHOST_TTY_USB] ? DRVHOST_TTY_USB
										    : DRVHOST_TTY_ACM;

	mutex_lock(&drvhost_tty_lock);
	p = idr_find(&drvhost_tty_idr, family * DRVHOST_TTY_PORTS + tty->index);
	if (p && !READ_ONCE(p->dead))
		tty_port_get(&p->port);
	else
		p = NULL;
	mutex_unlock(&drvhost_tty_lock);
	if (!p)
		return -ENODEV;
	r = tty_port_install(&p->port, driver, tty);
	if (r) {
		tty_port_put(&p->port);
		return r;
	}
	tty->driver_data = p;
	return 0;
}

static void drvhost_tty_cleanup(struct tty_struct *tty)
{
	struct drvhost_tty_port *p = tty->driver_data;

	tty_port_put(&p->port);
}

static int drvhost_tty_open(struct tty_struct *tty, struct file *filp)
{
	struct drvhost_tty_port *p = tty->driver_data;

	return tty_port_open(&p->port, tty, filp);
}

static void drvhost_tty_close(struct tty_struct *tty, struct file *filp)
{
	struct drvhost_tty_port *p = tty->driver_data;

	tty_port_close(&p->port, tty, filp);
}

static void drvhost_tty_hangup(struct tty_struct *tty)
{
	struct drvhost_tty_port *p = tty->driver_data;

	tty_port_hangup(&p->port);
}

static int drvhost_tty_write(struct tty_struct *tty, const u8 *buf, int count)
{
	struct drvhost_tty_port *p = tty->driver_data;
	unsigned int n;

	n = kfifo_in_spinlocked(&p->out, buf, count, &p->lock);
	if (n)
		wake_up_interruptible(&p->wait);
	return n;
}

static unsigned int drvhost_tty_write_room(struct tty_struct *tty)
{
	struct drvhost_tty_port *p = tty->driver_data;
	unsigned long flags;
	unsigned int n;

	spin_lock_irqsave(&p->lock, flags);
	n = kfifo_avail(&p->out);
	spin_unlock_irqrestore(&p->lock, flags);
	return n;
}

static unsigned int drvhost_tty_chars_in_buffer(struct tty_struct *tty)
{
	struct drvhost_tty_port *p = tty->driver_data;
	unsigned long flags;
	unsigned int n;

	spin_lock_irqsave(&p->lock, flags);
	/* A port without its driver has nobody to drain it: closing must not wait for it. */
	n = p->dead ? 0 : kfifo_len(&p->out);
	spin_unlock_irqrestore(&p->lock, flags);
	return n;
}

static void drvhost_tty_flush_buffer(struct tty_struct *tty)
{
	struct drvhost_tty_port *p = tty->driver_data;
	unsigned long flags;

	spin_lock_irqsave(&p->lock, flags);
	kfifo_reset(&p->out);
	p->changed |= DRVHOST_TTY_CHANGED_FLUSH;
	(void)drvhost_tty_push_locked(p, DRVHOST_TTY_EVENT_FLUSH, 0, 0);
	spin_unlock_irqrestore(&p->lock, flags);
	wake_up_interruptible(&p->wait);
	tty_wakeup(tty);
}

static void drvhost_tty_set_termios(struct tty_struct *tty, const struct ktermios *old)
{
	struct drvhost_tty_port *p = tty->driver_data;
	unsigned long flags;
	u32 seq;

	spin_lock_irqsave(&p->lock, flags);
	p->termios = tty->termios;
	p->changed |= DRVHOST_TTY_CHANGED_TERMIOS;
	/* Rate 0 drops the lines, leaving it raises them again, as on any serial port. */
	if (old && C_BAUD(tty) == B0 && (old->c_cflag & CBAUD) != B0) {
		p->mctrl = 0;
		p->changed |= DRVHOST_TTY_CHANGED_MCTRL;
	} else if (old && C_BAUD(tty) != B0 && (old->c_cflag & CBAUD) == B0) {
		p->mctrl = DRVHOST_TTY_MCTRL_MASK;
		p->changed |= DRVHOST_TTY_CHANGED_MCTRL;
	}
	seq = drvhost_tty_push_locked(p, DRVHOST_TTY_EVENT_TERMIOS, 0, 0);
	spin_unlock_irqrestore(&p->lock, flags);
	wake_up_interruptible(&p->wait);
	/* Back with the rate the device was set to, which the kernel's drivers write into termios. */
	drvhost_tty_set_speed(p, tty, drvhost_tty_event_wait(p, seq));
}

static void drvhost_tty_unthrottle(struct tty_struct *tty)
{
	struct drvhost_tty_port *p = tty->driver_data;

	/* Room again for what the device sends: the driver may be waiting for POLLOUT. */
	wake_up_interruptible(&p->wait);
}

static int drvhost_tty_break_ctl(struct tty_struct *tty, int state)
{
	struct drvhost_tty_port *p = tty->driver_data;
	unsigned long flags;
	u32 seq;

	spin_lock_irqsave(&p->lock, flags);
	if (state && !p->break_on)
		p->breaks++;
	p->break_on = state != 0;
	p->changed |= DRVHOST_TTY_CHANGED_BREAK;
	seq = drvhost_tty_push_locked(p, DRVHOST_TTY_EVENT_BREAK, 0, 0);
	spin_unlock_irqrestore(&p->lock, flags);
	wake_up_interruptible(&p->wait);
	drvhost_tty_event_wait(p, seq);
	return 0;
}

static int drvhost_tty_tiocmget(struct tty_struct *tty)
{
	struct drvhost_tty_port *p = tty->driver_data;
	unsigned long flags;
	u32 seq;
	int r;

	/* As cp210x and ftdi_sio ask their chip: the driver may read the status first. */
	spin_lock_irqsave(&p->lock, flags);
	seq = drvhost_tty_push_locked(p, DRVHOST_TTY_EVENT_MSR_READ, 0, 0);
	spin_unlock_irqrestore(&p->lock, flags);
	wake_up_interruptible(&p->wait);
	drvhost_tty_event_wait(p, seq);

	spin_lock_irqsave(&p->lock, flags);
	r = p->mctrl | p->msr;
	spin_unlock_irqrestore(&p->lock, flags);
	return r;
}

static int drvhost_tty_tiocmset(struct tty_struct *tty, unsigned int set, unsigned int clear)
{
	struct drvhost_tty_port *p = tty->driver_data;
	unsigned long flags;
	u32 seq;

	spin_lock_irqsave(&p->lock, flags);
	p->mctrl = (p->mctrl | (set & DRVHOST_TTY_MCTRL_MASK)) & ~(clear & DRVHOST_TTY_MCTRL_MASK);
	p->changed |= DRVHOST_TTY_CHANGED_MCTRL;
	seq = drvhost_tty_push_locked(p, DRVHOST_TTY_EVENT_MCTRL, set & DRVHOST_TTY_MCTRL_MASK,
				      clear & DRVHOST_TTY_MCTRL_MASK);
	spin_unlock_irqrestore(&p->lock, flags);
	wake_up_interruptible(&p->wait);
	drvhost_tty_event_wait(p, seq);
	return 0;
}

static int drvhost_tty_get_icount(struct tty_struct *tty, struct serial_icounter_struct *icount)
{
	struct drvhost_tty_port *p = tty->driver_data;
	unsigned long flags;

	spin_lock_irqsave(&p->lock, flags);
	icount->cts = p->icount.cts;
	icount->dsr = p->icount.dsr;
	icount->rng = p->icount.rng;
	icount->dcd = p->icount.dcd;
	icount->rx = p->icount.rx;
	icount->tx = p->icount.tx;
	spin_unlock_irqrestore(&p->lock, flags);
	return 0;
}

/* Whether one of the lines in mask changed since *old (updated), or the port died. */
static bool drvhost_tty_msr_changed(struct drvhost_tty_port *p, struct async_icount *old,
				    unsigned long mask, bool *dead)
{
	struct async_icount now;
	unsigned long flags;
	bool r;

	spin_lock_irqsave(&p->lock, flags);
	now = p->icount;
	*dead = p->dead;
	spin_unlock_irqrestore(&p->lock, flags);
	r = ((mask & TIOCM_RNG) && now.rng != old->rng) || ((mask & TIOCM_DSR) && now.dsr != old->dsr) ||
	    ((mask & TIOCM_CD) && now.dcd != old->dcd) || ((mask & TIOCM_CTS) && now.cts != old->cts);
	*old = now;
	return r || *dead;
}

static int drvhost_tty_ioctl(struct tty_struct *tty, unsigned int cmd, unsigned long arg)
{
	struct drvhost_tty_port *p = tty->driver_data;
	struct async_icount old;
	unsigned long flags;
	bool dead = false;
	int r;

	if (cmd != TIOCMIWAIT)
		return -ENOIOCTLCMD;
	spin_lock_irqsave(&p->lock, flags);
	old = p->icount;
	spin_unlock_irqrestore(&p->lock, flags);
	r = wait_event_interruptible(p->port.delta_msr_wait, drvhost_tty_msr_changed(p, &old, arg, &dead));
	if (r)
		return r;
	return dead ? -EIO : 0;
}

static const struct tty_operations drvhost_tty_ops = {
	.install = drvhost_tty_install,
	.cleanup = drvhost_tty_cleanup,
	.open = drvhost_tty_open,
	.close = drvhost_tty_close,
	.hangup = drvhost_tty_hangup,
	.write = drvhost_tty_write,
	.write_room = drvhost_tty_write_room,
	.chars_in_buffer = drvhost_tty_chars_in_buffer,
	.flush_buffer = drvhost_tty_flush_buffer,
	.set_termios = drvhost_tty_set_termios,
	.unthrottle = drvhost_tty_unthrottle,
	.break_ctl = drvhost_tty_break_ctl,
	.tiocmget = drvhost_tty_tiocmget,
	.tiocmset = drvhost_tty_tiocmset,
	.get_icount = drvhost_tty_get_icount,
	.ioctl = drvhost_tty_ioctl,
};

static struct miscdevice drvhost_tty_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = DRVHOST_TTY_DEVICE_NAME,
	.fops = &drvhost_tty_fops,
	.mode = 0600,
};

/* Every port of usbserial's is port 0 of its interface for the chips drvhost drives (one port an
 * interface), and so are drvhost's. */
static ssize_t port_number_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "0\n");
}
static DEVICE_ATTR_RO(port_number);

static struct attribute *drvhost_tty_usb_attrs[] = {
	&dev_attr_port_number.attr,
	NULL,
};
static const struct attribute_group drvhost_tty_usb_group = {
	.attrs = drvhost_tty_usb_attrs,
};

const struct attribute_group *drvhost_tty_usb_groups[] = {
	&drvhost_tty_usb_group,
	NULL,
};

static const struct {
	const char *name;
	int name_base;
} drvhost_tty_names[DRVHOST_TTY_FAMILIES] = {
	[DRVHOST_TTY_ACM] = {DRVHOST_TTY_NAME, DRVHOST_TTY_NAME_BASE},
	[DRVHOST_TTY_USB] = {DRVHOST_TTY_USB_NAME, DRVHOST_TTY_USB_NAME_BASE},
};

static void drvhost_tty_unregister(void)
{
	for (int i = 0; i < DRVHOST_TTY_FAMILIES; i++) {
		if (!drvhost_tty_drivers[i])
			continue;
		tty_unregister_driver(drvhost_tty_drivers[i]);
		tty_driver_kref_put(drvhost_tty_drivers[i]);
		drvhost_tty_drivers[i] = NULL;
	}
}

static int drvhost_tty_register(enum drvhost_tty_family family)
{
	struct tty_driver *d;
	int r;

	d = tty_alloc_driver(DRVHOST_TTY_PORTS, TTY_DRIVER_REAL_RAW | TTY_DRIVER_DYNAMIC_DEV);
	if (IS_ERR(d))
		return PTR_ERR(d);
	d->driver_name = family == DRVHOST_TTY_USB ? "drvhost_tty_usb" : "drvhost_tty";
	d->name = drvhost_tty_names[family].name;
	d->name_base = drvhost_tty_names[family].name_base;
	d->major = 0; /* dynamic */
	d->type = TTY_DRIVER_TYPE_SERIAL;
	d->subtype = SERIAL_TYPE_NORMAL;
	/* What cdc_acm and usbserial start a port with: 9600 8N1, lines dropped on the last close, no
	 * carrier needed. */
	d->init_termios = tty_std_termios;
	d->init_termios.c_cflag = B9600 | CS8 | CREAD | HUPCL | CLOCAL;
	d->init_termios.c_ispeed = 9600;
	d->init_termios.c_ospeed = 9600;
	tty_set_operations(d, &drvhost_tty_ops);
	r = tty_register_driver(d);
	if (r) {
		tty_driver_kref_put(d);
		return r;
	}
	drvhost_tty_drivers[family] = d;
	return 0;
}

static int __init drvhost_tty_init(void)
{
	int r;

	drvhost_tty_client_ops = tty_port_default_client_ops;
	drvhost_tty_client_ops.receive_buf = drvhost_tty_receive_buf;
	for (int i = 0; i < DRVHOST_TTY_FAMILIES; i++) {
		r = drvhost_tty_register(i);
		if (r)
			goto fail;
	}
	r = misc_register(&drvhost_tty_misc);
	if (r)
		goto fail;
	return 0;
fail:
	drvhost_tty_unregister();
	return r;
}

static void __exit drvhost_tty_exit(void)
{
	misc_deregister(&drvhost_tty_misc);
	drvhost_tty_unregister();
	idr_destroy(&drvhost_tty_idr);
}

module_init(drvhost_tty_init);
module_exit(drvhost_tty_exit);

MODULE_DESCRIPTION("drvhost serial front end: a tty served by a user-mode USB driver");
MODULE_LICENSE("GPL");
