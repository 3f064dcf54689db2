/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The binding state machine without a VM: a fake backend and fake unit ops, and the unit's status
 * fed as systemd's signals would bring it. For test-binding and test-binding-deaths. */
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
        unsigned unbound_returns; /* the first so many returns leave the device without a driver */
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

static inline int fake_init(Binding *b _unused_, sd_device *dev _unused_, const Manifest *m _unused_)
{
        return 0;
}

static inline int fake_claim(Binding *b)
{
        fake.claims++;
        if (fake.claim_error < 0)
                return fake.claim_error;
        b->fd = -EBADF;      /* nothing real to hold */
        b->interfaces = 0x3; /* claims its function: interfaces 0 and 1 */
        return 0;
}

static inline int fake_renew(Binding *b _unused_)
{
        fake.renews++;
        return 0;
}

static inline int fake_adopt(Binding *b _unused_, int fd _unused_)
{
        return 0;
}

static inline int fake_stored_fd(const Binding *b _unused_)
{
        return STDIN_FILENO; /* NOTIFY_SOCKET is unset: the push goes nowhere */
}

static inline void fake_close(Binding *b _unused_)
{
        fake.closes++;
}

static inline bool fake_held(const Binding *b _unused_)
{
        return false;
}

static inline int fake_return(Binding *b)
{
        fake.returns++;
        free(b->kernel_driver);
        b->kernel_driver = fake.returns > fake.unbound_returns ? strdup("usblp") : NULL;
        return 0;
}

static inline bool fake_present(const Binding *b _unused_)
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

static inline int fake_start(void *u _unused_, const char *unit _unused_)
{
        fake.starts++;
        return 0;
}

static inline int fake_stop(void *u _unused_, const char *unit _unused_)
{
        fake.stops++;
        return 0;
}

static inline int fake_reset(void *u _unused_, const char *unit _unused_)
{
        fake.resets++;
        return 0;
}

struct UnitWatch {
        int dummy;
};

static inline int fake_watch(void *u _unused_, const char *unit _unused_, unit_status_handler_t f _unused_,
                             void *userdata _unused_, UnitWatch **ret)
{
        fake.watches++;
        *ret = calloc(1, sizeof(UnitWatch));
        return *ret ? 0 : -ENOMEM;
}

static inline UnitWatch *fake_unwatch(UnitWatch *w)
{
        free(w);
        return NULL;
}

static inline int fake_kill(void *u _unused_, const char *unit _unused_, int signo)
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

static inline void listener(Binding *b _unused_, int event, const struct BindingEventData *d,
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

static inline int setup(void **state)
{
        Context *c;

        fake = (Fake){.present = true, .clock = 1000};
        assert_int_equal(context_new(&c), 0);
        c->unit_ops = &fake_unit_ops;
        assert_int_equal(binding_add_listener(c, listener, NULL), 0);
        *state = c;
        return 0;
}

static inline int teardown(void **state)
{
        context_free(*state);
        return 0;
}

static inline UnitStatus status(const char *active, const char *sub)
{
        UnitStatus st = {};

        (void)snprintf(st.active_state, sizeof(st.active_state), "%s", active);
        (void)snprintf(st.sub_state, sizeof(st.sub_state), "%s", sub);
        (void)snprintf(st.result, sizeof(st.result), "success");
        return st;
}

/* The unit as systemd reports it: its state, the main process's start and last exit, and the last
 * inactive entry. */
static UnitStatus last;

static inline Binding *feed(Context *c, const char *active, const char *sub)
{
        Binding *b = binding_find_by_syspath(c, SYSPATH);
        UnitStatus st = status(active, sub);

        st.exec_main_exit_usec = last.exec_main_exit_usec;
        st.exec_main_start_usec = last.exec_main_start_usec;
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
static inline Binding *die(Context *c, int code, int st)
{
        last.exec_main_exit_usec = ++fake.clock;
        last.exec_main_code = code;
        last.exec_main_status = st;
        return feed(c, last.active_state, last.sub_state);
}

static inline Binding *plug(Context *c)
{
        Binding *b;

        last = status("inactive", "dead");
        assert_int_equal(
            binding_new_raw(c, &fake_backend, SYSPATH, "1-1:1.0", "usb:v1D6Bp0104", &manifest, &b), 0);
        assert_int_equal(binding_handle(b, BINDING_INPUT_PLUGGED, NULL), 0);
        assert_int_equal(b->state, BINDING_STARTING);
        b = feed(c, "inactive", "dead"); /* the watch's first status: before the start */
        last.exec_main_start_usec = ++fake.clock;
        return feed(c, "active", "running");
}

/* A new main process as systemd reports it: its start clears the exit of the one before. */
static inline Binding *respawn(Context *c, const char *active, const char *sub)
{
        last.exec_main_start_usec = ++fake.clock;
        last.exec_main_exit_usec = 0;
        last.exec_main_code = 0;
        last.exec_main_status = 0;
        return feed(c, active, sub);
}
