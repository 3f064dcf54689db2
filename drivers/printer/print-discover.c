/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Finding printers: the socket directory checked, each socket checked and reached through the
 * directory's fd, the listener's uid, the USB serial number from sysfs, the one printer a URI names.
 * See print-discover.h for what is trusted and why. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "macro.h"
#include "print-client.h"
#include "print-discover.h"

/* Writable by group or others. */
#define MODE_WRITABLE_BY_OTHERS (S_IWGRP | S_IWOTH)
/* A socket reached through the directory's fd, not by its path: nothing between the check and the
 * connect can swap the directory. */
#define FD_PATH_FORMAT "/proc/self/fd/%d/%s"

void found_printer_done(FoundPrinter *f)
{
        printer_identity_done(&f->ident);
        f->fd = safe_close(f->fd);
}

bool printer_name_valid(const char *name)
{
        size_t n = strlen(name);

        if (n == 0 || n > PRINTER_NAME_MAX || name[0] < '0' || name[0] > '9')
                return false;
        return strspn(name, "0123456789-.:") == n;
}

int printer_dir_open(const char *path, uid_t owner)
{
        _cleanup_close_ int fd = -EBADF;
        struct stat st;

        fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return errno == ELOOP || errno == ENOTDIR ? -EPERM : -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (st.st_uid != owner || (st.st_mode & MODE_WRITABLE_BY_OTHERS))
                return -EPERM;
        return TAKE_FD(fd);
}

int printer_socket_check(int dir_fd, const char *name, uid_t owner)
{
        struct stat st;

        if (!printer_name_valid(name))
                return -EINVAL;
        if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return -errno;
        if (S_ISLNK(st.st_mode))
                return -ELOOP;
        if (!S_ISSOCK(st.st_mode))
                return -ENOTSOCK;
        return st.st_uid == owner ? 0 : -EPERM;
}

