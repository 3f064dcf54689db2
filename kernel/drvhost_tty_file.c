// SPDX-License-Identifier: GPL-2.0
/*
 * drvhost_tty: the user-mode driver's file. DRVHOST_TTY_CREATE makes the port under a USB interface;
 * read() and write() move the data, poll() and the ioctls the rest (include/uapi/drvhost_tty.h).
 * Releasing the file's last copy ends the port.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/idr.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/tty_flip.h>
#include <linux/uaccess.h>

#include "include/uapi/drvhost_tty.h"
#include "drvhost_tty_internal.h"

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

/* The device is gone, or the driver's file is: the applications get their hang-up, the tty goes (once).
 * The port's memory stays until its last reference. */
static void drvhost_tty_detach(struct drvhost_tty_port *p)
{
	unsigned long flags;

	spin_lock_irqsave(&p->lock, flags);
	p->dead = true;
	spin_unlock_irqrestore(&p->lock, flags);
	wake_up(&p->ack_wait);
	wake_up_interruptible(&p->port.delta_msr_wait);
	wake_up_interruptible(&p->wait);
	tty_port_tty_hangup(&p->port, false);
	mutex_lock(&drvhost_tty_lock);
	if (p->registered)
		tty_port_unregister_device(&p->port, drvhost_tty_drivers[p->family], drvhost_tty_line(p));
	p->registered = false;
	mutex_unlock(&drvhost_tty_lock);
}

static int drvhost_tty_bus_event(struct notifier_block *nb, unsigned long action, void *data)
{
	struct drvhost_tty_port *p = container_of(nb, struct drvhost_tty_port, bus_nb);

	if (action != BUS_NOTIFY_DEL_DEVICE || data != &p->intf->dev)
		return NOTIFY_DONE;
	drvhost_tty_detach(p);
	return NOTIFY_OK;
}

static void drvhost_tty_room(struct work_struct *work)
{
	struct drvhost_tty_port *p = container_of(to_delayed_work(work), struct drvhost_tty_port, room_work);

	wake_up_interruptible(&p->wait);
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
	if ((arg.flags & ~DRVHOST_TTY_CREATE_USB_SERIAL) ||
	    strnlen(arg.parent, sizeof(arg.parent)) == sizeof(arg.parent))
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
	init_waitqueue_head(&p->ack_wait);
	p->port.client_ops = &drvhost_tty_client_ops;
	INIT_DELAYED_WORK(&p->room_work, drvhost_tty_room);
	p->family = arg.flags & DRVHOST_TTY_CREATE_USB_SERIAL ? DRVHOST_TTY_USB : DRVHOST_TTY_ACM;
	p->termios = drvhost_tty_drivers[p->family]->init_termios;
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
	r = idr_alloc(&drvhost_tty_idr, p, p->family * DRVHOST_TTY_PORTS, (p->family + 1) * DRVHOST_TTY_PORTS,
		      GFP_KERNEL);
	if (r < 0)
		goto fail;
	p->index = r;
	dev = tty_port_register_device_attr(&p->port, drvhost_tty_drivers[p->family], drvhost_tty_line(p),
					    &p->intf->dev, NULL,
					    p->family == DRVHOST_TTY_USB ? drvhost_tty_usb_groups : NULL);
	if (IS_ERR(dev)) {
		r = PTR_ERR(dev);
		idr_remove(&drvhost_tty_idr, p->index);
		goto fail;
	}
	p->registered = true;
	file->private_data = p;
	mutex_unlock(&drvhost_tty_lock);
	/* Registered after the tty, so the callback always finds one to remove (or a dead port). The
	 * interface's bus is usbcore's usb_bus_type, which it does not export. */
	p->bus_nb.notifier_call = drvhost_tty_bus_event;
	r = bus_register_notifier(p->intf->dev.bus, &p->bus_nb);
	if (r) {
		p->bus_nb.notifier_call = NULL;
		return r; /* released with the file */
	}
	/* Gone before the notifier was there to see it. */
	if (!device_is_registered(&p->intf->dev))
		drvhost_tty_detach(p);

	arg.index = drvhost_tty_line(p) + drvhost_tty_drivers[p->family]->name_base;
	return copy_to_user(uarg, &arg, sizeof(arg)) ? -EFAULT : 0;
fail:
	mutex_unlock(&drvhost_tty_lock);
	tty_port_put(&p->port);
	return r;
}

static void drvhost_tty_snapshot_locked(struct drvhost_tty_port *p, struct drvhost_tty_event *e, u32 kind)
{
	const struct ktermios *k = &p->termios;

	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->open = p->open;
	e->mctrl = p->mctrl;
	e->break_on = p->break_on;
	e->termios.c_iflag = k->c_iflag;
	e->termios.c_oflag = k->c_oflag;
	e->termios.c_cflag = k->c_cflag;
	e->termios.c_lflag = k->c_lflag;
	e->termios.c_line = k->c_line;
	memcpy(e->termios.c_cc, k->c_cc, min(sizeof(e->termios.c_cc), sizeof(k->c_cc)));
	e->termios.c_ispeed = k->c_ispeed;
	e->termios.c_ospeed = k->c_ospeed;
}

