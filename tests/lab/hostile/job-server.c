/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The hostile as a job server: on every socket it listens on it answers QUERY with the victim's
 * identity (impersonation: a job for the victim then comes to us, and we say DONE: silent theft)
 * or, when the mode file says "trickle", sends that answer one byte a second (holding the client).
 * The loop also pings the unit's watchdog and starts phase 2 when the scenario says so. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "job.h"

enum {
        CONNECTIONS_MAX = 32,
        HELD_MAX = 64,
        TICK_MSEC = 1000,
        /* WatchdogSec=10s in drvhost-driver@.service. */
        WATCHDOG_TICKS = 2,
        MODE_TEXT_MAX = 32,
        DECIMAL = 10,
        MSEC_PER_SEC = 1000,
        NSEC_PER_MSEC = 1000 * 1000,
};

#define TRICKLE_MODE "trickle"

typedef enum ConnectionState {
        CONNECTION_NEW,
        CONNECTION_JOB,
        CONNECTION_TRICKLE,
} ConnectionState;

typedef struct Connection {
        int fd;
        const char *via;
        ConnectionState state;
        uint8_t in[FRAME_BUFFER_SIZE];
        size_t in_len;
        uint8_t out[FRAME_HEADER_SIZE + INFO_MAX];
        size_t out_len, out_pos;
        uint64_t job_bytes;
        bool marker_seen;
        /* The end of the data so far, for a marker split between two frames. */
        uint8_t tail[VICTIM_LINE_MAX];
        size_t tail_len;
} Connection;

struct JobServer {
        const Victims *victims;
        char identity[INFO_MAX];
        size_t identity_len;
        int listener[LISTENERS_MAX];
        const char *listener_name[LISTENERS_MAX];
        size_t n_listeners;
        Connection *connection[CONNECTIONS_MAX];
        int held[HELD_MAX];
        size_t n_held;
        bool phase2_done;
};

JobServer *job_server_new(const Victims *v)
{
        JobServer *s = calloc(1, sizeof(*s));

        if (!s) {
                report_info("out of memory");
                exit(EXIT_FAILURE);
        }
        s->victims = v;
        return s;
}

const Victims *job_server_victims(JobServer *s)
{
        return s->victims;
}

void job_server_set_identity(JobServer *s, const char *info, size_t length)
{
        s->identity_len = length < sizeof(s->identity) ? length : sizeof(s->identity);
        memcpy(s->identity, info, s->identity_len);
}

void job_server_add_listener(JobServer *s, int fd, const char *name)
{
        if (s->n_listeners >= LISTENERS_MAX) {
                close(fd);
                return;
        }
        s->listener[s->n_listeners] = fd;
        s->listener_name[s->n_listeners++] = name;
}

void job_server_hold(JobServer *s, int fd)
{
        if (s->n_held < HELD_MAX)
                s->held[s->n_held++] = fd;
        else
                close(fd);
}

void job_server_listen_own(JobServer *s)
{
        const char *fd_s = getenv("DRVHOST_SOCKET_FD"), *rundir = getenv("RUNTIME_DIRECTORY");
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        int fd;

        if (fd_s) {
                fd = (int)strtol(fd_s, NULL, DECIMAL);
                (void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
                job_server_add_listener(s, fd, "its own socket from drvhostd");
                report_info("serving on the job socket drvhostd handed over (fd %d)", fd);
                return;
        }
        if (!rundir) {
                report_info("neither DRVHOST_SOCKET_FD nor RUNTIME_DIRECTORY: no job socket of its own");
                return;
        }
        /* Taken whole, as in attack-files.c. */
        (void)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/printer.sock", rundir);
        (void)unlink(sa.sun_path);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, LISTEN_BACKLOG) < 0) {
                report_info("could not listen on %s: %s", sa.sun_path, errno_name(errno));
                if (fd >= 0)
                        close(fd);
                return;
        }
        (void)chmod(sa.sun_path, SOCKET_MODE);
        job_server_add_listener(s, fd, "its own printer.sock");
        report_info("serving on %s", sa.sun_path);
}

static bool trickle_mode(const Victims *v)
{
        const char *path = victims_get(v, NULL, "MODE_FILE");
        char text[MODE_TEXT_MAX] = "";
        FILE *f = path ? fopen(path, "re") : NULL;

        if (!f)
                return false;
        if (!fgets(text, sizeof(text), f))
                text[0] = '\0';
        fclose(f);
        return strncmp(text, TRICKLE_MODE, strlen(TRICKLE_MODE)) == 0;
}

static void connection_close(JobServer *s, size_t i)
{
        close(s->connection[i]->fd);
        free(s->connection[i]);
        s->connection[i] = NULL;
}

