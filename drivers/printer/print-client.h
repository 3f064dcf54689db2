/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The client side of the printer driver's job socket, shared by the CUPS backend "drvhost" and
 * drvhost-print: printer URIs, finding printers, QUERY, and sending a job. */

#include <stdbool.h>
#include <stdint.h>

#include "device-id.h"
#include "job-protocol.h"

#define PRINTER_URI_SCHEME "drvhost"
/* Where the drivers' sockets are: one runtime directory per driver unit. */
#define PRINTER_SOCKET_GLOB "/run/drvhost/driver/*/" JOB_SOCKET_NAME

/* drvhost://MANUFACTURER/MODEL?serial=SERIAL, percent-encoded. */
typedef struct PrinterUri {
        char *manufacturer;
        char *model;
        char *serial; /* NULL when the URI has none: then make and model select the printer */
} PrinterUri;

/* What a printer calls itself, from its QUERY answer. */
typedef struct PrinterIdentity {
        DeviceId id;
        const char *manufacturer; /* the ID's MFG, or "Unknown" */
        const char *model;        /* the ID's MDL, or "Printer" */
        /* The ID's SN, else the USB serial number, else the driver instance (which names the USB
         * port: stable only as long as the printer stays in it). */
        const char *serial;
} PrinterIdentity;

/* Builds the URI. Returns 0 or -ENOMEM; free *ret. */
int printer_uri_format(const char *manufacturer, const char *model, const char *serial, char **ret);
/* Parses a URI of the drvhost scheme. Unknown query parameters are ignored. Returns 0, -EINVAL for
 * a URI that is not one (wrong scheme, empty parts, bad %-escape, %00), or -ENOMEM. */
int printer_uri_parse(const char *uri, PrinterUri *ret);
void printer_uri_done(PrinterUri *u);

/* Fills in *ret from info (which must outlive it). Returns 0 or -ENOMEM; free with
 * printer_identity_done(). */
int printer_identity_from_info(const JobInfo *info, PrinterIdentity *ret);
void printer_identity_done(PrinterIdentity *ident);
/* Whether the printer is the one the URI names: by serial (also accepting the instance name) when the
 * URI has one, else by make and model (case-insensitive). */
bool printer_uri_matches(const PrinterUri *u, const PrinterIdentity *ident, const JobInfo *info);

/* Connects to a driver's socket, waiting at most timeout_msec (0: for ever) for a place in its
 * backlog. Returns the fd or -errno. */
int printer_connect(const char *socket_path, unsigned timeout_msec);
/* QUERY: returns 0 with *ret filled, -ETIMEDOUT, -EBADMSG for a reply that is not INFO, or -errno. */
int printer_query(const char *socket_path, unsigned timeout_msec, JobInfo *ret);

/* Calls found() for each printer whose socket matches pattern (PRINTER_SOCKET_GLOB) and answers a
 * QUERY within timeout_msec; sockets that do not answer are skipped. Stops at found()'s first
 * non-zero return and returns it; else 0, or -errno if the glob failed. */
typedef int (*PrinterFoundFn)(const char *socket_path, const JobInfo *info, void *userdata);
int printer_discover(const char *pattern, unsigned timeout_msec, PrinterFoundFn found, void *userdata);

/* Finds the socket of the printer the URI names. Returns 0 with *ret_path (free it) and *ret_info,
 * -ENOENT when none matches, or -errno. */
int printer_find(const char *pattern, const PrinterUri *u, unsigned timeout_msec, char **ret_path,
                 JobInfo *ret_info);

typedef struct JobResult {
        bool done;      /* DONE came: the printer took every byte */
        uint64_t bytes; /* as DONE or ERROR counted them */
        JobError error; /* with !done: the driver's error, or 0 when the connection ended first */
        char reason[JOB_REASON_MAX + 1];
} JobResult;

/* Sends a job on a connected socket: the contents of input_fd copies times (copies > 1 rewinds it,
 * so it must be seekable), announcing length (JOB_LENGTH_UNKNOWN if not known). Back-channel data
 * is written to backchannel_fd, unless it is negative; a back-channel reader that does not keep up
 * loses data rather than stalling the job. Returns 0 with *ret describing the outcome (done, or
 * why not), or -errno when reading input_fd failed. */
int printer_send_job(int fd, int input_fd, unsigned copies, uint64_t length, int backchannel_fd,
                     JobResult *ret);

/* A line for people: "the printer was unplugged after 123 bytes" and the like. */
const char *job_result_reason(const JobResult *r);
