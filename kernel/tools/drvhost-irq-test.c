/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* drvhost-irq-test: exercises the drvhost_irq module from the lab (as root, outside any sandbox) and
 * measures interrupt → user-space latency for the benchmark.
 *
 *   drvhost-irq-test selftest COUNT DELAY_US        hrtimer self-test source
 *   drvhost-irq-test selftest-eventfd COUNT DELAY_US  the same, woken through an eventfd
 *   drvhost-irq-test wait PCI_ADDR                   bind and block in read() until killed or unbound
 *   drvhost-irq-test edu PCI_ADDR COUNT              raise COUNT edu interrupts through the helper
 *   drvhost-irq-test uio /dev/uioN PCI_ADDR COUNT    the same through uio_pci_generic
 *
 * Latency lines: "latency NAME: n=N p50=X p99=Y max=Z" in µs (NAME: selftest-irq, helper-msi-raise,
 * helper-msi-irq, helper-intx-*, uio-raise). For the helper, "irq" is measured
 * from the hard-IRQ timestamp to the return of read(), "raise" from the MMIO write that asks the
 * device for the interrupt to the return of read() (the only figure UIO allows). */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "drvhost_irq.h"

/* QEMU's edu device (hw/misc/edu.c), BAR0. */
enum {
        EDU_REG_IDENT = 0x00,
        EDU_REG_IRQ_STATUS = 0x24,
        EDU_REG_IRQ_RAISE = 0x60,
        EDU_REG_IRQ_ACK = 0x64,
        EDU_BAR_SIZE = 4096,
        EDU_TEST_IRQ = 0x1000,
};

static uint64_t now_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
        uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

        return x < y ? -1 : x > y;
}

/* With DRVHOST_IRQ_SAMPLES=DIR, every sample also goes to DIR/NAME (ns, one per line, appended), so
 * that a benchmark can merge interleaved runs. */
static void save_samples(const char *name, const uint64_t *v, size_t n)
{
        const char *dir = getenv("DRVHOST_IRQ_SAMPLES");
        char path[256];
        FILE *f;

        if (!dir)
                return;
        snprintf(path, sizeof(path), "%s/%s", dir, name);
        f = fopen(path, "ae");
        if (!f)
                return;
        for (size_t i = 0; i < n; i++)
                fprintf(f, "%llu\n", (unsigned long long)v[i]);
        fclose(f);
}

static void report(const char *name, uint64_t *v, size_t n)
{
        save_samples(name, v, n);
        if (n == 0) {
                printf("latency %s: n=0\n", name);
                return;
        }
        qsort(v, n, sizeof(*v), cmp_u64);
        printf("latency %s: n=%zu p50=%.1f p99=%.1f max=%.1f\n", name, n, v[n / 2] / 1000.0,
               v[(n * 99) / 100] / 1000.0, v[n - 1] / 1000.0);
}

static int open_helper(void)
{
        int fd = open("/dev/" DRVHOST_IRQ_DEVICE_NAME, O_RDWR | O_CLOEXEC);

        if (fd < 0)
                perror("open /dev/" DRVHOST_IRQ_DEVICE_NAME);
        return fd;
}

static int bind_pci(int fd, const char *addr)
{
        struct drvhost_irq_bind_pci req = {};

        snprintf(req.name, sizeof(req.name), "%s", addr);
        if (ioctl(fd, DRVHOST_IRQ_BIND_PCI, &req) < 0) {
                perror("DRVHOST_IRQ_BIND_PCI");
                return -1;
        }
        return 0;
}

