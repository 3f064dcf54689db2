/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The job socket of drvhost-printer: clients, their requests, and the one job that prints.
 *
 * A connection goes REQUEST → (QUERY) CLOSING, or REQUEST → (JOB) QUEUED → JOB → CLOSING, and ends
 * DEAD (fd closed; freed once no job refers to it). Only the JOB connection is read past its first
 * frame, and its DATA only while an OUT slot has room: a queued client, or one faster than the
 * printer, waits in its socket buffer. A job ends with DONE once END came and every byte was
 * written, or with ERROR once its transfers are back (checked at ticks; an I/O error only after
 * UNPLUG_GRACE_USEC, so that an unplug noticed meanwhile is reported as such rather than as the
 * error it caused). */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include "macro.h"
#include "printer.h"

enum {
        LISTEN_BACKLOG = 16,
        /* Anyone may connect: the CUPS backend runs as root (or as lp when installed without its
         * 0700 mode), and drvhost-print as any user. Printing is what a local user may do anyway. */
        SOCKET_MODE = 0666,
        /* A client that sends no complete request within this is dropped. */
        REQUEST_TIMEOUT_USEC = 10 * 1000 * 1000,
        /* Back-channel data kept for a client that does not read it; the IN transfer pauses above. */
        OUTPUT_HIGH_WATER = 256 * 1024,
        /* A transfer cut by an unplug often fails with a generic error before the disconnect
         * reaches usbfs: an I/O error is reported only if no unplug is noticed within this. */
        UNPLUG_GRACE_USEC = 1000 * 1000,
        /* At stop, how long replies may take to go out before their clients are dropped. */
        FLUSH_TIMEOUT_MSEC = 1000,
        USEC_PER_MSEC = 1000,
        MSEC_PER_SEC = 1000,
        BYTES_PER_MIB = 1024 * 1024,
};

typedef enum ConnectionState {
        CONNECTION_REQUEST, /* reading the first frame */
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

static void job_pump(Printer *p);

/* Closes the connection now; the memory goes in connections_reap(), when no caller holds it. */
static void connection_close(Printer *p, Connection *c)
{
        if (c->state == CONNECTION_DEAD)
                return;
        (void)drvhost_driver_remove_fd(p->driver, c->fd);
        c->fd = safe_close(c->fd);
        c->state = CONNECTION_DEAD;
        c->out_len = 0;
        c->data_left = 0;
}

static void connections_reap(Printer *p)
{
        for (size_t i = 0; i < p->n_connections;) {
                Connection *c = p->connections[i];

                if (c->state != CONNECTION_DEAD || c == p->job) {
                        i++;
                        continue;
                }
                p->connections[i] = p->connections[--p->n_connections];
                free(c->out);
                free(c);
        }
}

/* The fill slot with room, taking a free slot if there is none. NULL when every slot is busy. */
static OutSlot *job_fill_slot(Printer *p)
{
        OutSlot *s;

        if (p->fill_slot >= 0) {
                s = &p->out[p->fill_slot];
                return s->fill < OUT_BUFFER_SIZE ? s : NULL;
        }
        s = printer_usb_free_slot(p);
        if (!s)
                return NULL;
        p->fill_slot = (int)(s - p->out);
        s->fill = 0;
        return s;
}

static short connection_events(Printer *p, Connection *c)
{
        short events = c->out_len > 0 ? POLLOUT : 0;

        switch (c->state) {
        case CONNECTION_REQUEST:
                return events | POLLIN;
        case CONNECTION_JOB:
                if (p->job_end || p->job_error)
                        return events;
                /* A header needs no slot; payload does. */
                if (c->data_left == 0 ||
                    (p->fill_slot >= 0 && p->out[p->fill_slot].fill < OUT_BUFFER_SIZE) ||
                    printer_usb_free_slot(p))
                        events |= POLLIN;
                return events;
        default:
                return events;
        }
}

static void connection_update(Printer *p, Connection *c)
{
        if (c->state != CONNECTION_DEAD)
                (void)drvhost_driver_set_fd_events(p->driver, c->fd, connection_events(p, c));
}

/* Sends what can go without blocking. Returns 0, or -errno when the client is gone. */
static int connection_flush(Connection *c)
{
        while (c->out_len > 0) {
                ssize_t n = send(c->fd, c->out, c->out_len, MSG_NOSIGNAL | MSG_DONTWAIT);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == EAGAIN)
                                return 0;
                        return -errno;
                }
                memmove(c->out, c->out + n, c->out_len - (size_t)n);
                c->out_len -= (size_t)n;
        }
        return 0;
}

