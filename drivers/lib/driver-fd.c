/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Extra fds for drvhost_driver_run(): a driver's sockets, ptys or timers, as io sources of the loop
 * next to libusb's. A registration gets its source when the loop runs (or at once while it runs), so
 * numbers need not be open before. */
#include <errno.h>
#include <stdlib.h>

#include "driver-internal.h"

static DriverFd *driver_fd_find(DrvhostDriver *d, int fd, size_t *ret_index)
{
        for (size_t i = 0; i < d->n_fds; i++)
                if (d->fds[i]->fd == fd) {
                        if (ret_index)
                                *ret_index = i;
                        return d->fds[i];
                }
        return NULL;
}

static int on_fd(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        DriverFd *f = userdata;
        DrvhostDriver *d = f->driver;
        int r;

        /* Not once a stop was requested, nor after a failure: the loop is on its way out. */
        if (d->stop_requested || d->loop_error < 0)
                return 0;
        /* epoll's EPOLLIN, EPOLLOUT, EPOLLERR, EPOLLHUP ... are poll(2)'s values. */
        r = f->handler(d, f->fd, (short)revents, f->userdata);
        if (r < 0)
                driver_fail(d, r);
        return 0;
}

static int driver_fd_attach(DrvhostDriver *d, DriverFd *f)
{
        int r;

        if (f->source)
                return 0;
        r = sd_event_add_io(d->event, &f->source, f->fd, (uint32_t)f->events, on_fd, f);
        if (r < 0)
                return r;
        (void)sd_event_source_set_priority(f->source, DRIVER_PRIORITY_FD + (int64_t)f->id);
        /* A paused fd is left out altogether: not even EPOLLHUP, which would otherwise wake every
         * iteration for a peer the driver does not want to hear from yet. */
        return sd_event_source_set_enabled(f->source, f->events ? SD_EVENT_ON : SD_EVENT_OFF);
}

int driver_fds_attach(DrvhostDriver *d)
{
        for (size_t i = 0; i < d->n_fds; i++) {
                int r = driver_fd_attach(d, d->fds[i]);

                if (r < 0)
                        return r;
        }
        return 0;
}

static DriverFd *driver_fd_free(DriverFd *f)
{
        (void)sd_event_source_disable_unref(f->source);
        free(f);
        return NULL;
}

void driver_fds_free(DrvhostDriver *d)
{
        for (size_t i = 0; i < d->n_fds; i++)
                driver_fd_free(d->fds[i]);
        free(d->fds);
        d->fds = NULL;
        d->n_fds = 0;
}

int drvhost_driver_add_fd(DrvhostDriver *d, int fd, short events, DrvhostDriverFdHandler handler,
                          void *userdata)
{
        DriverFd **fds, *f;
        int r;

        if (!d || fd < 0 || !handler)
                return -EINVAL;
        if (driver_fd_find(d, fd, NULL))
                return -EEXIST;
        if (d->n_fds >= DRVHOST_DRIVER_FDS_MAX)
                return -E2BIG;

        fds = reallocarray(d->fds, d->n_fds + 1, sizeof(*fds));
        if (!fds)
                return -ENOMEM;
        d->fds = fds;
        f = calloc(1, sizeof(*f));
        if (!f)
                return -ENOMEM;
        *f = (DriverFd){
            .driver = d,
            .fd = fd,
            .events = events,
            .handler = handler,
            .userdata = userdata,
            .id = ++d->next_fd_id,
        };
        if (d->running) {
                r = driver_fd_attach(d, f);
                if (r < 0) {
                        driver_fd_free(f);
                        return r;
                }
        }
        d->fds[d->n_fds++] = f;
        return 0;
}

int drvhost_driver_set_fd_events(DrvhostDriver *d, int fd, short events)
{
        DriverFd *f;
        int r;

        if (!d || fd < 0)
                return -EINVAL;
        f = driver_fd_find(d, fd, NULL);
        if (!f)
                return -ENOENT;
        f->events = events;
        if (!f->source)
                return 0;
        if (events) {
                r = sd_event_source_set_io_events(f->source, (uint32_t)events);
                if (r < 0)
                        return r;
        }
        return sd_event_source_set_enabled(f->source, events ? SD_EVENT_ON : SD_EVENT_OFF);
}

int drvhost_driver_remove_fd(DrvhostDriver *d, int fd)
{
        size_t i;
        DriverFd *f;

        if (!d || fd < 0)
                return -EINVAL;
        f = driver_fd_find(d, fd, &i);
        if (!f)
                return -ENOENT;
        /* sd-event copes with a source freed from its own callback, and an event already read for it
         * is not delivered any more: a new registration of the same number starts clean. */
        driver_fd_free(f);
        d->fds[i] = d->fds[--d->n_fds];
        return 0;
}

const DriverFd *driver_fd_by_id(const DrvhostDriver *d, uint64_t id)
{
        for (size_t i = 0; i < d->n_fds; i++)
                if (d->fds[i]->id == id)
                        return d->fds[i];
        return NULL;
}
