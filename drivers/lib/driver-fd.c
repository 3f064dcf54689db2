/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Extra fds for drvhost_driver_run(): a driver's sockets, ptys or timers, polled along with libusb's. */
#include <errno.h>
#include <stdlib.h>

#include "driver-internal.h"

static DriverFd *driver_fd_find(DrvhostDriver *d, int fd)
{
        for (size_t i = 0; i < d->n_fds; i++)
                if (d->fds[i].fd == fd)
                        return &d->fds[i];
        return NULL;
}

int drvhost_driver_add_fd(DrvhostDriver *d, int fd, short events, DrvhostDriverFdHandler handler,
                          void *userdata)
{
        DriverFd *fds;

        if (!d || fd < 0 || !handler)
                return -EINVAL;
        if (driver_fd_find(d, fd))
                return -EEXIST;
        if (d->n_fds >= DRVHOST_DRIVER_FDS_MAX)
                return -E2BIG;

        fds = reallocarray(d->fds, d->n_fds + 1, sizeof(*fds));
        if (!fds)
                return -ENOMEM;
        d->fds = fds;
        d->fds[d->n_fds++] = (DriverFd){
            .fd = fd,
            .events = events,
            .handler = handler,
            .userdata = userdata,
            .id = ++d->next_fd_id,
        };
        return 0;
}

int drvhost_driver_set_fd_events(DrvhostDriver *d, int fd, short events)
{
        DriverFd *f;

        if (!d || fd < 0)
                return -EINVAL;
        f = driver_fd_find(d, fd);
        if (!f)
                return -ENOENT;
        f->events = events;
        return 0;
}

int drvhost_driver_remove_fd(DrvhostDriver *d, int fd)
{
        DriverFd *f;

        if (!d || fd < 0)
                return -EINVAL;
        f = driver_fd_find(d, fd);
        if (!f)
                return -ENOENT;
        /* Order does not matter to poll(): the last entry fills the hole. */
        *f = d->fds[--d->n_fds];
        return 0;
}

const DriverFd *driver_fd_by_id(const DrvhostDriver *d, uint64_t id)
{
        for (size_t i = 0; i < d->n_fds; i++)
                if (d->fds[i].id == id)
                        return &d->fds[i];
        return NULL;
}
