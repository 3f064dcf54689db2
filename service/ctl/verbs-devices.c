/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The verbs about devices, list and status: each builds one Table from drvhostd's reply and prints
 * it with output_print(), so that text and JSON come from the same cells. */
#include <errno.h>
#include <stdio.h>
#include <sys/wait.h>
#include <stdlib.h>
#include <string.h>

#include "bus-names.h"
#include "crash-info.h"
#include "ctl-bus.h"
#include "ctl-util.h"
#include "table.h"
#include "verbs.h"

/* The device fields every device table has in JSON, in this order; each table maps them to its own
 * columns. */
typedef enum DeviceField {
        DF_SYSNAME,
        DF_SYSPATH,
        DF_SUBSYSTEM,
        DF_DEVTYPE,
        DF_PARENT,
        DF_MODALIAS,
        DF_DESCRIPTION,
        DF_DECISION,
        DF_DRIVER,
        DF_UNIT,
        DF_STATE,
        DF_KERNEL_DRIVER,
        DF_CRASHES,
        DF_PORT, /* a serial port's node, and which front end serves it */
        DF_FRONT_END,
        DF_ACTIVE_STATE, /* these three only for a device with a unit */
        DF_SUB_STATE,
        DF_RESTARTS,
        _DF_MAX,
} DeviceField;

/* Sets the device fields of d in row; columns[f] is the column of field f. Returns 0 or -ENOMEM. */
static int device_set_cells(Table *t, size_t row, const size_t columns[_DF_MAX], const Device *d)
{
        const char *color = decision_color(d->decision, d->active_state);
        int r;

        r = table_set_string(t, row, columns[DF_SYSNAME], d->sysname);
        r = r < 0 ? r : table_set_string(t, row, columns[DF_SYSPATH], d->syspath);
        r = r < 0 ? r : table_set_string(t, row, columns[DF_SUBSYSTEM], d->subsystem);
        r = r < 0 ? r : table_set_string(t, row, columns[DF_DEVTYPE], d->devtype);
        r = r < 0 ? r : table_set_string_or_null(t, row, columns[DF_PARENT], d->parent);
        r = r < 0 ? r : table_set_string_or_null(t, row, columns[DF_MODALIAS], d->modalias);
        r = r < 0 ? r : table_set_string_or_null(t, row, columns[DF_DESCRIPTION], d->description);
        r = r < 0 ? r : table_set_string(t, row, columns[DF_DECISION], d->decision);
        r = r < 0 ? r : table_set_style(t, row, columns[DF_DECISION], color, false);
        r = r < 0 ? r : table_set_string_or_null(t, row, columns[DF_DRIVER], d->driver);
        r = r < 0 ? r : table_set_string_or_null(t, row, columns[DF_UNIT], d->unit);
        r = r < 0 ? r : table_set_string_or_null(t, row, columns[DF_STATE], d->state);
        r = r < 0 ? r : table_set_string_or_null(t, row, columns[DF_KERNEL_DRIVER], d->kernel_driver);
        r = r < 0 ? r : table_set_uint(t, row, columns[DF_CRASHES], d->crashes);
        r = r < 0 ? r : table_set_string_or_null(t, row, columns[DF_PORT], d->port);
        r = r < 0 ? r : table_set_string_or_null(t, row, columns[DF_FRONT_END], d->front_end);
        if (r < 0 || !*d->unit)
                return r;
        r = table_set_string(t, row, columns[DF_ACTIVE_STATE], d->active_state);
        r = r < 0 ? r : table_set_string(t, row, columns[DF_SUB_STATE], d->sub_state);
        return r < 0 ? r : table_set_uint(t, row, columns[DF_RESTARTS], d->n_restarts);
}

/* ---- list ---- */

enum {
        L_SYSNAME,
        L_SYSPATH,
        L_SUBSYSTEM,
        L_DEVTYPE,
        L_PARENT,
        L_MODALIAS,
        L_DESCRIPTION,
        L_DECISION,
        L_DRIVER,
        L_UNIT,
        L_STATE,
        L_KERNEL_DRIVER,
        L_CRASHES,
        L_PORT,
        L_FRONT_END,
        L_ACTIVE_STATE,
        L_SUB_STATE,
        L_RESTARTS,
        L_DETAILS,
        _L_MAX,
};

