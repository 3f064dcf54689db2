/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The sd-event loop of libdrvhost-driver without a device: a real libusb context, a pipe standing in
 * for the usbfs fd, and a datagram socket standing in for systemd's notify socket. What it pins: an
 * idle driver without a tick wakes only for its watchdog, the stall deadline withholds pings without
 * a tick to notice it, the tick interval holds, and libusb's pollfds are followed. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "driver-internal.h"
#include "macro.h"

enum {
        USEC_PER_MSEC = 1000,
        WATCHDOG_USEC = 200 * USEC_PER_MSEC, /* pings every 100 ms */
        RUN_USEC = 1000 * USEC_PER_MSEC,
        STALL_LIMIT_USEC = 250 * USEC_PER_MSEC,
        TICK_USEC = 50 * USEC_PER_MSEC,
        DATAGRAM_MAX = 256,
};

typedef struct Fixture {
        DrvhostDriver *d;
        int device_write_end;
        int notify_fd;
        char notify_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
        sd_event_source *stop_timer;
        unsigned ticks;
} Fixture;

static int setup(void **state)
{
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        Fixture *f = calloc(1, sizeof(*f));
        int fds[2];

        assert_non_null(f);
        assert_int_equal(driver_alloc(&f->d), 0);
        assert_int_equal(libusb_set_option(NULL, LIBUSB_OPTION_NO_DEVICE_DISCOVERY), 0);
        assert_int_equal(libusb_init(&f->d->context), 0);
        assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
        f->d->env.device_fd = fds[0];
        f->device_write_end = fds[1];

        (void)snprintf(f->notify_path, sizeof(f->notify_path), "/tmp/test-driver-loop-%d.sock",
                       (int)getpid());
        (void)unlink(f->notify_path);
        f->notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        assert_true(f->notify_fd >= 0);
        memcpy(sa.sun_path, f->notify_path, strlen(f->notify_path) + 1);
        assert_int_equal(bind(f->notify_fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
        assert_int_equal(setenv("NOTIFY_SOCKET", f->notify_path, 1), 0);
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        Fixture *f = *state;

        f->stop_timer = sd_event_source_disable_unref(f->stop_timer);
        f->d = drvhost_driver_free(f->d);
        safe_close(f->device_write_end);
        safe_close(f->notify_fd);
        (void)unlink(f->notify_path);
        (void)unsetenv("NOTIFY_SOCKET");
        free(f);
        return 0;
}

/* How many datagrams sent to the fake notify socket contain text. */
static unsigned notify_count(Fixture *f, const char *text)
{
        char buf[DATAGRAM_MAX + 1];
        unsigned n = 0;
        ssize_t len;

        while ((len = recv(f->notify_fd, buf, DATAGRAM_MAX, 0)) >= 0) {
                buf[len] = '\0';
                if (strstr(buf, text))
                        n++;
        }
        return n;
}

static int on_stop_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
        Fixture *f = userdata;

        return drvhost_driver_stop(f->d, EXIT_SUCCESS);
}

/* Runs the loop for RUN_USEC and returns how many iterations it made. */
static uint64_t run_for_a_while(Fixture *f, const DrvhostDriverOps *ops)
{
        uint64_t before, after;

        assert_int_equal(sd_event_add_time_relative(drvhost_driver_get_event(f->d), &f->stop_timer,
                                                    CLOCK_MONOTONIC, RUN_USEC, 0, on_stop_timer, f),
                         0);
        assert_int_equal(sd_event_get_iteration(drvhost_driver_get_event(f->d), &before), 0);
        assert_int_equal(drvhost_driver_run(f->d, ops, f), 0);
        assert_int_equal(sd_event_get_iteration(drvhost_driver_get_event(f->d), &after), 0);
        return after - before;
}

static void test_idle_wakes_only_for_watchdog(void **state)
{
        Fixture *f = *state;
        unsigned pings;
        uint64_t iterations;

        f->d->watchdog.interval_usec = WATCHDOG_USEC;
        iterations = run_for_a_while(f, NULL);
        pings = notify_count(f, "WATCHDOG=1");

        /* One ping at once, then one every WATCHDOG_USEC / 2: about 11 in RUN_USEC. */
        assert_true(pings >= RUN_USEC / (WATCHDOG_USEC / 2) - 1);
        assert_true(pings <= RUN_USEC / (WATCHDOG_USEC / 2) + 2);
        /* Each wake-up is a ping (and its post-iteration work), plus the stop: the old loop's
         * 100 ms tick would have added ten more, a busy loop thousands. */
        assert_true(iterations <= 2 * (uint64_t)pings + 4);
        assert_int_equal(drvhost_driver_exit_status(f->d), EXIT_SUCCESS);
}

static void test_idle_without_watchdog_sleeps(void **state)
{
        Fixture *f = *state;

        /* Nothing to wake for but the stop timer itself. */
        assert_true(run_for_a_while(f, NULL) <= 3);
        assert_int_equal(notify_count(f, "WATCHDOG=1"), 0);
}

static void test_stall_withholds_pings_without_tick(void **state)
{
        Fixture *f = *state;
        uint64_t iterations;
        unsigned pings;

        f->d->watchdog.interval_usec = WATCHDOG_USEC;
        assert_int_equal(drvhost_driver_set_stall_limit(f->d, STALL_LIMIT_USEC), 0);
        assert_int_equal(drvhost_driver_io_begin(f->d), 0);
        iterations = run_for_a_while(f, NULL);
        pings = notify_count(f, "WATCHDOG=1");
        /* Regression: a withheld ping's deadline, always past, made the loop spin and starve the
         * stop timer. */
        assert_true(iterations < 20);

        /* Pings at 0, 100, 200 ms; the stall begins at 250 ms and none follows. */
        assert_true(pings >= 2);
        assert_true(pings <= STALL_LIMIT_USEC / (WATCHDOG_USEC / 2) + 1);
        /* Noticed by its own deadline: no tick ran. */
        assert_true(f->d->stall_reported);
        assert_int_equal(drvhost_driver_watchdog_ping(f->d), -ETIMEDOUT);

        /* Progress again: the next ping goes out. */
        assert_int_equal(drvhost_driver_io_end(f->d), 0);
        assert_true(drvhost_driver_watchdog_ping(f->d) > 0);
}

static int on_tick(DrvhostDriver *d, void *userdata)
{
        Fixture *f = userdata;

        f->ticks++;
        return 0;
}

static void test_tick_interval(void **state)
{
        Fixture *f = *state;
        const DrvhostDriverOps ops = {.tick = on_tick};

        assert_int_equal(drvhost_driver_set_tick_interval(f->d, 0), -EINVAL);
        assert_int_equal(drvhost_driver_set_tick_interval(f->d, TICK_USEC), 0);
        (void)run_for_a_while(f, &ops);
        /* 20 intervals in RUN_USEC; timers are coalesced a little, never made early. */
        assert_true(f->ticks >= RUN_USEC / TICK_USEC / 2);
        assert_true(f->ticks <= RUN_USEC / TICK_USEC + 2);
}

static void test_usb_pollfds_followed(void **state)
{
        Fixture *f = *state;
        const struct libusb_pollfd **pollfds;
        size_t n = 0;

        assert_int_equal(driver_usb_attach(f->d), 0);
        pollfds = libusb_get_pollfds(f->d->context);
        assert_non_null(pollfds);
        while (pollfds[n])
                n++;
        libusb_free_pollfds(pollfds);
        assert_true(n > 0);
        assert_int_equal(f->d->n_usb_fds, n);
        /* Attaching twice changes nothing. */
        assert_int_equal(driver_usb_attach(f->d), 0);
        assert_int_equal(f->d->n_usb_fds, n);
        driver_usb_detach(f->d);
        assert_int_equal(f->d->n_usb_fds, 0);
}

static void test_hangup_stops_with_unplugged(void **state)
{
        Fixture *f = *state;

        f->device_write_end = safe_close(f->device_write_end);
        assert_true(run_for_a_while(f, NULL) <= 2);
        assert_int_equal(drvhost_driver_exit_status(f->d), DRVHOST_EXIT_UNPLUGGED);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_idle_wakes_only_for_watchdog, setup, teardown),
            cmocka_unit_test_setup_teardown(test_idle_without_watchdog_sleeps, setup, teardown),
            cmocka_unit_test_setup_teardown(test_stall_withholds_pings_without_tick, setup, teardown),
            cmocka_unit_test_setup_teardown(test_tick_interval, setup, teardown),
            cmocka_unit_test_setup_teardown(test_usb_pollfds_followed, setup, teardown),
            cmocka_unit_test_setup_teardown(test_hangup_stops_with_unplugged, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
