/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The binding's driver deaths: which count, once each, the restarts and the crash loop's return to
 * the kernel. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "binding-control.h"
#include "binding.h"
#include "context.h"
#include "device-info.h"
#include "device-record.h"
#include "fault-channel.h"

#include "binding-fake.h"

/* Seen in storm: the unit an earlier binding of the same name left failed; the ResetFailedUnit
 * before the new start turns it inactive with a new inactive-enter time, the exit cleared and the
 * result "success". That is no death of the new binding's driver. */
static void test_reset_of_a_failed_unit_is_no_crash(void **state)
{
        Context *c = *state;
        Binding *b;

        last = status("failed", "failed");
        last.exec_main_exit_usec = ++fake.clock;
        last.exec_main_code = CLD_EXITED;
        last.exec_main_status = 1;
        last.inactive_enter_usec = ++fake.clock;
        assert_int_equal(binding_new_raw(c, &fake_backend, SYSPATH, "1-1:1.0", NULL, &manifest, &b), 0);
        assert_int_equal(binding_handle(b, BINDING_INPUT_PLUGGED, NULL), 0);
        b = feed(c, "failed", "failed"); /* the first status: the earlier run's end */
        last.exec_main_exit_usec = 0;
        last.exec_main_code = 0;
        last.inactive_enter_usec = ++fake.clock;
        b = feed(c, "inactive", "dead");
        b = feed(c, "activating", "start");
        b = feed(c, "active", "running");
        assert_int_equal(fake.events[BINDING_EVENT_CRASHED], 0);
        assert_int_equal(b->state, BINDING_RUNNING);
}

static void test_crash_restarts_on_fresh_claim(void **state)
{
        Context *c = *state;
        Binding *b = plug(c);

        b = die(c, CLD_KILLED, SIGSEGV);
        assert_int_equal(b->state, BINDING_RESTARTING);
        assert_int_equal(fake.events[BINDING_EVENT_CRASHED], 1);
        assert_int_equal(fake.renews, 1);
        assert_true(binding_start_delay(b, 0) > 0);
        b = feed(c, "activating", "auto-restart"); /* systemd restarts it itself */
        assert_int_equal(fake.starts, 1);
        b = feed(c, "active", "running");
        assert_int_equal(b->state, BINDING_RUNNING);
        assert_int_equal(fake.events[BINDING_EVENT_RESTARTED], 1);
        assert_int_equal(b->n_restarts, 1);
}

/* Measured under 100 injected faults: 89 crash events for 74 real deaths, a death read twice while
 * systemd was mid-restart. Each death counts once, however many signals carry it. */
static void test_death_reported_twice_counts_once(void **state)
{
        Context *c = *state;
        Binding *b = plug(c);

        b = die(c, CLD_KILLED, SIGSEGV);
        b = feed(c, "activating", "auto-restart");
        b = feed(c, "activating", "auto-restart");
        /* systemd 252's restart job stops the unit on the way (inactive, a new inactive-enter
         * time), and the new start clears the exit: neither is a second death. */
        b = feed(c, "inactive", "dead");
        last.exec_main_exit_usec = 0;
        last.exec_main_code = 0;
        b = feed(c, "activating", "start");
        assert_int_equal(fake.events[BINDING_EVENT_CRASHED], 1);
        assert_int_equal(b->history.n_deaths, 1);
        /* A process that ends and a unit that goes down with it: one death too. */
        b = feed(c, "active", "running");
        b = die(c, CLD_EXITED, 1);
        b = feed(c, "failed", "failed");
        assert_int_equal(fake.events[BINDING_EVENT_CRASHED], 2);
        assert_int_equal(b->history.n_deaths, 2);
}

/* Seen in the lab: one SIGHUP to the printer driver, then 192 print jobs refused in a row. systemd
 * counts SIGHUP, SIGTERM and exit 0 as clean; with the device there they are crashes. */
static void test_clean_exit_with_device_present_is_a_crash(void **state)
{
        Context *c = *state;
        Binding *b = plug(c);

        b = die(c, CLD_EXITED, 0);
        assert_int_equal(fake.events[BINDING_EVENT_CRASHED], 1);
        assert_int_equal(b->state, BINDING_RESTARTING);
        b = feed(c, "inactive", "dead"); /* systemd did not restart it: drvhostd does */
        assert_int_equal(fake.starts, 2);
        b = feed(c, "active", "running");
        assert_int_equal(fake.events[BINDING_EVENT_RESTARTED], 1);
        b = die(c, CLD_KILLED, SIGHUP);
        assert_int_equal(fake.events[BINDING_EVENT_CRASHED], 2);
}

