/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A PCI binding in libdrvhost-driver: the launcher sets DRVHOST_IRQ_FD, an empty DRVHOST_INTERFACES
 * and a "pci:" modalias, and the library takes the interrupt file instead of starting libusb. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

#include "driver-env.h"
#include "driver-internal.h"
#include "macro.h"

#define PCI_DEVICE "/sys/devices/pci0000:00/0000:00:05.0"
#define PCI_MODALIAS "pci:v00001234d000011E8sv00001AF4sd00001100bc00sc0Di00"
#define USB_MODALIAS "usb:v0525pA4A0d0001dc00dsc00dp00icFFisc00ip00in00"

static void test_pci_environment(void **state)
{
        char *const pci[] = {
            (char *)"DRVHOST_DEVICE_FD=3",
            (char *)"DRVHOST_IRQ_FD=4",
            (char *)"DRVHOST_DEVICE=" PCI_DEVICE,
            (char *)"DRVHOST_DRIVER=edu",
            (char *)"DRVHOST_UNIT=drvhost-driver@edu_0000:00:05.0.service",
            (char *)"DRVHOST_INTERFACES=",
            (char *)"DRVHOST_MODALIAS=" PCI_MODALIAS,
            NULL,
        };
        DriverEnv e;

        assert_int_equal(driver_env_parse(&e, pci), 0);
        assert_int_equal(e.bus, DRIVER_BUS_PCI);
        assert_int_equal(e.device_fd, 3);
        assert_int_equal(e.n_interfaces, 0);
        assert_string_equal(e.modalias, PCI_MODALIAS);
        driver_env_done(&e);
}

static void test_pci_and_usb_do_not_mix(void **state)
{
        char *const pci_with_usb_alias[] = {
            (char *)"DRVHOST_DEVICE_FD=3",
            (char *)"DRVHOST_IRQ_FD=4",
            (char *)"DRVHOST_DEVICE=" PCI_DEVICE,
            (char *)"DRVHOST_DRIVER=edu",
            (char *)"DRVHOST_UNIT=x.service",
            (char *)"DRVHOST_INTERFACES=",
            (char *)"DRVHOST_MODALIAS=" USB_MODALIAS,
            NULL,
        };
        char *const usb_without_interfaces[] = {
            (char *)"DRVHOST_DEVICE_FD=3",
            (char *)"DRVHOST_DEVICE=" PCI_DEVICE,
            (char *)"DRVHOST_DRIVER=sample",
            (char *)"DRVHOST_UNIT=x.service",
            (char *)"DRVHOST_INTERFACES=",
            (char *)"DRVHOST_MODALIAS=" USB_MODALIAS,
            NULL,
        };
        char *const usb_with_pci_alias[] = {
            (char *)"DRVHOST_DEVICE_FD=3",
            (char *)"DRVHOST_DEVICE=" PCI_DEVICE,
            (char *)"DRVHOST_DRIVER=sample",
            (char *)"DRVHOST_UNIT=x.service",
            (char *)"DRVHOST_INTERFACES=0",
            (char *)"DRVHOST_MODALIAS=" PCI_MODALIAS,
            NULL,
        };
        DriverEnv e;

        assert_int_equal(driver_env_parse(&e, pci_with_usb_alias), -EINVAL);
        assert_int_equal(driver_env_parse(&e, usb_without_interfaces), -EINVAL);
        assert_int_equal(driver_env_parse(&e, usb_with_pci_alias), -EINVAL);
}

/* With a PCI environment, drvhost_driver_new() goes for the interrupt file, not libusb: a pipe on
 * DRVHOST_IRQ_FD is refused as not a drvhost_irq file. */
static void test_new_takes_the_interrupt_file(void **state)
{
        DrvhostDriver *d = NULL;
        char number[16];
        int bar[2], irq[2];

        assert_int_equal(pipe2(bar, O_CLOEXEC), 0);
        assert_int_equal(pipe2(irq, O_CLOEXEC), 0);
        (void)snprintf(number, sizeof(number), "%d", bar[0]);
        assert_int_equal(setenv("DRVHOST_DEVICE_FD", number, 1), 0);
        (void)snprintf(number, sizeof(number), "%d", irq[0]);
        assert_int_equal(setenv("DRVHOST_IRQ_FD", number, 1), 0);
        assert_int_equal(setenv("DRVHOST_DEVICE", PCI_DEVICE, 1), 0);
        assert_int_equal(setenv("DRVHOST_DRIVER", "edu", 1), 0);
        assert_int_equal(setenv("DRVHOST_UNIT", "drvhost-driver@edu_0000:00:05.0.service", 1), 0);
        assert_int_equal(setenv("DRVHOST_INTERFACES", "", 1), 0);
        assert_int_equal(setenv("DRVHOST_MODALIAS", PCI_MODALIAS, 1), 0);

        assert_int_equal(drvhost_driver_new(&d), -ENOTTY);
        assert_null(d);
        /* The device fd was taken over (and closed) by the failed driver; the rest is ours. */
        assert_true(fcntl(bar[0], F_GETFD) < 0);
        safe_close(bar[1]);
        safe_close(irq[0]);
        safe_close(irq[1]);
}

static void test_run_needs_a_device(void **state)
{
        _cleanup_drvhost_driver_ DrvhostDriver *d = NULL;

        assert_int_equal(driver_alloc(&d), 0);
        assert_null(drvhost_driver_get_irq(d));
        assert_int_equal(drvhost_driver_get_device_fd(d), -EBADF);
        assert_non_null(drvhost_driver_get_event(d));
        assert_int_equal(drvhost_driver_run(d, NULL, NULL), -EINVAL);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_pci_environment),
            cmocka_unit_test(test_pci_and_usb_do_not_mix),
            cmocka_unit_test(test_new_takes_the_interrupt_file),
            cmocka_unit_test(test_run_needs_a_device),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
