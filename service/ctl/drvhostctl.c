/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <time.h>
#include <unistd.h>

#include "bus-names.h"
#include "json-writer.h"
#include "macro.h"
#include "systemd-names.h"
#include "time-util.h"
#include "version.h"

/* Exit status, as drvhostctl(1) documents it. */
enum {
        EXIT_OK = 0,
        EXIT_FAILED = 1,
        EXIT_USAGE = 2,
        EXIT_NOT_RUNNING = 3,
        EXIT_PERMISSION = 4,
        EXIT_NO_DEVICE = 5,
};

#define WAIT_TIMEOUT_USEC (30 * USEC_PER_SEC)
#define WAIT_POLL_USEC (100 * USEC_PER_MSEC)
enum { LINES_DEFAULT = 50 };
/* UTF-8 continuation bytes are 10xxxxxx. */
enum { UTF8_CONTINUATION_MASK = 0xC0, UTF8_CONTINUATION = 0x80 };

typedef enum ColorMode { COLOR_AUTO, COLOR_ALWAYS, COLOR_NEVER } ColorMode;

typedef struct Options {
        bool json;
        bool legend;
        bool block;
        bool follow;
        unsigned lines;
        bool color;
} Options;

typedef struct Device {
        const char *sysname, *syspath, *subsystem, *devtype, *parent, *modalias, *description, *decision, *driver,
                *unit, *state, *kernel_driver;
        uint32_t crashes;
        uint32_t n_restarts; /* drvhostd restarts drivers itself */
        char *active_state, *sub_state; /* from systemd, for bound devices */
        bool printed;
} Device;

static void device_done(Device *d)
{
        free(d->active_state);
        free(d->sub_state);
}

#define ANSI_GREEN "\033[0;32m"
#define ANSI_YELLOW "\033[0;33m"
#define ANSI_RED "\033[0;31m"
#define ANSI_BLUE "\033[0;34m"
#define ANSI_GREY "\033[0;90m"
#define ANSI_BOLD "\033[1m"
#define ANSI_NORMAL "\033[0m"

static const char *color_of(const Options *o, const char *decision, const char *active_state)
{
        if (!o->color)
                return "";
        if (active_state && (streq(active_state, "failed") || streq(active_state, "activating")))
                return streq(active_state, "failed") ? ANSI_RED : ANSI_YELLOW;
        if (streq(decision, "user-mode"))
                return ANSI_GREEN;
        if (streq(decision, "fallback") || streq(decision, "released"))
                return ANSI_YELLOW;
        if (streq(decision, "delegated"))
                return ANSI_BLUE;
        if (streq(decision, "unmanaged") || streq(decision, "device"))
                return ANSI_GREY;
        return "";
}

static const char *normal(const Options *o)
{
        return o->color ? ANSI_NORMAL : "";
}

static int log_error_exit(int exit_code, const char *format, ...) _printf_(2, 3);
static int log_error_exit(int exit_code, const char *format, ...)
{
        va_list ap;

        fputs("drvhostctl: ", stderr);
        va_start(ap, format);
        vfprintf(stderr, format, ap);
        va_end(ap);
        fputc('\n', stderr);
        return exit_code;
}

/* Maps a failed call to a message and the documented exit status. */
static int bus_failure(const sd_bus_error *e, int r, const char *what)
{
        if (sd_bus_error_has_names(e, SD_BUS_ERROR_SERVICE_UNKNOWN, SD_BUS_ERROR_NAME_HAS_NO_OWNER))
                return log_error_exit(EXIT_NOT_RUNNING,
                                      "drvhostd is not running (start it with: systemctl start drvhost).");
        if (sd_bus_error_has_name(e, SD_BUS_ERROR_ACCESS_DENIED)) {
                if (e->message && strneq(e->message, "Permission denied", strlen("Permission denied")))
                        return log_error_exit(EXIT_PERMISSION, "%s (run it as root, e.g. with sudo).", e->message);
                return log_error_exit(EXIT_PERMISSION, "Permission denied: %s needs root (run it with sudo).", what);
        }
        if (sd_bus_error_has_name(e, DRVHOST_BUS_ERROR_NO_SUCH_DEVICE))
                return log_error_exit(EXIT_NO_DEVICE, "%s", e->message);
        if (sd_bus_error_is_set(e))
                return log_error_exit(EXIT_FAILED, "%s failed: %s", what, e->message ?: e->name);
        return log_error_exit(EXIT_FAILED, "%s failed: %s", what, strerror(-r));
}