/* Queues bytes for the client. Returns 0 or -ENOMEM. */
static int connection_queue(Connection *c, const void *data, size_t n)
{
        if (c->out_cap - c->out_len < n) {
                size_t cap = c->out_len + n;
                uint8_t *out = realloc(c->out, cap);

                if (!out)
                        return -ENOMEM;
                c->out = out;
                c->out_cap = cap;
        }
        memcpy(c->out + c->out_len, data, n);
        c->out_len += n;
        return 0;
}

/* Queues the last reply (a whole frame, or nothing for n <= 0) and closes once it is out. */
static void connection_finish(Printer *p, Connection *c, const uint8_t *buf, ssize_t n)
{
        if (c->state == CONNECTION_DEAD)
                return;
        if (n > 0 && connection_queue(c, buf, (size_t)n) < 0)
                (void)drvhost_driver_log(p->driver, LOG_ERR,
                                         "Out of memory for a reply, dropping the client.");
        c->state = CONNECTION_CLOSING;
        c->data_left = 0;
        if (connection_flush(c) < 0 || c->out_len == 0) {
                connection_close(p, c);
                return;
        }
        connection_update(p, c);
}

static void connection_fail(Printer *p, Connection *c, JobError error, uint64_t bytes, const char *reason)
{
        uint8_t buf[JOB_CONTROL_FRAME_MAX];

        connection_finish(p, c, buf, job_encode_error(buf, sizeof(buf), error, bytes, reason));
}

static void listen_update(Printer *p)
{
        bool want = p->n_connections < CONNECTIONS_MAX && !p->stopping;

        if (want == p->listening)
                return;
        /* Over the limit the kernel's backlog holds further clients until one leaves. */
        if (drvhost_driver_set_fd_events(p->driver, p->listen_fd, want ? POLLIN : 0) >= 0)
                p->listening = want;
}

static void job_reset(Printer *p)
{
        p->job = NULL;
        p->job_received = 0;
        p->job_written = 0;
        p->job_end = false;
        p->job_error = 0;
        p->job_error_detail[0] = '\0';
        p->fill_slot = -1;
}

/* Records why the job fails, the first reason winning, and cancels its transfers. The job ends in
 * job_server_tick() once they are back. */
static void job_fail(Printer *p, JobError error, const char *format, ...) _printf_(3, 4);
static void job_fail(Printer *p, JobError error, const char *format, ...)
{
        va_list ap;

        if (!p->job || p->job_error)
                return;
        p->job_error = error;
        p->job_error_usec = now_usec();
        va_start(ap, format);
        (void)vsnprintf(p->job_error_detail, sizeof(p->job_error_detail), format, ap);
        va_end(ap);
        printer_usb_cancel_out(p);
        connection_update(p, p->job);
}

static Connection *next_queued(Printer *p)
{
        Connection *next = NULL;

        for (size_t i = 0; i < p->n_connections; i++) {
                Connection *c = p->connections[i];

                if (c->state == CONNECTION_QUEUED && (!next || c->seq < next->seq))
                        next = c;
        }
        return next;
}

