/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The binding's life without deaths: plug, adopt, release, unplug, claim failures, lookups. */
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

#include "binding-fake.h"

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

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_plug_starts_and_runs, setup, teardown),
            cmocka_unit_test_setup_teardown(test_unplug_while_starting, setup, teardown),
            cmocka_unit_test_setup_teardown(test_adopt_after_daemon_restart, setup, teardown),
            cmocka_unit_test_setup_teardown(test_release_returns_device_and_stays, setup, teardown),
            cmocka_unit_test_setup_teardown(test_release_while_stopping_closes_device, setup, teardown),
            cmocka_unit_test_setup_teardown(test_release_before_the_unit_ran, setup, teardown),
            cmocka_unit_test_setup_teardown(test_claim_failure_frees_binding, setup, teardown),
            cmocka_unit_test_setup_teardown(test_explain_fallback_claimed_interface_no_crash, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(test_claimed_interface_is_found, setup, teardown),
        };

        (void)unsetenv("NOTIFY_SOCKET"); /* the fd store pushes are no-ops here */
        return cmocka_run_group_tests(tests, NULL, NULL);
}