static int call(sd_bus *bus, const char *method, sd_bus_message **reply, const char *what, const char *arg)
{
        __attribute__((cleanup(sd_bus_error_free))) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        if (arg)
                r = sd_bus_call_method(bus, DRVHOST_BUS_NAME, DRVHOST_BUS_PATH, DRVHOST_BUS_INTERFACE, method, &error,
                                       reply, "s", arg);
        else
                r = sd_bus_call_method(bus, DRVHOST_BUS_NAME, DRVHOST_BUS_PATH, DRVHOST_BUS_INTERFACE, method, &error,
                                       reply, NULL);
        if (r < 0)
                return -bus_failure(&error, r, what);
        return 0;
}

/* A failed read of a reply we asked for: the daemon and this tool disagree on the API. */
static int bad_reply(int r)
{
        return log_error_exit(EXIT_FAILED, "Unexpected reply from drvhostd: %s", strerror(-r));
}

static int read_device(sd_bus_message *m, Device *d)
{
        *d = (Device){};
        return sd_bus_message_read(m, DRVHOST_BUS_DEVICE_TYPE, &d->sysname, &d->syspath, &d->subsystem, &d->devtype,
                                   &d->parent, &d->modalias, &d->description, &d->decision, &d->driver, &d->unit,
                                   &d->state, &d->kernel_driver, &d->crashes, &d->n_restarts);
}

/* What systemd says of the unit: open to every user. Unknown stays NULL. */
static void read_unit_status(sd_bus *bus, Device *d)
{
        _cleanup_free_ char *path = NULL;

        if (!*d->unit || sd_bus_path_encode(SYSTEMD_UNIT_PATH_PREFIX, d->unit, &path) < 0)
                return;
        (void)sd_bus_get_property_string(bus, SYSTEMD_BUS_NAME, path, SYSTEMD_UNIT_INTERFACE, "ActiveState", NULL,
                                         &d->active_state);
        (void)sd_bus_get_property_string(bus, SYSTEMD_BUS_NAME, path, SYSTEMD_UNIT_INTERFACE, "SubState", NULL,
                                         &d->sub_state);
}

static void json_device_fields(JsonWriter *w, const Device *d)
{
        json_field_string(w, "sysname", d->sysname);
        json_field_string(w, "syspath", d->syspath);
        json_field_string(w, "subsystem", d->subsystem);
        json_field_string(w, "devtype", d->devtype);
        json_field_string(w, "parent", *d->parent ? d->parent : NULL);
        json_field_string(w, "modalias", *d->modalias ? d->modalias : NULL);
        json_field_string(w, "description", *d->description ? d->description : NULL);
        json_field_string(w, "decision", d->decision);
        json_field_string(w, "driver", *d->driver ? d->driver : NULL);
        json_field_string(w, "unit", *d->unit ? d->unit : NULL);
        json_field_string(w, "state", *d->state ? d->state : NULL);
        json_field_string(w, "kernel_driver", *d->kernel_driver ? d->kernel_driver : NULL);
        json_field_uint(w, "crashes", d->crashes);
        if (*d->unit) {
                json_field_string(w, "active_state", d->active_state);
                json_field_string(w, "sub_state", d->sub_state);
                json_field_uint(w, "restarts", d->n_restarts);
        }
}

/* ---- list ---- */

typedef struct DeviceList {
        Device *devices;
        size_t n;
        size_t name_width;
} DeviceList;

static int compare_devices(const void *a, const void *b)
{
        return strcmp(((const Device *)a)->sysname, ((const Device *)b)->sysname);
}

static bool has_listed_parent(const DeviceList *l, const Device *d)
{
        for (size_t i = 0; i < l->n; i++)
                if (streq(l->devices[i].sysname, d->parent))
                        return true;
        return false;
}

