/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* drvhost-serial's state, shared by its parts. Calls go one way, down this list:
 *   serial.c          set-up, the loop's callbacks (the pty, the tick), shutdown
 *   serial-io.c       data both ways (bulk IN to the pty, the pty to bulk OUT), the port's open
 *                     state, notifications
 *   serial-control.c  line settings: termios read through the master, SET_LINE_CODING and
 *                     SET_CONTROL_LINE_STATE
 *   serial-state.c    failures, STATUS=, and what the pty is polled for
 * Everything runs on the thread of drvhost_driver_run(). */

#include <stdbool.h>
#include <stdint.h>

#include <drvhost-driver.h>

#include "kernel-tty.h"
#include "line-coding.h"
#include "pty-port.h"
#include "serial-chip.h"

enum {
        /* Several IN transfers in flight keep the device streaming while one is written to the pty. */
        IN_TRANSFERS = 4,
        OUT_TRANSFERS = 4,
        /* Large: what a transfer costs is mostly the driver's wake-up, not the bytes. A device's short
         * packet completes an IN transfer at once, so interactive data does not wait for it to fill. */
        BULK_BUFFER_SIZE = 64 * 1024,
        /* A CDC notification is an 8-byte header and a little data; SERIAL_STATE has 2 bytes. */
        NOTIFY_BUFFER_SIZE = 64,
        /* wMaxPacketSize's size bits (USB 2.0, 9.6.6): the rest count extra transactions. */
        USB_MAX_PACKET_SIZE_MASK = 0x7ff,
        CONTROL_TIMEOUT_MSEC = 5000,
        /* Dropping DTR at exit must fit well within the unit's TimeoutStopSec=. */
        EXIT_CONTROL_TIMEOUT_MSEC = 1000,
        /* How long cancelled transfers may take to come back at exit. */
        DRAIN_USEC = 1000 * 1000,
        STATUS_MAX = 256,
        /* Queued control requests: what a few events make (an FTDI line setting: three). Events
         * wait in the front end while it is nearly full. */
        CONTROL_QUEUE = 64,
        /* The tick: termios changes are polled every TICK_OPEN_USEC while the port is open. While
         * it is closed, an inotify watch on the slave reports opens and closes (stty on a closed
         * port included) and the tick is only a safety net; without the watch, TICK_UNWATCHED_USEC
         * bounds how late an open is noticed. */
        TICK_OPEN_USEC = 100 * 1000,
        TICK_CLOSED_USEC = 10 * 1000 * 1000,
        TICK_UNWATCHED_USEC = 1000 * 1000,
};

#define TTY_LINK_NAME "tty"

typedef enum InState {
        IN_IDLE,
        IN_PENDING,
        IN_FILLED, /* completed, data not (all) written to the pty yet */
} InState;

/* What a queued control request is for. */
typedef enum ControlKind {
        CONTROL_START,
        CONTROL_OPEN,
        CONTROL_CLOSE,
        CONTROL_CODING,
        CONTROL_LINES,
        CONTROL_BREAK,
        CONTROL_POLL,
        _CONTROL_KIND_MAX,
} ControlKind;

typedef struct QueuedRequest {
        SerialRequest r;
        ControlKind kind;
        /* The kernel front end's events done once this request is (ack_seq, 0 if none), and the
         * rate a TERMIOS event set (ack_speed_seq). */
        uint32_t ack_seq, ack_speed_seq, ack_speed;
} QueuedRequest;

typedef struct Serial Serial;

typedef struct InSlot {
        Serial *serial;
        struct libusb_transfer *t;
        InState state;
        int written; /* bytes of t->actual_length already in the pty */
} InSlot;

typedef struct OutSlot {
        Serial *serial;
        struct libusb_transfer *t;
        bool pending;
} OutSlot;

struct Serial {
        DrvhostDriver *driver;
        libusb_device_handle *handle;
        ChipPort port; /* the chip's protocol and where the port is */
        uint16_t vendor, product;
        PtyPort pty;
        const char *runtime_dir; /* where the tty link goes; NULL when started by hand */
        bool watching;           /* pty.master is registered with drvhost_driver_add_fd() */
        int open_watch;          /* inotify on the slave (IN_OPEN, IN_CLOSE), or -EBADF */

        /* A ring in submission order, which is the order the device fills them in: in_count slots from
         * in_head are pending or filled, and only the head may be written to the pty. */
        InSlot in[IN_TRANSFERS];
        unsigned in_head, in_count;
        OutSlot out[OUT_TRANSFERS];
        unsigned out_busy;
        struct libusb_transfer *notify; /* one packet (wMaxPacketSize) at a time, as cdc_acm reads them */
        bool notify_pending;
        uint8_t notify_acc[NOTIFY_BUFFER_SIZE]; /* the notification being put together */
        size_t notify_len;
        int notify_error; /* a failure of the notification endpoint not logged yet, else 0 */
        bool failure_logged;

