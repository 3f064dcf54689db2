/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef DRVHOST_IRQ_H
#define DRVHOST_IRQ_H

/* Interrupts for user-mode PCI drivers, through the drvhost_irq kernel helper (part of
 * libdrvhost-driver).
 *
 * drvhostd binds a PCI device to the helper, binds a /dev/drvhost_irq file to the device's
 * interrupt and hands that file to the driver unit with the device's BAR (DRVHOST_IRQ_FD and
 * DRVHOST_DEVICE_FD). In the kernel, the hard-IRQ handler silences the source (INTx masked with the
 * PCI 2.3 interrupt-disable bit; MSI needs nothing), timestamps and counts it, and wakes the driver.
 * The driver serves the device, then re-enables with drvhost_irq_enable().
 *
 * The fd fits any event loop: wait for POLLIN (sd_event_add_io(..., EPOLLIN, ...), poll(2),
 * drvhost_driver_add_fd()), then call drvhost_irq_read(), which never blocks. POLLHUP means the
 * device is gone; drvhost_irq_read() then returns -ENODEV.
 *
 *     _cleanup_drvhost_irq_ DrvhostIrq *irq = NULL;
 *     r = drvhost_irq_new_from_env(&irq);
 *     ... sd_event_add_io(event, NULL, drvhost_irq_get_fd(irq), EPOLLIN, on_irq, irq) ...
 *     static int on_irq(...) {
 *             DrvhostIrqEvent ev;
 *             r = drvhost_irq_read(irq, &ev);     // 1: ev filled, 0: nothing new, -ENODEV: gone
 *             ... read the device's status, acknowledge it ...
 *             return drvhost_irq_enable(irq);
 *     }
 *
 * Functions return 0 (or a documented positive value) on success, a negative errno on failure. */

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct DrvhostIrq DrvhostIrq;

typedef struct DrvhostIrqEvent {
        uint64_t count;        /* interrupts since the binding was made */
        uint64_t timestamp_ns; /* CLOCK_MONOTONIC of the latest, taken in the hard-IRQ handler */
        uint32_t new_events;   /* since the previous drvhost_irq_read() that returned 1 */
} DrvhostIrqEvent;

typedef enum DrvhostIrqKind {
        DRVHOST_IRQ_PCI_MSI = 1,
        DRVHOST_IRQ_PCI_INTX = 2,
        DRVHOST_IRQ_SELFTEST = 3,
} DrvhostIrqKind;

/* The environment variable with the number of the bound helper file. */
#define DRVHOST_IRQ_ENV_FD "DRVHOST_IRQ_FD"

/* Takes the bound helper file drvhostd passed (DRVHOST_IRQ_FD) and marks it close-on-exec.
 * -ENXIO if the variable is not set, -EINVAL if malformed, -EBADF if the fd is not open,
 * -ENOTTY if it is not a drvhost_irq file, -ENOTCONN if it is bound to nothing. */
int drvhost_irq_new_from_env(DrvhostIrq **ret);
/* Takes ownership of fd, an already bound /dev/drvhost_irq file. Same errors. */
int drvhost_irq_new_from_fd(int fd, DrvhostIrq **ret);
/* Opens /dev/drvhost_irq (root only) bound to the self-test source: a hard-IRQ hrtimer that fires
 * delay_ns after the bind and after each drvhost_irq_enable(). For tests and benchmarks. */
int drvhost_irq_new_selftest(uint64_t delay_ns, DrvhostIrq **ret);

/* Closes the file (the kernel releases the interrupt when the last copy is closed) and frees.
 * Accepts NULL; returns NULL. */
DrvhostIrq *drvhost_irq_free(DrvhostIrq *irq);
static inline void drvhost_irq_freep(DrvhostIrq **irq)
{
        if (*irq)
                *irq = drvhost_irq_free(*irq);
}
#define _cleanup_drvhost_irq_ __attribute__((cleanup(drvhost_irq_freep)))

/* The fd to wait on for POLLIN. Owned by irq. */
int drvhost_irq_get_fd(DrvhostIrq *irq);
DrvhostIrqKind drvhost_irq_get_kind(DrvhostIrq *irq);

/* Without blocking: 1 and the event in *ret (may be NULL) if interrupts arrived since the last
 * call, 0 if none, -ENODEV if the device is gone. */
int drvhost_irq_read(DrvhostIrq *irq, DrvhostIrqEvent *ret);
/* Blocks up to timeout_usec (UINT64_MAX: forever) for an interrupt: 1 and *ret, 0 on timeout,
 * -ENODEV, -EINTR or another -errno. For simple drivers without an event loop. */
int drvhost_irq_wait(DrvhostIrq *irq, uint64_t timeout_usec, DrvhostIrqEvent *ret);
/* Unmasks the source after the driver served it (INTx: clears the interrupt-disable bit; the
 * self-test: arms the timer; MSI: nothing to do). -ENODEV if the device is gone. */
int drvhost_irq_enable(DrvhostIrq *irq);
/* Interrupts counted by the kernel since the bind. */
int drvhost_irq_get_count(DrvhostIrq *irq, uint64_t *ret);

#ifdef __cplusplus
}
#endif

#endif /* DRVHOST_IRQ_H */
