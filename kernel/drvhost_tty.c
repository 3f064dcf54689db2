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

#include <linux/fs.h>
#include <linux/idr.h>
#include <linux/kfifo.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/serial.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/tty.h>
#include <linux/tty_driver.h>
#include <linux/tty_flip.h>
#include <linux/uaccess.h>
#include <linux/usb.h>
#include <linux/wait.h>

#include "include/uapi/drvhost_tty.h"

/* Applications' output waiting for the driver: what a USB serial driver's write buffers hold, and
 * what keeps an application writing (not blocked) while its driver restarts. */
#define DRVHOST_TTY_FIFO_SIZE (64 * 1024)
/* One read() or write() of the driver moves at most this much (one bounce buffer). */
#define DRVHOST_TTY_CHUNK (16 * 1024)
#define DRVHOST_TTY_MSR_MASK (TIOCM_CAR | TIOCM_DSR | TIOCM_RI | TIOCM_CTS)
#define DRVHOST_TTY_MCTRL_MASK (TIOCM_DTR | TIOCM_RTS)

struct drvhost_tty_port {
	struct tty_port port;
	int index;
	struct usb_interface *intf;
	struct device *tty_dev;

	spinlock_t lock; /* protects everything below up to the wait queue */
	DECLARE_KFIFO_PTR(out, u8);
	struct ktermios termios; /* the tty's, kept while no one has it open */
	u32 changed, mctrl, msr, breaks;
	bool open, break_on, dead;
	struct async_icount icount;
	wait_queue_head_t wait; /* the driver's poll() */
};

static struct tty_driver *drvhost_tty_driver;
static DEFINE_IDR(drvhost_tty_idr);
static DEFINE_MUTEX(drvhost_tty_lock);

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

	spin_lock_irqsave(&p->lock, flags);
	p->mctrl = raise ? DRVHOST_TTY_MCTRL_MASK : 0;
	p->changed |= DRVHOST_TTY_CHANGED_MCTRL;
	spin_unlock_irqrestore(&p->lock, flags);
	wake_up_interruptible(&p->wait);
}

static int drvhost_tty_activate(struct tty_port *port, struct tty_struct *tty)
{
	struct drvhost_tty_port *p = container_of(port, struct drvhost_tty_port, port);
	unsigned long flags;

	spin_lock_irqsave(&p->lock, flags);
	if (p->dead) {
		spin_unlock_irqrestore(&p->lock, flags);
		return -ENODEV;
	}
	p->open = true;
	p->termios = tty->termios;
	p->changed |= DRVHOST_TTY_CHANGED_OPEN | DRVHOST_TTY_CHANGED_TERMIOS;
	spin_unlock_irqrestore(&p->lock, flags);
	wake_up_interruptible(&p->wait);
	return 0;
}

static void drvhost_tty_port_shutdown(struct tty_port *port)
{
	struct drvhost_tty_port *p = container_of(port, struct drvhost_tty_port, port);
	unsigned long flags;

	spin_lock_irqsave(&p->lock, flags);
	p->open = false;
	p->changed |= DRVHOST_TTY_CHANGED_OPEN;
	spin_unlock_irqrestore(&p->lock, flags);
	wake_up_interruptible(&p->wait);
}

static void drvhost_tty_destruct(struct tty_port *port)
{
	struct drvhost_tty_port *p = container_of(port, struct drvhost_tty_port, port);

	if (p->intf)
		usb_put_intf(p->intf);
	kfifo_free(&p->out);
	kfree(p); /* tty_port_destructor() has destroyed the port */
}

static const struct tty_port_operations drvhost_tty_port_ops = {
	.carrier_raised = drvhost_tty_carrier_raised,
	.dtr_rts = drvhost_tty_dtr_rts,
	.activate = drvhost_tty_activate,
	.shutdown = drvhost_tty_port_shutdown,
	.destruct = drvhost_tty_destruct,
};

/* --- tty --- */

static int drvhost_tty_install(struct tty_driver *driver, struct tty_struct *tty)
{
	struct drvhost_tty_port *p;
	int r;

	mutex_lock(&drvhost_tty_lock);
	p = idr_find(&drvhost_tty_idr, tty->index);
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
	spin_unlock_irqrestore(&p->lock, flags);
	wake_up_interruptible(&p->wait);
	tty_wakeup(tty);
}

