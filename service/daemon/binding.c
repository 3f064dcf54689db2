/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "binding-control.h"
#include "binding-ports.h"
#include "binding.h"
#include "fdstore.h"
#include "log.h"
#include "time-util.h"
#include "unit-name.h"

/* After a release, usbfs keeps the claim until the driver's copy of the file is closed too. */
#define REPROBE_POLL_USEC (50 * USEC_PER_MSEC)
enum { REPROBE_ATTEMPTS_MAX = 100 }; /* 5 s */
/* A kernel driver's probe can fail while the device still recovers from the user-mode driver's
 * end (seen in crash-loop-fallback: usblp did not take a printer back): probe again a few times.
 * A device no kernel driver wants pays this once, when it is handed back. */
#define UNBOUND_REPROBE_USEC (100 * USEC_PER_MSEC)
enum { UNBOUND_REPROBES_MAX = 10 }; /* 1 s */
/* A stop that systemd merged into a start it had not run yet changes no state: look again. */
#define STOP_POLL_USEC (1 * USEC_PER_SEC)

const char *binding_state_to_string(BindingState s)
{
        static const char *const names[_BINDING_STATE_MAX] = {
            [BINDING_STARTING] = "starting",     [BINDING_RUNNING] = "running",
            [BINDING_RESTARTING] = "restarting", [BINDING_CYCLING] = "restarting-on-request",
            [BINDING_STOPPING] = "stopping",     [BINDING_GAVE_UP] = "gave-up",
            [BINDING_RETURNING] = "returning",   [BINDING_FALLEN_BACK] = "fallen-back",
        };
        return (size_t)s < ELEMENTSOF(names) ? names[s] : "unknown";
}

static void emit(Binding *b, BindingEvent event, const BindingEventData *data)
{
        static const BindingEventData none = {};

        for (unsigned i = 0; i < b->context->n_listeners; i++)
                b->context->listeners[i].f(b, (int)event, data ?: &none, b->context->listeners[i].userdata);
}

/* The end of a binding: listeners hear it once it is out of the list, so that whatever they do
 * (match the device again) does not find it. */
static void destroy(Binding *b, BindingAfterReturn after)
{
        Context *c = b->context;

        b->watch = c->unit_ops->unwatch(b->watch);
        binding_unlink(b);
        b->context = c; /* for emit(); no longer linked */
        emit(b, BINDING_EVENT_FREED, &(BindingEventData){.after = after});
        b->context = NULL;
        binding_free(b);
}

static void set_state(Binding *b, BindingState s)
{
        if (b->state == s)
                return;
        log_debug("%s: %s -> %s", b->unit, binding_state_to_string(b->state), binding_state_to_string(s));
        b->state = s;
        emit(b, BINDING_EVENT_STATE_CHANGED, NULL);
}

static void fail(Binding *b, int error, const char *what)
{
        char reason[256];

        (void)snprintf(reason, sizeof(reason), "%s: %s", what, strerror(ERRNO_VALUE(error)));
        emit(b, BINDING_EVENT_FAILED, &(BindingEventData){.reason = reason});
}

static int on_timer(sd_event_source *s _unused_, uint64_t usec _unused_, void *userdata)
{
        (void)binding_handle(userdata, BINDING_INPUT_TIMER, NULL);
        return 0;
}

static int arm_timer(Binding *b, uint64_t usec)
{
        int r;

        if (!b->timer)
                return sd_event_add_time_relative(b->context->event, &b->timer, CLOCK_MONOTONIC, usec, 0,
                                                  on_timer, b);
        r = sd_event_source_set_time_relative(b->timer, usec);
        if (r >= 0)
                r = sd_event_source_set_enabled(b->timer, SD_EVENT_ONESHOT);
        return r;
}

static void disarm_timer(Binding *b)
{
        if (b->timer)
                (void)sd_event_source_set_enabled(b->timer, SD_EVENT_OFF);
}

static void on_unit_status(const UnitStatus *st, void *userdata)
{
        (void)binding_handle(userdata, BINDING_INPUT_UNIT_CHANGED, st);
}

