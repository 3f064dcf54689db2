/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The driver runtime's parts that need no device: the environment contract with the launcher, the
 * watchdog that withholds pings while I/O is stuck, and the event loop's ways to end, run with a
 * real libusb context and a pipe standing in for the usbfs fd. */
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "driver-env.h"
#include "driver-internal.h"
#include "macro.h"

#define DEVICE_PATH "/sys/devices/platform/dummy_hcd.0/usb1/1-1/1-1:1.0"
#define UNIT_NAME "drvhost-driver@sample_1\\x2d1:1.0.service"
#define MODALIAS "usb:v0525pA4A0d0001dc00dsc00dp00icFFisc00ip00in00"

enum {
        ENV_FD,
        ENV_DEVICE,
        ENV_DRIVER,
        ENV_UNIT,
        ENV_INTERFACES,
        ENV_MODALIAS,
        ENV_N,
        ENV_BUF = 512,
};

static const char *const valid_env[ENV_N] = {
    [ENV_FD] = "DRVHOST_DEVICE_FD=3",          [ENV_DEVICE] = "DRVHOST_DEVICE=" DEVICE_PATH,
    [ENV_DRIVER] = "DRVHOST_DRIVER=sample",    [ENV_UNIT] = "DRVHOST_UNIT=" UNIT_NAME,
    [ENV_INTERFACES] = "DRVHOST_INTERFACES=0", [ENV_MODALIAS] = "DRVHOST_MODALIAS=" MODALIAS,
};

static const char *const env_names[ENV_N] = {
    [ENV_FD] = DRIVER_ENV_DEVICE_FD,          [ENV_DEVICE] = DRIVER_ENV_DEVICE,
    [ENV_DRIVER] = DRIVER_ENV_DRIVER,         [ENV_UNIT] = DRIVER_ENV_UNIT,
    [ENV_INTERFACES] = DRIVER_ENV_INTERFACES, [ENV_MODALIAS] = DRIVER_ENV_MODALIAS,
};

/* An environment made of the valid one, with variable `which` replaced by `value` (NULL: left out),
 * plus some unrelated variables around it as a real environment has. */
typedef struct FakeEnv {
        char buf[ENV_BUF];
        char *envp[ENV_N + 3];
} FakeEnv;

static char *const *fake_env(FakeEnv *f, int which, const char *value)
{
        size_t n = 0;

        f->envp[n++] = (char *)"PATH=/usr/bin";
        for (int i = 0; i < ENV_N; i++) {
                if (i != which)
                        f->envp[n++] = (char *)valid_env[i];
                else if (value) {
                        assert_true((size_t)snprintf(f->buf, sizeof(f->buf), "%s=%s", env_names[i], value) <
                                    sizeof(f->buf));
                        f->envp[n++] = f->buf;
                }
        }
        f->envp[n++] = (char *)"NOTIFY_SOCKET=/run/systemd/notify";
        f->envp[n] = NULL;
        return f->envp;
}

static int parse_with(int which, const char *value, DriverEnv *ret)
{
        FakeEnv f;

        return driver_env_parse(ret, fake_env(&f, which, value));
}

static void assert_rejected(int which, const char *value)
{
        DriverEnv e;

        assert_int_equal(parse_with(which, value, &e), -EINVAL);
        /* Nothing half-parsed is left behind. */
        assert_null(e.device);
        assert_null(e.driver);
        assert_null(e.unit);
        assert_null(e.modalias);
        assert_int_equal(e.n_interfaces, 0);
        assert_int_equal(e.device_fd, -EBADF);
}

static void test_valid_environment(void **state)
{
        DriverEnv e;

        assert_int_equal(parse_with(-1, NULL, &e), 0);
        assert_int_equal(e.device_fd, 3);
        assert_string_equal(e.device, DEVICE_PATH);
        assert_string_equal(e.driver, "sample");
        assert_string_equal(e.unit, UNIT_NAME);
        assert_string_equal(e.modalias, MODALIAS);
        assert_int_equal(e.n_interfaces, 1);
        assert_int_equal(e.interfaces[0], 0);
        driver_env_done(&e);
        assert_null(e.device);
        /* Twice is harmless. */
        driver_env_done(&e);
}

