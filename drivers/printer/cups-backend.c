/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The CUPS backend "drvhost" (/usr/lib/cups/backend/drvhost): lists the printers drvhost's printer
 * driver serves, and prints a job on one of them through the driver's socket. Plain C, no libcups:
 * the backend interface is argv, DEVICE_URI, stdin or a file, fd 3 and the exit status (backend(7)). */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "macro.h"
#include "print-client.h"
#include "print-discover.h"

/* Exit statuses of cups/backend.h. */
enum {
        CUPS_BACKEND_OK = 0,
        CUPS_BACKEND_FAILED = 1,
        CUPS_BACKEND_RETRY = 6,
};

enum {
        /* A driver answers a QUERY at once; one that does not is restarting or hung. */
        QUERY_TIMEOUT_MSEC = 3000,
        /* A printer not there yet (being plugged in, its driver restarting) is waited for. */
        FIND_ATTEMPTS = 12,
        FIND_INTERVAL_SEC = 5,
        /* CUPS's back-channel: a pipe to the filters, open on fd 3 when they read it. */
        BACKCHANNEL_FD = 3,
        DECIMAL = 10,
        ARGC_DISCOVERY = 1,
        ARGC_STDIN = 6,
        ARGC_FILE = 7,
        ARG_COPIES = 4,
        ARG_FILE = 6,
};

static void help(const char *name)
{
        printf("Usage: %s\n"
               "       %s JOB-ID USER TITLE COPIES OPTIONS [FILE]\n"
               "\n"
               "CUPS backend for printers served by drvhost's user-mode USB printer driver.\n"
               "\n"
               "Without arguments it lists those printers for lpinfo(8), one line each:\n"
               "  direct drvhost://MAKE/MODEL?serial=SERIAL \"MAKE MODEL\" \"MAKE MODEL (drvhost)\" "
               "\"DEVICE-ID\" \"\"\n"
               "where MAKE and MODEL come from the printer's IEEE 1284 device ID, and SERIAL is\n"
               "the USB serial number the kernel read, else the device ID's SN, else the USB\n"
               "interface. It finds printers in " DRVHOST_PRINTER_SOCKET_DIR "/ only, and trusts a\n"
               "socket there only if root owns it and root listens on it.\n"
               "\n"
               "With arguments, as cupsd runs it, it prints FILE (COPIES times) or standard input on\n"
               "the printer that $DEVICE_URI names, passing what the printer sends back to the\n"
               "back-channel (fd 3). It waits up to %d s for a printer that is not there yet.\n"
               "\n"
               "Exit status: 0 printed; 1 failed (bad arguments or URI, protocol error);\n"
               "6 retry later (printer absent or unplugged, driver stopped or crashed, timeout,\n"
               "two printers match the URI).\n"
               "Messages on standard error follow CUPS's conventions (INFO:, ERROR:, DEBUG:).\n"
               "\n"
               "It is installed with mode 0700 so that cupsd runs it as root; as lp it works too\n"
               "(the sockets are root:lp 0660). See drvhost-backend(8).\n",
               name, name, FIND_ATTEMPTS * FIND_INTERVAL_SEC);
}

/* Prints s between double quotes, escaping what would end the field early. */
static void print_quoted(const char *s)
{
        putchar('"');
        for (; *s; s++) {
                if (*s == '"' || *s == '\\')
                        putchar('\\');
                putchar((unsigned char)*s < ' ' ? ' ' : *s);
        }
        putchar('"');
}

/* Prints the printer's line for lpinfo. */
static int list_one(const FoundPrinter *f, void *userdata)
{
        _cleanup_free_ char *uri = NULL, *make_model = NULL, *device_info = NULL;
        const PrinterIdentity *ident = &f->ident;
        int r;

        r = printer_uri_format(ident->manufacturer, ident->model, ident->serial, &uri);
        if (r >= 0 && (asprintf(&make_model, "%s %s", ident->manufacturer, ident->model) < 0 ||
                       asprintf(&device_info, "%s %s (drvhost)", ident->manufacturer, ident->model) < 0))
                r = -ENOMEM;
        if (r < 0)
                return r;
        printf("direct %s ", uri);
        print_quoted(make_model);
        putchar(' ');
        print_quoted(device_info);
        putchar(' ');
        print_quoted(f->info.device_id);
        printf(" \"\"\n");
        fprintf(stderr, "DEBUG: %s/%s serves %s (serial from the %s)\n", DRVHOST_PRINTER_SOCKET_DIR,
                f->name, uri, printer_serial_source_to_string(ident->serial_source));
        return 0;
}

