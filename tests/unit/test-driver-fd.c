/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* drvhost_driver_add_fd() and friends: a driver's own fds polled by drvhost_driver_run(), with a real
 * libusb context and a pipe standing in for the usbfs fd. */
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "driver-internal.h"
#include "macro.h"

enum {
        TEST_EXIT_STATUS = 42,
        /* Ticks after which a test that should have stopped by itself gives up. */
        TICKS_MAX = 5,
};

typedef struct Pipe {
        int read_end;
        int write_end;
} Pipe;

static void pipe_open(Pipe *p)
{
        int fds[2];

        assert_int_equal(pipe2(fds, O_CLOEXEC | O_NONBLOCK), 0);
        p->read_end = fds[0];
        p->write_end = fds[1];
}

static void pipe_close(Pipe *p)
{
        p->read_end = safe_close(p->read_end);
        p->write_end = safe_close(p->write_end);
}

typedef struct Fixture {
        DrvhostDriver *d;
        int device_write_end; /* keeps the fake device "plugged" */
        Pipe a, b;
        unsigned calls_a, calls_b, calls_replaced, ticks;
        short revents_a;
        int action_a;
} Fixture;

enum {
        ACTION_STOP,        /* a's handler stops the loop */
        ACTION_REMOVE_B,    /* a's handler removes b, then stops the loop next tick */
        ACTION_FAIL,        /* a's handler fails */
        ACTION_REMOVE_SELF, /* a's handler removes itself */
        ACTION_REPLACE_B,   /* a's handler removes b and adds another fd with b's number */
};

static int setup(void **state)
{
        Fixture *f = calloc(1, sizeof(*f));
        int fds[2];

        assert_non_null(f);
        assert_int_equal(driver_alloc(&f->d), 0);
        assert_int_equal(libusb_set_option(NULL, LIBUSB_OPTION_NO_DEVICE_DISCOVERY), 0);
        assert_int_equal(libusb_init(&f->d->context), 0);
        assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
        f->d->env.device_fd = fds[0];
        f->device_write_end = fds[1];
        pipe_open(&f->a);
        pipe_open(&f->b);
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        Fixture *f = *state;

        f->d = drvhost_driver_free(f->d);
        safe_close(f->device_write_end);
        pipe_close(&f->a);
        pipe_close(&f->b);
        free(f);
        return 0;
}

static int on_b(DrvhostDriver *d, int fd, short revents, void *userdata)
{
        Fixture *f = userdata;
        char c;

        f->calls_b++;
        assert_true(read(fd, &c, 1) >= 0);
        return 0;
}

static int on_replaced(DrvhostDriver *d, int fd, short revents, void *userdata)
{
        Fixture *f = userdata;
        char c;

        f->calls_replaced++;
        assert_true(read(fd, &c, 1) >= 0);
        return drvhost_driver_stop(d, TEST_EXIT_STATUS);
}

static int on_a(DrvhostDriver *d, int fd, short revents, void *userdata)
{
        Fixture *f = userdata;
        char c;

        f->calls_a++;
        f->revents_a = revents;
        assert_true(read(fd, &c, 1) >= 0);
        switch (f->action_a) {
        case ACTION_STOP:
                return drvhost_driver_stop(d, TEST_EXIT_STATUS);
        case ACTION_REMOVE_B:
                return drvhost_driver_remove_fd(d, f->b.read_end);
        case ACTION_FAIL:
                return -EPROTO;
        case ACTION_REMOVE_SELF:
                return drvhost_driver_remove_fd(d, fd);
        case ACTION_REPLACE_B:
                assert_int_equal(drvhost_driver_remove_fd(d, f->b.read_end), 0);
                /* Same number, new registration: must not get the event polled for the old one. */
                return drvhost_driver_add_fd(d, f->b.read_end, POLLIN, on_replaced, f);
        default:
                return -EINVAL;
        }
}

/* Gives up after TICKS_MAX ticks, so that a broken loop fails the test instead of hanging it. */
static int on_tick(DrvhostDriver *d, void *userdata)
{
        Fixture *f = userdata;

        if (++f->ticks >= TICKS_MAX)
                return drvhost_driver_stop(d, EXIT_SUCCESS);
        return 0;
}

static const DrvhostDriverOps ops = {.tick = on_tick};

