/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The binding state machine without a VM: a fake backend and fake unit ops; the unit's status is fed
 * as systemd's signals would bring it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "binding.h"
#include "context.h"
#include "device-info.h"
#include "device-record.h"

#define SYSPATH "/sys/devices/platform/dummy_hcd.0/usb1/1-1/1-1:1.0"
#define DATA_SYSPATH "/sys/devices/platform/dummy_hcd.0/usb1/1-1/1-1:1.1"

typedef struct Fake {
        /* backend */
        bool present;
        unsigned claims, renews, closes, returns;
        int claim_error;
        /* unit ops */
        unsigned starts, stops, resets, watches;
        int killed_with;             /* the signal of the last kill op */
        unsigned injected_when_kill; /* INJECTED events by then: announced before the signal */
        /* listener */
        unsigned events[_BINDING_EVENT_MAX];
        BindingAfterReturn last_after;
        char last_reason[256];
        /* a running "time" for exit timestamps */
        uint64_t clock;
} Fake;

static Fake fake;

static int fake_init(Binding *b _unused_, sd_device *dev _unused_, const Manifest *m _unused_)
{
        return 0;
}

static int fake_claim(Binding *b)
{
        fake.claims++;
        if (fake.claim_error < 0)
                return fake.claim_error;
        b->fd = -EBADF;      /* nothing real to hold */
        b->interfaces = 0x3; /* claims its function: interfaces 0 and 1 */
        return 0;
}

static int fake_renew(Binding *b _unused_)
{
        fake.renews++;
        return 0;
}

static int fake_adopt(Binding *b _unused_, int fd _unused_)
{
        return 0;
}

static int fake_stored_fd(const Binding *b _unused_)
{
        return STDIN_FILENO; /* NOTIFY_SOCKET is unset: the push goes nowhere */
}

static void fake_close(Binding *b _unused_)
{
        fake.closes++;
}

static bool fake_held(const Binding *b _unused_)
{
        return false;
}

static int fake_return(Binding *b)
{
        fake.returns++;
        free(b->kernel_driver);
        b->kernel_driver = strdup("usblp");
        return 0;
}

static bool fake_present(const Binding *b _unused_)
{
        return fake.present;
}

static const BackendOps fake_backend = {
    .name = "fake",
    .init = fake_init,
    .claim = fake_claim,
    .renew = fake_renew,
    .adopt = fake_adopt,
    .stored_fd = fake_stored_fd,
    .close = fake_close,
    .held = fake_held,
    .return_to_kernel = fake_return,
    .present = fake_present,
};

static int fake_start(void *u _unused_, const char *unit _unused_)
{
        fake.starts++;
        return 0;
}

static int fake_stop(void *u _unused_, const char *unit _unused_)
{
        fake.stops++;
        return 0;
}

static int fake_reset(void *u _unused_, const char *unit _unused_)
{
        fake.resets++;
        return 0;
}

struct UnitWatch {
        int dummy;
};

static int fake_watch(void *u _unused_, const char *unit _unused_, unit_status_handler_t f _unused_,
                      void *userdata _unused_, UnitWatch **ret)
{
        fake.watches++;
        *ret = calloc(1, sizeof(UnitWatch));
        return *ret ? 0 : -ENOMEM;
}

static UnitWatch *fake_unwatch(UnitWatch *w)
{
        free(w);
        return NULL;
}

static int fake_kill(void *u _unused_, const char *unit _unused_, int signo)
{
        fake.killed_with = signo;
        fake.injected_when_kill = fake.events[BINDING_EVENT_INJECTED];
        return 0;
}

static const UnitOps fake_unit_ops = {
    .start = fake_start,
    .stop = fake_stop,
    .reset_failed = fake_reset,
    .kill = fake_kill,
    .watch = fake_watch,
    .unwatch = fake_unwatch,
};

static void listener(Binding *b _unused_, int event, const struct BindingEventData *d,
                     void *userdata _unused_)
{
        fake.events[event]++;
        if (event == BINDING_EVENT_FREED)
                fake.last_after = d->after;
        if (d->reason)
                (void)snprintf(fake.last_reason, sizeof(fake.last_reason), "%s", d->reason);
}

