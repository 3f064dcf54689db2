/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <sys/signalfd.h>
#include <systemd/sd-daemon.h>

#include "binding-ports.h"
#include "binding.h"
#include "broker.h"
#include "binding-journal.h"
#include "bus-api.h"
#include "context.h"
#include "discovery.h"
#include "log.h"
#include "manifests.h"
#include "device-dispatch.h"
#include "time-util.h"
#include "unit-control.h"
#include "unit-name.h"
#include "version.h"

static void help(void)
{
        printf("Usage: drvhostd [OPTIONS]\n"
               "\n"
               "The drvhost driver host daemon: watches udev, matches devices against driver\n"
               "manifests and runs user-mode drivers as systemd units.\n"
               "It is meant to be started by drvhost.service, not by hand.\n"
               "\n"
               "  -h --help      Show this help and exit\n"
               "     --version  Show the version and exit\n"
               "\n"
               "See drvhostd(8) for details.\n");
}

enum { ARG_VERSION = 0x100 };

/* How long a stop waits for the drivers to exit and their devices to go back to the kernel: the
 * driver units' TimeoutStopSec= (5 s) plus the re-probe, with room to spare. */
#define SHUTDOWN_TIMEOUT_USEC (15 * USEC_PER_SEC)
#define SHUTDOWN_POLL_USEC (50 * USEC_PER_MSEC)