enum { DECISION_WIDTH = 10, DRIVER_WIDTH = 16, DEVICES_ALLOCATED_MIN = 16 };

/* In text: DEVICE (the tree), DECISION, DRIVER, DETAILS; in JSON every field, and "children". */
static const Column list_columns[_L_MAX] = {
    [L_SYSNAME] = {.header = "DEVICE", .json_key = "sysname"},
    [L_SYSPATH] = {.json_key = "syspath", .flags = COLUMN_TEXT_HIDDEN},
    [L_SUBSYSTEM] = {.json_key = "subsystem", .flags = COLUMN_TEXT_HIDDEN},
    [L_DEVTYPE] = {.json_key = "devtype", .flags = COLUMN_TEXT_HIDDEN},
    [L_PARENT] = {.json_key = "parent", .flags = COLUMN_TEXT_HIDDEN},
    [L_MODALIAS] = {.json_key = "modalias", .flags = COLUMN_TEXT_HIDDEN},
    [L_DESCRIPTION] = {.json_key = "description", .flags = COLUMN_TEXT_HIDDEN},
    [L_DECISION] = {.header = "DECISION", .json_key = "decision", .min_width = DECISION_WIDTH},
    [L_DRIVER] = {.header = "DRIVER", .json_key = "driver", .min_width = DRIVER_WIDTH, .empty_text = "-"},
    [L_UNIT] = {.json_key = "unit", .flags = COLUMN_TEXT_HIDDEN},
    [L_STATE] = {.json_key = "state", .flags = COLUMN_TEXT_HIDDEN},
    [L_KERNEL_DRIVER] = {.json_key = "kernel_driver", .flags = COLUMN_TEXT_HIDDEN},
    [L_CRASHES] = {.json_key = "crashes", .flags = COLUMN_TEXT_HIDDEN},
    [L_PORT] = {.json_key = "port", .flags = COLUMN_TEXT_HIDDEN},
    [L_FRONT_END] = {.json_key = "port_front_end", .flags = COLUMN_TEXT_HIDDEN},
    [L_ACTIVE_STATE] = {.json_key = "active_state", .flags = COLUMN_TEXT_HIDDEN},
    [L_SUB_STATE] = {.json_key = "sub_state", .flags = COLUMN_TEXT_HIDDEN},
    [L_RESTARTS] = {.json_key = "restarts", .flags = COLUMN_TEXT_HIDDEN},
    [L_DETAILS] = {.header = "DETAILS", .flags = COLUMN_JSON_HIDDEN},
};

static const size_t list_device_columns[_DF_MAX] = {
    [DF_SYSNAME] = L_SYSNAME,
    [DF_SYSPATH] = L_SYSPATH,
    [DF_SUBSYSTEM] = L_SUBSYSTEM,
    [DF_DEVTYPE] = L_DEVTYPE,
    [DF_PARENT] = L_PARENT,
    [DF_MODALIAS] = L_MODALIAS,
    [DF_DESCRIPTION] = L_DESCRIPTION,
    [DF_DECISION] = L_DECISION,
    [DF_DRIVER] = L_DRIVER,
    [DF_UNIT] = L_UNIT,
    [DF_STATE] = L_STATE,
    [DF_KERNEL_DRIVER] = L_KERNEL_DRIVER,
    [DF_CRASHES] = L_CRASHES,
    [DF_PORT] = L_PORT,
    [DF_FRONT_END] = L_FRONT_END,
    [DF_ACTIVE_STATE] = L_ACTIVE_STATE,
    [DF_SUB_STATE] = L_SUB_STATE,
    [DF_RESTARTS] = L_RESTARTS,
};

/* The DETAILS column: the unit and its state for a binding, else the description. */
static int list_set_details(Table *t, size_t row, const Device *d)
{
        if (*d->unit)
                return table_set_stringf(t, row, L_DETAILS, "%s %s/%s, %u restart(s)", d->unit,
                                         d->active_state ?: "?", d->sub_state ?: "?", d->n_restarts);
        return table_set_string_or_null(t, row, L_DETAILS, d->description);
}

