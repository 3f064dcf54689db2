/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "usb-descriptors.h"

#define DEVICE 18, 0x01, 0x00, 0x02, 0xef, 0x02, 0x01, 64, 0x6b, 0x1d, 0x06, 0x01, 0x00, 0x01, 1, 2, 3, 1
#define CONFIG(total, n) 9, 0x02, (total), 0, (n), 1, 0, 0x80, 50
#define IAD(first, count) 8, 0x0b, (first), (count), 0x02, 0x02, 0x01, 0
#define INTERFACE(n, cls, sub) 9, 0x04, (n), 0, 1, (cls), (sub), 0, 0
#define UNION(ctl, sub) 5, 0x24, 0x06, (ctl), (sub)
#define ENDPOINT(a) 7, 0x05, (a), 0x02, 64, 0, 0

/* A composite: printer on 0, then an ACM function (IAD over 1-2, union 1→2), then storage on 3. */
static const uint8_t composite[] = {
        DEVICE,
        CONFIG(9 + 9 + 7 + 8 + 9 + 5 + 9 + 7 + 9 + 7, 4),
        INTERFACE(0, 0x07, 0x01), ENDPOINT(0x01),
        IAD(1, 2), INTERFACE(1, 0x02, 0x02), UNION(1, 2), INTERFACE(2, 0x0a, 0x00), ENDPOINT(0x82),
        INTERFACE(3, 0x08, 0x06), ENDPOINT(0x03),
};

/* An old-style ACM device without IAD: only the CDC Union ties the two interfaces. */
static const uint8_t union_only[] = {
        DEVICE,
        CONFIG(9 + 9 + 5 + 9, 2),
        INTERFACE(0, 0x02, 0x02), UNION(0, 1), INTERFACE(1, 0x0a, 0x00),
};

static void test_function_from_iad(void **state)
{
        uint32_t mask = 0;

        assert_int_equal(usb_descriptors_function_interfaces(composite, sizeof(composite), 1, 1, &mask), 0);
        assert_int_equal(mask, 0x6);
        assert_int_equal(usb_descriptors_function_interfaces(composite, sizeof(composite), 1, 2, &mask), 0);
        assert_int_equal(mask, 0x6);
        /* Interfaces outside any function stay alone. */
        assert_int_equal(usb_descriptors_function_interfaces(composite, sizeof(composite), 1, 0, &mask), 0);
        assert_int_equal(mask, 0x1);
        assert_int_equal(usb_descriptors_function_interfaces(composite, sizeof(composite), 1, 3, &mask), 0);
        assert_int_equal(mask, 0x8);
}

static void test_function_from_union(void **state)
{
        uint32_t mask = 0;

        assert_int_equal(usb_descriptors_function_interfaces(union_only, sizeof(union_only), 1, 0, &mask), 0);
        assert_int_equal(mask, 0x3);
}

static void test_all_interfaces(void **state)
{
        uint32_t mask = 0;

        assert_int_equal(usb_descriptors_all_interfaces(composite, sizeof(composite), 1, &mask), 0);
        assert_int_equal(mask, 0xf);
        assert_int_equal(usb_descriptors_all_interfaces(composite, sizeof(composite), 2, &mask), -ENOENT);
}

static void test_hostile(void **state)
{
        uint8_t buf[sizeof(composite)];
        uint32_t mask = 0;

        /* Too short for a device descriptor, or not one. */
        assert_int_equal(usb_descriptors_all_interfaces(composite, 10, 1, &mask), -EBADMSG);
        memcpy(buf, composite, sizeof(buf));
        buf[1] = 0x02;
        assert_int_equal(usb_descriptors_all_interfaces(buf, sizeof(buf), 1, &mask), -EBADMSG);

        /* A descriptor with bLength 0 would loop forever; one running past the end would overread. */
        memcpy(buf, composite, sizeof(buf));
        buf[18 + 9] = 0;
        assert_int_equal(usb_descriptors_function_interfaces(buf, sizeof(buf), 1, 1, &mask), -EBADMSG);
        memcpy(buf, composite, sizeof(buf));
        buf[18 + 9] = 200;
        assert_int_equal(usb_descriptors_function_interfaces(buf, sizeof(buf), 1, 1, &mask), -EBADMSG);

        /* wTotalLength beyond the data is cut to what is there, not trusted. */
        memcpy(buf, composite, sizeof(buf));
        buf[18 + 2] = 0xff;
        buf[18 + 3] = 0xff;
        assert_int_equal(usb_descriptors_all_interfaces(buf, sizeof(buf), 1, &mask), 0);
        assert_int_equal(mask, 0xf);

        /* Interface numbers beyond the 32-bit mask are ignored, not shifted out of range. */
        memcpy(buf, composite, sizeof(buf));
        buf[18 + 9 + 2] = 200;
        assert_int_equal(usb_descriptors_all_interfaces(buf, sizeof(buf), 1, &mask), 0);
        assert_int_equal(mask, 0xe);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_function_from_iad),
                cmocka_unit_test(test_function_from_union),
                cmocka_unit_test(test_all_interfaces),
                cmocka_unit_test(test_hostile),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