static void test_crash_loop_gives_up_and_falls_back(void **state)
{
        Context *c = *state;
        Binding *b = plug(c);

        for (unsigned i = 0; i < manifest.restart_limit_burst - 1; i++) {
                b = die(c, CLD_KILLED, SIGSEGV);
                b = feed(c, "activating", "auto-restart");
                b = feed(c, "active", "running");
        }
        assert_int_equal(fake.events[BINDING_EVENT_GAVE_UP], 0);
        b = die(c, CLD_KILLED, SIGSEGV);
        assert_int_equal(fake.events[BINDING_EVENT_GAVE_UP], 1);
        assert_int_equal(b->state, BINDING_GAVE_UP);
        assert_int_equal(fake.stops, 1);
        b = feed(c, "inactive", "dead");
        assert_non_null(b);
        assert_int_equal(b->state, BINDING_FALLEN_BACK);
        assert_int_equal(fake.events[BINDING_EVENT_FELL_BACK], 1);
        assert_string_equal(b->kernel_driver, "usblp");
        assert_false(binding_holds_device(b));
        /* A restart on request binds it anew. */
        assert_int_equal(binding_handle(b, BINDING_INPUT_RESTART, NULL), 0);
        assert_null(binding_find_by_syspath(c, SYSPATH));
        assert_int_equal(fake.last_after, AFTER_RETURN_REMATCH);
}

static void test_unplug_while_restarting(void **state)
{
        Context *c = *state;
        Binding *b = plug(c);

        b = die(c, CLD_KILLED, SIGSEGV);
        assert_int_equal(b->state, BINDING_RESTARTING);
        fake.present = false;
        assert_int_equal(binding_handle(b, BINDING_INPUT_UNPLUGGED, NULL), 0);
        assert_null(binding_find_by_syspath(c, SYSPATH));
        assert_int_equal(fake.events[BINDING_EVENT_CRASHED], 1);
}

static void test_death_of_an_unplugged_device_is_no_crash(void **state)
{
        Context *c = *state;
        Binding *b = plug(c);

        fake.present = false;
        b = die(c, CLD_EXITED, 75);
        b = feed(c, "inactive", "dead");
        assert_int_equal(fake.events[BINDING_EVENT_CRASHED], 0);
        assert_int_equal(binding_handle(b, BINDING_INPUT_UNPLUGGED, NULL), 0);
        assert_null(binding_find_by_syspath(c, SYSPATH));
        assert_int_equal(fake.events[BINDING_EVENT_CRASHED], 0);
}

static void test_restart_on_request_is_no_crash(void **state)
{
        Context *c = *state;
        Binding *b = plug(c);

        assert_int_equal(binding_handle(b, BINDING_INPUT_RESTART, NULL), 0);
        assert_int_equal(b->state, BINDING_CYCLING);
        assert_int_equal(binding_handle(b, BINDING_INPUT_RESTART, NULL), -EBUSY);
        b = die(c, CLD_KILLED, SIGTERM); /* our stop */
        b = feed(c, "inactive", "dead");
        assert_int_equal(b->state, BINDING_STARTING);
        assert_int_equal(fake.renews, 1);
        b = feed(c, "active", "running");
        assert_int_equal(b->state, BINDING_RUNNING);
        assert_int_equal(fake.events[BINDING_EVENT_RESTART_REQUESTED], 1);
        assert_int_equal(fake.events[BINDING_EVENT_CRASHED], 0);
        assert_int_equal(fake.events[BINDING_EVENT_RESTARTED], 0);
}

static void test_inject_only_into_a_serving_driver(void **state)
{
        Context *c = *state;
        Binding *b = plug(c);

        assert_int_equal(binding_inject(b, FAULT_HANG), -EOPNOTSUPP);
        assert_int_equal(binding_inject(b, FAULT_CRASH), 0);
        assert_int_equal(fake.killed_with, SIGSEGV);
        assert_int_equal(fake.injected_when_kill, 1);
        b = die(c, CLD_KILLED, SIGSEGV); /* counted as any crash */
        assert_int_equal(fake.events[BINDING_EVENT_CRASHED], 1);
        fake.killed_with = 0;
        assert_int_equal(binding_inject(b, FAULT_EXIT), -ESRCH); /* restarting: nothing to signal */
        assert_int_equal(fake.killed_with, 0);
        assert_int_equal(fake.events[BINDING_EVENT_INJECTED], 1);
}

/* Seen in the lab (ctl, inject exit): systemd restarted the driver before drvhostd read the exit,
 * whose timestamp the new start had cleared: the death went uncounted. The successor names it. */