typedef struct DeviceList {
        Device *devices;
        size_t n, allocated;
} DeviceList;

static void device_list_done(DeviceList *l)
{
        for (size_t i = 0; i < l->n; i++)
                device_done(&l->devices[i]);
        free(l->devices);
}

static int compare_devices(const void *a, const void *b)
{
        return strcmp(((const Device *)a)->sysname, ((const Device *)b)->sysname);
}

/* Reads ListDevices' reply, with each unit's state, sorted by sysname. Returns 0 or an exit status
 * (negated), printed. */
static int list_read(sd_bus *bus, sd_bus_message *reply, DeviceList *l)
{
        int r;

        r = sd_bus_message_enter_container(reply, 'a', DRVHOST_BUS_DEVICE_TYPE);
        if (r < 0)
                return -ctl_bad_reply(r);
        for (;;) {
                Device d;

                r = ctl_read_device(reply, &d);
                if (r < 0)
                        return -ctl_bad_reply(r);
                if (r == 0)
                        break;
                if (l->n == l->allocated) {
                        size_t want = l->allocated ? l->allocated * 2 : DEVICES_ALLOCATED_MIN;
                        Device *p = reallocarray(l->devices, want, sizeof(Device));

                        if (!p)
                                return -log_oom();
                        l->devices = p;
                        l->allocated = want;
                }
                ctl_read_unit_status(bus, &d);
                l->devices[l->n++] = d;
        }
        if (l->n > 0)
                qsort(l->devices, l->n, sizeof(Device), compare_devices);
        return 0;
}

static ssize_t list_find(const DeviceList *l, const char *sysname)
{
        for (size_t i = 0; *sysname && i < l->n; i++)
                if (streq(l->devices[i].sysname, sysname))
                        return (ssize_t)i;
        return -1;
}

int verb_list(sd_bus *bus, const Options *o, char **args _unused_)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(device_list_done) DeviceList l = {};
        _cleanup_(table_freep) Table *t = NULL;
        size_t n_bound = 0;
        int r;

        r = ctl_call(bus, "ListDevices", &reply, "Listing devices", NULL);
        if (r >= 0)
                r = list_read(bus, reply, &l);
        if (r < 0)
                return -r;

        t = table_new(TABLE_ROWS, list_columns, _L_MAX);
        if (!t)
                return log_oom();
        table_set_tree(t); /* "children" on every device, even with none */
        /* Row i is device i, so that the parents can be set once every row exists. */
        for (size_t i = 0; i < l.n; i++) {
                ssize_t row = table_add_row(t);

                if (row < 0 || device_set_cells(t, (size_t)row, list_device_columns, &l.devices[i]) < 0 ||
                    list_set_details(t, (size_t)row, &l.devices[i]) < 0)
                        return log_oom();
                n_bound += *l.devices[i].unit != '\0';
        }
        for (size_t i = 0; i < l.n; i++) {
                ssize_t parent = list_find(&l, l.devices[i].parent);

                if (parent >= 0 && (size_t)parent != i)
                        (void)table_set_parent(t, i, (size_t)parent);
        }
        if (table_set_footer(t, "%zu device(s), %zu with a user-mode driver.", l.n, n_bound) < 0)
                return log_oom();
        return output_print(t, &o->output);
}

/* ---- status ---- */

enum {
        S_TITLE,
        S_SYSNAME,
        S_SYSPATH,
        S_SUBSYSTEM,
        S_DEVTYPE,
        S_SUBSYSTEM_TEXT,
        S_PARENT,
        S_MODALIAS,
        S_DESCRIPTION,
        S_DECISION,
        S_DRIVER,
        S_DRIVER_TEXT,
        S_UNIT,
        S_STATE,
        S_STATE_TEXT,
        S_RESTARTS_TEXT,
        S_KERNEL_DRIVER,
        S_CRASHES,
        S_PORT,
        S_FRONT_END,
        S_PORT_TEXT,
        S_ACTIVE_STATE,
        S_SUB_STATE,
        S_RESTARTS,
        S_LAST_CRASH_TEXT,
        S_COREDUMP_TEXT,
        S_BACKTRACE,
        S_LAST_CRASH_USEC,
        S_LAST_CRASH_PID,
        S_LAST_CRASH_CORE,
        _S_MAX,
};

