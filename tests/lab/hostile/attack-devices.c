/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Devices and networks beyond its own: /dev nodes (disks, memory, consoles, other USB devices, the
 * gadget side, other ptys), a node of its own making, sockets of other address families, and the
 * broker's hand-over of devices. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <linux/vm_sockets.h>

#include "hostile.h"

#define BROKER_SOCKET "/run/drvhost/broker.sock"

enum {
        USB_DEVICE_MAJOR = 189,
        NODE_MODE = 0600,
        BROKER_REPLY_TIMEOUT_MSEC = 5000,
        BROKER_MESSAGE_MAX = 4096,
        BROKER_FDS_MAX = 4,
        DECIMAL = 10,
};

/* Nodes a driver must not open: the disk, memory, consoles and serial lines, the gadget side of
 * the lab's devices, the kernel driver nodes the lab's devices could have, and other powerful ones. */
static const char *const forbidden_nodes[] = {
    "/dev/vda",        "/dev/sda",         "/dev/mem",     "/dev/kmem",    "/dev/port",
    "/dev/kmsg",       "/dev/console",     "/dev/tty0",    "/dev/tty1",    "/dev/ttyS0",
    "/dev/ttyS1",      "/dev/ttyGS0",      "/dev/ttyACM0", "/dev/usb/lp0", "/dev/g_printer0",
    "/dev/g_printer1", "/dev/drvhost_irq", "/dev/fuse",    "/dev/uinput",  "/dev/loop0",
};

/* Opens path read-write, else read-only; 0 (closed again) or -errno of the read-only attempt. */
static int try_open(const char *path)
{
        int fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);

        if (fd < 0)
                fd = open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        close(fd);
        return 0;
}

/* Tries every path of pattern and the n_extra paths of extra (NULLs skipped); reports what opened. */
static void try_open_all(const char *attempt, const char *pattern, const char *const *extra, size_t n_extra,
                         const char *skip)
{
        char detail[DETAIL_MAX] = "";
        size_t len = 0, tried = 0;
        int first_error = 0;
        glob_t g = {};

        (void)glob(pattern, 0, NULL, &g);
        for (size_t i = 0; i < g.gl_pathc + n_extra; i++) {
                const char *path = i < g.gl_pathc ? g.gl_pathv[i] : extra[i - g.gl_pathc];
                int r;

                if (!path || (skip && strcmp(path, skip) == 0))
                        continue;
                tried++;
                r = try_open(path);
                if (r >= 0 && len < sizeof(detail) - 1)
                        len += (size_t)snprintf(detail + len, sizeof(detail) - len, "%s%s",
                                                len ? " " : "opened ", path);
                else if (r < 0 && first_error == 0)
                        first_error = -r;
        }
        globfree(&g);
        if (len > 0)
                report_succeeded(attempt, detail);
        else if (tried == 0)
                report_denied_because(attempt, "none visible");
        else
                report_denied_because(attempt, errno_name(first_error));
}

/* The /dev/pts/N of the pty drvhostd handed over, if any: that one is ours. */
static void own_pty(char *path, size_t size)
{
        const char *s = getenv("DRVHOST_TTY_FD");
        unsigned n;

        path[0] = '\0';
        if (s && ioctl((int)strtol(s, NULL, DECIMAL), TIOCGPTN, &n) >= 0)
                (void)snprintf(path, size, "/dev/pts/%u", n);
}

static void make_node(void)
{
        const char *rundir = getenv("RUNTIME_DIRECTORY");
        char path[HOSTILE_PATH_MAX];
        int r;

        (void)snprintf(path, sizeof(path), "%s/usb-node", rundir ?: "/tmp");
        (void)unlink(path);
        r = mknod(path, S_IFCHR | NODE_MODE, makedev(USB_DEVICE_MAJOR, 1)) < 0 ? -errno : 0;
        if (r >= 0)
                r = try_open(path);
        report_result("make and open a USB device node (mknod)", r, path);
        (void)unlink(path);
}

void attack_devices(const Victims *v)
{
        char own[HOSTILE_PATH_MAX], attempt[ATTEMPT_NAME_MAX];
        const char *pty = victims_get(v, VICTIM_SERIAL, "PTY");
        /* The victims' nodes by name too, in case a glob of /dev/bus/usb shows nothing. */
        const char *const usb_nodes[] = {victims_get(v, VICTIM_PRINTER, "USBDEV"),
                                         victims_get(v, VICTIM_SERIAL, "USBDEV")};

        try_open_all("open /dev/bus/usb nodes", "/dev/bus/usb/*/*", usb_nodes,
                     sizeof(usb_nodes) / sizeof(usb_nodes[0]), NULL);
        for (size_t i = 0; i < sizeof(forbidden_nodes) / sizeof(forbidden_nodes[0]); i++) {
                (void)snprintf(attempt, sizeof(attempt), "open %s", forbidden_nodes[i]);
                report_result(attempt, try_open(forbidden_nodes[i]), forbidden_nodes[i]);
        }
        make_node();

        if (pty)
                report_result("open serial's pty", try_open(pty), pty);
        else
                report_info("no SERIAL_PTY in the victims file");
        own_pty(own, sizeof(own));
        try_open_all("open another pty", "/dev/pts/[0-9]*", NULL, 0, own[0] ? own : NULL);
}

