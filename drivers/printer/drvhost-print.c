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
               "PRINTER is a driver's socket (/run/drvhost/driver/INSTANCE/printer.sock), its runtime\n"
               "directory, or a drvhost://MAKE/MODEL?serial=SERIAL URI as --list shows.\n"
               "\n"
               "Options:\n"
               "  -h --help              Show this help\n"
               "  -q --query             Print what the printer reports (KEY=value lines): device ID,\n"
               "                         port status, driver instance, USB identity\n"
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

/* The socket for PRINTER: the path itself, printer.sock in a directory, or the printer a URI
 * names. Returns 0 with *ret (free it) or -errno after saying why. */
static int resolve(const char *target, char **ret)
{
        _cleanup_(printer_uri_done) PrinterUri u = {};
        _cleanup_free_ JobInfo *info = NULL;
        struct stat st;
        int r;

        if (strstr(target, "://")) {
                r = printer_uri_parse(target, &u);
                if (r < 0) {
                        fprintf(stderr, "drvhost-print: not a drvhost:// URI: %s\n", target);
                        return r;
                }
                info = calloc(1, sizeof(*info));
                if (!info)
                        return -ENOMEM;
                r = printer_find(PRINTER_SOCKET_GLOB, &u, QUERY_TIMEOUT_MSEC, ret, info);
                if (r < 0)
                        fprintf(stderr, "drvhost-print: no printer matches %s%s%s\n", target,
                                r == -ENOENT ? "" : ": ", r == -ENOENT ? "" : strerror(-r));
                return r;
        }
        if (stat(target, &st) == 0 && S_ISDIR(st.st_mode))
                r = asprintf(ret, "%s/%s", target, JOB_SOCKET_NAME);
        else
                r = asprintf(ret, "%s", target);
        return r < 0 ? -ENOMEM : 0;
}

static int list_one(const char *socket_path, const JobInfo *info, void *userdata)
{
        _cleanup_free_ char *uri = NULL;
        PrinterIdentity ident;
        int r;

        r = printer_identity_from_info(info, &ident);
        if (r < 0)
                return r;
        r = printer_uri_format(ident.manufacturer, ident.model, ident.serial, &uri);
        if (r >= 0)
                printf("%s\t%s %s\t%s\t%s\n", uri, ident.manufacturer, ident.model, info->status,
                       socket_path);
        printer_identity_done(&ident);
        return r < 0 ? r : 0;
}

static int query(const char *path)
{
        _cleanup_free_ JobInfo *info = calloc(1, sizeof(*info));
        int r;

        if (!info)
                return EXIT_USAGE;
        r = printer_query(path, QUERY_TIMEOUT_MSEC, info);
        if (r < 0) {
                fprintf(stderr, "drvhost-print: query of %s failed: %s\n", path, strerror(-r));
                return EXIT_USAGE;
        }
        printf("DEVICE_ID=%s\n", info->device_id);
        if (info->port_status_known)
                printf("PORT_STATUS=0x%02x\n", info->port_status);
        else
                printf("PORT_STATUS=\n");
        printf("STATUS=%s\nINSTANCE=%s\nUNIT=%s\nDEVICE=%s\nUSB_ID=%s\nUSB_SERIAL=%s\nBIDIRECTIONAL=%"
               "s\nBUSY=%s\n",
               info->status, info->instance, info->unit, info->device, info->usb_id, info->usb_serial,
               info->bidirectional ? "yes" : "no", info->busy ? "yes" : "no");
        return EXIT_DONE;
}

static int print(const Options *o, const char *path)
{
        _cleanup_close_ int fd = -EBADF, file_fd = -EBADF, backchannel_fd = -EBADF;
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

        fd = printer_connect(path, 0);
        if (fd < 0) {
                fprintf(stderr, "drvhost-print: cannot connect to %s: %s\n", path, strerror(-fd));
                return EXIT_USAGE;
        }
        r = printer_send_job(fd, input_fd, o->copies, length, backchannel_fd, &res);
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
        _cleanup_free_ char *path = NULL;
        Options o = {.copies = 1};
        int r;

        r = parse_argv(argc, argv, &o);
        if (r <= 0)
                return r < 0 ? EXIT_USAGE : EXIT_DONE;
        (void)signal(SIGPIPE, SIG_IGN);

        if (o.action == ACTION_LIST) {
                r = printer_discover(PRINTER_SOCKET_GLOB, QUERY_TIMEOUT_MSEC, list_one, NULL);
                if (r < 0) {
                        fprintf(stderr, "drvhost-print: listing printers failed: %s\n", strerror(-r));
                        return EXIT_USAGE;
                }
                return EXIT_DONE;
        }

        r = resolve(o.target, &path);
        if (r < 0)
                return EXIT_USAGE;
        if (o.action == ACTION_QUERY)
                return query(path);
        return print(&o, path);
}