/* Text shows some fields combined ("usb (usb_interface)"); JSON has each on its own. */
static const Column status_columns[_S_MAX] = {
    [S_TITLE] = {.flags = COLUMN_JSON_HIDDEN},
    [S_SYSNAME] = {.json_key = "sysname", .flags = COLUMN_TEXT_HIDDEN},
    [S_SYSPATH] = {.header = "Syspath", .json_key = "syspath"},
    [S_SUBSYSTEM] = {.json_key = "subsystem", .flags = COLUMN_TEXT_HIDDEN},
    [S_DEVTYPE] = {.json_key = "devtype", .flags = COLUMN_TEXT_HIDDEN},
    [S_SUBSYSTEM_TEXT] = {.header = "Subsystem", .flags = COLUMN_JSON_HIDDEN},
    [S_PARENT] = {.header = "Parent", .json_key = "parent"},
    [S_MODALIAS] = {.header = "Modalias", .json_key = "modalias", .empty_text = "-"},
    [S_DESCRIPTION] = {.json_key = "description", .flags = COLUMN_TEXT_HIDDEN},
    [S_DECISION] = {.header = "Decision", .json_key = "decision"},
    [S_DRIVER] = {.json_key = "driver", .flags = COLUMN_TEXT_HIDDEN},
    [S_DRIVER_TEXT] = {.header = "Driver", .flags = COLUMN_JSON_HIDDEN},
    [S_UNIT] = {.header = "Unit", .json_key = "unit"},
    [S_STATE] = {.json_key = "state", .flags = COLUMN_TEXT_HIDDEN},
    [S_STATE_TEXT] = {.header = "State", .flags = COLUMN_JSON_HIDDEN},
    [S_RESTARTS_TEXT] = {.header = "Restarts", .flags = COLUMN_JSON_HIDDEN},
    [S_KERNEL_DRIVER] = {.header = "Kernel driver", .json_key = "kernel_driver", .empty_text = "none bound"},
    [S_CRASHES] = {.json_key = "crashes", .flags = COLUMN_TEXT_HIDDEN},
    [S_PORT] = {.json_key = "port", .flags = COLUMN_TEXT_HIDDEN},
    [S_FRONT_END] = {.json_key = "port_front_end", .flags = COLUMN_TEXT_HIDDEN},
    [S_PORT_TEXT] = {.header = "Port", .flags = COLUMN_JSON_HIDDEN},
    [S_ACTIVE_STATE] = {.json_key = "active_state", .flags = COLUMN_TEXT_HIDDEN},
    [S_SUB_STATE] = {.json_key = "sub_state", .flags = COLUMN_TEXT_HIDDEN},
    [S_RESTARTS] = {.json_key = "restarts", .flags = COLUMN_TEXT_HIDDEN},
    [S_LAST_CRASH_TEXT] = {.header = "Last crash", .flags = COLUMN_JSON_HIDDEN},
    [S_COREDUMP_TEXT] = {.header = "Core dump", .flags = COLUMN_JSON_HIDDEN},
    [S_BACKTRACE] = {.header = "Backtrace", .json_key = "last_crash_backtrace", .flags = COLUMN_DETAIL},
    [S_LAST_CRASH_USEC] = {.json_key = "last_crash_usec", .flags = COLUMN_TEXT_HIDDEN},
    [S_LAST_CRASH_PID] = {.json_key = "last_crash_pid", .flags = COLUMN_TEXT_HIDDEN},
    [S_LAST_CRASH_CORE] = {.json_key = "last_crash_core_dumped", .flags = COLUMN_TEXT_HIDDEN},
};

