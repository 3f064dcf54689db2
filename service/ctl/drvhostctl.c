/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* drvhostctl: the options and the dispatch to the verbs (verbs-*.c), which ask drvhostd over the
 * system bus (ctl-bus.c) and print one table each (output.c). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <unistd.h>

#include "ctl-util.h"
#include "macro.h"
#include "verbs.h"
#include "version.h"

enum { LINES_DEFAULT = 50, LINES_MAX = 1000000 };

typedef enum ColorMode { COLOR_AUTO, COLOR_ALWAYS, COLOR_NEVER } ColorMode;

typedef struct Verb {
        const char *name;
        int n_args;
        VerbFunc run;
} Verb;

static const Verb verbs[] = {
    {"list", 0, verb_list},       {"status", 1, verb_status},   {"drivers", 0, verb_drivers},
    {"explain", 1, verb_explain}, {"restart", 1, verb_restart}, {"release", 1, verb_release},
    {"inject", 2, verb_inject},   {"reload", 0, verb_reload},   {"logs", 1, verb_logs},
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
               "  inject DEVICE FAULT\n"
               "                    Inject a fault into the device's running driver (root):\n"
               "                    crash, abort, kill, exit, hang, stall, oom or slow\n"
               "  reload            Re-read the driver manifests (root)\n"
               "  logs DEVICE       The journal of the device's binding\n"
               "\n"
               "DEVICE is a sysname (1-1:1.0, 0000:00:03.0, sda), a /sys path or a driver unit name.\n"
               "\n"
               "Options:\n"
               "  -h --help         Show this help\n"
               "     --version      Show the version\n"
               "     --json=MODE    Machine-readable output (list, status, drivers, explain, logs):\n"
               "                    pretty, short (one line; --json alone) or off\n"
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

static bool color_auto(void)
{
        const char *term = getenv("TERM");

        return isatty(STDOUT_FILENO) && !getenv("NO_COLOR") && !(term && streq(term, "dumb"));
}

/* Returns 1 to go on (with *ret_optind), 0 to exit successfully, or -EXIT_USAGE. */
static int parse_argv(int argc, char *argv[], Options *o, int *ret_optind)
{
        static const struct option options[] = {
            {"help", no_argument, NULL, 'h'},
            {"version", no_argument, NULL, ARG_VERSION},
            {"json", optional_argument, NULL, ARG_JSON},
            {"no-legend", no_argument, NULL, ARG_NO_LEGEND},
            {"no-pager", no_argument, NULL, ARG_NO_PAGER},
            {"no-block", no_argument, NULL, ARG_NO_BLOCK},
            {"color", required_argument, NULL, ARG_COLOR},
            {"follow", no_argument, NULL, 'f'},
            {"lines", required_argument, NULL, 'n'},
            {},
        };
        ColorMode color = COLOR_AUTO;
        char *end;
        long v;
        int c, mode;

        while ((c = getopt_long(argc, argv, "hfn:", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("drvhostctl %s\n", DRVHOST_VERSION);
                        return 0;
                case ARG_JSON:
                        /* --json alone is the one-line form, as before --json= took a value. */
                        mode = optarg ? output_mode_from_string(optarg) : OUTPUT_JSON_SHORT;
                        if (mode < 0)
                                return -log_error_exit(
                                    EXIT_USAGE, "--json= takes pretty, short or off, not '%s'.", optarg);
                        o->output.mode = (OutputMode)mode;
                        break;
                case ARG_NO_LEGEND:
                        o->output.legend = false;
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
                                return -log_error_exit(
                                    EXIT_USAGE, "--color= takes auto, always or never, not '%s'.", optarg);
                        break;
                case 'f':
                        o->follow = true;
                        break;
                case 'n':
                        errno = 0;
                        v = strtol(optarg, &end, 10);
                        if (errno || *end || end == optarg || v < 0 || v > LINES_MAX)
                                return -log_error_exit(EXIT_USAGE, "--lines= takes a number, not '%s'.",
                                                       optarg);
                        o->lines = (unsigned)v;
                        break;
                default:
                        return -EXIT_USAGE; /* getopt already said why */
                }

        o->output.color = color == COLOR_AUTO ? color_auto() : color == COLOR_ALWAYS;
        if (output_is_json(&o->output))
                o->output.color = false;
        *ret_optind = optind;
        return 1;
}

int main(int argc, char *argv[])
{
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        Options o = {.output = {.mode = OUTPUT_TEXT, .legend = true}, .block = true, .lines = LINES_DEFAULT};
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
                return log_error_exit(EXIT_USAGE, "Unknown command '%s'; see drvhostctl --help.",
                                      argv[first]);
        if (argc - first - 1 != verb->n_args)
                return log_error_exit(EXIT_USAGE, "'%s' takes %s; see drvhostctl --help.", verb->name,
                                      verb->n_args == 0   ? "no arguments"
                                      : verb->n_args == 1 ? "one DEVICE argument"
                                                          : "a DEVICE and a FAULT argument");

        r = sd_bus_open_system(&bus);
        if (r < 0)
                return log_error_exit(EXIT_NOT_RUNNING, "Cannot connect to the system bus: %s",
                                      strerror(-r));

        return verb->run(bus, &o, argv + first + 1);
}
