/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The node of a drvhost_tty(4) port, for whoever holds its file: drvhostd, which made it, and the
 * driver that serves it. */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <sys/ioctl.h>

#include <drvhost_tty.h>

#define DRVHOST_TTY_CONTROL "/dev/" DRVHOST_TTY_DEVICE_NAME

/* "/dev/ttyUSB512" of the port whose file is fd. Returns 0 or -errno. */
static inline int drvhost_tty_node(int fd, char *buf, size_t n)
{
        char name[DRVHOST_TTY_NAME_MAX];
        uint32_t index;
        int r;

        if (ioctl(fd, DRVHOST_TTY_GET_NAME, name) >= 0) {
                name[sizeof(name) - 1] = 0;
                r = snprintf(buf, n, "/dev/%s", name);
        } else if (errno != ENOTTY || ioctl(fd, DRVHOST_TTY_GET_INDEX, &index) < 0)
                return -errno;
        else
                /* A module loaded before there were ttyUSB ports (the package was upgraded since):
                 * its ports are all ttyACM ones. */
                r = snprintf(buf, n, "/dev/" DRVHOST_TTY_NAME "%" PRIu32, index);
        return r < 0 || (size_t)r >= n ? -ENAMETOOLONG : 0;
}
