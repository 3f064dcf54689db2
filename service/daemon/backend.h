/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <systemd/sd-device.h>
#include <stdbool.h>

#include "manifest.h"

typedef struct Binding Binding;

/* How a binding holds its device: one ops table per bus, as libusb puts each OS behind
 * usbi_os_backend. The binding state machine decides when; a backend only does. Every function
 * returns 0 or -errno and logs nothing: the state machine reports. */
typedef struct BackendOps {
        const char *name; /* "usb", "pci" */
        /* Reads what the backend needs of the device (interfaces to claim, device node) into b. */
        int (*init)(Binding *b, sd_device *dev, const Manifest *m);
        /* Takes the device from its kernel driver and opens the files the driver gets. */
        int (*claim)(Binding *b);
        /* After a driver died: fresh files, so nothing the dead one left queued reaches the next. */
        int (*renew)(Binding *b);
        /* Takes back the files an earlier drvhostd kept in the fd store (fd: the stored one). */
        int (*adopt)(Binding *b, int fd);
        /* The file kept in drvhostd's fd store for adoption. */
        int (*stored_fd)(const Binding *b);
        /* Closes our files. The claim may outlive them while the driver's copies are open. */
        void (*close)(Binding *b);
        /* Whether something still holds the device after close (a usbfs claim lasts until the last
         * copy of the file is gone). */
        bool (*held)(const Binding *b);
        /* Gives the device back to the kernel: lets it probe drivers again. */
        int (*return_to_kernel)(Binding *b);
        /* Whether the device is still there and ours to serve. */
        bool (*present)(const Binding *b);
} BackendOps;

extern const BackendOps backend_usb;
extern const BackendOps backend_pci;