static void json_tree(JsonWriter *w, DeviceList *l, Device *d)
{
        d->printed = true;
        json_object_begin(w);
        json_device_fields(w, d);
        json_key(w, "children");
        json_array_begin(w);
        for (size_t i = 0; i < l->n; i++)
                if (!l->devices[i].printed && streq(l->devices[i].parent, d->sysname)) {
                        json_tree(w, l, &l->devices[i]);
                }
        json_array_end(w);
        json_object_end(w);
}

static void text_details(const Device *d, char *buf, size_t size)
{
        if (*d->unit)
                (void)snprintf(buf, size, "%s %s/%s, %u restart(s)", d->unit, d->active_state ?: "?",
                               d->sub_state ?: "?", d->n_restarts);
        else if (streq(d->decision, "device") || *d->description)
                (void)snprintf(buf, size, "%s", d->description);
        else
                buf[0] = '\0';
}

static void text_tree(const Options *o, DeviceList *l, Device *d, const char *prefix, bool last, bool root)
{
        char name[256], details[512], child_prefix[128];
        size_t n_children = 0, seen = 0, extra_bytes = 0;

        d->printed = true;
        (void)snprintf(name, sizeof(name), "%s%s%s", prefix, root ? "" : last ? "└─" : "├─", d->sysname);
        text_details(d, details, sizeof(details));
        /* The tree glyphs take 3 bytes for one column: pad on display width, not bytes. */
        for (const char *p = name; *p; p++)
                if (((unsigned char)*p & UTF8_CONTINUATION_MASK) == UTF8_CONTINUATION)
                        extra_bytes++;
        printf("%-*s %s%-10s%s %-16s %s\n", (int)(l->name_width + extra_bytes), name,
               color_of(o, d->decision, d->active_state), d->decision, normal(o), *d->driver ? d->driver : "-",
               details);

        (void)snprintf(child_prefix, sizeof(child_prefix), "%s%s", prefix, root ? "" : last ? "  " : "│ ");
        for (size_t i = 0; i < l->n; i++)
                if (streq(l->devices[i].parent, d->sysname))
                        n_children++;
        for (size_t i = 0; i < l->n; i++)
                if (!l->devices[i].printed && streq(l->devices[i].parent, d->sysname)) {
                        seen++;
                        text_tree(o, l, &l->devices[i], child_prefix, seen == n_children, false);
                }
}

static unsigned depth_of(const DeviceList *l, const Device *d)
{
        unsigned depth = 0;

        for (const Device *p = d; p && *p->parent && depth < l->n;) {
                const Device *next = NULL;

                for (size_t i = 0; i < l->n; i++)
                        if (streq(l->devices[i].sysname, p->parent))
                                next = &l->devices[i];
                if (!next)
                        break;
                depth++;
                p = next;
        }
        return depth;
}

static int cmd_list(sd_bus *bus, const Options *o, char **args _unused_)
{
        __attribute__((cleanup(sd_bus_message_unrefp))) sd_bus_message *reply = NULL;
        DeviceList l = {};
        size_t n_bound = 0, allocated = 0;
        int r, ret = EXIT_OK;

        r = call(bus, "ListDevices", &reply, "Listing devices", NULL);
        if (r < 0)
                return -r;
        r = sd_bus_message_enter_container(reply, 'a', DRVHOST_BUS_DEVICE_TYPE);
        if (r < 0)
                return bad_reply(r);
        for (;;) {
                Device d;

                r = read_device(reply, &d);
                if (r < 0) {
                        ret = bad_reply(r);
                        goto finish;
                }
                if (r == 0)
                        break;
                if (l.n == allocated) {
                        Device *n = reallocarray(l.devices, allocated * 2 + 16, sizeof(Device));
                        if (!n) {
                                ret = log_error_exit(EXIT_FAILED, "Out of memory.");
                                goto finish;
                        }
                        l.devices = n;
                        allocated = allocated * 2 + 16;
                }
                read_unit_status(bus, &d);
                l.devices[l.n++] = d;
                if (*d.unit)
                        n_bound++;
        }
        qsort(l.devices, l.n, sizeof(Device), compare_devices);

        if (o->json) {
                JsonWriter w;

                json_init(&w, stdout);
                json_array_begin(&w);
                for (size_t i = 0; i < l.n; i++)
                        if (!has_listed_parent(&l, &l.devices[i]))
                                json_tree(&w, &l, &l.devices[i]);
                json_array_end(&w);
                goto finish;
        }

        for (size_t i = 0; i < l.n; i++) {
                size_t w = strlen(l.devices[i].sysname) + 2 * depth_of(&l, &l.devices[i]);
                if (w > l.name_width)
                        l.name_width = w;
        }
        if (o->legend)
                printf("%s%-*s %-10s %-16s %s%s\n", o->color ? ANSI_BOLD : "", (int)l.name_width, "DEVICE", "DECISION",
                       "DRIVER", "DETAILS", normal(o));
        for (size_t i = 0; i < l.n; i++)
                if (!has_listed_parent(&l, &l.devices[i]))
                        text_tree(o, &l, &l.devices[i], "", true, true);
        if (o->legend)
                printf("\n%zu device(s), %zu with a user-mode driver.\n", l.n, n_bound);

finish:
        for (size_t i = 0; i < l.n; i++)
                device_done(&l.devices[i]);
        free(l.devices);
        return ret;
}

