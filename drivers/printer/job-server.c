/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The job socket of drvhost-printer: listening, accepting, reading the clients' requests and job
 * frames, answering QUERY, and stopping. The job that prints is job-print.c's.
 *
 * The socket is drvhostd's when the manifest says JobSocket=yes: /run/drvhost/printer/<interface>,
 * root:lp 0660, listened on by drvhostd and kept across our restarts (clients wait in its backlog
 * meanwhile). We only accept on it, and never close or remove it. Without one (a driver run by
 * hand, the unit tests) we bind $RUNTIME_DIRECTORY/printer.sock ourselves.
 *
 * A connection may QUERY any number of times, then send one JOB. Only the JOB connection is read
 * past its request, and its DATA only while an OUT slot has room: a queued client, or one faster
 * than the printer, waits in its socket buffer.
 *
 * What one client can hold, and for how long:
 * - A connection that has not sent its JOB within REQUEST_TIMEOUT_USEC of being accepted (whether
 *   it said nothing, sent half a frame, or only queried) is dropped: idle clients cannot fill the
 *   CONNECTIONS_MAX slots for long.
 * - A queued job is not read and holds nothing but its slot; the printer is the current job's only.
 *   A queued client that went away is noticed (EOF) as soon as its turn comes, and skipped.
 * - A job whose sender stops sending keeps the printer until it sends again, closes, or is killed,
 *   exactly as a process holding /dev/usb/lp0 open does, and as CUPS's usb backend waits for its
 *   filters without a timeout: a rasterizer may think for minutes about one page, and failing the
 *   job then would print its first pages twice on retry. What bounds it is the client's side:
 *   cupsd's MaxJobTime (3 hours by default) cancels the job, which kills the backend and closes the
 *   connection, and the next job starts at once. Only root and group lp can connect to drvhostd's
 *   socket (as to /dev/usb/lp*), so no other user can hold the printer this way. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include "job-print.h"
#include "macro.h"

enum {
        LISTEN_BACKLOG = 16,
        /* Only for the socket we bind ourselves (no JobSocket= from drvhostd: a driver run by hand
         * or a test): its directory is the user's own. drvhostd's socket is root:lp 0660. */
        SOCKET_MODE = 0666,
        /* A client must have sent its JOB (after any QUERY) within this of being accepted, or it is
         * dropped. Checked on the tick, so it may take up to TICK_IDLE_USEC longer. */
        REQUEST_TIMEOUT_USEC = 10 * 1000 * 1000,
        /* At stop, how long replies may take to go out before their clients are dropped. */
        FLUSH_TIMEOUT_MSEC = 1000,
        USEC_PER_MSEC = 1000,
};

static void listen_update(Printer *p)
{
        bool want = p->n_connections < CONNECTIONS_MAX && !p->stopping;

        if (want == p->listening)
                return;
        /* Over the limit the kernel's backlog holds further clients until one leaves. */
        if (drvhost_driver_set_fd_events(p->driver, p->listen_fd, want ? POLLIN : 0) >= 0)
                p->listening = want;
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
        /* The connection stays open for a JOB: the client prints on the very connection whose
         * answer it checked. */
        connection_reply(p, c, buf, (size_t)n);
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
                /* One QUERY answered at a time: a client that asks without reading cannot make us
                 * buffer answers without end. */
                if (c->state == CONNECTION_REQUEST && c->out_len > 0)
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
static int runtime_socket_path(Printer *p)
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

/* Binds and listens on $RUNTIME_DIRECTORY/printer.sock: without a socket from drvhostd. */
static int bind_own_socket(Printer *p)
{
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        _cleanup_close_ int fd = -EBADF;
        int r;

        r = runtime_socket_path(p);
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
        return TAKE_FD(fd);
}

/* drvhostd's socket: already listening. Its path, for the log only. */
static int use_passed_socket(Printer *p, int fd)
{
        struct sockaddr_un sa = {};
        socklen_t len = sizeof(sa);
        int flags;

        /* on_listen() accepts until EAGAIN. drvhostd never accepts on its copy, so the flag, which
         * the open file shares with it, changes nothing there. */
        flags = fcntl(fd, F_GETFL);
        if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
                return -errno;
        if (getsockname(fd, (struct sockaddr *)&sa, &len) < 0 || len <= offsetof(struct sockaddr_un, sun_path) ||
            sa.sun_path[0] == '\0')
                (void)snprintf(p->socket_path, sizeof(p->socket_path), "the socket from drvhostd");
        else
                (void)snprintf(p->socket_path, sizeof(p->socket_path), "%.*s",
                               (int)(len - offsetof(struct sockaddr_un, sun_path)), sa.sun_path);
        return fd;
}

int job_server_start(Printer *p)
{
        int fd, r;

        job_reset(p);
        fd = drvhost_driver_get_socket_fd(p->driver);
        p->listen_owned = fd < 0;
        fd = fd >= 0 ? use_passed_socket(p, fd) : bind_own_socket(p);
        if (fd < 0)
                return fd;

        r = drvhost_driver_add_fd(p->driver, fd, POLLIN, on_listen, p);
        if (r < 0) {
                if (p->listen_owned) {
                        safe_close(fd);
                        (void)unlink(p->socket_path);
                }
                return r;
        }
        p->listen_fd = fd;
        p->listening = true;
        return 0;
}

void job_server_tick(Printer *p)
{
        uint64_t now = now_usec();

        job_tick(p);

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
                /* drvhostd's socket stays, with the clients in its backlog, for our successor. */
                if (p->listen_owned) {
                        safe_close(p->listen_fd);
                        (void)unlink(p->socket_path);
                }
                p->listen_fd = -EBADF;
        }
}
