/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A client of the job socket and its reply buffer (job-connection.c), shared by job-server.c (which
 * reads the clients) and job-print.c (which prints the job of one of them).
 *
 * A connection goes REQUEST (QUERY answered, any number of times) → (JOB) QUEUED → JOB → CLOSING, or
 * from REQUEST straight to CLOSING on a bad request, and ends DEAD (fd closed; freed once no job
 * refers to it). */

#include <sys/types.h>

#include "printer.h"

typedef enum ConnectionState {
        CONNECTION_REQUEST, /* reading QUERY or JOB */
        CONNECTION_QUEUED,  /* a job waiting for its turn: not read */
        CONNECTION_JOB,     /* the job that prints */
        CONNECTION_CLOSING, /* sending the last reply */
        CONNECTION_DEAD,    /* closed; freed once it is not the job any more */
} ConnectionState;

struct Connection {
        Printer *printer;
        int fd;
        ConnectionState state;
        uint64_t seq; /* arrival order: queued jobs print in it */
        uint64_t since_usec;
        pid_t pid;          /* for the log */
        uint64_t announced; /* the job's length from its JOB frame, or JOB_LENGTH_UNKNOWN */

        /* A frame being read: its header, and the payload of a control frame. */
        uint8_t in[JOB_CONTROL_FRAME_MAX];
        size_t in_len;
        JobFrameHeader frame;
        bool have_header;
        uint32_t data_left; /* DATA payload bytes not read yet; they go straight into an OUT slot */

        uint8_t *out; /* replies not sent yet */
        size_t out_len;
        size_t out_cap;
};

/* Closes the connection now; the memory goes in connections_reap(), when no caller holds it. */
void connection_close(Printer *p, Connection *c);
/* Frees the dead connections no job refers to. */
void connections_reap(Printer *p);
/* Waits for what the connection's state wants next (reading, sending, nothing). */
void connection_update(Printer *p, Connection *c);
/* Sends what can go without blocking. Returns 0, or -errno when the client is gone. */
int connection_flush(Connection *c);
/* Queues bytes for the client. Returns 0 or -ENOMEM. */
int connection_queue(Connection *c, const void *data, size_t n);
/* Queues a reply (a whole frame) and keeps the connection in its state. */
void connection_reply(Printer *p, Connection *c, const uint8_t *buf, size_t n);
/* Queues the last reply (a whole frame, or nothing for n <= 0) and closes once it is out. */
void connection_finish(Printer *p, Connection *c, const uint8_t *buf, ssize_t n);
/* Ends the connection with an ERROR frame. */
void connection_fail(Printer *p, Connection *c, JobError error, uint64_t bytes, const char *reason);
