/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The loop: one sd-event loop per driver. Nothing ticks unless the driver asks for a tick: an idle
 * driver sleeps until the device, a client, a signal or the next watchdog ping wakes it. */
#include <errno.h>
#include <fcntl.h>
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
};

static const int stop_signals[] = {SIGTERM, SIGINT};

static int on_signal(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        DrvhostDriver *d = userdata;
        struct signalfd_siginfo si;

        for (;;) {
                ssize_t n = read(fd, &si, sizeof(si));

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno != EAGAIN)
                                driver_fail(d, -errno);
                        return 0;
                }
                if ((size_t)n != sizeof(si)) {
                        driver_fail(d, -EIO);
                        return 0;
                }
                (void)drvhost_driver_stop(d, EXIT_SUCCESS);
        }
}

/* SIGTERM is how systemd stops the unit, SIGINT how a developer stops a driver started by hand. They
 * are blocked while the loop runs and read from a signalfd of the driver's own, an io source like the
 * others: no handler, no global flag, and sd_event_add_signal()'s one-per-process claim on the signals
 * is left to the driver's own use. */
static int signals_attach(DrvhostDriver *d, sigset_t *ret_old)
{
        sigset_t mask;
        int r;

        sigemptyset(&mask);
        for (size_t i = 0; i < ELEMENTSOF(stop_signals); i++)
                sigaddset(&mask, stop_signals[i]);
        r = pthread_sigmask(SIG_BLOCK, &mask, ret_old);
        if (r != 0)
                return -r;

        d->signal_fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
        if (d->signal_fd < 0)
                return -errno;
        r = sd_event_add_io(d->event, &d->signal_source, d->signal_fd, EPOLLIN, on_signal, d);
        if (r < 0)
                return r;
        return sd_event_source_set_priority(d->signal_source, DRIVER_PRIORITY_SIGNAL);
}

static void signals_detach(DrvhostDriver *d, const sigset_t *old)
{
        d->signal_source = sd_event_source_disable_unref(d->signal_source);
        d->signal_fd = safe_close(d->signal_fd);
        (void)pthread_sigmask(SIG_SETMASK, old, NULL);
}

static int on_device_gone(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        DrvhostDriver *d = userdata;

        if (revents & POLLNVAL) {
                driver_fail(d, -EBADF);
                return 0;
        }
        /* Priority puts this after libusb's sources: transfer callbacks saw NO_DEVICE first. */
        if (revents & (EPOLLHUP | EPOLLERR))
                (void)drvhost_driver_stop(d, DRVHOST_EXIT_UNPLUGGED);
        return 0;
}

/* No events asked for: epoll reports EPOLLHUP/EPOLLERR anyway, and usbfs (and the drvhost_irq file)
 * raise them once the device is gone. This notices an unplug even with no transfer pending. A PCI
 * device's BAR file never does; its interrupt file is watched instead. */
static int device_watch_attach(DrvhostDriver *d)
{
        int fd = d->irq ? drvhost_irq_get_fd(d->irq) : d->env.device_fd;
        int r;

        if (d->gone_source || fd < 0)
                return 0;
        if (d->gone_fd < 0) {
                d->gone_fd = fcntl(fd, F_DUPFD_CLOEXEC, DRIVER_DEVICE_FD_MIN);
                if (d->gone_fd < 0)
                        return -errno;
        }
        r = sd_event_add_io(d->event, &d->gone_source, d->gone_fd, 0, on_device_gone, d);
        if (r == -EPERM) /* a file that cannot be polled: nothing to learn from it */
                return 0;
        if (r < 0)
                return r;
        return sd_event_source_set_priority(d->gone_source, DRIVER_PRIORITY_DEVICE_GONE);
}

static void watchdog_step(DrvhostDriver *d)
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

/* The watchdog's next deadline: the next ping (half the interval after the last), or the moment
 * I/O in flight becomes a stall, whichever is first; UINT64_MAX for none. In the watchdog's clock.
 * During a stall that was reported there is none: pings are withheld until I/O completes, which is
 * an event, after which the post source asks again. */
static uint64_t watchdog_next(const DrvhostDriver *d, uint64_t now)
{
        const Watchdog *w = &d->watchdog;
        uint64_t next = UINT64_MAX;

        if (watchdog_stalled(w, now))
                return d->stall_reported ? UINT64_MAX : now;
        if (d->stall_reported)
                return now; /* over: say so, and ping */
        if (w->interval_usec > 0)
                next = w->pinged ? w->last_ping_usec + w->interval_usec / 2 : 0;
        if (w->n_in_flight > 0 && w->progress_usec + w->stall_limit_usec + 1 < next)
                next = w->progress_usec + w->stall_limit_usec + 1;
        return next;
}

