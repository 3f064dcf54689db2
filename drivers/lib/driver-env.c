/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "driver-env.h"
#include "macro.h"

enum {
        /* The largest bInterfaceNumber we accept is DRIVER_INTERFACES_MAX - 1 = 31: two digits. */
        INTERFACE_DIGITS_MAX = 2,
        /* INT_MAX has ten decimal digits. */
        FD_DIGITS_MAX = 10,
};

#define SYSFS_PREFIX "/sys/"
#define MODALIAS_USB_PREFIX "usb:"
#define MODALIAS_PCI_PREFIX "pci:"
#define UNIT_SERVICE_SUFFIX ".service"

/* Like getenv(), over an explicit environment. The first assignment wins, as with getenv(). */
static const char *env_get(char *const *envp, const char *key)
{
        size_t len = strlen(key);

        for (char *const *e = envp; e && *e; e++)
                if (strneq(*e, key, len) && (*e)[len] == '=')
                        return *e + len + 1;
        return NULL;
}

static bool all_digits(const char *s, size_t len)
{
        for (size_t i = 0; i < len; i++)
                if (s[i] < '0' || s[i] > '9')
                        return false;
        return true;
}

/* A plain decimal number: digits only (no sign, no blanks, no leading zeros), at most max_digits. */
static int parse_decimal(const char *s, size_t len, size_t max_digits, unsigned long *ret)
{
        if (len == 0 || len > max_digits || !all_digits(s, len) || (len > 1 && s[0] == '0'))
                return -EINVAL;

        *ret = 0;
        for (size_t i = 0; i < len; i++)
                *ret = *ret * 10 + (unsigned long)(s[i] - '0');
        return 0;
}

static int parse_fd(const char *s, int *ret)
{
        unsigned long v;

        if (parse_decimal(s, strlen(s), FD_DIGITS_MAX, &v) < 0 || v > INT_MAX || v < DRIVER_DEVICE_FD_MIN)
                return -EINVAL;
        *ret = (int)v;
        return 0;
}

/* "0" or "0,1": each a bInterfaceNumber below DRIVER_INTERFACES_MAX, no empty item, no duplicate. */
static int parse_interfaces(const char *s, DriverEnv *e)
{
        uint32_t seen = 0;

        _Static_assert(DRIVER_INTERFACES_MAX <= 32, "interface mask must fit in 32 bits");

        for (const char *p = s;;) {
                size_t len = strcspn(p, ",");
                unsigned long v;

                if (parse_decimal(p, len, INTERFACE_DIGITS_MAX, &v) < 0 || v >= DRIVER_INTERFACES_MAX)
                        return -EINVAL;
                if (seen & (UINT32_C(1) << v))
                        return -EINVAL;
                seen |= UINT32_C(1) << v;
                e->interfaces[e->n_interfaces++] = (uint8_t)v;

                if (p[len] == '\0')
                        return 0;
                p += len + 1; /* skip the ',': an empty item after it fails above */
        }
}

static bool printable_ascii(const char *s)
{
        for (const char *p = s; *p; p++)
                if (*p <= ' ' || *p >= 0x7f)
                        return false;
        return true;
}

static bool valid_driver_name(const char *s)
{
        size_t len = strlen(s);

        if (len == 0 || len > DRIVER_NAME_MAX || s[0] == '-')
                return false;
        return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == len;
}