static const size_t status_device_columns[_DF_MAX] = {
    [DF_SYSNAME] = S_SYSNAME,
    [DF_SYSPATH] = S_SYSPATH,
    [DF_SUBSYSTEM] = S_SUBSYSTEM,
    [DF_DEVTYPE] = S_DEVTYPE,
    [DF_PARENT] = S_PARENT,
    [DF_MODALIAS] = S_MODALIAS,
    [DF_DESCRIPTION] = S_DESCRIPTION,
    [DF_DECISION] = S_DECISION,
    [DF_DRIVER] = S_DRIVER,
    [DF_UNIT] = S_UNIT,
    [DF_STATE] = S_STATE,
    [DF_KERNEL_DRIVER] = S_KERNEL_DRIVER,
    [DF_CRASHES] = S_CRASHES,
    [DF_PORT] = S_PORT,
    [DF_FRONT_END] = S_FRONT_END,
    [DF_ACTIVE_STATE] = S_ACTIVE_STATE,
    [DF_SUB_STATE] = S_SUB_STATE,
    [DF_RESTARTS] = S_RESTARTS,
};

/* The text-only fields: the title line and the combined ones. */
static int status_set_text_fields(Table *t, const Device *d)
{
        int r;

        r = table_set_stringf(t, 0, S_TITLE, "%s%s%s", d->sysname, *d->description ? " - " : "",
                              d->description);
        r = r < 0 ? r : table_set_style(t, 0, S_TITLE, NULL, true);
        r = r < 0 ? r
                  : table_set_stringf(t, 0, S_SUBSYSTEM_TEXT, "%s%s%s%s", d->subsystem,
                                      *d->devtype ? " (" : "", d->devtype, *d->devtype ? ")" : "");
        if (r >= 0 && *d->driver)
                r = table_set_stringf(t, 0, S_DRIVER_TEXT, "%s (%s)", d->driver,
                                      *d->unit ? "user mode" : "kernel");
        if (r >= 0 && *d->port)
                r = table_set_stringf(t, 0, S_PORT_TEXT, "%s (%s)", d->port,
                                      streq(d->front_end, DRVHOST_FRONT_END_KERNEL) ? "kernel tty" : "pty");
        if (r < 0 || !*d->unit)
                return r;
        r = table_set_stringf(t, 0, S_STATE_TEXT, "%s/%s (binding %s)", d->active_state ?: "?",
                              d->sub_state ?: "?", d->state);
        return r < 0 ? r
                     : table_set_stringf(t, 0, S_RESTARTS_TEXT, "%u after %u crash(es)", d->n_restarts,
                                         d->crashes);
}

/* The last crash, where drvhostd recorded one: how and when, the core dump's reference and its first
 * frames (systemd-coredump's, when the journal is readable). */
static int status_set_crash(Table *t, sd_bus *bus, const Device *d)
{
        _cleanup_(crash_info_done) CrashInfo c = {};
        _cleanup_free_ char *text = NULL;
        int r;

        if (d->crashes == 0 || crash_info_get(bus, d->sysname, d->unit, &c) < 0 || c.realtime_usec == 0)
                return 0; /* an older drvhostd, or none to show */
        r = crash_info_describe(&c, &text);
        r = r < 0 ? r : table_set_string(t, 0, S_LAST_CRASH_TEXT, text);
        r = r < 0 ? r : table_set_uint(t, 0, S_LAST_CRASH_USEC, c.realtime_usec);
        r = r < 0 ? r : table_set_uint(t, 0, S_LAST_CRASH_PID, c.pid);
        r = r < 0 ? r : table_set_bool(t, 0, S_LAST_CRASH_CORE, c.code == CLD_DUMPED);
        if (r >= 0 && c.code == CLD_DUMPED)
                r = table_set_stringf(t, 0, S_COREDUMP_TEXT, "coredumpctl info %u", c.pid);
        if (r >= 0 && c.frames)
                r = table_set_strv(t, 0, S_BACKTRACE, c.frames);
        return r;
}

int verb_status(sd_bus *bus, const Options *o, char **args)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(device_done) Device d = {};
        _cleanup_(table_freep) Table *t = NULL;
        int r;

        r = ctl_get_device(bus, args[0], &reply, &d);
        if (r < 0)
                return -r;

        t = table_new(TABLE_RECORD, status_columns, _S_MAX);
        if (!t || device_set_cells(t, 0, status_device_columns, &d) < 0 ||
            status_set_text_fields(t, &d) < 0 || status_set_crash(t, bus, &d) < 0)
                return log_oom();
        return output_print(t, &o->output);
}
