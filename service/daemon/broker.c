/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <systemd/sd-login.h>

#include "binding-control.h"
#include "binding.h"
#include "broker-protocol.h"
#include "broker.h"
#include "log.h"
#include "socket-util.h"
#include "time-util.h"

/* Driver units run under DynamicUser= with ever-changing uids, so the socket is open to all and
 * the check is on the peer's unit (and that its uid is the one of the process we looked at). */
enum { BROKER_SOCKET_MODE = 0666, BROKER_BACKLOG = 64 };

#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77 /* Linux 6.5; not in Debian 12's headers */
#endif

/* The files a driver process gets, in the order they go and with the names the launcher puts
 * them under (DRVHOST_<NAME>_FD). */
static size_t binding_fds(const Binding *b, int control, int fds[static DRVHOST_BROKER_FDS_MAX], char *names,
                          size_t size)
{
        const struct {
                int fd;
                const char *name;
        } all[DRVHOST_BROKER_FDS_MAX] = {
            {b->fd, DRVHOST_BROKER_FD_DEVICE},    {b->irq_fd, DRVHOST_BROKER_FD_IRQ},
            {b->tty_fd, DRVHOST_BROKER_FD_TTY},   {b->socket_fd, DRVHOST_BROKER_FD_SOCKET},
            {control, DRVHOST_BROKER_FD_CONTROL},
        };
        size_t n = 0, len = 0;

        names[0] = '\0';
        for (size_t i = 0; i < ELEMENTSOF(all); i++) {
                if (all[i].fd < 0)
                        continue;
                fds[n++] = all[i].fd;
                len += (size_t)snprintf(names + len, size - len, "%s%s", len ? "," : "", all[i].name);
        }
        return n;
}

static int send_binding(int fd, const Binding *b, int control_fd)
{
        char payload[DRVHOST_BROKER_MESSAGE_MAX];
        char interfaces[128] = "", names[64];
        union {
                struct cmsghdr cmsg;
                char buf[CMSG_SPACE(sizeof(int) * DRVHOST_BROKER_FDS_MAX)];
        } control = {};
        int fds[DRVHOST_BROKER_FDS_MAX];
        size_t n_fds = binding_fds(b, control_fd, fds, names, sizeof(names));
        struct iovec iov;
        struct msghdr msg = {
            .msg_iov = &iov,
            .msg_iovlen = 1,
            .msg_control = &control,
            .msg_controllen = sizeof(control),
        };
        struct cmsghdr *cmsg;
        size_t n = 0;
        int len;

        for (unsigned i = 0; i < 32; i++)
                if (b->interfaces & (UINT32_C(1) << i))
                        n += (size_t)snprintf(interfaces + n, sizeof(interfaces) - n, "%s%u", n ? "," : "",
                                              i);

        len = snprintf(payload, sizeof(payload), "%s=%s\n%s=%s\n%s=%s\n%s=%s\n%s=%s\n%s=%s\n%s=%s\n",
                       DRVHOST_BROKER_KEY_EXEC, b->exec, DRVHOST_BROKER_KEY_FDS, names, DRVHOST_ENV_DEVICE,
                       b->syspath, DRVHOST_ENV_DRIVER, b->driver, DRVHOST_ENV_UNIT, b->unit,
                       DRVHOST_ENV_INTERFACES, interfaces, DRVHOST_ENV_MODALIAS, strempty(b->modalias));
        if (len < 0 || (size_t)len >= sizeof(payload))
                return -E2BIG;
        iov = (struct iovec){.iov_base = payload, .iov_len = (size_t)len};

        cmsg = CMSG_FIRSTHDR(&msg);
        cmsg->cmsg_level = SOL_SOCKET;
        cmsg->cmsg_type = SCM_RIGHTS;
        cmsg->cmsg_len = CMSG_LEN(sizeof(int) * n_fds);
        memcpy(CMSG_DATA(cmsg), fds, sizeof(int) * n_fds);
        msg.msg_controllen = CMSG_SPACE(sizeof(int) * n_fds);

        if (sendmsg(fd, &msg, MSG_NOSIGNAL) < 0)
                return -errno;
        return 0;
}

