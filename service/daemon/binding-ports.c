/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include <drvhost_tty.h>

#include "binding-ports.h"
#include "broker-protocol.h"
#include "drvhost-tty-util.h"
#include "device-string.h"
#include "fdstore.h"
#include "log.h"
#include "macro.h"
#include "socket-util.h"

#define TTY_GROUP "dialout"
#define LINK_TMP_SUFFIX ".new"
/* Where a second device with the same identity gets its link: the first keeps the plain name. */
#define LINK_PORT_INFIX "-port"

enum {
        RUN_DIR_MODE = 0755,
        TTY_MODE = 0660,
        SOCKET_MODE = 0660,
        /* Clients queue here while a driver restarts; the driver serves one job at a time. */
        SOCKET_BACKLOG = 16,
        /* A file name under /run/drvhost/tty/: what is left of NAME_MAX after the fixed parts. */
        SERIAL_NAME_MAX = 128,
};

/* Like a serial port's own node: root and a group of users who may use it. A system without the
 * group gets root only. */
static gid_t group_or_root(const char *name)
{
        struct group *g = getgrnam(name);

        return g ? g->gr_gid : 0;
}

static int mkdir_root(const char *path)
{
        struct stat st;

        if (mkdir(path, RUN_DIR_MODE) < 0 && errno != EEXIST)
                return -errno;
        /* Nobody but root may have made it, or be able to change what is in it. */
        if (lstat(path, &st) < 0)
                return -errno;
        if (!S_ISDIR(st.st_mode) || st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)))
                return -EPERM;
        return 0;
}

int binding_ports_name_tty(Binding *b, const char *vendor, const char *product, const char *serial,
                           unsigned ifnum)
{
        _cleanup_free_ char *safe_serial = NULL, *link = NULL;
        int r;

        /* A device chooses its serial number: it must not choose a path. */
        r = device_string_to_filename(serial, SERIAL_NAME_MAX, &safe_serial);
        if (r == -EINVAL)
                r = device_string_to_filename(b->sysname, SERIAL_NAME_MAX, &safe_serial);
        if (r < 0)
                return r;
        if (asprintf(&link, DRVHOST_TTY_DIR "/usb-%.4s_%.4s_%s-if%02u", strna(vendor), strna(product),
                     safe_serial, ifnum) < 0)
                return -ENOMEM;
        free(b->tty_link);
        b->tty_link = TAKE_PTR(link);
        return 0;
}

/* Whether another binding has its link under this name (two devices with the same serial). */
static bool link_taken(const Binding *b, const char *link)
{
        for (const Binding *o = b->context ? b->context->bindings : NULL; o; o = o->next)
                if (o != b && o->tty_linked && streq(o->tty_link, link))
                        return true;
        return false;
}

static int tty_link_make(Binding *b, const char *target)
{
        _cleanup_free_ char *tmp = NULL;
        char *path;
        int r;

        path = strdup(target);
        if (!path)
                return -ENOMEM;
        free(b->tty_path);
        b->tty_path = path;
        if (!b->tty_link)
                return 0;
        r = mkdir_root(DRVHOST_TTY_DIR);
        if (r < 0)
                return r;
        if (link_taken(b, b->tty_link)) {
                char *alt = NULL;

                if (asprintf(&alt, "%s" LINK_PORT_INFIX "%s", b->tty_link, b->sysname) < 0)
                        return -ENOMEM;
                free(b->tty_link);
                b->tty_link = alt;
        }
        if (asprintf(&tmp, "%s" LINK_TMP_SUFFIX, b->tty_link) < 0)
                return -ENOMEM;
        /* Made aside and renamed over: a stale link from before is replaced at once. */
        (void)unlink(tmp);
        if (symlink(target, tmp) < 0)
                return -errno;
        if (rename(tmp, b->tty_link) < 0) {
                r = -errno;
                (void)unlink(tmp);
                return r;
        }
        b->tty_linked = true;
        return 0;
}

/* A fresh serial port's settings: 9600 8N1, lines dropped when its last user closes it. */
static int tty_defaults(int slave)
{
        struct termios t;

        if (tcgetattr(slave, &t) < 0)
                return -errno;
        t.c_cflag &= ~(tcflag_t)(CSIZE | CSTOPB | PARENB | PARODD | CRTSCTS);
        t.c_cflag |= CS8 | CREAD | HUPCL | CLOCAL;
        if (cfsetspeed(&t, B9600) < 0 || tcsetattr(slave, TCSANOW, &t) < 0)
                return -errno;
        return 0;
}

/* The kernel front end (drvhost_tty): a real tty whose device is the USB interface's child, which udev
 * names /dev/ttyACM<n>, links under /dev/serial/by-id and gives to dialout as for cdc_acm. Fails with
 * -ENOENT when the module is not loaded, -ENODEV when the binding is not an interface's. */
