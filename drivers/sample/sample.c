/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* drvhost-sample: the example driver for authors. It names the device it was given, tells systemd it
 * is ready, and keeps one IN transfer pending on the first IN endpoint of its first interface, so
 * that an unplug ends it with DRVHOST_EXIT_UNPLUGGED. It uses only the public API of
 * libdrvhost-driver and libusb: copy it to start a new driver. */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include <drvhost-driver.h>

enum {
        STRING_MAX = 128,
        STATUS_MAX = 2 * STRING_MAX + 32,
        /* Big enough that a device streaming data (the gadget's source function does) completes a
         * bulk transfer only every few dozen packets, not on each one. */
        IN_BUFFER_SIZE = 16 * 1024,
        /* Rounds of waiting for a cancelled transfer's callback before giving up on it at exit. */
        DRAIN_ROUNDS = 10,
        DRAIN_ROUND_USEC = 100 * 1000,
};

typedef struct SampleState {
        uint32_t starts;
} SampleState;

typedef struct Sample {
        DrvhostDriver *driver;
        struct libusb_transfer *in;
        bool in_pending;
        bool crash;
        unsigned long crash_after_sec;
        time_t ready_sec;
        char status[STATUS_MAX];
} Sample;

static time_t now_sec(void)
{
        struct timespec ts;

        (void)clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec;
}

static void in_done(struct libusb_transfer *t)
{
        Sample *s = t->user_data;
        int r;

        s->in_pending = false;
        if (t->status == LIBUSB_TRANSFER_CANCELLED)
                return; /* we are shutting down */
        if (t->status == LIBUSB_TRANSFER_NO_DEVICE) {
                (void)drvhost_driver_log(s->driver, LOG_INFO, "Device unplugged.");
                (void)drvhost_driver_stop(s->driver, DRVHOST_EXIT_UNPLUGGED);
                return;
        }
        if (t->status != LIBUSB_TRANSFER_COMPLETED) {
                /* A real driver would recover (e.g. clear a halt); failing lets systemd restart us. */
                (void)drvhost_driver_log(s->driver, LOG_ERR, "IN transfer failed: %s",
                                         libusb_error_name(t->status));
                (void)drvhost_driver_stop(s->driver, EXIT_FAILURE);
                return;
        }

        /* t->buffer holds t->actual_length bytes: a real driver would use them. Wait for more. */
        r = libusb_submit_transfer(t);
        if (r < 0) {
                (void)drvhost_driver_log(s->driver, LOG_ERR, "Failed to resubmit: %s", libusb_error_name(r));
                (void)drvhost_driver_stop(
                    s->driver, drvhost_driver_is_unplugged_error(r) ? DRVHOST_EXIT_UNPLUGGED : EXIT_FAILURE);
                return;
        }
        s->in_pending = true;
}

/* Submits an IN transfer on the first bulk or interrupt IN endpoint of the first granted interface.
 * Returns 0 (also when there is no such endpoint) or a libusb error. */
static int in_start(Sample *s, libusb_device *dev)
{
        libusb_device_handle *h = drvhost_driver_get_handle(s->driver);
        const struct libusb_endpoint_descriptor *ep = NULL;
        struct libusb_config_descriptor *config;
        const uint8_t *ifaces;
        unsigned char *buffer;
        int r;

        (void)drvhost_driver_get_interfaces(s->driver, &ifaces);
        r = libusb_get_active_config_descriptor(dev, &config);
        if (r < 0)
                return r;
        for (int i = 0; i < config->bNumInterfaces && !ep; i++) {
                const struct libusb_interface_descriptor *alt = &config->interface[i].altsetting[0];

                for (int e = 0; alt->bInterfaceNumber == ifaces[0] && e < alt->bNumEndpoints && !ep; e++) {
                        const struct libusb_endpoint_descriptor *c = &alt->endpoint[e];
                        int type = c->bmAttributes & LIBUSB_TRANSFER_TYPE_MASK;

                        if ((c->bEndpointAddress & LIBUSB_ENDPOINT_IN) &&
                            (type == LIBUSB_TRANSFER_TYPE_BULK || type == LIBUSB_TRANSFER_TYPE_INTERRUPT))
                                ep = c;
                }
        }
        if (!ep) {
                libusb_free_config_descriptor(config);
                (void)drvhost_driver_log(s->driver, LOG_INFO,
                                         "No IN endpoint on interface %u: only waiting.", ifaces[0]);
                return 0;
        }

        s->in = libusb_alloc_transfer(0);
        buffer = malloc(IN_BUFFER_SIZE);
        if (!s->in || !buffer) {
                free(buffer);
                libusb_free_config_descriptor(config);
                return LIBUSB_ERROR_NO_MEM;
        }
        /* No timeout: the transfer waits for the device for as long as it takes, which is also why it
         * is not marked with drvhost_driver_io_begin(). */
        if ((ep->bmAttributes & LIBUSB_TRANSFER_TYPE_MASK) == LIBUSB_TRANSFER_TYPE_BULK)
                libusb_fill_bulk_transfer(s->in, h, ep->bEndpointAddress, buffer, IN_BUFFER_SIZE, in_done, s,
                                          0);
        else
                libusb_fill_interrupt_transfer(s->in, h, ep->bEndpointAddress, buffer, IN_BUFFER_SIZE,
                                               in_done, s, 0);
        s->in->flags = LIBUSB_TRANSFER_FREE_BUFFER;
        (void)drvhost_driver_log(s->driver, LOG_INFO, "Reading from endpoint 0x%02x.", ep->bEndpointAddress);
        libusb_free_config_descriptor(config);

        r = libusb_submit_transfer(s->in);
        s->in_pending = r >= 0;
        return r;
}