/* A driver process that asked for its device while the backoff delay after a crash runs, or before
 * drvhostd saw its predecessor die: it gets the device when the delay is over. Its unit waits in
 * "activating" meanwhile, within its start timeout (the delay is capped below that and below the
 * watchdog timeout). */
typedef struct PendingPeer {
        Context *context;
        int fd;
        char *unit;
        pid_t pid;
        uint64_t since_usec; /* when it asked */
} PendingPeer;

/* systemd restarts a driver at once (RestartSec=), possibly before its death reached drvhostd: the
 * device's file, renewed only when drvhostd handles the death, must not go to the new process
 * before. The broker looks again this often, and serves anyway after the longest wait (a death
 * drvhostd would never see cannot hold a driver back for good). */
#define PREDECESSOR_POLL_USEC (10 * USEC_PER_MSEC)
#define PREDECESSOR_WAIT_MAX_USEC (5 * USEC_PER_SEC)

/* How long to hold back the process pid of b's unit, which asked at since: the backoff delay, or a
 * poll while the process served before it is, as far as drvhostd knows, serving still. */
static uint64_t hold_back(const Binding *b, pid_t pid, uint64_t since)
{
        uint64_t now = now_usec(), delay = binding_start_delay(b, now);

        if (delay > 0)
                return delay;
        if (b->served_pid > 0 && b->served_pid != pid && b->state == BINDING_RUNNING &&
            now < since + PREDECESSOR_WAIT_MAX_USEC)
                return PREDECESSOR_POLL_USEC;
        return 0;
}

static void pending_peer_free(void *userdata)
{
        PendingPeer *p = userdata;

        safe_close(p->fd);
        free(p->unit);
        free(p);
}

static void serve(Context *c, int fd, const char *unit, pid_t pid)
{
        Binding *b = binding_find_by_unit(c, unit);
        _cleanup_close_ int control = -EBADF;
        int r;

        if (!b || b->fd < 0) {
                log_warning("Refusing device to pid " PID_FMT " of %s: no binding belongs to that unit.",
                            pid, unit);
                return;
        }
        /* A driver without its fault channel still serves: only the library's faults are lost. */
        control = binding_control_open(b);
        if (control < 0)
                log_warning_errno(control, "Failed to make the fault channel of %s: %m", unit);
        r = send_binding(fd, b, control);
        if (r < 0)
                return (void)log_warning_errno(r, "Failed to send device of %s to %s: %m", b->syspath, unit);
        b->served_pid = pid;
        log_debug("Handed %s to %s (pid " PID_FMT ").", b->syspath, unit, pid);
}

static int on_delay_over(sd_event_source *s, uint64_t usec _unused_, void *userdata)
{
        PendingPeer *p = userdata;
        Binding *b = binding_find_by_unit(p->context, p->unit);
        uint64_t delay = b ? hold_back(b, p->pid, p->since_usec) : 0;

        if (delay > 0 && sd_event_source_set_time_relative(s, delay) >= 0 &&
            sd_event_source_set_enabled(s, SD_EVENT_ONESHOT) >= 0)
                return 0;
        serve(p->context, p->fd, p->unit, p->pid);
        /* Ours again, and gone: its destroy callback frees p. */
        (void)sd_event_source_set_floating(s, false);
        sd_event_source_unref(s);
        return 0;
}

static int defer(Context *c, int *fd, char **unit, pid_t pid, uint64_t delay)
{
        sd_event_source *s = NULL;
        PendingPeer *p;
        int r;

        p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        *p = (PendingPeer){
            .context = c, .fd = TAKE_FD(*fd), .unit = TAKE_PTR(*unit), .pid = pid, .since_usec = now_usec()};
        r = sd_event_add_time_relative(c->event, &s, CLOCK_MONOTONIC, delay, 0, on_delay_over, p);
        if (r < 0) {
                pending_peer_free(p);
                return r;
        }
        /* The event loop owns it from here, and frees p with it, also when drvhostd exits first. */
        (void)sd_event_source_set_destroy_callback(s, pending_peer_free);
        (void)sd_event_source_set_floating(s, true);
        sd_event_source_unref(s);
        return 0;
}