static void job_start_next(Printer *p)
{
        Connection *c;

        if (p->job || p->stopping)
                return;
        c = next_queued(p);
        if (!c)
                return;

        job_reset(p);
        p->job = c;
        p->job_announced = c->announced;
        p->job_start_usec = now_usec();
        c->state = CONNECTION_JOB;
        if (c->announced == JOB_LENGTH_UNKNOWN)
                (void)drvhost_driver_log(p->driver, LOG_INFO, "Printing a job from pid %d, length unknown.",
                                         (int)c->pid);
        else
                (void)drvhost_driver_log(p->driver, LOG_INFO,
                                         "Printing a job from pid %d, %" PRIu64 " bytes.", (int)c->pid,
                                         c->announced);
        printer_update_status(p);
        connection_update(p, c);
}

/* Ends the job, whose transfers are all back: DONE or ERROR to its client, then the next job. */
static void job_finish(Printer *p)
{
        uint8_t buf[JOB_CONTROL_FRAME_MAX];
        Connection *c = p->job;
        uint64_t msec = (now_usec() - p->job_start_usec) / USEC_PER_MSEC;

        p->job = NULL;
        if (p->job_error) {
                const char *what = job_error_to_string(p->job_error);

                (void)drvhost_driver_log(p->driver, LOG_WARNING,
                                         "Job from pid %d failed after %" PRIu64 " of %" PRIu64
                                         " bytes: %s%s%s",
                                         (int)c->pid, p->job_written, p->job_received, what,
                                         p->job_error_detail[0] ? ": " : "", p->job_error_detail);
                connection_fail(p, c, p->job_error, p->job_written,
                                p->job_error_detail[0] ? p->job_error_detail : what);
        } else {
                (void)drvhost_driver_log(
                    p->driver, LOG_INFO,
                    "Job from pid %d done: %" PRIu64 " bytes in %" PRIu64 " ms (%.1f MiB/s).", (int)c->pid,
                    p->job_written, msec,
                    msec > 0 ? (double)p->job_written / BYTES_PER_MIB * MSEC_PER_SEC / (double)msec : 0.0);
                connection_finish(p, c, buf, job_encode_done(buf, sizeof(buf), p->job_written));
        }
        job_reset(p);
        printer_update_status(p);
        printer_usb_resume_in(p);
        job_start_next(p);
}

/* Submits the fill slot when it is full, or when the printer would otherwise sit idle, or at END;
 * ends the job once everything was written. */
static void job_pump(Printer *p)
{
        OutSlot *s = p->fill_slot >= 0 ? &p->out[p->fill_slot] : NULL;
        int r;

        if (!p->job || p->job_error || p->stopping)
                return;

        if (s && (s->fill == OUT_BUFFER_SIZE || (s->fill > 0 && (p->out_in_flight == 0 || p->job_end)))) {
                r = printer_usb_submit(p, s);
                if (r < 0) {
                        if (drvhost_driver_is_unplugged_error(r))
                                (void)drvhost_driver_stop(p->driver, DRVHOST_EXIT_UNPLUGGED);
                        job_fail(p,
                                 drvhost_driver_is_unplugged_error(r) ? JOB_ERROR_UNPLUGGED : JOB_ERROR_IO,
                                 "submitting a transfer failed: %s", libusb_error_name(r));
                        return;
                }
                p->fill_slot = -1;
                s = NULL;
        }

        if (p->job_end && p->out_in_flight == 0 && (!s || s->fill == 0)) {
                job_finish(p);
                return;
        }
        connection_update(p, p->job);
}

void job_out_done(Printer *p, OutSlot *slot, enum libusb_transfer_status status, int actual)
{
        int length = slot->transfer->length;

        if (actual > 0)
                p->job_written += (uint64_t)actual;
        slot->fill = 0;
        if (p->stopping || !p->job)
                return;

        switch (status) {
        case LIBUSB_TRANSFER_COMPLETED:
                if (actual < length)
                        job_fail(p, JOB_ERROR_IO, "the printer took %d of %d bytes", actual, length);
                break;
        case LIBUSB_TRANSFER_CANCELLED:
                break; /* we cancelled it: the job failed already */
        case LIBUSB_TRANSFER_TIMED_OUT:
                job_fail(p, JOB_ERROR_TIMEOUT, "the printer accepted no data for %u s",
                         p->write_timeout_ms / MSEC_PER_SEC);
                break;
        case LIBUSB_TRANSFER_NO_DEVICE:
                job_fail(p, JOB_ERROR_UNPLUGGED, "the printer was unplugged");
                break;
        case LIBUSB_TRANSFER_STALL:
                job_fail(p, JOB_ERROR_IO, "the printer stalled its OUT endpoint");
                break;
        default:
                job_fail(p, JOB_ERROR_IO, "transfer failed: %s", libusb_error_name((int)status));
                break;
        }
        job_pump(p);
}

