/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The printer driver's job server (job-server.c) in the real event loop of libdrvhost-driver, with
 * a fake printer instead of USB: the test's tick completes the OUT "transfers" and records their
 * bytes. Clients are child processes using the real client code (print-client.c). Covers a whole
 * job, jobs queued behind each other, QUERY while busy, QUERY then JOB on one connection, the
 * listening socket drvhostd passes (kept across a restart), idle clients dropped, and the ways a job
 * fails. */
#include <errno.h>
#include <fcntl.h>
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
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "driver-internal.h"
#include "macro.h"
#include "print-client.h"
#include "job-connection.h"
#include "printer.h"
#include "test-job-socket.h"

enum {
        JOB_SIZE = 5 * OUT_BUFFER_SIZE + 4321,
        CLIENTS_MAX = 3,
        CAPTURE_MAX = CLIENTS_MAX * JOB_SIZE,
        /* Ticks (100 ms at most each) before a test that did not finish gives up. */
        TICKS_MAX = 300,
        QUERY_TIMEOUT_MSEC = 2000,
        CLIENT_KILLED = 100,
        USEC_PER_SEC = 1000000,
        NSEC_PER_USEC = 1000,
};

/* How the fake printer completes transfers. */
typedef enum FakeBehaviour {
        FAKE_OK,
        FAKE_TIMEOUT, /* the second transfer times out */
        FAKE_HOLD,    /* completes nothing until told */
} FakeBehaviour;

typedef enum AgeRule {
        AGE_NONE,
        AGE_ALL,     /* every one */
        AGE_PARTIAL, /* those that sent part of a frame */
} AgeRule;

typedef struct Test {
        Printer p;
        int device_write_end;
        FakeBehaviour behaviour;
        unsigned submitted;
        uint8_t *capture;
        size_t captured;
        pid_t clients[CLIENTS_MAX];
        int client_status[CLIENTS_MAX];
        unsigned n_clients;
        unsigned ticks;
        char dir[64];
        char path[128];             /* the socket clients connect to */
        int passed_fd;              /* the listening socket "drvhostd" passed, or -EBADF */
        bool stop_server_when_busy; /* job_server_stop() once a job is mid-way */
        AgeRule age;                /* which connections still without a JOB to make look overdue */
        int wait_client;            /* run() until this client ended; -1: until all did */
} Test;

/* --- what job-server.c needs from printer.c and printer-usb.c, faked --- */

uint64_t now_usec(void)
{
        struct timespec ts;

        (void)clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * USEC_PER_SEC + (uint64_t)ts.tv_nsec / NSEC_PER_USEC;
}

void printer_update_status(Printer *p)
{
}

void printer_describe(Printer *p, JobInfo *ret)
{
        strcpy(ret->device_id, "MFG:Fake;MDL:Printer;");
        strcpy(ret->status, "ready");
        strcpy(ret->instance, "usb-printer_9-9:1.0");
        ret->busy = p->job != NULL;
}

void printer_usb_resume_in(Printer *p)
{
}

OutSlot *printer_usb_free_slot(Printer *p)
{
        for (int i = 0; i < OUT_SLOTS; i++)
                if (!p->out[i].in_flight && i != p->fill_slot)
                        return &p->out[i];
        return NULL;
}

int printer_usb_submit(Printer *p, OutSlot *slot)
{
        Test *t = (Test *)p;

        slot->transfer->length = (int)slot->fill;
        slot->in_flight = true;
        p->out_in_flight++;
        t->submitted++;
        return 0;
}

void printer_usb_cancel_out(Printer *p)
{
        for (unsigned i = 0; i < OUT_SLOTS; i++)
                if (p->out[i].in_flight) {
                        p->out[i].in_flight = false;
                        p->out_in_flight--;
                        job_out_done(p, &p->out[i], LIBUSB_TRANSFER_CANCELLED, 0);
                }
}

/* The fake printer: takes every transfer in flight, in submission order being irrelevant here since
 * each job's bytes go through one fill slot at a time and are recorded as they complete. */
