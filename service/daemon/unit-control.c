/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "macro.h"
#include "unit-control.h"

bool unit_status_is_down(const UnitStatus *st)
{
        return streq(st->active_state, "inactive") || streq(st->active_state, "failed");
}

bool unit_status_is_active(const UnitStatus *st)
{
        return streq(st->active_state, "active");
}

static int on_job_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error _unused_)
{
        const sd_bus_error *e = sd_bus_message_get_error(reply);
        char *unit = userdata;

        if (e)
                log_warning("systemd refused the job for %s: %s", unit, e->message ?: e->name);
        free(unit);
        return 0;
}

static int on_quiet_reply(sd_bus_message *reply _unused_, void *userdata _unused_,
                          sd_bus_error *ret_error _unused_)
{
        /* ResetFailedUnit of a unit never loaded answers NoSuchUnit: nothing to say. */
        return 0;
}

static int reset_failed(void *userdata, const char *unit)
{
        return sd_bus_call_method_async(userdata, NULL, SYSTEMD_BUS_NAME, SYSTEMD_OBJECT_PATH,
                                        SYSTEMD_MANAGER_INTERFACE, "ResetFailedUnit", on_quiet_reply, NULL,
                                        "s", unit);
}

/* KillUnit's "whom": the main process only, as a crash of the driver itself would be. */
#define KILL_WHOM_MAIN "main"

static int kill_main(void *userdata, const char *unit, int signo)
{
        char *copy = strdup(unit);
        int r;

        if (!copy)
                return -ENOMEM;
        r = sd_bus_call_method_async(userdata, NULL, SYSTEMD_BUS_NAME, SYSTEMD_OBJECT_PATH,
                                     SYSTEMD_MANAGER_INTERFACE, "KillUnit", on_job_reply, copy, "ssi", unit,
                                     KILL_WHOM_MAIN, (int32_t)signo);
        if (r < 0)
                free(copy);
        return r;
}

static int unit_job(sd_bus *bus, const char *method, const char *unit)
{
        char *copy = strdup(unit);
        int r;

        if (!copy)
                return -ENOMEM;
        /* "replace": a stop during a pending start (or the reverse) wins instead of failing. */
        r = sd_bus_call_method_async(bus, NULL, SYSTEMD_BUS_NAME, SYSTEMD_OBJECT_PATH,
                                     SYSTEMD_MANAGER_INTERFACE, method, on_job_reply, copy, "ss", unit,
                                     "replace");
        if (r < 0)
                free(copy);
        return r;
}

static int start(void *userdata, const char *unit)
{
        return unit_job(userdata, "StartUnit", unit);
}

static int stop(void *userdata, const char *unit)
{
        return unit_job(userdata, "StopUnit", unit);
}

int unit_object_path(const char *unit, char **ret)
{
        return sd_bus_path_encode(SYSTEMD_UNIT_PATH_PREFIX, unit, ret);
}

int unit_control_subscribe(sd_bus *bus)
{
        return sd_bus_call_method_async(bus, NULL, SYSTEMD_BUS_NAME, SYSTEMD_OBJECT_PATH,
                                        SYSTEMD_MANAGER_INTERFACE, "Subscribe", on_quiet_reply, NULL, NULL);
}

/* One GetAll per interface when the watch starts, then PropertiesChanged, as systemd's
 * bus-wait-for-units does. systemd sends the Service interface's changes before the Unit's (its
 * clients may rely on that order), so a status with a new ActiveState already carries the exit of
 * the process that ended. */
struct UnitWatch {
        sd_bus *bus;
        char *unit;
        char *path;
        sd_bus_slot *match_slot;
        sd_bus_slot *get_unit_slot;
        sd_bus_slot *get_service_slot;
        UnitStatus status;
        bool have_unit, have_service;
        unit_status_handler_t handler;
        void *userdata;
};

static UnitWatch *unwatch(UnitWatch *w)
{
        if (!w)
                return NULL;
        sd_bus_slot_unref(w->match_slot);
        sd_bus_slot_unref(w->get_unit_slot);
        sd_bus_slot_unref(w->get_service_slot);
        sd_bus_unref(w->bus);
        free(w->unit);
        free(w->path);
        free(w);
        return NULL;
}

static int read_string_into(sd_bus_message *m, char *buf, size_t size)
{
        const char *s;
        int r;

        r = sd_bus_message_read(m, "v", "s", &s);
        if (r < 0)
                return r;
        (void)snprintf(buf, size, "%s", s);
        return 0;
}

/* Reads one "sv" entry of a property dict; unknown names are skipped. Returns whether the entry was
 * one we keep. */