bool job_backchannel_room(Printer *p)
{
        Connection *c = p->job;

        return !c || c->state != CONNECTION_JOB ||
               c->out_len + JOB_FRAME_HEADER_SIZE + IN_BUFFER_SIZE <= OUTPUT_HIGH_WATER;
}

void job_backchannel(Printer *p, const uint8_t *data, size_t n)
{
        Connection *c = p->job;
        uint8_t header[JOB_FRAME_HEADER_SIZE];

        if (!c || c->state != CONNECTION_JOB) {
                (void)drvhost_driver_log(p->driver, LOG_DEBUG, "Dropping %zu back-channel bytes: no job.",
                                         n);
                return;
        }
        job_encode_data_header(header, JOB_FRAME_BACKCHANNEL, (uint32_t)n);
        if (connection_queue(c, header, sizeof(header)) < 0 || connection_queue(c, data, n) < 0) {
                job_fail(p, JOB_ERROR_IO, "out of memory for back-channel data");
                return;
        }
        if (connection_flush(c) < 0) {
                job_fail(p, JOB_ERROR_PROTOCOL, "the client went away");
                connection_close(p, c);
                return;
        }
        connection_update(p, c);
}

static void reply_info(Printer *p, Connection *c)
{
        _cleanup_free_ uint8_t *buf = NULL;
        _cleanup_free_ JobInfo *info = NULL;
        size_t size = JOB_FRAME_HEADER_SIZE + JOB_INFO_MAX;
        ssize_t n;

        buf = malloc(size);
        info = calloc(1, sizeof(*info));
        if (!buf || !info) {
                connection_close(p, c);
                return;
        }
        printer_describe(p, info);
        n = job_encode_info(buf, size, info);
        if (n < 0) {
                (void)drvhost_driver_log(
                    p->driver, LOG_ERR, "Failed to encode the printer's description: %s", strerror((int)-n));
                connection_fail(p, c, JOB_ERROR_IO, 0, "description too long");
                return;
        }
        connection_finish(p, c, buf, n);
}

/* The first frame of a connection, whole in c->in. */
static void connection_request(Printer *p, Connection *c, const uint8_t *payload, size_t length)
{
        uint32_t version;
        uint64_t announced;

        switch (c->frame.type) {
        case JOB_FRAME_QUERY:
                if (job_decode_query(payload, length, &version) < 0 || version != JOB_PROTOCOL_VERSION)
                        connection_fail(p, c, JOB_ERROR_PROTOCOL, 0, "unsupported protocol version");
                else
                        reply_info(p, c);
                break;
        case JOB_FRAME_JOB:
                if (job_decode_request(payload, length, &version, &announced) < 0 ||
                    version != JOB_PROTOCOL_VERSION) {
                        connection_fail(p, c, JOB_ERROR_PROTOCOL, 0, "unsupported protocol version");
                        break;
                }
                c->announced = announced;
                c->state = CONNECTION_QUEUED;
                if (p->job)
                        (void)drvhost_driver_log(p->driver, LOG_INFO,
                                                 "Job from pid %d waits for the current one.", (int)c->pid);
                job_start_next(p);
                connection_update(p, c);
                break;
        default:
                connection_fail(p, c, JOB_ERROR_PROTOCOL, 0, "expected QUERY or JOB");
                break;
        }
}

