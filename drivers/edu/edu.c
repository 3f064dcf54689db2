/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* drvhost-edu: a user-mode driver for QEMU's edu teaching PCI device (1234:11e8), the example of a
 * PCI driver on drvhost: its BAR 0 comes mapped from the fd drvhostd passes (DRVHOST_DEVICE_FD),
 * its interrupts through the drvhost_irq kernel helper (DRVHOST_IRQ_FD), both set up by
 * libdrvhost-driver, whose sd-event loop it runs in (drvhost_driver_main()).
 *
 * At start it checks the device's identification and liveness registers, computes a factorial on
 * the device (completion signalled by an interrupt), then raises --interrupts=N interrupts one after
 * the other and counts what arrives; READY=1 follows with the figures in STATUS=. It then serves
 * until stopped: SIGTERM ends it with 0, the device's removal with 75 (unplugged), both seen by the
 * library. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <syslog.h>
#include <unistd.h>
#include <systemd/sd-event.h>

#include "drvhost-driver.h"
#include "drvhost-irq.h"

/* The device's registers (QEMU hw/misc/edu.c; all 32-bit accesses). */
enum {
        EDU_REG_IDENT = 0x00,      /* 0xRRrr00ed: major, minor, 0xed */
        EDU_REG_LIVENESS = 0x04,   /* reads back the bitwise inverse of what was written */
        EDU_REG_FACTORIAL = 0x08,  /* write n, read n! once computed */
        EDU_REG_STATUS = 0x20,     /* bit 0: computing; bit 7: raise an interrupt when done */
        EDU_REG_IRQ_STATUS = 0x24, /* why the device interrupted (bits) */
        EDU_REG_IRQ_RAISE = 0x60,  /* write bits: sets them in IRQ_STATUS and interrupts */
        EDU_REG_IRQ_ACK = 0x64,    /* write bits: clears them, lowers INTx when none is left */
        EDU_BAR0_MAP_SIZE = 4096,
};
#define EDU_IDENT_MAGIC 0xEDu
#define EDU_IDENT_MASK 0xffu
#define EDU_STATUS_IRQ_ON_DONE 0x80u
#define EDU_IRQ_FACTORIAL 0x00000001u /* the device's own "factorial done" bit */
#define EDU_IRQ_TEST 0x00000100u      /* what we raise */
#define EDU_LIVENESS_PATTERN 0x5a5aa5a5u
#define EDU_FACTORIAL_INPUT 10u
#define EDU_FACTORIAL_EXPECTED 3628800u
#define EDU_DEFAULT_INTERRUPTS 100u
#define EDU_STEP_TIMEOUT_USEC (UINT64_C(20) * 1000000) /* an emulated machine may be slow */

typedef enum Phase { PHASE_FACTORIAL, PHASE_RAISE, PHASE_SERVING } Phase;

typedef struct Edu {
        DrvhostDriver *driver;
        sd_event_source *timeout, *irq_source;
        DrvhostIrq *irq; /* owned by the driver */
        volatile uint32_t *bar;
        Phase phase;
        unsigned interrupts_wanted, raised, seen;
        uint32_t factorial;
} Edu;

#define edu_log(e, priority, ...) (void)drvhost_driver_log((e)->driver, priority, __VA_ARGS__)

static uint32_t reg_read(const Edu *e, unsigned off)
{
        return e->bar[off / sizeof(uint32_t)];
}

static void reg_write(const Edu *e, unsigned off, uint32_t v)
{
        e->bar[off / sizeof(uint32_t)] = v;
}

static int edu_stop(Edu *e, int status)
{
        return drvhost_driver_stop(e->driver, status);
}

static int on_timeout(sd_event_source *s, uint64_t usec, void *userdata)
{
        Edu *e = userdata;

        edu_log(e, LOG_ERR, "No interrupt from the device for %" PRIu64 " s (phase %d, %u of %u seen).",
                EDU_STEP_TIMEOUT_USEC / 1000000, e->phase, e->seen, e->interrupts_wanted);
        return edu_stop(e, EXIT_FAILURE);
}

static int arm_timeout(Edu *e)
{
        int r = sd_event_source_set_time_relative(e->timeout, EDU_STEP_TIMEOUT_USEC);

        return r < 0 ? r : sd_event_source_set_enabled(e->timeout, SD_EVENT_ONESHOT);
}