/* ---- status ---- */

static int get_device(sd_bus *bus, const char *name, sd_bus_message **reply, Device *d)
{
        int r;

        r = call(bus, "GetDevice", reply, "Looking up the device", name);
        if (r < 0)
                return r;
        r = read_device(*reply, d);
        if (r <= 0)
                return -bad_reply(r < 0 ? r : -EBADMSG);
        read_unit_status(bus, d);
        return 0;
}

static int cmd_status(sd_bus *bus, const Options *o, char **args)
{
        __attribute__((cleanup(sd_bus_message_unrefp))) sd_bus_message *reply = NULL;
        _cleanup_(device_done) Device d = {};
        int r;

        r = get_device(bus, args[0], &reply, &d);
        if (r < 0)
                return -r;

        if (o->json) {
                JsonWriter w;

                json_init(&w, stdout);
                json_object_begin(&w);
                json_device_fields(&w, &d);
                json_object_end(&w);
                return EXIT_OK;
        }

        printf("%s%s%s%s%s\n", o->color ? ANSI_BOLD : "", d.sysname, *d.description ? " - " : "", d.description,
               normal(o));
        printf("      Syspath: %s\n", d.syspath);
        printf("    Subsystem: %s%s%s%s\n", d.subsystem, *d.devtype ? " (" : "", d.devtype, *d.devtype ? ")" : "");
        if (*d.parent)
                printf("       Parent: %s\n", d.parent);
        printf("     Modalias: %s\n", *d.modalias ? d.modalias : "-");
        printf("     Decision: %s%s%s\n", color_of(o, d.decision, d.active_state), d.decision, normal(o));
        if (*d.unit) {
                printf("       Driver: %s (user mode)\n", d.driver);
                printf("         Unit: %s\n", d.unit);
                printf("        State: %s/%s (binding %s)\n", d.active_state ?: "?", d.sub_state ?: "?", d.state);
                printf("     Restarts: %u after %u crash(es)\n", d.n_restarts, d.crashes);
        } else if (*d.driver)
                printf("       Driver: %s (kernel)\n", d.driver);
        printf("Kernel driver: %s\n", *d.kernel_driver ? d.kernel_driver : "none bound");
        return EXIT_OK;
}

/* ---- drivers ---- */

