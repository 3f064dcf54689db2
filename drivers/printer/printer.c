/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* drvhost-printer: the user-mode USB printer class driver (interface 7/1/1 and 7/1/2). It reads the
 * printer's IEEE 1284 device ID and port status, and prints the jobs that clients (the CUPS backend
 * "drvhost", drvhost-print) send on the socket drvhostd made for it (/run/drvhost/printer/<interface>;
 * $RUNTIME_DIRECTORY/printer.sock when run without one), one at a time, streaming them
 * to the bulk OUT endpoint with several transfers in flight and passing back-channel data back.
 * See drivers/printer/README.md and job-protocol.h. */

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "job-print.h"
#include "macro.h"
#include "printer.h"

enum {
        /* A bulk OUT transfer that does not finish within this fails the job with "timeout": long
         * enough for a printer that warms up or feeds paper, short enough that a wedged one does
         * not hold the queue for ever. --write-timeout= changes it. */
        WRITE_TIMEOUT_SEC_DEFAULT = 30,
        WRITE_TIMEOUT_SEC_MAX = 3600,
        /* The stall watchdog must not fire before libusb's own timeout ends a slow transfer
         * gracefully: it is for transfers that never end at all. */
        STALL_MARGIN_SEC = 5,
        /* How often ops.tick runs at least: while a job prints, and while none does. */
        TICK_BUSY_USEC = 100 * 1000,
        TICK_IDLE_USEC = 5 * 1000 * 1000,
        USEC_PER_SEC = 1000000,
        MSEC_PER_SEC = 1000,
        DECIMAL = 10,
};

#define UNIT_PREFIX "drvhost-driver@"
#define UNIT_SUFFIX ".service"

/* The instance is the unit name between "drvhost-driver@" and ".service"; a driver started by hand
 * under another name uses that whole. */
static void set_instance(Printer *p)
{
        const char *unit = strempty(drvhost_driver_get_unit(p->driver));
        size_t len = strlen(unit), prefix = strlen(UNIT_PREFIX), suffix = strlen(UNIT_SUFFIX);

        if (len > prefix + suffix && strneq(unit, UNIT_PREFIX, prefix) &&
            streq(unit + len - suffix, UNIT_SUFFIX))
                (void)snprintf(p->instance, sizeof(p->instance), "%.*s", (int)(len - prefix - suffix),
                               unit + prefix);
        else
                (void)snprintf(p->instance, sizeof(p->instance), "%s", unit);
}

static int on_tick(DrvhostDriver *d, void *userdata)
{
        Printer *p = userdata;
        int r;

        r = printer_usb_poll_status(p);
        if (drvhost_driver_is_unplugged_error(r))
                (void)drvhost_driver_stop(d, DRVHOST_EXIT_UNPLUGGED);
        else if (r < 0)
                (void)drvhost_driver_log(d, LOG_DEBUG, "Failed to poll the port status: %s",
                                         libusb_error_name(r));
        job_server_tick(p);
        printer_update_status(p);
        /* A job needs the tick (its end after an error, the back-channel resumed); an idle printer
         * only its port status, which is read every few seconds anyway. */
        (void)drvhost_driver_set_tick_interval(d, p->job ? TICK_BUSY_USEC : TICK_IDLE_USEC);
        return 0;
}

static void help(void)
{
        printf("Usage: drvhost-printer [OPTIONS]\n"
               "\n"
               "drvhost's user-mode USB printer class driver (interface class 7/1, protocols 1 and 2).\n"
               "Started by drvhost-driver@.service, which hands it the claimed interface on fd 3 and\n"
               "describes the binding in DRVHOST_* variables. It serves print jobs on the listening\n"
               "socket drvhostd passes (JobSocket=yes: /run/drvhost/printer/INTERFACE), or without one\n"
               "on $RUNTIME_DIRECTORY/" JOB_SOCKET_NAME
               " (see drvhost-print(1) and drvhost-backend(8)).\n"
               "\n"
               "  -h --help                  Show this help\n"
               "     --write-timeout=SECONDS Fail a job when the printer accepts no data for this\n"
               "                             long (default %d, 1..%d)\n",
               WRITE_TIMEOUT_SEC_DEFAULT, WRITE_TIMEOUT_SEC_MAX);
}