/* The effective uid of a process, as the kernel recorded it for a connection. */
static int pid_uid(pid_t pid, uid_t *ret)
{
        _cleanup_fclose_ FILE *f = NULL;
        char path[PATH_MAX], line[LINE_MAX];
        unsigned long real, effective;

        (void)snprintf(path, sizeof(path), "/proc/" PID_FMT "/status", pid);
        f = fopen(path, "re");
        if (!f)
                return -errno;
        while (fgets(line, sizeof(line), f))
                if (sscanf(line, "Uid: %lu %lu", &real, &effective) == 2) {
                        *ret = (uid_t)effective;
                        return 0;
                }
        return -EBADMSG;
}

/* The unit of the process at the other end. SO_PEERCRED's pid is only a number by the time we look
 * it up: that process may have died and its pid gone to another binding's launcher. So we pin the
 * process (the peer's own pidfd where the kernel has SO_PEERPIDFD, 6.5; else one opened now), look
 * up its unit and uid, and check that it is still alive (then the pid was not reused after the pin)
 * and has the uid the kernel recorded at connect() (then it is the connecting process's binding:
 * each has a uid of its own, User=drv-%i). */
static int peer_unit(int fd, struct ucred *cred, char **ret)
{
        _cleanup_close_ int pidfd = -EBADF;
        _cleanup_free_ char *unit = NULL;
        socklen_t len = sizeof(*cred);
        uid_t uid;
        int r;

        if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, cred, &len) < 0)
                return -errno;
        len = sizeof(pidfd);
        if (getsockopt(fd, SOL_SOCKET, SO_PEERPIDFD, &pidfd, &len) < 0) {
                if (errno != ENOPROTOOPT && errno != EINVAL)
                        return -errno;
                pidfd = pidfd_open(cred->pid, 0);
                if (pidfd < 0)
                        return -errno;
        }
        r = sd_pid_get_unit(cred->pid, &unit);
        if (r < 0)
                return r;
        r = pid_uid(cred->pid, &uid);
        if (r < 0)
                return r;
        /* EPERM says it lives: drvhostd has no CAP_KILL for another uid's process. */
        if (pidfd_send_signal(pidfd, 0, NULL, 0) < 0 && errno != EPERM)
                return -errno; /* ESRCH: it died, the pid may be anyone's now */
        if (uid != cred->uid)
                return -ESRCH; /* another process has that pid now */
        *ret = TAKE_PTR(unit);
        return 0;
}

static int on_connection(sd_event_source *s _unused_, int listen_fd, uint32_t revents _unused_,
                         void *userdata)
{
        Context *c = userdata;
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *unit = NULL;
        struct ucred cred = {.pid = -1, .uid = (uid_t)-1};
        Binding *b;
        uint64_t delay;
        int r;

        fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0) {
                log_debug_errno(errno, "Failed to accept broker connection: %m");
                return 0;
        }

        r = peer_unit(fd, &cred, &unit);
        if (r < 0) {
                log_warning_errno(r, "Refusing device to pid " PID_FMT " (uid %u): %m", cred.pid,
                                  (unsigned)cred.uid);
                return 0;
        }

        b = binding_find_by_unit(c, unit);
        delay = b ? hold_back(b, cred.pid, now_usec()) : 0;
        if (delay > 0) {
                r = defer(c, &fd, &unit, cred.pid, delay);
                if (r < 0)
                        log_warning_errno(
                            r, "Failed to hold the device of %s back for its backoff delay: %m", b->unit);
                return 0;
        }
        serve(c, fd, unit, cred.pid);
        return 0;
}

int broker_start(Context *c)
{
        _cleanup_close_ int fd = -EBADF;
        int r;

        fd = socket_listen_at(c->broker_path, SOCK_SEQPACKET | SOCK_NONBLOCK, BROKER_SOCKET_MODE, (gid_t)-1,
                              BROKER_BACKLOG);
        if (fd < 0)
                return log_error_errno(fd, "Failed to listen on the broker socket %s: %m", c->broker_path);

        r = sd_event_add_io(c->event, &c->broker_source, fd, EPOLLIN, on_connection, c);
        if (r < 0)
                return log_error_errno(r, "Failed to watch broker socket: %m");
        r = sd_event_source_set_io_fd_own(c->broker_source, true);
        if (r < 0)
                return log_error_errno(r, "Failed to hand broker socket to event loop: %m");
        TAKE_FD(fd);
        (void)sd_event_source_set_description(c->broker_source, "broker");
        return 0;
}
