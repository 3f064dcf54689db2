/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "binding-journal.h"
#include "binding.h"
#include "event.h"
#include "fault.h"
#include "log.h"
#include "messages.h"
#include "time-util.h"

enum { NUMBER_MAX = 24 };

static void emit(const Binding *b, const char *message_id, int priority, const EventField *extra,
                 size_t n_extra, const char *format, ...) _printf_(6, 7);

/* One structured event about a binding: its standard fields plus extra ones. */
static void emit(const Binding *b, const char *message_id, int priority, const EventField *extra,
                 size_t n_extra, const char *format, ...)
{
        EventField fields[EVENT_FIELDS_MAX] = {
            {"DRVHOST_DEVICE", b->syspath},
            {"DRVHOST_SYSNAME", b->sysname},
            {"DRVHOST_DRIVER", b->driver},
            {"DRVHOST_UNIT", b->unit},
            {"DRVHOST_MODALIAS", b->modalias},
            {"DRVHOST_KERNEL_DRIVER", b->kernel_driver},
            {"DRVHOST_STATE", binding_state_to_string(b->state)},
            {"DRVHOST_BACKEND", b->backend->name},
        };
        size_t n = 8;
        _cleanup_free_ char *message = NULL;
        va_list ap;
        int r;

        for (size_t i = 0; i < n_extra && n < ELEMENTSOF(fields); i++)
                fields[n++] = extra[i];

        va_start(ap, format);
        r = vasprintf(&message, format, ap);
        va_end(ap);
        if (r < 0)
                return (void)log_oom();

        r = event_emit(message_id, priority, fields, n, "%s", message);
        if (r < 0)
                log_warning_errno(r, "Failed to log event for %s: %m", b->unit);
}

static void crashed(const Binding *b, const BindingEventData *d)
{
        const UnitStatus *st = d->status;
        char sig[NUMBER_MAX] = "", status[NUMBER_MAX] = "", restarts[NUMBER_MAX], crashes[NUMBER_MAX],
             delay[NUMBER_MAX], pid[NUMBER_MAX] = "", how[128], core[64] = "";
        const char *signame = NULL;
        EventField extra[10];
        size_t n = 0;

        /* The process that died, as systemd-coredump names its core (COREDUMP_PID=): a reference
         * that needs nothing of the driver, and works once the core is written. */
        if (b->last_crash.pid > 0) {
                (void)snprintf(pid, sizeof(pid), "%" PRIu32, b->last_crash.pid);
                extra[n++] = (EventField){"DRVHOST_PID", pid};
                if (st->exec_main_code == CLD_DUMPED) {
                        extra[n++] = (EventField){"DRVHOST_COREDUMP_PID", pid};
                        (void)snprintf(core, sizeof(core), " (its core: coredumpctl info %s)", pid);
                }
        }

        if (st->exec_main_code == CLD_KILLED || st->exec_main_code == CLD_DUMPED) {
                (void)snprintf(sig, sizeof(sig), "%d", st->exec_main_status);
                signame = sigabbrev_np(st->exec_main_status);
                extra[n++] = (EventField){"DRVHOST_SIGNAL", sig};
                extra[n++] = (EventField){"DRVHOST_SIGNAL_NAME", signame};
                (void)snprintf(how, sizeof(how), "signal SIG%s%s", strna(signame),
                               st->exec_main_code == CLD_DUMPED ? ", core dumped" : "");
        } else if (st->exec_main_code == CLD_EXITED) {
                (void)snprintf(status, sizeof(status), "%d", st->exec_main_status);
                extra[n++] = (EventField){"DRVHOST_EXIT_STATUS", status};
                (void)snprintf(how, sizeof(how), "exit status %d", st->exec_main_status);
        } else
                (void)snprintf(how, sizeof(how), "no process ran");
        (void)snprintf(restarts, sizeof(restarts), "%u", b->n_restarts);
        (void)snprintf(crashes, sizeof(crashes), "%u", b->history.n_deaths);
        (void)snprintf(delay, sizeof(delay), "%llu", (unsigned long long)(d->delay_usec / USEC_PER_MSEC));
        extra[n++] = (EventField){"DRVHOST_RESTARTS", restarts};
        extra[n++] = (EventField){"DRVHOST_CRASHES", crashes};
        extra[n++] = (EventField){"DRVHOST_RESULT", st->result};
        extra[n++] = (EventField){"DRVHOST_VERDICT", crash_verdict_to_string(d->verdict)};
        if (d->verdict == CRASH_RESTART)
                extra[n++] = (EventField){"DRVHOST_RESTART_DELAY_MSEC", delay};

        emit(b, DRVHOST_MESSAGE_CRASHED, LOG_WARNING, extra, n,
             "User-mode driver %s for %s crashed (%s; result %s)%s; crash %u: %s.", b->driver, b->sysname,
             how, st->result, core, b->history.n_deaths, d->reason);
}

