/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Tracked transfers without a device: who owns them, when a submission is refused, and that draining
 * leaves a transfer libusb still holds rather than freeing it under libusb. (Submitting and draining
 * real transfers needs a device: the lab's sample, printer and serial scenarios do.) */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "driver-internal.h"
#include "macro.h"

enum { BUFFER_SIZE = 4096, DRAIN_USEC = 50 * 1000 };

static DrvhostDriver *driver_with_context(void)
{
        DrvhostDriver *d;

        assert_int_equal(driver_alloc(&d), 0);
        assert_int_equal(libusb_set_option(NULL, LIBUSB_OPTION_NO_DEVICE_DISCOVERY), 0);
        assert_int_equal(libusb_init(&d->context), 0);
        return d;
}

static void test_owned_by_the_driver(void **state)
{
        _cleanup_drvhost_driver_ DrvhostDriver *d = driver_with_context();
        struct libusb_transfer *a, *b;

        assert_null(drvhost_driver_transfer_new(NULL, BUFFER_SIZE));
        a = drvhost_driver_transfer_new(d, BUFFER_SIZE);
        b = drvhost_driver_transfer_new(d, 1);
        assert_non_null(a);
        assert_non_null(b);
        assert_non_null(a->buffer);
        assert_int_equal(a->length, BUFFER_SIZE);
        assert_true(a->flags & LIBUSB_TRANSFER_FREE_BUFFER);
        assert_int_equal(d->n_transfers, 2);
        assert_int_equal(driver_transfers_in_flight(d), 0);
        /* drvhost_driver_free() frees both: ASan's leak check is the assertion. */
}

static void test_submit_refused(void **state)
{
        _cleanup_drvhost_driver_ DrvhostDriver *d = driver_with_context();
        struct libusb_transfer *stranger = libusb_alloc_transfer(0), *t;

        t = drvhost_driver_transfer_new(d, BUFFER_SIZE);
        assert_non_null(t);
        assert_non_null(stranger);
        assert_int_equal(drvhost_driver_submit(NULL, t), -EINVAL);
        assert_int_equal(drvhost_driver_submit(d, NULL), -EINVAL);
        /* Only transfers the driver made are tracked. */
        assert_int_equal(drvhost_driver_submit(d, stranger), -ENOENT);
        libusb_free_transfer(stranger);

        /* Once stopping, nothing more goes out: what was cancelled stays so. */
        assert_int_equal(drvhost_driver_stop(d, EXIT_SUCCESS), 0);
        assert_int_equal(drvhost_driver_submit(d, t), -ESHUTDOWN);
}

static void test_drain_with_nothing_in_flight(void **state)
{
        _cleanup_drvhost_driver_ DrvhostDriver *d = driver_with_context();
        struct libusb_transfer *t = drvhost_driver_transfer_new(d, BUFFER_SIZE);

        assert_non_null(t);
        assert_int_equal(drvhost_driver_drain(NULL, DRAIN_USEC), -EINVAL);
        assert_int_equal(drvhost_driver_drain(d, DRAIN_USEC), 0);
        assert_true(d->draining);
        assert_int_equal(drvhost_driver_submit(d, t), -ESHUTDOWN);
}

static void test_in_flight_is_never_freed(void **state)
{
        DrvhostDriver *d = driver_with_context();
        struct libusb_transfer *t = drvhost_driver_transfer_new(d, BUFFER_SIZE);
        DriverTransfer *x = d->transfers[0];

        assert_non_null(t);
        /* As if its callback never came (a wedged device): the driver leaves it to libusb. */
        x->in_flight = true;
        assert_int_equal(driver_transfers_in_flight(d), 1);
        assert_int_equal(drvhost_driver_submit(d, t), -EBUSY);
        driver_transfers_free(d);
        assert_int_equal(d->n_transfers, 0);
        /* Still ours to look at: not freed. Cleaned up here so that ASan does not call it a leak. */
        assert_ptr_equal(x->transfer, t);
        libusb_free_transfer(t);
        free(x);
        d = drvhost_driver_free(d);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_owned_by_the_driver),
            cmocka_unit_test(test_submit_refused),
            cmocka_unit_test(test_drain_with_nothing_in_flight),
            cmocka_unit_test(test_in_flight_is_never_freed),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
