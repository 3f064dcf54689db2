/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* drvhost-print: prints a file on a printer served by drvhost's printer driver, without CUPS. For
 * tests and for people: it says exactly how the job ended. */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "macro.h"
#include "print-client.h"
#include "print-discover.h"

enum {
        EXIT_DONE = 0,
        EXIT_JOB_FAILED = 1,
        EXIT_USAGE = 2,
        QUERY_TIMEOUT_MSEC = 3000,
        DECIMAL = 10,
        COPIES_MAX = 65535,
};

typedef enum Action {
        ACTION_PRINT,
        ACTION_QUERY,
        ACTION_LIST,
} Action;

typedef struct Options {
        Action action;
        const char *target;
        const char *file;
        const char *backchannel;
        unsigned copies;
        bool unknown_length;
} Options;

static void help(void)
{
        printf("Usage: drvhost-print [OPTIONS] PRINTER [FILE]\n"
               "       drvhost-print --query PRINTER\n"
               "       drvhost-print --list\n"
               "\n"
               "Prints FILE (default: standard input) on a USB printer served by drvhost's user-mode\n"
               "printer driver, talking to the driver's job socket directly (no CUPS), and reports how\n"
               "the job ended on standard output:\n"
               "  DONE BYTES           the printer accepted every byte\n"
               "  ERROR REASON         it did not: unplugged, I/O error, timeout, driver stopping,\n"
               "                       connection lost (the driver crashed) ...\n"
               "\n"
               "PRINTER is a job socket in " DRVHOST_PRINTER_SOCKET_DIR "/, by path or by name (the USB\n"
               "interface, e.g. 1-1:1.0), or a drvhost://MAKE/MODEL?serial=SERIAL URI as --list shows.\n"
               "Only root and group lp may print. A socket is used only if root owns it and root\n"
               "listens on it; a URI two printers match is refused.\n"
               "\n"
               "Options:\n"
               "  -h --help              Show this help\n"
               "  -q --query             Print what the printer reports (KEY=value lines): device ID,\n"
               "                         port status, driver unit, USB identity, the serial that\n"
               "                         identifies it and where that came from\n"
               "  -l --list              List the printers: URI, make and model, socket\n"
               "  -n --copies=N          Send FILE N times in one job (FILE must be seekable)\n"
               "     --unknown-length    Do not announce the job's length (as for a pipe)\n"
               "  -b --backchannel=FILE  Write what the printer sends back to FILE\n"
               "\n"
               "Exit status: 0 DONE, 1 the job failed or the connection was lost before DONE,\n"
               "2 bad usage, printer not found or a local error.\n");
}

