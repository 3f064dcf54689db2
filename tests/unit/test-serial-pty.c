/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The serial driver's pty, on the build machine's real devpts: the slave starts closed (the master
 * reports a hang-up) with cdc-acm's 9600 8N1; a user's open, termios changes and close are all visible
 * from the master; data written before a close can still be read; the link in the runtime directory is
 * replaced atomically. Also pins the kernel behaviour the driver relies on: a pty keeps CS8 and no
 * parity whatever the user sets. Skipped where no pty can be opened. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cmocka.h>

#include "line-coding.h"
#include "pty-port.h"

#define LINK_NAME "tty"
#define PAYLOAD "hello, device"

static int setup(void **state)
{
        PtyPort *p = malloc(sizeof(*p));

        assert_non_null(p);
        if (pty_port_open(p) < 0) {
                free(p);
                *state = NULL;
                return 0;
        }
        *state = p;
        return 0;
}

static int teardown(void **state)
{
        PtyPort *p = *state;

        if (p) {
                pty_port_close(p);
                free(p);
        }
        return 0;
}

static PtyPort *port_or_skip(void **state)
{
        if (!*state)
                skip(); /* no devpts here (a minimal container): nothing to test against */
        return *state;
}

static int open_slave(const PtyPort *p)
{
        int fd = open(p->path, O_RDWR | O_NOCTTY | O_CLOEXEC);

        assert_true(fd >= 0);
        return fd;
}

static void test_starts_closed_with_acm_defaults(void **state)
{
        PtyPort *p = port_or_skip(state);
        struct termios2 t;
        LineCoding lc;
        char buf[LINE_CODING_STRING_MAX];

        assert_true(strncmp(p->path, "/dev/pts/", strlen("/dev/pts/")) == 0);
        assert_true(fcntl(p->master, F_GETFL) & O_NONBLOCK);
        assert_true(fcntl(p->master, F_GETFD) & FD_CLOEXEC);
        assert_int_equal(pty_port_slave_state(p), PTY_SLAVE_CLOSED);

        assert_int_equal(pty_port_get_termios(p, &t), 0);
        assert_int_equal(t.c_cflag & (CBAUD | CSIZE | HUPCL | CLOCAL | CREAD),
                         B9600 | CS8 | HUPCL | CLOCAL | CREAD);
        assert_int_equal(line_coding_from_termios(&t, &lc), 0);
        assert_string_equal(line_coding_to_string(&lc, buf), "9600 8N1");
}

static void test_user_settings_seen_through_master(void **state)
{
        PtyPort *p = port_or_skip(state);
        struct termios2 t;
        LineCoding lc;
        char buf[LINE_CODING_STRING_MAX];
        int fd;

        fd = open_slave(p);
        assert_int_equal(pty_port_slave_state(p), PTY_SLAVE_OPEN);

        assert_int_equal(ioctl(fd, TCGETS2, &t), 0);
        t.c_cflag &= ~(tcflag_t)(CBAUD | CSIZE);
        t.c_cflag |= B57600 | CS7 | PARENB | CSTOPB;
        assert_int_equal(ioctl(fd, TCSETS2, &t), 0);

        assert_int_equal(pty_port_get_termios(p, &t), 0);
        assert_int_equal(line_coding_from_termios(&t, &lc), 0);
        /* The rate and the stop bits get through; the kernel forces CS8 and clears PARENB on a pty. */
        assert_string_equal(line_coding_to_string(&lc, buf), "57600 8N2");

        /* Any rate, through BOTHER. */
        t.c_cflag &= ~(tcflag_t)CBAUD;
        t.c_cflag |= BOTHER;
        t.c_ospeed = 250000;
        assert_int_equal(ioctl(fd, TCSETS2, &t), 0);
        assert_int_equal(pty_port_get_termios(p, &t), 0);
        assert_int_equal(line_coding_from_termios(&t, &lc), 0);
        assert_int_equal(lc.rate, 250000);

        close(fd);
        assert_int_equal(pty_port_slave_state(p), PTY_SLAVE_CLOSED);

        /* The settings outlive the close, as a serial port's do. */
        assert_int_equal(pty_port_get_termios(p, &t), 0);
        assert_int_equal(t.c_ospeed, 250000);
}

static void test_data_written_before_close_is_drained(void **state)
{
        PtyPort *p = port_or_skip(state);
        struct termios2 t;
        char buf[64];
        ssize_t n;
        int fd;

        fd = open_slave(p);
        /* Raw output, as a serial user sets it: no "\n" to "\r\n". */
        assert_int_equal(ioctl(fd, TCGETS2, &t), 0);
        t.c_oflag &= ~(tcflag_t)OPOST;
        assert_int_equal(ioctl(fd, TCSETS2, &t), 0);
        assert_int_equal(write(fd, PAYLOAD, strlen(PAYLOAD)), (ssize_t)strlen(PAYLOAD));
        close(fd);

        /* Opened, written and closed between two looks of the driver: the output shows. */
        assert_int_equal(pty_port_slave_state(p), PTY_SLAVE_CLOSED_WITH_OUTPUT);
        n = read(p->master, buf, sizeof(buf));
        assert_int_equal(n, (ssize_t)strlen(PAYLOAD));
        assert_memory_equal(buf, PAYLOAD, strlen(PAYLOAD));
        /* Then the close shows as EIO: this is what the driver takes as "closed". */
        assert_int_equal(read(p->master, buf, sizeof(buf)), -1);
        assert_int_equal(errno, EIO);
        assert_int_equal(pty_port_slave_state(p), PTY_SLAVE_CLOSED);

        /* Reopened: no hang-up any more, and the master reads nothing (EAGAIN, not EIO). */
        fd = open_slave(p);
        assert_int_equal(pty_port_slave_state(p), PTY_SLAVE_OPEN);
        assert_int_equal(read(p->master, buf, sizeof(buf)), -1);
        assert_int_equal(errno, EAGAIN);
        close(fd);
}

static void test_link(void **state)
{
        PtyPort *p = port_or_skip(state);
        char dir[] = "/tmp/test-serial-pty-XXXXXX", path[PATH_MAX], target[PATH_MAX];
        PtyPort other = {.path = "/dev/pts/4242"};
        ssize_t n;

        assert_non_null(mkdtemp(dir));
        assert_true(snprintf(path, sizeof(path), "%s/%s", dir, LINK_NAME) < (int)sizeof(path));

        /* A stale link from an earlier run is replaced. */
        assert_int_equal(pty_port_link(&other, dir, LINK_NAME), 0);
        assert_int_equal(pty_port_link(p, dir, LINK_NAME), 0);
        n = readlink(path, target, sizeof(target) - 1);
        assert_true(n > 0);
        target[n] = '\0';
        assert_string_equal(target, p->path);

        assert_int_equal(pty_port_unlink(dir, LINK_NAME), 0);
        assert_int_equal(access(path, F_OK), -1);
        assert_int_equal(pty_port_unlink(dir, LINK_NAME), 0);
        assert_int_equal(rmdir(dir), 0);

        assert_int_equal(pty_port_link(p, "/nonexistent-dir", LINK_NAME), -ENOENT);
        assert_int_equal(pty_port_unlink("/nonexistent-dir", LINK_NAME), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_starts_closed_with_acm_defaults, setup, teardown),
            cmocka_unit_test_setup_teardown(test_user_settings_seen_through_master, setup, teardown),
            cmocka_unit_test_setup_teardown(test_data_written_before_close_is_drained, setup, teardown),
            cmocka_unit_test_setup_teardown(test_link, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
