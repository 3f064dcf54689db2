/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <limits.h>
#include <stdio.h>
#include <unistd.h>

#include "macro.h"
#include "sysfs-util.h"

bool sysfs_bound_to(const char *syspath, const char *driver)
{
        _cleanup_free_ char *link = NULL;
        char target[PATH_MAX];
        const char *name;
        ssize_t n;

        if (asprintf(&link, "%s/driver", syspath) < 0)
                return false;
        n = readlink(link, target, sizeof(target) - 1);
        if (n < 0)
                return false;
        target[n] = '\0';
        name = strrchr(target, '/');
        return streq(name ? name + 1 : target, driver);
}
