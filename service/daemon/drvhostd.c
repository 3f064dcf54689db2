/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <systemd/sd-daemon.h>

#include "context.h"
#include "discovery.h"
#include "log.h"
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

/* Returns 1 to go on, 0 to exit successfully, -EINVAL on a bad command line. */
static int parse_argv(int argc, char *argv[])
{
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
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

static int run(void)
{
        _cleanup_(context_freep) Context *c = NULL;
        sigset_t mask;
        int r;

        /* sd-event wants the signals it handles blocked first. */
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
                return log_error_errno(errno, "Failed to block signals: %m");

        r = context_new(&c);
        if (r < 0)
                return log_error_errno(r, "Failed to set up daemon context: %m");

        r = sd_event_add_signal(c->event, NULL, SIGTERM, NULL, NULL);
        if (r >= 0)
                r = sd_event_add_signal(c->event, NULL, SIGINT, NULL, NULL);
        if (r < 0)
                return log_error_errno(r, "Failed to install signal handlers: %m");

        /* Pings WATCHDOG=1 at half of WATCHDOG_USEC when the service manager asks for it. */
        r = sd_event_set_watchdog(c->event, true);
        if (r < 0)
                return log_error_errno(r, "Failed to enable watchdog: %m");

        r = discovery_start(c);
        if (r < 0)
                return r;

        (void)sd_notifyf(false, "READY=1\nSTATUS=Watching %u devices", c->n_devices_seen);
        log_info("drvhostd %s started, %u devices enumerated.", DRVHOST_VERSION, c->n_devices_seen);

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
