/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "drvhost-irq.h"
#include "drvhost_irq.h"
#include "macro.h"

#define DRVHOST_IRQ_DEVICE_PATH "/dev/" DRVHOST_IRQ_DEVICE_NAME
enum { FD_DIGITS_MAX = 10, USEC_PER_MSEC_ = 1000 };

struct DrvhostIrq {
        int fd;
        DrvhostIrqKind kind;
};

int drvhost_irq_new_from_fd(int fd, DrvhostIrq **ret)
{
        struct drvhost_irq_info info = {};
        DrvhostIrq *irq;
        int flags;

        if (fd < 0 || !ret)
                return -EINVAL;
        flags = fcntl(fd, F_GETFD);
        if (flags < 0)
                return -EBADF;
        if (ioctl(fd, DRVHOST_IRQ_GET_INFO, &info) < 0)
                return errno == EINVAL ? -ENOTTY : -errno;
        if (info.kind == DRVHOST_IRQ_KIND_NONE)
                return -ENOTCONN;
        /* The launcher cleared close-on-exec to hand it over; we hand it to nobody else. */
        if (fcntl(fd, F_SETFD, flags | FD_CLOEXEC) < 0)
                return -errno;
        /* read() must never block an event loop. */
        flags = fcntl(fd, F_GETFL);
        if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
                return -errno;

        irq = calloc(1, sizeof(*irq));
        if (!irq)
                return -ENOMEM;
        irq->fd = fd;
        irq->kind = (DrvhostIrqKind)info.kind;
        *ret = irq;
        return 0;
}

int drvhost_irq_new_from_env(DrvhostIrq **ret)
{
        const char *s = getenv(DRVHOST_IRQ_ENV_FD);
        char *end;
        long v;

        if (!s)
                return -ENXIO;
        errno = 0;
        v = strtol(s, &end, 10);
        if (errno != 0 || end == s || *end || v < 3 || v > INT_MAX || strlen(s) > FD_DIGITS_MAX)
                return -EINVAL;
        return drvhost_irq_new_from_fd((int)v, ret);
}

int drvhost_irq_new_selftest(uint64_t delay_ns, DrvhostIrq **ret)
{
        struct drvhost_irq_bind_selftest req = {.delay_ns = delay_ns};
        _cleanup_close_ int fd = -EBADF;
        int r;

        if (!ret)
                return -EINVAL;
        fd = open(DRVHOST_IRQ_DEVICE_PATH, O_RDWR | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (ioctl(fd, DRVHOST_IRQ_BIND_SELFTEST, &req) < 0)
                return -errno;
        r = drvhost_irq_new_from_fd(fd, ret);
        if (r < 0)
                return r;
        TAKE_FD(fd);
        return 0;
}

DrvhostIrq *drvhost_irq_free(DrvhostIrq *irq)
{
        if (!irq)
                return NULL;
        safe_close(irq->fd);
        free(irq);
        return NULL;
}

int drvhost_irq_get_fd(DrvhostIrq *irq)
{
        return irq ? irq->fd : -EINVAL;
}

DrvhostIrqKind drvhost_irq_get_kind(DrvhostIrq *irq)
{
        return irq ? irq->kind : 0;
}

int drvhost_irq_read(DrvhostIrq *irq, DrvhostIrqEvent *ret)
{
        struct drvhost_irq_event ev;
        ssize_t n;

        if (!irq)
                return -EINVAL;
        n = read(irq->fd, &ev, sizeof(ev));
        if (n < 0)
                return errno == EAGAIN ? 0 : -errno;
        if (n != sizeof(ev))
                return -EIO;
        if (ret)
                *ret = (DrvhostIrqEvent){
                    .count = ev.count, .timestamp_ns = ev.timestamp_ns, .new_events = ev.new_events};
        return 1;
}

int drvhost_irq_wait(DrvhostIrq *irq, uint64_t timeout_usec, DrvhostIrqEvent *ret)
{
        struct pollfd p;
        int timeout_ms, r;

        if (!irq)
                return -EINVAL;
        timeout_ms = timeout_usec == UINT64_MAX ? -1
                     : timeout_usec / USEC_PER_MSEC_ > INT_MAX
                         ? INT_MAX
                         : (int)((timeout_usec + USEC_PER_MSEC_ - 1) / USEC_PER_MSEC_);
        for (;;) {
                r = drvhost_irq_read(irq, ret);
                if (r != 0)
                        return r;
                p = (struct pollfd){.fd = irq->fd, .events = POLLIN};
                r = poll(&p, 1, timeout_ms);
                if (r < 0)
                        return -errno;
                if (r == 0)
                        return 0;
        }
}

int drvhost_irq_enable(DrvhostIrq *irq)
{
        if (!irq)
                return -EINVAL;
        return ioctl(irq->fd, DRVHOST_IRQ_ENABLE) < 0 ? -errno : 0;
}

int drvhost_irq_get_count(DrvhostIrq *irq, uint64_t *ret)
{
        struct drvhost_irq_info info;

        if (!irq || !ret)
                return -EINVAL;
        if (ioctl(irq->fd, DRVHOST_IRQ_GET_INFO, &info) < 0)
                return -errno;
        *ret = info.count;
        return 0;
}
