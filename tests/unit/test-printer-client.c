/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The client side of the printer driver's socket, used by the CUPS backend and drvhost-print:
 * drvhost:// URIs, QUERY against a fake driver (also one that trickles its answer, which must not
 * stretch the deadline), and how a job ends (DONE, ERROR, or the connection lost, as when the driver
 * crashes) against a fake driver in a child process. Finding printers: test-printer-discover.c. */
#include <fcntl.h>
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "macro.h"
#include "print-client.h"
#include "print-uri.h"
#include "test-job-socket.h"

enum {
        FRAME_MAX = JOB_FRAME_HEADER_SIZE + JOB_FRAME_DATA_MAX,
        QUERY_TIMEOUT_MSEC = 2000,
        TRICKLE_TIMEOUT_MSEC = 300,
        /* Input bigger than one DATA frame and than a socket buffer. */
        INPUT_SIZE = 3 * JOB_FRAME_DATA_MAX + 123,
};

static void test_uri_round_trip(void **state)
{
        _cleanup_(printer_uri_done) PrinterUri u = {};
        _cleanup_free_ char *uri = NULL;

        assert_int_equal(printer_uri_format("drvhost", "Lab Printer", "LAB-pc", &uri), 0);
        assert_string_equal(uri, "drvhost://drvhost/Lab%20Printer?serial=LAB-pc");
        assert_int_equal(printer_uri_parse(uri, &u), 0);
        assert_string_equal(u.manufacturer, "drvhost");
        assert_string_equal(u.model, "Lab Printer");
        assert_string_equal(u.serial, "LAB-pc");
        free(uri);
        uri = NULL;
        printer_uri_done(&u);

        /* Reserved characters of every part survive; no serial, no query. */
        assert_int_equal(printer_uri_format("A/B?C", "M&N=%;", NULL, &uri), 0);
        assert_string_equal(uri, "drvhost://A%2FB%3FC/M%26N%3D%25%3B");
        assert_int_equal(printer_uri_parse(uri, &u), 0);
        assert_string_equal(u.manufacturer, "A/B?C");
        assert_string_equal(u.model, "M&N=%;");
        assert_null(u.serial);
        free(uri);
        uri = NULL;
        printer_uri_done(&u);

        /* An instance as serial: ':' is escaped. */
        assert_int_equal(printer_uri_format("HP", "LaserJet", "usb-printer_1-1:1.0", &uri), 0);
        assert_string_equal(uri, "drvhost://HP/LaserJet?serial=usb-printer_1-1%3A1.0");
}

static void test_uri_parse(void **state)
{
        _cleanup_(printer_uri_done) PrinterUri u = {};

        /* Other parameters are ignored; lower-case escapes are fine. */
        assert_int_equal(printer_uri_parse("drvhost://hp/Desk%6aet?x=1&serial=S%2f1&y", &u), 0);
        assert_string_equal(u.model, "Deskjet");
        assert_string_equal(u.serial, "S/1");
        printer_uri_done(&u);

        assert_int_equal(printer_uri_parse("usb://HP/LaserJet", &u), -EINVAL);
        assert_int_equal(printer_uri_parse("drvhost://", &u), -EINVAL);
        assert_int_equal(printer_uri_parse("drvhost://HP", &u), -EINVAL);
        assert_int_equal(printer_uri_parse("drvhost://HP/", &u), -EINVAL);
        assert_int_equal(printer_uri_parse("drvhost:///Model", &u), -EINVAL);
        assert_int_equal(printer_uri_parse("drvhost://HP/Laser%2", &u), -EINVAL);
        assert_int_equal(printer_uri_parse("drvhost://HP/Laser%zz", &u), -EINVAL);
        assert_int_equal(printer_uri_parse("drvhost://HP/Laser%00Jet", &u), -EINVAL);
        assert_int_equal(printer_uri_parse(NULL, &u), -EINVAL);
        assert_null(u.manufacturer);
}

/* --- a fake driver ------------------------------------------------------------------------------ */

typedef enum Ending {
        END_DONE,    /* reads the whole job, answers DONE */
        END_ERROR,   /* reads some, answers ERROR unplugged and closes */
        END_CRASH,   /* reads some, exits without a word */
        END_GARBAGE, /* answers something that is not a frame */
} Ending;