static volatile uint32_t *map_bar0(const char *addr)
{
        char path[128];
        void *p;
        int fd;

        snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource0", addr);
        fd = open(path, O_RDWR | O_SYNC | O_CLOEXEC);
        if (fd < 0) {
                perror(path);
                return NULL;
        }
        p = mmap(NULL, EDU_BAR_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        close(fd);
        if (p == MAP_FAILED) {
                perror("mmap resource0");
                return NULL;
        }
        return p;
}

static void reg_write(volatile uint32_t *bar, unsigned off, uint32_t v)
{
        bar[off / 4] = v;
}

static uint32_t reg_read(volatile uint32_t *bar, unsigned off)
{
        return bar[off / 4];
}

/* With DRVHOST_IRQ_AFFINITY=CPU, the interrupt bound goes to that CPU (it exists only once bound). */
static void pin_irq(unsigned irq)
{
        const char *cpu = getenv("DRVHOST_IRQ_AFFINITY");
        char path[64];
        FILE *f;

        if (!cpu)
                return;
        snprintf(path, sizeof(path), "/proc/irq/%u/smp_affinity_list", irq);
        f = fopen(path, "we");
        if (!f || fprintf(f, "%s\n", cpu) < 0)
                perror(path);
        if (f)
                fclose(f);
}

/* Waits for the eventfd instead of blocking in read(); the read() after it returns at once. */
static int cmd_selftest_eventfd(unsigned long count, unsigned long delay_us)
{
        struct drvhost_irq_bind_selftest req = {.delay_ns = delay_us * 1000};
        struct drvhost_irq_event ev = {};
        uint64_t *lat = calloc(count, sizeof(*lat)), signals = 0, v;
        int fd = open_helper(), efd = eventfd(0, EFD_CLOEXEC);

        if (fd < 0 || efd < 0 || !lat)
                return 1;
        if (ioctl(fd, DRVHOST_IRQ_SET_EVENTFD, &efd) < 0)
                return perror("DRVHOST_IRQ_SET_EVENTFD"), 1;
        if (ioctl(fd, DRVHOST_IRQ_BIND_SELFTEST, &req) < 0)
                return perror("DRVHOST_IRQ_BIND_SELFTEST"), 1;
        for (unsigned long i = 0; i < count; i++) {
                if (read(efd, &v, sizeof(v)) != sizeof(v))
                        return perror("read eventfd"), 1;
                lat[i] = now_ns();
                signals += v;
                if (read(fd, &ev, sizeof(ev)) != sizeof(ev))
                        return perror("read"), 1;
                lat[i] -= ev.timestamp_ns;
                if (ioctl(fd, DRVHOST_IRQ_ENABLE) < 0)
                        return perror("DRVHOST_IRQ_ENABLE"), 1;
        }
        printf("interrupts: %llu eventfd: %llu\n", (unsigned long long)ev.count,
               (unsigned long long)signals);
        report("selftest-eventfd-irq", lat, count);
        return 0;
}

static int cmd_selftest(unsigned long count, unsigned long delay_us)
{
        struct drvhost_irq_bind_selftest req = {.delay_ns = delay_us * 1000};
        struct drvhost_irq_event ev;
        uint64_t *lat = calloc(count, sizeof(*lat));
        size_t n = 0;
        int fd = open_helper();

        if (fd < 0 || !lat)
                return 1;
        if (ioctl(fd, DRVHOST_IRQ_BIND_SELFTEST, &req) < 0)
                return perror("DRVHOST_IRQ_BIND_SELFTEST"), 1;
        for (unsigned long i = 0; i < count; i++) {
                if (read(fd, &ev, sizeof(ev)) != sizeof(ev))
                        return perror("read"), 1;
                lat[n++] = now_ns() - ev.timestamp_ns;
                if (ioctl(fd, DRVHOST_IRQ_ENABLE) < 0)
                        return perror("DRVHOST_IRQ_ENABLE"), 1;
        }
        printf("interrupts: %llu\n", (unsigned long long)ev.count);
        report("selftest-irq", lat, n);
        return 0;
}

static int cmd_wait(const char *addr)
{
        struct drvhost_irq_event ev;
        int fd = open_helper();

        if (fd < 0 || bind_pci(fd, addr) < 0)
                return 1;
        printf("waiting\n");
        fflush(stdout);
        for (;;) {
                if (read(fd, &ev, sizeof(ev)) < 0) {
                        printf("read: %s\n", strerror(errno));
                        return errno == ENODEV ? 0 : 1;
                }
                printf("interrupts: %llu\n", (unsigned long long)ev.count);
                fflush(stdout);
        }
}

static int cmd_edu(const char *addr, unsigned long count)
{
        struct drvhost_irq_event ev = {};
        struct drvhost_irq_info info;
        uint64_t *lat_irq = calloc(count, sizeof(uint64_t)), *lat_raise = calloc(count, sizeof(uint64_t));
        uint64_t seen = 0;
        volatile uint32_t *bar;
        int fd = open_helper();

        if (fd < 0 || !lat_irq || !lat_raise || bind_pci(fd, addr) < 0)
                return 1;
        bar = map_bar0(addr);
        if (!bar)
                return 1;
        if (ioctl(fd, DRVHOST_IRQ_GET_INFO, &info) < 0)
                return perror("DRVHOST_IRQ_GET_INFO"), 1;
        printf("mode: %s irq: %u\n", info.kind == DRVHOST_IRQ_KIND_PCI_MSI ? "msi" : "intx", info.irq);
        pin_irq(info.irq);
        for (unsigned long i = 0; i < count; i++) {
                uint64_t t0 = now_ns(), t1;

                reg_write(bar, EDU_REG_IRQ_RAISE, EDU_TEST_IRQ);
                if (read(fd, &ev, sizeof(ev)) != sizeof(ev))
                        return perror("read"), 1;
                t1 = now_ns();
                lat_raise[i] = t1 - t0;
                lat_irq[i] = t1 - ev.timestamp_ns;
                seen += ev.new_events;
                reg_write(bar, EDU_REG_IRQ_ACK, reg_read(bar, EDU_REG_IRQ_STATUS));
                if (ioctl(fd, DRVHOST_IRQ_ENABLE) < 0)
                        return perror("DRVHOST_IRQ_ENABLE"), 1;
        }
        printf("interrupts: %llu seen: %llu\n", (unsigned long long)ev.count, (unsigned long long)seen);
        report(info.kind == DRVHOST_IRQ_KIND_PCI_MSI ? "helper-msi-raise" : "helper-intx-raise", lat_raise,
               count);
        report(info.kind == DRVHOST_IRQ_KIND_PCI_MSI ? "helper-msi-irq" : "helper-intx-irq", lat_irq, count);
        return 0;
}

/* uio_pci_generic masks INTx with the PCI 2.3 bit and has no irqcontrol: the process unmasks
 * through the config space, as Documentation/driver-api/uio-howto.rst shows. */
enum { PCI_COMMAND_HIGH_BYTE = 5, PCI_COMMAND_INTX_DISABLE_HIGH = 0x04 };

static int uio_unmask(int config_fd)
{
        uint8_t v;

        if (pread(config_fd, &v, 1, PCI_COMMAND_HIGH_BYTE) != 1)
                return -1;
        v &= (uint8_t)~PCI_COMMAND_INTX_DISABLE_HIGH;
        return pwrite(config_fd, &v, 1, PCI_COMMAND_HIGH_BYTE) == 1 ? 0 : -1;
}

static int cmd_uio(const char *uio, const char *addr, unsigned long count)
{
        uint64_t *lat = calloc(count, sizeof(uint64_t));
        uint32_t n = 0;
        volatile uint32_t *bar;
        char path[128];
        int fd, config_fd;

        fd = open(uio, O_RDWR | O_CLOEXEC);
        if (fd < 0 || !lat)
                return perror(uio), 1;
        snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", addr);
        config_fd = open(path, O_RDWR | O_CLOEXEC);
        if (config_fd < 0)
                return perror(path), 1;
        bar = map_bar0(addr);
        if (!bar)
                return 1;
        for (unsigned long i = 0; i < count; i++) {
                uint64_t t0;

                if (uio_unmask(config_fd) < 0)
                        return perror("unmask through config space"), 1;
                t0 = now_ns();
                reg_write(bar, EDU_REG_IRQ_RAISE, EDU_TEST_IRQ);
                if (read(fd, &n, sizeof(n)) != sizeof(n))
                        return perror("uio read"), 1;
                lat[i] = now_ns() - t0;
                reg_write(bar, EDU_REG_IRQ_ACK, reg_read(bar, EDU_REG_IRQ_STATUS));
        }
        printf("interrupts: %u\n", n);
        report("uio-raise", lat, count);
        return 0;
}

int main(int argc, char *argv[])
{
        setvbuf(stdout, NULL, _IOLBF, 0);
        if (argc == 4 && !strcmp(argv[1], "selftest"))
                return cmd_selftest(strtoul(argv[2], NULL, 10), strtoul(argv[3], NULL, 10));
        if (argc == 4 && !strcmp(argv[1], "selftest-eventfd"))
                return cmd_selftest_eventfd(strtoul(argv[2], NULL, 10), strtoul(argv[3], NULL, 10));
        if (argc == 3 && !strcmp(argv[1], "wait"))
                return cmd_wait(argv[2]);
        if (argc == 4 && !strcmp(argv[1], "edu"))
                return cmd_edu(argv[2], strtoul(argv[3], NULL, 10));
        if (argc == 5 && !strcmp(argv[1], "uio"))
                return cmd_uio(argv[2], argv[3], strtoul(argv[4], NULL, 10));
        fprintf(stderr,
                "usage: %s selftest[-eventfd] COUNT DELAY_US | wait PCI_ADDR | edu PCI_ADDR COUNT |\n"
                "       uio /dev/uioN PCI_ADDR COUNT\n",
                argv[0]);
        return 2;
}