static int start_unit(Binding *b)
{
        const UnitOps *ops = b->context->unit_ops;
        int r;

        /* A new start of a unit name an earlier binding used is a new device: forget its failed
         * state and start rate limit. drvhostd applies the manifest's crash limits itself. The bus
         * keeps the order, so the reset lands before the start. */
        r = ops->reset_failed(b->context->unit_ops_userdata, b->unit);
        if (r >= 0)
                r = ops->start(b->context->unit_ops_userdata, b->unit);
        return r;
}

static void stop_unit(Binding *b)
{
        int r = b->context->unit_ops->stop(b->context->unit_ops_userdata, b->unit);

        if (r < 0)
                log_warning_errno(r, "Failed to stop %s: %m", b->unit);
        (void)arm_timer(b, STOP_POLL_USEC);
}

/* Our copy of the device's file in drvhostd's fd store: the one copy, replacing an older one. */
static void keep_in_fdstore(Binding *b)
{
        int r;

        fdstore_remove(FDSTORE_DEVICE, b->driver, b->sysname);
        r = fdstore_push(FDSTORE_DEVICE, b->driver, b->sysname, b->backend->stored_fd(b));
        if (r < 0)
                log_warning_errno(r,
                                  "Failed to keep the device of %s in the fd store, a drvhostd restart will "
                                  "lose it: %m",
                                  b->unit);
}

/* The binding ends or falls back: its device files, and its pty and job socket with them. */
static void close_device(Binding *b)
{
        fdstore_remove(FDSTORE_DEVICE, b->driver, b->sysname);
        b->backend->close(b);
        binding_ports_close(b);
}

/* The files are closed: hand the device back once nothing holds it, then end as asked. */
static void finish_return(Binding *b)
{
        int r;

        r = b->backend->return_to_kernel(b);
        if (r < 0)
                log_warning_errno(r, "Failed to give %s back to the kernel: %m", b->sysname);
        else if (!b->kernel_driver && b->backend->present(b) && ++b->unbound_probes < UNBOUND_REPROBES_MAX &&
                 arm_timer(b, UNBOUND_REPROBE_USEC) >= 0)
                return; /* poll_return() probes again */
        if (b->after_return != AFTER_RETURN_FALL_BACK)
                return destroy(b, b->after_return);
        set_state(b, BINDING_FALLEN_BACK);
        emit(b, BINDING_EVENT_FELL_BACK, NULL);
}

static void poll_return(Binding *b)
{
        if (b->backend->held(b) && ++b->reprobe_attempts < REPROBE_ATTEMPTS_MAX) {
                if (arm_timer(b, REPROBE_POLL_USEC) >= 0)
                        return;
        }
        finish_return(b);
}

static void start_return(Binding *b)
{
        disarm_timer(b);
        close_device(b);
        if (b->device_gone || b->after_return == AFTER_RETURN_FORGET)
                return destroy(b, AFTER_RETURN_FORGET);
        if (b->after_return == AFTER_RETURN_FALL_BACK && !b->fallback_to_kernel) {
                set_state(b, BINDING_FALLEN_BACK); /* the manifest keeps the device from its kernel driver */
                return;
        }
        set_state(b, BINDING_RETURNING);
        b->reprobe_attempts = 0;
        b->unbound_probes = 0;
        poll_return(b);
}

static void give_up(Binding *b, const char *why)
{
        set_state(b, BINDING_GAVE_UP);
        b->after_return = AFTER_RETURN_FALL_BACK;
        emit(b, BINDING_EVENT_GAVE_UP, &(BindingEventData){.reason = why});
        if (b->unit_down)
                return start_return(b);
        stop_unit(b); /* the return follows once the unit is down */
}

static int claim_and_start(Binding *b)
{
        const UnitOps *ops = b->context->unit_ops;
        int r;

        r = b->backend->claim(b);
        if (r < 0) {
                fail(b, r, "claiming the device failed");
                destroy(b, AFTER_RETURN_FORGET);
                return r;
        }
        keep_in_fdstore(b);
        r = binding_ports_open(b);
        if (r < 0) {
                fail(b, r, "making its pty or job socket failed");
                close_device(b);
                (void)b->backend->return_to_kernel(b);
                destroy(b, AFTER_RETURN_FORGET);
                return r;
        }

        /* The watch's first status is the unit before this start: an end a former binding of the
         * same unit name left is not ours to count. */
        b->baseline_pending = true;
        r = ops->watch(b->context->unit_ops_userdata, b->unit, on_unit_status, b, &b->watch);
        if (r >= 0)
                r = start_unit(b);
        if (r < 0) {
                fail(b, r, "starting the driver unit failed");
                close_device(b);
                (void)b->backend->return_to_kernel(b);
                destroy(b, AFTER_RETURN_FORGET);
                return r;
        }
        set_state(b, BINDING_STARTING);
        emit(b, BINDING_EVENT_BOUND, NULL);
        return 0;
}