static void fake_printer_step(Test *t)
{
        Printer *p = &t->p;

        if (t->behaviour == FAKE_HOLD)
                return;
        for (unsigned i = 0; i < OUT_SLOTS; i++) {
                OutSlot *s = &p->out[i];
                enum libusb_transfer_status status = LIBUSB_TRANSFER_COMPLETED;
                int actual;

                if (!s->in_flight)
                        continue;
                actual = s->transfer->length;
                if (t->behaviour == FAKE_TIMEOUT && t->submitted >= 2) {
                        status = LIBUSB_TRANSFER_TIMED_OUT;
                        actual /= 2;
                }
                assert_true(t->captured + (size_t)actual <= CAPTURE_MAX);
                memcpy(t->capture + t->captured, s->transfer->buffer, (size_t)actual);
                t->captured += (size_t)actual;
                s->in_flight = false;
                p->out_in_flight--;
                job_out_done(p, s, status, actual);
        }
}

/* Reaps the clients that ended; whether the one run() waits for (or any) still runs. */
static bool clients_running(Test *t)
{
        bool running = false;

        for (unsigned i = 0; i < t->n_clients; i++) {
                int status;

                if (t->clients[i] > 0 && waitpid(t->clients[i], &status, WNOHANG) == t->clients[i]) {
                        t->client_status[i] = WIFEXITED(status) ? WEXITSTATUS(status) : CLIENT_KILLED;
                        t->clients[i] = 0;
                }
                if (t->clients[i] > 0 && (t->wait_client < 0 || (unsigned)t->wait_client == i))
                        running = true;
        }
        return running;
}

static int on_tick(DrvhostDriver *d, void *userdata)
{
        Test *t = userdata;

        fake_printer_step(t);
        for (size_t i = 0; t->age != AGE_NONE && i < t->p.n_connections; i++) {
                Connection *c = t->p.connections[i];

                if (c->state == CONNECTION_REQUEST && (t->age == AGE_ALL || c->in_len > 0))
                        c->since_usec = 0;
        }
        job_server_tick(&t->p);
        if (t->stop_server_when_busy && t->p.job && t->p.job_received > OUT_BUFFER_SIZE) {
                t->behaviour = FAKE_HOLD;
                return drvhost_driver_stop(d, EXIT_SUCCESS);
        }
        if (!clients_running(t) || ++t->ticks >= TICKS_MAX)
                return drvhost_driver_stop(d, EXIT_SUCCESS);
        return 0;
}

static int setup_with(void **state, bool passed)
{
        Test *t = calloc(1, sizeof(*t));
        int fds[2];

        assert_non_null(t);
        assert_int_equal(driver_alloc(&t->p.driver), 0);
        assert_int_equal(libusb_set_option(NULL, LIBUSB_OPTION_NO_DEVICE_DISCOVERY), 0);
        assert_int_equal(libusb_init(&t->p.driver->context), 0);
        assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
        t->p.driver->env.device_fd = fds[0];
        t->device_write_end = fds[1];
        t->p.listen_fd = -EBADF;
        t->p.fill_slot = -1;
        t->p.write_timeout_ms = 1000;
        strcpy(t->p.instance, "usb-printer_9-9_1_0");
        for (unsigned i = 0; i < OUT_SLOTS; i++) {
                t->p.out[i].transfer = libusb_alloc_transfer(0);
                assert_non_null(t->p.out[i].transfer);
                t->p.out[i].transfer->buffer = malloc(OUT_BUFFER_SIZE);
                assert_non_null(t->p.out[i].transfer->buffer);
        }
        t->wait_client = -1;
        t->capture = malloc(CAPTURE_MAX);
        assert_non_null(t->capture);

        strcpy(t->dir, "/tmp/test-printer-server-XXXXXX");
        assert_non_null(mkdtemp(t->dir));
        assert_int_equal(setenv("RUNTIME_DIRECTORY", t->dir, 1), 0);
        t->passed_fd = -EBADF;
        if (passed) {
                snprintf(t->path, sizeof(t->path), "%s/9-9:1.0", t->dir);
                t->passed_fd = test_socket_listen(t->path, 16);
                /* The library owns it, as it owns what the launcher passed. */
                t->p.driver->env.socket_fd = t->passed_fd;
        } else
                snprintf(t->path, sizeof(t->path), "%s/%s", t->dir, JOB_SOCKET_NAME);
        assert_int_equal(job_server_start(&t->p), 0);
        assert_string_equal(t->p.socket_path, t->path);
        *state = t;
        return 0;
}

static int setup(void **state)
{
        return setup_with(state, false);
}

static int setup_passed(void **state)
{
        return setup_with(state, true);
}

