/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The verbs that change something (restart, release, inject, reload) and logs, which hands over to
 * journalctl. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl-bus.h"
#include "ctl-util.h"
#include "fault.h"
#include "verbs.h"

static bool is_serving(const Device *d)
{
        return streq(d->state, "running") && d->active_state && streq(d->active_state, "active");
}

static bool is_released(const Device *d)
{
        return !streq(d->decision, "user-mode");
}

int verb_restart(sd_bus *bus, const Options *o, char **args)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = ctl_call(bus, "Restart", &reply, "Restarting a binding", args[0]);
        if (r < 0)
                return -r;
        if (!o->block)
                return EXIT_OK;
        r = ctl_wait_for_device(bus, args[0], is_serving);
        if (r == -ENODEV)
                return log_error_exit(EXIT_FAILED, "%s went away during the restart.", args[0]);
        if (r < 0)
                return log_error_exit(EXIT_FAILED,
                                      "%s did not come back within %d s; see drvhostctl status %s.", args[0],
                                      CTL_WAIT_TIMEOUT_SEC, args[0]);
        if (o->output.legend && !output_is_json(&o->output))
                printf("Restarted the driver of %s; it is serving again.\n", args[0]);
        return EXIT_OK;
}

int verb_release(sd_bus *bus, const Options *o, char **args)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = ctl_call(bus, "Release", &reply, "Releasing a binding", args[0]);
        if (r < 0)
                return -r;
        if (!o->block)
                return EXIT_OK;
        r = ctl_wait_for_device(bus, args[0], is_released);
        if (r == -ETIMEDOUT)
                return log_error_exit(EXIT_FAILED,
                                      "%s was not released within %d s; see drvhostctl status %s.", args[0],
                                      CTL_WAIT_TIMEOUT_SEC, args[0]);
        if (o->output.legend && !output_is_json(&o->output))
                printf("Released %s to the kernel; 'drvhostctl restart %s' binds it again.\n", args[0],
                       args[0]);
        return EXIT_OK;
}

int verb_inject(sd_bus *bus, const Options *o, char **args)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        /* A misspelt name is a usage error, told here; whether a known fault can be delivered is
         * drvhostd's to say (those that need the runtime library's channel cannot yet). */
        if (fault_from_string(args[1]) < 0)
                return log_error_exit(EXIT_USAGE, "Unknown fault '%s'; the faults are: " FAULT_NAMES ".",
                                      args[1]);
        r = ctl_call_pair(bus, "Inject", &reply, "Injecting a fault", args[0], args[1]);
        if (r < 0)
                return -r;
        if (o->output.legend && !output_is_json(&o->output))
                printf("Injected fault %s into the driver of %s; drvhostctl status %s shows its recovery.\n",
                       args[1], args[0], args[0]);
        return EXIT_OK;
}

int verb_reload(sd_bus *bus, const Options *o _unused_, char **args _unused_)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = ctl_call(bus, "Reload", &reply, "Reloading the manifests", NULL);
        return r < 0 ? -r : EXIT_OK;
}

enum { JOURNALCTL_ARGS_MAX = 16, LINES_BUFFER = 16 };

int verb_logs(sd_bus *bus, const Options *o, char **args)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(device_done) Device d = {};
        char lines[LINES_BUFFER], *argv[JOURNALCTL_ARGS_MAX];
        _cleanup_free_ char *m_unit = NULL, *m_systemd = NULL, *m_sysname = NULL;
        size_t n = 0;
        int r;

        r = ctl_get_device(bus, args[0], &reply, &d);
        if (r < 0)
                return -r;

        /* The driver's own output, what systemd says of its unit, and drvhostd's events about the
         * device: three matches joined with '+' (OR). */
        if (asprintf(&m_sysname, "DRVHOST_SYSNAME=%s", d.sysname) < 0 ||
            (*d.unit && (asprintf(&m_unit, "_SYSTEMD_UNIT=%s", d.unit) < 0 ||
                         asprintf(&m_systemd, "UNIT=%s", d.unit) < 0)))
                return log_error_exit(EXIT_FAILED, "Out of memory.");
        (void)snprintf(lines, sizeof(lines), "%u", o->lines);
        argv[n++] = (char *)"journalctl";
        argv[n++] = (char *)"--no-pager";
        argv[n++] = (char *)"--lines";
        argv[n++] = lines;
        if (o->follow)
                argv[n++] = (char *)"--follow";
        if (o->output.mode == OUTPUT_JSON_SHORT)
                argv[n++] = (char *)"--output=json";
        else if (o->output.mode == OUTPUT_JSON_PRETTY)
                argv[n++] = (char *)"--output=json-pretty";
        argv[n++] = m_sysname;
        if (m_unit) {
                argv[n++] = (char *)"+";
                argv[n++] = m_unit;
                argv[n++] = (char *)"+";
                argv[n++] = m_systemd;
        }
        argv[n] = NULL;
        fflush(stdout);
        execvp(argv[0], argv);
        return log_error_exit(EXIT_FAILED, "Failed to run journalctl: %s", strerror(errno));
}