static void injected(const Binding *b, const BindingEventData *d)
{
        int signo = fault_signal(d->fault);
        const char *signame = signo > 0 ? sigabbrev_np(signo) : NULL;
        EventField extra[] = {
            {"DRVHOST_FAULT", fault_to_string(d->fault)},
            {"DRVHOST_SIGNAL_NAME", signame},
        };

        emit(b, DRVHOST_MESSAGE_INJECTED, LOG_NOTICE, extra, ELEMENTSOF(extra),
             "Injecting fault %s (%s%s) into user-mode driver %s for %s in %s.", fault_to_string(d->fault),
             signame ? "SIG" : "through its runtime library", strempty(signame), b->driver, b->sysname,
             b->unit);
}

static void on_binding_event(Binding *b, int event, const struct BindingEventData *d,
                             void *userdata _unused_)
{
        char restarts[NUMBER_MAX];

        switch (event) {
        case BINDING_EVENT_BOUND:
                return emit(b, DRVHOST_MESSAGE_BOUND, LOG_INFO, NULL, 0,
                            "Bound %s (%s) to user-mode driver %s in %s%s%s.", b->sysname,
                            strna(b->modalias), b->driver, b->unit,
                            b->kernel_driver ? ", taken from kernel driver " : "",
                            strempty(b->kernel_driver));
        case BINDING_EVENT_CRASHED:
                return crashed(b, d);
        case BINDING_EVENT_RESTARTED:
                (void)snprintf(restarts, sizeof(restarts), "%u", b->n_restarts);
                return emit(b, DRVHOST_MESSAGE_RESTARTED, LOG_NOTICE,
                            &(EventField){"DRVHOST_RESTARTS", restarts}, 1,
                            "User-mode driver %s for %s is serving again after %u restart(s).", b->driver,
                            b->sysname, b->n_restarts);
        case BINDING_EVENT_GAVE_UP:
                return emit(b, DRVHOST_MESSAGE_GAVE_UP, LOG_ERR, &(EventField){"DRVHOST_REASON", d->reason},
                            1, "Gave up on user-mode driver %s for %s: %s.", b->driver, b->sysname,
                            d->reason);
        case BINDING_EVENT_FELL_BACK:
                if (!b->kernel_driver)
                        return log_warning("No kernel driver took %s back after %s gave up.", b->sysname,
                                           b->driver);
                return emit(b, DRVHOST_MESSAGE_FELL_BACK, LOG_NOTICE, NULL, 0,
                            "Handed %s back to kernel driver %s after %s gave up.", b->sysname,
                            b->kernel_driver, b->driver);
        case BINDING_EVENT_RELEASED:
                return emit(b, DRVHOST_MESSAGE_RELEASED, LOG_INFO,
                            &(EventField){"DRVHOST_REASON", d->reason}, 1, "Released %s from %s (%s).",
                            b->sysname, b->unit, d->reason);
        case BINDING_EVENT_RESTART_REQUESTED:
                return emit(b, DRVHOST_MESSAGE_RESTART_REQUESTED, LOG_NOTICE, NULL, 0,
                            "Restarting user-mode driver %s for %s on request.", b->driver, b->sysname);
        case BINDING_EVENT_INJECTED:
                return injected(b, d);
        case BINDING_EVENT_FAILED:
                return log_warning("Cannot bind %s to %s: %s.", b->sysname, b->driver, d->reason);
        case BINDING_EVENT_FREED:
                if (d->after == AFTER_RETURN_RELEASED)
                        log_info("%s is back with the kernel (%s) on request.", b->sysname,
                                 b->kernel_driver ?: "no driver bound");
                return;
        default:
                return;
        }
}

int binding_journal_listen(Context *c)
{
        return binding_add_listener(c, on_binding_event, NULL);
}