static int teardown(void **state)
{
        Test *t = *state;

        job_server_stop(&t->p, JOB_ERROR_STOPPING);
        for (unsigned i = 0; i < t->n_clients; i++)
                if (t->clients[i] > 0) {
                        kill(t->clients[i], SIGKILL);
                        waitpid(t->clients[i], NULL, 0);
                }
        for (unsigned i = 0; i < OUT_SLOTS; i++) {
                free(t->p.out[i].transfer->buffer);
                libusb_free_transfer(t->p.out[i].transfer);
        }
        t->p.driver = drvhost_driver_free(t->p.driver);
        safe_close(t->device_write_end);
        /* Our own socket is gone; drvhostd's is drvhostd's to remove. */
        if (t->passed_fd >= 0)
                assert_int_equal(unlink(t->path), 0);
        assert_int_equal(rmdir(t->dir), 0);
        free(t->capture);
        free(t);
        return 0;
}

/* The bytes of client n's job. */
static void job_data(uint8_t *buf, size_t n, unsigned client)
{
        for (size_t i = 0; i < n; i++)
                buf[i] = (uint8_t)(i * 13 + client * 101 + i / 4096);
}

typedef enum ClientKind {
        CLIENT_JOB,          /* prints its job; exit 0 on DONE with all bytes, 1 otherwise */
        CLIENT_WRONG_LENGTH, /* announces one byte more than it sends */
        CLIENT_HANGS_UP,     /* sends a part and closes without END */
        CLIENT_QUERY_BUSY,   /* exit 0 if QUERY says BUSY=yes */
        CLIENT_QUERY_JOB,    /* QUERY, then its job on the same connection */
        CLIENT_IDLE,         /* connects, sends nothing; exit 0 when the server hangs up */
        CLIENT_HALF_FRAME,   /* sends half a frame header, then nothing; exit 0 on hang-up */
} ClientKind;

/* Exit statuses of a CLIENT_JOB child, by how its job ended. */
enum {
        CLIENT_DONE = 0,
        CLIENT_ERROR_BASE = 10, /* + JobError */
        CLIENT_LOST = 30,
        CLIENT_BROKEN = 40,
};

/* Waits for the server to hang up on us. */
static _noreturn_ void client_wait_hangup(int fd)
{
        char c;

        _exit(fd >= 0 && read(fd, &c, 1) == 0 ? CLIENT_DONE : CLIENT_BROKEN);
}

static _noreturn_ void client_main(Test *t, ClientKind kind, unsigned n)
{
        const char *path = t->path;
        uint8_t *data = malloc(JOB_SIZE);
        uint64_t length = JOB_SIZE;
        JobResult res;
        JobInfo *info = malloc(sizeof(*info));
        int fd, pipefd[2];

        if (!data || !info)
                _exit(CLIENT_BROKEN);

        if (kind == CLIENT_QUERY_BUSY) {
                /* Until the other client's job started. */
                for (unsigned i = 0; i < 100; i++) {
                        if (printer_query(path, QUERY_TIMEOUT_MSEC, info) < 0)
                                _exit(CLIENT_BROKEN);
                        if (info->busy)
                                _exit(streq(info->device_id, "MFG:Fake;MDL:Printer;") ? CLIENT_DONE
                                                                                      : CLIENT_BROKEN);
                        usleep(20 * 1000);
                }
                _exit(CLIENT_BROKEN);
        }

        job_data(data, JOB_SIZE, n);
        fd = printer_connect(path, 0);
        if (kind == CLIENT_IDLE)
                client_wait_hangup(fd);
        if (kind == CLIENT_HALF_FRAME) {
                if (fd < 0 || write(fd, "\0\x02\0", 3) != 3)
                        _exit(CLIENT_BROKEN);
                client_wait_hangup(fd);
        }
        if (kind == CLIENT_QUERY_JOB &&
            (printer_query_fd(fd, QUERY_TIMEOUT_MSEC, info) < 0 ||
             !streq(info->device_id, "MFG:Fake;MDL:Printer;")))
                _exit(CLIENT_BROKEN);
        if (fd < 0 || pipe(pipefd) < 0)
                _exit(CLIENT_BROKEN);
        /* The job's data comes from a pipe filled by a grandchild, as from a filter. */
        if (fork() == 0) {
                size_t len = kind == CLIENT_HANGS_UP ? JOB_SIZE / 2 : JOB_SIZE;

                close(pipefd[0]);
                if (write(pipefd[1], data, len) != (ssize_t)len)
                        _exit(EXIT_FAILURE);
                if (kind == CLIENT_HANGS_UP) {
                        /* Die mid-job: the parent's connection closes with it. */
                        usleep(200 * 1000);
                        kill(getppid(), SIGKILL);
                }
                _exit(EXIT_SUCCESS);
        }
        close(pipefd[1]);
        if (kind == CLIENT_WRONG_LENGTH)
                length++;
        if (printer_send_job(fd, pipefd[0], 1, length, -1, &res) < 0)
                _exit(CLIENT_BROKEN);
        if (res.done)
                _exit(res.bytes == JOB_SIZE ? CLIENT_DONE : CLIENT_BROKEN);
        _exit(res.error ? CLIENT_ERROR_BASE + (int)res.error : CLIENT_LOST);
}