u32 drvhost_tty_push_locked(struct drvhost_tty_port *p, u32 kind, u32 set, u32 clear)
{
	struct drvhost_tty_event *e;
	u32 seq = ++p->seq;

	/* Lost (or queued past the driver's reading): nobody acknowledges it, the driver starts over
	 * from the state. */
	if (p->ev_lost)
		return seq;
	if (p->ev_count == DRVHOST_TTY_EVENTS) {
		p->ev_lost = true;
		p->ev_count = 0;
		return seq;
	}
	e = &p->events[(p->ev_head + p->ev_count) % DRVHOST_TTY_EVENTS];
	drvhost_tty_snapshot_locked(p, e, kind);
	e->seq = seq;
	e->set = set;
	e->clear = clear;
	p->ev_count++;
	return seq;
}

static bool drvhost_tty_acked(struct drvhost_tty_port *p, u32 seq)
{
	unsigned long flags;
	bool r;

	spin_lock_irqsave(&p->lock, flags);
	/* A SYNC acknowledges everything before it (a restarted driver starts from the state). */
	r = (s32)(p->acked - seq) >= 0 || !p->acking || p->dead;
	spin_unlock_irqrestore(&p->lock, flags);
	return r;
}

u32 drvhost_tty_event_wait(struct drvhost_tty_port *p, u32 seq)
{
	unsigned long flags;
	u32 speed = 0;

	if (!wait_event_timeout(p->ack_wait, drvhost_tty_acked(p, seq),
				msecs_to_jiffies(DRVHOST_TTY_ACK_TIMEOUT_MS)))
		return 0;
	spin_lock_irqsave(&p->lock, flags);
	if (p->speed_seq == seq)
		speed = p->ack_speed;
	spin_unlock_irqrestore(&p->lock, flags);
	return speed;
}

/* DRVHOST_TTY_NEXT_EVENT: 0 with an event, -EAGAIN without. */
static int drvhost_tty_next_event(struct drvhost_tty_port *p, struct drvhost_tty_event *e)
{
	unsigned long flags;
	int r = 0;

	spin_lock_irqsave(&p->lock, flags);
	if (p->ev_lost) {
		memset(e, 0, sizeof(*e));
		e->kind = DRVHOST_TTY_EVENT_LOST;
		p->ev_lost = false;
	} else if (p->ev_count) {
		*e = p->events[p->ev_head];
		p->ev_head = (p->ev_head + 1) % DRVHOST_TTY_EVENTS;
		p->ev_count--;
	} else
		r = -EAGAIN;
	/* Read in full: nothing left for POLLPRI (GET_STATE's bits say the same in less detail). */
	if (!p->ev_count && !p->ev_lost)
		p->changed = 0;
	spin_unlock_irqrestore(&p->lock, flags);
	return r;
}

static void drvhost_tty_sync(struct drvhost_tty_port *p, struct drvhost_tty_event *e)
{
	unsigned long flags;

	spin_lock_irqsave(&p->lock, flags);
	drvhost_tty_snapshot_locked(p, e, 0);
	p->ev_count = 0;
	p->ev_lost = false;
	p->changed = 0;
	/* A driver of events, which acknowledges what it reads; nothing before is waited for. */
	p->acking = true;
	p->acked = p->seq;
	wake_up(&p->ack_wait);
	spin_unlock_irqrestore(&p->lock, flags);
}

static int drvhost_tty_ack(struct drvhost_tty_port *p, struct drvhost_tty_ack __user *u)
{
	struct drvhost_tty_ack a;
	unsigned long flags;

	if (copy_from_user(&a, u, sizeof(a)))
		return -EFAULT;
	spin_lock_irqsave(&p->lock, flags);
	/* In order: an older number (a driver that restarted in between) changes nothing. */
	if ((s32)(a.seq - p->acked) > 0) {
		p->acked = a.seq;
		if (a.speed) {
			p->speed_seq = a.seq;
			p->ack_speed = a.speed;
		}
	}
	spin_unlock_irqrestore(&p->lock, flags);
	wake_up(&p->ack_wait);
	return 0;
}

