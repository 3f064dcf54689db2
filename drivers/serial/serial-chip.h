/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What drvhost-serial needs to know of a device's protocol: a serial chip. CDC-ACM is one (the USB
 * class), FTDI, Silicon Labs CP210x and the others are vendor protocols for the same few things: where
 * the data goes, how a line setting, the modem control lines and a break become control requests, and
 * how the device reports its modem status (a notification endpoint, or bytes mixed into the data).
 *
 * A chip is a table of operations that turn the port's wanted state into requests and the device's
 * bytes into modem status. They do no I/O and keep nothing but their ChipPort, so the driver's loop
 * stays one and the unit tests call them directly. What one chip model differs from another in
 * (clocks, rate limits, request numbers) is data in the chip's own table, looked up at probe. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libusb.h>

#include "line-coding.h"

/* The modem control lines the port asks for. */
enum {
        SERIAL_LINE_DTR = 1 << 0,
        SERIAL_LINE_RTS = 1 << 1,
        SERIAL_LINES = SERIAL_LINE_DTR | SERIAL_LINE_RTS,
};

enum {
        /* The largest data stage of a request the chips send (CP210x's SET_FLOW: 16 bytes). */
        SERIAL_REQUEST_DATA_MAX = 16,
        /* The most requests one change takes (PL2303's start-up: the type test and 11 vendor requests). */
        SERIAL_REQUESTS_MAX = 12,
        SERIAL_IN_ESCAPE_MAX = 4,
};

typedef struct SerialRequest {
        uint8_t request_type, request;
        uint16_t value, index, length;
        uint8_t data[SERIAL_REQUEST_DATA_MAX]; /* an OUT request's data stage */
        uint8_t tag; /* the chip's own mark, for prepare() to know the request by (0: none) */
        bool skip;   /* set by prepare(): not sent after all (the read before it failed, or a reply
                      * showed the chip does without it), as the kernel's driver leaves it out */
} SerialRequest;

typedef struct SerialRequests {
        SerialRequest r[SERIAL_REQUESTS_MAX];
        unsigned n;
} SerialRequests;

/* Where the port is: the interface its requests name and its endpoints. */
typedef struct SerialEndpoints {
        uint8_t interface;       /* bInterfaceNumber of the port (CDC: the communication interface) */
        uint8_t data_interface;  /* CDC: the data interface; otherwise the same as interface */
        uint8_t data_altsetting; /* the alternate setting carrying the bulk pair; 0 for nearly all */
        uint8_t bulk_in, bulk_out;
        uint16_t bulk_in_max_packet, bulk_out_max_packet;
        uint8_t notify; /* interrupt IN, 0 if none */
        uint16_t notify_max_packet;
} SerialEndpoints;

typedef struct SerialChip SerialChip;

/* One port of a chip: what its operations read and keep. */
typedef struct ChipPort {
        const SerialChip *chip;
        SerialEndpoints ep;
        const void *model;   /* the row of the chip's own model table */
        uint32_t msr;       /* TIOCM_CAR | TIOCM_DSR | TIOCM_RI | TIOCM_CTS the device reports */
        uint16_t line_control; /* FTDI: SET_DATA's value without break, for the break to keep it */
        uint32_t rate_set;     /* the rate the chip is set to, which may differ from the one asked */
        /* Set by coding() when the kernel's driver writes the rate it set back into termios
         * (tty_encode_baud_rate()): the rate to report, taken (and cleared) by the caller. */
        uint32_t rate_report;
        unsigned lines;        /* SERIAL_LINE_*: DTR and RTS as the requests queued so far leave them */
        bool rtscts, ixon, ixoff; /* flow control as last set */
        bool event_mode;          /* CP210x: line status is mixed into the data (INPCK) */
        uint8_t in_escape[SERIAL_IN_ESCAPE_MAX]; /* an escape sequence cut by the end of a transfer */
        uint8_t in_escape_len;
        uint8_t saved[SERIAL_REQUEST_DATA_MAX]; /* a reply kept for a read-modify-write (CP210x's flow) */
        bool saved_valid; /* CH34x, PL2303: the read before a write answered (else the write is skipped) */
        uint8_t version;  /* CH34x: what READ_VERSION answered */
        uint8_t detect;   /* PL2303: where the test read telling TA/TB from HXN is (chip-pl2303.c) */
} ChipPort;

