/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <sys/ioctl.h>

#include "drvhost-tty-util.h"
#include "kernel-tty.h"

int kernel_tty_path(int fd, char *buf, size_t n)
{
        return drvhost_tty_node(fd, buf, n);
}

int kernel_tty_set_msr(int fd, uint32_t msr)
{
        if (ioctl(fd, DRVHOST_TTY_SET_MSR, &msr) < 0)
                return -errno;
        return 0;
}

int kernel_tty_hangup(int fd)
{
        if (ioctl(fd, DRVHOST_TTY_HANGUP) < 0)
                return -errno;
        return 0;
}

int kernel_tty_next_event(int fd, struct drvhost_tty_event *ret)
{
        if (ioctl(fd, DRVHOST_TTY_NEXT_EVENT, ret) < 0)
                return -errno;
        return 0;
}

int kernel_tty_sync(int fd, struct drvhost_tty_event *ret)
{
        if (ioctl(fd, DRVHOST_TTY_SYNC, ret) < 0)
                return -errno;
        return 0;
}

int kernel_tty_ack(int fd, uint32_t seq, uint32_t speed)
{
        struct drvhost_tty_ack a = {.seq = seq, .speed = speed};

        if (ioctl(fd, DRVHOST_TTY_ACK, &a) < 0)
                return -errno;
        return 0;
}
