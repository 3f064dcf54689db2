/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note OR LGPL-2.1-or-later */
/*
 * drvhost_irq: the user-space interface of the drvhost interrupt helper.
 *
 * Open /dev/drvhost_irq and bind the file to one interrupt source with one of the BIND ioctls:
 *  - a PCI device bound to the "drvhost_irq" PCI driver (driver_override): its MSI, or its INTx
 *    masked with the PCI 2.3 interrupt-disable bit;
 *  - the self-test source: a hard-IRQ hrtimer that fires delay_ns after each re-enable.
 * Each interrupt is acknowledged (INTx: masked, self-test: one-shot) in the hard-IRQ handler,
 * timestamped (CLOCK_MONOTONIC), counted, and wakes readers of the file and the eventfd set with
 * DRVHOST_IRQ_SET_EVENTFD. read() returns a struct drvhost_irq_event; it blocks until an
 * interrupt arrives that the last read did not report (poll() reports POLLIN). The driver then
 * serves the device and re-enables with DRVHOST_IRQ_ENABLE or by writing a __u32 1.
 * Once the device is unbound or removed, read() fails with ENODEV and poll() reports POLLHUP.
 */
#ifndef _UAPI_DRVHOST_IRQ_H
#define _UAPI_DRVHOST_IRQ_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define DRVHOST_IRQ_DEVICE_NAME "drvhost_irq" /* /dev/drvhost_irq, and the PCI driver's name */
#define DRVHOST_IRQ_PCI_NAME_MAX 32

/* The kind of source a file is bound to (struct drvhost_irq_info.kind). */
enum drvhost_irq_kind {
	DRVHOST_IRQ_KIND_NONE = 0,
	DRVHOST_IRQ_KIND_PCI_MSI = 1,
	DRVHOST_IRQ_KIND_PCI_INTX = 2,
	DRVHOST_IRQ_KIND_SELFTEST = 3,
};

struct drvhost_irq_bind_pci {
	char name[DRVHOST_IRQ_PCI_NAME_MAX]; /* "0000:00:04.0", NUL-terminated */
	__u32 flags;                          /* 0 */
	__u32 reserved;                       /* 0 */
};

struct drvhost_irq_bind_selftest {
	__u64 delay_ns; /* from bind or re-enable to the timer interrupt, 1 µs .. 1 s */
	__u32 flags;    /* 0 */
	__u32 reserved; /* 0 */
};

/* What read() returns (the buffer must hold at least this much). */
struct drvhost_irq_event {
	__u64 count;        /* interrupts since the bind */
	__u64 timestamp_ns; /* CLOCK_MONOTONIC of the latest, taken in the hard-IRQ handler */
	__u32 new_events;   /* interrupts since the previous read (at least 1) */
	__u32 reserved;
};

struct drvhost_irq_info {
	__u32 kind; /* enum drvhost_irq_kind */
	__u32 id;   /* the binding's directory in debugfs: drvhost_irq/<id>/stats */
	__u64 count;
	__u64 timestamp_ns;
	__u32 irq;  /* Linux IRQ number, 0 for the self-test */
	__u32 reserved;
};

#define DRVHOST_IRQ_IOC_MAGIC 0xd5
#define DRVHOST_IRQ_BIND_PCI _IOW(DRVHOST_IRQ_IOC_MAGIC, 1, struct drvhost_irq_bind_pci)
#define DRVHOST_IRQ_BIND_SELFTEST _IOW(DRVHOST_IRQ_IOC_MAGIC, 2, struct drvhost_irq_bind_selftest)
/* Argument: an eventfd (__s32), or -1 to stop signalling one. */
#define DRVHOST_IRQ_SET_EVENTFD _IOW(DRVHOST_IRQ_IOC_MAGIC, 3, __s32)
#define DRVHOST_IRQ_ENABLE _IO(DRVHOST_IRQ_IOC_MAGIC, 4)
#define DRVHOST_IRQ_GET_INFO _IOR(DRVHOST_IRQ_IOC_MAGIC, 5, struct drvhost_irq_info)

#endif /* _UAPI_DRVHOST_IRQ_H */
