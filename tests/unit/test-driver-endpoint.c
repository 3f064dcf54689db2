/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Endpoint lookup on a configuration descriptor as libusb parses it: the walk every driver repeated
 * before (a printer's alternate settings, a CDC function's two interfaces, interrupt vs bulk). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "driver-internal.h"
#include "macro.h"

#define EP(addr, type, size)                                                                                \
        {                                                                                                   \
                .bEndpointAddress = (addr), .bmAttributes = (type), .wMaxPacketSize = (size),               \
                .bInterval = 1                                                                              \
        }

/* Interface 0: a CDC communication interface with an interrupt IN endpoint. */
static const struct libusb_endpoint_descriptor comm_eps[] = {
    EP(0x83, LIBUSB_TRANSFER_TYPE_INTERRUPT, 16),
};
/* Interface 1, alternate setting 0: no endpoints (as CDC data interfaces and printers may have);
 * alternate setting 1: bulk OUT then bulk IN. */
static const struct libusb_endpoint_descriptor data_eps[] = {
    EP(0x02, LIBUSB_TRANSFER_TYPE_BULK, 512),
    EP(0x81, LIBUSB_TRANSFER_TYPE_BULK, 512),
};
static const struct libusb_interface_descriptor comm_alts[] = {
    {.bInterfaceNumber = 0, .bAlternateSetting = 0, .bNumEndpoints = 1, .endpoint = comm_eps},
};
static const struct libusb_interface_descriptor data_alts[] = {
    {.bInterfaceNumber = 1, .bAlternateSetting = 0, .bNumEndpoints = 0, .endpoint = NULL},
    {.bInterfaceNumber = 1, .bAlternateSetting = 1, .bNumEndpoints = 2, .endpoint = data_eps},
};
static const struct libusb_interface interfaces[] = {
    {.altsetting = comm_alts, .num_altsetting = 1},
    {.altsetting = data_alts, .num_altsetting = 2},
};
static const struct libusb_config_descriptor config = {
    .bNumInterfaces = 2,
    .interface = interfaces,
};

static void test_bulk_in_in_second_alt_setting(void **state)
{
        DrvhostEndpoint ep;

        assert_int_equal(driver_endpoint_find(&config, 1, DRVHOST_ENDPOINT_BULK, LIBUSB_ENDPOINT_IN, &ep),
                         0);
        assert_int_equal(ep.address, 0x81);
        assert_int_equal(ep.type, LIBUSB_TRANSFER_TYPE_BULK);
        assert_int_equal(ep.max_packet_size, 512);
        assert_int_equal(ep.interface, 1);
        assert_int_equal(ep.alt_setting, 1);

        assert_int_equal(driver_endpoint_find(&config, 1, DRVHOST_ENDPOINT_BULK, LIBUSB_ENDPOINT_OUT, &ep),
                         0);
        assert_int_equal(ep.address, 0x02);
}

static void test_type_mask(void **state)
{
        DrvhostEndpoint ep;

        /* Interrupt only on interface 0; bulk is not there. */
        assert_int_equal(driver_endpoint_find(&config, 0, DRVHOST_ENDPOINT_BULK, LIBUSB_ENDPOINT_IN, &ep),
                         -ENOENT);
        assert_int_equal(driver_endpoint_find(&config, 0, DRVHOST_ENDPOINT_BULK | DRVHOST_ENDPOINT_INTERRUPT,
                                              LIBUSB_ENDPOINT_IN, &ep),
                         0);
        assert_int_equal(ep.address, 0x83);
        assert_int_equal(ep.type, LIBUSB_TRANSFER_TYPE_INTERRUPT);
        assert_int_equal(ep.alt_setting, 0);
        /* Interface 1's bulk IN is not interface 0's. */
        assert_int_equal(
            driver_endpoint_find(&config, 0, DRVHOST_ENDPOINT_ISOCHRONOUS, LIBUSB_ENDPOINT_IN, &ep),
            -ENOENT);
}

static void test_missing_and_bad(void **state)
{
        DrvhostEndpoint ep;

        assert_int_equal(
            driver_endpoint_find(&config, 0, DRVHOST_ENDPOINT_INTERRUPT, LIBUSB_ENDPOINT_OUT, &ep), -ENOENT);
        assert_int_equal(driver_endpoint_find(&config, 7, DRVHOST_ENDPOINT_BULK, LIBUSB_ENDPOINT_IN, &ep),
                         -ENOENT);
        assert_int_equal(driver_endpoint_find(&config, 1, DRVHOST_ENDPOINT_BULK, 0x40, &ep), -EINVAL);
        assert_int_equal(driver_endpoint_find(NULL, 1, DRVHOST_ENDPOINT_BULK, LIBUSB_ENDPOINT_IN, &ep),
                         -EINVAL);
        assert_int_equal(driver_endpoint_find(&config, 1, DRVHOST_ENDPOINT_BULK, LIBUSB_ENDPOINT_IN, NULL),
                         -EINVAL);
}

static void test_public_without_device(void **state)
{
        _cleanup_drvhost_driver_ DrvhostDriver *d = NULL;
        DrvhostEndpoint ep;

        assert_int_equal(driver_alloc(&d), 0);
        assert_int_equal(
            drvhost_driver_find_endpoint(NULL, -1, DRVHOST_ENDPOINT_BULK, LIBUSB_ENDPOINT_IN, &ep), -EINVAL);
        assert_int_equal(
            drvhost_driver_find_endpoint(d, 300, DRVHOST_ENDPOINT_BULK, LIBUSB_ENDPOINT_IN, &ep), -EINVAL);
        /* No libusb handle: a PCI binding has no endpoints. */
        assert_int_equal(drvhost_driver_find_endpoint(d, -1, DRVHOST_ENDPOINT_BULK, LIBUSB_ENDPOINT_IN, &ep),
                         -EOPNOTSUPP);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_bulk_in_in_second_alt_setting),
            cmocka_unit_test(test_type_mask),
            cmocka_unit_test(test_missing_and_bad),
            cmocka_unit_test(test_public_without_device),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