/* A control frame of the job, whole in c->in: only END is expected. */
static void connection_job_frame(Printer *p, Connection *c)
{
        if (c->frame.type != JOB_FRAME_END) {
                job_fail(p, JOB_ERROR_PROTOCOL, "unexpected frame type 0x%02x in a job",
                         (unsigned)c->frame.type);
                return;
        }
        p->job_end = true;
        if (p->job_announced != JOB_LENGTH_UNKNOWN && p->job_received != p->job_announced) {
                job_fail(p, JOB_ERROR_LENGTH, "%" PRIu64 " bytes announced, %" PRIu64 " sent",
                         p->job_announced, p->job_received);
                return;
        }
        job_pump(p);
}

/* Reads what the client sent, as far as its state allows. Returns 0 to wait for more, 1 at EOF, or
 * -errno when the connection failed. */
static int connection_read(Printer *p, Connection *c)
{
        for (;;) {
                size_t need;
                ssize_t n;
                int r;

                if (c->state != CONNECTION_REQUEST && c->state != CONNECTION_JOB)
                        return 0;
                if (c->state == CONNECTION_JOB && (p->job_end || p->job_error))
                        return 0;

                if (c->data_left > 0) {
                        OutSlot *s = job_fill_slot(p);
                        size_t room;

                        if (!s)
                                return 0; /* POLLIN is off until a transfer completes */
                        room = OUT_BUFFER_SIZE - s->fill;
                        n = read(c->fd, s->transfer->buffer + s->fill,
                                 c->data_left < room ? c->data_left : room);
                        if (n < 0) {
                                if (errno == EINTR)
                                        continue;
                                return errno == EAGAIN ? 0 : -errno;
                        }
                        if (n == 0)
                                return 1;
                        s->fill += (size_t)n;
                        c->data_left -= (uint32_t)n;
                        p->job_received += (uint64_t)n;
                        if (p->job_announced != JOB_LENGTH_UNKNOWN && p->job_received > p->job_announced) {
                                job_fail(p, JOB_ERROR_LENGTH, "more than the %" PRIu64 " bytes announced",
                                         p->job_announced);
                                return 0;
                        }
                        if (s->fill == OUT_BUFFER_SIZE)
                                job_pump(p);
                        continue;
                }

                /* Exactly the header, then exactly a control frame's payload: DATA payload must not
                 * land here, it goes to the slots. */
                need = c->have_header ? JOB_FRAME_HEADER_SIZE + c->frame.length - c->in_len
                                      : JOB_FRAME_HEADER_SIZE - c->in_len;
                if (need > 0) {
                        n = read(c->fd, c->in + c->in_len, need);
                        if (n < 0) {
                                if (errno == EINTR)
                                        continue;
                                return errno == EAGAIN ? 0 : -errno;
                        }
                        if (n == 0)
                                return 1;
                        c->in_len += (size_t)n;
                        if ((size_t)n < need)
                                continue;
                }

                if (!c->have_header) {
                        r = job_frame_header_decode(c->in, c->in_len, &c->frame);
                        if (r < 0 || (c->frame.type == JOB_FRAME_DATA && c->state != CONNECTION_JOB) ||
                            (c->frame.type != JOB_FRAME_DATA &&
                             c->frame.length > sizeof(c->in) - JOB_FRAME_HEADER_SIZE)) {
                                if (c->state == CONNECTION_JOB)
                                        job_fail(p, JOB_ERROR_PROTOCOL, "malformed or unexpected frame");
                                else
                                        connection_fail(p, c, JOB_ERROR_PROTOCOL, 0,
                                                        "malformed or unexpected frame");
                                return 0;
                        }
                        c->in_len = 0;
                        if (c->frame.type == JOB_FRAME_DATA) {
                                c->data_left = c->frame.length;
                                continue;
                        }
                        /* Keep the header bytes: the payload follows them in c->in. */
                        c->in_len = JOB_FRAME_HEADER_SIZE;
                        c->have_header = true;
                        continue;
                }

                c->have_header = false;
                c->in_len = 0;
                if (c->state == CONNECTION_REQUEST)
                        connection_request(p, c, c->in + JOB_FRAME_HEADER_SIZE, c->frame.length);
                else
                        connection_job_frame(p, c);
        }
}