static void drvhost_tty_set_termios(struct tty_struct *tty, const struct ktermios *old)
{
	struct drvhost_tty_port *p = tty->driver_data;
	unsigned long flags;

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
	spin_unlock_irqrestore(&p->lock, flags);
	wake_up_interruptible(&p->wait);
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

	spin_lock_irqsave(&p->lock, flags);
	if (state && !p->break_on)
		p->breaks++;
	p->break_on = state != 0;
	p->changed |= DRVHOST_TTY_CHANGED_BREAK;
	spin_unlock_irqrestore(&p->lock, flags);
	wake_up_interruptible(&p->wait);
	return 0;
}

static int drvhost_tty_tiocmget(struct tty_struct *tty)
{
	struct drvhost_tty_port *p = tty->driver_data;
	unsigned long flags;
	int r;

	spin_lock_irqsave(&p->lock, flags);
	r = p->mctrl | p->msr;
	spin_unlock_irqrestore(&p->lock, flags);
	return r;
}

static int drvhost_tty_tiocmset(struct tty_struct *tty, unsigned int set, unsigned int clear)
{
	struct drvhost_tty_port *p = tty->driver_data;
	unsigned long flags;

	spin_lock_irqsave(&p->lock, flags);
	p->mctrl = (p->mctrl | (set & DRVHOST_TTY_MCTRL_MASK)) & ~(clear & DRVHOST_TTY_MCTRL_MASK);
	p->changed |= DRVHOST_TTY_CHANGED_MCTRL;
	spin_unlock_irqrestore(&p->lock, flags);
	wake_up_interruptible(&p->wait);
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

/* --- The driver's file --- */

struct drvhost_tty_find {
	const char *name;
	struct usb_interface *intf;
};

static int drvhost_tty_find_intf(struct usb_device *udev, void *data)
{
	struct drvhost_tty_find *f = data;
	struct usb_host_config *config = udev->actconfig;

	if (!config)
		return 0;
	for (unsigned int i = 0; i < config->desc.bNumInterfaces; i++) {
		struct usb_interface *intf = config->interface[i];

		if (intf && !strcmp(dev_name(&intf->dev), f->name)) {
			f->intf = usb_get_intf(intf);
			return 1;
		}
	}
	return 0;
}

static int drvhost_tty_create(struct file *file, struct drvhost_tty_create __user *uarg)
{
	struct drvhost_tty_create arg;
	struct drvhost_tty_find find = {};
	struct drvhost_tty_port *p;
	struct device *dev;
	int r;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (arg.flags || strnlen(arg.parent, sizeof(arg.parent)) == sizeof(arg.parent))
		return -EINVAL;
	find.name = arg.parent;
	usb_for_each_dev(&find, drvhost_tty_find_intf);
	if (!find.intf)
		return -ENODEV;

	p = kzalloc(sizeof(*p), GFP_KERNEL);
	if (!p) {
		usb_put_intf(find.intf);
		return -ENOMEM;
	}
	tty_port_init(&p->port);
	p->port.ops = &drvhost_tty_port_ops;
	p->intf = find.intf;
	spin_lock_init(&p->lock);
	init_waitqueue_head(&p->wait);
	p->termios = drvhost_tty_driver->init_termios;
	r = kfifo_alloc(&p->out, DRVHOST_TTY_FIFO_SIZE, GFP_KERNEL);
	if (r) {
		tty_port_put(&p->port);
		return r;
	}

	mutex_lock(&drvhost_tty_lock);
	if (file->private_data) {
		r = -EBUSY;
		goto fail;
	}
	r = idr_alloc(&drvhost_tty_idr, p, 0, DRVHOST_TTY_PORTS, GFP_KERNEL);
	if (r < 0)
		goto fail;
	p->index = r;
	dev = tty_port_register_device(&p->port, drvhost_tty_driver, p->index, &p->intf->dev);
	if (IS_ERR(dev)) {
		r = PTR_ERR(dev);
		idr_remove(&drvhost_tty_idr, p->index);
		goto fail;
	}
	p->tty_dev = dev;
	file->private_data = p;
	mutex_unlock(&drvhost_tty_lock);

	arg.index = p->index + DRVHOST_TTY_NAME_BASE;
	return copy_to_user(uarg, &arg, sizeof(arg)) ? -EFAULT : 0;
fail:
	mutex_unlock(&drvhost_tty_lock);
	tty_port_put(&p->port);
	return r;
}

static void drvhost_tty_get_state(struct drvhost_tty_port *p, struct drvhost_tty_state *s)
{
	unsigned long flags;

	memset(s, 0, sizeof(*s));
	spin_lock_irqsave(&p->lock, flags);
	s->changed = p->changed;
	p->changed = 0;
	s->mctrl = p->mctrl;
	s->open = p->open;
	s->break_on = p->break_on;
	s->breaks = p->breaks;
	s->index = p->index + DRVHOST_TTY_NAME_BASE;
	spin_unlock_irqrestore(&p->lock, flags);
}

static void drvhost_tty_set_msr(struct drvhost_tty_port *p, u32 msr)
{
	unsigned long flags;
	u32 delta;

	msr &= DRVHOST_TTY_MSR_MASK;
	spin_lock_irqsave(&p->lock, flags);
	delta = p->msr ^ msr;
	if (delta & TIOCM_CTS)
		p->icount.cts++;
	if (delta & TIOCM_DSR)
		p->icount.dsr++;
	if (delta & TIOCM_CAR)
		p->icount.dcd++;
	/* Counted on the trailing edge, as serial_core does. */
	if ((delta & TIOCM_RI) && !(msr & TIOCM_RI))
		p->icount.rng++;
	p->msr = msr;
	spin_unlock_irqrestore(&p->lock, flags);
	if (!delta)
		return;
	wake_up_interruptible(&p->port.delta_msr_wait);
	/* Carrier lost: hang up unless the line is local (CLOCAL), as cdc_acm does. */
	if ((delta & TIOCM_CAR) && !(msr & TIOCM_CAR))
		tty_port_tty_hangup(&p->port, true);
}

/* TCGETS2 on the driver's file: the port's termios, whether or not an application has it open. */
static int drvhost_tty_get_termios(struct drvhost_tty_port *p, struct termios2 __user *u)
{
	struct termios2 t = {};
	struct ktermios k;
	unsigned long flags;

	spin_lock_irqsave(&p->lock, flags);
	k = p->termios;
	spin_unlock_irqrestore(&p->lock, flags);
	t.c_iflag = k.c_iflag;
	t.c_oflag = k.c_oflag;
	t.c_cflag = k.c_cflag;
	t.c_lflag = k.c_lflag;
	t.c_line = k.c_line;
	memcpy(t.c_cc, k.c_cc, sizeof(t.c_cc));
	t.c_ispeed = k.c_ispeed;
	t.c_ospeed = k.c_ospeed;
	return copy_to_user(u, &t, sizeof(t)) ? -EFAULT : 0;
}

static long drvhost_tty_fioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct drvhost_tty_port *p = READ_ONCE(file->private_data);
	struct drvhost_tty_state state;
	u32 msr;

	if (cmd == DRVHOST_TTY_CREATE)
		return drvhost_tty_create(file, (struct drvhost_tty_create __user *)arg);
	if (!p)
		return -ENOTTY;
	switch (cmd) {
	case DRVHOST_TTY_GET_STATE:
		drvhost_tty_get_state(p, &state);
		return copy_to_user((void __user *)arg, &state, sizeof(state)) ? -EFAULT : 0;
	case DRVHOST_TTY_SET_MSR:
		if (get_user(msr, (u32 __user *)arg))
			return -EFAULT;
		drvhost_tty_set_msr(p, msr);
		return 0;
	case DRVHOST_TTY_HANGUP:
		tty_port_tty_hangup(&p->port, false);
		return 0;
	case TCGETS2:
		return drvhost_tty_get_termios(p, (struct termios2 __user *)arg);
	default:
		return -ENOTTY;
	}
}

