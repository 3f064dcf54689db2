/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "conf-files.h"
#include "macro.h"

#define DEV_NULL "/dev/null"

enum {
        DEV_NULL_MAJOR = 1,
        DEV_NULL_MINOR = 3,
        CONF_FILES_ALLOCATED_MIN = 16,
};

typedef struct Found {
        ConfFile *files;
        size_t n, allocated;
} Found;

static void found_done(Found *f)
{
        conf_files_free(f->files, f->n);
        *f = (Found){};
}

void conf_files_free(ConfFile *files, size_t n)
{
        for (size_t i = 0; i < n; i++)
                free(files[i].path);
        free(files);
}

bool conf_file_is_mask(const char *path)
{
        char target[sizeof(DEV_NULL) + 1];
        struct stat st;
        ssize_t k;

        if (!path)
                return false;
        k = readlink(path, target, sizeof(target) - 1);
        if (k >= 0) {
                target[k] = '\0';
                if (streq(target, DEV_NULL))
                        return true;
        }
        return stat(path, &st) >= 0 && S_ISCHR(st.st_mode) &&
               st.st_rdev == makedev(DEV_NULL_MAJOR, DEV_NULL_MINOR);
}

static bool name_wanted(const char *name, const char *suffix)
{
        size_t n = strlen(name), k = suffix ? strlen(suffix) : 0;

        if (name[0] == '.')
                return false;
        return n > k && streq(name + n - k, suffix ? suffix : "");
}

static int found_add(Found *f, const char *dir, const char *name, size_t index)
{
        ConfFile *c;

        if (f->n >= f->allocated) {
                size_t want = f->allocated ? f->allocated * 2 : CONF_FILES_ALLOCATED_MIN;
                ConfFile *p = reallocarray(f->files, want, sizeof(ConfFile));

                if (!p)
                        return -ENOMEM;
                f->files = p;
                f->allocated = want;
        }
        c = &f->files[f->n];
        if (asprintf(&c->path, "%s/%s", dir, name) < 0)
                return -ENOMEM;
        c->name = c->path + strlen(dir) + 1;
        c->dir = index;
        f->n++;
        return 0;
}

static int scan_dir(Found *f, const char *dir, size_t index, const char *suffix, ConfFilesErrorFunc on_error,
                    void *userdata)
{
        struct dirent *de;
        DIR *d;
        int r = 0;

        d = opendir(dir);
        if (!d) {
                if (errno == ENOENT)
                        return 0;
                return on_error ? on_error(dir, -errno, "Failed to open directory", userdata) : 0;
        }
        for (;;) {
                errno = 0;
                de = readdir(d);
                if (!de) {
                        if (errno != 0 && on_error)
                                r = on_error(dir, -errno, "Failed to read directory", userdata);
                        break;
                }
                if (!name_wanted(de->d_name, suffix))
                        continue;
                r = found_add(f, dir, de->d_name, index);
                if (r < 0)
                        break;
        }
        closedir(d);
        return r;
}

/* By name, and for each name the highest-priority directory first. */
static int conf_file_compare(const void *a, const void *b)
{
        const ConfFile *x = a, *y = b;
        int c = strcmp(x->name, y->name);

        return c != 0 ? c : (x->dir > y->dir) - (x->dir < y->dir);
}

int conf_files_list(const char *const *dirs, const char *suffix, ConfFilesErrorFunc on_error, void *userdata,
                    ConfFile **ret, size_t *ret_n)
{
        _cleanup_(found_done) Found f = {};
        size_t n = 0;
        int r;

        if (!dirs || !ret || !ret_n)
                return -EINVAL;

        for (size_t i = 0; dirs[i]; i++) {
                r = scan_dir(&f, dirs[i], i, suffix, on_error, userdata);
                if (r < 0)
                        return r;
        }
        if (f.n > 0)
                qsort(f.files, f.n, sizeof(ConfFile), conf_file_compare);

        /* Of each name, keep the first (highest priority) unless it is a mask; drop the others. */
        for (size_t i = 0, end; i < f.n; i = end) {
                for (end = i + 1; end < f.n && streq(f.files[end].name, f.files[i].name); end++)
                        ;
                for (size_t j = i + 1; j < end; j++)
                        free(f.files[j].path);
                if (conf_file_is_mask(f.files[i].path))
                        free(f.files[i].path);
                else
                        f.files[n++] = f.files[i];
        }
        f.n = n;
        if (n == 0) {
                *ret = NULL;
                *ret_n = 0;
                return 0;
        }
        *ret = TAKE_PTR(f.files);
        *ret_n = n;
        f = (Found){};
        return 0;
}