static int adopt(Binding *b, int fd)
{
        const UnitOps *ops = b->context->unit_ops;
        int r;

        r = b->backend->adopt(b, fd);
        if (r < 0)
                return r;
        /* Deaths before we came back were systemd's business (it restarted them): count from the
         * first status on. */
        b->baseline_pending = true;
        b->running_since_usec = now_usec();
        b->state = BINDING_RUNNING;
        r = ops->watch(b->context->unit_ops_userdata, b->unit, on_unit_status, b, &b->watch);
        if (r < 0) {
                b->backend->close(b);
                return r;
        }
        return 0;
}

uint64_t binding_start_delay(const Binding *b, uint64_t now)
{
        return b->start_not_before_usec > now ? b->start_not_before_usec - now : 0;
}

static void restart_now(Binding *b)
{
        int r = start_unit(b);

        if (r < 0) {
                log_warning_errno(r, "Failed to start %s again: %m", b->unit);
                return give_up(b, "it could not be started again");
        }
        b->start_requested = true;
}

/* The driver ended on its own. Whatever the way (a signal, an exit status, even 0 or 75), with its
 * device still there that is a failure: nobody asked it to stop. The unit template restarts every
 * such end at once (Restart=always, which keeps the driver's own fd store); the backoff delay is
 * the broker's, which holds the device back from the new process until start_not_before_usec. */
static void restarted(Binding *b)
{
        b->running_since_usec = now_usec();
        b->n_restarts++;
        set_state(b, BINDING_RUNNING);
        emit(b, BINDING_EVENT_RESTARTED, NULL);
}

/* replaced: we learnt of the death from its successor (systemd restarted the driver before we read
 * the exit). That process may hold the device's file already: it keeps it. */
static void on_death(Binding *b, const UnitStatus *st, bool replaced)
{
        char reason[CRASH_POLICY_REASON_MAX];
        uint64_t delay, now = now_usec();
        CrashVerdict v;
        int r;

        if (b->device_gone || !b->backend->present(b)) {
                /* It failed because its device went away: the remove event ends the binding. */
                b->device_gone = true;
                return;
        }

        v = crash_policy_record(&b->policy, &b->history, now, b->running_since_usec, &delay, reason,
                                sizeof(reason));
        /* Read through its successor, the death has no exit of its own to tell. */
        b->last_crash = replaced ? (BindingCrash){.realtime_usec = now_realtime_usec()}
                                 : (BindingCrash){.realtime_usec = now_realtime_usec(),
                                                  .code = st->exec_main_code,
                                                  .status = st->exec_main_status,
                                                  .pid = st->exec_main_pid};
        (void)snprintf(b->last_crash.result, sizeof(b->last_crash.result), "%s", replaced ? "" : st->result);
        b->running_since_usec = 0;
        emit(b, BINDING_EVENT_CRASHED,
             &(BindingEventData){.reason = reason, .status = st, .verdict = v, .delay_usec = delay});
        if (v != CRASH_RESTART)
                return give_up(b, reason);
        if (replaced) {
                b->start_requested = true;
                set_state(b, BINDING_RESTARTING);
                if (unit_status_is_active(st))
                        restarted(b);
                return;
        }

        /* No driver process holds the device now: the next one gets fresh files. */
        r = b->backend->renew(b);
        if (r < 0) {
                log_warning_errno(r, "Failed to claim %s again for the next %s: %m", b->sysname, b->driver);
                return give_up(b, "the device could not be claimed again");
        }
        keep_in_fdstore(b);
        b->start_not_before_usec = now + delay;
        b->start_requested = false;
        set_state(b, BINDING_RESTARTING);
        if (b->unit_down)
                restart_now(b); /* it is down already and systemd will not restart it */
}

