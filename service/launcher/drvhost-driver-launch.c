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

/* Receives the binding: payload into buf (NUL-terminated), the device fd into *ret_fd and, for a
 * PCI binding, the interrupt file into *ret_irq_fd (else -EBADF). */
static int broker_receive(int sock, char *buf, size_t size, int *ret_fd, int *ret_irq_fd)
{
        union {
                struct cmsghdr cmsg;
                char data[CMSG_SPACE(sizeof(int) * 2)];
        } control = {};
        int fds[2] = {-EBADF, -EBADF};
        struct iovec iov = {.iov_base = buf, .iov_len = size - 1};
        struct msghdr msg = {
            .msg_iov = &iov,
            .msg_iovlen = 1,
            .msg_control = &control,
            .msg_controllen = sizeof(control),
        };
        struct cmsghdr *cmsg;
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
            (cmsg->cmsg_len != CMSG_LEN(sizeof(int)) && cmsg->cmsg_len != CMSG_LEN(sizeof(int) * 2)))
                return -EBADMSG;
        memcpy(fds, CMSG_DATA(cmsg), cmsg->cmsg_len - CMSG_LEN(0));
        *ret_fd = fds[0];
        *ret_irq_fd = fds[1];
        return 0;
}

/* Applies the KEY=value lines: EXEC is returned, the rest become environment variables. */
static int apply_payload(char *payload, char **ret_exec)
{
        char *state = NULL, *exec = NULL;

        for (char *line = strtok_r(payload, "\n", &state); line; line = strtok_r(NULL, "\n", &state)) {
                char *eq = strchr(line, '=');

                if (!eq)
                        return -EBADMSG;
                *eq = '\0';
                if (streq(line, DRVHOST_BROKER_KEY_EXEC))
                        exec = eq + 1;
                else if (strneq(line, "DRVHOST_", strlen("DRVHOST_"))) {
                        if (setenv(line, eq + 1, 1) < 0)
                                return -errno;
                } else
                        return -EBADMSG;
        }
        if (!exec || exec[0] != '/')
                return -EBADMSG;
        *ret_exec = exec;
        return 0;
}

int main(int argc, char *argv[])
{
        char payload[DRVHOST_BROKER_MESSAGE_MAX];
        char *exec = NULL, *args[MANIFEST_EXEC_WORDS_MAX + 1] = {}, *state = NULL, number[16];
        _cleanup_close_ int sock = -EBADF;
        int fd = -EBADF, irq_fd = -EBADF, device_fd, n_listen, r;
        size_t n = 0;

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

        r = broker_receive(sock, payload, sizeof(payload), &fd, &irq_fd);
        if (r == -EPERM)
                return log_error("drvhostd refused to hand over a device: no binding belongs to this unit."),
                       EXIT_FAILURE;
        if (r < 0)
                return log_error_errno(r, "Failed to receive the device from drvhostd: %m"), EXIT_FAILURE;

        /* Done with the socket; it must not linger on the fd number the driver expects. */
        sock = safe_close(sock);

        r = apply_payload(payload, &exec);
        if (r < 0)
                return log_error_errno(r, "drvhostd sent a malformed binding: %m"), EXIT_FAILURE;

        /* The fds systemd passes from the unit's fd store (the driver's saved state) sit at 3…; the
         * device goes right after them. exec keeps our pid, so LISTEN_PID stays right for the driver.
         * dup2() onto itself would keep O_CLOEXEC, so clear it explicitly in every case. */
        n_listen = MAX(sd_listen_fds(false), 0);
        /* sd_listen_fds() marks them close-on-exec; the driver is who needs them. */
        for (int i = 0; i < n_listen; i++)
                (void)fcntl(SD_LISTEN_FDS_START + i, F_SETFD, 0);
        device_fd = DRVHOST_DEVICE_FD_NUMBER + n_listen;
        /* The interrupt file goes right after the device; first out of the device's way. */
        if (irq_fd == device_fd) {
                irq_fd = fcntl(irq_fd, F_DUPFD_CLOEXEC, device_fd + 2);
                if (irq_fd < 0)
                        return log_error_errno(errno, "Failed to place interrupt fd: %m"), EXIT_FAILURE;
        }
        if (fd != device_fd) {
                if (dup2(fd, device_fd) < 0)
                        return log_error_errno(errno, "Failed to place device fd: %m"), EXIT_FAILURE;
                safe_close(fd);
        }
        if (fcntl(device_fd, F_SETFD, 0) < 0)
                return log_error_errno(errno, "Failed to pass device fd on: %m"), EXIT_FAILURE;
        (void)snprintf(number, sizeof(number), "%d", device_fd);
        if (setenv(DRVHOST_ENV_DEVICE_FD, number, 1) < 0)
                return log_error_errno(errno, "Failed to set environment: %m"), EXIT_FAILURE;
        if (irq_fd >= 0) {
                if (irq_fd != device_fd + 1) {
                        if (dup2(irq_fd, device_fd + 1) < 0)
                                return log_error_errno(errno, "Failed to place interrupt fd: %m"),
                                       EXIT_FAILURE;
                        safe_close(irq_fd);
                }
                if (fcntl(device_fd + 1, F_SETFD, 0) < 0)
                        return log_error_errno(errno, "Failed to pass interrupt fd on: %m"), EXIT_FAILURE;
                (void)snprintf(number, sizeof(number), "%d", device_fd + 1);
                if (setenv(DRVHOST_ENV_IRQ_FD, number, 1) < 0)
                        return log_error_errno(errno, "Failed to set environment: %m"), EXIT_FAILURE;
        }

        /* The manifest parser refuses longer command lines; refuse rather than run the driver with
         * some of its arguments cut off. */
        for (char *w = strtok_r(exec, " ", &state); w; w = strtok_r(NULL, " ", &state)) {
                if (n >= MANIFEST_EXEC_WORDS_MAX)
                        return log_error("drvhostd sent a driver command line of more than %d words (the "
                                         "program and %d arguments); refusing to run it truncated.",
                                         MANIFEST_EXEC_WORDS_MAX, MANIFEST_EXEC_WORDS_MAX - 1),
                               EXIT_FAILURE;
                args[n++] = w;
        }
        execv(args[0], args);
        return log_error_errno(errno, "Failed to execute driver %s: %m", args[0]), EXIT_FAILURE;
}
