/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "binding.h"
#include "bus-api.h"
#include "log.h"
#include "messages.h"
#include "supervise.h"
#include "time-util.h"
#include "unit-control.h"

/* A driver that stopped because its device is gone exits with this (EX_TEMPFAIL); the unit
 * template lists it in SuccessExitStatus= and RestartPreventExitStatus=. */
enum { DRIVER_EXIT_UNPLUGGED = 75 };

/* Remembers a crash; returns how many crashes fell within the manifest's restart interval. */
static unsigned record_crash(Binding *b)
{
        uint64_t now = now_usec();
        unsigned recent = 0;

        b->crash_times[b->n_crashes % b->restart_limit_burst] = now;
        b->n_crashes++;
        for (unsigned i = 0; i < b->restart_limit_burst && i < b->n_crashes; i++)
                if (now - b->crash_times[i] <= b->restart_limit_interval_usec)
                        recent++;
        return recent;
}

static void emit_crash(Binding *b, const ServiceStatus *st)
{
        char sig[16] = "", status[16] = "", restarts[16];
        const char *signame = NULL;
        EventField extra[4];
        size_t n = 0;

        if (st->exec_main_code == 0) {
                /* Seen only through NRestarts: systemd already started the next process. */
        } else if (st->exec_main_code == CLD_KILLED || st->exec_main_code == CLD_DUMPED) {
                (void)snprintf(sig, sizeof(sig), "%d", st->exec_main_status);
                signame = sigabbrev_np(st->exec_main_status);
                extra[n++] = (EventField){ "DRVHOST_SIGNAL", sig };
                extra[n++] = (EventField){ "DRVHOST_SIGNAL_NAME", signame };
        } else {
                (void)snprintf(status, sizeof(status), "%d", st->exec_main_status);
                extra[n++] = (EventField){ "DRVHOST_EXIT_STATUS", status };
        }
        if (st->exec_main_code == 0) {
                (void)snprintf(restarts, sizeof(restarts), "%u", st->n_restarts);
                extra[n++] = (EventField){ "DRVHOST_RESTARTS", restarts };
                binding_emit(b, DRVHOST_MESSAGE_CRASHED, LOG_WARNING, extra, n,
                             "User-mode driver %s for %s crashed (restarted before its exit status could be "
                             "read); %u restart(s) so far.",
                             b->driver, b->sysname, st->n_restarts);
                return;
        }
        (void)snprintf(restarts, sizeof(restarts), "%u", st->n_restarts);
        extra[n++] = (EventField){ "DRVHOST_RESTARTS", restarts };

        binding_emit(b, DRVHOST_MESSAGE_CRASHED, LOG_WARNING, extra, n,
                     "User-mode driver %s for %s crashed (%s%s%s%s); result %s, %u restart(s) so far.", b->driver,
                     b->sysname, signame ? "signal SIG" : "exit status ", signame ?: status,
                     st->exec_main_code == CLD_DUMPED ? ", core dumped" : "", "", st->result, st->n_restarts);
}

static void on_crash(Binding *b, const ServiceStatus *st)
{
        unsigned recent;
        char why[128];

        emit_crash(b, st);
        recent = record_crash(b);
        if (recent >= b->restart_limit_burst) {
                (void)snprintf(why, sizeof(why), "%u crashes within %llu s", recent,
                               (unsigned long long)(b->restart_limit_interval_usec / USEC_PER_SEC));
                binding_give_up(b, why);
        }
}