static void accept_one(JobServer *s, size_t l)
{
        int fd = accept4(s->listener[l], NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

        if (fd < 0)
                return;
        for (size_t i = 0; i < CONNECTIONS_MAX; i++)
                if (!s->connection[i]) {
                        s->connection[i] = calloc(1, sizeof(Connection));
                        if (!s->connection[i])
                                break;
                        s->connection[i]->fd = fd;
                        s->connection[i]->via = s->listener_name[l];
                        return;
                }
        close(fd);
}

static void look_for_marker(JobServer *s, Connection *c, const uint8_t *data, size_t n)
{
        const char *marker = victims_get(s->victims, NULL, "MARKER");
        size_t m = marker ? strlen(marker) : 0, keep;
        uint8_t *joined;

        if (m == 0 || m > sizeof(c->tail) || c->marker_seen)
                return;
        joined = malloc(c->tail_len + n);
        if (!joined)
                return;
        memcpy(joined, c->tail, c->tail_len);
        memcpy(joined + c->tail_len, data, n);
        c->marker_seen = memmem(joined, c->tail_len + n, marker, m) != NULL;
        keep = c->tail_len + n < m - 1 ? c->tail_len + n : m - 1;
        memcpy(c->tail, joined + c->tail_len + n - keep, keep);
        c->tail_len = keep;
        free(joined);
}

/* Handles one whole frame; returns false when the connection is done. */
static bool on_frame(JobServer *s, Connection *c, unsigned type, const uint8_t *payload, size_t length)
{
        uint8_t done[FRAME_HEADER_SIZE + DONE_PAYLOAD_SIZE];
        char detail[DETAIL_MAX];

        if (c->state == CONNECTION_NEW && type == FRAME_QUERY) {
                frame_header(c->out, FRAME_INFO, (uint32_t)s->identity_len);
                memcpy(c->out + FRAME_HEADER_SIZE, s->identity, s->identity_len);
                c->out_len = FRAME_HEADER_SIZE + s->identity_len;
                if (trickle_mode(s->victims)) {
                        c->state = CONNECTION_TRICKLE;
                        report_info("trickling a %zu-byte INFO reply at one byte a second on %s", c->out_len,
                                    c->via);
                        return true;
                }
                (void)send(c->fd, c->out, c->out_len, MSG_NOSIGNAL);
                return false;
        }
        if (c->state == CONNECTION_NEW && type == FRAME_JOB) {
                c->state = CONNECTION_JOB;
                return true;
        }
        if (c->state == CONNECTION_JOB && type == FRAME_DATA) {
                c->job_bytes += length;
                look_for_marker(s, c, payload, length);
                return true;
        }
        if (c->state == CONNECTION_JOB && type == FRAME_END) {
                frame_header(done, FRAME_DONE, DONE_PAYLOAD_SIZE);
                put_be64(done + FRAME_HEADER_SIZE, c->job_bytes);
                (void)send(c->fd, done, sizeof(done), MSG_NOSIGNAL);
                (void)snprintf(detail, sizeof(detail),
                               "%" PRIu64 " bytes on %s, the marker %s, answered DONE", c->job_bytes, c->via,
                               c->marker_seen ? "among them" : "not among them");
                report_succeeded("receive a print job", detail);
                return false;
        }
        return false;
}

/* Reads what the client sent; returns false when the connection is done. */
static bool on_input(JobServer *s, Connection *c)
{
        ssize_t n = read(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len);

        if (n == 0 || (n < 0 && errno != EAGAIN))
                return false;
        if (n < 0)
                return true;
        c->in_len += (size_t)n;
        while (c->in_len >= FRAME_HEADER_SIZE) {
                uint32_t length = get_be32(c->in + 4);
                size_t whole = FRAME_HEADER_SIZE + length;

                if (length > FRAME_DATA_MAX)
                        return false;
                if (c->in_len < whole)
                        break;
                if (!on_frame(s, c, get_be16(c->in), c->in + FRAME_HEADER_SIZE, length))
                        return false;
                memmove(c->in, c->in + whole, c->in_len - whole);
                c->in_len -= whole;
        }
        return true;
}

static void tick(JobServer *s, unsigned long ticks)
{
        const char *phase2 = victims_get(s->victims, NULL, "PHASE2_FILE");

        for (size_t i = 0; i < CONNECTIONS_MAX; i++) {
                Connection *c = s->connection[i];

                if (!c || c->state != CONNECTION_TRICKLE)
                        continue;
                if (send(c->fd, c->out + c->out_pos, 1, MSG_NOSIGNAL | MSG_DONTWAIT) == 1)
                        c->out_pos++;
                else if (errno != EAGAIN) {
                        report_info("a trickled client on %s left after %zu bytes", c->via, c->out_pos);
                        connection_close(s, i);
                        continue;
                }
                if (c->out_pos == c->out_len)
                        connection_close(s, i);
        }
        if (ticks % WATCHDOG_TICKS == 0)
                notify("WATCHDOG=1");
        if (!s->phase2_done && phase2 && access(phase2, F_OK) == 0) {
                s->phase2_done = true;
                report_info("phase 2: signals that stop or kill");
                attack_signals(s->victims);
                report_info("phase 2 done");
        }
}

static long now_msec(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * MSEC_PER_SEC + ts.tv_nsec / NSEC_PER_MSEC;
}

void job_server_run(JobServer *s)
{
        struct pollfd pfd[LISTENERS_MAX + CONNECTIONS_MAX];
        size_t index[LISTENERS_MAX + CONNECTIONS_MAX];
        long next_tick = now_msec() + TICK_MSEC;
        unsigned long ticks = 0;

        for (;;) {
                size_t n = 0;
                long left;

                for (size_t l = 0; l < s->n_listeners; l++)
                        pfd[n++] = (struct pollfd){.fd = s->listener[l], .events = POLLIN};
                for (size_t i = 0; i < CONNECTIONS_MAX; i++)
                        if (s->connection[i]) {
                                index[n] = i;
                                pfd[n++] = (struct pollfd){.fd = s->connection[i]->fd, .events = POLLIN};
                        }
                left = next_tick - now_msec();
                if (poll(pfd, n, left > 0 ? (int)left : 0) < 0 && errno != EINTR)
                        report_info("poll failed: %s", errno_name(errno));
                for (size_t k = 0; k < n; k++) {
                        if (!(pfd[k].revents & (POLLIN | POLLHUP | POLLERR)))
                                continue;
                        if (k < s->n_listeners)
                                accept_one(s, k);
                        else if (s->connection[index[k]] && !on_input(s, s->connection[index[k]]))
                                connection_close(s, index[k]);
                }
                if (now_msec() >= next_tick) {
                        next_tick += TICK_MSEC;
                        tick(s, ++ticks);
                }
        }
}
