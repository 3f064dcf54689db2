/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The environment a driver process is started with: the launcher in drvhost-driver@.service puts the
 * device's fd on DRVHOST_DEVICE_FD and describes the binding in the other DRVHOST_* variables. A USB
 * binding's fd is a usbfs file and DRVHOST_INTERFACES names at least one interface; a PCI binding's
 * fd is its BAR 0 (resource0), DRVHOST_IRQ_FD names its drvhost_irq file, DRVHOST_INTERFACES is
 * empty and the modalias is a "pci:" one. The
 * names must stay in step with service/shared/broker-protocol.h, which is the daemon's side of the
 * same contract. Parsing is kept apart from libusb so that tests can feed it fake environments. */

#include <stddef.h>
#include <stdint.h>

#define DRIVER_ENV_DEVICE_FD "DRVHOST_DEVICE_FD"
#define DRIVER_ENV_DEVICE "DRVHOST_DEVICE"
#define DRIVER_ENV_DRIVER "DRVHOST_DRIVER"
#define DRIVER_ENV_UNIT "DRVHOST_UNIT"
#define DRIVER_ENV_INTERFACES "DRVHOST_INTERFACES"
#define DRIVER_ENV_MODALIAS "DRVHOST_MODALIAS"
#define DRIVER_ENV_IRQ_FD "DRVHOST_IRQ_FD"
#define DRIVER_ENV_TTY_FD "DRVHOST_TTY_FD"
#define DRIVER_ENV_SOCKET_FD "DRVHOST_SOCKET_FD"
#define DRIVER_ENV_CONTROL_FD "DRVHOST_CONTROL_FD"

enum {
        /* USBDEVFS_DROP_PRIVILEGES takes a 32-bit mask of the interfaces the file may claim, so no
         * interface number above 31 can ever be granted to a driver. */
        DRIVER_INTERFACES_MAX = 32,
        /* fds 0-2 are stdio; the launcher never puts the device there. */
        DRIVER_DEVICE_FD_MIN = 3,
        /* Same rule as a manifest's Name= (service/shared/manifest.h): 1..32 of [a-z0-9-]. */
        DRIVER_NAME_MAX = 32,
        /* systemd's UNIT_NAME_MAX, terminating NUL included. */
        DRIVER_UNIT_NAME_MAX = 256,
        /* A sysfs path is a path: PATH_MAX, terminating NUL included. */
        DRIVER_DEVICE_PATH_MAX = 4096,
        /* The kernel's modalias buffer for USB interfaces is far smaller; anything longer is garbage. */
        DRIVER_MODALIAS_MAX = 256,
};

typedef enum DriverBus {
        DRIVER_BUS_USB, /* the default: a usbfs fd, libusb */
        DRIVER_BUS_PCI, /* DRVHOST_IRQ_FD is set: a BAR fd and an interrupt file, no libusb */
} DriverBus;

typedef struct DriverEnv {
        DriverBus bus;
        int device_fd;
        int tty_fd;     /* DRVHOST_TTY_FD: the pty master drvhostd made (TTYLink=yes), else -EBADF */
        int socket_fd;  /* DRVHOST_SOCKET_FD: the listening socket drvhostd made (JobSocket=yes), else -EBADF
                         */
        int control_fd; /* DRVHOST_CONTROL_FD: the fault channel (driver-faults.c), else -EBADF */
        char *device;   /* sysfs path of the USB interface or PCI device */
        char *driver;   /* manifest name */
        char *unit;     /* our unit's name */
        char *modalias; /* the interface's modalias */
        uint8_t interfaces[DRIVER_INTERFACES_MAX]; /* in the order given, no duplicates */
        size_t n_interfaces;                       /* at least 1 for USB, 0 for PCI */
} DriverEnv;

/* Parses a NULL-terminated "KEY=value" array (such as environ) into *ret. Every variable is required
 * and validated strictly; DRVHOST_IRQ_FD, when present, makes the binding a PCI one (its value is
 * parsed by drvhost_irq_new_from_env()); DRVHOST_TTY_FD and DRVHOST_SOCKET_FD are optional. Returns 0,
 * -EINVAL for a missing or malformed variable (with *ret left empty), or -ENOMEM. The fd is only parsed
 * here, not checked for being open. */
int driver_env_parse(DriverEnv *ret, char *const *envp);

/* Frees the strings and resets e to empty. Safe to call on an empty or already released DriverEnv. */
void driver_env_done(DriverEnv *e);