static Manifest manifest = {
    .name = (char *)"usb-printer",
    .exec = (char *)"/usr/libexec/drvhost/drvhost-printer",
    .fallback_to_kernel = true,
    .restart_limit_burst = 3,
    .restart_limit_interval_sec = 10,
};

static int setup(void **state)
{
        Context *c;

        fake = (Fake){.present = true, .clock = 1000};
        assert_int_equal(context_new(&c), 0);
        c->unit_ops = &fake_unit_ops;
        assert_int_equal(binding_add_listener(c, listener, NULL), 0);
        *state = c;
        return 0;
}

static int teardown(void **state)
{
        context_free(*state);
        return 0;
}

static UnitStatus status(const char *active, const char *sub)
{
        UnitStatus st = {};

        (void)snprintf(st.active_state, sizeof(st.active_state), "%s", active);
        (void)snprintf(st.sub_state, sizeof(st.sub_state), "%s", sub);
        (void)snprintf(st.result, sizeof(st.result), "success");
        return st;
}

/* The unit as systemd reports it: its state and the last process exit and inactive entry. */
static UnitStatus last;

static Binding *feed(Context *c, const char *active, const char *sub)
{
        Binding *b = binding_find_by_syspath(c, SYSPATH);
        UnitStatus st = status(active, sub);

        st.exec_main_exit_usec = last.exec_main_exit_usec;
        st.exec_main_code = last.exec_main_code;
        st.exec_main_status = last.exec_main_status;
        st.inactive_enter_usec = last.inactive_enter_usec;
        if (unit_status_is_down(&st) && !unit_status_is_down(&last))
                st.inactive_enter_usec = ++fake.clock;
        last = st;
        assert_non_null(b);
        assert_int_equal(binding_handle(b, BINDING_INPUT_UNIT_CHANGED, &st), 0);
        return binding_find_by_syspath(c, SYSPATH);
}

/* The main process ends: systemd's Service signal comes first, with the Unit's state unchanged. */
static Binding *die(Context *c, int code, int st)
{
        last.exec_main_exit_usec = ++fake.clock;
        last.exec_main_code = code;
        last.exec_main_status = st;
        return feed(c, last.active_state, last.sub_state);
}

static Binding *plug(Context *c)
{
        Binding *b;

        last = status("inactive", "dead");
        assert_int_equal(
            binding_new_raw(c, &fake_backend, SYSPATH, "1-1:1.0", "usb:v1D6Bp0104", &manifest, &b), 0);
        assert_int_equal(binding_handle(b, BINDING_INPUT_PLUGGED, NULL), 0);
        assert_int_equal(b->state, BINDING_STARTING);
        b = feed(c, "inactive", "dead"); /* the watch's first status: before the start */
        return feed(c, "active", "running");
}

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