int binding_inject(Binding *b, Fault f)
{
        int signo = fault_signal(f);

        if (signo < 0 && signo != -EOPNOTSUPP)
                return signo;
        /* Only a serving driver: a fault during a start or a restart would be counted against the
         * crash it interrupts, and the caller could not tell what it measured. */
        if (b->state != BINDING_RUNNING || b->unit_down)
                return -ESRCH;
        if (signo < 0) {
                /* Announced before it is sent: the driver may die of it before we return. */
                if (!(b->control_faults & (UINT32_C(1) << f)))
                        return -EOPNOTSUPP;
                emit(b, BINDING_EVENT_INJECTED, &(BindingEventData){.fault = f});
                return binding_control_inject(b, f);
        }
        emit(b, BINDING_EVENT_INJECTED, &(BindingEventData){.fault = f});
        return b->context->unit_ops->kill(b->context->unit_ops_userdata, b->unit, signo);
}

static void cycle(Binding *b)
{
        int r = b->backend->renew(b);

        disarm_timer(b);
        if (r < 0) {
                log_warning_errno(r, "Failed to claim %s again: %m", b->sysname);
                return give_up(b, "the device could not be claimed again");
        }
        keep_in_fdstore(b);
        r = start_unit(b);
        if (r < 0) {
                log_warning_errno(r, "Failed to start %s again: %m", b->unit);
                return give_up(b, "it could not be started again");
        }
        set_state(b, BINDING_STARTING);
}

/* The first status of a watch: what the unit did before is not ours to count. */
static void take_baseline(Binding *b, const UnitStatus *st, bool down)
{
        if (!down && b->state == BINDING_STARTING) {
                b->baseline_waited = true; /* an earlier run of the unit is still ending */
                return;
        }
        b->baseline_pending = false;
        b->last_exit_usec = st->exec_main_exit_usec;
        b->last_end_usec = st->inactive_enter_usec;
        /* Our start may have been merged into the earlier run's stop, or an adopted unit died while
         * no drvhostd was there: start it (a start job still pending absorbs this one). */
        if ((b->baseline_waited && b->state == BINDING_STARTING) || (down && b->state == BINDING_RUNNING)) {
                int r = start_unit(b);

                if (r < 0)
                        log_warning_errno(r, "Failed to start %s: %m", b->unit);
                set_state(b, BINDING_STARTING);
        }
}

/* The states in which the driver's end is a death, not ours to stop. */
static bool counts_deaths(const Binding *b)
{
        return b->state == BINDING_STARTING || b->state == BINDING_RUNNING || b->state == BINDING_RESTARTING;
}

static void unit_changed(Binding *b, const UnitStatus *st)
{
        bool down = unit_status_is_down(st), active = unit_status_is_active(st), died, replaced;

        b->unit_down = down;
        if (b->baseline_pending)
                return take_baseline(b, st, down);

        /* One death is one new main-process exit, or an end of the unit without one (a start that
         * failed before a process ran), or a new main process after the one seen serving when we
         * read neither (systemd restarted it at once); counted once however many signals report
         * it. A start clears the exit timestamp to 0: that is no exit. */
        replaced = b->serving_start_usec != 0 && st->exec_main_start_usec != 0 &&
                   st->exec_main_start_usec != b->serving_start_usec && !b->dead_since_active;
        died =
            (st->exec_main_exit_usec != 0 && st->exec_main_exit_usec != b->last_exit_usec) ||
            (down && st->inactive_enter_usec != b->last_end_usec && !b->dead_since_active && b->seen_up) ||
            replaced;
        if (st->exec_main_exit_usec != 0)
                b->last_exit_usec = st->exec_main_exit_usec;
        if (down)
                b->last_end_usec = st->inactive_enter_usec;
        if (died)
                b->dead_since_active = true;
        else if (active)
                b->dead_since_active = false;
        /* Only a unit seen up can end without an exit: the ResetFailedUnit before a start turns a
         * failed unit inactive (a new inactive-enter time) and is no death. */
        b->seen_up = !down;

        /* The process whose death we count next: the one seen serving; none while the unit is down
         * or while it is ours to stop. */
        if (down || !counts_deaths(b))
                b->serving_start_usec = 0;
        else if (active && !died)
                b->serving_start_usec = st->exec_main_start_usec;

        switch (b->state) {
        case BINDING_STARTING:
        case BINDING_RUNNING:
        case BINDING_RESTARTING:
                if (died)
                        return on_death(b, st, replaced);
                if (active && b->state == BINDING_RESTARTING)
                        restarted(b);
                else if (active && b->state == BINDING_STARTING) {
                        b->running_since_usec = now_usec();
                        set_state(b, BINDING_RUNNING);
                } else if (down && b->state == BINDING_RESTARTING && !b->start_requested)
                        restart_now(b); /* an end systemd does not restart (an exit it counts as done) */
                return;
        case BINDING_CYCLING:
                if (down)
                        cycle(b);
                return;
        case BINDING_STOPPING:
        case BINDING_GAVE_UP:
                if (down)
                        start_return(b);
                return;
        default:
                return; /* done with the unit */
        }
}