static int raise_next(Edu *e)
{
        if (e->raised == e->interrupts_wanted) {
                uint64_t kernel_count = 0;

                (void)drvhost_irq_get_count(e->irq, &kernel_count);
                e->phase = PHASE_SERVING;
                (void)sd_event_source_set_enabled(e->timeout, SD_EVENT_OFF);
                edu_log(e, LOG_INFO,
                        "Raised %u interrupts, saw %u; the helper counted %" PRIu64
                        " in all (%s), factorial(%u)=%" PRIu32 ".",
                        e->raised, e->seen, kernel_count,
                        drvhost_irq_get_kind(e->irq) == DRVHOST_IRQ_PCI_MSI ? "MSI" : "INTx",
                        EDU_FACTORIAL_INPUT, e->factorial);
                (void)drvhost_driver_notify_status(
                    e->driver, "edu: factorial(%u)=%" PRIu32 ", %u/%u interrupts, %s", EDU_FACTORIAL_INPUT,
                    e->factorial, e->seen, e->raised,
                    drvhost_irq_get_kind(e->irq) == DRVHOST_IRQ_PCI_MSI ? "MSI" : "INTx");
                (void)drvhost_driver_notify_ready(e->driver, NULL);
                return 0;
        }
        e->raised++;
        reg_write(e, EDU_REG_IRQ_RAISE, EDU_IRQ_TEST);
        return arm_timeout(e);
}

static int on_irq(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        Edu *e = userdata;
        DrvhostIrqEvent ev;
        uint32_t status;
        int r;

        r = drvhost_irq_read(e->irq, &ev);
        if (r == -ENODEV) {
                edu_log(e, LOG_INFO, "The device is gone.");
                return edu_stop(e, DRVHOST_EXIT_UNPLUGGED);
        }
        if (r < 0) {
                edu_log(e, LOG_ERR, "Failed to read the interrupt: %s", strerror(-r));
                return edu_stop(e, EXIT_FAILURE);
        }
        if (r == 0)
                return 0; /* woken for nothing */

        /* Acknowledge on the device, then let the next interrupt through. */
        status = reg_read(e, EDU_REG_IRQ_STATUS);
        reg_write(e, EDU_REG_IRQ_ACK, status);
        r = drvhost_irq_enable(e->irq);
        if (r < 0) {
                edu_log(e, LOG_ERR, "Failed to re-enable the interrupt: %s", strerror(-r));
                return edu_stop(e, r == -ENODEV ? DRVHOST_EXIT_UNPLUGGED : EXIT_FAILURE);
        }

        switch (e->phase) {
        case PHASE_FACTORIAL:
                if (!(status & EDU_IRQ_FACTORIAL))
                        return 0;
                e->factorial = reg_read(e, EDU_REG_FACTORIAL);
                if (e->factorial != EDU_FACTORIAL_EXPECTED) {
                        edu_log(e, LOG_ERR, "The device computed factorial(%u) as %" PRIu32 ", not %u.",
                                EDU_FACTORIAL_INPUT, e->factorial, EDU_FACTORIAL_EXPECTED);
                        return edu_stop(e, EXIT_FAILURE);
                }
                e->phase = PHASE_RAISE;
                return raise_next(e);
        case PHASE_RAISE:
                if (status & EDU_IRQ_TEST)
                        e->seen += ev.new_events;
                return raise_next(e);
        default:
                edu_log(e, LOG_DEBUG, "Interrupt while serving, status 0x%" PRIx32 ".", status);
                return 0;
        }
}

