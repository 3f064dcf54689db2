/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Finding a CDC-ACM function's interfaces and endpoints in hand-made configuration descriptors: the one
 * the kernel's f_acm gadget has, a function behind another one in a composite device, a data interface
 * with its endpoints in alternate setting 1, devices without a Union descriptor or without a
 * notification endpoint, malformed class-specific descriptors, and interfaces not granted. */
#include <errno.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "acm-descriptors.h"

enum {
        EP_NOTIFY = 0x83,
        EP_BULK_IN = 0x81,
        EP_BULK_OUT = 0x02,
        NOTIFY_MPS = 10,
        BULK_MPS = 512,
        COMM = 0,
        DATA = 1,
};

#define ELEMENTS(x) (sizeof(x) / sizeof((x)[0]))

/* f_acm's class-specific descriptors: header, call management, ACM, union (control 0, data 1). */
static const uint8_t acm_extra[] = {
    0x05, 0x24, 0x00, 0x10, 0x01, 0x05, 0x24, 0x01, 0x00, 0x01,
    0x04, 0x24, 0x02, 0x02, 0x05, 0x24, 0x06, COMM, DATA,
};
/* The same without the union descriptor. */
static const uint8_t no_union_extra[] = {0x05, 0x24, 0x00, 0x10, 0x01, 0x04, 0x24, 0x02, 0x02};
/* A descriptor of length 0 first: must not loop, and must not be read as a union. */
static const uint8_t zero_length_extra[] = {0x00, 0x24, 0x06, COMM, DATA};
/* A union whose length runs past the end of the buffer. */
static const uint8_t truncated_extra[] = {0x09, 0x24, 0x06, COMM, DATA};

static const struct libusb_endpoint_descriptor notify_ep[] = {
    {.bEndpointAddress = EP_NOTIFY,
     .bmAttributes = LIBUSB_TRANSFER_TYPE_INTERRUPT,
     .wMaxPacketSize = NOTIFY_MPS},
};
static const struct libusb_endpoint_descriptor bulk_eps[] = {
    {.bEndpointAddress = EP_BULK_IN, .bmAttributes = LIBUSB_TRANSFER_TYPE_BULK, .wMaxPacketSize = BULK_MPS},
    {.bEndpointAddress = EP_BULK_OUT, .bmAttributes = LIBUSB_TRANSFER_TYPE_BULK, .wMaxPacketSize = BULK_MPS},
};
static const struct libusb_endpoint_descriptor bulk_in_only[] = {
    {.bEndpointAddress = EP_BULK_IN, .bmAttributes = LIBUSB_TRANSFER_TYPE_BULK, .wMaxPacketSize = BULK_MPS},
    /* An interrupt OUT is no bulk OUT. */
    {.bEndpointAddress = EP_BULK_OUT, .bmAttributes = LIBUSB_TRANSFER_TYPE_INTERRUPT, .wMaxPacketSize = 64},
};

/* A device of up to three interfaces of one altsetting each, and room for a second data altsetting. */
typedef struct Fake {
        struct libusb_interface_descriptor alts[4];
        struct libusb_interface interfaces[3];
        struct libusb_config_descriptor config;
} Fake;

static struct libusb_interface_descriptor comm_alt(uint8_t number, const uint8_t *extra, int extra_length,
                                                   bool with_notify)
{
        return (struct libusb_interface_descriptor){
            .bInterfaceNumber = number,
            .bInterfaceClass = LIBUSB_CLASS_COMM,
            .bInterfaceSubClass = USB_CDC_SUBCLASS_ACM,
            .bInterfaceProtocol = 1,
            .bNumEndpoints = with_notify ? 1 : 0,
            .endpoint = with_notify ? notify_ep : NULL,
            .extra = extra,
            .extra_length = extra_length,
        };
}

static struct libusb_interface_descriptor data_alt(uint8_t number, uint8_t alt,
                                                   const struct libusb_endpoint_descriptor *eps, uint8_t n)
{
        return (struct libusb_interface_descriptor){
            .bInterfaceNumber = number,
            .bAlternateSetting = alt,
            .bInterfaceClass = USB_CLASS_CDC_DATA,
            .bNumEndpoints = n,
            .endpoint = eps,
        };
}