static void timer_expired(Binding *b)
{
        switch (b->state) {
        case BINDING_RETURNING:
                return poll_return(b);
        case BINDING_CYCLING:
                if (b->unit_down)
                        cycle(b);
                else
                        (void)arm_timer(b, STOP_POLL_USEC);
                return;
        case BINDING_STOPPING:
        case BINDING_GAVE_UP:
                if (b->unit_down)
                        start_return(b);
                else
                        (void)arm_timer(b, STOP_POLL_USEC);
                return;
        default:
                return;
        }
}

static void unplugged(Binding *b)
{
        b->device_gone = true;
        emit(b, BINDING_EVENT_RELEASED, &(BindingEventData){.reason = "device removed"});
        if (b->state != BINDING_FALLEN_BACK && b->state != BINDING_RETURNING)
                stop_unit(b);
        close_device(b);
        destroy(b, AFTER_RETURN_FORGET); /* nothing to hand back: the unit stops on its own */
}

static int release(Binding *b, BindingAfterReturn after, const char *reason)
{
        switch (b->state) {
        case BINDING_FALLEN_BACK:
                if (after != AFTER_RETURN_REMATCH)
                        return -EBUSY;
                destroy(b, AFTER_RETURN_REMATCH); /* the kernel has it: dispatch takes it anew */
                return 0;
        case BINDING_STOPPING:
                if (after == AFTER_RETURN_RELEASED)
                        b->after_return = after; /* staying with the kernel wins over a rematch */
                return 0;
        case BINDING_GAVE_UP:
        case BINDING_RETURNING:
                return -EBUSY;
        default:
                break;
        }
        b->after_return = after;
        emit(b, BINDING_EVENT_RELEASED, &(BindingEventData){.reason = reason});
        set_state(b, BINDING_STOPPING);
        stop_unit(b);
        return 0;
}

static int restart_requested(Binding *b)
{
        switch (b->state) {
        case BINDING_STARTING:
        case BINDING_RUNNING:
                set_state(b, BINDING_CYCLING);
                emit(b, BINDING_EVENT_RESTART_REQUESTED, NULL);
                stop_unit(b);
                return 0;
        case BINDING_FALLEN_BACK:
                destroy(b, AFTER_RETURN_REMATCH);
                return 0;
        default:
                return -EBUSY;
        }
}

int binding_handle(Binding *b, BindingInput input, const void *data)
{
        switch (input) {
        case BINDING_INPUT_PLUGGED:
                return claim_and_start(b);
        case BINDING_INPUT_ADOPTED:
                return adopt(b, *(const int *)data);
        case BINDING_INPUT_UNIT_CHANGED:
                unit_changed(b, data);
                return 0;
        case BINDING_INPUT_UNPLUGGED:
                unplugged(b);
                return 0;
        case BINDING_INPUT_RESTART:
                return restart_requested(b);
        case BINDING_INPUT_RELEASE:
                return release(b, AFTER_RETURN_RELEASED, data ?: "released on request");
        case BINDING_INPUT_REMATCH:
                return release(b, AFTER_RETURN_REMATCH, data ?: "manifest changed");
        case BINDING_INPUT_TIMER:
                timer_expired(b);
                return 0;
        }
        return -EINVAL;
}
