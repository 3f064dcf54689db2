/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The interrupt API's checks of what it is handed (DRVHOST_IRQ_FD, the fd itself). Delivery needs
 * the drvhost_irq module and is tested in the lab (irq, irq-robust). */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

#include "drvhost-irq.h"
#include "macro.h"

static int new_from_env_with(const char *value)
{
        DrvhostIrq *irq = NULL;
        int r;

        if (value)
                assert_int_equal(setenv(DRVHOST_IRQ_ENV_FD, value, 1), 0);
        else
                assert_int_equal(unsetenv(DRVHOST_IRQ_ENV_FD), 0);
        r = drvhost_irq_new_from_env(&irq);
        assert_null(irq);
        return r;
}

static void test_env_missing(void **state)
{
        assert_int_equal(new_from_env_with(NULL), -ENXIO);
}

static void test_env_malformed(void **state)
{
        assert_int_equal(new_from_env_with(""), -EINVAL);
        assert_int_equal(new_from_env_with("abc"), -EINVAL);
        assert_int_equal(new_from_env_with("4x"), -EINVAL);
        assert_int_equal(new_from_env_with("-4"), -EINVAL);
        assert_int_equal(new_from_env_with("2"), -EINVAL); /* stdio is never the interrupt */
        assert_int_equal(new_from_env_with("99999999999"), -EINVAL);
}

static void test_env_not_open(void **state)
{
        assert_int_equal(new_from_env_with("999"), -EBADF);
}

static void test_not_a_helper_file(void **state)
{
        DrvhostIrq *irq = NULL;
        int fds[2];

        assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
        assert_int_equal(drvhost_irq_new_from_fd(fds[0], &irq), -ENOTTY);
        assert_null(irq);
        safe_close(fds[0]);
        safe_close(fds[1]);
}

static void test_null_arguments(void **state)
{
        DrvhostIrqEvent ev;
        uint64_t n;

        assert_int_equal(drvhost_irq_new_from_fd(-1, NULL), -EINVAL);
        assert_int_equal(drvhost_irq_read(NULL, &ev), -EINVAL);
        assert_int_equal(drvhost_irq_wait(NULL, 0, &ev), -EINVAL);
        assert_int_equal(drvhost_irq_enable(NULL), -EINVAL);
        assert_int_equal(drvhost_irq_get_count(NULL, &n), -EINVAL);
        assert_int_equal(drvhost_irq_get_fd(NULL), -EINVAL);
        assert_null(drvhost_irq_free(NULL));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_env_missing),    cmocka_unit_test(test_env_malformed),
            cmocka_unit_test(test_env_not_open),   cmocka_unit_test(test_not_a_helper_file),
            cmocka_unit_test(test_null_arguments),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
