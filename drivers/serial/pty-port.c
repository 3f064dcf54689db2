/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kernel-tty.h"
#include "macro.h"
#include "pty-port.h"

#define LINK_TMP_SUFFIX ".new"

enum {
        LINK_NAME_MAX = 256,
};

static int slave_open_once(const PtyPort *p)
{
        int fd;

        /* TIOCGPTPEER (Linux 4.13) opens the very slave of this master, with no path lookup that a
         * racing devpts change could redirect; the path is the fallback for older kernels. O_NOCTTY:
         * the driver is a session leader, and a pty must not become its controlling terminal. */
        fd = ioctl(p->master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (fd < 0 && (errno == EINVAL || errno == ENOTTY))
                fd = open(p->path, O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        safe_close(fd);
        return 0;
}

static int set_default_termios(const PtyPort *p)
{
        struct termios2 t;

        if (ioctl(p->master, TCGETS2, &t) < 0)
                return -errno;
        /* The pty's own default is 38400 without HUPCL; a serial port starts at 9600 and drops DTR when
         * the last user closes it. The rest (cooked mode, echo) is the same for both. */
        t.c_cflag &= ~(tcflag_t)(CBAUD | CIBAUD | CSIZE | CSTOPB | PARENB | PARODD | CMSPAR | CRTSCTS);
        t.c_cflag |= B9600 | CS8 | CREAD | HUPCL | CLOCAL;
        t.c_ispeed = t.c_ospeed = PTY_DEFAULT_RATE;
        if (ioctl(p->master, TCSETS2, &t) < 0)
                return -errno;
        return 0;
}

int pty_port_open(PtyPort *ret)
{
        PtyPort p = {.master = -EBADF};
        int r;

        p.master = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
        if (p.master < 0)
                return -errno;
        /* grantpt() is a check on Linux (devpts sets owner and mode itself; glibc has no pt_chown
         * helper any more), so it works for a DynamicUser= without privileges. */
        if (grantpt(p.master) < 0 || unlockpt(p.master) < 0) {
                r = -errno;
                goto fail;
        }
        r = ptsname_r(p.master, p.path, sizeof(p.path));
        if (r != 0) {
                r = -r;
                goto fail;
        }

        r = set_default_termios(&p);
        if (r < 0)
                goto fail;

        /* A slave that was never opened does not make the master report POLLHUP, one that was opened
         * and closed does; after this, "no POLLHUP" means "a user has it open". */
        r = slave_open_once(&p);
        if (r < 0)
                goto fail;

        *ret = p;
        return 0;
fail:
        safe_close(p.master);
        return r;
}

int pty_port_from_fd(int master, PtyPort *ret)
{
        PtyPort p = {.master = -EBADF};
        int flags, r;

        p.master = fcntl(master, F_DUPFD_CLOEXEC, 0);
        if (p.master < 0)
                return -errno;
        flags = fcntl(p.master, F_GETFL);
        if (flags < 0 || fcntl(p.master, F_SETFL, flags | O_NONBLOCK) < 0) {
                r = -errno;
                goto fail;
        }
        r = ptsname_r(p.master, p.path, sizeof(p.path));
        if (r == ENOTTY) {
                r = kernel_tty_path(p.master, p.path, sizeof(p.path));
                p.kernel = r >= 0;
        } else
                r = -r;
        if (r < 0)
                goto fail;
        *ret = p;
        return 0;
fail:
        safe_close(p.master);
        return r;
}

void pty_port_close(PtyPort *p)
{
        p->master = safe_close(p->master);
}

int pty_port_get_termios(const PtyPort *p, struct termios2 *ret)
{
        if (ioctl(p->master, TCGETS2, ret) < 0)
                return -errno;
        return 0;
}

int pty_port_slave_state(const PtyPort *p)
{
        struct pollfd pfd = {.fd = p->master, .events = POLLIN};

        if (poll(&pfd, 1, 0) < 0)
                return -errno;
        if (pfd.revents & POLLNVAL)
                return -EBADF;
        if (!(pfd.revents & POLLHUP))
                return PTY_SLAVE_OPEN;
        return pfd.revents & POLLIN ? PTY_SLAVE_CLOSED_WITH_OUTPUT : PTY_SLAVE_CLOSED;
}

int pty_port_link(const PtyPort *p, const char *dir, const char *name)
{
        _cleanup_close_ int dfd = -EBADF;
        char tmp[LINK_NAME_MAX];

        if (snprintf(tmp, sizeof(tmp), "%s" LINK_TMP_SUFFIX, name) >= (int)sizeof(tmp))
                return -ENAMETOOLONG;

        dfd = open(dir, O_DIRECTORY | O_PATH | O_CLOEXEC);
        if (dfd < 0)
                return -errno;
        /* Left over by a crash between the two steps below. */
        if (unlinkat(dfd, tmp, 0) < 0 && errno != ENOENT)
                return -errno;
        if (symlinkat(p->path, dfd, tmp) < 0)
                return -errno;
        if (renameat(dfd, tmp, dfd, name) < 0) {
                int r = -errno;

                (void)unlinkat(dfd, tmp, 0);
                return r;
        }
        return 0;
}

int pty_port_unlink(const char *dir, const char *name)
{
        _cleanup_close_ int dfd = -EBADF;

        dfd = open(dir, O_DIRECTORY | O_PATH | O_CLOEXEC);
        if (dfd < 0)
                return errno == ENOENT ? 0 : -errno;
        if (unlinkat(dfd, name, 0) < 0 && errno != ENOENT)
                return -errno;
        return 0;
}
