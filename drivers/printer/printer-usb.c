/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The USB side of drvhost-printer: which interface setting and endpoints to use, the class requests,
 * and the bulk transfers. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "device-string.h"
#include "printer-class.h"
#include "printer.h"

enum {
        CONTROL_TIMEOUT_MS = 5000,
        /* How often the port status is read (paper empty, offline) for STATUS= and QUERY. */
        STATUS_POLL_USEC = 5 * 1000 * 1000,
        /* Rounds of waiting for cancelled transfers at exit, and their length. */
        DRAIN_ROUNDS = 20,
        DRAIN_ROUND_USEC = 100 * 1000,
        PORT_STATUS_SIZE = 1,
        /* Tries of a start-up request that failed with LIBUSB_ERROR_IO (see control_in()). */
        STARTUP_TRIES = 3,
        /* wLength of GET_DEVICE_ID: usbfs refuses control transfers longer than a page. */
        DEVICE_ID_REQUEST_SIZE = 4096,
};

/* A synchronous IN request at start-up. The usbfs file outlives driver processes (drvhostd keeps
 * it), so transfers a crashed predecessor left in flight complete on it, and libusb fails to reap
 * them (their memory was the dead process's): the first event handling then reports
 * LIBUSB_ERROR_IO and cancels our own request. Each try consumes one such leftover. */
static int control_in(Printer *p, uint8_t request_type, uint8_t request, uint16_t value, uint16_t index,
                      unsigned char *buf, uint16_t len)
{
        int r = LIBUSB_ERROR_IO;

        for (unsigned i = 0; i < STARTUP_TRIES && r == LIBUSB_ERROR_IO; i++)
                r = libusb_control_transfer(p->handle, request_type, request, value, index, buf, len,
                                            CONTROL_TIMEOUT_MS);
        return r;
}

static int string_descriptor(Printer *p, uint8_t index, char *buf, size_t size)
{
        int r = LIBUSB_ERROR_IO;

        for (unsigned i = 0; i < STARTUP_TRIES && r == LIBUSB_ERROR_IO; i++)
                r = libusb_get_string_descriptor_ascii(p->handle, index, (unsigned char *)buf, (int)size);
        return r;
}

/* Prefers the bidirectional setting (7/1/2), as CUPS does, then the unidirectional one (7/1/1). 1284.4
 * and IPP-over-USB settings are not ours. Returns the altsetting index or -1. */
static int pick_alt_setting(const struct libusb_interface *intf)
{
        int best = -1, best_protocol = 0;

        for (int a = 0; a < intf->num_altsetting; a++) {
                const struct libusb_interface_descriptor *alt = &intf->altsetting[a];

                if (alt->bInterfaceClass != PRINTER_CLASS || alt->bInterfaceSubClass != PRINTER_SUBCLASS)
                        continue;
                if (alt->bInterfaceProtocol != PRINTER_PROTOCOL_UNIDIRECTIONAL &&
                    alt->bInterfaceProtocol != PRINTER_PROTOCOL_BIDIRECTIONAL)
                        continue;
                if (alt->bInterfaceProtocol > best_protocol) {
                        best = a;
                        best_protocol = alt->bInterfaceProtocol;
                }
        }
        return best;
}

/* Finds the configuration index (wValue of GET_DEVICE_ID) of the active configuration. */
static uint8_t config_index_of(libusb_device *dev, uint8_t value)
{
        struct libusb_device_descriptor desc;

        if (libusb_get_device_descriptor(dev, &desc) < 0)
                return 0;
        for (uint8_t i = 0; i < desc.bNumConfigurations; i++) {
                struct libusb_config_descriptor *c;
                bool found;

                if (libusb_get_config_descriptor(dev, i, &c) < 0)
                        continue;
                found = c->bConfigurationValue == value;
                libusb_free_config_descriptor(c);
                if (found)
                        return i;
        }
        return 0;
}