static int on_connection(DrvhostDriver *d, int fd, short revents, void *userdata)
{
        Connection *c = userdata;
        Printer *p = c->printer;
        bool was_paused = p->in_paused;
        int r;

        if (revents & (POLLOUT | POLLHUP | POLLERR)) {
                r = connection_flush(c);
                if (r < 0)
                        goto gone;
                if (c->state == CONNECTION_CLOSING && c->out_len == 0) {
                        connection_close(p, c);
                        goto out;
                }
        }

        if (revents & (POLLIN | POLLHUP | POLLERR)) {
                r = connection_read(p, c);
                if (r < 0)
                        goto gone;
                if (r > 0) {
                        if (c->state == CONNECTION_REQUEST) {
                                connection_close(p, c);
                                goto out;
                        }
                        if (c->state == CONNECTION_JOB && !p->job_end)
                                job_fail(p, JOB_ERROR_PROTOCOL,
                                         "the client closed the connection before END");
                        /* Its reply, if any, still has a chance: the peer may only have shut down
                         * its sending side. */
                }
                if (c->state == CONNECTION_JOB)
                        job_pump(p);
        }
        connection_update(p, c);
        goto out;

gone:
        if (c->state == CONNECTION_JOB)
                job_fail(p, JOB_ERROR_PROTOCOL, "the client went away: %s", strerror(-r));
        connection_close(p, c);
out:
        if (was_paused)
                printer_usb_resume_in(p);
        connections_reap(p);
        listen_update(p);
        return 0;
}

static int on_listen(DrvhostDriver *d, int fd, short revents, void *userdata)
{
        Printer *p = userdata;

        while (p->n_connections < CONNECTIONS_MAX) {
                struct ucred cred = {};
                socklen_t len = sizeof(cred);
                Connection *c;
                int cfd, r;

                cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
                if (cfd < 0) {
                        if (errno == EINTR || errno == ECONNABORTED)
                                continue;
                        if (errno != EAGAIN)
                                (void)drvhost_driver_log(d, LOG_WARNING, "Failed to accept a client: %m");
                        break;
                }
                c = calloc(1, sizeof(*c));
                if (!c) {
                        safe_close(cfd);
                        break;
                }
                (void)getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cred, &len);
                *c = (Connection){
                    .printer = p,
                    .fd = cfd,
                    .state = CONNECTION_REQUEST,
                    .seq = p->next_seq++,
                    .since_usec = now_usec(),
                    .pid = cred.pid,
                    .announced = JOB_LENGTH_UNKNOWN,
                };
                r = drvhost_driver_add_fd(d, cfd, POLLIN, on_connection, c);
                if (r < 0) {
                        (void)drvhost_driver_log(d, LOG_WARNING, "Failed to watch a client: %s",
                                                 strerror(-r));
                        safe_close(cfd);
                        free(c);
                        break;
                }
                p->connections[p->n_connections++] = c;
        }
        listen_update(p);
        return 0;
}

/* $RUNTIME_DIRECTORY, which systemd sets from RuntimeDirectory=. Taken whole: it is a list separated
 * by ':' only when a unit has several, and our instance names contain ':'. */
static int socket_path(Printer *p)
{
        const char *dir = getenv("RUNTIME_DIRECTORY");
        char fallback[sizeof(p->socket_path)];
        struct stat st;
        int n;

        if (!dir || stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
                n = snprintf(fallback, sizeof(fallback), "/run/drvhost/driver/%s", p->instance);
                if (n < 0 || (size_t)n >= sizeof(fallback))
                        return -ENAMETOOLONG;
                dir = fallback;
        }
        n = snprintf(p->socket_path, sizeof(p->socket_path), "%s/%s", dir, JOB_SOCKET_NAME);
        if (n < 0 || (size_t)n >= sizeof(p->socket_path))
                return -ENAMETOOLONG;
        return 0;
}