static void test_death_seen_only_through_its_successor(void **state)
{
        Context *c = *state;
        Binding *b = plug(c);

        b = respawn(c, "active", "running");
        assert_int_equal(fake.events[BINDING_EVENT_CRASHED], 1);
        assert_int_equal(fake.events[BINDING_EVENT_RESTARTED], 1);
        assert_int_equal(b->state, BINDING_RUNNING);
        assert_int_equal(b->n_restarts, 1);
        assert_int_equal(fake.renews, 0); /* the successor may hold the file already */
        assert_int_equal(fake.starts, 1); /* systemd started it */
        b = feed(c, "active", "running");
        assert_int_equal(fake.events[BINDING_EVENT_CRASHED], 1);
        /* Its own death is counted as usual. */
        b = die(c, CLD_KILLED, SIGSEGV);
        assert_int_equal(fake.events[BINDING_EVENT_CRASHED], 2);
        assert_int_equal(b->history.n_deaths, 2);
}

static void test_successor_still_starting(void **state)
{
        Context *c = *state;
        Binding *b = plug(c);

        b = respawn(c, "activating", "start");
        assert_int_equal(fake.events[BINDING_EVENT_CRASHED], 1);
        assert_int_equal(b->state, BINDING_RESTARTING);
        b = respawn(c, "activating", "start"); /* not seen serving: not ours to count */
        assert_int_equal(fake.events[BINDING_EVENT_CRASHED], 1);
        b = feed(c, "active", "running");
        assert_int_equal(fake.events[BINDING_EVENT_RESTARTED], 1);
        assert_int_equal(b->state, BINDING_RUNNING);
}

/* The usual order: the exit, then the new process. One death. */
static void test_exit_then_successor_counts_once(void **state)
{
        Context *c = *state;
        Binding *b = plug(c);

        b = die(c, CLD_EXITED, 0);
        b = feed(c, "activating", "auto-restart");
        b = respawn(c, "activating", "start");
        b = feed(c, "active", "running");
        assert_int_equal(fake.events[BINDING_EVENT_CRASHED], 1);
        assert_int_equal(fake.events[BINDING_EVENT_RESTARTED], 1);
        assert_int_equal(b->history.n_deaths, 1);
        assert_int_equal(fake.renews, 1);
}

/* A new process after our own stop or restart is no death. */
static void test_successor_after_a_restart_on_request_is_no_crash(void **state)
{
        Context *c = *state;
        Binding *b = plug(c);

        assert_int_equal(binding_handle(b, BINDING_INPUT_RESTART, NULL), 0);
        b = die(c, CLD_KILLED, SIGTERM);
        b = feed(c, "inactive", "dead");
        b = respawn(c, "active", "running");
        assert_int_equal(b->state, BINDING_RUNNING);
        assert_int_equal(fake.events[BINDING_EVENT_CRASHED], 0);
}

/* A death read with the unit already down (systemd will not restart it: exit 75 with the device
 * present, a start limit): drvhostd starts it, it does not wait for another signal. */
static void test_death_read_when_down_is_restarted(void **state)
{
        Context *c = *state;
        Binding *b = plug(c);

        last.exec_main_exit_usec = ++fake.clock;
        last.exec_main_code = CLD_EXITED;
        last.exec_main_status = 75;
        b = feed(c, "inactive", "dead");
        assert_int_equal(fake.events[BINDING_EVENT_CRASHED], 1);
        assert_int_equal(b->state, BINDING_RESTARTING);
        assert_int_equal(fake.starts, 2);
        b = respawn(c, "active", "running");
        assert_int_equal(fake.events[BINDING_EVENT_RESTARTED], 1);
        assert_int_equal(fake.events[BINDING_EVENT_CRASHED], 1);
}

static Binding *crash_loop(Context *c)
{
        Binding *b = plug(c);

        for (unsigned i = 0; i < manifest.restart_limit_burst; i++)
                b = die(c, CLD_KILLED, SIGSEGV);
        assert_int_equal(b->state, BINDING_GAVE_UP);
        return feed(c, "inactive", "dead");
}

/* Seen in the lab (crash-loop-fallback): usblp's probe did not take the printer back at once. */
static void test_return_probes_again_until_a_kernel_driver_binds(void **state)
{
        Context *c = *state;
        Binding *b;

        fake.unbound_returns = 2;
        b = crash_loop(c);
        assert_int_equal(b->state, BINDING_RETURNING);
        assert_int_equal(fake.returns, 1);
        assert_int_equal(binding_handle(b, BINDING_INPUT_TIMER, NULL), 0);
        assert_int_equal(fake.returns, 2);
        assert_int_equal(fake.events[BINDING_EVENT_FELL_BACK], 0);
        assert_int_equal(binding_handle(b, BINDING_INPUT_TIMER, NULL), 0);
        assert_int_equal(fake.returns, 3);
        assert_int_equal(b->state, BINDING_FALLEN_BACK);
        assert_int_equal(fake.events[BINDING_EVENT_FELL_BACK], 1);
        assert_string_equal(b->kernel_driver, "usblp");
}