/* The operations. Each fills *out (appending) and returns 0, or -errno: -EINVAL for a setting the chip
 * cannot do (the caller logs it), -EOPNOTSUPP for what the chip does not have. */
struct SerialChip {
        const char *name; /* --chip= */
        const char *description;
        /* Finds the port among the granted interfaces (bInterfaceNumbers) and the model. -ENOENT: not
         * this chip's layout; -EACCES: a needed interface was not granted; -EBADMSG: no bulk pair;
         * -ENODEV: a model the table does not know. */
        int (*probe)(ChipPort *p, const struct libusb_device_descriptor *dev,
                     const struct libusb_config_descriptor *config, const uint8_t *granted, size_t n_granted);
        /* Requests at start-up, before anything else (may be NULL). */
        int (*start)(ChipPort *p, SerialRequests *out);
        /* An application opened the port (may be NULL); then the line settings follow in full when
         * the chip says so with coding_at_open, then DTR and RTS rise. */
        int (*open)(ChipPort *p, SerialRequests *out);
        /* The last application closed it (may be NULL), after the lines dropped (HUPCL). */
        int (*close)(ChipPort *p, SerialRequests *out);
        /* Line settings were set (tcsetattr(), even to what they were): want, and what the device has
         * (NULL at an open, or when unknown: set everything). May queue nothing. */
        int (*coding)(ChipPort *p, const LineCoding *want, const LineCoding *sent, SerialRequests *out);
        /* DTR and RTS (SERIAL_LINE_*): set up, clear down (set wins), as TIOCMBIS/TIOCMBIC/TIOCMSET or
         * the port's own raise and drop asked; p->lines is what they were (the caller updates it). */
        int (*lines)(ChipPort *p, unsigned set, unsigned clear, SerialRequests *out);
        /* What goes before the port itself drops DTR and RTS at a close or hang-up (may be NULL). */
        int (*hangup)(ChipPort *p, SerialRequests *out);
        int (*brk)(ChipPort *p, bool on, SerialRequests *out);
        /* Bulk IN data as it arrived (n bytes): removes what is not data in place, updates p->msr.
         * Returns the data's length. NULL: all of it is data. */
        size_t (*in_data)(ChipPort *p, uint8_t *buf, size_t n);
        /* A whole notification from the interrupt endpoint: updates p->msr. Returns 1 if it changed, 0
         * if not, -errno for something that is no status. NULL: no notifications. */
        int (*notify)(ChipPort *p, const uint8_t *buf, size_t n);
        /* The data an IN request of the chip's got back (n bytes; may be NULL). May update p->msr. */
        void (*reply)(ChipPort *p, const SerialRequest *req, const uint8_t *data, size_t n);
        /* Called just before a request is sent, to fill in what depends on an earlier reply, or to
         * set req->skip when that reply says it is not to be sent (may be NULL). */
        void (*prepare)(ChipPort *p, SerialRequest *req);
        /* Requests that read the modem status, for a chip that reports it only when asked: sent
         * while the port is open, at every tick (may be NULL). */
        int (*poll)(ChipPort *p, SerialRequests *out);
        /* Whether a notification so far (n bytes) still misses bytes (may be NULL: one packet each). */
        bool (*notify_incomplete)(const uint8_t *buf, size_t n);
        bool coding_at_open; /* the kernel's driver sets the line in full at every open */
        bool lines_at_start; /* line settings and DTR/RTS down are sent at start-up (CDC: as cdc_acm's probe) */
};

/* The chips there are, by --chip= name; NULL if none. */
const SerialChip *serial_chip_find(const char *name);
/* The i-th chip, NULL past the last: for --help. */
const SerialChip *serial_chip_at(size_t i);

/* Appends a request; -E2BIG when full (a bug in a chip's table). */
int serial_requests_add(SerialRequests *out, uint8_t request_type, uint8_t request, uint16_t value,
                        uint16_t index, const void *data, uint16_t length);