static void start_client(Test *t, ClientKind kind)
{
        pid_t pid = fork();

        assert_true(pid >= 0);
        if (pid == 0)
                client_main(t, kind, t->n_clients);
        t->clients[t->n_clients++] = pid;
}

static void run(Test *t)
{
        const DrvhostDriverOps ops = {.tick = on_tick};

        assert_int_equal(drvhost_driver_run(t->p.driver, &ops, t), 0);
        assert_true(t->ticks < TICKS_MAX);
}

static void assert_job_captured(Test *t, size_t offset, unsigned client)
{
        uint8_t *expect = malloc(JOB_SIZE);

        assert_non_null(expect);
        job_data(expect, JOB_SIZE, client);
        assert_memory_equal(t->capture + offset, expect, JOB_SIZE);
        free(expect);
}

static void test_job_done(void **state)
{
        Test *t = *state;

        start_client(t, CLIENT_JOB);
        run(t);
        assert_int_equal(t->client_status[0], CLIENT_DONE);
        assert_int_equal(t->captured, JOB_SIZE);
        assert_job_captured(t, 0, 0);
        assert_null(t->p.job);
}

static void test_jobs_queue(void **state)
{
        Test *t = *state;

        /* Three at once: each prints whole, one after the other, never interleaved. */
        start_client(t, CLIENT_JOB);
        start_client(t, CLIENT_JOB);
        start_client(t, CLIENT_JOB);
        run(t);
        for (unsigned i = 0; i < 3; i++)
                assert_int_equal(t->client_status[i], CLIENT_DONE);
        assert_int_equal(t->captured, 3 * JOB_SIZE);
        /* Arrival order is fork order only roughly; each block must be one client's job. */
        for (unsigned block = 0; block < 3; block++) {
                bool found = false;

                for (unsigned c = 0; c < 3 && !found; c++) {
                        uint8_t *expect = malloc(JOB_SIZE);

                        job_data(expect, JOB_SIZE, c);
                        found = memcmp(t->capture + block * JOB_SIZE, expect, JOB_SIZE) == 0;
                        free(expect);
                }
                assert_true(found);
        }
}

static void test_query_while_busy(void **state)
{
        Test *t = *state;

        /* The printer takes nothing, so the job stays busy while the query comes. */
        t->behaviour = FAKE_HOLD;
        start_client(t, CLIENT_JOB);
        start_client(t, CLIENT_QUERY_BUSY);
        t->wait_client = 1;
        run(t);
        assert_int_equal(t->client_status[1], CLIENT_DONE);
        assert_non_null(t->p.job);
}

static void test_timeout(void **state)
{
        Test *t = *state;

        t->behaviour = FAKE_TIMEOUT;
        start_client(t, CLIENT_JOB);
        run(t);
        assert_int_equal(t->client_status[0], CLIENT_ERROR_BASE + JOB_ERROR_TIMEOUT);
}

static void test_length_mismatch(void **state)
{
        Test *t = *state;

        start_client(t, CLIENT_WRONG_LENGTH);
        start_client(t, CLIENT_JOB);
        run(t);
        assert_int_equal(t->client_status[0], CLIENT_ERROR_BASE + JOB_ERROR_LENGTH);
        /* The next job is not disturbed. */
        assert_int_equal(t->client_status[1], CLIENT_DONE);
}