/* A socket that is not a usable printer: worth a warning when it is not what drvhostd makes. */
static void report_skipped(const char *name, int error, void *userdata)
{
        bool odd = error == -EPERM || error == -ELOOP || error == -ENOTSOCK || error == -EINVAL;

        fprintf(stderr, "%s: Skipping %s/%s: %s%s\n", odd ? "WARNING" : "DEBUG", DRVHOST_PRINTER_SOCKET_DIR,
                name, strerror(-error),
                error == -EPERM ? " (not root's socket, or not root listening on it)" : "");
}

static void dir_error(int r)
{
        if (r == -EPERM)
                fprintf(stderr, "ERROR: %s is not a directory that only root can change: not trusting it\n",
                        DRVHOST_PRINTER_SOCKET_DIR);
        else
                fprintf(stderr, "ERROR: Failed to list drvhost printers: %s\n", strerror(-r));
}

static int discover(void)
{
        const PrinterPlaces pl = PRINTER_PLACES_SYSTEM;
        int r;

        r = printer_discover(&pl, QUERY_TIMEOUT_MSEC, list_one, report_skipped, NULL);
        if (fflush(stdout) != 0 && r >= 0)
                r = -errno;
        if (r < 0) {
                dir_error(r);
                return CUPS_BACKEND_FAILED;
        }
        return CUPS_BACKEND_OK;
}

/* Finds the printer, waiting for it a while. Returns the connected socket, or a CUPS exit status
 * (negated, so that it cannot be taken for an fd) after saying why. */
static int connect_printer(const PrinterUri *u, const char *uri)
{
        const PrinterPlaces pl = PRINTER_PLACES_SYSTEM;
        _cleanup_free_ FoundPrinter *f = calloc(1, sizeof(*f));
        char other[PRINTER_NAME_MAX + 1];
        int r = -ENOENT;

        if (!f)
                return -CUPS_BACKEND_FAILED;
        fprintf(stderr, "STATE: +connecting-to-device\n");
        for (unsigned attempt = 0; attempt < FIND_ATTEMPTS; attempt++) {
                int fd;

                if (attempt > 0) {
                        fprintf(stderr, "INFO: Waiting for the printer to become available\n");
                        sleep(FIND_INTERVAL_SEC);
                }
                r = printer_find(&pl, u, QUERY_TIMEOUT_MSEC, report_skipped, NULL, f, other);
                if (r == -ENOENT)
                        continue;
                if (r < 0)
                        break;
                fprintf(stderr, "STATE: -connecting-to-device\n");
                fprintf(stderr, "DEBUG: Printing on %s: %s/%s (%s, status %s)\n", uri,
                        DRVHOST_PRINTER_SOCKET_DIR, f->name, f->info.unit, f->info.status);
                if (f->info.busy)
                        fprintf(stderr, "INFO: The printer is busy with another job, waiting\n");
                /* The connection that was queried and matched: the job goes on it. */
                fd = TAKE_FD(f->fd);
                found_printer_done(f);
                return fd;
        }
        if (r == -ENOENT)
                fprintf(stderr, "ERROR: The printer %s is not connected (no drvhost driver serves it)\n",
                        uri);
        else if (r == -ENOTUNIQ)
                fprintf(stderr,
                        "ERROR: Two printers match %s: %s/%s and %s/%s; not guessing which one is meant "
                        "(a driver may claim another printer's identity, or two printers share a "
                        "serial number). Unplug one, or give the queue a URI that only one matches\n",
                        uri, DRVHOST_PRINTER_SOCKET_DIR, f->name, DRVHOST_PRINTER_SOCKET_DIR, other);
        else if (r == -EPERM)
                dir_error(r);
        else
                fprintf(stderr, "ERROR: Failed to reach the printer %s: %s\n", uri, strerror(-r));
        return -CUPS_BACKEND_RETRY;
}