static void test_plug_starts_and_runs(void **state)
{
        Context *c = *state;
        Binding *b = plug(c);

        assert_int_equal(b->state, BINDING_RUNNING);
        assert_int_equal(fake.claims, 1);
        assert_int_equal(fake.starts, 1);
        assert_int_equal(fake.resets, 1);
        assert_int_equal(fake.events[BINDING_EVENT_BOUND], 1);
        assert_int_equal(fake.events[BINDING_EVENT_CRASHED], 0);
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

static void test_unplug_while_starting(void **state)
{
        Context *c = *state;
        Binding *b;

        last = status("inactive", "dead");
        assert_int_equal(binding_new_raw(c, &fake_backend, SYSPATH, "1-1:1.0", NULL, &manifest, &b), 0);
        assert_int_equal(binding_handle(b, BINDING_INPUT_PLUGGED, NULL), 0);
        fake.present = false;
        assert_int_equal(binding_handle(b, BINDING_INPUT_UNPLUGGED, NULL), 0);
        assert_null(binding_find_by_syspath(c, SYSPATH));
        assert_int_equal(fake.stops, 1);
        assert_int_equal(fake.events[BINDING_EVENT_RELEASED], 1);
        assert_int_equal(fake.last_after, AFTER_RETURN_FORGET);
        assert_int_equal(fake.events[BINDING_EVENT_CRASHED], 0);
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

static void test_adopt_after_daemon_restart(void **state)
{
        Context *c = *state;
        Binding *b;
        int fd = -EBADF;

        last = status("active", "running");
        last.exec_main_exit_usec = 77; /* a death systemd already handled while drvhostd was away */
        assert_int_equal(binding_new_raw(c, &fake_backend, SYSPATH, "1-1:1.0", NULL, &manifest, &b), 0);
        assert_int_equal(binding_handle(b, BINDING_INPUT_ADOPTED, &fd), 0);
        assert_int_equal(b->state, BINDING_RUNNING);
        b = feed(c, "active", "running");
        assert_int_equal(fake.events[BINDING_EVENT_CRASHED], 0);
        assert_int_equal(fake.starts, 0);
        b = die(c, CLD_KILLED, SIGSEGV);
        assert_int_equal(fake.events[BINDING_EVENT_CRASHED], 1);
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

static void test_release_returns_device_and_stays(void **state)
{
        Context *c = *state;
        Binding *b = plug(c);

        assert_int_equal(binding_handle(b, BINDING_INPUT_RELEASE, NULL), 0);
        assert_int_equal(b->state, BINDING_STOPPING);
        b = die(c, CLD_KILLED, SIGTERM);
        assert_int_equal(fake.events[BINDING_EVENT_CRASHED], 0);
        b = feed(c, "inactive", "dead");
        assert_null(b);
        assert_int_equal(fake.returns, 1);
        assert_int_equal(fake.last_after, AFTER_RETURN_RELEASED);
}

/* A Release of a binding whose unit was still stopping freed it without taking its file out of the
 * fd store. Now the release joins the stop, and the file goes when the unit is down. */
static void test_release_while_stopping_closes_device(void **state)
{
        Context *c = *state;
        Binding *b = plug(c);

        assert_int_equal(binding_handle(b, BINDING_INPUT_REMATCH, "manifest changed"), 0);
        assert_int_equal(b->state, BINDING_STOPPING);
        assert_int_equal(binding_handle(b, BINDING_INPUT_RELEASE, NULL), 0);
        assert_non_null(binding_find_by_syspath(c, SYSPATH));
        assert_int_equal(fake.closes, 0);
        b = feed(c, "inactive", "dead");
        assert_null(b);
        assert_int_equal(fake.closes, 1);
        assert_int_equal(fake.last_after, AFTER_RETURN_RELEASED);
}

/* A stop that systemd merged into a start it had not run changes no state: the poll sees the unit
 * down and the device goes back anyway. */
static void test_release_before_the_unit_ran(void **state)
{
        Context *c = *state;
        Binding *b;

        last = status("inactive", "dead");
        assert_int_equal(binding_new_raw(c, &fake_backend, SYSPATH, "1-1:1.0", NULL, &manifest, &b), 0);
        assert_int_equal(binding_handle(b, BINDING_INPUT_PLUGGED, NULL), 0);
        b = feed(c, "inactive", "dead");
        assert_int_equal(binding_handle(b, BINDING_INPUT_RELEASE, NULL), 0);
        assert_int_equal(binding_handle(b, BINDING_INPUT_TIMER, NULL), 0);
        assert_null(binding_find_by_syspath(c, SYSPATH));
        assert_int_equal(fake.returns, 1);
}

static void test_claim_failure_frees_binding(void **state)
{
        Context *c = *state;
        Binding *b;

        fake.claim_error = -EBUSY;
        assert_int_equal(binding_new_raw(c, &fake_backend, SYSPATH, "1-1:1.0", NULL, &manifest, &b), 0);
        assert_int_equal(binding_handle(b, BINDING_INPUT_PLUGGED, NULL), -EBUSY);
        assert_null(binding_find_by_syspath(c, SYSPATH));
        assert_int_equal(fake.events[BINDING_EVENT_FAILED], 1);
        assert_int_equal(fake.starts, 0);
}

/* Found in the lab: after a CDC-ACM driver crash-looped and fell back, `drvhostctl explain 1-1:1.1`
 * (the data interface, claimed with the control one) run as user nobody killed drvhostd: explain
 * looked the binding up by the data interface's own syspath and got NULL. */
static void test_explain_fallback_claimed_interface_no_crash(void **state)
{
        Context *c = *state;
        DeviceRecord *rec;
        DeviceInfo info = {.sysname = "1-1:1.1", .syspath = DATA_SYSPATH, .kernel_driver = "cdc_acm"};
        _cleanup_free_ char *s = NULL, *s2 = NULL;

        assert_int_equal(device_record_set(c, DATA_SYSPATH, DECISION_FALLBACK, "usb-serial", NULL, "%s", ""),
                         0);
        rec = device_record_get(c, DATA_SYSPATH);
        device_info_from_record(rec, &info);
        assert_string_equal(info.decision, "fallback");
        assert_int_equal(device_explain_reason(rec, &info, "usb:v1D6Bp0104d0100dc02", NULL, &s), 0);
        assert_non_null(strstr(s, "usb-serial"));
        assert_non_null(strstr(s, "cdc_acm"));
        /* Without any record at all, too. */
        info.decision = "fallback";
        assert_int_equal(device_explain_reason(NULL, &info, NULL, NULL, &s2), 0);
}

static void test_claimed_interface_is_found(void **state)
{
        Context *c = *state;
        Binding *b = plug(c);

        assert_ptr_equal(binding_claiming(c, "/sys/devices/platform/dummy_hcd.0/usb1/1-1", 1), b);
        assert_null(binding_claiming(c, "/sys/devices/platform/dummy_hcd.0/usb1/1-1", 2));
        assert_null(binding_claiming(c, "/sys/devices/platform/dummy_hcd.0/usb1/1-2", 1));
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

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_plug_starts_and_runs, setup, teardown),
            cmocka_unit_test_setup_teardown(test_reset_of_a_failed_unit_is_no_crash, setup, teardown),
            cmocka_unit_test_setup_teardown(test_crash_restarts_on_fresh_claim, setup, teardown),
            cmocka_unit_test_setup_teardown(test_death_reported_twice_counts_once, setup, teardown),
            cmocka_unit_test_setup_teardown(test_clean_exit_with_device_present_is_a_crash, setup, teardown),
            cmocka_unit_test_setup_teardown(test_crash_loop_gives_up_and_falls_back, setup, teardown),
            cmocka_unit_test_setup_teardown(test_unplug_while_starting, setup, teardown),
            cmocka_unit_test_setup_teardown(test_unplug_while_restarting, setup, teardown),
            cmocka_unit_test_setup_teardown(test_death_of_an_unplugged_device_is_no_crash, setup, teardown),
            cmocka_unit_test_setup_teardown(test_adopt_after_daemon_restart, setup, teardown),
            cmocka_unit_test_setup_teardown(test_restart_on_request_is_no_crash, setup, teardown),
            cmocka_unit_test_setup_teardown(test_release_returns_device_and_stays, setup, teardown),
            cmocka_unit_test_setup_teardown(test_release_while_stopping_closes_device, setup, teardown),
            cmocka_unit_test_setup_teardown(test_release_before_the_unit_ran, setup, teardown),
            cmocka_unit_test_setup_teardown(test_claim_failure_frees_binding, setup, teardown),
            cmocka_unit_test_setup_teardown(test_explain_fallback_claimed_interface_no_crash, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(test_claimed_interface_is_found, setup, teardown),
            cmocka_unit_test_setup_teardown(test_inject_only_into_a_serving_driver, setup, teardown),
        };

        (void)unsetenv("NOTIFY_SOCKET"); /* the fd store pushes are no-ops here */
        return cmocka_run_group_tests(tests, NULL, NULL);
}