static int edu_setup(Edu *e)
{
        uint32_t ident;

        ident = reg_read(e, EDU_REG_IDENT);
        if ((ident & EDU_IDENT_MASK) != EDU_IDENT_MAGIC) {
                edu_log(e, LOG_ERR, "Not an edu device: identification 0x%08" PRIx32 ".", ident);
                return -ENXIO; /* not -ENODEV: that would read as an unplug */
        }
        reg_write(e, EDU_REG_LIVENESS, EDU_LIVENESS_PATTERN);
        if (reg_read(e, EDU_REG_LIVENESS) != (uint32_t)~EDU_LIVENESS_PATTERN) {
                edu_log(e, LOG_ERR, "The device failed the liveness check.");
                return -EIO;
        }
        edu_log(e, LOG_INFO,
                "edu device version %" PRIu32 ".%" PRIu32 " at %s; interrupts through drvhost_irq (%s).",
                ident >> 24, (ident >> 16) & 0xffu, drvhost_driver_get_device_path(e->driver),
                drvhost_irq_get_kind(e->irq) == DRVHOST_IRQ_PCI_MSI ? "MSI" : "INTx");

        /* Stale interrupt bits from an earlier driver. */
        reg_write(e, EDU_REG_IRQ_ACK, reg_read(e, EDU_REG_IRQ_STATUS));
        (void)drvhost_irq_enable(e->irq);

        e->phase = PHASE_FACTORIAL;
        reg_write(e, EDU_REG_STATUS, EDU_STATUS_IRQ_ON_DONE);
        reg_write(e, EDU_REG_FACTORIAL, EDU_FACTORIAL_INPUT);
        return arm_timeout(e);
}

static int parse_argv(int argc, char *argv[], unsigned *ret_interrupts)
{
        static const struct option options[] = {
            {"interrupts", required_argument, NULL, 'n'},
            {"help", no_argument, NULL, 'h'},
            {},
        };
        char *end;
        int o;

        while ((o = getopt_long(argc, argv, "n:h", options, NULL)) >= 0)
                switch (o) {
                case 'n':
                        errno = 0;
                        *ret_interrupts = (unsigned)strtoul(optarg, &end, 10);
                        if (errno || *end || end == optarg) {
                                fprintf(stderr, "drvhost-edu: bad --interrupts '%s'.\n", optarg);
                                return -EINVAL;
                        }
                        break;
                case 'h':
                        printf("Usage: drvhost-edu [--interrupts=N]\n\nThe user-mode driver for QEMU's edu "
                               "PCI device; started by drvhostd in drvhost-driver@.service.\n");
                        return 0;
                default:
                        return -EINVAL;
                }
        return 1;
}

/* Maps BAR 0, hooks the interrupt into the loop and starts the self-test; READY=1 comes once the
 * interrupts are through (raise_next()), hence 1. */
static int on_start(DrvhostDriver *d, void *userdata)
{
        Edu *e = userdata;
        sd_event *event = drvhost_driver_get_event(d);
        void *bar;
        int r;

        e->driver = d;
        e->irq = drvhost_driver_get_irq(d);
        if (!e->irq) {
                edu_log(e, LOG_ERR, "No interrupt file from drvhostd: not a PCI binding.");
                return -ENXIO;
        }
        bar = mmap(NULL, EDU_BAR0_MAP_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
                   drvhost_driver_get_device_fd(d), 0);
        if (bar == MAP_FAILED) {
                r = -errno;
                edu_log(e, LOG_ERR, "Failed to map BAR 0: %m");
                return access(drvhost_driver_get_device_path(d), F_OK) < 0 ? -ENODEV : r;
        }
        e->bar = bar;

        r = sd_event_add_io(event, &e->irq_source, drvhost_irq_get_fd(e->irq), EPOLLIN, on_irq, e);
        if (r >= 0)
                r = sd_event_add_time_relative(event, &e->timeout, CLOCK_MONOTONIC, EDU_STEP_TIMEOUT_USEC, 0,
                                               on_timeout, e);
        if (r < 0)
                return r;
        r = edu_setup(e);
        return r < 0 ? r : 1;
}

static void on_stop(DrvhostDriver *d, void *userdata)
{
        Edu *e = userdata;

        e->irq_source = sd_event_source_disable_unref(e->irq_source);
        e->timeout = sd_event_source_disable_unref(e->timeout);
        if (e->bar)
                (void)munmap((void *)e->bar, EDU_BAR0_MAP_SIZE);
        e->bar = NULL;
}

int main(int argc, char *argv[])
{
        static const DrvhostDriverOps ops = {.start = on_start, .stop = on_stop};
        Edu e = {.interrupts_wanted = EDU_DEFAULT_INTERRUPTS};
        int r;

        r = parse_argv(argc, argv, &e.interrupts_wanted);
        if (r <= 0)
                return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
        return drvhost_driver_main(&ops, &e);
}
