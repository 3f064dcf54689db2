/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "macro.h"
#include "sysfs-util.h"

int sysfs_driver_name(const char *syspath, char **ret)
{
        _cleanup_free_ char *link = NULL;
        char target[PATH_MAX];
        const char *name;
        ssize_t n;

        if (asprintf(&link, "%s/driver", syspath) < 0)
                return -ENOMEM;
        n = readlink(link, target, sizeof(target) - 1);
        if (n < 0)
                return -errno;
        target[n] = '\0';
        name = strrchr(target, '/');
        *ret = strdup(name ? name + 1 : target);
        return *ret ? 0 : -ENOMEM;
}

bool sysfs_bound_to(const char *syspath, const char *driver)
{
        _cleanup_free_ char *name = NULL;

        return sysfs_driver_name(syspath, &name) >= 0 && streq(name, driver);
}