static void test_each_variable_missing(void **state)
{
        DriverEnv e;

        for (int i = 0; i < ENV_N; i++)
                assert_rejected(i, NULL);

        assert_int_equal(driver_env_parse(&e, NULL), -EINVAL);
        assert_int_equal(driver_env_parse(&e, (char *const[]){NULL}), -EINVAL);
}

static void test_each_variable_empty(void **state)
{
        for (int i = 0; i < ENV_N; i++)
                assert_rejected(i, "");
}

static void test_first_assignment_wins(void **state)
{
        char *const envp[] = {
            (char *)"DRVHOST_DEVICE_FD=4",
            (char *)valid_env[ENV_FD],
            (char *)valid_env[ENV_DEVICE],
            (char *)valid_env[ENV_DRIVER],
            (char *)valid_env[ENV_UNIT],
            (char *)valid_env[ENV_INTERFACES],
            (char *)valid_env[ENV_MODALIAS],
            (char *)"DRVHOST_DEVICE_FDX=5",
            NULL,
        };
        DriverEnv e;

        assert_int_equal(driver_env_parse(&e, envp), 0);
        assert_int_equal(e.device_fd, 4);
        driver_env_done(&e);
}

static void test_device_fd(void **state)
{
        static const char *const bad[] = {
            "x",          "3x",         "x3",          "-3",
            "-1",         "+3",         " 3",          "3 ",
            "0x3",        "03",         "3.0",         "0",
            "1",          "2", /* stdio, never the device */
            "2147483648", "4294967299", "99999999999", "18446744073709551619",
        };
        DriverEnv e;

        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                assert_rejected(ENV_FD, bad[i]);

        assert_int_equal(parse_with(ENV_FD, "2147483647", &e), 0);
        assert_int_equal(e.device_fd, 2147483647);
        driver_env_done(&e);
}

static void test_interfaces(void **state)
{
        static const char *const bad[] = {
            "a",  "0,,1", "256", "32", "255", "0,",  ",0",    ",",   " 0",
            "0 ", "0;1",  "-1",  "00", "01",  "0,0", "1,2,1", "0x1", "100",
        };
        static const struct {
                const char *value;
                size_t n;
                uint8_t ifaces[4];
        } good[] = {
            {"0", 1, {0}},
            {"0,1", 2, {0, 1}},
            {"3,1,2", 3, {3, 1, 2}},
            {"31", 1, {31}},
        };
        DriverEnv e;

        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                assert_rejected(ENV_INTERFACES, bad[i]);

        for (size_t i = 0; i < ELEMENTSOF(good); i++) {
                assert_int_equal(parse_with(ENV_INTERFACES, good[i].value, &e), 0);
                assert_int_equal(e.n_interfaces, good[i].n);
                assert_memory_equal(e.interfaces, good[i].ifaces, good[i].n);
                driver_env_done(&e);
        }
}

static void test_all_32_interfaces(void **state)
{
        char list[ENV_BUF] = "";
        DriverEnv e;

        for (int i = 0; i < DRIVER_INTERFACES_MAX; i++)
                (void)snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%d", i > 0 ? "," : "",
                               i);

        assert_int_equal(parse_with(ENV_INTERFACES, list, &e), 0);
        assert_int_equal(e.n_interfaces, DRIVER_INTERFACES_MAX);
        assert_int_equal(e.interfaces[DRIVER_INTERFACES_MAX - 1], DRIVER_INTERFACES_MAX - 1);
        driver_env_done(&e);

        /* A 33rd can only be a duplicate or out of range. */
        strcat(list, ",0");
        assert_rejected(ENV_INTERFACES, list);
}

