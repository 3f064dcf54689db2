// SPDX-License-Identifier: GPL-2.0
/*
 * drvhost_irq: the in-kernel half of a user-mode PCI driver's interrupt.
 *
 * The hard-IRQ handler does only what cannot wait: it silences the source (INTx: the PCI 2.3
 * interrupt-disable bit; MSI is an edge and needs nothing; the self-test hrtimer is one-shot),
 * timestamps and counts the interrupt, and wakes the driver through an eventfd and poll/read.
 * Everything else happens in the user-mode driver, which re-enables when it is done.
 *
 * Locking: drvhost_irq_lock (a mutex) serialises binding, unbinding, re-enabling and device
 * removal; it nests inside the PCI device's device_lock. b->lock (a spinlock) protects what the
 * interrupt handler touches.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/eventfd.h>
#include <linux/fs.h>
#include <linux/hrtimer.h>
#include <linux/idr.h>
#include <linux/interrupt.h>
#include <linux/ktime.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/poll.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>
#include <linux/wait.h>

#include "include/uapi/drvhost_irq.h"

#define DRVHOST_IRQ_HIST_BUCKETS 24 /* log2 of µs: <1 µs, <2 µs, ... , >= 2^22 µs */
#define DRVHOST_IRQ_SELFTEST_MIN_NS 1000ULL
#define DRVHOST_IRQ_SELFTEST_MAX_NS NSEC_PER_SEC

static bool use_msi = true;
module_param(use_msi, bool, 0444);
MODULE_PARM_DESC(use_msi, "Prefer MSI over INTx for PCI devices bound from now on (default: yes)");

/* A PCI device bound to this driver (by driver_override): its one interrupt vector. */
struct drvhost_irq_pdev {
	struct pci_dev *pdev;
	int irq;
	bool msi;
	struct drvhost_irq_binding *binding; /* the file bound to it, if any */
};

struct drvhost_irq_stats {
	u64 spurious;   /* INTx handler calls for another device on a shared line */
	u64 deliveries; /* reads that reported interrupts */
	u64 signals;    /* eventfd signals */
	u64 enables;
	u64 hist[DRVHOST_IRQ_HIST_BUCKETS]; /* interrupt → read latency */
	u64 latency_max_ns;
};

/* One open file of /dev/drvhost_irq, bound to at most one source. */
struct drvhost_irq_binding {
	enum drvhost_irq_kind kind;
	int id;
	char source[DRVHOST_IRQ_PCI_NAME_MAX];

	spinlock_t lock; /* protects the fields below up to the wait queue */
	u64 count;
	u64 seen; /* count at the last read */
	ktime_t last;
	bool dead; /* the device went away */
	struct eventfd_ctx *trigger;
	struct drvhost_irq_stats stats;
	wait_queue_head_t wait;

	struct drvhost_irq_pdev *pd; /* PCI: under drvhost_irq_lock */
	struct hrtimer timer;        /* self-test */
	u64 delay_ns;
	struct dentry *dir;
};

static DEFINE_MUTEX(drvhost_irq_lock);
static DEFINE_IDA(drvhost_irq_ida);
static struct dentry *drvhost_irq_debugfs;
static struct pci_driver drvhost_irq_pci_driver;

static const char *const kind_names[] = {
	[DRVHOST_IRQ_KIND_NONE] = "none",
	[DRVHOST_IRQ_KIND_PCI_MSI] = "pci-msi",
	[DRVHOST_IRQ_KIND_PCI_INTX] = "pci-intx",
	[DRVHOST_IRQ_KIND_SELFTEST] = "selftest",
};

/* The common part of every source's hard-IRQ handler. */
static void drvhost_irq_fire(struct drvhost_irq_binding *b, ktime_t now)
{
	spin_lock(&b->lock);
	b->count++;
	b->last = now;
	if (b->trigger) {
		eventfd_signal(b->trigger, 1);
		b->stats.signals++;
	}
	spin_unlock(&b->lock);
	wake_up_interruptible(&b->wait);
}

static irqreturn_t drvhost_irq_msi_handler(int irq, void *data)
{
	drvhost_irq_fire(data, ktime_get());
	return IRQ_HANDLED;
}