/* Cancels the pending transfer and waits (boundedly) for its callback: libusb still owns a transfer
 * until then, so one that never comes back is leaked rather than freed under libusb's feet. */
static void in_stop(Sample *s)
{
        struct timeval round = {.tv_usec = DRAIN_ROUND_USEC};

        if (!s->in)
                return;
        if (s->in_pending)
                (void)libusb_cancel_transfer(s->in);
        for (unsigned i = 0; s->in_pending && i < DRAIN_ROUNDS; i++)
                (void)libusb_handle_events_timeout_completed(drvhost_driver_get_context(s->driver), &round,
                                                             NULL);
        if (!s->in_pending)
                libusb_free_transfer(s->in);
        s->in = NULL;
}

static int on_tick(DrvhostDriver *d, void *userdata)
{
        Sample *s = userdata;

        if (s->crash && now_sec() - s->ready_sec >= (time_t)s->crash_after_sec) {
                (void)drvhost_driver_log(d, LOG_NOTICE, "Crashing on purpose (--crash-after=%lu).",
                                         s->crash_after_sec);
                (void)raise(SIGSEGV);
        }
        return 0;
}

/* Reads the device descriptor and strings, logs them and composes the STATUS= line naming the device.
 * Returns 0 or a libusb error. */
static int describe(Sample *s, libusb_device *dev)
{
        libusb_device_handle *h = drvhost_driver_get_handle(s->driver);
        unsigned char manufacturer[STRING_MAX] = "", product[STRING_MAX] = "";
        struct libusb_device_descriptor desc;
        int r;

        r = libusb_get_device_descriptor(dev, &desc);
        if (r < 0)
                return r;
        /* Devices without strings are legal; any other failure (unplug included) ends the driver. */
        if (desc.iManufacturer > 0 && (r = libusb_get_string_descriptor_ascii(
                                           h, desc.iManufacturer, manufacturer, sizeof(manufacturer))) < 0)
                return r;
        if (desc.iProduct > 0 &&
            (r = libusb_get_string_descriptor_ascii(h, desc.iProduct, product, sizeof(product))) < 0)
                return r;

        (void)drvhost_driver_log(s->driver, LOG_INFO,
                                 "Device %04x:%04x, USB %x.%02x, manufacturer \"%s\", product \"%s\".",
                                 desc.idVendor, desc.idProduct, desc.bcdUSB >> 8, desc.bcdUSB & 0xff,
                                 (char *)manufacturer, (char *)product);
        (void)snprintf(s->status, sizeof(s->status), "Serving %04x:%04x %s %s", desc.idVendor,
                       desc.idProduct, (char *)manufacturer, (char *)product);
        return 0;
}

static void help(void)
{
        printf("Usage: drvhost-sample [OPTIONS]\n"
               "Sample drvhost user-mode USB driver. Started by drvhost-driver@.service, which hands it\n"
               "the device on fd 3 and describes it in DRVHOST_* environment variables.\n\n"
               "  -h --help                 Show this help\n"
               "     --crash-after=SECONDS  Testing aid: raise SIGSEGV SECONDS after READY, to\n"
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
        _cleanup_drvhost_driver_ DrvhostDriver *d = NULL;
        const DrvhostDriverOps ops = {.tick = on_tick};
        libusb_device *dev;
        Sample s = {};
        int r;

        r = parse_argv(argc, argv, &s);
        if (r <= 0)
                return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;

        r = drvhost_driver_new(&d);
        if (r < 0) {
                fprintf(stderr, "Failed to set up the driver: %s\n", strerror(-r));
                return r == -ENODEV ? DRVHOST_EXIT_UNPLUGGED : EXIT_FAILURE;
        }
        s.driver = d;

        dev = libusb_get_device(drvhost_driver_get_handle(d));
        r = describe(&s, dev);
        if (r >= 0)
                r = in_start(&s, dev);
        if (r < 0) {
                (void)drvhost_driver_log(d, LOG_ERR, "Failed to talk to the device: %s",
                                         libusb_error_name(r));
                in_stop(&s);
                return drvhost_driver_is_unplugged_error(r) ? DRVHOST_EXIT_UNPLUGGED : EXIT_FAILURE;
        }

        /* State that outlives a crash: here just how often this binding's driver has started. */
        SampleState *state = NULL;
        bool recovered = false;
        if (drvhost_driver_state_open(d, sizeof(*state), (void **)&state, &recovered) >= 0) {
                state->starts++;
                if (recovered)
                        (void)drvhost_driver_log(d, LOG_NOTICE, "Recovered saved state: start %u of this binding.",
                                                 (unsigned)state->starts);
        }

        (void)drvhost_driver_notify_ready(d, s.status);
        s.ready_sec = now_sec();

        r = drvhost_driver_run(d, &ops, &s);
        in_stop(&s);
        if (r < 0) {
                (void)drvhost_driver_log(d, LOG_ERR, "Event loop failed: %s", strerror(-r));
                return EXIT_FAILURE;
        }
        return drvhost_driver_exit_status(d);
}
