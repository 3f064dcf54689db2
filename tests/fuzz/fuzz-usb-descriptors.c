/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: a device's raw descriptors (what sysfs "descriptors" holds, as the device sent
 * them) through the function and configuration walkers drvhostd uses for ClaimInterfaces=. The
 * first byte picks the configuration and interface asked about. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "usb-descriptors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        uint32_t all = 0, function = 0;
        uint8_t pick;

        if (size < 1)
                return 0;
        pick = data[0];
        data++;
        size--;

        (void)usb_descriptors_all_interfaces(data, size, 1, &all);
        if (usb_descriptors_function_interfaces(data, size, 1, pick % 40, &function) == 0 &&
            (pick % 40) < USB_INTERFACE_MASK_BITS && !(function & (UINT32_C(1) << (pick % 40))))
                abort(); /* the interface asked about always belongs to its own function */
        return 0;
}