static int exit_status_for(const JobResult *res)
{
        if (res->done)
                return CUPS_BACKEND_OK;
        switch (res->error) {
        case JOB_ERROR_PROTOCOL:
        case JOB_ERROR_LENGTH:
                return CUPS_BACKEND_FAILED;
        default:
                /* Unplugged, timed out, driver stopped or crashed (no error at all): the printer may
                 * well take the job later. */
                return CUPS_BACKEND_RETRY;
        }
}

static int print_job(int argc, char *argv[])
{
        _cleanup_(printer_uri_done) PrinterUri u = {};
        _cleanup_close_ int fd = -EBADF, file_fd = -EBADF;
        uint64_t length = JOB_LENGTH_UNKNOWN;
        const char *uri = getenv("DEVICE_URI");
        unsigned long copies = 1;
        int input_fd = STDIN_FILENO, backchannel_fd = -EBADF;
        JobResult res;
        char *end;
        int r;

        /* cupsd also puts the URI in argv[0]; DEVICE_URI is the documented place. */
        if (!uri && strstr(argv[0], "://"))
                uri = argv[0];
        if (!uri || printer_uri_parse(uri, &u) < 0) {
                fprintf(stderr, "ERROR: No valid drvhost:// device URI (DEVICE_URI=%s)\n", strna(uri));
                return CUPS_BACKEND_FAILED;
        }

        if (argc == ARGC_FILE) {
                struct stat st;

                errno = 0;
                copies = strtoul(argv[ARG_COPIES], &end, DECIMAL);
                if (errno != 0 || *end != '\0' || copies < 1 || copies > UINT16_MAX) {
                        fprintf(stderr, "ERROR: Bad number of copies: %s\n", argv[ARG_COPIES]);
                        return CUPS_BACKEND_FAILED;
                }
                file_fd = open(argv[ARG_FILE], O_RDONLY | O_CLOEXEC);
                if (file_fd < 0) {
                        fprintf(stderr, "ERROR: Cannot open the print file %s: %m\n", argv[ARG_FILE]);
                        return CUPS_BACKEND_FAILED;
                }
                if (fstat(file_fd, &st) == 0 && S_ISREG(st.st_mode))
                        length = (uint64_t)st.st_size * copies;
                input_fd = file_fd;
        }
        /* With standard input, the filters made the copies already. */

        if (fcntl(BACKCHANNEL_FD, F_GETFD) >= 0)
                backchannel_fd = BACKCHANNEL_FD;

        fd = connect_printer(&u, uri);
        if (fd < 0)
                return -fd;

        fprintf(stderr, "INFO: Sending data to the printer\n");
        r = printer_send_job(fd, input_fd, (unsigned)copies, length, backchannel_fd, &res);
        if (r < 0) {
                fprintf(stderr, "ERROR: Failed to read the print data: %s\n", strerror(-r));
                return CUPS_BACKEND_FAILED;
        }
        if (res.done) {
                fprintf(stderr, "INFO: Sent %llu bytes to the printer\n", (unsigned long long)res.bytes);
                return CUPS_BACKEND_OK;
        }
        fprintf(stderr, "ERROR: The print job failed after %llu bytes: %s\n", (unsigned long long)res.bytes,
                job_result_reason(&res));
        return exit_status_for(&res);
}

int main(int argc, char *argv[])
{
        if (argc == 2 && (streq(argv[1], "--help") || streq(argv[1], "-h"))) {
                help(program_invocation_short_name);
                return CUPS_BACKEND_OK;
        }
        /* A driver that closes mid-write must not kill us before we report why. */
        (void)signal(SIGPIPE, SIG_IGN);
        setvbuf(stderr, NULL, _IOLBF, 0);

        if (argc == ARGC_DISCOVERY)
                return discover();
        if (argc != ARGC_STDIN && argc != ARGC_FILE) {
                fprintf(stderr, "Usage: %s JOB-ID USER TITLE COPIES OPTIONS [FILE]\n", argv[0]);
                return CUPS_BACKEND_FAILED;
        }
        return print_job(argc, argv);
}