static void evaluate(Binding *b)
{
        BindingState before = b->state;
        ServiceStatus st;
        int r;

        r = unit_get_status(b->context->bus, b->unit, &st);
        if (r < 0) {
                log_warning_errno(r, "Failed to read state of %s: %m", b->unit);
                return;
        }
        log_debug("%s: %s/%s result=%s code=%d status=%d restarts=%u (we: %s)", b->unit, st.active_state,
                  st.sub_state, st.result, st.exec_main_code, st.exec_main_status, st.n_restarts,
                  binding_state_to_string(b->state));

        switch (b->state) {
        case BINDING_GAVE_UP:
                if (streq(st.active_state, "inactive") || streq(st.active_state, "failed"))
                        binding_fall_back(b);
                return;
        case BINDING_STOPPING:
                if (streq(st.active_state, "inactive") || streq(st.active_state, "failed"))
                        binding_finish_release(b);
                return;
        case BINDING_CYCLING:
                if (streq(st.active_state, "inactive") || streq(st.active_state, "failed")) {
                        /* A stop on request is not a death: the next one counts from here. */
                        b->last_death_usec = st.exec_main_exit_usec;
                        b->restarts_accounted = 0;
                        binding_finish_restart(b);
                }
                return;
        default:
                break;
        }

        /* A death shows as auto-restart (systemd will restart it) or failed (it will not); its exit
         * timestamp tells one death from the next however many signals we see of it. NRestarts
         * catches deaths whose window we missed under load: systemd counts the restart when it
         * schedules it, so a death seen in auto-restart accounts for NRestarts + 1. */
        if ((streq(st.sub_state, "auto-restart") || streq(st.active_state, "failed")) &&
            st.exec_main_exit_usec != b->last_death_usec) {
                bool restarting = streq(st.sub_state, "auto-restart");

                b->last_death_usec = st.exec_main_exit_usec;
                b->restarts_accounted = st.n_restarts + (restarting ? 1 : 0);
                if (access(b->syspath, F_OK) < 0) {
                        /* The driver failed because its device went away: the remove event follows. */
                        b->device_gone = true;
                        return;
                }
                b->state = BINDING_RESTARTING;
                b->restart_pending = true;
                on_crash(b, &st);
                if (b->state == BINDING_GAVE_UP)
                        return;
                /* No driver process holds the device now: give the next one a clean usbfs file. */
                if (restarting)
                        binding_renew_device(b);
        } else if ((streq(st.active_state, "active") || streq(st.active_state, "activating")) &&
                   st.n_restarts > b->restarts_accounted) {
                /* Only a running unit's NRestarts counts: an inactive unit of the same name may still
                 * show the count of an earlier binding until its next start resets it. */
                ServiceStatus lost = { .n_restarts = st.n_restarts };

                (void)snprintf(lost.result, sizeof(lost.result), "unknown");
                while (b->restarts_accounted < st.n_restarts && b->state != BINDING_GAVE_UP) {
                        b->restarts_accounted++;
                        b->restart_pending = true;
                        on_crash(b, &lost);
                }
                if (b->state == BINDING_GAVE_UP)
                        return;
        }

        /* Its device is gone: whatever the unit does now is the unplug, not the driver's fault, and
         * the remove event releases the binding. */
        if (b->device_gone)
                return;

        if (streq(st.active_state, "active")) {
                if (b->restart_pending) {
                        char restarts[16];

                        b->restart_pending = false;
                        b->state = BINDING_RUNNING;
                        (void)snprintf(restarts, sizeof(restarts), "%u", st.n_restarts);
                        binding_emit(b, DRVHOST_MESSAGE_RESTARTED, LOG_NOTICE,
                                     &(EventField){ "DRVHOST_RESTARTS", restarts }, 1,
                                     "User-mode driver %s for %s is serving again after %u restart(s).",
                                     b->driver, b->sysname, st.n_restarts);
                } else
                        b->state = BINDING_RUNNING;
        } else if (streq(st.active_state, "failed")) {
                /* systemd stopped restarting it (its own start limit, or a failure it does not
                 * restart on). */
                binding_give_up(b, streq(st.result, "start-limit-hit") ? "the unit's start limit was hit"
                                                                        : "the unit failed");
                binding_fall_back(b);
        } else if (streq(st.active_state, "inactive") && b->state == BINDING_RUNNING) {
                if (st.exec_main_code == CLD_EXITED && st.exec_main_status == DRIVER_EXIT_UNPLUGGED) {
                        b->state = BINDING_STOPPING;
                        binding_emit(b, DRVHOST_MESSAGE_UNPLUGGED, LOG_INFO, NULL, 0,
                                     "User-mode driver %s for %s stopped: its device is gone.", b->driver,
                                     b->sysname);
                } else
                        log_info("%s stopped by itself (%s).", b->unit, st.result);
        }
        if (b->state != before)
                bus_api_binding_changed(b);
}

static int on_properties_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error _unused_)
{
        Binding *b = userdata;
        const char *iface;
        int r;

        r = sd_bus_message_read(m, "s", &iface);
        if (r < 0)
                return 0;
        /* The Unit interface carries ActiveState/SubState; every state change shows up there. */
        if (!streq(iface, SYSTEMD_UNIT_INTERFACE))
                return 0;

        evaluate(b);
        return 0;
}

int supervise_binding(Binding *b)
{
        _cleanup_free_ char *path = NULL;
        int r;

        r = unit_object_path(b->unit, &path);
        if (r < 0)
                return r;

        b->properties_slot = sd_bus_slot_unref(b->properties_slot);
        return sd_bus_match_signal(b->context->bus, &b->properties_slot, SYSTEMD_BUS_NAME, path,
                                   "org.freedesktop.DBus.Properties", "PropertiesChanged", on_properties_changed,
                                   b);
}

int supervise_start(Context *c)
{
        __attribute__((cleanup(sd_bus_error_free))) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        r = sd_bus_open_system(&c->bus);
        if (r < 0)
                return log_error_errno(r, "Failed to connect to the system bus: %m");

        r = sd_bus_attach_event(c->bus, c->event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0)
                return log_error_errno(r, "Failed to attach the bus to the event loop: %m");

        /* Without a subscriber systemd sends no unit signals. */
        r = sd_bus_call_method(c->bus, SYSTEMD_BUS_NAME, SYSTEMD_OBJECT_PATH, SYSTEMD_MANAGER_INTERFACE,
                               "Subscribe", &error, NULL, NULL);
        if (r < 0)
                return log_error_errno(r, "Failed to subscribe to systemd: %s", error.message ?: "?");
        return 0;
}