static void test_readable_fd_runs_handler(void **state)
{
        Fixture *f = *state;

        assert_int_equal(drvhost_driver_add_fd(f->d, f->a.read_end, POLLIN, on_a, f), 0);
        assert_int_equal(write(f->a.write_end, "x", 1), 1);
        assert_int_equal(drvhost_driver_run(f->d, &ops, f), 0);
        assert_int_equal(f->calls_a, 1);
        assert_true(f->revents_a & POLLIN);
        assert_int_equal(drvhost_driver_exit_status(f->d), TEST_EXIT_STATUS);
        /* Woken by the fd, not by the 100 ms tick. */
        assert_int_equal(f->ticks, 0);
}

static void test_idle_fd_is_not_called(void **state)
{
        Fixture *f = *state;

        assert_int_equal(drvhost_driver_add_fd(f->d, f->a.read_end, POLLIN, on_a, f), 0);
        assert_int_equal(drvhost_driver_run(f->d, &ops, f), 0);
        assert_int_equal(f->calls_a, 0);
        assert_int_equal(f->ticks, TICKS_MAX);
}

static void test_paused_fd_is_not_polled(void **state)
{
        Fixture *f = *state;

        /* A hang-up is reported whatever one asks for, unless the fd is paused. */
        f->a.write_end = safe_close(f->a.write_end);
        assert_int_equal(drvhost_driver_add_fd(f->d, f->a.read_end, POLLIN, on_a, f), 0);
        assert_int_equal(drvhost_driver_set_fd_events(f->d, f->a.read_end, 0), 0);
        assert_int_equal(drvhost_driver_run(f->d, &ops, f), 0);
        assert_int_equal(f->calls_a, 0);

        /* Resumed: the hang-up comes through. (Stops are final; this test rewinds one.) */
        f->ticks = 0;
        f->d->stop_requested = false;
        assert_int_equal(drvhost_driver_set_fd_events(f->d, f->a.read_end, POLLIN), 0);
        assert_int_equal(drvhost_driver_run(f->d, &ops, f), 0);
        assert_int_equal(f->calls_a, 1);
        assert_true(f->revents_a & POLLHUP);
}

static void test_handler_removes_other_fd(void **state)
{
        Fixture *f = *state;

        f->action_a = ACTION_REMOVE_B;
        assert_int_equal(drvhost_driver_add_fd(f->d, f->a.read_end, POLLIN, on_a, f), 0);
        assert_int_equal(drvhost_driver_add_fd(f->d, f->b.read_end, POLLIN, on_b, f), 0);
        /* Both ready in the same iteration: a runs first (registered first) and removes b. */
        assert_int_equal(write(f->a.write_end, "x", 1), 1);
        assert_int_equal(write(f->b.write_end, "x", 1), 1);
        assert_int_equal(drvhost_driver_run(f->d, &ops, f), 0);
        assert_int_equal(f->calls_a, 1);
        assert_int_equal(f->calls_b, 0);
        assert_int_equal(f->d->n_fds, 1);
}

static void test_handler_replaces_fd_number(void **state)
{
        Fixture *f = *state;

        f->action_a = ACTION_REPLACE_B;
        assert_int_equal(drvhost_driver_add_fd(f->d, f->a.read_end, POLLIN, on_a, f), 0);
        assert_int_equal(drvhost_driver_add_fd(f->d, f->b.read_end, POLLIN, on_b, f), 0);
        assert_int_equal(write(f->a.write_end, "x", 1), 1);
        assert_int_equal(write(f->b.write_end, "x", 1), 1);
        /* First iteration: a replaces b's registration, and the event polled for the old one is
         * dropped. Second: the new registration reads b's byte and stops. */
        assert_int_equal(drvhost_driver_run(f->d, &ops, f), 0);
        assert_int_equal(f->calls_b, 0);
        assert_int_equal(f->calls_replaced, 1);
        assert_int_equal(drvhost_driver_exit_status(f->d), TEST_EXIT_STATUS);
}

static void test_handler_error_ends_run(void **state)
{
        Fixture *f = *state;

        f->action_a = ACTION_FAIL;
        assert_int_equal(drvhost_driver_add_fd(f->d, f->a.read_end, POLLIN, on_a, f), 0);
        assert_int_equal(write(f->a.write_end, "x", 1), 1);
        assert_int_equal(drvhost_driver_run(f->d, &ops, f), -EPROTO);
        assert_int_equal(f->calls_a, 1);
}

