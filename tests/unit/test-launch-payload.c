/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "launch-payload.h"

enum { PAYLOAD_FDS_DEVICE_TTY = 2, PAYLOAD_FDS_ALL = 5 };

/* What drvhostd's broker sends a serial binding (broker.c). */
#define SERIAL_PAYLOAD                                                                                      \
        "EXEC=/usr/libexec/drvhost/drvhost-serial -v\n"                                                     \
        "FDS=device,tty\n"                                                                                  \
        "DRVHOST_DEVICE=/sys/devices/pci0000:00/0000:00:05.0/usb1/1-1\n"                                    \
        "DRVHOST_DRIVER=usb-serial\n"                                                                       \
        "DRVHOST_UNIT=drvhost-driver@usb-serial_1-1_1_0.service\n"                                          \
        "DRVHOST_INTERFACES=0,1\n"                                                                          \
        "DRVHOST_MODALIAS=usb:v1D6Bp0106d0100dc02dsc00dp00ic02isc02ip01in00\n"

static int parse(const char *text, size_t n_fds, LaunchPayload *ret)
{
        char buf[DRVHOST_BROKER_MESSAGE_MAX];

        assert_true(strlen(text) < sizeof(buf));
        strcpy(buf, text);
        return launch_payload_parse(buf, n_fds, ret);
}

static void test_broker_payload(void **state)
{
        char buf[] = SERIAL_PAYLOAD;
        LaunchPayload p;

        assert_int_equal(launch_payload_parse(buf, PAYLOAD_FDS_DEVICE_TTY, &p), 0);
        assert_int_equal(p.n_args, 2);
        assert_string_equal(p.argv[0], "/usr/libexec/drvhost/drvhost-serial");
        assert_string_equal(p.argv[1], "-v");
        assert_null(p.argv[2]);
        assert_int_equal(p.n_fds, PAYLOAD_FDS_DEVICE_TTY);
        assert_string_equal(p.fd_variables[0], DRVHOST_ENV_DEVICE_FD);
        assert_string_equal(p.fd_variables[1], DRVHOST_ENV_TTY_FD);
        assert_int_equal(p.n_env, 5);
        assert_string_equal(p.env[0].name, DRVHOST_ENV_DEVICE);
        assert_string_equal(p.env[1].value, "usb-serial");
        assert_string_equal(p.env[4].name, DRVHOST_ENV_MODALIAS);
}

static void test_all_fds(void **state)
{
        LaunchPayload p;

        assert_int_equal(parse("EXEC=/x\nFDS=device,irq,tty,socket,control\n", PAYLOAD_FDS_ALL, &p), 0);
        assert_string_equal(p.fd_variables[1], DRVHOST_ENV_IRQ_FD);
        assert_string_equal(p.fd_variables[3], DRVHOST_ENV_SOCKET_FD);
        assert_string_equal(p.fd_variables[4], DRVHOST_ENV_CONTROL_FD);
        assert_int_equal(p.n_env, 0);
}

static void test_malformed(void **state)
{
        LaunchPayload p;

        assert_int_equal(parse("", 1, &p), -EBADMSG);
        assert_int_equal(parse("EXEC=/x\n", 1, &p), -EBADMSG);
        assert_int_equal(parse("FDS=device\n", 1, &p), -EBADMSG);
        assert_int_equal(parse("EXEC=x\nFDS=device\n", 1, &p), -EBADMSG);
        assert_int_equal(parse("EXEC=/x\nFDS=device\nno equals sign\n", 1, &p), -EBADMSG);
        assert_int_equal(parse("EXEC=/x\nFDS=device\nPATH=/tmp\n", 1, &p), -EBADMSG);
        assert_int_equal(parse("EXEC=/x\nFDS=tty,device\n", 2, &p), -EBADMSG);
        assert_int_equal(parse("EXEC=/x\nFDS=device,disk\n", 2, &p), -EBADMSG);
        /* As many names as fds, no more and no fewer. */
        assert_int_equal(parse("EXEC=/x\nFDS=device\n", 2, &p), -EBADMSG);
        assert_int_equal(parse("EXEC=/x\nFDS=device,tty\n", 1, &p), -EBADMSG);
        assert_int_equal(parse("EXEC=/x\nFDS=device,tty,irq,socket,tty\n", PAYLOAD_FDS_ALL, &p), -EBADMSG);
        assert_int_equal(parse("EXEC=/x\nFDS=device,tty,irq,socket,control,tty\n", PAYLOAD_FDS_ALL + 1, &p),
                         -EBADMSG);
}

/* "FDS=device,tty,tty" once put the second tty fd on DRVHOST_TTY_FD over the first, which the driver
 * then held without knowing it. */
static void test_repeated_fd_name(void **state)
{
        LaunchPayload p;

        assert_int_equal(parse("EXEC=/x\nFDS=device,tty,tty\n", 3, &p), -EBADMSG);
        assert_int_equal(parse("EXEC=/x\nFDS=device,device\n", 2, &p), -EBADMSG);
}

static void test_too_long(void **state)
{
        char text[DRVHOST_BROKER_MESSAGE_MAX] = "EXEC=/x", *o = text + strlen(text);
        LaunchPayload p;

        for (int i = 1; i < MANIFEST_EXEC_WORDS_MAX; i++)
                o += sprintf(o, " a");
        strcpy(o, "\nFDS=device\n");
        assert_int_equal(parse(text, 1, &p), 0);
        assert_int_equal(p.n_args, MANIFEST_EXEC_WORDS_MAX);

        o = text + strlen("EXEC=/x");
        for (int i = 0; i < MANIFEST_EXEC_WORDS_MAX; i++)
                o += sprintf(o, " a");
        strcpy(o, "\nFDS=device\n");
        assert_int_equal(parse(text, 1, &p), -E2BIG);

        o = text + sprintf(text, "EXEC=/x\nFDS=device\n");
        for (int i = 0; i <= LAUNCH_PAYLOAD_ENV_MAX; i++)
                o += sprintf(o, "DRVHOST_V%d=%d\n", i, i);
        assert_int_equal(parse(text, 1, &p), -E2BIG);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_broker_payload), cmocka_unit_test(test_all_fds),
            cmocka_unit_test(test_malformed),      cmocka_unit_test(test_repeated_fd_name),
            cmocka_unit_test(test_too_long),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