int job_server_start(Printer *p)
{
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        _cleanup_close_ int fd = -EBADF;
        int r;

        job_reset(p);
        r = socket_path(p);
        if (r < 0)
                return r;
        memcpy(sa.sun_path, p->socket_path, strlen(p->socket_path) + 1);

        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        /* A previous instance that crashed left its socket behind. */
        if (unlink(p->socket_path) < 0 && errno != ENOENT)
                return -errno;
        if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
                return -errno;
        /* The unit's UMask=0077 made it 0600; chmod(), since fchmod() on a socket does not reach
         * the file. The directory is ours alone to write, so the path cannot be swapped meanwhile. */
        if (chmod(p->socket_path, SOCKET_MODE) < 0)
                return -errno;
        if (listen(fd, LISTEN_BACKLOG) < 0)
                return -errno;

        r = drvhost_driver_add_fd(p->driver, fd, POLLIN, on_listen, p);
        if (r < 0)
                return r;
        p->listen_fd = TAKE_FD(fd);
        p->listening = true;
        return 0;
}

void job_server_tick(Printer *p)
{
        uint64_t now = now_usec();

        if (p->job && p->job_error && p->out_in_flight == 0 &&
            (p->job_error != JOB_ERROR_IO || now - p->job_error_usec >= UNPLUG_GRACE_USEC))
                job_finish(p);

        for (size_t i = 0; i < p->n_connections; i++) {
                Connection *c = p->connections[i];

                if (c->state == CONNECTION_REQUEST && now - c->since_usec > REQUEST_TIMEOUT_USEC) {
                        (void)drvhost_driver_log(p->driver, LOG_DEBUG,
                                                 "Dropping pid %d: no request in time.", (int)c->pid);
                        connection_close(p, c);
                }
        }
        if (p->in_paused)
                printer_usb_resume_in(p);
        connections_reap(p);
        listen_update(p);
}

/* Sends the replies still queued, for at most FLUSH_TIMEOUT_MSEC in all. */
static void flush_all(Printer *p)
{
        uint64_t deadline = now_usec() + (uint64_t)FLUSH_TIMEOUT_MSEC * USEC_PER_MSEC;

        for (;;) {
                struct pollfd fds[CONNECTIONS_MAX];
                size_t n = 0;
                uint64_t now = now_usec();

                for (size_t i = 0; i < p->n_connections; i++) {
                        Connection *c = p->connections[i];

                        if (c->state == CONNECTION_DEAD || c->out_len == 0)
                                continue;
                        if (connection_flush(c) < 0) {
                                connection_close(p, c);
                                continue;
                        }
                        if (c->out_len > 0)
                                fds[n++] = (struct pollfd){.fd = c->fd, .events = POLLOUT};
                }
                if (n == 0 || now >= deadline)
                        return;
                if (poll(fds, n, (int)((deadline - now) / USEC_PER_MSEC) + 1) < 0 && errno != EINTR)
                        return;
        }
}

void job_server_stop(Printer *p, JobError error)
{
        const char *reason = job_error_to_string(error);

        p->stopping = true;
        if (p->job) {
                /* An unplug explains whatever transfer error came first. */
                if (!p->job_error || error == JOB_ERROR_UNPLUGGED) {
                        p->job_error = error;
                        (void)snprintf(p->job_error_detail, sizeof(p->job_error_detail), "%s",
                                       error == JOB_ERROR_UNPLUGGED ? "the printer was unplugged"
                                                                    : "the driver is stopping");
                }
                job_finish(p);
        }
        for (size_t i = 0; i < p->n_connections; i++) {
                Connection *c = p->connections[i];

                if (c->state == CONNECTION_QUEUED)
                        connection_fail(p, c, error, 0, reason);
                else if (c->state == CONNECTION_REQUEST)
                        connection_close(p, c);
        }
        flush_all(p);
        for (size_t i = 0; i < p->n_connections; i++)
                connection_close(p, p->connections[i]);
        connections_reap(p);

        if (p->listen_fd >= 0) {
                (void)drvhost_driver_remove_fd(p->driver, p->listen_fd);
                p->listen_fd = safe_close(p->listen_fd);
                (void)unlink(p->socket_path);
        }
}