/* The f_acm gadget: comm 0 with the given class-specific descriptors, data 1. */
static void fake_acm(Fake *f, const uint8_t *extra, int extra_length, bool with_notify)
{
        memset(f, 0, sizeof(*f));
        f->alts[0] = comm_alt(COMM, extra, extra_length, with_notify);
        f->alts[1] = data_alt(DATA, 0, bulk_eps, ELEMENTS(bulk_eps));
        f->interfaces[0] = (struct libusb_interface){.altsetting = &f->alts[0], .num_altsetting = 1};
        f->interfaces[1] = (struct libusb_interface){.altsetting = &f->alts[1], .num_altsetting = 1};
        f->config = (struct libusb_config_descriptor){.bNumInterfaces = 2, .interface = f->interfaces};
}

static void assert_acm(const AcmEndpoints *e, uint8_t comm, uint8_t data, uint8_t notify)
{
        assert_int_equal(e->comm_interface, comm);
        assert_int_equal(e->data_interface, data);
        assert_int_equal(e->data_altsetting, 0);
        assert_int_equal(e->notify_ep, notify);
        assert_int_equal(e->notify_max_packet, notify ? NOTIFY_MPS : 0);
        assert_int_equal(e->bulk_in_ep, EP_BULK_IN);
        assert_int_equal(e->bulk_out_ep, EP_BULK_OUT);
        assert_int_equal(e->bulk_in_max_packet, BULK_MPS);
        assert_int_equal(e->bulk_out_max_packet, BULK_MPS);
}

static void test_gadget_acm(void **state)
{
        const uint8_t granted[] = {COMM, DATA}, reversed[] = {DATA, COMM};
        AcmEndpoints e;
        Fake f;

        fake_acm(&f, acm_extra, sizeof(acm_extra), true);
        assert_int_equal(acm_find_endpoints(&f.config, granted, ELEMENTS(granted), &e), 0);
        assert_acm(&e, COMM, DATA, EP_NOTIFY);

        /* The order drvhostd lists them in does not matter. */
        memset(&e, 0xff, sizeof(e));
        assert_int_equal(acm_find_endpoints(&f.config, reversed, ELEMENTS(reversed), &e), 0);
        assert_acm(&e, COMM, DATA, EP_NOTIFY);
}

static void test_data_not_granted(void **state)
{
        const uint8_t only_comm[] = {COMM};
        AcmEndpoints e = {.comm_interface = 0x55};
        Fake f;

        /* What a manifest without ClaimInterfaces=function gets. */
        fake_acm(&f, acm_extra, sizeof(acm_extra), true);
        assert_int_equal(acm_find_endpoints(&f.config, only_comm, ELEMENTS(only_comm), &e), -EACCES);
        assert_int_equal(e.comm_interface, 0x55);

        fake_acm(&f, no_union_extra, sizeof(no_union_extra), true);
        assert_int_equal(acm_find_endpoints(&f.config, only_comm, ELEMENTS(only_comm), &e), -EACCES);
}

static void test_no_comm_granted(void **state)
{
        const uint8_t only_data[] = {DATA}, unknown[] = {7};
        AcmEndpoints e;
        Fake f;

        fake_acm(&f, acm_extra, sizeof(acm_extra), true);
        assert_int_equal(acm_find_endpoints(&f.config, only_data, ELEMENTS(only_data), &e), -ENOENT);
        assert_int_equal(acm_find_endpoints(&f.config, unknown, ELEMENTS(unknown), &e), -ENOENT);
        assert_int_equal(acm_find_endpoints(&f.config, NULL, 0, &e), -ENOENT);
}

static void test_no_union(void **state)
{
        const uint8_t granted[] = {COMM, DATA};
        AcmEndpoints e;
        Fake f;

        fake_acm(&f, no_union_extra, sizeof(no_union_extra), true);
        assert_int_equal(acm_find_endpoints(&f.config, granted, ELEMENTS(granted), &e), 0);
        assert_acm(&e, COMM, DATA, EP_NOTIFY);

        fake_acm(&f, NULL, 0, true);
        assert_int_equal(acm_find_endpoints(&f.config, granted, ELEMENTS(granted), &e), 0);
        assert_acm(&e, COMM, DATA, EP_NOTIFY);
}

