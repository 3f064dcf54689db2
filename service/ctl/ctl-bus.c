/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bus-names.h"
#include "ctl-bus.h"
#include "ctl-util.h"
#include "systemd-names.h"
#include "time-util.h"

#define WAIT_POLL_USEC (100 * USEC_PER_MSEC)

void device_done(Device *d)
{
        free(d->active_state);
        free(d->sub_state);
        d->active_state = d->sub_state = NULL;
}

/* Maps a failed call to a message and the documented exit status. */
static int bus_failure(const sd_bus_error *e, int r, const char *what)
{
        if (sd_bus_error_has_names(e, SD_BUS_ERROR_SERVICE_UNKNOWN, SD_BUS_ERROR_NAME_HAS_NO_OWNER))
                return log_error_exit(EXIT_NOT_RUNNING,
                                      "drvhostd is not running (start it with: systemctl start drvhost).");
        if (sd_bus_error_has_name(e, SD_BUS_ERROR_ACCESS_DENIED)) {
                if (e->message && strneq(e->message, "Permission denied", strlen("Permission denied")))
                        return log_error_exit(EXIT_PERMISSION, "%s (run it as root, e.g. with sudo).",
                                              e->message);
                return log_error_exit(EXIT_PERMISSION,
                                      "Permission denied: %s needs root (run it with sudo).", what);
        }
        if (sd_bus_error_has_name(e, DRVHOST_BUS_ERROR_NO_SUCH_DEVICE))
                return log_error_exit(EXIT_NO_DEVICE, "%s", e->message);
        if (sd_bus_error_is_set(e))
                return log_error_exit(EXIT_FAILED, "%s failed: %s", what, e->message ?: e->name);
        return log_error_exit(EXIT_FAILED, "%s failed: %s", what, strerror(-r));
}

int ctl_call(sd_bus *bus, const char *method, sd_bus_message **reply, const char *what, const char *arg)
{
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        if (arg)
                r = sd_bus_call_method(bus, DRVHOST_BUS_NAME, DRVHOST_BUS_PATH, DRVHOST_BUS_INTERFACE,
                                       method, &error, reply, "s", arg);
        else
                r = sd_bus_call_method(bus, DRVHOST_BUS_NAME, DRVHOST_BUS_PATH, DRVHOST_BUS_INTERFACE,
                                       method, &error, reply, NULL);
        if (r < 0)
                return -bus_failure(&error, r, what);
        return 0;
}

int ctl_call_pair(sd_bus *bus, const char *method, sd_bus_message **reply, const char *what, const char *arg1,
                  const char *arg2)
{
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        r = sd_bus_call_method(bus, DRVHOST_BUS_NAME, DRVHOST_BUS_PATH, DRVHOST_BUS_INTERFACE, method, &error,
                               reply, "ss", arg1, arg2);
        if (r < 0)
                return -bus_failure(&error, r, what);
        return 0;
}

int ctl_bad_reply(int r)
{
        return log_error_exit(EXIT_FAILED, "Unexpected reply from drvhostd: %s", strerror(-r));
}

int ctl_read_device(sd_bus_message *m, Device *d)
{
        *d = (Device){};
        return sd_bus_message_read(m, DRVHOST_BUS_DEVICE_TYPE, &d->sysname, &d->syspath, &d->subsystem,
                                   &d->devtype, &d->parent, &d->modalias, &d->description, &d->decision,
                                   &d->driver, &d->unit, &d->state, &d->kernel_driver, &d->crashes,
                                   &d->n_restarts, &d->port, &d->front_end);
}

void ctl_read_unit_status(sd_bus *bus, Device *d)
{
        _cleanup_free_ char *path = NULL;

        if (!*d->unit || sd_bus_path_encode(SYSTEMD_UNIT_PATH_PREFIX, d->unit, &path) < 0)
                return;
        (void)sd_bus_get_property_string(bus, SYSTEMD_BUS_NAME, path, SYSTEMD_UNIT_INTERFACE, "ActiveState",
                                         NULL, &d->active_state);
        (void)sd_bus_get_property_string(bus, SYSTEMD_BUS_NAME, path, SYSTEMD_UNIT_INTERFACE, "SubState",
                                         NULL, &d->sub_state);
}

int ctl_get_device(sd_bus *bus, const char *name, sd_bus_message **reply, Device *d)
{
        int r;

        r = ctl_call(bus, "GetDevice", reply, "Looking up the device", name);
        if (r < 0)
                return r;
        r = ctl_read_device(*reply, d);
        if (r <= 0)
                return -ctl_bad_reply(r < 0 ? r : -EBADMSG);
        ctl_read_unit_status(bus, d);
        return 0;
}

int ctl_wait_for_device(sd_bus *bus, const char *name, DeviceTest test)
{
        uint64_t deadline = now_usec() + CTL_WAIT_TIMEOUT_SEC * USEC_PER_SEC;

        for (;;) {
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
                _cleanup_(device_done) Device d = {};

                if (sd_bus_call_method(bus, DRVHOST_BUS_NAME, DRVHOST_BUS_PATH, DRVHOST_BUS_INTERFACE,
                                       "GetDevice", NULL, &reply, "s", name) < 0 ||
                    ctl_read_device(reply, &d) <= 0)
                        return -ENODEV;
                ctl_read_unit_status(bus, &d);
                if (test(&d))
                        return 0;
                if (now_usec() > deadline)
                        return -ETIMEDOUT;
                (void)usleep(WAIT_POLL_USEC);
        }
}