static ssize_t drvhost_tty_read(struct file *file, char __user *buf, size_t count, loff_t *ppos)
{
	struct drvhost_tty_port *p = READ_ONCE(file->private_data);
	unsigned int n;
	u8 *chunk;
	int r;

	if (!p)
		return -ENOTTY;
	count = min_t(size_t, count, DRVHOST_TTY_CHUNK);
	chunk = kmalloc(count, GFP_KERNEL);
	if (!chunk)
		return -ENOMEM;
	for (;;) {
		n = kfifo_out_spinlocked(&p->out, chunk, count, &p->lock);
		if (n || (file->f_flags & O_NONBLOCK))
			break;
		r = wait_event_interruptible(p->wait, !kfifo_is_empty(&p->out));
		if (r) {
			kfree(chunk);
			return r;
		}
	}
	r = n ? (copy_to_user(buf, chunk, n) ? -EFAULT : n) : -EAGAIN;
	kfree(chunk);
	if (n) {
		spin_lock_irq(&p->lock);
		p->icount.tx += n;
		spin_unlock_irq(&p->lock);
		/* Room again in the FIFO: writers blocked in the tty may go on. */
		tty_port_tty_wakeup(&p->port);
	}
	return r;
}

static ssize_t drvhost_tty_fwrite(struct file *file, const char __user *buf, size_t count, loff_t *ppos)
{
	struct drvhost_tty_port *p = READ_ONCE(file->private_data);
	unsigned int n;
	u8 *chunk;

	if (!p)
		return -ENOTTY;
	if (!READ_ONCE(p->open))
		return count; /* nobody listening: dropped, as a UART's input with the port closed */
	count = min_t(size_t, count, DRVHOST_TTY_CHUNK);
	chunk = memdup_user(buf, count);
	if (IS_ERR(chunk))
		return PTR_ERR(chunk);
	n = tty_insert_flip_string(&p->port, chunk, count);
	kfree(chunk);
	if (!n)
		return -EAGAIN;
	tty_flip_buffer_push(&p->port);
	spin_lock_irq(&p->lock);
	p->icount.rx += n;
	spin_unlock_irq(&p->lock);
	return n;
}