static void test_client_hangs_up(void **state)
{
        Test *t = *state;

        start_client(t, CLIENT_HANGS_UP);
        run(t);
        assert_int_equal(t->client_status[0], CLIENT_KILLED);
        /* The server notices and serves the next job whole. */
        t->ticks = 0;
        t->p.driver->stop_requested = false;
        start_client(t, CLIENT_JOB);
        run(t);
        assert_int_equal(t->client_status[1], CLIENT_DONE);
        assert_job_captured(t, t->captured - JOB_SIZE, 1);
}

static void test_stop_mid_job(void **state)
{
        Test *t = *state;

        t->stop_server_when_busy = true;
        start_client(t, CLIENT_JOB);
        run(t);
        /* What main() does after the loop: transfers back, then the server stops. */
        t->p.stopping = true;
        printer_usb_cancel_out(&t->p);
        job_server_stop(&t->p, JOB_ERROR_STOPPING);
        assert_int_equal(waitpid(t->clients[0], &t->client_status[0], 0), t->clients[0]);
        t->clients[0] = 0;
        assert_true(WIFEXITED(t->client_status[0]));
        assert_int_equal(WEXITSTATUS(t->client_status[0]), CLIENT_ERROR_BASE + JOB_ERROR_STOPPING);
}

static void test_query_then_job(void **state)
{
        Test *t = *state;

        /* The client prints on the connection whose answer it checked. */
        start_client(t, CLIENT_QUERY_JOB);
        run(t);
        assert_int_equal(t->client_status[0], CLIENT_DONE);
        assert_int_equal(t->captured, JOB_SIZE);
        assert_job_captured(t, 0, 0);
}

/* A client that says nothing, or half a frame, would hold a connection slot for ever: overdue, it
 * is hung up on. (The deadline itself, REQUEST_TIMEOUT_USEC, is not waited for: since_usec is moved
 * back instead.) */
static void test_idle_client_dropped(void **state)
{
        Test *t = *state;

        t->age = AGE_ALL;
        start_client(t, CLIENT_IDLE);
        run(t);
        assert_int_equal(t->client_status[0], CLIENT_DONE);
        assert_int_equal(t->p.n_connections, 0);
}

static void test_half_frame_dropped(void **state)
{
        Test *t = *state;

        t->age = AGE_PARTIAL;
        start_client(t, CLIENT_HALF_FRAME);
        run(t);
        assert_int_equal(t->client_status[0], CLIENT_DONE);
        assert_int_equal(t->p.n_connections, 0);
}

static void test_passed_socket(void **state)
{
        Test *t = *state;
        struct stat st;

        assert_int_equal(t->p.listen_fd, t->passed_fd);
        start_client(t, CLIENT_QUERY_JOB);
        run(t);
        assert_int_equal(t->client_status[0], CLIENT_DONE);
        assert_job_captured(t, 0, 0);

        /* A driver stopping leaves drvhostd's socket as it is: a client connecting meanwhile waits
         * in its backlog, and the next driver process serves it. */
        job_server_stop(&t->p, JOB_ERROR_STOPPING);
        assert_int_equal(lstat(t->path, &st), 0);
        assert_true(S_ISSOCK(st.st_mode));
        assert_true(fcntl(t->passed_fd, F_GETFD) >= 0);
        start_client(t, CLIENT_JOB);
        t->p.stopping = false;
        t->p.driver->stop_requested = false;
        t->ticks = 0;
        assert_int_equal(job_server_start(&t->p), 0);
        run(t);
        assert_int_equal(t->client_status[1], CLIENT_DONE);
        assert_job_captured(t, JOB_SIZE, 1);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_job_done, setup, teardown),
            cmocka_unit_test_setup_teardown(test_jobs_queue, setup, teardown),
            cmocka_unit_test_setup_teardown(test_query_while_busy, setup, teardown),
            cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
            cmocka_unit_test_setup_teardown(test_length_mismatch, setup, teardown),
            cmocka_unit_test_setup_teardown(test_client_hangs_up, setup, teardown),
            cmocka_unit_test_setup_teardown(test_stop_mid_job, setup, teardown),
            cmocka_unit_test_setup_teardown(test_query_then_job, setup, teardown),
            cmocka_unit_test_setup_teardown(test_idle_client_dropped, setup, teardown),
            cmocka_unit_test_setup_teardown(test_half_frame_dropped, setup, teardown),
            cmocka_unit_test_setup_teardown(test_passed_socket, setup_passed, teardown),
        };

        (void)signal(SIGPIPE, SIG_IGN);
        return cmocka_run_group_tests(tests, NULL, NULL);
}
