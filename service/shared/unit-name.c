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

static const char *const fdname_prefix[_FDSTORE_KIND_MAX] = {
    [FDSTORE_DEVICE] = "",
    [FDSTORE_TTY] = "tty+",
    [FDSTORE_SOCKET] = "socket+",
};

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
        size_t room = DRVHOST_DRIVER_USER_NAME_MAX - strlen(DRVHOST_DRIVER_USER_PREFIX), n_sys = strlen(sysname),
               n_driver = strlen(driver);
        _cleanup_free_ char *device = NULL;
        char *s;

        if (valid_parts(driver, sysname) < 0)
                return -EINVAL;
        if (n_sys + 2 > room)
                return -ENAMETOOLONG;
        n_driver = MIN(n_driver, room - 1 - n_sys);
        /* A cut driver name should not end in its separator. */
        while (n_driver > 1 && driver[n_driver - 1] == '-')
                n_driver--;

        device = strdup(sysname);
        if (!device)
                return -ENOMEM;
        for (char *p = device; *p; p++)
                if (*p == ':' || *p == '.')
                        *p = INSTANCE_SEPARATOR;

        if (asprintf(&s, "%s%.*s%c%s%s", DRVHOST_DRIVER_UNIT_PREFIX, (int)n_driver, driver, INSTANCE_SEPARATOR,
                     device, DRVHOST_DRIVER_UNIT_SUFFIX) < 0)
                return -ENOMEM;
        *ret = s;
        return 0;
}

int driver_fdname(FdstoreKind kind, const char *driver, const char *sysname, char **ret)
{
        char *s;

        if (kind < 0 || kind >= _FDSTORE_KIND_MAX || valid_parts(driver, sysname) < 0)
                return -EINVAL;
        if (asprintf(&s, "%s%s%s%c%s%s", fdname_prefix[kind], DRVHOST_DRIVER_UNIT_PREFIX, driver,
                     INSTANCE_SEPARATOR, sysname, DRVHOST_DRIVER_UNIT_SUFFIX) < 0)
                return -ENOMEM;
        for (char *p = s; *p; p++)
                if (*p == ':')
                        *p = FDNAME_COLON;
        *ret = s;
        return 0;
}

int driver_fdname_parse(const char *fdname, FdstoreKind *ret_kind, char **ret_driver, char **ret_sysname)
{
        size_t prefix = strlen(DRVHOST_DRIVER_UNIT_PREFIX), suffix = strlen(DRVHOST_DRIVER_UNIT_SUFFIX), len;
        _cleanup_free_ char *instance = NULL, *driver = NULL, *sysname = NULL;
        FdstoreKind kind = FDSTORE_DEVICE;
        char *sep;

        /* The device's entry has no prefix; check the others first. */
        for (FdstoreKind k = FDSTORE_DEVICE + 1; k < _FDSTORE_KIND_MAX; k++)
                if (strneq(fdname, fdname_prefix[k], strlen(fdname_prefix[k]))) {
                        kind = k;
                        fdname += strlen(fdname_prefix[k]);
                        break;
                }

        len = strlen(fdname);
        if (len <= prefix + suffix || !strneq(fdname, DRVHOST_DRIVER_UNIT_PREFIX, prefix) ||
            !streq(fdname + len - suffix, DRVHOST_DRIVER_UNIT_SUFFIX))
                return -EINVAL;
        instance = strndup(fdname + prefix, len - prefix - suffix);
        if (!instance)
                return -ENOMEM;
        for (char *p = instance; *p; p++)
                if (*p == FDNAME_COLON)
                        *p = ':';
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

        if (ret_kind)
                *ret_kind = kind;
        if (ret_driver)
                *ret_driver = TAKE_PTR(driver);
        if (ret_sysname)
                *ret_sysname = TAKE_PTR(sysname);
        return 0;
}