static void test_malformed_extra(void **state)
{
        const uint8_t granted[] = {COMM, DATA};
        AcmEndpoints e;
        Fake f;

        /* Both are ignored: the data interface comes from the granted ones. */
        fake_acm(&f, zero_length_extra, sizeof(zero_length_extra), true);
        assert_int_equal(acm_find_endpoints(&f.config, granted, ELEMENTS(granted), &e), 0);
        assert_acm(&e, COMM, DATA, EP_NOTIFY);

        fake_acm(&f, truncated_extra, sizeof(truncated_extra), true);
        assert_int_equal(acm_find_endpoints(&f.config, granted, ELEMENTS(granted), &e), 0);
        assert_acm(&e, COMM, DATA, EP_NOTIFY);
}

static void test_union_names_missing_interface(void **state)
{
        static const uint8_t extra[] = {0x05, 0x24, 0x06, COMM, 5};
        const uint8_t granted[] = {COMM, DATA};
        AcmEndpoints e;
        Fake f;

        fake_acm(&f, extra, sizeof(extra), true);
        assert_int_equal(acm_find_endpoints(&f.config, granted, ELEMENTS(granted), &e), -ENOENT);
}

static void test_no_notify_endpoint(void **state)
{
        const uint8_t granted[] = {COMM, DATA};
        AcmEndpoints e;
        Fake f;

        fake_acm(&f, acm_extra, sizeof(acm_extra), false);
        assert_int_equal(acm_find_endpoints(&f.config, granted, ELEMENTS(granted), &e), 0);
        assert_acm(&e, COMM, DATA, 0);
}

static void test_no_bulk_pair(void **state)
{
        const uint8_t granted[] = {COMM, DATA};
        AcmEndpoints e;
        Fake f;

        fake_acm(&f, acm_extra, sizeof(acm_extra), true);
        f.alts[1] = data_alt(DATA, 0, bulk_in_only, ELEMENTS(bulk_in_only));
        assert_int_equal(acm_find_endpoints(&f.config, granted, ELEMENTS(granted), &e), -EBADMSG);
}

static void test_bulk_in_altsetting_1(void **state)
{
        const uint8_t granted[] = {COMM, DATA};
        AcmEndpoints e;
        Fake f;

        /* Some devices keep alternate setting 0 of the data interface without endpoints. */
        fake_acm(&f, acm_extra, sizeof(acm_extra), true);
        f.alts[1] = data_alt(DATA, 0, NULL, 0);
        f.alts[2] = data_alt(DATA, 1, bulk_eps, ELEMENTS(bulk_eps));
        f.interfaces[1].num_altsetting = 2;
        assert_int_equal(acm_find_endpoints(&f.config, granted, ELEMENTS(granted), &e), 0);
        assert_int_equal(e.data_altsetting, 1);
        assert_int_equal(e.bulk_in_ep, EP_BULK_IN);
        assert_int_equal(e.bulk_out_ep, EP_BULK_OUT);
}

static void test_composite(void **state)
{
        /* A printer on interface 0, the ACM function on 1 and 2: the union says 1 controls 2. */
        static const uint8_t extra[] = {0x05, 0x24, 0x00, 0x10, 0x01, 0x05, 0x24, 0x06, 1, 2};
        const uint8_t granted[] = {1, 2};
        AcmEndpoints e;
        Fake f;

        memset(&f, 0, sizeof(f));
        f.alts[0] = (struct libusb_interface_descriptor){.bInterfaceNumber = 0, .bInterfaceClass = 7};
        f.alts[1] = comm_alt(1, extra, sizeof(extra), true);
        f.alts[2] = data_alt(2, 0, bulk_eps, ELEMENTS(bulk_eps));
        for (unsigned i = 0; i < 3; i++)
                f.interfaces[i] = (struct libusb_interface){.altsetting = &f.alts[i], .num_altsetting = 1};
        f.config = (struct libusb_config_descriptor){.bNumInterfaces = 3, .interface = f.interfaces};

        assert_int_equal(acm_find_endpoints(&f.config, granted, ELEMENTS(granted), &e), 0);
        assert_acm(&e, 1, 2, EP_NOTIFY);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_gadget_acm),
            cmocka_unit_test(test_data_not_granted),
            cmocka_unit_test(test_no_comm_granted),
            cmocka_unit_test(test_no_union),
            cmocka_unit_test(test_malformed_extra),
            cmocka_unit_test(test_union_names_missing_interface),
            cmocka_unit_test(test_no_notify_endpoint),
            cmocka_unit_test(test_no_bulk_pair),
            cmocka_unit_test(test_bulk_in_altsetting_1),
            cmocka_unit_test(test_composite),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