static __poll_t drvhost_tty_poll(struct file *file, poll_table *wait)
{
	struct drvhost_tty_port *p = READ_ONCE(file->private_data);
	unsigned long flags;
	__poll_t mask = 0;
	bool open;

	if (!p)
		return EPOLLERR;
	poll_wait(file, &p->wait, wait);
	spin_lock_irqsave(&p->lock, flags);
	if (!kfifo_is_empty(&p->out))
		mask |= EPOLLIN | EPOLLRDNORM;
	if (p->changed)
		mask |= EPOLLPRI;
	open = p->open;
	spin_unlock_irqrestore(&p->lock, flags);
	/* No EPOLLHUP for a closed port, unlike a pty master: the driver waits for the next open
	 * (EPOLLPRI), which a hang-up reported on every poll would drown. */
	if (!open || tty_buffer_space_avail(&p->port) > 0)
		mask |= EPOLLOUT | EPOLLWRNORM;
	return mask;
}

static int drvhost_tty_release(struct inode *inode, struct file *file)
{
	struct drvhost_tty_port *p = file->private_data;
	unsigned long flags;

	if (!p)
		return 0;
	spin_lock_irqsave(&p->lock, flags);
	p->dead = true;
	spin_unlock_irqrestore(&p->lock, flags);
	wake_up_interruptible(&p->port.delta_msr_wait);
	tty_port_tty_hangup(&p->port, false);
	mutex_lock(&drvhost_tty_lock);
	idr_remove(&drvhost_tty_idr, p->index);
	mutex_unlock(&drvhost_tty_lock);
	tty_port_unregister_device(&p->port, drvhost_tty_driver, p->index);
	tty_port_put(&p->port);
	return 0;
}

static const struct file_operations drvhost_tty_fops = {
	.owner = THIS_MODULE,
	.read = drvhost_tty_read,
	.write = drvhost_tty_fwrite,
	.poll = drvhost_tty_poll,
	.unlocked_ioctl = drvhost_tty_fioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.release = drvhost_tty_release,
	.llseek = noop_llseek,
};

static struct miscdevice drvhost_tty_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = DRVHOST_TTY_DEVICE_NAME,
	.fops = &drvhost_tty_fops,
	.mode = 0600,
};

static int __init drvhost_tty_init(void)
{
	struct tty_driver *d;
	int r;

	d = tty_alloc_driver(DRVHOST_TTY_PORTS, TTY_DRIVER_REAL_RAW | TTY_DRIVER_DYNAMIC_DEV);
	if (IS_ERR(d))
		return PTR_ERR(d);
	d->driver_name = "drvhost_tty";
	d->name = DRVHOST_TTY_NAME;
	d->name_base = DRVHOST_TTY_NAME_BASE;
	d->major = 0; /* dynamic */
	d->type = TTY_DRIVER_TYPE_SERIAL;
	d->subtype = SERIAL_TYPE_NORMAL;
	/* What cdc_acm starts a port with: 9600 8N1, lines dropped on the last close, no carrier needed. */
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
	drvhost_tty_driver = d;
	r = misc_register(&drvhost_tty_misc);
	if (r) {
		tty_unregister_driver(d);
		tty_driver_kref_put(d);
		return r;
	}
	return 0;
}

static void __exit drvhost_tty_exit(void)
{
	misc_deregister(&drvhost_tty_misc);
	tty_unregister_driver(drvhost_tty_driver);
	tty_driver_kref_put(drvhost_tty_driver);
	idr_destroy(&drvhost_tty_idr);
}

module_init(drvhost_tty_init);
module_exit(drvhost_tty_exit);

MODULE_DESCRIPTION("drvhost serial front end: a tty served by a user-mode USB driver");
MODULE_LICENSE("GPL");
