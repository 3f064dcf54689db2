/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The client side of a job socket: connect, who listens, QUERY with one deadline, a job. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "macro.h"
#include "print-client.h"
#include "time-util.h"

enum {
        MSEC_PER_SEC = 1000,
        /* How long a back-channel reader may block one write before its data is dropped. */
        BACKCHANNEL_WRITE_TIMEOUT_MSEC = 1000,
};

int printer_connect(const char *socket_path, unsigned timeout_msec)
{
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        struct timeval tv = {
            .tv_sec = timeout_msec / MSEC_PER_SEC,
            .tv_usec = (timeout_msec % MSEC_PER_SEC) * USEC_PER_MSEC,
        };
        _cleanup_close_ int fd = -EBADF;

        if (strlen(socket_path) >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        memcpy(sa.sun_path, socket_path, strlen(socket_path) + 1);

        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        /* For AF_UNIX, SO_SNDTIMEO also bounds the wait for a place in a full backlog. */
        if (timeout_msec > 0 && setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0)
                return -errno;
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
                return errno == EAGAIN ? -ETIMEDOUT : -errno;
        if (timeout_msec > 0) {
                /* Only connect() was to be bounded; a job's writes wait for the printer. */
                tv = (struct timeval){};
                (void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
        }
        return TAKE_FD(fd);
}

/* Writes all of buf, polling for at most timeout_msec per wait (0: for ever). Returns 0 or -errno. */
static int write_all(int fd, const void *buf, size_t n, bool socket, unsigned timeout_msec)
{
        const uint8_t *p = buf;

        while (n > 0) {
                ssize_t k = socket ? send(fd, p, n, MSG_NOSIGNAL) : write(fd, p, n);

                if (k < 0) {
                        struct pollfd pfd = {.fd = fd, .events = POLLOUT};
                        int r;

                        if (errno == EINTR)
                                continue;
                        if (errno != EAGAIN)
                                return -errno;
                        r = poll(&pfd, 1, timeout_msec > 0 ? (int)timeout_msec : -1);
                        if (r < 0 && errno != EINTR)
                                return -errno;
                        if (r == 0)
                                return -ETIMEDOUT;
                        continue;
                }
                p += k;
                n -= (size_t)k;
        }
        return 0;
}

/* Waits for events on fd until the absolute deadline (CLOCK_MONOTONIC, µs). Returns 0 when ready,
 * -ETIMEDOUT, or -errno. */
static int wait_until(int fd, short events, uint64_t deadline)
{
        for (;;) {
                struct pollfd pfd = {.fd = fd, .events = events};
                uint64_t now = now_usec();
                int r;

                if (now >= deadline)
                        return -ETIMEDOUT;
                /* Rounded up: a wait cut short by rounding would only come back here. */
                r = poll(&pfd, 1, (int)((deadline - now + USEC_PER_MSEC - 1) / USEC_PER_MSEC));
                if (r < 0 && errno != EINTR)
                        return -errno;
                if (r > 0)
                        return 0;
        }
}

int printer_read_full(int fd, void *buf, size_t n, uint64_t deadline_usec)
{
        uint8_t *p = buf;

        /* One deadline for all of it: a peer that trickles a byte at a time gains nothing. */
        while (n > 0) {
                ssize_t k;
                int r;

                r = wait_until(fd, POLLIN, deadline_usec);
                if (r < 0)
                        return r;
                k = recv(fd, p, n, MSG_DONTWAIT);
                if (k < 0) {
                        if (errno == EINTR || errno == EAGAIN)
                                continue;
                        return -errno;
                }
                if (k == 0)
                        return -ECONNRESET;
                p += k;
                n -= (size_t)k;
        }
        return 0;
}

/* Sends all of buf before the deadline. Returns 0, -ETIMEDOUT or -errno. */
static int send_full(int fd, const void *buf, size_t n, uint64_t deadline_usec)
{
        const uint8_t *p = buf;

        while (n > 0) {
                ssize_t k = send(fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
                int r;

                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno != EAGAIN)
                                return -errno;
                        r = wait_until(fd, POLLOUT, deadline_usec);
                        if (r < 0)
                                return r;
                        continue;
                }
                p += k;
                n -= (size_t)k;
        }
        return 0;
}

int printer_check_peer(int fd, uid_t uid)
{
        struct ucred cred = {};
        socklen_t len = sizeof(cred);

        if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
                return -errno;
        /* Whoever called listen() on the socket: drvhostd for its sockets, whichever driver serves
         * it. A driver cannot make its own listener look like that. */
        return cred.uid == uid ? 0 : -EPERM;
}

int printer_query_fd(int fd, unsigned timeout_msec, JobInfo *ret)
{
        uint8_t query[JOB_FRAME_HEADER_SIZE + JOB_QUERY_SIZE];
        uint8_t header[JOB_FRAME_HEADER_SIZE];
        _cleanup_free_ uint8_t *payload = NULL;
        uint64_t deadline = now_usec() + (uint64_t)timeout_msec * USEC_PER_MSEC;
        JobFrameHeader h;
        ssize_t n;
        int r;

        n = job_encode_query(query, sizeof(query));
        if (n < 0)
                return (int)n;
        r = send_full(fd, query, (size_t)n, deadline);
        if (r < 0)
                return r;

        r = printer_read_full(fd, header, sizeof(header), deadline);
        if (r < 0)
                return r;
        r = job_frame_header_decode(header, sizeof(header), &h);
        if (r < 0 || h.type != JOB_FRAME_INFO)
                return -EBADMSG;
        payload = malloc(h.length);
        if (!payload)
                return -ENOMEM;
        r = printer_read_full(fd, payload, h.length, deadline);
        if (r < 0)
                return r;
        return job_decode_info(payload, h.length, ret);
}

int printer_query(const char *socket_path, unsigned timeout_msec, JobInfo *ret)
{
        _cleanup_close_ int fd = -EBADF;

        fd = printer_connect(socket_path, timeout_msec);
        if (fd < 0)
                return fd;
        return printer_query_fd(fd, timeout_msec, ret);
}

/* Sends the back-channel bytes to the reader, or drops them when it does not keep up. */
static void backchannel_write(int *fd, const uint8_t *data, size_t n)
{
        if (*fd < 0)
                return;
        if (write_all(*fd, data, n, false, BACKCHANNEL_WRITE_TIMEOUT_MSEC) < 0)
                *fd = -EBADF; /* gone or stuck: not worth failing the job for */
}

/* What the driver said, from a reply frame. Returns 1 when the job is over, 0 to go on. */
static int handle_reply(const JobFrameHeader *h, const uint8_t *payload, int *backchannel_fd, JobResult *ret)
{
        switch (h->type) {
        case JOB_FRAME_BACKCHANNEL:
                backchannel_write(backchannel_fd, payload, h->length);
                return 0;
        case JOB_FRAME_DONE:
                if (job_decode_done(payload, h->length, &ret->bytes) < 0)
                        break;
                ret->done = true;
                return 1;
        case JOB_FRAME_ERROR:
                if (job_decode_error(payload, h->length, &ret->error, &ret->bytes, ret->reason,
                                     sizeof(ret->reason)) < 0)
                        break;
                return 1;
        default:
                break;
        }
        ret->error = JOB_ERROR_PROTOCOL;
        (void)snprintf(ret->reason, sizeof(ret->reason), "unexpected reply from the driver");
        return 1;
}

int printer_send_job(int fd, int input_fd, unsigned copies, uint64_t length, int backchannel_fd,
                     JobResult *ret)
{
        size_t frame_max = JOB_FRAME_HEADER_SIZE + JOB_FRAME_DATA_MAX;
        _cleanup_free_ uint8_t *out = malloc(frame_max), *in = malloc(frame_max);
        size_t out_len = 0, out_off = 0, in_len = 0;
        bool end_queued = false, sending = true;
        unsigned copies_left = copies > 0 ? copies : 1;
        ssize_t n;

        *ret = (JobResult){};
        if (!out || !in)
                return -ENOMEM;
        n = job_encode_request(out, frame_max, length);
        if (n < 0)
                return (int)n;
        out_len = (size_t)n;

        for (;;) {
                struct pollfd pfd[2] = {
                    {.fd = fd, .events = POLLIN | (sending && out_off < out_len ? POLLOUT : 0)},
                    {.fd = input_fd, .events = POLLIN},
                };
                bool want_input = sending && out_off == out_len && !end_queued;

                if (poll(pfd, want_input ? 2 : 1, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }

                /* Replies first: an ERROR makes sending pointless. */
                if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) {
                        n = read(fd, in + in_len, frame_max - in_len);
                        if (n < 0 && errno != EINTR && errno != EAGAIN && errno != ECONNRESET) {
                                (void)snprintf(ret->reason, sizeof(ret->reason),
                                               "connection to the driver failed: %s", strerror(errno));
                                return 0;
                        }
                        /* A driver that dies with our data unread resets the connection instead. */
                        if (n == 0 || (n < 0 && errno == ECONNRESET)) {
                                (void)snprintf(ret->reason, sizeof(ret->reason),
                                               "the driver closed the connection before the job was done");
                                return 0;
                        }
                        in_len += n > 0 ? (size_t)n : 0;
                        for (;;) {
                                JobFrameHeader h;
                                const uint8_t *payload;
                                ssize_t k = job_frame_parse(in, in_len, &h, &payload);

                                if (k < 0) {
                                        ret->error = JOB_ERROR_PROTOCOL;
                                        (void)snprintf(ret->reason, sizeof(ret->reason),
                                                       "malformed reply from the driver");
                                        return 0;
                                }
                                if (k == 0)
                                        break;
                                if (handle_reply(&h, payload, &backchannel_fd, ret) > 0)
                                        return 0;
                                memmove(in, in + k, in_len - (size_t)k);
                                in_len -= (size_t)k;
                        }
                }

                if (sending && out_off < out_len && (pfd[0].revents & POLLOUT)) {
                        n = send(fd, out + out_off, out_len - out_off, MSG_NOSIGNAL | MSG_DONTWAIT);
                        if (n < 0 && errno != EINTR && errno != EAGAIN)
                                /* The driver gave up on the job: its ERROR may still be readable. */
                                sending = false;
                        else if (n > 0)
                                out_off += (size_t)n;
                        continue;
                }

                if (want_input && (pfd[1].revents & (POLLIN | POLLHUP | POLLERR))) {
                        n = read(input_fd, out + JOB_FRAME_HEADER_SIZE, JOB_FRAME_DATA_MAX);
                        if (n < 0) {
                                if (errno == EINTR || errno == EAGAIN)
                                        continue;
                                return -errno;
                        }
                        if (n > 0) {
                                job_encode_data_header(out, JOB_FRAME_DATA, (uint32_t)n);
                                out_len = JOB_FRAME_HEADER_SIZE + (size_t)n;
                                out_off = 0;
                                continue;
                        }
                        if (--copies_left > 0) {
                                if (lseek(input_fd, 0, SEEK_SET) < 0)
                                        return -errno;
                                continue;
                        }
                        n = job_encode_end(out, frame_max);
                        if (n < 0)
                                return (int)n;
                        out_len = (size_t)n;
                        out_off = 0;
                        end_queued = true;
                }
        }
}

const char *job_result_reason(const JobResult *r)
{
        if (r->done)
                return "done";
        if (r->reason[0])
                return r->reason;
        return strna(job_error_to_string(r->error));
}