static void test_strings(void **state)
{
        static const char *const bad_device[] = {
            "relative/path",          "/dev/bus/usb/001/002", "/sys",          "/sys/",
            "/sys/devices/../../etc", "/sys/devices/./x",     "/sys//devices", "/sys/devices/",
            "/sys/devices/a b",       "/sys/devices/\n",
        };
        static const char *const bad_driver[] = {
            "Sample",  "-sample",  "sam ple",
            "sam/ple", "sample_x", "a23456789012345678901234567890123", /* 33 */
        };
        static const char *const bad_unit[] = {
            "sample", "drvhost-driver@x.socket", ".service", "a b.service", "a/b.service", "x\n.service",
        };
        static const char *const bad_modalias[] = {"usb:", "pci:v00008086d*", "usb:v0525 pA4A0", "usbv0525"};
        DriverEnv e;

        for (size_t i = 0; i < ELEMENTSOF(bad_device); i++)
                assert_rejected(ENV_DEVICE, bad_device[i]);
        for (size_t i = 0; i < ELEMENTSOF(bad_driver); i++)
                assert_rejected(ENV_DRIVER, bad_driver[i]);
        for (size_t i = 0; i < ELEMENTSOF(bad_unit); i++)
                assert_rejected(ENV_UNIT, bad_unit[i]);
        for (size_t i = 0; i < ELEMENTSOF(bad_modalias); i++)
                assert_rejected(ENV_MODALIAS, bad_modalias[i]);

        assert_int_equal(parse_with(ENV_DRIVER, "usb-printer2", &e), 0);
        driver_env_done(&e);
        assert_int_equal(parse_with(ENV_DRIVER, "a2345678901234567890123456789012", &e), 0);
        driver_env_done(&e);
}

/* The injected clock: a counter the test moves by hand. */
static uint64_t fake_clock(void *userdata)
{
        return *(const uint64_t *)userdata;
}

enum {
        STALL_LIMIT = 5000000,
        WATCHDOG_INTERVAL = 3000000,
};

static void test_stall_logic(void **state)
{
        uint64_t now = 1000;
        Watchdog w;

        watchdog_init(&w, WATCHDOG_INTERVAL, STALL_LIMIT);
        watchdog_set_clock(&w, fake_clock, &now);

        /* Idle: never stalled, however long. */
        now += 10 * STALL_LIMIT;
        assert_false(watchdog_stalled(&w, now));

        /* In flight up to the limit is fine; past it is a stall. */
        assert_int_equal(watchdog_io_begin(&w), 0);
        now += STALL_LIMIT;
        assert_false(watchdog_stalled(&w, now));
        now += 1;
        assert_true(watchdog_stalled(&w, now));

        /* A second I/O starting later must not hide the first, stuck one. */
        assert_int_equal(watchdog_io_begin(&w), 0);
        assert_true(watchdog_stalled(&w, now));

        /* A completion is progress: the remaining one gets a fresh limit. */
        assert_int_equal(watchdog_io_end(&w), 0);
        assert_false(watchdog_stalled(&w, now));
        now += STALL_LIMIT + 1;
        assert_true(watchdog_stalled(&w, now));

        assert_int_equal(watchdog_io_end(&w), 0);
        assert_false(watchdog_stalled(&w, now));
        assert_int_equal(watchdog_io_end(&w), -EINVAL);
}

static void test_ping_cadence(void **state)
{
        uint64_t now = 0;
        Watchdog w;

        watchdog_init(&w, 0, STALL_LIMIT);
        assert_false(watchdog_ping_due(&w, now)); /* disabled */

        watchdog_init(&w, WATCHDOG_INTERVAL, STALL_LIMIT);
        assert_true(watchdog_ping_due(&w, now)); /* never pinged */
        watchdog_pinged(&w, now);
        now += WATCHDOG_INTERVAL / 2 - 1;
        assert_false(watchdog_ping_due(&w, now));
        now += 1;
        assert_true(watchdog_ping_due(&w, now));
}

