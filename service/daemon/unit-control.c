/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "unit-control.h"

static int on_job_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error _unused_)
{
        const sd_bus_error *e = sd_bus_message_get_error(reply);
        char *unit = userdata;

        if (e)
                log_warning("systemd refused the job for %s: %s", unit, e->message ?: e->name);
        free(unit);
        return 0;
}

static int on_reset_reply(sd_bus_message *reply, void *userdata _unused_, sd_bus_error *ret_error _unused_)
{
        /* NoSuchUnit (never loaded) is the usual answer and needs no word. */
        return 0;
}

int unit_reset_failed(sd_bus *bus, const char *unit)
{
        return sd_bus_call_method_async(bus, NULL, SYSTEMD_BUS_NAME, SYSTEMD_OBJECT_PATH, SYSTEMD_MANAGER_INTERFACE,
                                        "ResetFailedUnit", on_reset_reply, NULL, "s", unit);
}

static int unit_job(sd_bus *bus, const char *method, const char *unit)
{
        char *copy = strdup(unit);
        int r;

        if (!copy)
                return -ENOMEM;
        /* "replace": a stop during a pending start (or the reverse) wins instead of failing. */
        r = sd_bus_call_method_async(bus, NULL, SYSTEMD_BUS_NAME, SYSTEMD_OBJECT_PATH, SYSTEMD_MANAGER_INTERFACE,
                                     method, on_job_reply, copy, "ss", unit, "replace");
        if (r < 0)
                free(copy);
        return r;
}

int unit_start(sd_bus *bus, const char *unit)
{
        return unit_job(bus, "StartUnit", unit);
}

int unit_stop(sd_bus *bus, const char *unit)
{
        return unit_job(bus, "StopUnit", unit);
}

int unit_object_path(const char *unit, char **ret)
{
        return sd_bus_path_encode(SYSTEMD_UNIT_PATH_PREFIX, unit, ret);
}

static int get_string(sd_bus *bus, const char *path, const char *iface, const char *prop, char *buf, size_t size)
{
        __attribute__((cleanup(sd_bus_error_free))) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_free_ char *s = NULL;
        int r;

        r = sd_bus_get_property_string(bus, SYSTEMD_BUS_NAME, path, iface, prop, &error, &s);
        if (r < 0)
                return r;
        (void)snprintf(buf, size, "%s", s);
        return 0;
}

int unit_get_status(sd_bus *bus, const char *unit, ServiceStatus *ret)
{
        __attribute__((cleanup(sd_bus_error_free))) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_free_ char *path = NULL;
        ServiceStatus st = {};
        int r;

        r = unit_object_path(unit, &path);
        if (r < 0)
                return r;

        r = get_string(bus, path, SYSTEMD_UNIT_INTERFACE, "ActiveState", st.active_state, sizeof(st.active_state));
        if (r >= 0)
                r = get_string(bus, path, SYSTEMD_UNIT_INTERFACE, "SubState", st.sub_state, sizeof(st.sub_state));
        if (r >= 0)
                r = get_string(bus, path, SYSTEMD_SERVICE_INTERFACE, "Result", st.result, sizeof(st.result));
        if (r >= 0)
                r = sd_bus_get_property_trivial(bus, SYSTEMD_BUS_NAME, path, SYSTEMD_SERVICE_INTERFACE,
                                                "ExecMainCode", &error, 'i', &st.exec_main_code);
        if (r >= 0)
                r = sd_bus_get_property_trivial(bus, SYSTEMD_BUS_NAME, path, SYSTEMD_SERVICE_INTERFACE,
                                                "ExecMainStatus", &error, 'i', &st.exec_main_status);
        if (r >= 0)
                r = sd_bus_get_property_trivial(bus, SYSTEMD_BUS_NAME, path, SYSTEMD_SERVICE_INTERFACE,
                                                "NRestarts", &error, 'u', &st.n_restarts);
        if (r >= 0)
                r = sd_bus_get_property_trivial(bus, SYSTEMD_BUS_NAME, path, SYSTEMD_SERVICE_INTERFACE,
                                                "ExecMainExitTimestampMonotonic", &error, 't',
                                                &st.exec_main_exit_usec);
        if (r < 0)
                return r;

        *ret = st;
        return 0;
}