/* A service unit name as systemd accepts it; systemd-escape produces only these characters. */
static bool valid_unit_name(const char *s)
{
        size_t len = strlen(s), suffix = strlen(UNIT_SERVICE_SUFFIX);

        if (len <= suffix || len >= DRIVER_UNIT_NAME_MAX || !streq(s + len - suffix, UNIT_SERVICE_SUFFIX))
                return false;
        return strspn(s, "abcdefghijklmnopqrstuvwxyz"
                         "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                         "0123456789:-_.\\@") == len;
}

/* An absolute, normalized path below /sys: no "." or ".." component, no empty one, no trailing '/'. */
static bool valid_sysfs_path(const char *s)
{
        size_t len = strlen(s);

        if (len >= DRIVER_DEVICE_PATH_MAX || !strneq(s, SYSFS_PREFIX, strlen(SYSFS_PREFIX)) ||
            !printable_ascii(s))
                return false;

        for (const char *p = s + 1;;) {
                size_t n = strcspn(p, "/");

                if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
                        return false;
                if (p[n] == '\0')
                        return true;
                p += n + 1;
        }
}

static bool valid_modalias_with(const char *s, const char *prefix)
{
        size_t len = strlen(s), n = strlen(prefix);

        return len > n && len < DRIVER_MODALIAS_MAX && strneq(s, prefix, n) && printable_ascii(s);
}

static bool valid_modalias(const char *s)
{
        return valid_modalias_with(s, MODALIAS_USB_PREFIX);
}

static bool valid_pci_modalias(const char *s)
{
        return valid_modalias_with(s, MODALIAS_PCI_PREFIX);
}

static int copy_valid(const char *value, bool (*valid)(const char *), char **ret)
{
        if (!value || !valid(value))
                return -EINVAL;
        *ret = strdup(value);
        return *ret ? 0 : -ENOMEM;
}

int driver_env_parse(DriverEnv *ret, char *const *envp)
{
        DriverEnv e = {.device_fd = -EBADF, .tty_fd = -EBADF, .socket_fd = -EBADF, .control_fd = -EBADF};
        const char *tty_fd = env_get(envp, DRIVER_ENV_TTY_FD),
                   *socket_fd = env_get(envp, DRIVER_ENV_SOCKET_FD),
                   *control_fd = env_get(envp, DRIVER_ENV_CONTROL_FD);
        const char *fd = env_get(envp, DRIVER_ENV_DEVICE_FD),
                   *interfaces = env_get(envp, DRIVER_ENV_INTERFACES);
        int r;

        if (env_get(envp, DRIVER_ENV_IRQ_FD))
                e.bus = DRIVER_BUS_PCI;

        r = fd ? parse_fd(fd, &e.device_fd) : -EINVAL;
        /* A PCI device has no interfaces: drvhostd sends an empty list. */
        if (r >= 0 && !(e.bus == DRIVER_BUS_PCI && interfaces && interfaces[0] == '\0'))
                r = interfaces ? parse_interfaces(interfaces, &e) : -EINVAL;
        if (r >= 0 && tty_fd)
                r = parse_fd(tty_fd, &e.tty_fd);
        if (r >= 0 && socket_fd)
                r = parse_fd(socket_fd, &e.socket_fd);
        if (r >= 0 && control_fd)
                r = parse_fd(control_fd, &e.control_fd);
        if (r >= 0)
                r = copy_valid(env_get(envp, DRIVER_ENV_DEVICE), valid_sysfs_path, &e.device);
        if (r >= 0)
                r = copy_valid(env_get(envp, DRIVER_ENV_DRIVER), valid_driver_name, &e.driver);
        if (r >= 0)
                r = copy_valid(env_get(envp, DRIVER_ENV_UNIT), valid_unit_name, &e.unit);
        if (r >= 0)
                r = copy_valid(env_get(envp, DRIVER_ENV_MODALIAS),
                               e.bus == DRIVER_BUS_PCI ? valid_pci_modalias : valid_modalias, &e.modalias);
        if (r < 0)
                driver_env_done(&e);

        *ret = e;
        return r;
}

void driver_env_done(DriverEnv *e)
{
        free(e->device);
        free(e->driver);
        free(e->unit);
        free(e->modalias);
        *e = (DriverEnv){.device_fd = -EBADF, .tty_fd = -EBADF, .socket_fd = -EBADF, .control_fd = -EBADF};
}