static int tty_open_kernel(Binding *b)
{
        _cleanup_close_ int fd = -EBADF;
        struct drvhost_tty_create create = {};
        char path[PATH_MAX];
        int r;

        if (strlen(b->sysname) >= sizeof(create.parent))
                return -ENODEV;
        strncpy(create.parent, b->sysname, sizeof(create.parent) - 1);
        /* drvhost.service loads the module before drvhostd starts (modprobe@drvhost_tty), where it is
         * installed: only then does its DeviceAllow= for the node take effect. */
        fd = open(DRVHOST_TTY_CONTROL, O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (b->want_tty_usb_serial)
                create.flags |= DRVHOST_TTY_CREATE_USB_SERIAL;
        if (ioctl(fd, DRVHOST_TTY_CREATE, &create) < 0)
                return -errno;
        r = drvhost_tty_node(fd, path, sizeof(path));
        if (r < 0)
                return r;
        r = tty_link_make(b, path);
        if (r < 0)
                return r;
        b->tty_fd = TAKE_FD(fd);
        b->tty_kernel = true;
        return 0;
}

static int tty_open(Binding *b)
{
        _cleanup_close_ int master = -EBADF, slave = -EBADF;
        char path[PATH_MAX];
        int r;

        master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (master < 0)
                return -errno;
        if (unlockpt(master) < 0)
                return -errno;
        /* The very slave of this master, with no path lookup in between. */
        slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (slave < 0)
                return -errno;
        if (fchown(slave, 0, group_or_root(TTY_GROUP)) < 0 || fchmod(slave, TTY_MODE) < 0)
                return -errno;
        r = tty_defaults(slave);
        if (r < 0)
                return r;
        r = ptsname_r(master, path, sizeof(path));
        if (r != 0)
                return -r;
        /* Opened and closed once, the master reports POLLHUP whenever no user has the slave open:
         * that is how the driver knows the port is closed. */
        slave = safe_close(slave);

        r = tty_link_make(b, path);
        if (r < 0)
                return r;
        b->tty_fd = TAKE_FD(master);
        return 0;
}

static int socket_open(Binding *b)
{
        _cleanup_free_ char *path = NULL;
        int fd, r;

        r = mkdir_root(DRVHOST_PRINTER_SOCKET_DIR);
        if (r < 0)
                return r;
        if (asprintf(&path, DRVHOST_PRINTER_SOCKET_DIR "/%s", b->sysname) < 0)
                return -ENOMEM;
        fd = socket_listen_at(path, SOCK_STREAM, SOCKET_MODE, group_or_root(DRVHOST_PRINTER_SOCKET_GROUP),
                              SOCKET_BACKLOG);
        if (fd < 0)
                return fd;
        b->socket_path = TAKE_PTR(path);
        b->socket_fd = fd;
        return 0;
}

int binding_ports_open(Binding *b)
{
        int r = 0;

        if (b->want_tty && b->tty_fd < 0) {
                /* A pty where the kernel front end is not to be had: not installed (ENOENT), or the
                 * binding is not an interface's (ENODEV). Anything else is worth a word. */
                r = tty_open_kernel(b);
                if (r < 0 && r != -ENOENT && r != -ENODEV)
                        log_warning_errno(
                            r, "%s: the kernel serial front end failed, serving a pty instead: %m",
                            b->sysname);
                if (r < 0)
                        r = tty_open(b);
                if (r >= 0)
                        (void)fdstore_push(FDSTORE_TTY, b->driver, b->sysname, b->tty_fd);
        }
        if (r >= 0 && b->want_socket && b->socket_fd < 0) {
                r = socket_open(b);
                if (r >= 0)
                        (void)fdstore_push(FDSTORE_SOCKET, b->driver, b->sysname, b->socket_fd);
        }
        return r;
}

/* The socket's own address: where an earlier drvhostd bound it. */
static int socket_path_of(int fd, char **ret)
{
        struct sockaddr_un sa = {};
        socklen_t len = sizeof(sa);

        if (getsockname(fd, (struct sockaddr *)&sa, &len) < 0)
                return -errno;
        if (sa.sun_family != AF_UNIX || len <= offsetof(struct sockaddr_un, sun_path) ||
            sa.sun_path[0] != '/')
                return -EBADF;
        *ret = strndup(sa.sun_path, len - offsetof(struct sockaddr_un, sun_path));
        return *ret ? 0 : -ENOMEM;
}

int binding_ports_adopt(Binding *b, FdstoreKind kind, int fd)
{
        char path[PATH_MAX];
        int r;

        switch (kind) {
        case FDSTORE_TTY:
                if (b->tty_fd >= 0)
                        return -EEXIST;
                r = ptsname_r(fd, path, sizeof(path));
                if (r == ENOTTY) {
                        r = drvhost_tty_node(fd, path, sizeof(path));
                        if (r < 0)
                                return r;
                        b->tty_kernel = true;
                } else if (r != 0)
                        return -r;
                r = tty_link_make(b, path); /* the link may be gone with /run, or never made */
                if (r < 0)
                        return r;
                b->tty_fd = fd;
                return 0;
        case FDSTORE_SOCKET:
                if (b->socket_fd >= 0)
                        return -EEXIST;
                r = socket_path_of(fd, &b->socket_path);
                if (r < 0)
                        return r;
                b->socket_fd = fd;
                return 0;
        default:
                return -EINVAL;
        }
}

void binding_ports_close(Binding *b)
{
        if (b->tty_linked) {
                (void)unlink(b->tty_link);
                b->tty_linked = false;
        }
        if (b->tty_fd >= 0) {
                fdstore_remove(FDSTORE_TTY, b->driver, b->sysname);
                b->tty_fd = safe_close(b->tty_fd);
                b->tty_kernel = false;
                b->tty_path = mfree(b->tty_path);
        }
        if (b->socket_path) {
                (void)unlink(b->socket_path);
                b->socket_path = mfree(b->socket_path);
        }
        if (b->socket_fd >= 0) {
                fdstore_remove(FDSTORE_SOCKET, b->driver, b->sysname);
                b->socket_fd = safe_close(b->socket_fd);
        }
}
