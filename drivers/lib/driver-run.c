/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/signalfd.h>
#include <syslog.h>
#include <unistd.h>

#include "driver-internal.h"
#include "macro.h"

enum {
        USEC_PER_MSEC = 1000,
        USEC_PER_SEC = 1000000,
        EXIT_STATUS_MAX = 255,
};

/* poll() slots ahead of libusb's own fds; the driver's fds (drvhost_driver_add_fd()) come last. */
enum {
        POLL_SIGNAL,
        POLL_DEVICE,
        POLL_LIBUSB,
};

static void pollfds_freep(const struct libusb_pollfd ***p)
{
        libusb_free_pollfds(*p);
}

/* usbfs reports a disconnected device as POLLHUP/POLLERR on its fd, but only once the disconnect
 * is through: the transfers it kills fail a little earlier. So a failure gets a short grace period
 * to turn out to be an unplug; a real failure only pays that delay once, on its way out. */
enum { DEVICE_GONE_GRACE_MSEC = 500 };

static bool device_gone(const DrvhostDriver *d)
{
        struct pollfd p = { .fd = d->env.device_fd };

        return poll(&p, 1, DEVICE_GONE_GRACE_MSEC) > 0 && (p.revents & (POLLHUP | POLLERR | POLLNVAL));
}

int drvhost_driver_stop(DrvhostDriver *d, int exit_status)
{
        if (!d || exit_status < 0 || exit_status > EXIT_STATUS_MAX)
                return -EINVAL;
        if (!d->stop_requested) {
                d->stop_requested = true;
                /* Transfers cut by an unplug often end in a generic error (-EPROTO, -ESHUTDOWN): a
                 * failure while the device is gone is an unplug, not a crash. */
                d->exit_status = exit_status != EXIT_SUCCESS && device_gone(d) ? DRVHOST_EXIT_UNPLUGGED : exit_status;
        }
        return 0;
}

int drvhost_driver_exit_status(DrvhostDriver *d)
{
        return d && d->stop_requested ? d->exit_status : EXIT_SUCCESS;
}

bool drvhost_driver_is_unplugged_error(int libusb_error)
{
        return libusb_error == LIBUSB_ERROR_NO_DEVICE;
}

static int signals_block(DrvhostDriver *d, sigset_t *ret_old)
{
        sigset_t mask;
        int r;

        /* SIGTERM is how systemd stops the unit, SIGINT how a developer stops a driver started by
         * hand. A signalfd turns them into an fd for poll(), owned by d: no handler, no global flag. */
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        r = pthread_sigmask(SIG_BLOCK, &mask, ret_old);
        if (r != 0)
                return -r;

        d->signal_fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
        if (d->signal_fd < 0) {
                r = -errno;
                (void)pthread_sigmask(SIG_SETMASK, ret_old, NULL);
                return r;
        }
        return 0;
}

static void signals_restore(DrvhostDriver *d, const sigset_t *old)
{
        d->signal_fd = safe_close(d->signal_fd);
        (void)pthread_sigmask(SIG_SETMASK, old, NULL);
}

