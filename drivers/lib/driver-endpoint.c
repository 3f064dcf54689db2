/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Endpoint lookup: the walk over the active configuration that every driver used to repeat. */
#include <errno.h>

#include "driver-internal.h"

int driver_endpoint_find(const struct libusb_config_descriptor *config, uint8_t interface, unsigned types,
                         uint8_t direction, DrvhostEndpoint *ret)
{
        if (!config || !ret || (direction != LIBUSB_ENDPOINT_IN && direction != LIBUSB_ENDPOINT_OUT))
                return -EINVAL;

        for (int i = 0; i < config->bNumInterfaces; i++) {
                const struct libusb_interface *iface = &config->interface[i];

                for (int a = 0; a < iface->num_altsetting; a++) {
                        const struct libusb_interface_descriptor *alt = &iface->altsetting[a];

                        if (alt->bInterfaceNumber != interface)
                                break; /* all alternate settings of one interface share its number */
                        for (int e = 0; e < alt->bNumEndpoints; e++) {
                                const struct libusb_endpoint_descriptor *ep = &alt->endpoint[e];
                                uint8_t type = ep->bmAttributes & LIBUSB_TRANSFER_TYPE_MASK;

                                if ((ep->bEndpointAddress & LIBUSB_ENDPOINT_DIR_MASK) != direction ||
                                    !(types & DRVHOST_ENDPOINT_TYPE(type)))
                                        continue;
                                *ret = (DrvhostEndpoint){
                                    .address = ep->bEndpointAddress,
                                    .type = type,
                                    .max_packet_size = ep->wMaxPacketSize,
                                    .interval = ep->bInterval,
                                    .interface = alt->bInterfaceNumber,
                                    .alt_setting = alt->bAlternateSetting,
                                };
                                return 0;
                        }
                }
        }
        return -ENOENT;
}

int drvhost_driver_find_endpoint(DrvhostDriver *d, int interface, unsigned types, uint8_t direction,
                                 DrvhostEndpoint *ret)
{
        struct libusb_config_descriptor *config;
        bool granted = false;
        int r;

        if (!d || !ret || interface < -1 || interface > UINT8_MAX)
                return -EINVAL;
        if (!d->handle)
                return -EOPNOTSUPP; /* a PCI binding */
        if (interface < 0)
                interface = d->env.interfaces[0];
        for (size_t i = 0; i < d->env.n_interfaces; i++)
                granted = granted || d->env.interfaces[i] == interface;
        if (!granted)
                return -EACCES;

        r = libusb_get_active_config_descriptor(libusb_get_device(d->handle), &config);
        if (r < 0)
                return driver_errno_from_libusb(r);
        r = driver_endpoint_find(config, (uint8_t)interface, types, direction, ret);
        libusb_free_config_descriptor(config);
        return r;
}