int printer_usb_serial_read(const char *sysfs_usb, const char *name, char *buf, size_t size)
{
        _cleanup_close_ int intf_fd = -EBADF, fd = -EBADF;
        _cleanup_free_ char *path = NULL;
        ssize_t n;

        if (size == 0 || !printer_name_valid(name))
                return -EINVAL;
        buf[0] = '\0';
        if (asprintf(&path, "%s/%s", sysfs_usb, name) < 0)
                return -ENOMEM;
        /* sysfs_usb/name is the kernel's link to the interface; its parent is the device. */
        intf_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (intf_fd < 0)
                return -errno;
        fd = openat(intf_fd, "../serial", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return errno == ENOENT ? 0 : -errno; /* no serial number descriptor */
        n = read(fd, buf, size - 1);
        if (n < 0)
                return -errno;
        buf[n] = '\0';
        buf[strcspn(buf, "\n")] = '\0';
        return 0;
}

static int connect_at(int dir_fd, const char *name, unsigned timeout_msec)
{
        char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
        int n;

        n = snprintf(path, sizeof(path), FD_PATH_FORMAT, dir_fd, name);
        if (n < 0 || (size_t)n >= sizeof(path))
                return -ENAMETOOLONG;
        return printer_connect(path, timeout_msec);
}

int printer_open(const PrinterPlaces *pl, int dir_fd, const char *name, unsigned timeout_msec,
                 FoundPrinter *ret)
{
        int r;

        /* Filled in place: the identity points into *ret. */
        *ret = (FoundPrinter){.fd = -EBADF};
        r = printer_socket_check(dir_fd, name, pl->owner);
        if (r < 0)
                return r;
        (void)snprintf(ret->name, sizeof(ret->name), "%s", name);

        r = connect_at(dir_fd, name, timeout_msec);
        if (r < 0)
                return r;
        ret->fd = r;
        r = printer_check_peer(ret->fd, pl->owner);
        if (r >= 0)
                r = printer_usb_serial_read(pl->sysfs_usb, name, ret->usb_serial, sizeof(ret->usb_serial));
        if (r >= 0)
                r = printer_query_fd(ret->fd, timeout_msec, &ret->info);
        if (r >= 0)
                r = printer_identity_make(ret->info.device_id, ret->usb_serial, ret->name, &ret->ident);
        if (r < 0) {
                ret->fd = safe_close(ret->fd);
                return r;
        }
        return 0;
}

/* Entries that may be printers: not "." and "..", the rest is checked by printer_socket_check(). */
static int entry_filter(const struct dirent *de)
{
        return !streq(de->d_name, ".") && !streq(de->d_name, "..");
}

int printer_discover(const PrinterPlaces *pl, unsigned timeout_msec, PrinterFoundFn found,
                     PrinterSkippedFn skipped, void *userdata)
{
        _cleanup_close_ int dir_fd = -EBADF;
        _cleanup_free_ FoundPrinter *f = NULL;
        struct dirent **names = NULL;
        int n, r = 0;

        dir_fd = printer_dir_open(pl->socket_dir, pl->owner);
        if (dir_fd == -ENOENT)
                return 0;
        if (dir_fd < 0)
                return dir_fd;
        f = malloc(sizeof(*f));
        if (!f)
                return -ENOMEM;
        n = scandirat(dir_fd, ".", &names, entry_filter, alphasort);
        if (n < 0)
                return -errno;

        for (int i = 0; i < n; i++) {
                if (r == 0) {
                        int k = printer_open(pl, dir_fd, names[i]->d_name, timeout_msec, f);

                        if (k < 0) {
                                if (skipped)
                                        skipped(names[i]->d_name, k, userdata);
                        } else {
                                r = found(f, userdata);
                                found_printer_done(f);
                        }
                }
                free(names[i]);
        }
        free(names);
        return r;
}

typedef struct FindContext {
        const PrinterUri *uri;
        char first[PRINTER_NAME_MAX + 1];
        char second[PRINTER_NAME_MAX + 1];
} FindContext;

static int find_one(const FoundPrinter *f, void *userdata)
{
        FindContext *ctx = userdata;

        if (!printer_uri_matches(ctx->uri, &f->ident))
                return 0;
        if (!ctx->first[0]) {
                (void)snprintf(ctx->first, sizeof(ctx->first), "%s", f->name);
                return 0;
        }
        (void)snprintf(ctx->second, sizeof(ctx->second), "%s", f->name);
        return 1;
}

int printer_find(const PrinterPlaces *pl, const PrinterUri *u, unsigned timeout_msec,
                 PrinterSkippedFn skipped, void *userdata, FoundPrinter *ret,
                 char ret_other[PRINTER_NAME_MAX + 1])
{
        FindContext ctx = {.uri = u};
        _cleanup_close_ int dir_fd = -EBADF;
        int r;

        ret_other[0] = '\0';
        r = printer_discover(pl, timeout_msec, find_one, skipped, &ctx);
        if (r < 0)
                return r;
        if (!ctx.first[0])
                return -ENOENT;
        if (ctx.second[0]) {
                *ret = (FoundPrinter){.fd = -EBADF};
                (void)snprintf(ret->name, sizeof(ret->name), "%s", ctx.first);
                (void)snprintf(ret_other, PRINTER_NAME_MAX + 1, "%s", ctx.second);
                return -ENOTUNIQ;
        }

        /* The one match, connected and checked again: the connection that prints is the one whose
         * answer matched. (The listing's connections were closed as it went: one kept open while
         * slow drivers answer would outlast the driver's patience for a request.) */
        dir_fd = printer_dir_open(pl->socket_dir, pl->owner);
        if (dir_fd < 0)
                return dir_fd == -ENOENT ? -ENOENT : dir_fd;
        r = printer_open(pl, dir_fd, ctx.first, timeout_msec, ret);
        if (r < 0) {
                if (skipped)
                        skipped(ctx.first, r, userdata);
                return -ENOENT; /* gone meanwhile */
        }
        if (!printer_uri_matches(u, &ret->ident)) {
                found_printer_done(ret);
                return -ENOENT;
        }
        return 0;
}