/* Returns 1 to go on, 0 to exit successfully (--help), -EINVAL for bad arguments. */
static int parse_argv(int argc, char *argv[], Options *o)
{
        enum { ARG_UNKNOWN_LENGTH = 0x100 };
        static const struct option options[] = {
            {"help", no_argument, NULL, 'h'},
            {"query", no_argument, NULL, 'q'},
            {"list", no_argument, NULL, 'l'},
            {"copies", required_argument, NULL, 'n'},
            {"unknown-length", no_argument, NULL, ARG_UNKNOWN_LENGTH},
            {"backchannel", required_argument, NULL, 'b'},
            {},
        };
        unsigned long copies;
        char *end;
        int c;

        while ((c = getopt_long(argc, argv, "hqln:b:", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case 'q':
                        o->action = ACTION_QUERY;
                        break;
                case 'l':
                        o->action = ACTION_LIST;
                        break;
                case 'n':
                        errno = 0;
                        copies = strtoul(optarg, &end, DECIMAL);
                        if (errno != 0 || *end != '\0' || optarg[0] < '1' || optarg[0] > '9' ||
                            copies > COPIES_MAX) {
                                fprintf(stderr, "drvhost-print: invalid --copies= value: %s\n", optarg);
                                return -EINVAL;
                        }
                        o->copies = (unsigned)copies;
                        break;
                case ARG_UNKNOWN_LENGTH:
                        o->unknown_length = true;
                        break;
                case 'b':
                        o->backchannel = optarg;
                        break;
                default:
                        return -EINVAL; /* getopt_long() printed why */
                }

        if (o->action == ACTION_LIST) {
                if (optind != argc) {
                        fprintf(stderr, "drvhost-print: --list takes no arguments\n");
                        return -EINVAL;
                }
                return 1;
        }
        if (optind >= argc) {
                fprintf(stderr, "drvhost-print: no printer given (see --help)\n");
                return -EINVAL;
        }
        o->target = argv[optind++];
        if (optind < argc && o->action == ACTION_PRINT)
                o->file = argv[optind++];
        if (optind < argc) {
                fprintf(stderr, "drvhost-print: unexpected argument: %s\n", argv[optind]);
                return -EINVAL;
        }
        return 1;
}

/* Says why a printer could not be used. */
static void open_error(const char *what, int r)
{
        const char *why = r == -EACCES  ? "permission denied (printing needs root or group lp)"
                          : r == -EPERM ? "refused: root does not own it or does not listen on it"
                          : r == -ELOOP ? "refused: a symbolic link"
                          : r == -ENOTSOCK ? "not a socket"
                          : r == -EINVAL   ? "not a USB interface name"
                                           : strerror(-r);

        fprintf(stderr, "drvhost-print: %s: %s\n", what, why);
}

/* The printer PRINTER names, connected and queried, in *f. Returns 0, or -errno after saying why. */
static int open_target(const char *target, FoundPrinter *f)
{
        const PrinterPlaces pl = PRINTER_PLACES_SYSTEM;
        _cleanup_(printer_uri_done) PrinterUri u = {};
        _cleanup_close_ int dir_fd = -EBADF;
        char other[PRINTER_NAME_MAX + 1];
        size_t dir_len = strlen(DRVHOST_PRINTER_SOCKET_DIR);
        const char *name = target;
        int r;

        if (strstr(target, "://")) {
                r = printer_uri_parse(target, &u);
                if (r < 0) {
                        fprintf(stderr, "drvhost-print: not a drvhost:// URI: %s\n", target);
                        return r;
                }
                r = printer_find(&pl, &u, QUERY_TIMEOUT_MSEC, NULL, NULL, f, other);
                if (r == -ENOTUNIQ)
                        fprintf(stderr,
                                "drvhost-print: two printers match %s: %s and %s; not guessing which one\n",
                                target, f->name, other);
                else if (r == -ENOENT)
                        fprintf(stderr, "drvhost-print: no printer matches %s\n", target);
                else if (r < 0)
                        open_error(DRVHOST_PRINTER_SOCKET_DIR, r);
                return r;
        }

        /* A path must be in the socket directory: only there are sockets checked to be drvhostd's. */
        if (strchr(target, '/')) {
                if (!strneq(target, DRVHOST_PRINTER_SOCKET_DIR, dir_len) || target[dir_len] != '/') {
                        fprintf(stderr, "drvhost-print: %s is not in %s/\n", target,
                                DRVHOST_PRINTER_SOCKET_DIR);
                        return -EINVAL;
                }
                name = target + dir_len + 1;
        }
        dir_fd = printer_dir_open(pl.socket_dir, pl.owner);
        if (dir_fd < 0) {
                open_error(DRVHOST_PRINTER_SOCKET_DIR, dir_fd);
                return dir_fd;
        }
        r = printer_open(&pl, dir_fd, name, QUERY_TIMEOUT_MSEC, f);
        if (r < 0)
                open_error(target, r);
        return r;
}

static int list_one(const FoundPrinter *f, void *userdata)
{
        _cleanup_free_ char *uri = NULL;
        int r;

        r = printer_uri_format(f->ident.manufacturer, f->ident.model, f->ident.serial, &uri);
        if (r < 0)
                return r;
        printf("%s\t%s %s\t%s\t%s/%s\n", uri, f->ident.manufacturer, f->ident.model, f->info.status,
               DRVHOST_PRINTER_SOCKET_DIR, f->name);
        return 0;
}

static void list_skipped(const char *name, int error, void *userdata)
{
        char what[sizeof(DRVHOST_PRINTER_SOCKET_DIR) + PRINTER_NAME_MAX + 1];

        (void)snprintf(what, sizeof(what), "%s/%s", DRVHOST_PRINTER_SOCKET_DIR, name);
        open_error(what, error);
}

static int query_one(const FoundPrinter *f)
{
        const JobInfo *info = &f->info;

        printf("DEVICE_ID=%s\n", info->device_id);
        if (info->port_status_known)
                printf("PORT_STATUS=0x%02x\n", info->port_status);
        else
                printf("PORT_STATUS=\n");
        printf("STATUS=%s\nINTERFACE=%s\nSERIAL=%s\nSERIAL_FROM=%s\nUNIT=%s\nDEVICE=%s\nUSB_ID=%s\n"
               "USB_SERIAL=%s\nBIDIRECTIONAL=%s\nBUSY=%s\n",
               info->status, f->name, f->ident.serial,
               printer_serial_source_to_string(f->ident.serial_source), info->unit, info->device,
               info->usb_id, f->usb_serial, info->bidirectional ? "yes" : "no", info->busy ? "yes" : "no");
        return EXIT_DONE;
}

/* Prints on f's connection, the one that was queried. */
static int print(const Options *o, FoundPrinter *f)
{
        _cleanup_close_ int file_fd = -EBADF, backchannel_fd = -EBADF;
        uint64_t length = JOB_LENGTH_UNKNOWN;
        int input_fd = STDIN_FILENO;
        JobResult res;
        struct stat st;
        int r;

        if (o->file && !streq(o->file, "-")) {
                file_fd = open(o->file, O_RDONLY | O_CLOEXEC);
                if (file_fd < 0) {
                        fprintf(stderr, "drvhost-print: cannot open %s: %m\n", o->file);
                        return EXIT_USAGE;
                }
                input_fd = file_fd;
        }
        if (!o->unknown_length && fstat(input_fd, &st) == 0 && S_ISREG(st.st_mode))
                length = (uint64_t)st.st_size * o->copies;
        if (o->backchannel) {
                backchannel_fd = open(o->backchannel, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
                if (backchannel_fd < 0) {
                        fprintf(stderr, "drvhost-print: cannot open %s: %m\n", o->backchannel);
                        return EXIT_USAGE;
                }
        }

        r = printer_send_job(f->fd, input_fd, o->copies, length, backchannel_fd, &res);
        if (r < 0) {
                fprintf(stderr, "drvhost-print: reading the input failed: %s\n", strerror(-r));
                return EXIT_USAGE;
        }
        if (res.done) {
                printf("DONE %" PRIu64 "\n", res.bytes);
                return EXIT_DONE;
        }
        printf("ERROR %s\n",
               res.error ? job_error_to_string(res.error) ?: "unknown error" : "connection lost");
        fprintf(stderr, "drvhost-print: the job failed after %" PRIu64 " bytes were written: %s\n",
                res.bytes, job_result_reason(&res));
        return EXIT_JOB_FAILED;
}

int main(int argc, char *argv[])
{
        const PrinterPlaces pl = PRINTER_PLACES_SYSTEM;
        _cleanup_free_ FoundPrinter *f = NULL;
        Options o = {.copies = 1};
        int r;

        r = parse_argv(argc, argv, &o);
        if (r <= 0)
                return r < 0 ? EXIT_USAGE : EXIT_DONE;
        (void)signal(SIGPIPE, SIG_IGN);

        if (o.action == ACTION_LIST) {
                r = printer_discover(&pl, QUERY_TIMEOUT_MSEC, list_one, list_skipped, NULL);
                if (r < 0) {
                        open_error(DRVHOST_PRINTER_SOCKET_DIR, r);
                        return EXIT_USAGE;
                }
                return EXIT_DONE;
        }

        f = malloc(sizeof(*f));
        if (!f)
                return EXIT_USAGE;
        if (open_target(o.target, f) < 0)
                return EXIT_USAGE;
        r = o.action == ACTION_QUERY ? query_one(f) : print(&o, f);
        found_printer_done(f);
        return r;
}
