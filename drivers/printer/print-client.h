/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The client side of a printer driver's job socket (print-client.c), shared by the CUPS backend
 * "drvhost" and drvhost-print: connecting, checking who listens, QUERY, and sending a job. Finding
 * the printers is print-discover.c's. */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "job-protocol.h"

/* Connects to the socket at socket_path, waiting at most timeout_msec (0: for ever) for a place in its
 * backlog. Returns the fd or -errno. */
int printer_connect(const char *socket_path, unsigned timeout_msec);

/* Whether the peer of the connected socket fd, i.e. whoever called listen() on it, runs as uid.
 * Returns 0, -EPERM when not, or -errno. */
int printer_check_peer(int fd, uid_t uid);

/* Reads exactly n bytes before deadline_usec (CLOCK_MONOTONIC, absolute): however the peer splits
 * them, the wait ends then. Returns 0, -ECONNRESET at EOF, -ETIMEDOUT, or -errno. */
int printer_read_full(int fd, void *buf, size_t n, uint64_t deadline_usec);

/* QUERY on a connected socket, which stays usable for a JOB afterwards. The whole exchange has one
 * deadline, timeout_msec from now. Returns 0 with *ret filled, -ETIMEDOUT, -ECONNRESET, -EBADMSG
 * for a reply that is not INFO, or -errno. */
int printer_query_fd(int fd, unsigned timeout_msec, JobInfo *ret);
/* printer_connect() and printer_query_fd() on a socket of one's own (tests, a driver run by hand): no
 * check of who listens. */
int printer_query(const char *socket_path, unsigned timeout_msec, JobInfo *ret);

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
