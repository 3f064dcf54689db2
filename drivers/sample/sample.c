/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* drvhost-sample: the example driver for authors, a page of driver logic on libdrvhost-driver. It
 * names the device it was given, keeps one IN transfer pending on the first bulk or interrupt IN
 * endpoint of its first interface, and counts its starts in state that survives a crash. The library
 * does the rest: the loop, READY=1, the watchdog, an unplug (exit 75), draining the transfer on stop.
 * It uses only the public API of libdrvhost-driver, libusb and sd-event: copy it to start a driver. */

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <syslog.h>
#include <systemd/sd-event.h>

#include <drvhost-driver.h>

enum {
        STRING_MAX = 128,
        /* Big enough that a device streaming data (the gadget's source function does) completes a
         * bulk transfer only every few dozen packets, not on each one. */
        IN_BUFFER_SIZE = 16 * 1024,
        USEC_PER_SEC = 1000000,
};

typedef struct SampleState {
        uint32_t starts;
} SampleState;

typedef struct Sample {
        DrvhostDriver *driver;
        sd_event_source *crash_timer;
        bool crash;
        unsigned long crash_after_sec;
} Sample;

/* --- driver logic --- */

static void in_done(struct libusb_transfer *t)
{
        Sample *s = t->user_data;

        /* Cancelled on stop; NO_DEVICE stopped the driver already. */
        if (t->status == LIBUSB_TRANSFER_CANCELLED || t->status == LIBUSB_TRANSFER_NO_DEVICE)
                return;
        if (t->status != LIBUSB_TRANSFER_COMPLETED) {
                /* A real driver would recover (e.g. clear a halt); failing lets systemd restart us. */
                (void)drvhost_driver_log(s->driver, LOG_ERR, "IN transfer failed: %s",
                                         libusb_error_name(t->status));
                (void)drvhost_driver_stop(s->driver, EXIT_FAILURE);
                return;
        }
        /* t->buffer holds t->actual_length bytes: a real driver would use them. Wait for more. */
        if (drvhost_driver_submit(s->driver, t) < 0)
                (void)drvhost_driver_stop(s->driver, EXIT_FAILURE);
}

/* Logs the device descriptor and strings, and says in STATUS= what is served. */
static int describe(Sample *s)
{
        libusb_device_handle *h = drvhost_driver_get_handle(s->driver);
        unsigned char vendor[STRING_MAX] = "", product[STRING_MAX] = "";
        struct libusb_device_descriptor desc;
        int r;

        r = libusb_get_device_descriptor(libusb_get_device(h), &desc);
        /* Devices without strings are legal; any other failure (unplug included) ends the driver. */
        if (r >= 0 && desc.iManufacturer > 0)
                r = libusb_get_string_descriptor_ascii(h, desc.iManufacturer, vendor, sizeof(vendor));
        if (r >= 0 && desc.iProduct > 0)
                r = libusb_get_string_descriptor_ascii(h, desc.iProduct, product, sizeof(product));
        if (r < 0)
                return drvhost_driver_errno_from_libusb(r);

        (void)drvhost_driver_log(s->driver, LOG_INFO,
                                 "Device %04x:%04x, USB %x.%02x, manufacturer \"%s\", product \"%s\".",
                                 desc.idVendor, desc.idProduct, desc.bcdUSB >> 8, desc.bcdUSB & 0xff,
                                 (char *)vendor, (char *)product);
        (void)drvhost_driver_notify_status(s->driver, "Serving %04x:%04x %s %s", desc.idVendor,
                                           desc.idProduct, (char *)vendor, (char *)product);
        return 0;
}

static int on_crash_timer(sd_event_source *source, uint64_t usec, void *userdata)
{
        Sample *s = userdata;

        (void)drvhost_driver_log(s->driver, LOG_NOTICE, "Crashing on purpose (--crash-after=%lu).",
                                 s->crash_after_sec);
        return raise(SIGSEGV);
}