/* Picks the interface setting and its bulk endpoints. Returns 0 or a libusb error. */
static int find_endpoints(Printer *p, libusb_device *dev)
{
        struct libusb_config_descriptor *config;
        const struct libusb_interface_descriptor *alt = NULL;
        const uint8_t *ifaces;
        int r;

        (void)drvhost_driver_get_interfaces(p->driver, &ifaces);
        p->interface = ifaces[0];

        r = libusb_get_active_config_descriptor(dev, &config);
        if (r < 0)
                return r;
        for (int i = 0; i < config->bNumInterfaces && !alt; i++) {
                const struct libusb_interface *intf = &config->interface[i];
                int a;

                if (intf->num_altsetting < 1 || intf->altsetting[0].bInterfaceNumber != p->interface)
                        continue;
                a = pick_alt_setting(intf);
                if (a >= 0)
                        alt = &intf->altsetting[a];
        }
        if (!alt) {
                libusb_free_config_descriptor(config);
                (void)drvhost_driver_log(p->driver, LOG_ERR,
                                         "Interface %u has no printer setting (7/1/1 or 7/1/2).",
                                         p->interface);
                return LIBUSB_ERROR_NOT_FOUND;
        }

        p->alt_setting = alt->bAlternateSetting;
        p->config_index = config_index_of(dev, config->bConfigurationValue);
        for (int e = 0; e < alt->bNumEndpoints; e++) {
                const struct libusb_endpoint_descriptor *ep = &alt->endpoint[e];

                if ((ep->bmAttributes & LIBUSB_TRANSFER_TYPE_MASK) != LIBUSB_TRANSFER_TYPE_BULK)
                        continue;
                if (ep->bEndpointAddress & LIBUSB_ENDPOINT_IN) {
                        if (!p->ep_in)
                                p->ep_in = ep->bEndpointAddress;
                } else if (!p->ep_out)
                        p->ep_out = ep->bEndpointAddress;
        }
        /* A back-channel only where the protocol promises one: a unidirectional printer's IN
         * endpoint, if it has any, is not for us. */
        p->bidirectional = alt->bInterfaceProtocol == PRINTER_PROTOCOL_BIDIRECTIONAL && p->ep_in;
        if (!p->bidirectional)
                p->ep_in = 0;
        libusb_free_config_descriptor(config);

        if (!p->ep_out) {
                (void)drvhost_driver_log(p->driver, LOG_ERR, "Interface %u has no bulk OUT endpoint.",
                                         p->interface);
                return LIBUSB_ERROR_NOT_FOUND;
        }
        /* Setting 0 is the one a device starts in; only another needs a SET_INTERFACE. */
        if (p->alt_setting != 0) {
                r = libusb_set_interface_alt_setting(p->handle, p->interface, p->alt_setting);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Reads the USB strings (serial number, product) that identify the device when its ID does not. */
static int read_strings(Printer *p, libusb_device *dev)
{
        struct libusb_device_descriptor desc;
        int r;

        r = libusb_get_device_descriptor(dev, &desc);
        if (r < 0)
                return r;
        p->vendor_id = desc.idVendor;
        p->product_id = desc.idProduct;
        /* Strings are optional; only an unplug is worth failing for. */
        if (desc.iSerialNumber > 0) {
                r = string_descriptor(p, desc.iSerialNumber, p->usb_serial, sizeof(p->usb_serial));
                if (r == LIBUSB_ERROR_NO_DEVICE)
                        return r;
                if (r < 0)
                        p->usb_serial[0] = '\0';
        }
        if (desc.iProduct > 0) {
                r = string_descriptor(p, desc.iProduct, p->usb_product, sizeof(p->usb_product));
                if (r == LIBUSB_ERROR_NO_DEVICE)
                        return r;
                if (r < 0)
                        p->usb_product[0] = '\0';
        }
        return 0;
}

/* GET_DEVICE_ID, then the parse. A printer without an ID still prints: only an unplug fails. */
static int read_device_id(Printer *p)
{
        uint8_t buf[DEVICE_ID_REQUEST_SIZE];
        const char *id;
        size_t len;
        int n, r;

        n = control_in(p, PRINTER_REQUEST_TYPE_IN, PRINTER_REQUEST_GET_DEVICE_ID, p->config_index,
                       printer_device_id_windex(p->interface, p->alt_setting), buf, sizeof(buf));
        if (n == LIBUSB_ERROR_NO_DEVICE)
                return n;
        if (n < 0) {
                (void)drvhost_driver_log(p->driver, LOG_WARNING, "GET_DEVICE_ID failed: %s",
                                         libusb_error_name(n));
                return 0;
        }

        r = device_id_from_response(buf, (size_t)n, &id, &len);
        if (r < 0) {
                (void)drvhost_driver_log(
                    p->driver, LOG_WARNING,
                    "GET_DEVICE_ID returned %d bytes without a plausible length (%02x %02x).", n,
                    n > 0 ? buf[0] : 0, n > 1 ? buf[1] : 0);
                return 0;
        }
        r = device_id_parse(id, len, &p->id);
        if (r == -ENOMEM)
                return LIBUSB_ERROR_NO_MEM;
        if (r < 0) {
                (void)drvhost_driver_log(p->driver, LOG_WARNING, "Ignoring a malformed device ID: %s",
                                         strerror(-r));
                return 0;
        }
        memcpy(p->device_id, id, len);
        p->device_id[len] = '\0';
        return 0;
}

/* The synchronous GET_PORT_STATUS of start-up; later ones are asynchronous. */
static int read_port_status(Printer *p)
{
        uint8_t status;
        int n;

        n = control_in(p, PRINTER_REQUEST_TYPE_IN, PRINTER_REQUEST_GET_PORT_STATUS, 0, p->interface, &status,
                       PORT_STATUS_SIZE);
        if (n == LIBUSB_ERROR_NO_DEVICE)
                return n;
        p->port_status_known = n == PORT_STATUS_SIZE;
        if (p->port_status_known)
                p->port_status = status;
        return 0;
}

static void name_printer(Printer *p)
{
        if (p->id.manufacturer && p->id.model)
                (void)snprintf(p->name, sizeof(p->name), "%s %s", p->id.manufacturer, p->id.model);
        else if (p->id.model)
                (void)snprintf(p->name, sizeof(p->name), "%s", p->id.model);
        else if (p->usb_product[0])
                (void)snprintf(p->name, sizeof(p->name), "%s", p->usb_product);
        else
                (void)snprintf(p->name, sizeof(p->name), "USB printer %04x:%04x", p->vendor_id,
                               p->product_id);
}

static void status_done(struct libusb_transfer *t)
{
        Printer *p = t->user_data;

        p->status_pending = false;
        if (t->status == LIBUSB_TRANSFER_NO_DEVICE) {
                (void)drvhost_driver_stop(p->driver, DRVHOST_EXIT_UNPLUGGED);
                return;
        }
        if (p->stopping || t->status == LIBUSB_TRANSFER_CANCELLED)
                return;
        if (t->status == LIBUSB_TRANSFER_COMPLETED && t->actual_length >= PORT_STATUS_SIZE) {
                p->port_status = libusb_control_transfer_get_data(t)[0];
                p->port_status_known = true;
        } else
                /* Kept as it was: a busy printer may not answer every time. */
                (void)drvhost_driver_log(p->driver, LOG_DEBUG, "GET_PORT_STATUS failed: %s",
                                         libusb_error_name(t->status));
        printer_update_status(p);
}

int printer_usb_poll_status(Printer *p)
{
        uint64_t now = now_usec();
        int r;

        if (p->status_pending || now < p->status_due_usec)
                return 0;
        p->status_due_usec = now + STATUS_POLL_USEC;

        /* Not marked with drvhost_driver_io_begin(): its own timeout bounds it, and a status answered
         * while a bulk OUT hangs must not hide that hang from the watchdog. */
        r = libusb_submit_transfer(p->status_transfer);
        if (r < 0)
                return r;
        p->status_pending = true;
        return 0;
}

static void in_done(struct libusb_transfer *t)
{
        Printer *p = t->user_data;

        p->in_pending = false;
        if (t->status == LIBUSB_TRANSFER_NO_DEVICE) {
                (void)drvhost_driver_stop(p->driver, DRVHOST_EXIT_UNPLUGGED);
                return;
        }
        if (t->actual_length > 0 && !p->stopping)
                p->usb_events->backchannel(p, t->buffer, (size_t)t->actual_length);
        if (p->stopping || t->status == LIBUSB_TRANSFER_CANCELLED)
                return;
        if (t->status != LIBUSB_TRANSFER_COMPLETED) {
                (void)drvhost_driver_log(p->driver, LOG_WARNING,
                                         "Back-channel read failed (%s), not reading it any more.",
                                         libusb_error_name(t->status));
                p->in_broken = true;
                return;
        }
        /* Some printers answer an IN with an empty packet at once when they have nothing to say:
         * resubmitting now would spin. The next tick resumes it. */
        if (t->actual_length == 0) {
                p->in_paused = true;
                return;
        }
        printer_usb_resume_in(p);
}

void printer_usb_resume_in(Printer *p)
{
        int r;

        if (!p->in || p->in_pending || p->in_broken || p->stopping)
                return;
        if (!p->usb_events->backchannel_room(p)) {
                p->in_paused = true;
                return;
        }
        /* No timeout and no io_begin(): it waits for the printer to speak, which may be never. */
        r = libusb_submit_transfer(p->in);
        if (r < 0) {
                if (drvhost_driver_is_unplugged_error(r))
                        (void)drvhost_driver_stop(p->driver, DRVHOST_EXIT_UNPLUGGED);
                else {
                        (void)drvhost_driver_log(p->driver, LOG_WARNING,
                                                 "Failed to read the back-channel: %s",
                                                 libusb_error_name(r));
                        p->in_broken = true;
                }
                return;
        }
        p->in_pending = true;
        p->in_paused = false;
}

static void out_done(struct libusb_transfer *t)
{
        Printer *p = t->user_data;
        OutSlot *slot = NULL;

        for (unsigned i = 0; i < OUT_SLOTS; i++)
                if (p->out[i].transfer == t)
                        slot = &p->out[i];
        slot->in_flight = false;
        p->out_in_flight--;
        (void)drvhost_driver_io_end(p->driver);
        if (t->status == LIBUSB_TRANSFER_NO_DEVICE)
                (void)drvhost_driver_stop(p->driver, DRVHOST_EXIT_UNPLUGGED);
        p->usb_events->out_done(p, slot, t->status, t->actual_length);
}

OutSlot *printer_usb_free_slot(Printer *p)
{
        for (int i = 0; i < OUT_SLOTS; i++)
                if (!p->out[i].in_flight && i != p->fill_slot)
                        return &p->out[i];
        return NULL;
}

int printer_usb_submit(Printer *p, OutSlot *slot)
{
        int r;

        slot->transfer->length = (int)slot->fill;
        /* Marked, so that a transfer the kernel never completes (and libusb's timeout cannot end)
         * stops the watchdog pings, and systemd restarts the driver. */
        r = drvhost_driver_io_begin(p->driver);
        if (r < 0)
                return LIBUSB_ERROR_OVERFLOW;
        r = libusb_submit_transfer(slot->transfer);
        if (r < 0) {
                (void)drvhost_driver_io_end(p->driver);
                return r;
        }
        slot->in_flight = true;
        p->out_in_flight++;
        return 0;
}

void printer_usb_cancel_out(Printer *p)
{
        for (unsigned i = 0; i < OUT_SLOTS; i++)
                if (p->out[i].in_flight)
                        (void)libusb_cancel_transfer(p->out[i].transfer);
}

static int transfers_alloc(Printer *p)
{
        for (unsigned i = 0; i < OUT_SLOTS; i++) {
                p->out[i].transfer = drvhost_driver_alloc_transfer(OUT_BUFFER_SIZE);
                if (!p->out[i].transfer)
                        return LIBUSB_ERROR_NO_MEM;
                libusb_fill_bulk_transfer(p->out[i].transfer, p->handle, p->ep_out,
                                          p->out[i].transfer->buffer, 0, out_done, p, p->write_timeout_ms);
        }

        p->status_transfer = drvhost_driver_alloc_transfer(LIBUSB_CONTROL_SETUP_SIZE + PORT_STATUS_SIZE);
        if (!p->status_transfer)
                return LIBUSB_ERROR_NO_MEM;
        libusb_fill_control_setup(p->status_transfer->buffer, PRINTER_REQUEST_TYPE_IN,
                                  PRINTER_REQUEST_GET_PORT_STATUS, 0, p->interface, PORT_STATUS_SIZE);
        libusb_fill_control_transfer(p->status_transfer, p->handle, p->status_transfer->buffer, status_done,
                                     p, CONTROL_TIMEOUT_MS);

        if (p->bidirectional) {
                p->in = drvhost_driver_alloc_transfer(IN_BUFFER_SIZE);
                if (!p->in)
                        return LIBUSB_ERROR_NO_MEM;
                libusb_fill_bulk_transfer(p->in, p->handle, p->ep_in, p->in->buffer, IN_BUFFER_SIZE, in_done,
                                          p, 0);
        }
        return 0;
}

int printer_usb_open(Printer *p)
{
        libusb_device *dev = libusb_get_device(p->handle);
        /* Room for every byte as a four-byte escape. */
        char name[sizeof(p->name) * 4], device_id[sizeof(p->device_id) * 4];
        int r;

        r = find_endpoints(p, dev);
        if (r < 0)
                return r;
        r = read_strings(p, dev);
        if (r < 0)
                return r;
        r = read_device_id(p);
        if (r < 0)
                return r;
        r = read_port_status(p);
        if (r < 0)
                return r;
        name_printer(p);
        p->status_due_usec = now_usec() + STATUS_POLL_USEC;

        r = transfers_alloc(p);
        if (r < 0)
                return r;

        /* The device chose both strings: one escaped line each, whatever bytes it sent. */
        (void)device_string_for_log_buf(p->name, name, sizeof(name));
        (void)device_string_for_log_buf(p->device_id, device_id, sizeof(device_id));
        (void)drvhost_driver_log(
            p->driver, LOG_INFO,
            "Printer %04x:%04x \"%s\" on interface %u setting %u, %s (OUT 0x%02x%s), device ID \"%s\".",
            p->vendor_id, p->product_id, name, p->interface, p->alt_setting,
            p->bidirectional ? "bidirectional" : "unidirectional", p->ep_out,
            p->bidirectional ? ", IN back-channel" : "", device_id);
        printer_usb_resume_in(p);
        return 0;
}

static bool transfers_pending(const Printer *p)
{
        return p->out_in_flight > 0 || p->in_pending || p->status_pending;
}

void printer_usb_close(Printer *p)
{
        struct timeval round = {.tv_usec = DRAIN_ROUND_USEC};
        libusb_context *ctx = drvhost_driver_get_context(p->driver);

        p->stopping = true;
        printer_usb_cancel_out(p);
        if (p->in_pending)
                (void)libusb_cancel_transfer(p->in);
        if (p->status_pending)
                (void)libusb_cancel_transfer(p->status_transfer);
        for (unsigned i = 0; transfers_pending(p) && i < DRAIN_ROUNDS; i++)
                (void)libusb_handle_events_timeout_completed(ctx, &round, NULL);

        /* libusb owns a transfer until its callback ran: one that never came back is leaked, not
         * freed under libusb's feet. */
        for (unsigned i = 0; i < OUT_SLOTS; i++) {
                if (p->out[i].transfer && !p->out[i].in_flight)
                        libusb_free_transfer(p->out[i].transfer);
                p->out[i].transfer = NULL;
        }
        if (p->in && !p->in_pending)
                libusb_free_transfer(p->in);
        p->in = NULL;
        if (p->status_transfer && !p->status_pending)
                libusb_free_transfer(p->status_transfer);
        p->status_transfer = NULL;
        device_id_done(&p->id);
}
