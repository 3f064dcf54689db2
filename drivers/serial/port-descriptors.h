/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Where a USB-serial chip's port is: one vendor-specific interface with a bulk IN/OUT pair and maybe an
 * interrupt IN endpoint for status. Pure: tests feed it hand-made descriptors. */

#include <stddef.h>
#include <stdint.h>

#include <libusb.h>

#include "serial-chip.h"

/* The port on the first granted interface (DRVHOST_INTERFACES: a chip's port is one interface, and a
 * multi-port chip is one binding per port). Fills ret's endpoints (interface and data_interface both
 * the port's) and returns 0, -ENOENT if no granted interface exists in config, or -EBADMSG if it has no
 * bulk IN and OUT. */
int port_find_endpoints(const struct libusb_config_descriptor *config, const uint8_t *granted, size_t n_granted,
                        SerialEndpoints *ret);
