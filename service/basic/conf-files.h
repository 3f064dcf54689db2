/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Configuration files on a search path, in the manner of systemd's conf-files: the directories come
 * highest priority first (e.g. /etc/x.d, /run/x.d, /usr/lib/x.d); a file name found in several of
 * them is taken from the first one only, and there a symlink to /dev/null (or a /dev/null node)
 * masks it, hiding the files of that name below. This file depends on nothing outside
 * service/basic and never logs. */

#include <stdbool.h>
#include <stddef.h>

typedef struct ConfFile {
        char *path;       /* "<dir>/<name>" */
        const char *name; /* the file name: points into path */
        size_t dir;       /* index into the dirs it was found in: lower is higher priority */
} ConfFile;

/* Told of a directory that exists but cannot be opened or read: its path, a negative errno and
 * what failed ("Failed to open directory", "Failed to read directory"). Return 0 to go on with the
 * other directories, a negative errno to stop (conf_files_list() then returns it). */
typedef int (*ConfFilesErrorFunc)(const char *path, int error, const char *what, void *userdata);

/* Lists the files whose name ends in suffix (NULL or "": every name) in dirs, a NULL-terminated list
 * with the highest priority first. Names starting with '.' are left out, and so are missing
 * directories and masked names (see above). Entries are not checked further: a directory named
 * like a file is listed, for the caller to refuse. The result is sorted by file name. Returns 0 and
 * *ret (an array of *ret_n files, NULL when there are none, to free with conf_files_free()), or
 * -EINVAL, -ENOMEM, or what on_error returned. on_error may be NULL: unreadable directories are
 * then skipped silently. */
int conf_files_list(const char *const *dirs, const char *suffix, ConfFilesErrorFunc on_error, void *userdata,
                    ConfFile **ret, size_t *ret_n);

void conf_files_free(ConfFile *files, size_t n);

/* Whether path masks the files of its name: a symlink to /dev/null, or the /dev/null node itself. */
bool conf_file_is_mask(const char *path);