/* The child: serves one job on fd the way ending says; exits 0 if the job looked right. */
static _noreturn_ void fake_driver(int fd, Ending ending, uint64_t expect)
{
        uint8_t *buf = malloc(FRAME_MAX), reply[JOB_CONTROL_FRAME_MAX];
        uint64_t received = 0, announced = 0;
        uint32_t version;
        JobFrameHeader h;
        ssize_t n;

        if (!buf || test_read_frame(fd, buf, &h) <= 0 || h.type != JOB_FRAME_JOB ||
            job_decode_request(buf + JOB_FRAME_HEADER_SIZE, h.length, &version, &announced) < 0 ||
            announced != expect)
                _exit(EXIT_FAILURE);

        /* Some back-channel data right away, as a bidirectional printer may send. */
        job_encode_data_header(reply, JOB_FRAME_BACKCHANNEL, 4);
        memcpy(reply + JOB_FRAME_HEADER_SIZE, "PJL\n", 4);
        if (write(fd, reply, JOB_FRAME_HEADER_SIZE + 4) < 0)
                _exit(EXIT_FAILURE);

        for (;;) {
                n = test_read_frame(fd, buf, &h);
                if (n <= 0)
                        _exit(EXIT_FAILURE);
                if (h.type == JOB_FRAME_END)
                        break;
                if (h.type != JOB_FRAME_DATA)
                        _exit(EXIT_FAILURE);
                received += h.length;
                if (ending != END_DONE && received > JOB_FRAME_DATA_MAX)
                        break;
        }

        switch (ending) {
        case END_DONE:
                n = job_encode_done(reply, sizeof(reply), received);
                break;
        case END_ERROR:
                n = job_encode_error(reply, sizeof(reply), JOB_ERROR_UNPLUGGED, received,
                                     "the printer was unplugged");
                break;
        case END_GARBAGE:
                memset(reply, 0xff, JOB_FRAME_HEADER_SIZE);
                n = JOB_FRAME_HEADER_SIZE;
                break;
        case END_CRASH:
        default:
                _exit(EXIT_SUCCESS);
        }
        if (write(fd, reply, (size_t)n) != n)
                _exit(EXIT_FAILURE);
        _exit(ending == END_DONE && received != expect ? EXIT_FAILURE : EXIT_SUCCESS);
}

/* A file of INPUT_SIZE bytes. */
static int input_file(void)
{
        char path[] = "/tmp/test-printer-client-XXXXXX";
        uint8_t *data = malloc(INPUT_SIZE);
        int fd = mkstemp(path);

        assert_true(fd >= 0);
        assert_non_null(data);
        assert_int_equal(unlink(path), 0);
        for (size_t i = 0; i < INPUT_SIZE; i++)
                data[i] = (uint8_t)(i * 7);
        assert_int_equal(write(fd, data, INPUT_SIZE), INPUT_SIZE);
        assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
        free(data);
        return fd;
}

/* Runs a job against a fake driver ending that way; returns the result and what the back-channel
 * got (at most 15 bytes). */
static void run_job(Ending ending, unsigned copies, JobResult *res, char *backchannel)
{
        _cleanup_close_ int input = input_file();
        int sv[2], bc[2], status;
        uint64_t length = (uint64_t)INPUT_SIZE * copies;
        pid_t pid;
        ssize_t n;

        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
        assert_int_equal(pipe2(bc, O_CLOEXEC | O_NONBLOCK), 0);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                close(sv[0]);
                fake_driver(sv[1], ending, length);
        }
        close(sv[1]);
        assert_int_equal(printer_send_job(sv[0], input, copies, length, bc[1], res), 0);
        close(sv[0]);
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), EXIT_SUCCESS);

        n = read(bc[0], backchannel, 15);
        backchannel[n > 0 ? n : 0] = '\0';
        close(bc[0]);
        close(bc[1]);
}

static void test_job_done(void **state)
{
        JobResult res;
        char bc[16];

        run_job(END_DONE, 1, &res, bc);
        assert_true(res.done);
        assert_int_equal(res.bytes, INPUT_SIZE);
        assert_string_equal(bc, "PJL\n");
        assert_string_equal(job_result_reason(&res), "done");

        /* Copies send the file again within the same job. */
        run_job(END_DONE, 3, &res, bc);
        assert_true(res.done);
        assert_int_equal(res.bytes, 3 * INPUT_SIZE);
}

static void test_job_error(void **state)
{
        JobResult res;
        char bc[16];

        run_job(END_ERROR, 1, &res, bc);
        assert_false(res.done);
        assert_int_equal(res.error, JOB_ERROR_UNPLUGGED);
        assert_true(res.bytes > JOB_FRAME_DATA_MAX);
        assert_string_equal(job_result_reason(&res), "the printer was unplugged");
}

static void test_job_connection_lost(void **state)
{
        JobResult res;
        char bc[16];

        /* A crash: EOF before DONE is a failure, with no error code from the driver. */
        run_job(END_CRASH, 1, &res, bc);
        assert_false(res.done);
        assert_int_equal(res.error, 0);
        assert_non_null(strstr(job_result_reason(&res), "before the job was done"));
}

static void test_job_garbage_reply(void **state)
{
        JobResult res;
        char bc[16];

        run_job(END_GARBAGE, 1, &res, bc);
        assert_false(res.done);
        assert_int_equal(res.error, JOB_ERROR_PROTOCOL);
}