static irqreturn_t drvhost_irq_intx_handler(int irq, void *data)
{
	struct drvhost_irq_binding *b = data;
	ktime_t now = ktime_get();

	/* Masks the line if this device asserts it; stays masked until the driver re-enables. */
	if (!pci_check_and_mask_intx(b->pd->pdev)) {
		spin_lock(&b->lock);
		b->stats.spurious++;
		spin_unlock(&b->lock);
		return IRQ_NONE;
	}
	drvhost_irq_fire(b, now);
	return IRQ_HANDLED;
}

static enum hrtimer_restart drvhost_irq_selftest_fire(struct hrtimer *t)
{
	drvhost_irq_fire(container_of(t, struct drvhost_irq_binding, timer), ktime_get());
	return HRTIMER_NORESTART;
}

static unsigned int hist_bucket(u64 ns)
{
	u64 us = ns / NSEC_PER_USEC;

	return us ? min_t(unsigned int, fls64(us), DRVHOST_IRQ_HIST_BUCKETS - 1) : 0;
}

static int stats_show(struct seq_file *m, void *unused)
{
	struct drvhost_irq_binding *b = m->private;
	struct drvhost_irq_stats st;
	u64 count;
	bool dead;
	unsigned int i;

	spin_lock_irq(&b->lock);
	st = b->stats;
	count = b->count;
	dead = b->dead;
	spin_unlock_irq(&b->lock);

	seq_printf(m, "kind: %s\nsource: %s\nstate: %s\n", kind_names[b->kind], b->source,
		   dead ? "detached" : "bound");
	seq_printf(m, "interrupts: %llu\ndeliveries: %llu\neventfd_signals: %llu\nenables: %llu\nspurious: %llu\n",
		   count, st.deliveries, st.signals, st.enables, st.spurious);
	seq_printf(m, "latency_max_ns: %llu\n", st.latency_max_ns);
	seq_puts(m, "latency_histogram_us: (interrupt to read)\n");
	for (i = 0; i < DRVHOST_IRQ_HIST_BUCKETS; i++) {
		if (!st.hist[i])
			continue;
		if (i == DRVHOST_IRQ_HIST_BUCKETS - 1)
			seq_printf(m, "  >=%llu: %llu\n", 1ULL << (i - 1), st.hist[i]);
		else
			seq_printf(m, "  <%llu: %llu\n", 1ULL << i, st.hist[i]);
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(stats);

/* Under drvhost_irq_lock. Releases the PCI interrupt; a reader sees ENODEV. */
static void drvhost_irq_detach_pci(struct drvhost_irq_binding *b)
{
	struct drvhost_irq_pdev *pd = b->pd;

	if (!pd)
		return;
	free_irq(pd->irq, b);
	if (!pd->msi)
		pci_intx(pd->pdev, 0);
	pd->binding = NULL;
	b->pd = NULL;

	spin_lock_irq(&b->lock);
	b->dead = true;
	if (b->trigger)
		eventfd_signal(b->trigger, 1); /* so that an eventfd-only driver looks and finds out */
	spin_unlock_irq(&b->lock);
	wake_up_interruptible(&b->wait);
}

static void drvhost_irq_debugfs_add(struct drvhost_irq_binding *b)
{
	char name[16];

	snprintf(name, sizeof(name), "%d", b->id);
	b->dir = debugfs_create_dir(name, drvhost_irq_debugfs);
	debugfs_create_file("stats", 0400, b->dir, b, &stats_fops);
}

static int drvhost_irq_bind_pci(struct drvhost_irq_binding *b, void __user *arg)
{
	struct drvhost_irq_bind_pci req;
	struct drvhost_irq_pdev *pd;
	struct device *dev;
	int r;

	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	if (req.flags || req.reserved || !memchr(req.name, '\0', sizeof(req.name)))
		return -EINVAL;

	dev = bus_find_device_by_name(&pci_bus_type, NULL, req.name);
	if (!dev)
		return -ENODEV;

	/* Holds off probe and remove while we look at the driver and its data. */
	device_lock(dev);
	mutex_lock(&drvhost_irq_lock);
	r = -ENXIO;
	if (dev->driver != &drvhost_irq_pci_driver.driver)
		goto out;
	r = -EBUSY;
	pd = pci_get_drvdata(to_pci_dev(dev));
	if (b->kind != DRVHOST_IRQ_KIND_NONE || !pd || pd->binding)
		goto out;

	b->pd = pd;
	r = request_irq(pd->irq, pd->msi ? drvhost_irq_msi_handler : drvhost_irq_intx_handler,
			pd->msi ? 0 : IRQF_SHARED, DRVHOST_IRQ_DEVICE_NAME, b);
	if (r) {
		b->pd = NULL;
		goto out;
	}
	pd->binding = b;
	b->kind = pd->msi ? DRVHOST_IRQ_KIND_PCI_MSI : DRVHOST_IRQ_KIND_PCI_INTX;
	strscpy(b->source, req.name, sizeof(b->source));
	if (!pd->msi)
		pci_intx(pd->pdev, 1);
	drvhost_irq_debugfs_add(b);
out:
	mutex_unlock(&drvhost_irq_lock);
	device_unlock(dev);
	put_device(dev);
	return r;
}

static int drvhost_irq_bind_selftest(struct drvhost_irq_binding *b, void __user *arg)
{
	struct drvhost_irq_bind_selftest req;
	int r = 0;

	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	if (req.flags || req.reserved || req.delay_ns < DRVHOST_IRQ_SELFTEST_MIN_NS ||
	    req.delay_ns > DRVHOST_IRQ_SELFTEST_MAX_NS)
		return -EINVAL;

	mutex_lock(&drvhost_irq_lock);
	if (b->kind != DRVHOST_IRQ_KIND_NONE) {
		r = -EBUSY;
		goto out;
	}
	b->kind = DRVHOST_IRQ_KIND_SELFTEST;
	b->delay_ns = req.delay_ns;
	strscpy(b->source, "hrtimer", sizeof(b->source));
	drvhost_irq_debugfs_add(b);
	hrtimer_start(&b->timer, ns_to_ktime(b->delay_ns), HRTIMER_MODE_REL_HARD);
out:
	mutex_unlock(&drvhost_irq_lock);
	return r;
}

static int drvhost_irq_enable(struct drvhost_irq_binding *b)
{
	int r = 0;

	mutex_lock(&drvhost_irq_lock);
	switch (b->kind) {
	case DRVHOST_IRQ_KIND_PCI_INTX:
		if (b->pd)
			pci_intx(b->pd->pdev, 1);
		fallthrough;
	case DRVHOST_IRQ_KIND_PCI_MSI:
		if (!b->pd)
			r = -ENODEV;
		break;
	case DRVHOST_IRQ_KIND_SELFTEST:
		hrtimer_start(&b->timer, ns_to_ktime(b->delay_ns), HRTIMER_MODE_REL_HARD);
		break;
	default:
		r = -ENOTCONN;
	}
	mutex_unlock(&drvhost_irq_lock);
	if (!r) {
		spin_lock_irq(&b->lock);
		b->stats.enables++;
		spin_unlock_irq(&b->lock);
	}
	return r;
}

static int drvhost_irq_set_eventfd(struct drvhost_irq_binding *b, int __user *arg)
{
	struct eventfd_ctx *ctx = NULL, *old;
	int fd;

	if (get_user(fd, arg))
		return -EFAULT;
	if (fd >= 0) {
		ctx = eventfd_ctx_fdget(fd);
		if (IS_ERR(ctx))
			return PTR_ERR(ctx);
	} else if (fd != -1) {
		return -EINVAL;
	}
	spin_lock_irq(&b->lock);
	old = b->trigger;
	b->trigger = ctx;
	spin_unlock_irq(&b->lock);
	if (old)
		eventfd_ctx_put(old);
	return 0;
}

static int drvhost_irq_get_info(struct drvhost_irq_binding *b, void __user *arg)
{
	struct drvhost_irq_info info = { .kind = b->kind, .id = b->id };

	mutex_lock(&drvhost_irq_lock);
	if (b->pd)
		info.irq = b->pd->irq;
	mutex_unlock(&drvhost_irq_lock);
	spin_lock_irq(&b->lock);
	info.count = b->count;
	info.timestamp_ns = ktime_to_ns(b->last);
	spin_unlock_irq(&b->lock);
	return copy_to_user(arg, &info, sizeof(info)) ? -EFAULT : 0;
}

static long drvhost_irq_ioctl(struct file *f, unsigned int cmd, unsigned long arg)
{
	struct drvhost_irq_binding *b = f->private_data;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case DRVHOST_IRQ_BIND_PCI:
		return drvhost_irq_bind_pci(b, uarg);
	case DRVHOST_IRQ_BIND_SELFTEST:
		return drvhost_irq_bind_selftest(b, uarg);
	case DRVHOST_IRQ_SET_EVENTFD:
		return drvhost_irq_set_eventfd(b, uarg);
	case DRVHOST_IRQ_ENABLE:
		return drvhost_irq_enable(b);
	case DRVHOST_IRQ_GET_INFO:
		return drvhost_irq_get_info(b, uarg);
	default:
		return -ENOTTY;
	}
}

/* Under b->lock: something for a reader (new interrupts, or the end). */
static bool drvhost_irq_ready(struct drvhost_irq_binding *b)
{
	return b->count != b->seen || b->dead;
}

static ssize_t drvhost_irq_read(struct file *f, char __user *buf, size_t len, loff_t *off)
{
	struct drvhost_irq_binding *b = f->private_data;
	struct drvhost_irq_event ev = {};
	u64 latency;
	int r;

	if (len < sizeof(ev))
		return -EINVAL;
	if (b->kind == DRVHOST_IRQ_KIND_NONE)
		return -ENOTCONN;

	spin_lock_irq(&b->lock);
	while (!drvhost_irq_ready(b)) {
		spin_unlock_irq(&b->lock);
		if (f->f_flags & O_NONBLOCK)
			return -EAGAIN;
		r = wait_event_interruptible(b->wait, READ_ONCE(b->count) != READ_ONCE(b->seen) ||
						      READ_ONCE(b->dead));
		if (r)
			return r;
		spin_lock_irq(&b->lock);
	}
	if (b->count == b->seen) { /* dead, nothing left to report */
		spin_unlock_irq(&b->lock);
		return -ENODEV;
	}
	ev.count = b->count;
	ev.timestamp_ns = ktime_to_ns(b->last);
	ev.new_events = (u32)min_t(u64, b->count - b->seen, U32_MAX);
	b->seen = b->count;
	latency = ktime_to_ns(ktime_sub(ktime_get(), b->last));
	b->stats.deliveries++;
	b->stats.hist[hist_bucket(latency)]++;
	b->stats.latency_max_ns = max(b->stats.latency_max_ns, latency);
	spin_unlock_irq(&b->lock);

	return copy_to_user(buf, &ev, sizeof(ev)) ? -EFAULT : sizeof(ev);
}

static ssize_t drvhost_irq_write(struct file *f, const char __user *buf, size_t len, loff_t *off)
{
	u32 v;
	int r;

	if (len != sizeof(v))
		return -EINVAL;
	if (copy_from_user(&v, buf, sizeof(v)))
		return -EFAULT;
	if (v != 1)
		return -EINVAL;
	r = drvhost_irq_enable(f->private_data);
	return r ? r : sizeof(v);
}

static __poll_t drvhost_irq_poll(struct file *f, poll_table *wait)
{
	struct drvhost_irq_binding *b = f->private_data;
	__poll_t mask = 0;

	poll_wait(f, &b->wait, wait);
	spin_lock_irq(&b->lock);
	if (b->count != b->seen)
		mask |= EPOLLIN | EPOLLRDNORM;
	if (b->dead)
		mask |= EPOLLHUP | EPOLLERR;
	spin_unlock_irq(&b->lock);
	return mask;
}

static int drvhost_irq_open(struct inode *inode, struct file *f)
{
	struct drvhost_irq_binding *b;

	b = kzalloc(sizeof(*b), GFP_KERNEL);
	if (!b)
		return -ENOMEM;
	b->id = ida_alloc(&drvhost_irq_ida, GFP_KERNEL);
	if (b->id < 0) {
		int r = b->id;

		kfree(b);
		return r;
	}
	spin_lock_init(&b->lock);
	init_waitqueue_head(&b->wait);
	hrtimer_init(&b->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	b->timer.function = drvhost_irq_selftest_fire;
	f->private_data = b;
	return stream_open(inode, f);
}

static int drvhost_irq_release(struct inode *inode, struct file *f)
{
	struct drvhost_irq_binding *b = f->private_data;

	mutex_lock(&drvhost_irq_lock);
	drvhost_irq_detach_pci(b);
	mutex_unlock(&drvhost_irq_lock);
	hrtimer_cancel(&b->timer);
	/* Waits for readers of the stats file that are still in it. */
	debugfs_remove_recursive(b->dir);
	if (b->trigger)
		eventfd_ctx_put(b->trigger);
	ida_free(&drvhost_irq_ida, b->id);
	kfree(b);
	return 0;
}

static const struct file_operations drvhost_irq_fops = {
	.owner = THIS_MODULE,
	.open = drvhost_irq_open,
	.release = drvhost_irq_release,
	.read = drvhost_irq_read,
	.write = drvhost_irq_write,
	.poll = drvhost_irq_poll,
	.unlocked_ioctl = drvhost_irq_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = no_llseek,
};

static struct miscdevice drvhost_irq_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = DRVHOST_IRQ_DEVICE_NAME,
	.fops = &drvhost_irq_fops,
	.mode = 0600,
};

static int drvhost_irq_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct drvhost_irq_pdev *pd;
	unsigned int types = PCI_IRQ_LEGACY | (use_msi ? PCI_IRQ_MSI : 0);
	int r;

	pd = devm_kzalloc(&pdev->dev, sizeof(*pd), GFP_KERNEL);
	if (!pd)
		return -ENOMEM;
	r = pcim_enable_device(pdev);
	if (r)
		return r;
	/* MSI is a memory write by the device. */
	pci_set_master(pdev);

	r = pci_alloc_irq_vectors(pdev, 1, 1, types);
	if (r < 0)
		return r;
	pd->pdev = pdev;
	pd->msi = pdev->msi_enabled;
	pd->irq = pci_irq_vector(pdev, 0);
	if (!pd->msi) {
		if (!pdev->irq || !pci_intx_mask_supported(pdev)) {
			pci_free_irq_vectors(pdev);
			dev_warn(&pdev->dev, "neither MSI nor a maskable INTx (PCI 2.3)\n");
			return -ENODEV;
		}
		/* Nobody listens until a driver binds: keep the line quiet. */
		pci_intx(pdev, 0);
	}
	pci_set_drvdata(pdev, pd);
	dev_info(&pdev->dev, "bound, interrupt %d (%s)\n", pd->irq, pd->msi ? "MSI" : "INTx");
	return 0;
}