/* The same through the public API, on a driver without a device. */
static void test_public_ping_withheld_while_stalled(void **state)
{
        _cleanup_drvhost_driver_ DrvhostDriver *d = NULL;
        uint64_t now = 42, usec;

        /* Not under systemd here: sd_notify() must find no socket and send nothing. */
        assert_int_equal(unsetenv("NOTIFY_SOCKET"), 0);

        assert_int_equal(driver_alloc(&d), 0);
        driver_set_clock(d, fake_clock, &now);
        assert_int_equal(drvhost_driver_watchdog_enabled(d, &usec), 0);
        d->watchdog.interval_usec = WATCHDOG_INTERVAL;
        assert_int_equal(drvhost_driver_watchdog_enabled(d, &usec), 1);
        assert_int_equal(usec, WATCHDOG_INTERVAL);

        assert_int_equal(drvhost_driver_set_stall_limit(d, 0), -EINVAL);
        assert_int_equal(drvhost_driver_set_stall_limit(d, STALL_LIMIT), 0);

        /* Idle: allowed (0: no notify socket, nothing withheld). */
        assert_int_equal(drvhost_driver_watchdog_ping(d), 0);

        assert_int_equal(drvhost_driver_io_begin(d), 0);
        now += STALL_LIMIT;
        assert_int_equal(drvhost_driver_watchdog_ping(d), 0);
        now += 1;
        assert_int_equal(drvhost_driver_watchdog_ping(d), -ETIMEDOUT);
        now += 60 * STALL_LIMIT;
        assert_int_equal(drvhost_driver_watchdog_ping(d), -ETIMEDOUT);

        /* The I/O completes: allowed again. */
        assert_int_equal(drvhost_driver_io_end(d), 0);
        assert_int_equal(drvhost_driver_watchdog_ping(d), 0);
        assert_int_equal(drvhost_driver_io_end(d), -EINVAL);
}

static void test_stop_and_exit_status(void **state)
{
        _cleanup_drvhost_driver_ DrvhostDriver *d = NULL;

        assert_int_equal(driver_alloc(&d), 0);
        assert_int_equal(drvhost_driver_exit_status(d), 0);
        assert_int_equal(drvhost_driver_stop(d, -1), -EINVAL);
        assert_int_equal(drvhost_driver_stop(d, 256), -EINVAL);
        assert_int_equal(drvhost_driver_stop(d, DRVHOST_EXIT_UNPLUGGED), 0);
        /* The first request wins: the SIGTERM that follows an unplug does not hide it. */
        assert_int_equal(drvhost_driver_stop(d, 0), 0);
        assert_int_equal(drvhost_driver_exit_status(d), DRVHOST_EXIT_UNPLUGGED);

        assert_true(drvhost_driver_is_unplugged_error(LIBUSB_ERROR_NO_DEVICE));
        assert_false(drvhost_driver_is_unplugged_error(LIBUSB_ERROR_IO));
        assert_false(drvhost_driver_is_unplugged_error(0));
        /* No device was set up: run() refuses rather than polling nothing. */
        assert_int_equal(drvhost_driver_run(d, NULL, NULL), -EINVAL);
}

static void test_null_and_bad_arguments(void **state)
{
        _cleanup_drvhost_driver_ DrvhostDriver *d = NULL;
        const uint8_t *ifaces;

        assert_int_equal(drvhost_driver_new(NULL), -EINVAL);
        assert_null(drvhost_driver_free(NULL));
        assert_null(drvhost_driver_get_handle(NULL));
        assert_int_equal(drvhost_driver_get_interfaces(NULL, &ifaces), 0);
        assert_null(ifaces);
        assert_int_equal(drvhost_driver_io_begin(NULL), -EINVAL);
        assert_int_equal(drvhost_driver_watchdog_ping(NULL), -EINVAL);
        assert_int_equal(drvhost_driver_notify_ready(NULL, "x"), -EINVAL);

        assert_int_equal(driver_alloc(&d), 0);
        assert_int_equal(drvhost_driver_log(d, -1, "x"), -EINVAL);
        assert_int_equal(drvhost_driver_log(d, 8, "x"), -EINVAL);
}