        /* The control requests to send, in order, one at a time: each change the applications make
         * queues what the chip's kernel driver would send for it, computed against what the changes
         * before it left on the device (coding, lines, break_on). */
        struct libusb_transfer *control;
        bool control_pending;
        QueuedRequest queue[CONTROL_QUEUE];
        unsigned queue_head, queue_count;
        bool poll_pending;       /* a poll of the chip's modem status is queued */
        uint64_t poll_next_usec; /* ... and the next is not before this (CLOCK_MONOTONIC) */

        struct termios2 termios; /* the pty's, as last read (the pty front end polls it) */
        bool termios_known;
        LineCoding coding; /* as queued for the device */
        bool coding_valid;
        bool break_on;
        bool coding_unsupported, lines_unsupported, break_stall_logged;

        bool started;    /* serial_port_start() was called */
        bool slave_open; /* a user has the pty open */
        bool slave_hup;  /* ... but the master reported the last close: drain, then it is closed */

        char status[STATUS_MAX];
};

/* serial-state.c */
/* Logged once, at exit: the library may notice the unplug first. */
void serial_stop_unplugged(Serial *s);
/* Whether a transfer's callback has nothing more to do: it was cancelled, or the device is gone
 * (then the driver stops with "unplugged"). */
bool serial_transfer_over(Serial *s, const struct libusb_transfer *t);
/* For a libusb call that failed with r. */
void serial_fail_libusb(Serial *s, int r, const char *what);
/* For a transfer that ended neither completed nor cancelled. */
void serial_fail_transfer(Serial *s, const struct libusb_transfer *t, const char *what);
/* For drvhost_driver_submit() failing with r (a -errno): nothing for an unplug or while stopping. */
void serial_fail_submit(Serial *s, int r, const char *what);
void serial_fail_errno(Serial *s, int r, const char *what);
void serial_update_status(Serial *s);
int serial_pass_msr(Serial *s);
/* Whether the control queue has room for what another event makes. */
bool control_has_room(const Serial *s);
/* Whether line settings are queued: data read after them must wait (serial_reads_held()). */
bool control_coding_queued(const Serial *s);
/* Data read from the pty waits while a new line coding is not on the device yet, so that it goes out
 * with the settings the user made before writing it. */
bool serial_reads_held(const Serial *s);
bool in_waiting(const Serial *s);
/* Asks the loop for what the driver can act on now. While the master reports a hang-up, it is only
 * polled to drain it: poll() would report POLLHUP on every iteration otherwise. */
int serial_update_events(Serial *s);


/* serial-control.c */
/* Sends the next queued control request, if none is on its way. */
void control_kick(Serial *s);
/* The changes, each queuing the chip's requests for it. */
void serial_port_start(Serial *s, bool open, const struct termios2 *t, unsigned lines);
void serial_port_open(Serial *s, const struct termios2 *t);
void serial_port_close(Serial *s);
/* lines: the front end's DTR/RTS after the change (SERIAL_LINE_*), for leaving B0; -1 on a pty. */
void serial_port_termios(Serial *s, const struct termios2 *t, int lines);
void serial_port_lines(Serial *s, unsigned set, unsigned clear);
void serial_port_dtr_rts(Serial *s, bool on);
void serial_port_break(Serial *s, bool on);
void serial_port_poll(Serial *s);
/* The kernel front end's event seq is done once what is queued now is: the application's call
 * returns then (speed: the rate a TERMIOS event set, written into termios; 0 if none). */
void serial_port_ack(Serial *s, uint32_t seq, uint32_t speed);
void serial_lines_down_now(Serial *s);
/* The pty front end: picks up termios changes the user made on the slave. Returns 0 or -errno. */
int serial_check_termios(Serial *s);

/* serial-io.c */
void in_submit(Serial *s);
/* Writes completed IN data to the pty in order, as far as the pty takes it, and resubmits the emptied
 * transfers. Returns 0 or -errno. */
int in_deliver(Serial *s);
void in_done(struct libusb_transfer *t);
void out_done(struct libusb_transfer *t);
void serial_slave_closed(Serial *s);
/* t: the port's termios at the open; NULL: read the pty's. */
void serial_slave_opened(Serial *s, const struct termios2 *t);
/* Reads what the user wrote into free OUT transfers and sends them. Returns 0 or -errno. */
int out_fill(Serial *s);
void notify_done(struct libusb_transfer *t);
/* The kernel front end reported changes (POLLPRI): open, close, termios, modem lines, break, one event
 * each, applied in order. Returns 0 or -errno. */
int serial_front_changed(Serial *s);
/* Where the driver starts on the kernel front end: the port's state as it is (DRVHOST_TTY_SYNC).
 * Returns 0 or -errno. */
int serial_front_sync(Serial *s);