/* Returns 1 to go on, 0 to exit successfully, -EINVAL on a bad command line. */
static int parse_argv(int argc, char *argv[])
{
        static const struct option options[] = {
            {"help", no_argument, NULL, 'h'},
            {"version", no_argument, NULL, ARG_VERSION},
            {},
        };
        int o;

        while ((o = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (o) {
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("drvhostd %s\n", DRVHOST_VERSION);
                        return 0;
                default:
                        return -EINVAL; /* getopt already printed the reason */
                }

        if (optind < argc) {
                fprintf(stderr, "drvhostd: unexpected argument '%s'; see --help.\n", argv[optind]);
                return -EINVAL;
        }
        return 1;
}

/* Gives up one entry of the fd store: the unit it served stops, the copy there goes. */
static void forget_stored(Context *c, const char *fdname, const char *unit, int fd, int error)
{
        _cleanup_free_ char *msg = NULL;

        log_warning_errno(error, "Not adopting %s: %m", fdname);
        if (unit)
                (void)c->unit_ops->stop(c->unit_ops_userdata, unit);
        if (asprintf(&msg, "FDSTOREREMOVE=1\nFDNAME=%s", fdname) >= 0)
                (void)sd_notify(false, msg);
        safe_close(fd);
}

/* Takes back the bindings an earlier drvhostd left in our fd store: the device files first, which
 * make the bindings, then their ptys and job sockets. */
static void adopt_bindings(Context *c)
{
        _cleanup_strv_free_ char **names = NULL;
        int n;

        n = sd_listen_fds_with_names(true, &names);
        if (n <= 0)
                return;

        for (FdstoreKind pass = FDSTORE_DEVICE; pass < _FDSTORE_KIND_MAX; pass++)
                for (int i = 0; i < n; i++) {
                        _cleanup_free_ char *unit = NULL, *driver = NULL, *sysname = NULL;
                        int fd = SD_LISTEN_FDS_START + i, r;
                        FdstoreKind kind;
                        Binding *b;

                        r = driver_fdname_parse(names[i], &kind, &driver, &sysname);
                        if (r >= 0 && kind != pass)
                                continue;
                        if (r < 0 && pass != FDSTORE_DEVICE)
                                continue;
                        if (r >= 0)
                                r = driver_unit_name(driver, sysname, &unit);
                        if (r >= 0 && kind == FDSTORE_DEVICE)
                                r = device_dispatch_adopt(c, driver, sysname, fd);
                        else if (r >= 0) {
                                b = binding_find_by_unit(c, unit);
                                r = b ? binding_ports_adopt(b, kind, fd) : -ENOENT;
                        }
                        if (r >= 0)
                                continue;
                        if (r == -EEXIST) {
                                /* A second copy of an adopted binding's file: the binding lives on. */
                                safe_close(fd);
                                continue;
                        }
                        forget_stored(c, names[i], kind == FDSTORE_DEVICE ? unit : NULL, fd, r);
                }

        /* Stored by a drvhostd from before ports, or lost: made anew (the running driver gets them
         * at its next start). */
        for (Binding *b = c->bindings; b; b = b->next) {
                int r = binding_ports_open(b);

                if (r < 0)
                        log_warning_errno(r, "Failed to make the pty or job socket of %s: %m", b->unit);
        }
}

static int on_sighup(sd_event_source *s _unused_, const struct signalfd_siginfo *si _unused_, void *userdata)
{
        Context *c = userdata;

        (void)sd_notify(false, "RELOADING=1\nSTATUS=Reloading driver manifests");
        (void)manifests_reload(c);
        (void)sd_notifyf(false, "READY=1\nSTATUS=%u binding(s), %zu manifest(s)", c->n_bindings,
                         c->manifests ? c->manifests->n : 0);
        return 0;
}

static bool devices_returned(const Context *c)
{
        for (const Binding *b = c->bindings; b; b = b->next)
                if (binding_holds_device(b))
                        return false;
        return true;
}

static int on_shutdown_poll(sd_event_source *s, uint64_t usec _unused_, void *userdata)
{
        Context *c = userdata;

        if (devices_returned(c) || now_usec() >= c->shutdown_deadline_usec) {
                if (!devices_returned(c))
                        log_warning(
                            "Not every device went back to its kernel driver within %llu s; exiting anyway.",
                            (unsigned long long)(SHUTDOWN_TIMEOUT_USEC / USEC_PER_SEC));
                (void)sd_bus_flush(c->bus);
                return sd_event_exit(sd_event_source_get_event(s), 0);
        }
        (void)sd_event_source_set_time_relative(s, SHUTDOWN_POLL_USEC);
        return sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
}

/* A clean stop (systemctl stop) stops the drivers and hands their devices back to the kernel
 * drivers, so that the machine works as it would without drvhost; a crash or SIGKILL leaves them
 * running and the fd store lets the next drvhostd adopt them. */
static int on_sigterm(sd_event_source *s _unused_, const struct signalfd_siginfo *si _unused_,
                      void *userdata)
{
        Context *c = userdata;
        Binding *next;
        int r;

        if (c->shutting_down)
                return 0;
        c->shutting_down = true;
        (void)sd_notify(false, "STOPPING=1\nSTATUS=Stopping drivers, returning devices to the kernel");
        for (Binding *b = c->bindings; b; b = next) {
                next = b->next;
                (void)binding_handle(b, BINDING_INPUT_RELEASE, "drvhost is stopping");
        }

        c->shutdown_deadline_usec = now_usec() + SHUTDOWN_TIMEOUT_USEC;
        r = sd_event_add_time_relative(c->event, &c->shutdown_timer, CLOCK_MONOTONIC, 0, 0, on_shutdown_poll,
                                       c);
        if (r < 0) {
                log_warning_errno(r, "Failed to wait for the drivers to stop, exiting now: %m");
                return sd_event_exit(c->event, 0);
        }
        return 0;
}

static int bus_connect(Context *c)
{
        int r;

        r = sd_bus_open_system(&c->bus);
        if (r < 0)
                return log_error_errno(r, "Failed to connect to the system bus: %m");
        r = sd_bus_attach_event(c->bus, c->event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0)
                return log_error_errno(r, "Failed to attach the bus to the event loop: %m");
        c->unit_ops_userdata = c->bus;
        /* Without a subscriber systemd sends no unit signals. */
        r = unit_control_subscribe(c->bus);
        if (r < 0)
                return log_error_errno(r, "Failed to subscribe to systemd: %m");
        return 0;
}

static int run(void)
{
        _cleanup_(context_freep) Context *c = NULL;
        sigset_t mask;
        int r;

        /* sd-event wants the signals it handles blocked first. */
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
                return log_error_errno(errno, "Failed to block signals: %m");

        r = context_new(&c);
        if (r < 0)
                return log_error_errno(r, "Failed to set up daemon context: %m");

        r = sd_event_add_signal(c->event, NULL, SIGTERM, on_sigterm, c);
        if (r >= 0)
                r = sd_event_add_signal(c->event, NULL, SIGINT, on_sigterm, c);
        if (r >= 0)
                r = sd_event_add_signal(c->event, NULL, SIGHUP, on_sighup, c);
        if (r < 0)
                return log_error_errno(r, "Failed to install signal handlers: %m");

        /* Pings WATCHDOG=1 at half of WATCHDOG_USEC when the service manager asks for it. */
        r = sd_event_set_watchdog(c->event, true);
        if (r < 0)
                return log_error_errno(r, "Failed to enable watchdog: %m");

        r = manifests_load(c);
        if (r < 0)
                return r;

        r = bus_connect(c);
        if (r < 0)
                return r;

        /* Who hears of bindings: the journal, D-Bus clients, and dispatch (records, matching
         * again); dispatch hears first, so the others see the records already changed. */
        r = device_dispatch_init(c);
        if (r >= 0)
                r = binding_journal_listen(c);
        if (r >= 0)
                r = bus_api_listen(c);
        if (r < 0)
                return log_error_errno(r, "Failed to register binding listeners: %m");

        r = bus_api_start(c);
        if (r < 0)
                return r;

        r = broker_start(c);
        if (r < 0)
                return r;

        adopt_bindings(c);

        r = discovery_start(c);
        if (r < 0)
                return r;

        (void)sd_notifyf(false, "READY=1\nSTATUS=%u binding(s), %zu manifest(s), %u devices seen",
                         c->n_bindings, c->manifests->n, c->n_devices_seen);
        log_info("drvhostd %s started: %u devices enumerated, %u binding(s).", DRVHOST_VERSION,
                 c->n_devices_seen, c->n_bindings);

        r = sd_event_loop(c->event);
        (void)sd_notify(false, "STOPPING=1\nSTATUS=Shutting down");
        if (r < 0)
                return log_error_errno(r, "Event loop failed: %m");
        return 0;
}

int main(int argc, char *argv[])
{
        int r;

        r = parse_argv(argc, argv);
        if (r <= 0)
                return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;

        return run() < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