typedef enum QueryServer {
        QUERY_ANSWERS, /* answers each QUERY with INFO, on the same connection */
        QUERY_TRICKLES, /* answers with a header announcing the largest INFO, then a byte every 10 ms,
                         * for ever: each byte comes well within the deadline, the whole never */
} QueryServer;

static pid_t fake_query_server(const char *path, const JobInfo *info, QueryServer kind)
{
        int fd = test_socket_listen(path, 4);
        pid_t pid = fork();

        assert_true(pid >= 0);
        if (pid == 0) {
                uint8_t *buf = malloc(JOB_FRAME_HEADER_SIZE + JOB_INFO_MAX);
                JobFrameHeader h;

                for (;;) {
                        int c = accept(fd, NULL, NULL);
                        ssize_t n;

                        if (c < 0 || !buf)
                                _exit(EXIT_FAILURE);
                        while (test_read_frame(c, buf, &h) > 0 && h.type == JOB_FRAME_QUERY) {
                                if (kind == QUERY_TRICKLES) {
                                        job_frame_header_encode(JOB_FRAME_INFO, JOB_INFO_MAX, buf);
                                        for (size_t i = 0; i < JOB_FRAME_HEADER_SIZE + JOB_INFO_MAX; i++) {
                                                if (write(c, buf + (i < JOB_FRAME_HEADER_SIZE ? i : 0), 1) != 1)
                                                        break;
                                                usleep(10 * 1000);
                                        }
                                        break;
                                }
                                n = job_encode_info(buf, JOB_FRAME_HEADER_SIZE + JOB_INFO_MAX, info);
                                if (n < 0 || write(c, buf, (size_t)n) != n)
                                        _exit(EXIT_FAILURE);
                        }
                        close(c);
                }
        }
        close(fd);
        return pid;
}

static void stop_child(pid_t pid)
{
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
}

static void test_query(void **state)
{
        char dir[] = "/tmp/test-printer-client-XXXXXX", path[96];
        static JobInfo info, got;
        int fd;
        pid_t pid;

        assert_non_null(mkdtemp(dir));
        snprintf(path, sizeof(path), "%s/1-1:1.0", dir);
        strcpy(info.device_id, "MFG:drvhost;MDL:Lab Printer;");
        strcpy(info.usb_serial, "LAB-a");
        pid = fake_query_server(path, &info, QUERY_ANSWERS);

        assert_int_equal(printer_query(path, QUERY_TIMEOUT_MSEC, &got), 0);
        assert_string_equal(got.usb_serial, "LAB-a");
        assert_string_equal(got.device_id, "MFG:drvhost;MDL:Lab Printer;");

        /* The connection stays usable: a second QUERY on it is answered too. */
        fd = printer_connect(path, QUERY_TIMEOUT_MSEC);
        assert_true(fd >= 0);
        assert_int_equal(printer_query_fd(fd, QUERY_TIMEOUT_MSEC, &got), 0);
        assert_int_equal(printer_query_fd(fd, QUERY_TIMEOUT_MSEC, &got), 0);
        assert_string_equal(got.usb_serial, "LAB-a");
        /* We are the listener (our fork is), and nobody else is. */
        assert_int_equal(printer_check_peer(fd, geteuid()), 0);
        assert_int_equal(printer_check_peer(fd, geteuid() + 1), -EPERM);
        close(fd);

        assert_int_equal(printer_query("/nonexistent/printer.sock", QUERY_TIMEOUT_MSEC, &got), -ENOENT);
        stop_child(pid);
        unlink(path);
        rmdir(dir);
}

static void test_query_trickle_deadline(void **state)
{
        char dir[] = "/tmp/test-printer-client-XXXXXX", path[96];
        static JobInfo info, got;
        pid_t pid;

        /* The answer would take JOB_INFO_MAX * 10 ms, over 80 s, and never completes; each byte
         * comes within 10 ms. A timeout per read would wait for ever: one deadline for the whole
         * answer ends it. */
        assert_non_null(mkdtemp(dir));
        snprintf(path, sizeof(path), "%s/1-1:1.0", dir);
        pid = fake_query_server(path, &info, QUERY_TRICKLES);
        assert_int_equal(printer_query(path, TRICKLE_TIMEOUT_MSEC, &got), -ETIMEDOUT);
        stop_child(pid);
        unlink(path);
        rmdir(dir);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_uri_round_trip),
            cmocka_unit_test(test_uri_parse),
            cmocka_unit_test(test_job_done),
            cmocka_unit_test(test_job_error),
            cmocka_unit_test(test_job_connection_lost),
            cmocka_unit_test(test_job_garbage_reply),
            cmocka_unit_test(test_query),
            cmocka_unit_test(test_query_trickle_deadline),
        };

        (void)signal(SIGPIPE, SIG_IGN);
        return cmocka_run_group_tests(tests, NULL, NULL);
}
