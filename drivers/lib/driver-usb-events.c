/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libusb in the sd-event loop: each of libusb's pollfds is an io source, and libusb tells us when it
 * adds or removes one (libusb_set_pollfd_notifiers()). When one is ready, libusb handles its events
 * without waiting (the loop did the waiting); transfer callbacks run from there. On Linux libusb
 * keeps transfer timeouts on a timerfd among its pollfds; elsewhere libusb_get_next_timeout() names
 * the next one, and a timer source wakes for it. */
#include <errno.h>
#include <stdlib.h>
#include <sys/time.h>
#include <unistd.h>

#include "driver-internal.h"
#include "macro.h"

enum { USEC_PER_SEC = 1000000 };

static void usb_handle_events(DrvhostDriver *d)
{
        int r;

        if (d->fault_slow_usec > 0) /* the injected fault "slow" (driver-faults.c) */
                (void)usleep((useconds_t)d->fault_slow_usec);
        r = libusb_handle_events_timeout_completed(d->context, &(struct timeval){}, NULL);
        if (drvhost_driver_is_unplugged_error(r))
                (void)drvhost_driver_stop(d, DRVHOST_EXIT_UNPLUGGED);
        else if (r < 0 && r != LIBUSB_ERROR_INTERRUPTED)
                driver_fail(d, driver_errno_from_libusb(r));
}

static int on_usb_fd(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        usb_handle_events(userdata);
        return 0;
}

static int on_usb_timeout(sd_event_source *s, uint64_t usec, void *userdata)
{
        usb_handle_events(userdata);
        return 0;
}

void driver_usb_rearm_timeout(DrvhostDriver *d)
{
        struct timeval tv;

        if (!d->usb_timeout_source)
                return;
        if (libusb_get_next_timeout(d->context, &tv) != 1) {
                (void)sd_event_source_set_enabled(d->usb_timeout_source, SD_EVENT_OFF);
                return;
        }
        (void)sd_event_source_set_time_relative(d->usb_timeout_source,
                                                (uint64_t)tv.tv_sec * USEC_PER_SEC + (uint64_t)tv.tv_usec);
        (void)sd_event_source_set_enabled(d->usb_timeout_source, SD_EVENT_ONESHOT);
}

static int usb_fd_add(DrvhostDriver *d, int fd, short events)
{
        DriverUsbFd *fds;
        int r;

        for (size_t i = 0; i < d->n_usb_fds; i++)
                if (d->usb_fds[i].fd == fd)
                        return sd_event_source_set_io_events(d->usb_fds[i].source, (uint32_t)events);

        fds = reallocarray(d->usb_fds, d->n_usb_fds + 1, sizeof(*fds));
        if (!fds)
                return -ENOMEM;
        d->usb_fds = fds;
        fds[d->n_usb_fds] = (DriverUsbFd){.fd = fd};
        /* poll(2)'s POLLIN/POLLOUT are epoll's EPOLLIN/EPOLLOUT. */
        r = sd_event_add_io(d->event, &fds[d->n_usb_fds].source, fd, (uint32_t)events, on_usb_fd, d);
        if (r < 0)
                return r;
        (void)sd_event_source_set_priority(fds[d->n_usb_fds].source, DRIVER_PRIORITY_USB);
        d->n_usb_fds++;
        return 0;
}

static void usb_fd_remove(DrvhostDriver *d, int fd)
{
        for (size_t i = 0; i < d->n_usb_fds; i++)
                if (d->usb_fds[i].fd == fd) {
                        (void)sd_event_source_disable_unref(d->usb_fds[i].source);
                        d->usb_fds[i] = d->usb_fds[--d->n_usb_fds];
                        return;
                }
}

static void on_pollfd_added(int fd, short events, void *userdata)
{
        DrvhostDriver *d = userdata;
        int r;

        /* Called from inside libusb, which cannot take an error back: a fd we cannot watch would
         * leave its transfers hanging, so end the loop instead. */
        r = usb_fd_add(d, fd, events);
        if (r < 0)
                driver_fail(d, r);
}

static void on_pollfd_removed(int fd, void *userdata)
{
        usb_fd_remove(userdata, fd);
}

int driver_usb_attach(DrvhostDriver *d)
{
        const struct libusb_pollfd **pollfds;
        int r = 0;

        if (!d->context || d->usb_attached)
                return 0;

        r = sd_event_add_time_relative(d->event, &d->usb_timeout_source, CLOCK_MONOTONIC, 0,
                                       DRIVER_TIMER_ACCURACY_USEC, on_usb_timeout, d);
        if (r < 0)
                return r;
        (void)sd_event_source_set_priority(d->usb_timeout_source, DRIVER_PRIORITY_USB);
        (void)sd_event_source_set_enabled(d->usb_timeout_source, SD_EVENT_OFF);

        /* The notifiers first: a fd libusb adds in between is then not missed. */
        libusb_set_pollfd_notifiers(d->context, on_pollfd_added, on_pollfd_removed, d);
        d->usb_attached = true;

        pollfds = libusb_get_pollfds(d->context);
        if (!pollfds)
                return -ENOMEM;
        for (size_t i = 0; pollfds[i] && r >= 0; i++)
                r = usb_fd_add(d, pollfds[i]->fd, pollfds[i]->events);
        libusb_free_pollfds(pollfds);
        if (r < 0)
                return r;
        driver_usb_rearm_timeout(d);
        return 0;
}

void driver_usb_detach(DrvhostDriver *d)
{
        if (!d->usb_attached)
                return;
        libusb_set_pollfd_notifiers(d->context, NULL, NULL, NULL);
        for (size_t i = 0; i < d->n_usb_fds; i++)
                (void)sd_event_source_disable_unref(d->usb_fds[i].source);
        free(d->usb_fds);
        d->usb_fds = NULL;
        d->n_usb_fds = 0;
        d->usb_timeout_source = sd_event_source_disable_unref(d->usb_timeout_source);
        d->usb_attached = false;
}
