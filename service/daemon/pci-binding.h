/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <libudev.h>
#include <stdbool.h>

#include "binding.h"
#include "context.h"

/* A user-mode PCI driver's binding: the device goes to the drvhost_irq kernel helper (through
 * driver_override), drvhostd binds a /dev/drvhost_irq file to its interrupt and opens its BAR 0
 * (sysfs resource0), and the driver unit receives both fds: DRVHOST_DEVICE_FD (the BAR) and
 * DRVHOST_IRQ_FD (the interrupt). */

/* A PCI device event: an added device is bound if a manifest matches, a removed one that is bound
 * is released. Returns true if the event was ours (handled, or failed and logged), false if the
 * device is none of ours (the caller goes on to classify it). */
bool pci_binding_dispatch(Context *c, const char *action, struct udev_device *dev);

/* The binding is released (its unit is down): closes the interrupt file, takes the device from the
 * helper and lets the kernel probe a driver for it. */
void pci_binding_return(Binding *b);
/* Takes back a PCI binding from the fd store of an earlier drvhostd: its interrupt file, stored under
 * the unit's name; the BAR is opened again. Returns 1 if adopted, 0 if unit is not a PCI binding
 * (the caller tries USB), -errno on failure (the caller still owns fd). */
int pci_binding_adopt(Context *c, const char *unit, int fd);

/* After a release: forgets the binding and matches the device again (a reload may have changed
 * the manifests). Frees b. */
void pci_binding_rematch(Binding *b);
