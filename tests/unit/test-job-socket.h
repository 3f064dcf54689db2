/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Both ends of the printer's job socket in tests: a socket bound (and listening) at a path, and
 * reading one whole frame. Uses cmocka's asserts: include after <cmocka.h>. */

#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "job-protocol.h"

/* A socket bound at path (not listening: a stale socket nobody serves). */
static inline int test_socket_bind(const char *path)
{
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

        assert_true(fd >= 0);
        assert_true(strlen(path) < sizeof(sa.sun_path));
        strcpy(sa.sun_path, path);
        assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
        return fd;
}

/* A listening socket at path, as drvhostd makes it for JobSocket=yes. */
static inline int test_socket_listen(const char *path, int backlog)
{
        int fd = test_socket_bind(path);

        assert_int_equal(listen(fd, backlog), 0);
        return fd;
}

/* Reads one whole frame from a blocking fd into buf. Returns its size, 0 at EOF, -1 on error. */
static inline ssize_t test_read_frame(int fd, uint8_t *buf, JobFrameHeader *h)
{
        size_t have = 0;

        for (;;) {
                const uint8_t *payload;
                ssize_t n = job_frame_parse(buf, have, h, &payload);

                if (n != 0)
                        return n;
                n = read(fd, buf + have,
                         have < JOB_FRAME_HEADER_SIZE ? JOB_FRAME_HEADER_SIZE - have
                                                      : JOB_FRAME_HEADER_SIZE + h->length - have);
                if (n <= 0)
                        return n;
                have += (size_t)n;
                if (have >= JOB_FRAME_HEADER_SIZE && job_frame_header_decode(buf, have, h) < 0)
                        return -1;
        }
}