static void drvhost_tty_get_state(struct drvhost_tty_port *p, struct drvhost_tty_state *s)
{
	unsigned long flags;

	memset(s, 0, sizeof(*s));
	spin_lock_irqsave(&p->lock, flags);
	s->changed = p->changed;
	p->changed = 0;
	/* A driver of GET_STATE reads no events: they would keep POLLPRI up for ever, and it
	 * acknowledges none. */
	p->ev_count = 0;
	p->ev_lost = false;
	p->acking = false;
	s->mctrl = p->mctrl;
	s->open = p->open;
	s->break_on = p->break_on;
	s->breaks = p->breaks;
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
	/* Both edges, as cdc_acm and the USB serial drivers count it (serial_core counts the trailing
	 * one): TIOCMIWAIT wakes when the ring starts. */
	if (delta & TIOCM_RI)
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
	struct drvhost_tty_event event;
	char name[DRVHOST_TTY_NAME_MAX];
	int r;
	u32 msr;

	if (cmd == DRVHOST_TTY_CREATE)
		return drvhost_tty_create(file, (struct drvhost_tty_create __user *)arg);
	if (!p)
		return -ENOTTY;
	switch (cmd) {
	case DRVHOST_TTY_GET_STATE:
		drvhost_tty_get_state(p, &state);
		return copy_to_user((void __user *)arg, &state, sizeof(state)) ? -EFAULT : 0;
	case DRVHOST_TTY_NEXT_EVENT:
		r = drvhost_tty_next_event(p, &event);
		if (r)
			return r;
		return copy_to_user((void __user *)arg, &event, sizeof(event)) ? -EFAULT : 0;
	case DRVHOST_TTY_SYNC:
		drvhost_tty_sync(p, &event);
		return copy_to_user((void __user *)arg, &event, sizeof(event)) ? -EFAULT : 0;
	case DRVHOST_TTY_ACK:
		return drvhost_tty_ack(p, (struct drvhost_tty_ack __user *)arg);
	case DRVHOST_TTY_SET_MSR:
		if (get_user(msr, (u32 __user *)arg))
			return -EFAULT;
		drvhost_tty_set_msr(p, msr);
		return 0;
	case DRVHOST_TTY_GET_INDEX:
		return put_user((u32)(drvhost_tty_line(p) + drvhost_tty_drivers[p->family]->name_base),
				(u32 __user *)arg);
	case DRVHOST_TTY_GET_NAME:
		memset(name, 0, sizeof(name));
		snprintf(name, sizeof(name), "%s%d", drvhost_tty_drivers[p->family]->name,
			 drvhost_tty_line(p) + drvhost_tty_drivers[p->family]->name_base);
		return copy_to_user((void __user *)arg, name, sizeof(name)) ? -EFAULT : 0;
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
	chunk = kvmalloc(count, GFP_KERNEL);
	if (!chunk)
		return -ENOMEM;
	for (;;) {
		n = kfifo_out_spinlocked(&p->out, chunk, count, &p->lock);
		if (n || (file->f_flags & O_NONBLOCK) || READ_ONCE(p->dead))
			break;
		r = wait_event_interruptible(p->wait, !kfifo_is_empty(&p->out) || READ_ONCE(p->dead));
		if (r) {
			kvfree(chunk);
			return r;
		}
	}
	/* A dead port (its device gone) reads as the end of the file. */
	r = n ? (copy_to_user(buf, chunk, n) ? -EFAULT : n) : READ_ONCE(p->dead) ? 0 : -EAGAIN;
	kvfree(chunk);
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
	chunk = vmemdup_user(buf, count);
	if (IS_ERR(chunk))
		return PTR_ERR(chunk);
	n = tty_insert_flip_string(&p->port, chunk, count);
	kvfree(chunk);
	if (n < count)
		schedule_delayed_work(&p->room_work, 1);
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
	if (p->changed || p->ev_count || p->ev_lost)
		mask |= EPOLLPRI;
	open = p->open;
	spin_unlock_irqrestore(&p->lock, flags);
	/* No EPOLLHUP for a closed port, unlike a pty master: the driver waits for the next open
	 * (EPOLLPRI), which a hang-up reported on every poll would drown. */
	if (!open || tty_buffer_space_avail(&p->port) > 0)
		mask |= EPOLLOUT | EPOLLWRNORM;
	return mask;
}

static int drvhost_tty_fopen(struct inode *inode, struct file *file)
{
	/* misc_open() left the miscdevice here: a file has no port until DRVHOST_TTY_CREATE. */
	file->private_data = NULL;
	return nonseekable_open(inode, file);
}

static int drvhost_tty_release(struct inode *inode, struct file *file)
{
	struct drvhost_tty_port *p = file->private_data;

	if (!p)
		return 0;
	if (p->bus_nb.notifier_call)
		bus_unregister_notifier(p->intf->dev.bus, &p->bus_nb);
	drvhost_tty_detach(p);
	mutex_lock(&drvhost_tty_lock);
	idr_remove(&drvhost_tty_idr, p->index);
	mutex_unlock(&drvhost_tty_lock);
	cancel_delayed_work_sync(&p->room_work);
	tty_port_put(&p->port);
	return 0;
}

const struct file_operations drvhost_tty_fops = {
	.owner = THIS_MODULE,
	.open = drvhost_tty_fopen,
	.read = drvhost_tty_read,
	.write = drvhost_tty_fwrite,
	.poll = drvhost_tty_poll,
	.unlocked_ioctl = drvhost_tty_fioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.release = drvhost_tty_release,
	.llseek = noop_llseek,
};