/* drvhost_driver_new() with a broken environment fails cleanly, before touching libusb. */
static void test_new_rejects_bad_environment(void **state)
{
        DrvhostDriver *d = NULL;

        assert_int_equal(unsetenv("DRVHOST_DEVICE_FD"), 0);
        assert_int_equal(drvhost_driver_new(&d), -EINVAL);
        assert_null(d);
}

/* A driver whose "device" is the read end of a pipe: closing the write end makes poll() report the
 * POLLHUP that usbfs reports on unplug. */
static DrvhostDriver *driver_with_fake_device(int *ret_write_end)
{
        DrvhostDriver *d;
        int fds[2];

        assert_int_equal(driver_alloc(&d), 0);
        assert_int_equal(libusb_set_option(NULL, LIBUSB_OPTION_NO_DEVICE_DISCOVERY), 0);
        assert_int_equal(libusb_init(&d->context), 0);
        assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
        d->env.device_fd = fds[0];
        *ret_write_end = fds[1];
        return d;
}

typedef struct TickState {
        unsigned calls;
        unsigned stop_at;
        int action; /* what to do at stop_at */
        int result;
} TickState;

enum {
        TICK_STOP,
        TICK_FAIL,
        TICK_SIGTERM,
        TICK_NESTED_RUN,
        TEST_EXIT_STATUS = 42,
};

static int on_tick(DrvhostDriver *d, void *userdata)
{
        TickState *t = userdata;

        if (++t->calls != t->stop_at)
                return 0;
        switch (t->action) {
        case TICK_STOP:
                return drvhost_driver_stop(d, TEST_EXIT_STATUS);
        case TICK_FAIL:
                return -EIO;
        case TICK_SIGTERM:
                return raise(SIGTERM) == 0 ? 0 : -errno;
        case TICK_NESTED_RUN:
                t->result = drvhost_driver_run(d, NULL, NULL);
                return drvhost_driver_stop(d, TEST_EXIT_STATUS);
        default:
                return -EINVAL;
        }
}

static void test_run_stops_on_request(void **state)
{
        _cleanup_drvhost_driver_ DrvhostDriver *d = NULL;
        _cleanup_close_ int write_end = -EBADF;
        const DrvhostDriverOps ops = {.tick = on_tick};
        TickState t = {.stop_at = 3, .action = TICK_STOP};

        d = driver_with_fake_device(&write_end);
        assert_int_equal(drvhost_driver_run(d, &ops, &t), 0);
        assert_int_equal(t.calls, 3);
        assert_int_equal(drvhost_driver_exit_status(d), TEST_EXIT_STATUS);
}

static void test_run_returns_tick_error(void **state)
{
        _cleanup_drvhost_driver_ DrvhostDriver *d = NULL;
        _cleanup_close_ int write_end = -EBADF;
        const DrvhostDriverOps ops = {.tick = on_tick};
        TickState t = {.stop_at = 2, .action = TICK_FAIL};

        d = driver_with_fake_device(&write_end);
        assert_int_equal(drvhost_driver_run(d, &ops, &t), -EIO);
        assert_int_equal(drvhost_driver_exit_status(d), 0);
}

static void test_run_is_not_reentrant(void **state)
{
        _cleanup_drvhost_driver_ DrvhostDriver *d = NULL;
        _cleanup_close_ int write_end = -EBADF;
        const DrvhostDriverOps ops = {.tick = on_tick};
        TickState t = {.stop_at = 1, .action = TICK_NESTED_RUN};

        d = driver_with_fake_device(&write_end);
        assert_int_equal(drvhost_driver_run(d, &ops, &t), 0);
        assert_int_equal(t.result, -EBUSY);
}

