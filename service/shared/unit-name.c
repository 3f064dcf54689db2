/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker-protocol.h"
#include "macro.h"
#include "unit-name.h"

#define DRIVER_NAME_CHARS "abcdefghijklmnopqrstuvwxyz0123456789-"
#define USB_SYSNAME_CHARS "0123456789abcdef.:-" /* USB ports and interfaces; PCI addresses */
#define INSTANCE_SEPARATOR '_'
#define FDNAME_COLON '+'
/* systemd's limit on unit name length. */
enum { UNIT_NAME_MAX = 255 };

static int valid_parts(const char *driver, const char *sysname)
{
        if (!*driver || driver[strspn(driver, DRIVER_NAME_CHARS)] != '\0')
                return -EINVAL;
        if (!*sysname || sysname[strspn(sysname, USB_SYSNAME_CHARS)] != '\0')
                return -EINVAL;
        return 0;
}

int driver_unit_name(const char *driver, const char *sysname, char **ret)
{
        char *s;

        if (valid_parts(driver, sysname) < 0)
                return -EINVAL;
        if (asprintf(&s, "%s%s%c%s%s", DRVHOST_DRIVER_UNIT_PREFIX, driver, INSTANCE_SEPARATOR, sysname,
                     DRVHOST_DRIVER_UNIT_SUFFIX) < 0)
                return -ENOMEM;
        if (strlen(s) > UNIT_NAME_MAX) {
                free(s);
                return -EINVAL;
        }
        *ret = s;
        return 0;
}

int driver_unit_name_parse(const char *unit, char **ret_driver, char **ret_sysname)
{
        size_t prefix = strlen(DRVHOST_DRIVER_UNIT_PREFIX), suffix = strlen(DRVHOST_DRIVER_UNIT_SUFFIX);
        size_t len = strlen(unit);
        _cleanup_free_ char *instance = NULL, *driver = NULL, *sysname = NULL;
        char *sep;

        if (len <= prefix + suffix || !strneq(unit, DRVHOST_DRIVER_UNIT_PREFIX, prefix) ||
            !streq(unit + len - suffix, DRVHOST_DRIVER_UNIT_SUFFIX))
                return -EINVAL;

        instance = strndup(unit + prefix, len - prefix - suffix);
        if (!instance)
                return -ENOMEM;
        sep = strchr(instance, INSTANCE_SEPARATOR);
        if (!sep)
                return -EINVAL;
        *sep = '\0';
        driver = strdup(instance);
        sysname = strdup(sep + 1);
        if (!driver || !sysname)
                return -ENOMEM;
        if (valid_parts(driver, sysname) < 0)
                return -EINVAL;

        if (ret_driver)
                *ret_driver = TAKE_PTR(driver);
        if (ret_sysname)
                *ret_sysname = TAKE_PTR(sysname);
        return 0;
}

static int replace_char(const char *s, char from, char to, char **ret)
{
        char *copy = strdup(s);

        if (!copy)
                return -ENOMEM;
        for (char *p = copy; *p; p++)
                if (*p == from)
                        *p = to;
        *ret = copy;
        return 0;
}

int driver_unit_to_fdname(const char *unit, char **ret)
{
        if (driver_unit_name_parse(unit, NULL, NULL) < 0)
                return -EINVAL;
        return replace_char(unit, ':', FDNAME_COLON, ret);
}

int driver_unit_from_fdname(const char *fdname, char **ret)
{
        _cleanup_free_ char *unit = NULL;
        int r;

        r = replace_char(fdname, FDNAME_COLON, ':', &unit);
        if (r < 0)
                return r;
        if (driver_unit_name_parse(unit, NULL, NULL) < 0)
                return -EINVAL;
        *ret = TAKE_PTR(unit);
        return 0;
}
