/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The library's end of the fault channel, without a device: a socketpair stands in for drvhostd. What
 * it pins: the library announces exactly the faults no signal expresses; each fault request does
 * what it says (slow delays libusb's event handling, stall leaves a transfer stuck for the
 * I/O-progress watchdog, hang stops the loop, oom allocates until it is ended); a request it does not
 * know, or a signal's fault, changes nothing. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "driver-internal.h"
#include "fault-channel.h"
#include "macro.h"

enum {
        USEC_PER_MSEC = 1000,
        HANG_CHECK_USEC = 300 * USEC_PER_MSEC,
        OOM_ADDRESS_SPACE = 256 << 20, /* the child's RLIMIT_AS: its allocations end well before */
        CHILD_SETUP_FAILED = 3,
};

typedef struct Fixture {
        DrvhostDriver *d;
        int drvhostd; /* drvhostd's end of the channel */
} Fixture;

static int setup(void **state)
{
        Fixture *f = calloc(1, sizeof(*f));
        int pair[2];

        assert_non_null(f);
        assert_int_equal(driver_alloc(&f->d), 0);
        assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair), 0);
        f->drvhostd = pair[0];
        f->d->env.control_fd = pair[1];
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        Fixture *f = *state;

        drvhost_driver_free(f->d);
        safe_close(f->drvhostd);
        free(f);
        return 0;
}

static void receive(int fd, char *buf, size_t size)
{
        ssize_t n = recv(fd, buf, size - 1, MSG_DONTWAIT);

        assert_true(n > 0);
        buf[n] = '\0';
}

static void request_to(DrvhostDriver *d, int drvhostd, const char *msg)
{
        assert_int_equal(send(drvhostd, msg, strlen(msg), 0), (ssize_t)strlen(msg));
        /* One iteration of the loop dispatches it. */
        assert_true(sd_event_run(d->event, 0) >= 0);
}

static void request(Fixture *f, const char *msg)
{
        request_to(f->d, f->drvhostd, msg);
}

static void test_announces_the_library_faults_once(void **state)
{
        Fixture *f = *state;
        char buf[FAULT_CHANNEL_MESSAGE_MAX + 1];

        assert_int_equal(driver_faults_attach(f->d), 0);
        receive(f->drvhostd, buf, sizeof(buf));
        assert_string_equal(buf, FAULT_CHANNEL_KEY_FAULTS "hang,stall,oom,slow");
        assert_int_equal(driver_faults_attach(f->d), 0); /* a second run of the loop */
        assert_int_equal(recv(f->drvhostd, buf, sizeof(buf), MSG_DONTWAIT), -1);
        assert_int_equal(errno, EAGAIN);
}

static void test_without_a_channel_nothing_happens(void **state)
{
        Fixture *f = *state;

        f->d->env.control_fd = safe_close(f->d->env.control_fd);
        assert_int_equal(driver_faults_attach(f->d), 0);
        assert_null(f->d->control_source);
}

static void test_slow_and_stall(void **state)
{
        Fixture *f = *state;

        assert_int_equal(driver_faults_attach(f->d), 0);
        request(f, FAULT_CHANNEL_KEY_FAULT "slow");
        assert_true(f->d->fault_slow_usec > 0);
        assert_false(f->d->fault_stalled);
        assert_int_equal(f->d->watchdog.n_in_flight, 0);
        request(f, FAULT_CHANNEL_KEY_FAULT "stall");
        assert_true(f->d->fault_stalled);
        assert_false(f->d->usb_attached);
        assert_int_equal(f->d->watchdog.n_in_flight, 1);
        /* The stuck transfer becomes a stall for the watchdog once the limit is past. */
        assert_true(watchdog_stalled(&f->d->watchdog,
                                     watchdog_now(&f->d->watchdog) + f->d->watchdog.stall_limit_usec + 1));
}

static void test_unknown_and_signal_faults_are_ignored(void **state)
{
        Fixture *f = *state;

        assert_int_equal(driver_faults_attach(f->d), 0);
        request(f, FAULT_CHANNEL_KEY_FAULT "crash"); /* a signal's, not the channel's */
        request(f, FAULT_CHANNEL_KEY_FAULT "hangs");
        request(f, "hang");
        assert_int_equal(f->d->fault_slow_usec, 0);
        assert_false(f->d->fault_stalled);
        assert_non_null(f->d->control_source); /* and the channel still listens */
}

/* hang and oom do not return: each in a child of its own. */
static pid_t fork_with_fault(Fixture *f, const char *fault, bool limit_memory)
{
        pid_t pid = fork();

        assert_true(pid >= 0);
        if (pid == 0) {
                struct rlimit rl = {.rlim_cur = OOM_ADDRESS_SPACE, .rlim_max = OOM_ADDRESS_SPACE};
                DrvhostDriver *child;

                /* An sd-event loop belongs to the process that made it: the child makes its own. */
                if (driver_alloc(&child) < 0)
                        _exit(CHILD_SETUP_FAILED);
                child->env.control_fd = f->d->env.control_fd;
                if (limit_memory && setrlimit(RLIMIT_AS, &rl) < 0)
                        _exit(CHILD_SETUP_FAILED);
                if (driver_faults_attach(child) < 0)
                        _exit(CHILD_SETUP_FAILED);
                request_to(child, f->drvhostd, fault);
                _exit(EXIT_SUCCESS); /* the fault returned: a failure of the test */
        }
        return pid;
}

static void test_hang_stops_the_loop(void **state)
{
        Fixture *f = *state;
        pid_t pid = fork_with_fault(f, FAULT_CHANNEL_KEY_FAULT "hang", false);
        int status;

        /* Not a timed assertion: a hang that returned would have exited long before. */
        (void)usleep(HANG_CHECK_USEC);
        assert_int_equal(waitpid(pid, &status, WNOHANG), 0); /* still there, not returned */
        assert_int_equal(kill(pid, SIGABRT), 0);             /* as systemd's watchdog does */
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFSIGNALED(status));
        assert_int_equal(WTERMSIG(status), SIGABRT);
}

static void test_oom_allocates_until_it_ends(void **state)
{
        Fixture *f = *state;
        pid_t pid;
        int status;

        pid = fork_with_fault(f, FAULT_CHANNEL_KEY_FAULT "oom", true);
        assert_int_equal(waitpid(pid, &status, 0), pid);
        /* Never a return. Without ASan malloc() fails at the limit and the fault aborts; ASan's
         * allocator reports the exhaustion and exits with its own status. */
        assert_false(WIFEXITED(status) && WEXITSTATUS(status) == EXIT_SUCCESS);
        assert_false(WIFEXITED(status) && WEXITSTATUS(status) == CHILD_SETUP_FAILED);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_announces_the_library_faults_once, setup, teardown),
            cmocka_unit_test_setup_teardown(test_without_a_channel_nothing_happens, setup, teardown),
            cmocka_unit_test_setup_teardown(test_slow_and_stall, setup, teardown),
            cmocka_unit_test_setup_teardown(test_unknown_and_signal_faults_are_ignored, setup, teardown),
            cmocka_unit_test_setup_teardown(test_hang_stops_the_loop, setup, teardown),
            cmocka_unit_test_setup_teardown(test_oom_allocates_until_it_ends, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