static void drvhost_irq_remove(struct pci_dev *pdev)
{
	struct drvhost_irq_pdev *pd = pci_get_drvdata(pdev);

	mutex_lock(&drvhost_irq_lock);
	if (pd->binding)
		drvhost_irq_detach_pci(pd->binding);
	mutex_unlock(&drvhost_irq_lock);
	pci_free_irq_vectors(pdev);
	pci_clear_master(pdev);
	pci_set_drvdata(pdev, NULL);
}

/* No ID table: devices come to this driver only through driver_override. */
static struct pci_driver drvhost_irq_pci_driver = {
	.name = DRVHOST_IRQ_DEVICE_NAME,
	.probe = drvhost_irq_probe,
	.remove = drvhost_irq_remove,
};

static int __init drvhost_irq_init(void)
{
	int r;

	drvhost_irq_debugfs = debugfs_create_dir(DRVHOST_IRQ_DEVICE_NAME, NULL);
	r = misc_register(&drvhost_irq_misc);
	if (r)
		goto err_debugfs;
	r = pci_register_driver(&drvhost_irq_pci_driver);
	if (r)
		goto err_misc;
	return 0;

err_misc:
	misc_deregister(&drvhost_irq_misc);
err_debugfs:
	debugfs_remove_recursive(drvhost_irq_debugfs);
	return r;
}

static void __exit drvhost_irq_exit(void)
{
	/* Open files hold a reference on the module, so no binding is left here. */
	pci_unregister_driver(&drvhost_irq_pci_driver);
	misc_deregister(&drvhost_irq_misc);
	debugfs_remove_recursive(drvhost_irq_debugfs);
	ida_destroy(&drvhost_irq_ida);
}

module_init(drvhost_irq_init);
module_exit(drvhost_irq_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("drvhost developers");
MODULE_DESCRIPTION("drvhost interrupt helper: hard-IRQ acknowledge for user-mode PCI drivers");
MODULE_VERSION("0.1.0");