/* A device no kernel driver wants falls back all the same, after a bounded number of probes. */
static void test_return_without_a_kernel_driver_ends(void **state)
{
        Context *c = *state;
        Binding *b;

        fake.unbound_returns = UINT_MAX;
        b = crash_loop(c);
        for (unsigned i = 0; i < 100 && b->state == BINDING_RETURNING; i++)
                assert_int_equal(binding_handle(b, BINDING_INPUT_TIMER, NULL), 0);
        assert_int_equal(b->state, BINDING_FALLEN_BACK);
        assert_int_equal(fake.events[BINDING_EVENT_FELL_BACK], 1);
        assert_null(b->kernel_driver);
        assert_true(fake.returns > 1 && fake.returns < 100);
}

/* The faults of the runtime library go through the fault channel, and only to a driver process
 * whose library announced them; a signal's fault still goes through systemd. */
static void test_library_fault_only_when_announced(void **state)
{
        Context *c = *state;
        Binding *b = plug(c);
        char buf[FAULT_CHANNEL_MESSAGE_MAX + 1];
        const char *announce = FAULT_CHANNEL_KEY_FAULTS "hang,crash,bogus";
        int peer;
        ssize_t n;

        assert_int_equal(binding_inject(b, FAULT_HANG), -EOPNOTSUPP); /* no channel yet */
        peer = binding_control_open(b);
        assert_true(peer >= 0);
        assert_int_equal(binding_inject(b, FAULT_HANG), -EOPNOTSUPP); /* nothing announced */
        assert_int_equal(send(peer, announce, strlen(announce), 0), (ssize_t)strlen(announce));
        assert_true(sd_event_run(c->event, 0) >= 0);
        assert_int_equal(b->control_faults, UINT32_C(1) << FAULT_HANG); /* crash is a signal's */
        assert_int_equal(binding_inject(b, FAULT_STALL), -EOPNOTSUPP);
        assert_int_equal(fake.events[BINDING_EVENT_INJECTED], 0);
        assert_int_equal(binding_inject(b, FAULT_HANG), 0);
        assert_int_equal(fake.events[BINDING_EVENT_INJECTED], 1);
        assert_int_equal(fake.killed_with, 0);
        n = recv(peer, buf, sizeof(buf) - 1, MSG_DONTWAIT);
        assert_true(n > 0);
        buf[n] = '\0';
        assert_string_equal(buf, FAULT_CHANNEL_KEY_FAULT "hang");
        /* The driver process ends with its end of the channel: nothing is left to inject into. */
        safe_close(peer);
        assert_true(sd_event_run(c->event, 0) >= 0);
        assert_true(b->control_fd < 0);
        assert_int_equal(binding_inject(b, FAULT_HANG), -EOPNOTSUPP);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_reset_of_a_failed_unit_is_no_crash, setup, teardown),
            cmocka_unit_test_setup_teardown(test_crash_restarts_on_fresh_claim, setup, teardown),
            cmocka_unit_test_setup_teardown(test_death_reported_twice_counts_once, setup, teardown),
            cmocka_unit_test_setup_teardown(test_clean_exit_with_device_present_is_a_crash, setup, teardown),
            cmocka_unit_test_setup_teardown(test_crash_loop_gives_up_and_falls_back, setup, teardown),
            cmocka_unit_test_setup_teardown(test_unplug_while_restarting, setup, teardown),
            cmocka_unit_test_setup_teardown(test_death_of_an_unplugged_device_is_no_crash, setup, teardown),
            cmocka_unit_test_setup_teardown(test_restart_on_request_is_no_crash, setup, teardown),
            cmocka_unit_test_setup_teardown(test_inject_only_into_a_serving_driver, setup, teardown),
            cmocka_unit_test_setup_teardown(test_death_seen_only_through_its_successor, setup, teardown),
            cmocka_unit_test_setup_teardown(test_successor_still_starting, setup, teardown),
            cmocka_unit_test_setup_teardown(test_exit_then_successor_counts_once, setup, teardown),
            cmocka_unit_test_setup_teardown(test_successor_after_a_restart_on_request_is_no_crash, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(test_death_read_when_down_is_restarted, setup, teardown),
            cmocka_unit_test_setup_teardown(test_return_probes_again_until_a_kernel_driver_binds, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(test_return_without_a_kernel_driver_ends, setup, teardown),
            cmocka_unit_test_setup_teardown(test_library_fault_only_when_announced, setup, teardown),
        };

        (void)unsetenv("NOTIFY_SOCKET"); /* the fd store pushes are no-ops here */
        return cmocka_run_group_tests(tests, NULL, NULL);
}