void attack_network(void)
{
        static const struct {
                const char *name;
                int family, type, protocol;
        } families[] = {
            {"AF_INET", AF_INET, SOCK_STREAM, 0},
            {"AF_INET (UDP)", AF_INET, SOCK_DGRAM, 0},
            {"AF_INET6", AF_INET6, SOCK_STREAM, 0},
            {"AF_NETLINK (route)", AF_NETLINK, SOCK_RAW, NETLINK_ROUTE},
            {"AF_NETLINK (uevents)", AF_NETLINK, SOCK_RAW, NETLINK_KOBJECT_UEVENT},
            {"AF_PACKET", AF_PACKET, SOCK_RAW, 0},
            {"AF_VSOCK", AF_VSOCK, SOCK_STREAM, 0},
        };

        for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
                char attempt[ATTEMPT_NAME_MAX];
                int fd = socket(families[i].family, families[i].type | SOCK_CLOEXEC, families[i].protocol);

                (void)snprintf(attempt, sizeof(attempt), "open an %s socket", families[i].name);
                report_result(attempt, fd < 0 ? -errno : 0, "socket() returned an fd");
                if (fd >= 0)
                        close(fd);
        }
}

/* Whether fd is one of the files drvhostd handed us: the device, and the pty master and job socket
 * of TTYLink=/JobSocket= (every pty master is the same ptmx node: they differ in their pty number),
 * or a fault channel, which drvhostd makes anew for each hand-over: an unnamed socket whose other
 * end drvhostd (root) holds. */
static bool own_file(int fd)
{
        static const char *const vars[] = {"DRVHOST_DEVICE_FD", "DRVHOST_IRQ_FD", "DRVHOST_TTY_FD",
                                           "DRVHOST_SOCKET_FD"};
        struct sockaddr_un peer_addr = {};
        socklen_t addr_len = sizeof(peer_addr), cred_len;
        struct ucred cred = {};
        struct stat got, own;

        if (fstat(fd, &got) < 0)
                return false;
        cred_len = sizeof(cred);
        if (S_ISSOCK(got.st_mode) && getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cred_len) >= 0 &&
            cred.uid == 0 && getpeername(fd, (struct sockaddr *)&peer_addr, &addr_len) >= 0 &&
            addr_len <= sizeof(sa_family_t))
                return true;
        for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
                const char *v = getenv(vars[i]);
                int own_fd = v ? (int)strtol(v, NULL, DECIMAL) : -1;
                unsigned a, b;

                if (own_fd < 0 || fstat(own_fd, &own) < 0 || got.st_dev != own.st_dev ||
                    got.st_ino != own.st_ino || got.st_rdev != own.st_rdev)
                        continue;
                if (!S_ISCHR(got.st_mode))
                        return true;
                if (ioctl(fd, TIOCGPTN, &a) < 0 || ioctl(own_fd, TIOCGPTN, &b) < 0)
                        return true; /* not a pty master: the node itself is the object */
                if (a == b)
                        return true;
        }
        return false;
}

/* Asks the broker for a device the way the launcher does; anything but our own files is a breach. */
void attack_broker(void)
{
        static const char attempt[] = "get another binding's device from the broker";
        struct sockaddr_un sa = {.sun_family = AF_UNIX, .sun_path = BROKER_SOCKET};
        union {
                struct cmsghdr cmsg;
                char data[CMSG_SPACE(sizeof(int) * BROKER_FDS_MAX)];
        } control = {};
        char buf[BROKER_MESSAGE_MAX], detail[DETAIL_MAX] = "";
        struct iovec iov = {.iov_base = buf, .iov_len = sizeof(buf)};
        struct msghdr msg = {
            .msg_iov = &iov, .msg_iovlen = 1, .msg_control = &control, .msg_controllen = sizeof(control)};
        const char *own_s = getenv("DRVHOST_DEVICE_FD");
        struct stat own = {}, got;
        struct pollfd pfd;
        struct cmsghdr *cmsg;
        size_t len = 0, n_fds = 0;
        ssize_t n;
        int fd;

        if (!own_s || fstat((int)strtol(own_s, NULL, DECIMAL), &own) < 0)
                report_info("its own device fd (DRVHOST_DEVICE_FD=%s) is not there", own_s ? own_s : "");
        fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
                report_denied_because(attempt, errno_name(errno));
                if (fd >= 0)
                        close(fd);
                return;
        }
        pfd = (struct pollfd){.fd = fd, .events = POLLIN};
        if (poll(&pfd, 1, BROKER_REPLY_TIMEOUT_MSEC) <= 0) {
                close(fd);
                report_denied_because(attempt, "no reply");
                return;
        }
        n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
        close(fd);
        if (n <= 0) {
                report_denied_because(attempt, n < 0 ? errno_name(errno) : "closed without a message");
                return;
        }
        for (cmsg = CMSG_FIRSTHDR(&msg); cmsg; cmsg = CMSG_NXTHDR(&msg, cmsg)) {
                int fds[BROKER_FDS_MAX];
                size_t k;

                if (cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS)
                        continue;
                k = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
                memcpy(fds, CMSG_DATA(cmsg), k * sizeof(int));
                for (size_t i = 0; i < k; i++, n_fds++) {
                        if (fstat(fds[i], &got) == 0 && !own_file(fds[i]) && len < sizeof(detail) - 1)
                                len +=
                                    (size_t)snprintf(detail + len, sizeof(detail) - len,
                                                     "%sa foreign device %u:%u (its own is %u:%u)",
                                                     len ? ", " : "", major(got.st_rdev), minor(got.st_rdev),
                                                     major(own.st_rdev), minor(own.st_rdev));
                        close(fds[i]);
                }
        }
        if (len > 0)
                report_succeeded(attempt, detail);
        else
                report_denied_because(attempt,
                                      n_fds > 0 ? "only its own device again" : "a reply without a device");
}
