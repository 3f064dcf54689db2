/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

/* The usbfs side of a binding: one open file per binding that holds the claimed interfaces. Closing
 * it releases them. */

/* Opens devnode, takes each interface of the mask from whatever kernel driver has it and claims it,
 * then drops the file's privileges to those interfaces so the driver that receives it cannot reach
 * any other. Returns the fd or -errno. */
int usbfs_claim(const char *devnode, uint32_t interface_mask);

/* Releases the interfaces of the mask held by fd (ignoring ones it does not hold). */
void usbfs_release(int fd, uint32_t interface_mask);

/* Asks the kernel to probe drivers for the interface again (after we released it). */
int usbfs_reprobe(const char *interface_sysname);
