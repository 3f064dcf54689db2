/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The first process of every driver unit: gets the device from drvhostd and becomes the driver.
 *
 * It runs inside the unit's sandbox with no device access of its own. drvhostd checks that this
 * process belongs to the unit the binding was made for, then sends the binding (the driver to run
 * and its environment) with the usbfs fd; we put the fd on DRVHOST_DEVICE_FD_NUMBER and exec the
 * driver, which keeps our pid, so systemd supervises the driver itself. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>

#include <systemd/sd-daemon.h>

#include "broker-protocol.h"
#include "launch-payload.h"
#include "log.h"
#include "manifest.h"

/* drvhostd may be restarting; wait that long for its socket. */
enum { CONNECT_ATTEMPTS = 100, CONNECT_RETRY_NSEC = 50 * 1000 * 1000 };

static int broker_connect(void)
{
        struct sockaddr_un sa = {.sun_family = AF_UNIX, .sun_path = DRVHOST_BROKER_SOCKET};
        const struct timespec retry = {.tv_nsec = CONNECT_RETRY_NSEC};
        int r = -EIO;

        for (unsigned i = 0; i < CONNECT_ATTEMPTS; i++) {
                _cleanup_close_ int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

                if (fd < 0)
                        return -errno;
                if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) >= 0)
                        return TAKE_FD(fd);
                r = -errno;
                if (r != -ENOENT && r != -ECONNREFUSED && r != -EAGAIN)
                        return r;
                (void)nanosleep(&retry, NULL);
        }
        return r;
}

/* Receives the binding: payload into buf (NUL-terminated) and its fds (at least the device) into
 * fds; returns how many. */
static int broker_receive(int sock, char *buf, size_t size, int fds[static DRVHOST_BROKER_FDS_MAX])
{
        union {
                struct cmsghdr cmsg;
                char data[CMSG_SPACE(sizeof(int) * DRVHOST_BROKER_FDS_MAX)];
        } control = {};
        struct iovec iov = {.iov_base = buf, .iov_len = size - 1};
        struct msghdr msg = {
            .msg_iov = &iov,
            .msg_iovlen = 1,
            .msg_control = &control,
            .msg_controllen = sizeof(control),
        };
        struct cmsghdr *cmsg;
        size_t n_fds;
        ssize_t n;

        n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
        if (n < 0)
                return -errno;
        if (n == 0)
                return -EPERM; /* drvhostd closed without a word: this unit has no binding */
        if (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC))
                return -EBADMSG;
        buf[n] = '\0';

        cmsg = CMSG_FIRSTHDR(&msg);
        if (!cmsg || cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS ||
            cmsg->cmsg_len < CMSG_LEN(sizeof(int)))
                return -EBADMSG;
        n_fds = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        memcpy(fds, CMSG_DATA(cmsg), n_fds * sizeof(int));
        return (int)n_fds;
}

/* Puts the received fds on base, base + 1, … in the order drvhostd named them (the device first),
 * open across exec, and says where in DRVHOST_<NAME>_FD. */
static int place_fds(int fds[], const LaunchPayload *p, int base)
{
        char number[16];

        /* Out of the way of the numbers they go to first; dup2() onto itself would keep O_CLOEXEC. */
        for (size_t k = 0; k < p->n_fds; k++) {
                int moved = fcntl(fds[k], F_DUPFD_CLOEXEC, base + DRVHOST_BROKER_FDS_MAX);

                if (moved < 0)
                        return -errno;
                safe_close(fds[k]);
                fds[k] = moved;
        }
        for (size_t i = 0; i < p->n_fds; i++) {
                if (dup2(fds[i], base + (int)i) < 0)
                        return -errno;
                fds[i] = safe_close(fds[i]);
                (void)snprintf(number, sizeof(number), "%d", base + (int)i);
                if (setenv(p->fd_variables[i], number, 1) < 0)
                        return -errno;
        }
        return 0;
}

int main(int argc, char *argv[])
{
        char payload[DRVHOST_BROKER_MESSAGE_MAX];
        _cleanup_close_ int sock = -EBADF;
        int fds[DRVHOST_BROKER_FDS_MAX], n_fds, n_listen, r;
        LaunchPayload p;

        if (argc > 1) {
                printf(
                    "Usage: %s\n\nRuns inside drvhost-driver@.service: receives the device from drvhostd\n"
                    "and executes the driver. Not meant to be run by hand.\n",
                    argv[0]);
                return streq(argv[1], "--help") || streq(argv[1], "-h") ? EXIT_SUCCESS : EXIT_FAILURE;
        }

        sock = broker_connect();
        if (sock < 0)
                return log_error_errno(sock, "Failed to reach drvhostd at %s: %m", DRVHOST_BROKER_SOCKET),
                       EXIT_FAILURE;

        n_fds = broker_receive(sock, payload, sizeof(payload), fds);
        if (n_fds == -EPERM)
                return log_error("drvhostd refused to hand over a device: no binding belongs to this unit."),
                       EXIT_FAILURE;
        if (n_fds < 0)
                return log_error_errno(n_fds, "Failed to receive the device from drvhostd: %m"),
                       EXIT_FAILURE;

        /* Done with the socket; it must not linger on the fd numbers the driver expects. */
        sock = safe_close(sock);

        r = launch_payload_parse(payload, (size_t)n_fds, &p);
        if (r == -E2BIG)
                return log_error(
                           "drvhostd sent a driver command line of more than %d words (the program and "
                           "%d arguments) or more than %d variables; refusing to run it truncated.",
                           MANIFEST_EXEC_WORDS_MAX, MANIFEST_EXEC_WORDS_MAX - 1, LAUNCH_PAYLOAD_ENV_MAX),
                       EXIT_FAILURE;
        if (r < 0)
                return log_error_errno(r, "drvhostd sent a malformed binding: %m"), EXIT_FAILURE;
        for (size_t i = 0; i < p.n_env; i++)
                if (setenv(p.env[i].name, p.env[i].value, 1) < 0)
                        return log_error_errno(errno, "Failed to set %s: %m", p.env[i].name), EXIT_FAILURE;

        /* The fds systemd passes from the unit's fd store (the driver's saved state) sit at 3…; ours
         * go right after them. exec keeps our pid, so LISTEN_PID stays right for the driver. */
        n_listen = MAX(sd_listen_fds(false), 0);
        /* sd_listen_fds() marks them close-on-exec; the driver is who needs them. */
        for (int i = 0; i < n_listen; i++)
                (void)fcntl(SD_LISTEN_FDS_START + i, F_SETFD, 0);
        r = place_fds(fds, &p, DRVHOST_DEVICE_FD_NUMBER + n_listen);
        if (r < 0)
                return log_error_errno(r, "Failed to pass on the device's files: %m"), EXIT_FAILURE;

        execv(p.argv[0], p.argv);
        return log_error_errno(errno, "Failed to execute driver %s: %m", p.argv[0]), EXIT_FAILURE;
}