static int signals_read(DrvhostDriver *d)
{
        struct signalfd_siginfo si;

        for (;;) {
                ssize_t n = read(d->signal_fd, &si, sizeof(si));

                if (n < 0) {
                        if (errno == EAGAIN)
                                return 0;
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if ((size_t)n != sizeof(si))
                        return -EIO;
                (void)drvhost_driver_stop(d, EXIT_SUCCESS);
        }
}

static int loop_timeout_msec(DrvhostDriver *d)
{
        uint64_t usec = DRVHOST_DRIVER_TICK_USEC;
        struct timeval tv;

        if (d->watchdog.interval_usec > 0 && d->watchdog.interval_usec / 2 < usec)
                usec = d->watchdog.interval_usec / 2;

        /* On Linux libusb keeps its transfer timeouts on a timerfd among its pollfds and this returns
         * 0; elsewhere it names the next one to wake up for. */
        if (libusb_get_next_timeout(d->context, &tv) == 1) {
                uint64_t t = (uint64_t)tv.tv_sec * USEC_PER_SEC + (uint64_t)tv.tv_usec;

                if (t < usec)
                        usec = t;
        }

        /* Rounded up, so that a wait shorter than 1 ms does not turn into a busy loop. */
        return (int)((usec + USEC_PER_MSEC - 1) / USEC_PER_MSEC);
}

/* Calls the handlers of the driver's fds that poll() reported. ids[i] names the registration that
 * p[i] was made from: a handler may remove any registration, and a new one may reuse its fd number,
 * so a slot whose registration is gone is skipped rather than delivered to a stranger. */
static int driver_dispatch_fds(DrvhostDriver *d, const struct pollfd *p, const uint64_t *ids, size_t n)
{
        for (size_t i = 0; i < n && !d->stop_requested; i++) {
                const DriverFd *f;
                int r;

                if (p[i].revents == 0)
                        continue;
                f = driver_fd_by_id(d, ids[i]);
                if (!f)
                        continue;
                r = f->handler(d, f->fd, p[i].revents, f->userdata);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int driver_iterate(DrvhostDriver *d)
{
        _cleanup_(pollfds_freep) const struct libusb_pollfd **usb = NULL;
        _cleanup_free_ struct pollfd *p = NULL;
        _cleanup_free_ uint64_t *ids = NULL;
        size_t n = 0, n_fds = d->n_fds;
        int r;

        /* Fetched every time: libusb adds and removes fds, e.g. the device's on disconnect. */
        usb = libusb_get_pollfds(d->context);
        if (!usb)
                return -ENOMEM;
        while (usb[n])
                n++;

        p = calloc(POLL_LIBUSB + n + n_fds, sizeof(*p));
        ids = calloc(n_fds + 1, sizeof(*ids));
        if (!p || !ids)
                return -ENOMEM;
        p[POLL_SIGNAL] = (struct pollfd){.fd = d->signal_fd, .events = POLLIN};
        /* No events asked for: poll() reports POLLHUP/POLLERR anyway, and usbfs raises both once the
         * device is disconnected. This notices an unplug even with no transfer pending. */
        p[POLL_DEVICE] = (struct pollfd){.fd = d->env.device_fd};
        for (size_t i = 0; i < n; i++)
                p[POLL_LIBUSB + i] = (struct pollfd){.fd = usb[i]->fd, .events = usb[i]->events};
        /* A paused fd gets a negative number, which poll() skips: not even POLLHUP, which would
         * otherwise wake every iteration for a peer the driver does not want to hear from yet. */
        for (size_t i = 0; i < n_fds; i++) {
                const DriverFd *f = &d->fds[i];

                p[POLL_LIBUSB + n + i] = (struct pollfd){.fd = f->events ? f->fd : -1, .events = f->events};
                ids[i] = f->id;
        }

        if (poll(p, POLL_LIBUSB + n + n_fds, loop_timeout_msec(d)) < 0) {
                if (errno != EINTR)
                        return -errno;
                /* revents are still zero from calloc(): only libusb's timeouts get handled below. */
        }

        /* Always, even after a timeout: libusb checks its own fds and timeouts; poll() above did the
         * waiting, so it must not wait again. Transfer callbacks run from here. */
        r = libusb_handle_events_timeout_completed(d->context, &(struct timeval){}, NULL);
        if (drvhost_driver_is_unplugged_error(r))
                (void)drvhost_driver_stop(d, DRVHOST_EXIT_UNPLUGGED);
        else if (r < 0 && r != LIBUSB_ERROR_INTERRUPTED)
                return driver_errno_from_libusb(r);

        if (p[POLL_DEVICE].revents & POLLNVAL)
                return -EBADF;
        /* After the callbacks above, so that they saw their transfers end with NO_DEVICE first. */
        if (p[POLL_DEVICE].revents & (POLLHUP | POLLERR))
                (void)drvhost_driver_stop(d, DRVHOST_EXIT_UNPLUGGED);

        if (p[POLL_SIGNAL].revents & POLLIN) {
                r = signals_read(d);
                if (r < 0)
                        return r;
        }

        /* After the USB callbacks, so that a handler sees the transfers' state of this iteration. */
        return driver_dispatch_fds(d, p + POLL_LIBUSB + n, ids, n_fds);
}

static void driver_watchdog_step(DrvhostDriver *d)
{
        uint64_t now = watchdog_now(&d->watchdog);

        if (watchdog_stalled(&d->watchdog, now)) {
                /* Logged here, once per stall, because the restart that follows would otherwise come
                 * with no reason in the driver's own log. */
                if (!d->stall_reported)
                        (void)drvhost_driver_log(d, LOG_WARNING,
                                                 "I/O has not completed for more than %" PRIu64 " ms, %s.",
                                                 d->watchdog.stall_limit_usec / USEC_PER_MSEC,
                                                 d->watchdog.interval_usec > 0
                                                     ? "withholding watchdog pings so that systemd "
                                                       "restarts the driver"
                                                     : "but no WatchdogSec= is set to restart the driver");
                d->stall_reported = true;
                return;
        }
        if (d->stall_reported) {
                (void)drvhost_driver_log(d, LOG_NOTICE, "I/O completes again, resuming watchdog pings.");
                d->stall_reported = false;
        }

        /* A ping that fails to send is systemd's to notice: it restarts us, which is the fallback. */
        if (watchdog_ping_due(&d->watchdog, now))
                (void)drvhost_driver_watchdog_ping(d);
}

int drvhost_driver_run(DrvhostDriver *d, const DrvhostDriverOps *ops, void *userdata)
{
        sigset_t old;
        int r;

        if (!d || !d->context)
                return -EINVAL;
        /* Not reentrant: a callback must not run a nested loop. */
        if (d->signal_fd >= 0)
                return -EBUSY;

        r = signals_block(d, &old);
        if (r < 0)
                return r;

        while (!d->stop_requested) {
                r = driver_iterate(d);
                if (r < 0)
                        break;

                driver_watchdog_step(d);

                if (!d->stop_requested && ops && ops->tick) {
                        r = ops->tick(d, userdata);
                        if (r < 0)
                                break;
                }
        }

        signals_restore(d, &old);
        return r < 0 ? r : 0;
}