static int cmd_drivers(sd_bus *bus, const Options *o, char **args _unused_)
{
        __attribute__((cleanup(sd_bus_message_unrefp))) sd_bus_message *reply = NULL, *errors = NULL;
        JsonWriter w;
        size_t n = 0, n_errors = 0;
        int r;

        r = call(bus, "ListDrivers", &reply, "Listing drivers", NULL);
        if (r >= 0)
                r = call(bus, "ListManifestErrors", &errors, "Listing manifest errors", NULL);
        if (r < 0)
                return -r;

        json_init(&w, stdout);
        if (o->json) {
                json_object_begin(&w);
                json_key(&w, "drivers");
                json_array_begin(&w);
        } else if (o->legend)
                printf("%s%-20s %8s %-8s %s%s\n", o->color ? ANSI_BOLD : "", "NAME", "PRIORITY", "FALLBACK", "FILE",
                       normal(o));

        r = sd_bus_message_enter_container(reply, 'a', DRVHOST_BUS_DRIVER_TYPE);
        while (r >= 0 && (r = sd_bus_message_enter_container(reply, 'r', "sssisbuuas")) > 0) {
                const char *name, *path, *exec, *description;
                _cleanup_strv_free_ char **matches = NULL;
                int priority, fallback;
                uint32_t burst, interval;

                r = sd_bus_message_read(reply, "sssisbuu", &name, &path, &exec, &priority, &description, &fallback,
                                        &burst, &interval);
                if (r >= 0)
                        r = sd_bus_message_read_strv(reply, &matches);
                if (r >= 0)
                        r = sd_bus_message_exit_container(reply);
                if (r < 0)
                        break;
                n++;
                if (o->json) {
                        json_object_begin(&w);
                        json_field_string(&w, "name", name);
                        json_field_string(&w, "path", path);
                        json_field_string(&w, "exec", exec);
                        json_key(&w, "priority");
                        json_int(&w, priority);
                        json_field_string(&w, "description", *description ? description : NULL);
                        json_key(&w, "fallback_to_kernel");
                        json_bool(&w, fallback);
                        json_field_uint(&w, "restart_limit_burst", burst);
                        json_field_uint(&w, "restart_limit_interval_sec", interval);
                        json_key(&w, "matches");
                        json_array_begin(&w);
                        for (char **m = matches; m && *m; m++)
                                json_string(&w, *m);
                        json_array_end(&w);
                        json_object_end(&w);
                        continue;
                }
                printf("%-20s %8d %-8s %s\n", name, priority, fallback ? "kernel" : "none", path);
                if (*description)
                        printf("    %s\n", description);
                for (char **m = matches; m && *m; m++)
                        printf("    Match=%s\n", *m);
        }
        if (r < 0)
                return bad_reply(r);

        if (o->json) {
                json_array_end(&w);
                json_key(&w, "invalid");
                json_array_begin(&w);
        }
        r = sd_bus_message_enter_container(errors, 'a', DRVHOST_BUS_MANIFEST_ERROR_TYPE);
        for (;;) {
                const char *path, *reason;
                uint32_t line;

                if (r >= 0)
                        r = sd_bus_message_read(errors, DRVHOST_BUS_MANIFEST_ERROR_TYPE, &path, &line, &reason);
                if (r <= 0)
                        break;
                n_errors++;
                if (o->json) {
                        json_object_begin(&w);
                        json_field_string(&w, "path", path);
                        json_field_uint(&w, "line", line);
                        json_field_string(&w, "reason", reason);
                        json_object_end(&w);
                } else
                        printf("%sinvalid%s %s:%u: %s\n", o->color ? ANSI_RED : "", normal(o), path, line, reason);
        }
        if (r < 0)
                return bad_reply(r);
        if (o->json) {
                json_array_end(&w);
                json_object_end(&w);
        } else if (o->legend)
                printf("\n%zu driver manifest(s) loaded, %zu invalid.\n", n, n_errors);
        return EXIT_OK;
}

/* ---- explain ---- */