static int on_start(DrvhostDriver *d, void *userdata)
{
        Sample *s = userdata;
        struct libusb_transfer *t;
        DrvhostEndpoint ep;
        SampleState *state;
        bool recovered;
        int r;

        s->driver = d;
        r = describe(s);
        if (r < 0)
                return r;

        /* State that outlives a crash: here just how often this binding's driver has started. */
        if (drvhost_driver_state_open(d, sizeof(*state), (void **)&state, &recovered) >= 0) {
                state->starts++;
                if (recovered)
                        (void)drvhost_driver_log(d, LOG_NOTICE,
                                                 "Recovered saved state: start %u of this binding.",
                                                 (unsigned)state->starts);
        }

        if (s->crash) {
                r = sd_event_add_time_relative(drvhost_driver_get_event(d), &s->crash_timer, CLOCK_MONOTONIC,
                                               (uint64_t)s->crash_after_sec * USEC_PER_SEC, 0,
                                               on_crash_timer, s);
                if (r < 0)
                        return r;
        }

        r = drvhost_driver_find_endpoint(d, -1, DRVHOST_ENDPOINT_BULK | DRVHOST_ENDPOINT_INTERRUPT,
                                         LIBUSB_ENDPOINT_IN, &ep);
        if (r == -ENOENT) {
                (void)drvhost_driver_log(d, LOG_INFO, "No IN endpoint: only waiting.");
                return 0;
        }
        if (r < 0)
                return r;
        t = drvhost_driver_transfer_new(d, IN_BUFFER_SIZE);
        if (!t)
                return -ENOMEM;
        /* No timeout: the transfer waits for the device for as long as it takes, which is also why it
         * is not marked with drvhost_driver_io_begin(). */
        libusb_fill_bulk_transfer(t, drvhost_driver_get_handle(d), ep.address, t->buffer, t->length, in_done,
                                  s, 0);
        t->type = ep.type;
        (void)drvhost_driver_log(d, LOG_INFO, "Reading from endpoint 0x%02x.", ep.address);
        return drvhost_driver_submit(d, t);
}

static void on_stop(DrvhostDriver *d, void *userdata)
{
        Sample *s = userdata;

        s->crash_timer = sd_event_source_disable_unref(s->crash_timer);
}

/* --- the command line --- */

static void help(void)
{
        printf("Usage: drvhost-sample [OPTIONS]\n"
               "Sample drvhost user-mode USB driver. Started by drvhost-driver@.service, which hands it\n"
               "the device on fd 3 and describes it in DRVHOST_* environment variables.\n\n"
               "  -h --help                 Show this help\n"
               "     --crash-after=SECONDS  Testing aid: raise SIGSEGV SECONDS after start, to\n"
               "                            exercise crash and restart handling\n");
}

/* Returns 1 to go on, 0 to exit successfully (--help), -EINVAL for bad arguments. */
static int parse_argv(int argc, char *argv[], Sample *s)
{
        enum { ARG_CRASH_AFTER = 0x100 };
        static const struct option options[] = {
            {"help", no_argument, NULL, 'h'},
            {"crash-after", required_argument, NULL, ARG_CRASH_AFTER},
            {},
        };
        char *end;
        int c;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_CRASH_AFTER:
                        errno = 0;
                        s->crash_after_sec = strtoul(optarg, &end, 10);
                        if (optarg[0] < '0' || optarg[0] > '9' || *end != '\0' || errno != 0 ||
                            s->crash_after_sec > INT_MAX) {
                                fprintf(stderr, "Invalid --crash-after= value: %s\n", optarg);
                                return -EINVAL;
                        }
                        s->crash = true;
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

int main(int argc, char *argv[])
{
        static const DrvhostDriverOps ops = {.start = on_start, .stop = on_stop};
        Sample s = {};
        int r;

        r = parse_argv(argc, argv, &s);
        if (r <= 0)
                return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
        return drvhost_driver_main(&ops, &s);
}
