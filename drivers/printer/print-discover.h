/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Finding printers (print-discover.c): the job sockets drvhostd makes, one per bound printer
 * interface, in DRVHOST_PRINTER_SOCKET_DIR, named after the interface (e.g. "1-1:1.0").
 *
 * Nothing there is taken on trust. The directory must be owner's (root's) and writable by nobody
 * else, so no one else can add, remove or swap a socket; it is opened once and every socket is
 * reached through that fd, never by glob or through a symlink. Each entry must be a socket owned by
 * owner (lstat), and the end that listens on it must run as owner (SO_PEERCRED: drvhostd listened,
 * not a driver). The identity comes from the socket's name and the kernel's USB serial number in
 * sysfs, the driver's QUERY answer adding make and model (print-identity.h). A client keeps the
 * connection whose answer it checked, and prints on it. */

#include <sys/types.h>

#include "broker-protocol.h"
#include "job-protocol.h"
#include "print-identity.h"
#include "print-uri.h"

#define PRINTER_SYSFS_USB_DEVICES "/sys/bus/usb/devices"

enum {
        /* Longest socket name: a USB interface's sysname ("1-1.2.3.4.5.6.7:1.0" is 19). */
        PRINTER_NAME_MAX = 64,
        /* A USB string descriptor holds 126 UTF-16 units: at most 378 bytes of UTF-8. */
        PRINTER_USB_SERIAL_MAX = 384,
};

/* Where to look, and whom to trust: the system's, or a test's temporary directories and own uid. */
typedef struct PrinterPlaces {
        const char *socket_dir; /* DRVHOST_PRINTER_SOCKET_DIR */
        const char *sysfs_usb;  /* PRINTER_SYSFS_USB_DEVICES */
        uid_t owner;            /* of the directory and the sockets, and the listener's uid: root */
} PrinterPlaces;

#define PRINTER_PLACES_SYSTEM                                                                               \
        ((PrinterPlaces){                                                                                   \
            .socket_dir = DRVHOST_PRINTER_SOCKET_DIR, .sysfs_usb = PRINTER_SYSFS_USB_DEVICES, .owner = 0})

/* A printer found, connected and queried. Not to be copied: ident points into it. */
typedef struct FoundPrinter {
        char name[PRINTER_NAME_MAX + 1];             /* the socket's name: the USB interface */
        char usb_serial[PRINTER_USB_SERIAL_MAX + 1]; /* from sysfs; "" when the device has none */
        JobInfo info;                                /* its QUERY answer: the driver's word */
        PrinterIdentity ident;                       /* from name, usb_serial and info.device_id */
        int fd;                                      /* the connection that was queried: print on it */
} FoundPrinter;

/* Frees the identity and closes the connection. */
void found_printer_done(FoundPrinter *f);

/* Whether name can be a USB interface's sysname: digits, '-', '.' and ':', starting with a digit,
 * at most PRINTER_NAME_MAX bytes (so no "..", no '/', nothing hidden). */
bool printer_name_valid(const char *name);

/* Opens the socket directory. Returns the fd, -ENOENT when it does not exist (no printer is bound),
 * -EPERM when it is not a directory of owner's that only owner may write to (a symlink included),
 * or -errno. */
int printer_dir_open(const char *path, uid_t owner);

/* Checks the entry name of dir_fd without following it. Returns 0 for a socket owned by owner,
 * -EINVAL for a name printer_name_valid() refuses, -ELOOP for a symlink, -ENOTSOCK for anything
 * else that is not a socket, -EPERM for another owner, or -errno. */
int printer_socket_check(int dir_fd, const char *name, uid_t owner);

/* Reads the USB serial number of the device whose interface is called name, from sysfs_usb (the
 * parent of sysfs_usb/name holds the device's "serial"). Returns 0 with buf set ("" when the device
 * has none), -ENOENT when there is no such interface, or -errno. */
int printer_usb_serial_read(const char *sysfs_usb, const char *name, char *buf, size_t size);

/* Checks the socket name in dir_fd, connects (waiting at most timeout_msec for a place in the
 * backlog), checks the listener's uid, QUERYs (one deadline of timeout_msec), reads the USB serial
 * number, and makes the identity. Returns 0 with *ret filled (free with found_printer_done()),
 * printer_socket_check()'s errors, -EPERM when the listener is not owner, -ENOENT when sysfs has no
 * such interface, printer_query_fd()'s errors, or -errno. */
int printer_open(const PrinterPlaces *pl, int dir_fd, const char *name, unsigned timeout_msec,
                 FoundPrinter *ret);

/* Called for each printer found; return non-zero to stop. f's connection is closed after. */
typedef int (*PrinterFoundFn)(const FoundPrinter *f, void *userdata);
/* Called for each entry that is not a usable printer, and why (printer_open()'s errors). */
typedef void (*PrinterSkippedFn)(const char *name, int error, void *userdata);

/* Calls found() for each printer in the directory, in name order, and skipped() (if not NULL) for
 * each entry that is not one. Stops at found()'s first non-zero return and returns it; else 0 (also
 * when the directory does not exist), or printer_dir_open()'s errors. */
int printer_discover(const PrinterPlaces *pl, unsigned timeout_msec, PrinterFoundFn found,
                     PrinterSkippedFn skipped, void *userdata);

/* Finds the one printer the URI names. Every printer is examined: returns 0 with *ret connected,
 * queried and matched (again, on that connection: print on ret->fd), -ENOENT when none matches,
 * -ENOTUNIQ when two do (their names in ret->name and ret_other, nothing else in *ret to free: refuse
 * to guess, a hostile driver may have copied a victim's device ID), or printer_dir_open()'s errors. */
int printer_find(const PrinterPlaces *pl, const PrinterUri *u, unsigned timeout_msec,
                 PrinterSkippedFn skipped, void *userdata, FoundPrinter *ret,
                 char ret_other[PRINTER_NAME_MAX + 1]);