static void test_run_sigterm_exits_zero(void **state)
{
        _cleanup_drvhost_driver_ DrvhostDriver *d = NULL;
        _cleanup_close_ int write_end = -EBADF;
        const DrvhostDriverOps ops = {.tick = on_tick};
        TickState t = {.stop_at = 2, .action = TICK_SIGTERM};
        sigset_t blocked, pending;

        d = driver_with_fake_device(&write_end);
        /* Had run() not blocked SIGTERM and read it from its signalfd, this process would be dead. */
        assert_int_equal(drvhost_driver_run(d, &ops, &t), 0);
        assert_int_equal(t.calls, 2);
        assert_int_equal(drvhost_driver_exit_status(d), EXIT_SUCCESS);

        /* The signal was consumed, and the mask is back as it was. */
        assert_int_equal(sigpending(&pending), 0);
        assert_false(sigismember(&pending, SIGTERM));
        assert_int_equal(sigprocmask(SIG_SETMASK, NULL, &blocked), 0);
        assert_false(sigismember(&blocked, SIGTERM));
        assert_false(sigismember(&blocked, SIGINT));
        assert_int_equal(d->signal_fd, -EBADF);
}

static void test_run_hangup_is_unplug(void **state)
{
        _cleanup_drvhost_driver_ DrvhostDriver *d = NULL;
        _cleanup_close_ int write_end = -EBADF;
        const DrvhostDriverOps ops = {.tick = on_tick};
        TickState t = {.stop_at = 1000, .action = TICK_STOP};

        d = driver_with_fake_device(&write_end);
        write_end = safe_close(write_end);
        assert_int_equal(drvhost_driver_run(d, &ops, &t), 0);
        assert_int_equal(drvhost_driver_exit_status(d), DRVHOST_EXIT_UNPLUGGED);
        /* Not called once a stop was requested. */
        assert_int_equal(t.calls, 0);
}

static void test_run_reports_stall(void **state)
{
        _cleanup_drvhost_driver_ DrvhostDriver *d = NULL;
        _cleanup_close_ int write_end = -EBADF;
        const DrvhostDriverOps ops = {.tick = on_tick};
        TickState t = {.stop_at = 2, .action = TICK_STOP};
        uint64_t now = 0;

        d = driver_with_fake_device(&write_end);
        driver_set_clock(d, fake_clock, &now);
        assert_int_equal(drvhost_driver_io_begin(d), 0);
        now += DRVHOST_DRIVER_STALL_LIMIT_USEC_DEFAULT + 1;
        assert_int_equal(drvhost_driver_run(d, &ops, &t), 0);
        assert_true(d->stall_reported);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_valid_environment),
            cmocka_unit_test(test_each_variable_missing),
            cmocka_unit_test(test_each_variable_empty),
            cmocka_unit_test(test_first_assignment_wins),
            cmocka_unit_test(test_device_fd),
            cmocka_unit_test(test_interfaces),
            cmocka_unit_test(test_all_32_interfaces),
            cmocka_unit_test(test_strings),
            cmocka_unit_test(test_stall_logic),
            cmocka_unit_test(test_ping_cadence),
            cmocka_unit_test(test_public_ping_withheld_while_stalled),
            cmocka_unit_test(test_stop_and_exit_status),
            cmocka_unit_test(test_null_and_bad_arguments),
            cmocka_unit_test(test_new_rejects_bad_environment),
            cmocka_unit_test(test_run_stops_on_request),
            cmocka_unit_test(test_run_returns_tick_error),
            cmocka_unit_test(test_run_is_not_reentrant),
            cmocka_unit_test(test_run_sigterm_exits_zero),
            cmocka_unit_test(test_run_hangup_is_unplug),
            cmocka_unit_test(test_run_reports_stall),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