static int cmd_explain(sd_bus *bus, const Options *o, char **args)
{
        __attribute__((cleanup(sd_bus_message_unrefp))) sd_bus_message *reply = NULL;
        const char *sysname, *modalias, *decision, *reason;
        JsonWriter w;
        size_t n = 0;
        int r;

        r = call(bus, "Explain", &reply, "Explaining the device", args[0]);
        if (r < 0)
                return -r;
        r = sd_bus_message_read(reply, "ssss", &sysname, &modalias, &decision, &reason);
        if (r >= 0)
                r = sd_bus_message_enter_container(reply, 'a', DRVHOST_BUS_CANDIDATE_TYPE);
        if (r < 0)
                return bad_reply(r);

        json_init(&w, stdout);
        if (o->json) {
                json_object_begin(&w);
                json_field_string(&w, "sysname", sysname);
                json_field_string(&w, "modalias", *modalias ? modalias : NULL);
                json_field_string(&w, "decision", decision);
                json_field_string(&w, "reason", reason);
                json_key(&w, "candidates");
                json_array_begin(&w);
        } else {
                printf("%s%s%s: %s%s%s\n", o->color ? ANSI_BOLD : "", sysname, normal(o),
                       color_of(o, decision, NULL), decision, normal(o));
                printf("Modalias: %s\n%s\n", *modalias ? modalias : "-", reason);
        }

        for (;;) {
                const char *name, *path, *pattern, *loss;
                uint32_t score, rank;
                int priority;

                r = sd_bus_message_read(reply, DRVHOST_BUS_CANDIDATE_TYPE, &name, &path, &pattern, &score, &priority,
                                        &rank, &loss);
                if (r < 0)
                        return bad_reply(r);
                if (r == 0)
                        break;
                if (o->json) {
                        json_object_begin(&w);
                        json_field_string(&w, "name", name);
                        json_field_string(&w, "path", path);
                        json_field_string(&w, "pattern", pattern);
                        json_field_uint(&w, "score", score);
                        json_key(&w, "priority");
                        json_int(&w, priority);
                        json_field_uint(&w, "rank", rank);
                        json_field_string(&w, "verdict", rank == 0 ? "won" : "lost");
                        json_field_string(&w, "loss", rank == 0 ? NULL : loss);
                        json_object_end(&w);
                        continue;
                }
                if (n == 0)
                        printf("\n%s%-4s %-20s %5s %8s  %-40s %s%s\n", o->color ? ANSI_BOLD : "", "RANK", "MANIFEST",
                               "SCORE", "PRIORITY", "PATTERN", "VERDICT", normal(o));
                printf("%-4u %-20s %5u %8d  %-40s %s%s%s\n", rank, name, score, priority, pattern,
                       rank == 0 && o->color ? ANSI_GREEN : "", rank == 0 ? "won" : loss, normal(o));
                n++;
        }
        if (o->json) {
                json_array_end(&w);
                json_object_end(&w);
        } else if (n == 0)
                printf("\nNo manifest matches this device.\n");
        return EXIT_OK;
}

/* ---- restart, release, reload ---- */

typedef bool (*device_test_t)(const Device *d);

static bool is_serving(const Device *d)
{
        return streq(d->state, "running") && d->active_state && streq(d->active_state, "active");
}

static bool is_released(const Device *d)
{
        return !streq(d->decision, "user-mode");
}

/* Polls until test holds; returns 0, -ETIMEDOUT, or -ENODEV when the device went away. */
static int wait_for_device(sd_bus *bus, const char *name, device_test_t test)
{
        uint64_t deadline = now_usec() + WAIT_TIMEOUT_USEC;

        for (;;) {
                __attribute__((cleanup(sd_bus_message_unrefp))) sd_bus_message *reply = NULL;
                _cleanup_(device_done) Device d = {};

                if (sd_bus_call_method(bus, DRVHOST_BUS_NAME, DRVHOST_BUS_PATH, DRVHOST_BUS_INTERFACE, "GetDevice",
                                       NULL, &reply, "s", name) < 0 ||
                    read_device(reply, &d) <= 0)
                        return -ENODEV;
                read_unit_status(bus, &d);
                if (test(&d))
                        return 0;
                if (now_usec() > deadline)
                        return -ETIMEDOUT;
                (void)usleep(WAIT_POLL_USEC);
        }
}

static int cmd_restart(sd_bus *bus, const Options *o, char **args)
{
        __attribute__((cleanup(sd_bus_message_unrefp))) sd_bus_message *reply = NULL;
        int r;

        r = call(bus, "Restart", &reply, "Restarting a binding", args[0]);
        if (r < 0)
                return -r;
        if (!o->block)
                return EXIT_OK;
        r = wait_for_device(bus, args[0], is_serving);
        if (r == -ENODEV)
                return log_error_exit(EXIT_FAILED, "%s went away during the restart.", args[0]);
        if (r < 0)
                return log_error_exit(EXIT_FAILED, "%s did not come back within %d s; see drvhostctl status %s.",
                                      args[0], (int)(WAIT_TIMEOUT_USEC / USEC_PER_SEC), args[0]);
        if (o->legend)
                printf("Restarted the driver of %s; it is serving again.\n", args[0]);
        return EXIT_OK;
}