static int read_property(sd_bus_message *m, UnitStatus *st)
{
        const char *name;
        int r;

        r = sd_bus_message_read(m, "s", &name);
        if (r < 0)
                return r;
        if (streq(name, "ActiveState"))
                r = read_string_into(m, st->active_state, sizeof(st->active_state));
        else if (streq(name, "SubState"))
                r = read_string_into(m, st->sub_state, sizeof(st->sub_state));
        else if (streq(name, "Result"))
                r = read_string_into(m, st->result, sizeof(st->result));
        else if (streq(name, "ExecMainCode"))
                r = sd_bus_message_read(m, "v", "i", &st->exec_main_code);
        else if (streq(name, "ExecMainPID"))
                r = sd_bus_message_read(m, "v", "u", &st->exec_main_pid);
        else if (streq(name, "ExecMainStatus"))
                r = sd_bus_message_read(m, "v", "i", &st->exec_main_status);
        else if (streq(name, "ExecMainExitTimestampMonotonic"))
                r = sd_bus_message_read(m, "v", "t", &st->exec_main_exit_usec);
        else if (streq(name, "ExecMainStartTimestampMonotonic"))
                r = sd_bus_message_read(m, "v", "t", &st->exec_main_start_usec);
        else if (streq(name, "InactiveEnterTimestampMonotonic"))
                r = sd_bus_message_read(m, "v", "t", &st->inactive_enter_usec);
        else
                return sd_bus_message_skip(m, "v");
        return r < 0 ? r : 1;
}

static int read_properties(sd_bus_message *m, UnitStatus *st)
{
        int r;

        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                r = read_property(m, st);
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(m);
}

static void notify(UnitWatch *w)
{
        /* The handler may free w: it is the last thing done with it. */
        if (w->have_unit && w->have_service)
                w->handler(&w->status, w->userdata);
}

static int get_all(UnitWatch *w, const char *iface);

static int on_get_all(sd_bus_message *m, void *userdata, sd_bus_error *ret_error _unused_)
{
        UnitWatch *w = userdata;
        bool unit_iface = sd_bus_get_current_slot(w->bus) == w->get_unit_slot;
        const sd_bus_error *e = sd_bus_message_get_error(m);

        if (unit_iface)
                w->get_unit_slot = sd_bus_slot_unref(w->get_unit_slot);
        else
                w->get_service_slot = sd_bus_slot_unref(w->get_service_slot);
        if (e) {
                log_warning("Failed to read the state of %s: %s", w->unit, e->message ?: e->name);
                return 0;
        }
        if (read_properties(m, &w->status) < 0) {
                log_warning("Failed to parse the state of %s.", w->unit);
                return 0;
        }
        if (unit_iface)
                w->have_unit = true;
        else
                w->have_service = true;
        notify(w);
        return 0;
}

static int get_all(UnitWatch *w, const char *iface)
{
        bool unit_iface = streq(iface, SYSTEMD_UNIT_INTERFACE);
        sd_bus_slot **slot = unit_iface ? &w->get_unit_slot : &w->get_service_slot;

        if (*slot)
                return 0; /* one in flight answers with the newest values anyway */
        return sd_bus_call_method_async(w->bus, slot, SYSTEMD_BUS_NAME, w->path,
                                        "org.freedesktop.DBus.Properties", "GetAll", on_get_all, w, "s",
                                        iface);
}

static int on_properties_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error _unused_)
{
        UnitWatch *w = userdata;
        const char *iface, *name;
        bool refetch = false;
        int r;

        r = sd_bus_message_read(m, "s", &iface);
        if (r < 0 || !(streq(iface, SYSTEMD_UNIT_INTERFACE) || streq(iface, SYSTEMD_SERVICE_INTERFACE)))
                return 0;
        r = read_properties(m, &w->status);
        if (r >= 0)
                r = sd_bus_message_enter_container(m, 'a', "s");
        while (r >= 0 && (r = sd_bus_message_read(m, "s", &name)) > 0)
                refetch = true; /* a property sent as invalidated only: ask for the values */
        if (r < 0) {
                log_warning("Failed to parse a state change of %s; reading it again.", w->unit);
                refetch = true;
        }
        if (refetch) {
                r = get_all(w, iface);
                if (r < 0)
                        log_warning_errno(r, "Failed to read the state of %s: %m", w->unit);
                return 0;
        }
        if (w->get_unit_slot || w->get_service_slot)
                return 0; /* the answer in flight notifies, with values no older than these */
        notify(w);
        return 0;
}

static int watch(void *userdata, const char *unit, unit_status_handler_t f, void *f_userdata,
                 UnitWatch **ret)
{
        UnitWatch *w;
        int r;

        w = calloc(1, sizeof(*w));
        if (!w)
                return -ENOMEM;
        w->bus = sd_bus_ref(userdata);
        w->handler = f;
        w->userdata = f_userdata;
        w->unit = strdup(unit);
        if (!w->unit) {
                unwatch(w);
                return -ENOMEM;
        }
        r = unit_object_path(unit, &w->path);
        /* The match goes out before the GetAll calls: no change between them is lost. */
        if (r >= 0)
                r = sd_bus_match_signal_async(w->bus, &w->match_slot, SYSTEMD_BUS_NAME, w->path,
                                              "org.freedesktop.DBus.Properties", "PropertiesChanged",
                                              on_properties_changed, NULL, w);
        if (r >= 0)
                r = get_all(w, SYSTEMD_SERVICE_INTERFACE);
        if (r >= 0)
                r = get_all(w, SYSTEMD_UNIT_INTERFACE);
        if (r < 0) {
                unwatch(w);
                return r;
        }
        *ret = w;
        return 0;
}

const UnitOps unit_ops_systemd = {
    .start = start,
    .stop = stop,
    .reset_failed = reset_failed,
    .kill = kill_main,
    .watch = watch,
    .unwatch = unwatch,
};