/* Returns 1 to go on, 0 to exit successfully (--help), -EINVAL for bad arguments. */
static int parse_argv(int argc, char *argv[], Printer *p)
{
        enum { ARG_WRITE_TIMEOUT = 0x100 };
        static const struct option options[] = {
            {"help", no_argument, NULL, 'h'},
            {"write-timeout", required_argument, NULL, ARG_WRITE_TIMEOUT},
            {},
        };
        unsigned long sec;
        char *end;
        int c;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_WRITE_TIMEOUT:
                        errno = 0;
                        sec = strtoul(optarg, &end, DECIMAL);
                        if (optarg[0] < '0' || optarg[0] > '9' || *end != '\0' || errno != 0 || sec < 1 ||
                            sec > WRITE_TIMEOUT_SEC_MAX) {
                                fprintf(stderr, "Invalid --write-timeout= value: %s\n", optarg);
                                return -EINVAL;
                        }
                        p->write_timeout_ms = (unsigned)sec * MSEC_PER_SEC;
                        break;
                default:
                        return -EINVAL; /* getopt_long() printed why */
                }
        if (optind < argc) {
                fprintf(stderr, "Unexpected argument: %s\n", argv[optind]);
                return -EINVAL;
        }
        return 1;
}

/* printer-usb.c's transfers, reported to the job that prints. */
static const PrinterUsbEvents usb_events = {
    .out_done = job_out_done,
    .backchannel = job_backchannel,
    .backchannel_room = job_backchannel_room,
};

/* The loop's start: the device, then the socket, before READY=1 (once the unit is active, clients
 * can connect). A failure is logged here, with the stop that says how the driver ends. */
static int on_start(DrvhostDriver *d, void *userdata)
{
        Printer *p = userdata;
        int r;

        p->driver = d;
        p->handle = drvhost_driver_get_handle(d);
        set_instance(p);
        (void)drvhost_driver_set_stall_limit(
            d, ((uint64_t)p->write_timeout_ms / MSEC_PER_SEC + STALL_MARGIN_SEC) * USEC_PER_SEC);

        r = printer_usb_open(p);
        if (r < 0) {
                (void)drvhost_driver_log(d, LOG_ERR, "Failed to set up the printer: %s",
                                         libusb_error_name(r));
                (void)drvhost_driver_stop(d, drvhost_driver_is_unplugged_error(r) ? DRVHOST_EXIT_UNPLUGGED
                                                                                  : EXIT_FAILURE);
                return drvhost_driver_errno_from_libusb(r);
        }

        r = job_server_start(p);
        if (r < 0) {
                (void)drvhost_driver_log(d, LOG_ERR, "Failed to listen on %s: %s", p->socket_path,
                                         strerror(-r));
                (void)drvhost_driver_stop(d, EXIT_FAILURE);
                return r;
        }
        (void)drvhost_driver_log(d, LOG_INFO, "Serving print jobs on %s.", p->socket_path);

        printer_update_status(p);
        (void)drvhost_driver_set_tick_interval(d, TICK_IDLE_USEC);
        return 0;
}

/* The loop ended (or start failed): transfers first, so that the replies count every byte the
 * printer took; then the clients hear why. */
static void on_stop(DrvhostDriver *d, void *userdata)
{
        Printer *p = userdata;
        int status = drvhost_driver_exit_status(d);

        printer_usb_close(p);
        job_server_stop(p, status == DRVHOST_EXIT_UNPLUGGED ? JOB_ERROR_UNPLUGGED
                           : status != EXIT_SUCCESS         ? JOB_ERROR_IO
                                                            : JOB_ERROR_STOPPING);
}

int main(int argc, char *argv[])
{
        static const DrvhostDriverOps ops = {.start = on_start, .stop = on_stop, .tick = on_tick};
        Printer p = {
            .write_timeout_ms = WRITE_TIMEOUT_SEC_DEFAULT * MSEC_PER_SEC,
            .listen_fd = -EBADF,
            .fill_slot = -1,
            .usb_events = &usb_events,
        };
        int r;

        r = parse_argv(argc, argv, &p);
        if (r <= 0)
                return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
        /* The library runs the loop (also past libusb's failures to reap what a crashed predecessor
         * left on the shared usbfs file) and picks the exit status. */
        return drvhost_driver_main(&ops, &p);
}