static void test_handler_removes_itself(void **state)
{
        Fixture *f = *state;

        f->action_a = ACTION_REMOVE_SELF;
        assert_int_equal(drvhost_driver_add_fd(f->d, f->a.read_end, POLLIN, on_a, f), 0);
        /* Two bytes: had the removal not worked, the second would call the handler again. */
        assert_int_equal(write(f->a.write_end, "xy", 2), 2);
        assert_int_equal(drvhost_driver_run(f->d, &ops, f), 0);
        assert_int_equal(f->calls_a, 1);
        assert_int_equal(f->d->n_fds, 0);
}

static void test_not_called_after_stop(void **state)
{
        Fixture *f = *state;

        assert_int_equal(drvhost_driver_add_fd(f->d, f->a.read_end, POLLIN, on_a, f), 0);
        assert_int_equal(write(f->a.write_end, "x", 1), 1);
        /* The device is unplugged in the same iteration: the stop comes first. */
        f->device_write_end = safe_close(f->device_write_end);
        assert_int_equal(drvhost_driver_run(f->d, &ops, f), 0);
        assert_int_equal(f->calls_a, 0);
        assert_int_equal(drvhost_driver_exit_status(f->d), DRVHOST_EXIT_UNPLUGGED);
}

static void test_bad_arguments(void **state)
{
        Fixture *f = *state;

        assert_int_equal(drvhost_driver_add_fd(NULL, f->a.read_end, POLLIN, on_a, f), -EINVAL);
        assert_int_equal(drvhost_driver_add_fd(f->d, -1, POLLIN, on_a, f), -EINVAL);
        assert_int_equal(drvhost_driver_add_fd(f->d, f->a.read_end, POLLIN, NULL, f), -EINVAL);
        assert_int_equal(drvhost_driver_add_fd(f->d, f->a.read_end, POLLIN, on_a, f), 0);
        assert_int_equal(drvhost_driver_add_fd(f->d, f->a.read_end, POLLOUT, on_b, f), -EEXIST);
        assert_int_equal(drvhost_driver_set_fd_events(f->d, f->b.read_end, POLLIN), -ENOENT);
        assert_int_equal(drvhost_driver_set_fd_events(NULL, f->a.read_end, POLLIN), -EINVAL);
        assert_int_equal(drvhost_driver_remove_fd(f->d, f->b.read_end), -ENOENT);
        assert_int_equal(drvhost_driver_remove_fd(NULL, f->a.read_end), -EINVAL);
        assert_int_equal(drvhost_driver_remove_fd(f->d, f->a.read_end), 0);
        assert_int_equal(drvhost_driver_remove_fd(f->d, f->a.read_end), -ENOENT);
}

static void test_limit(void **state)
{
        Fixture *f = *state;

        /* Numbers need not be open to be registered; only distinct. */
        for (int i = 0; i < DRVHOST_DRIVER_FDS_MAX; i++)
                assert_int_equal(drvhost_driver_add_fd(f->d, 1000 + i, POLLIN, on_a, f), 0);
        assert_int_equal(drvhost_driver_add_fd(f->d, 999, POLLIN, on_a, f), -E2BIG);
        assert_int_equal(drvhost_driver_remove_fd(f->d, 1000), 0);
        assert_int_equal(drvhost_driver_add_fd(f->d, 999, POLLIN, on_a, f), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_readable_fd_runs_handler, setup, teardown),
            cmocka_unit_test_setup_teardown(test_idle_fd_is_not_called, setup, teardown),
            cmocka_unit_test_setup_teardown(test_paused_fd_is_not_polled, setup, teardown),
            cmocka_unit_test_setup_teardown(test_handler_removes_other_fd, setup, teardown),
            cmocka_unit_test_setup_teardown(test_handler_replaces_fd_number, setup, teardown),
            cmocka_unit_test_setup_teardown(test_handler_error_ends_run, setup, teardown),
            cmocka_unit_test_setup_teardown(test_handler_removes_itself, setup, teardown),
            cmocka_unit_test_setup_teardown(test_not_called_after_stop, setup, teardown),
            cmocka_unit_test_setup_teardown(test_bad_arguments, setup, teardown),
            cmocka_unit_test_setup_teardown(test_limit, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
