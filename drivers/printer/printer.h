/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* drvhost-printer's state, shared by its parts. Calls go one way, down this list:
 *   printer.c         set-up, the loop; wires printer-usb.c's events to job-print.c
 *   job-server.c      the socket: clients and their requests
 *   job-print.c       the one job that prints
 *   job-connection.c  a client's fd and reply buffer
 *   printer-usb.c     the device: descriptors, GET_DEVICE_ID, GET_PORT_STATUS, bulk OUT and IN
 *                     transfers; reports up through PrinterUsbEvents only
 *   printer-status.c  STATUS= and the QUERY answer
 * Everything runs on the thread of drvhost_driver_run(); transfer callbacks and fd handlers are
 * called from it, never concurrently. */

#include <stdbool.h>
#include <stdint.h>
#include <sys/un.h>

#include <drvhost-driver.h>

#include "device-id.h"
#include "job-protocol.h"

enum {
        /* Bulk OUT transfers a job keeps in flight, and their size: enough to keep a USB 2.0
         * printer busy while the next buffer fills from the socket. */
        OUT_SLOTS = 4,
        OUT_BUFFER_SIZE = 64 * 1024,
        /* Back-channel reads (bidirectional printers): status replies are small. */
        IN_BUFFER_SIZE = 8 * 1024,
        /* Clients connected at once (the listening socket's backlog queues more). */
        CONNECTIONS_MAX = 16,
        USB_STRING_MAX = 128,
        STATUS_TEXT_MAX = 2 * USB_STRING_MAX + 64,
};

typedef struct Connection Connection;

typedef struct OutSlot {
        struct libusb_transfer *transfer; /* its buffer holds OUT_BUFFER_SIZE bytes */
        size_t fill;                      /* bytes staged in the buffer */
        bool in_flight;
} OutSlot;

typedef struct Printer Printer;

/* What printer-usb.c reports about its transfers, to the part above that handles them. */
typedef struct PrinterUsbEvents {
        /* An OUT slot's transfer ended with status, having written actual bytes. */
        void (*out_done)(Printer *p, OutSlot *slot, enum libusb_transfer_status status, int actual);
        /* Back-channel bytes the printer sent. */
        void (*backchannel)(Printer *p, const uint8_t *data, size_t n);
        /* Whether there is room for another IN_BUFFER_SIZE of back-channel data; the IN transfer
         * pauses while there is not. */
        bool (*backchannel_room)(Printer *p);
} PrinterUsbEvents;

struct Printer {
        DrvhostDriver *driver;
        libusb_device_handle *handle;
        char instance[256];        /* <driver>_<interface>, from the unit name */
        unsigned write_timeout_ms; /* a bulk OUT transfer taking longer fails the job: "timeout" */

        /* The device (printer-usb.c). */
        const PrinterUsbEvents *usb_events;
        uint8_t interface;
        uint8_t alt_setting;
        uint8_t config_index;
        uint8_t ep_out;
        uint8_t ep_in; /* 0: none used (unidirectional) */
        bool bidirectional;
        uint16_t vendor_id;
        uint16_t product_id;
        char usb_serial[USB_STRING_MAX];
        char usb_product[USB_STRING_MAX];
        char device_id[DEVICE_ID_MAX + 1];
        DeviceId id;
        bool port_status_known;
        uint8_t port_status;
        char name[2 * USB_STRING_MAX]; /* "MFG MDL" for humans */

        struct libusb_transfer *status_transfer;
        bool status_pending;
        uint64_t status_due_usec;

        struct libusb_transfer *in;
        bool in_pending;
        bool in_paused; /* not resubmitted: the client's output is full, or the device sent nothing */
        bool in_broken; /* failed once: the back-channel is given up */

        OutSlot out[OUT_SLOTS];
        unsigned out_in_flight;

        /* The socket and the job (job-server.c). */
        char socket_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
        int listen_fd;
        bool listen_owned; /* we bound it (no socket from drvhostd): close and remove it at stop */
        bool listening; /* listen_fd is polled (below CONNECTIONS_MAX clients) */
        Connection *connections[CONNECTIONS_MAX];
        size_t n_connections;
        uint64_t next_seq;

        Connection *job;        /* the client whose job prints, or NULL */
        uint64_t job_announced; /* JOB_LENGTH_UNKNOWN or the length the client gave */
        uint64_t job_received;  /* bytes taken from the client */
        uint64_t job_written;   /* bytes the printer accepted */
        uint64_t job_start_usec;
        bool job_end;       /* END received */
        JobError job_error; /* 0, or why the job fails once its transfers are back */
        uint64_t job_error_usec;
        char job_error_detail[JOB_REASON_MAX];
        int fill_slot; /* index of the OUT slot being filled, or -1 */

        bool stopping;                     /* drvhost_driver_run() returned: callbacks only account */
        char status_text[STATUS_TEXT_MAX]; /* last STATUS= sent */
};

/* printer-status.c */
uint64_t now_usec(void);
/* Sends STATUS= if the text changed: "<name>: <state>". */
void printer_update_status(Printer *p);
/* Fills in the identity and status part of a QUERY answer. */
void printer_describe(Printer *p, JobInfo *ret);

/* printer-usb.c */
/* Finds the printer interface and its endpoints, reads the device ID, USB strings and port status,
 * and allocates the transfers. Returns 0 or a libusb error. */
int printer_usb_open(Printer *p);
/* Cancels every transfer, waits (boundedly) for their callbacks, frees them. */
void printer_usb_close(Printer *p);
/* Starts a GET_PORT_STATUS when one is due. Returns 0 or a libusb error. */
int printer_usb_poll_status(Printer *p);
/* (Re)submits the back-channel read if the printer has one and it is idle. */
void printer_usb_resume_in(Printer *p);
/* A slot that is neither in flight nor being filled, or NULL. */
OutSlot *printer_usb_free_slot(Printer *p);
/* Submits slot's staged bytes. Returns 0 or a libusb error. */
int printer_usb_submit(Printer *p, OutSlot *slot);
/* Cancels the OUT transfers in flight; their callbacks follow. */
void printer_usb_cancel_out(Printer *p);

/* job-server.c and job-print.c */
/* Serves the socket drvhostd passed, else binds and listens on $RUNTIME_DIRECTORY/printer.sock.
 * Returns 0 or -errno. */
int job_server_start(Printer *p);
/* Fails the current and queued jobs with error (unless the current one failed already), flushes the
 * replies (boundedly), closes every client, and closes and removes the socket if it bound it
 * (drvhostd's stays). Call after printer_usb_close(). */
void job_server_stop(Printer *p, JobError error);
/* Periodic work: ends a failed job once its transfers are back, drops idle clients. */
void job_server_tick(Printer *p);
/* From the OUT callback: a slot's transfer ended with status, having written actual bytes. */
void job_out_done(Printer *p, OutSlot *slot, enum libusb_transfer_status status, int actual);
/* From the IN callback: back-channel bytes for the current job's client (dropped without a job). */
void job_backchannel(Printer *p, const uint8_t *data, size_t n);
/* Whether the current client can take another IN_BUFFER_SIZE of back-channel data. */
bool job_backchannel_room(Printer *p);