static int cmd_release(sd_bus *bus, const Options *o, char **args)
{
        __attribute__((cleanup(sd_bus_message_unrefp))) sd_bus_message *reply = NULL;
        int r;

        r = call(bus, "Release", &reply, "Releasing a binding", args[0]);
        if (r < 0)
                return -r;
        if (!o->block)
                return EXIT_OK;
        r = wait_for_device(bus, args[0], is_released);
        if (r == -ETIMEDOUT)
                return log_error_exit(EXIT_FAILED, "%s was not released within %d s; see drvhostctl status %s.",
                                      args[0], (int)(WAIT_TIMEOUT_USEC / USEC_PER_SEC), args[0]);
        if (o->legend)
                printf("Released %s to the kernel; 'drvhostctl restart %s' binds it again.\n", args[0], args[0]);
        return EXIT_OK;
}

static int cmd_reload(sd_bus *bus, const Options *o _unused_, char **args _unused_)
{
        __attribute__((cleanup(sd_bus_message_unrefp))) sd_bus_message *reply = NULL;
        int r;

        r = call(bus, "Reload", &reply, "Reloading the manifests", NULL);
        return r < 0 ? -r : EXIT_OK;
}

/* ---- logs ---- */

static int cmd_logs(sd_bus *bus, const Options *o, char **args)
{
        __attribute__((cleanup(sd_bus_message_unrefp))) sd_bus_message *reply = NULL;
        _cleanup_(device_done) Device d = {};
        char lines[16], *argv[16];
        _cleanup_free_ char *m_unit = NULL, *m_systemd = NULL, *m_sysname = NULL;
        size_t n = 0;
        int r;

        r = get_device(bus, args[0], &reply, &d);
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
        if (o->json)
                argv[n++] = (char *)"--output=json";
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

/* ---- main ---- */

typedef struct Verb {
        const char *name;
        int n_args;
        int (*run)(sd_bus *bus, const Options *o, char **args);
} Verb;

static const Verb verbs[] = {
        { "list", 0, cmd_list },       { "status", 1, cmd_status },   { "drivers", 0, cmd_drivers },
        { "explain", 1, cmd_explain }, { "restart", 1, cmd_restart }, { "release", 1, cmd_release },
        { "reload", 0, cmd_reload },   { "logs", 1, cmd_logs },
};

static void help(void)
{
        printf("Usage: drvhostctl [OPTIONS...] COMMAND [DEVICE]\n"
               "\n"
               "Query and control drvhost, the driver host service.\n"
               "\n"
               "Commands:\n"
               "  list              Devices as a tree, with what drvhost decided for each\n"
               "  status DEVICE     One device in detail\n"
               "  drivers           The loaded driver manifests, and the invalid ones\n"
               "  explain DEVICE    Every manifest that matches DEVICE, its score, and why it won or lost\n"
               "  restart DEVICE    Restart the device's user-mode driver, or bind it again (root)\n"
               "  release DEVICE    Stop the user-mode driver, give the device to the kernel (root)\n"
               "  reload            Re-read the driver manifests (root)\n"
               "  logs DEVICE       The journal of the device's binding\n"
               "\n"
               "DEVICE is a sysname (1-1:1.0, 0000:00:03.0, sda), a /sys path or a driver unit name.\n"
               "\n"
               "Options:\n"
               "  -h --help         Show this help\n"
               "     --version      Show the version\n"
               "     --json         Machine-readable output (list, status, drivers, explain, logs)\n"
               "     --no-legend    No header and footer lines\n"
               "     --no-pager     Accepted for compatibility; drvhostctl never pages\n"
               "     --no-block     restart/release: do not wait for the result\n"
               "     --color=WHEN   auto (a terminal, NO_COLOR unset), always or never\n"
               "  -f --follow       logs: keep printing new entries\n"
               "  -n --lines=N      logs: show the last N entries (default %d)\n"
               "\n"
               "Exit status: 0 ok, 1 failed, 2 usage, 3 drvhostd not running, 4 permission denied,\n"
               "5 no such device. See drvhostctl(1).\n",
               LINES_DEFAULT);
}

enum {
        ARG_VERSION = 0x100,
        ARG_JSON,
        ARG_NO_LEGEND,
        ARG_NO_PAGER,
        ARG_NO_BLOCK,
        ARG_COLOR,
};

/* Returns 1 to go on (with *ret_optind), 0 to exit successfully, or -EXIT_USAGE. */
static int parse_argv(int argc, char *argv[], Options *o, int *ret_optind)
{
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "json", no_argument, NULL, ARG_JSON },
                { "no-legend", no_argument, NULL, ARG_NO_LEGEND },
                { "no-pager", no_argument, NULL, ARG_NO_PAGER },
                { "no-block", no_argument, NULL, ARG_NO_BLOCK },
                { "color", required_argument, NULL, ARG_COLOR },
                { "follow", no_argument, NULL, 'f' },
                { "lines", required_argument, NULL, 'n' },
                {},
        };
        ColorMode color = COLOR_AUTO;
        char *end;
        long v;
        int c;

        while ((c = getopt_long(argc, argv, "hfn:", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("drvhostctl %s\n", DRVHOST_VERSION);
                        return 0;
                case ARG_JSON:
                        o->json = true;
                        break;
                case ARG_NO_LEGEND:
                        o->legend = false;
                        break;
                case ARG_NO_PAGER:
                        break;
                case ARG_NO_BLOCK:
                        o->block = false;
                        break;
                case ARG_COLOR:
                        if (streq(optarg, "auto"))
                                color = COLOR_AUTO;
                        else if (streq(optarg, "always"))
                                color = COLOR_ALWAYS;
                        else if (streq(optarg, "never"))
                                color = COLOR_NEVER;
                        else
                                return -log_error_exit(EXIT_USAGE, "--color= takes auto, always or never, not '%s'.",
                                                       optarg);
                        break;
                case 'f':
                        o->follow = true;
                        break;
                case 'n':
                        errno = 0;
                        v = strtol(optarg, &end, 10);
                        if (errno || *end || end == optarg || v < 0 || v > 1000000)
                                return -log_error_exit(EXIT_USAGE, "--lines= takes a number, not '%s'.", optarg);
                        o->lines = (unsigned)v;
                        break;
                default:
                        return -EXIT_USAGE; /* getopt already said why */
                }

        if (color == COLOR_AUTO) {
                const char *term = getenv("TERM");
                o->color = isatty(STDOUT_FILENO) && !getenv("NO_COLOR") && !(term && streq(term, "dumb"));
        } else
                o->color = color == COLOR_ALWAYS;
        if (o->json)
                o->color = false;
        *ret_optind = optind;
        return 1;
}

int main(int argc, char *argv[])
{
        __attribute__((cleanup(sd_bus_flush_close_unrefp))) sd_bus *bus = NULL;
        Options o = { .legend = true, .block = true, .lines = LINES_DEFAULT };
        const Verb *verb = NULL;
        int r, first = 0;

        r = parse_argv(argc, argv, &o, &first);
        if (r <= 0)
                return r < 0 ? -r : EXIT_OK;

        if (first >= argc)
                return log_error_exit(EXIT_USAGE, "No command given; see drvhostctl --help.");
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                if (streq(verbs[i].name, argv[first]))
                        verb = &verbs[i];
        if (!verb)
                return log_error_exit(EXIT_USAGE, "Unknown command '%s'; see drvhostctl --help.", argv[first]);
        if (argc - first - 1 != verb->n_args)
                return log_error_exit(EXIT_USAGE, "'%s' takes %s; see drvhostctl --help.", verb->name,
                                      verb->n_args ? "one DEVICE argument" : "no arguments");

        r = sd_bus_open_system(&bus);
        if (r < 0)
                return log_error_exit(EXIT_NOT_RUNNING, "Cannot connect to the system bus: %s", strerror(-r));

        return verb->run(bus, &o, argv + first + 1);
}