static void watchdog_rearm(DrvhostDriver *d)
{
        uint64_t now = watchdog_now(&d->watchdog), next = watchdog_next(d, now);

        if (next == UINT64_MAX) {
                (void)sd_event_source_set_enabled(d->watchdog_source, SD_EVENT_OFF);
                return;
        }
        (void)sd_event_source_set_time_relative(d->watchdog_source, next > now ? next - now : 0);
        (void)sd_event_source_set_enabled(d->watchdog_source, SD_EVENT_ONESHOT);
}

static int on_watchdog(sd_event_source *s, uint64_t usec, void *userdata)
{
        DrvhostDriver *d = userdata;

        watchdog_step(d);
        watchdog_rearm(d);
        return 0;
}

static int on_tick_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
        DrvhostDriver *d = userdata;

        /* The tick itself comes from the post source, which this dispatch marks pending. */
        return sd_event_source_set_time_relative(s, d->tick_usec);
}

/* After every iteration that dispatched something: the tick, then the timers that depend on what
 * the callbacks did (I/O begun or ended, transfers submitted). */
static int on_post(sd_event_source *s, void *userdata)
{
        DrvhostDriver *d = userdata;
        int r;

        if (!d->stop_requested && d->loop_error == 0 && d->ops && d->ops->tick) {
                r = d->ops->tick(d, d->ops_userdata);
                if (r < 0)
                        driver_fail(d, r);
                if (d->tick_source)
                        (void)sd_event_source_set_time_relative(d->tick_source, d->tick_usec);
        }
        watchdog_rearm(d);
        driver_usb_rearm_timeout(d);
        return 0;
}

static int loop_attach(DrvhostDriver *d, const DrvhostDriverOps *ops, void *userdata)
{
        int r;

        d->ops = ops;
        d->ops_userdata = userdata;
        if (!d->fault_stalled) {
                r = driver_usb_attach(d);
                if (r < 0)
                        return r;
        }
        r = driver_faults_attach(d);
        if (r < 0)
                return r;
        r = device_watch_attach(d);
        if (r < 0)
                return r;
        r = driver_fds_attach(d);
        if (r < 0)
                return r;

        if (!d->post_source) {
                r = sd_event_add_post(d->event, &d->post_source, on_post, d);
                if (r < 0)
                        return r;
                (void)sd_event_source_set_priority(d->post_source, DRIVER_PRIORITY_POST);
        }
        if (!d->watchdog_source) {
                r = sd_event_add_time_relative(d->event, &d->watchdog_source, CLOCK_MONOTONIC, 0,
                                               DRIVER_TIMER_ACCURACY_USEC, on_watchdog, d);
                if (r < 0)
                        return r;
                (void)sd_event_source_set_priority(d->watchdog_source, DRIVER_PRIORITY_WATCHDOG);
        }
        watchdog_rearm(d);

        if (ops && ops->tick) {
                /* A periodic timer; re-armed from the post source, so it fires only when nothing
                 * else happened for tick_usec. */
                if (!d->tick_source) {
                        r = sd_event_add_time_relative(d->event, &d->tick_source, CLOCK_MONOTONIC,
                                                       d->tick_usec, DRIVER_TIMER_ACCURACY_USEC,
                                                       on_tick_timer, d);
                        if (r < 0)
                                return r;
                        (void)sd_event_source_set_priority(d->tick_source, DRIVER_PRIORITY_WATCHDOG);
                }
                (void)sd_event_source_set_time_relative(d->tick_source, d->tick_usec);
                (void)sd_event_source_set_enabled(d->tick_source, SD_EVENT_ON);
        } else
                (void)sd_event_source_set_enabled(d->tick_source, SD_EVENT_OFF);
        return 0;
}

int drvhost_driver_set_tick_interval(DrvhostDriver *d, uint64_t usec)
{
        if (!d || usec == 0)
                return -EINVAL;
        d->tick_usec = usec;
        if (d->tick_source && d->running)
                (void)sd_event_source_set_time_relative(d->tick_source, usec);
        return 0;
}

sd_event *drvhost_driver_get_event(DrvhostDriver *d)
{
        return d ? d->event : NULL;
}

int drvhost_driver_run(DrvhostDriver *d, const DrvhostDriverOps *ops, void *userdata)
{
        sigset_t old;
        int r;

        /* No device set up (neither libusb nor an interrupt file): nothing to run for. */
        if (!d || !d->event || (!d->context && !d->irq))
                return -EINVAL;
        /* Not reentrant: a callback must not run a nested loop. */
        if (d->running)
                return -EBUSY;

        d->running = true;
        d->loop_error = 0;
        r = signals_attach(d, &old);
        if (r >= 0)
                r = loop_attach(d, ops, userdata);

        while (r >= 0 && !d->stop_requested && d->loop_error == 0) {
                r = sd_event_run(d->event, UINT64_MAX);
                if (r == -EINTR)
                        r = 0;
        }
        if (r >= 0)
                r = d->loop_error;

        (void)sd_event_source_set_enabled(d->tick_source, SD_EVENT_OFF);
        signals_detach(d, &old);
        d->ops = NULL;
        d->ops_userdata = NULL;
        d->running = false;
        return r < 0 ? r : 0;
}
