/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "classify.h"

static void test_kind(void **state)
{
        assert_int_equal(classify_kind("usb", "usb_device"), DEVICE_KIND_USB_DEVICE);
        assert_int_equal(classify_kind("usb", "usb_interface"), DEVICE_KIND_USB_INTERFACE);
        assert_int_equal(classify_kind("usb", NULL), DEVICE_KIND_OTHER);
        assert_int_equal(classify_kind("pci", NULL), DEVICE_KIND_PCI);
        assert_int_equal(classify_kind("block", "disk"), DEVICE_KIND_BLOCK);
        assert_int_equal(classify_kind("block", "partition"), DEVICE_KIND_OTHER);
        assert_int_equal(classify_kind(NULL, NULL), DEVICE_KIND_OTHER);
        assert_int_equal(classify_kind("tty", NULL), DEVICE_KIND_OTHER);
}

static void test_pci_class_parsing(void **state)
{
        uint32_t v = 0;

        assert_int_equal(classify_parse_pci_class("0x030000\n", &v), 0);
        assert_int_equal(v, 0x030000);
        assert_int_equal(classify_parse_pci_class("0x010802", &v), 0);
        assert_int_equal(v, 0x010802);
        assert_int_equal(classify_parse_pci_class("", &v), -EINVAL);
        assert_int_equal(classify_parse_pci_class("0x1000000", &v), -EINVAL);
        assert_int_equal(classify_parse_pci_class("0x03zz00", &v), -EINVAL);
        assert_int_equal(classify_parse_pci_class(NULL, &v), -EINVAL);
}

static void test_delegation(void **state)
{
        /* GPUs: VGA, 3D controller; storage: NVMe, SATA, virtio-blk (0x0100xx). */
        assert_int_equal(classify_delegation(DEVICE_KIND_PCI, 0x030000), DELEGATION_GPU);
        assert_int_equal(classify_delegation(DEVICE_KIND_PCI, 0x030200), DELEGATION_GPU);
        assert_int_equal(classify_delegation(DEVICE_KIND_PCI, 0x010802), DELEGATION_STORAGE);
        assert_int_equal(classify_delegation(DEVICE_KIND_PCI, 0x010601), DELEGATION_STORAGE);
        assert_int_equal(classify_delegation(DEVICE_KIND_PCI, 0x020000), DELEGATION_NONE);
        assert_int_equal(classify_delegation(DEVICE_KIND_PCI, 0x00ff00), DELEGATION_NONE);
        assert_int_equal(classify_delegation(DEVICE_KIND_USB_INTERFACE, 0x08), DELEGATION_STORAGE);
        assert_int_equal(classify_delegation(DEVICE_KIND_USB_INTERFACE, 0x07), DELEGATION_NONE);
        assert_int_equal(classify_delegation(DEVICE_KIND_BLOCK, 0), DELEGATION_STORAGE);
        assert_int_equal(classify_delegation(DEVICE_KIND_USB_DEVICE, 0x08), DELEGATION_NONE);
        assert_string_equal(delegation_reason_to_string(DELEGATION_GPU), "gpu");
        assert_string_equal(delegation_reason_to_string(DELEGATION_STORAGE), "storage");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_kind),
                cmocka_unit_test(test_pci_class_parsing),
                cmocka_unit_test(test_delegation),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
