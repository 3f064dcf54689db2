/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The client side of the printer driver's socket, used by the CUPS backend and drvhost-print:
 * drvhost:// URIs, telling printers apart, QUERY and discovery against a fake driver, and how a job
 * ends (DONE, ERROR, or the connection lost, as when the driver crashes) against a fake driver in
 * a child process. */
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

enum {
        FRAME_MAX = JOB_FRAME_HEADER_SIZE + JOB_FRAME_DATA_MAX,
        QUERY_TIMEOUT_MSEC = 2000,
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

static void info_with(JobInfo *info, const char *device_id, const char *usb_serial, const char *instance)
{
        *info = (JobInfo){};
        strcpy(info->device_id, device_id);
        strcpy(info->usb_serial, usb_serial);
        strcpy(info->instance, instance);
        strcpy(info->status, "ready");
}

static void test_identity_and_matching(void **state)
{
        _cleanup_(printer_uri_done) PrinterUri by_serial = {}, by_model = {}, by_instance = {}, other = {};
        static JobInfo info;
        PrinterIdentity ident;

        assert_int_equal(printer_uri_parse("drvhost://drvhost/Lab%20Printer?serial=LAB-pc", &by_serial), 0);
        assert_int_equal(printer_uri_parse("drvhost://DRVHOST/lab%20printer", &by_model), 0);
        assert_int_equal(printer_uri_parse("drvhost://x/y?serial=usb-printer_1-1%3A1.0", &by_instance), 0);
        assert_int_equal(printer_uri_parse("drvhost://drvhost/Lab%20Printer?serial=OTHER", &other), 0);

        /* No SN in the ID: the USB serial number identifies it. */
        info_with(&info, "MFG:drvhost;MDL:Lab Printer;", "LAB-pc", "usb-printer_1-1:1.0");
        assert_int_equal(printer_identity_from_info(&info, &ident), 0);
        assert_string_equal(ident.manufacturer, "drvhost");
        assert_string_equal(ident.model, "Lab Printer");
        assert_string_equal(ident.serial, "LAB-pc");
        assert_true(printer_uri_matches(&by_serial, &ident, &info));
        assert_true(printer_uri_matches(&by_model, &ident, &info));
        assert_true(printer_uri_matches(&by_instance, &ident, &info));
        assert_false(printer_uri_matches(&other, &ident, &info));
        printer_identity_done(&ident);

        /* The ID's SN comes first; without any serial, the instance. */
        info_with(&info, "MFG:HP;MDL:LJ;SN:CN1;", "USB1", "usb-printer_2-1:1.0");
        assert_int_equal(printer_identity_from_info(&info, &ident), 0);
        assert_string_equal(ident.serial, "CN1");
        printer_identity_done(&ident);
        info_with(&info, "garbage without pairs", "", "usb-printer_2-1:1.0");
        assert_int_equal(printer_identity_from_info(&info, &ident), 0);
        assert_string_equal(ident.manufacturer, "Unknown");
        assert_string_equal(ident.model, "Printer");
        assert_string_equal(ident.serial, "usb-printer_2-1:1.0");
        assert_false(printer_uri_matches(&by_model, &ident, &info));
        printer_identity_done(&ident);
}

/* --- a fake driver ------------------------------------------------------------------------------ */

typedef enum Ending {
        END_DONE,    /* reads the whole job, answers DONE */
        END_ERROR,   /* reads some, answers ERROR unplugged and closes */
        END_CRASH,   /* reads some, exits without a word */
        END_GARBAGE, /* answers something that is not a frame */
} Ending;

/* Reads one whole frame from a blocking fd into buf. Returns its size, 0 at EOF, -1 on error. */
static ssize_t read_frame(int fd, uint8_t *buf, JobFrameHeader *h)
{
        size_t have = 0;

        for (;;) {
                const uint8_t *payload;
                ssize_t n = job_frame_parse(buf, have, h, &payload);

                if (n != 0)
                        return n;
                n = read(fd, buf + have,
                         have < JOB_FRAME_HEADER_SIZE ? JOB_FRAME_HEADER_SIZE - have
                                                      : JOB_FRAME_HEADER_SIZE + h->length - have);
                if (n <= 0)
                        return n;
                have += (size_t)n;
                if (have >= JOB_FRAME_HEADER_SIZE && job_frame_header_decode(buf, have, h) < 0)
                        return -1;
        }
}

/* The child: serves one job on fd the way ending says; exits 0 if the job looked right. */
static _noreturn_ void fake_driver(int fd, Ending ending, uint64_t expect)
{
        uint8_t *buf = malloc(FRAME_MAX), reply[JOB_CONTROL_FRAME_MAX];
        uint64_t received = 0, announced = 0;
        uint32_t version;
        JobFrameHeader h;
        ssize_t n;

        if (!buf || read_frame(fd, buf, &h) <= 0 || h.type != JOB_FRAME_JOB ||
            job_decode_request(buf + JOB_FRAME_HEADER_SIZE, h.length, &version, &announced) < 0 ||
            announced != expect)
                _exit(EXIT_FAILURE);

        /* Some back-channel data right away, as a bidirectional printer may send. */
        job_encode_data_header(reply, JOB_FRAME_BACKCHANNEL, 4);
        memcpy(reply + JOB_FRAME_HEADER_SIZE, "PJL\n", 4);
        if (write(fd, reply, JOB_FRAME_HEADER_SIZE + 4) < 0)
                _exit(EXIT_FAILURE);

        for (;;) {
                n = read_frame(fd, buf, &h);
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

/* A fake driver answering QUERY on a socket in a temporary directory, in a child. */
static pid_t fake_query_server(const char *path, const JobInfo *info)
{
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        int fd;
        pid_t pid;

        strcpy(sa.sun_path, path);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        assert_true(fd >= 0);
        assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
        assert_int_equal(listen(fd, 4), 0);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                uint8_t *buf = malloc(JOB_FRAME_HEADER_SIZE + JOB_INFO_MAX);
                JobFrameHeader h;

                for (;;) {
                        int c = accept(fd, NULL, NULL);
                        ssize_t n;

                        if (c < 0 || !buf)
                                _exit(EXIT_FAILURE);
                        if (read_frame(c, buf, &h) > 0 && h.type == JOB_FRAME_QUERY) {
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

static void stale_socket(const char *path)
{
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

        strcpy(sa.sun_path, path);
        assert_true(fd >= 0);
        assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
        close(fd);
}

static int count_found(const char *path, const JobInfo *info, void *userdata)
{
        (*(unsigned *)userdata)++;
        return 0;
}

static void test_query_discover_find(void **state)
{
        char dir[] = "/tmp/test-printer-client-XXXXXX", pattern[64], path1[96], path2[96], stale[96];
        _cleanup_(printer_uri_done) PrinterUri u = {};
        _cleanup_free_ char *found = NULL;
        static JobInfo info1, info2, got;
        unsigned n = 0;
        pid_t pid1, pid2;

        assert_non_null(mkdtemp(dir));
        snprintf(pattern, sizeof(pattern), "%s/*/printer.sock", dir);
        snprintf(path1, sizeof(path1), "%s/a", dir);
        assert_int_equal(mkdir(path1, 0700), 0);
        snprintf(path1, sizeof(path1), "%s/a/printer.sock", dir);
        snprintf(path2, sizeof(path2), "%s/b", dir);
        assert_int_equal(mkdir(path2, 0700), 0);
        snprintf(path2, sizeof(path2), "%s/b/printer.sock", dir);
        /* A socket nobody listens on any more, as a crashed driver leaves. */
        snprintf(stale, sizeof(stale), "%s/c", dir);
        assert_int_equal(mkdir(stale, 0700), 0);
        snprintf(stale, sizeof(stale), "%s/c/printer.sock", dir);
        stale_socket(stale);

        info_with(&info1, "MFG:drvhost;MDL:Lab Printer;", "LAB-a", "usb-printer_1-1:1.0");
        info_with(&info2, "MFG:drvhost;MDL:Lab Printer;", "LAB-b", "usb-printer_2-1:1.0");
        pid1 = fake_query_server(path1, &info1);
        pid2 = fake_query_server(path2, &info2);

        assert_int_equal(printer_query(path1, QUERY_TIMEOUT_MSEC, &got), 0);
        assert_string_equal(got.usb_serial, "LAB-a");
        assert_string_equal(got.device_id, "MFG:drvhost;MDL:Lab Printer;");

        assert_int_equal(printer_discover(pattern, QUERY_TIMEOUT_MSEC, count_found, &n), 0);
        assert_int_equal(n, 2);

        /* Two of the same model: the serial tells them apart. */
        assert_int_equal(printer_uri_parse("drvhost://drvhost/Lab%20Printer?serial=LAB-b", &u), 0);
        assert_int_equal(printer_find(pattern, &u, QUERY_TIMEOUT_MSEC, &found, &got), 0);
        assert_string_equal(found, path2);
        printer_uri_done(&u);
        assert_int_equal(printer_uri_parse("drvhost://drvhost/Lab%20Printer?serial=LAB-c", &u), 0);
        assert_int_equal(printer_find(pattern, &u, QUERY_TIMEOUT_MSEC, &found, &got), -ENOENT);

        assert_int_equal(printer_query("/nonexistent/printer.sock", QUERY_TIMEOUT_MSEC, &got), -ENOENT);

        kill(pid1, SIGKILL);
        kill(pid2, SIGKILL);
        waitpid(pid1, NULL, 0);
        waitpid(pid2, NULL, 0);
        unlink(path1);
        unlink(path2);
        unlink(stale);
        snprintf(path1, sizeof(path1), "%s/a", dir);
        rmdir(path1);
        snprintf(path1, sizeof(path1), "%s/b", dir);
        rmdir(path1);
        snprintf(path1, sizeof(path1), "%s/c", dir);
        rmdir(path1);
        rmdir(dir);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_uri_round_trip),
            cmocka_unit_test(test_uri_parse),
            cmocka_unit_test(test_identity_and_matching),
            cmocka_unit_test(test_job_done),
            cmocka_unit_test(test_job_error),
            cmocka_unit_test(test_job_connection_lost),
            cmocka_unit_test(test_job_garbage_reply),
            cmocka_unit_test(test_query_discover_find),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
