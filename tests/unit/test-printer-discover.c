/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Finding printers (print-discover.c) and telling them apart (print-identity.c): socket names, the
 * directory's and each socket's owner and type (symlinks refused), the USB serial number from a fake
 * sysfs, the identity rule (the kernel's USB serial before the driver's SN), and a URI that two
 * printers match refused, naming both. Fake drivers answer QUERY from child processes; a temporary
 * directory stands in for /run/drvhost/printer. The tests run unprivileged, so the uid that must own
 * the directory and the sockets and listen on them is ours, not root's: PrinterPlaces.owner is that
 * hook. (A listener of another uid is refused: test-printer-client.c checks printer_check_peer().) */
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
#include <unistd.h>

#include <cmocka.h>

#include "macro.h"
#include "print-client.h"
#include "print-discover.h"
#include "test-job-socket.h"

enum {
        QUERY_TIMEOUT_MSEC = 2000,
        SERVERS_MAX = 8,
        PATH_SIZE = 256,
};

#define LAB_ID "MFG:drvhost;MDL:Lab Printer;"

/* A temporary root: sock/ is the socket directory, sys/ the sysfs USB device links, dev/ the devices. */
typedef struct Tree {
        char root[64];
        char sock[PATH_SIZE];
        char sys[PATH_SIZE];
        pid_t servers[SERVERS_MAX];
        unsigned n_servers;
        PrinterPlaces pl;
} Tree;

static void pathf(char *buf, const char *format, ...) _printf_(2, 3);
static void pathf(char *buf, const char *format, ...)
{
        va_list ap;
        int n;

        va_start(ap, format);
        n = vsnprintf(buf, PATH_SIZE, format, ap);
        va_end(ap);
        assert_true(n > 0 && n < PATH_SIZE);
}

static int setup(void **state)
{
        Tree *t = calloc(1, sizeof(*t));
        char path[PATH_SIZE];

        assert_non_null(t);
        strcpy(t->root, "/tmp/test-printer-discover-XXXXXX");
        assert_non_null(mkdtemp(t->root));
        pathf(t->sock, "%s/sock", t->root);
        pathf(t->sys, "%s/sys", t->root);
        assert_int_equal(mkdir(t->sock, 0755), 0);
        assert_int_equal(mkdir(t->sys, 0755), 0);
        pathf(path, "%s/dev", t->root);
        assert_int_equal(mkdir(path, 0755), 0);
        t->pl = (PrinterPlaces){.socket_dir = t->sock, .sysfs_usb = t->sys, .owner = geteuid()};
        *state = t;
        return 0;
}

static int teardown(void **state)
{
        Tree *t = *state;
        char cmd[PATH_SIZE];

        for (unsigned i = 0; i < t->n_servers; i++) {
                kill(t->servers[i], SIGKILL);
                waitpid(t->servers[i], NULL, 0);
        }
        pathf(cmd, "rm -rf '%s'", t->root);
        assert_int_equal(system(cmd), 0);
        free(t);
        return 0;
}

/* A USB device dev with interface intf in the fake sysfs, and its serial number (NULL: none). */
static void fake_usb(Tree *t, const char *dev, const char *intf, const char *serial)
{
        char path[PATH_SIZE], target[PATH_SIZE];
        FILE *f;

        pathf(path, "%s/dev/%s", t->root, dev);
        assert_int_equal(mkdir(path, 0755), 0);
        pathf(path, "%s/dev/%s/%s", t->root, dev, intf);
        assert_int_equal(mkdir(path, 0755), 0);
        if (serial) {
                pathf(path, "%s/dev/%s/serial", t->root, dev);
                f = fopen(path, "we");
                assert_non_null(f);
                fprintf(f, "%s\n", serial); /* as sysfs has it */
                assert_int_equal(fclose(f), 0);
        }
        /* As /sys/bus/usb/devices/<intf> links to the interface under its device. */
        pathf(target, "../dev/%s/%s", dev, intf);
        pathf(path, "%s/%s", t->sys, intf);
        assert_int_equal(symlink(target, path), 0);
}

/* A fake driver on sock/name, answering every QUERY with device_id (on the same connection). */
static void fake_driver(Tree *t, const char *name, const char *device_id)
{
        char path[PATH_SIZE];
        int fd;
        pid_t pid;

        pathf(path, "%s/%s", t->sock, name);
        fd = test_socket_listen(path, 4);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                static JobInfo info;
                uint8_t *buf = malloc(JOB_FRAME_HEADER_SIZE + JOB_INFO_MAX);
                JobFrameHeader h;

                strcpy(info.device_id, device_id);
                /* What a driver claims about its USB serial is not looked at. */
                strcpy(info.usb_serial, "CLAIMED");
                for (;;) {
                        int c = accept(fd, NULL, NULL);
                        ssize_t n;

                        if (c < 0 || !buf)
                                _exit(EXIT_FAILURE);
                        while (test_read_frame(c, buf, &h) > 0 && h.type == JOB_FRAME_QUERY) {
                                n = job_encode_info(buf, JOB_FRAME_HEADER_SIZE + JOB_INFO_MAX, &info);
                                if (n < 0 || write(c, buf, (size_t)n) != n)
                                        _exit(EXIT_FAILURE);
                        }
                        close(c);
                }
        }
        close(fd);
        assert_true(t->n_servers < SERVERS_MAX);
        t->servers[t->n_servers++] = pid;
}

static void test_name_valid(void **state)
{
        assert_true(printer_name_valid("1-1:1.0"));
        assert_true(printer_name_valid("3-1.4.2:1.1"));
        assert_false(printer_name_valid(""));
        assert_false(printer_name_valid("."));
        assert_false(printer_name_valid(".."));
        assert_false(printer_name_valid("../1-1:1.0"));
        assert_false(printer_name_valid("1-1/1.0"));
        assert_false(printer_name_valid("printer.sock"));
        assert_false(printer_name_valid("1-1:1.0\n"));
        assert_false(
            printer_name_valid("1111111111111111111111111111111111111111111111111111111111111-1:1.0"));
}

static void test_identity(void **state)
{
        _cleanup_(printer_uri_done) PrinterUri by_serial = {}, by_model = {}, by_sn = {}, by_port = {};
        _cleanup_free_ char *uri = NULL;
        PrinterIdentity ident;

        assert_int_equal(printer_uri_parse("drvhost://drvhost/Lab%20Printer?serial=LAB-pc", &by_serial), 0);
        assert_int_equal(printer_uri_parse("drvhost://DRVHOST/lab%20printer", &by_model), 0);
        assert_int_equal(printer_uri_parse("drvhost://HP/LJ?serial=CN1", &by_sn), 0);
        assert_int_equal(printer_uri_parse("drvhost://x/y?serial=2-1%3A1.0", &by_port), 0);

        /* No SN in the ID: the USB serial number. */
        assert_int_equal(printer_identity_make(LAB_ID, "LAB-pc", "1-1:1.0", &ident), 0);
        assert_string_equal(ident.manufacturer, "drvhost");
        assert_string_equal(ident.model, "Lab Printer");
        assert_string_equal(ident.serial, "LAB-pc");
        assert_int_equal(ident.serial_source, PRINTER_SERIAL_USB);
        assert_true(printer_uri_matches(&by_serial, &ident));
        assert_true(printer_uri_matches(&by_model, &ident));
        assert_false(printer_uri_matches(&by_sn, &ident));
        printer_identity_done(&ident);

        /* The device has a USB serial number: an SN the driver claims is not the identity. */
        assert_int_equal(printer_identity_make("MFG:HP;MDL:LJ;SN:CN1;", "USB1", "2-1:1.0", &ident), 0);
        assert_string_equal(ident.serial, "USB1");
        assert_false(printer_uri_matches(&by_sn, &ident));
        printer_identity_done(&ident);

        /* Without one, the SN; without either, the interface. */
        assert_int_equal(printer_identity_make("MFG:HP;MDL:LJ;SN:CN1;", "", "2-1:1.0", &ident), 0);
        assert_string_equal(ident.serial, "CN1");
        assert_int_equal(ident.serial_source, PRINTER_SERIAL_DEVICE_ID);
        assert_true(printer_uri_matches(&by_sn, &ident));
        printer_identity_done(&ident);
        assert_int_equal(printer_identity_make("garbage without pairs", NULL, "2-1:1.0", &ident), 0);
        assert_string_equal(ident.manufacturer, "Unknown");
        assert_string_equal(ident.model, "Printer");
        assert_string_equal(ident.serial, "2-1:1.0");
        assert_int_equal(ident.serial_source, PRINTER_SERIAL_INTERFACE);
        assert_true(printer_uri_matches(&by_port, &ident));
        assert_false(printer_uri_matches(&by_model, &ident));
        printer_identity_done(&ident);

        /* A queue made before (serial: the ID's SN first) keeps working when SN and USB serial agree. */
        assert_int_equal(printer_identity_make("MFG:HP;MDL:LJ;SN:CN1;", "CN1", "2-1:1.0", &ident), 0);
        assert_true(printer_uri_matches(&by_sn, &ident));
        assert_int_equal(printer_uri_format(ident.manufacturer, ident.model, ident.serial, &uri), 0);
        assert_string_equal(uri, "drvhost://HP/LJ?serial=CN1");
        printer_identity_done(&ident);
}

static void test_dir_checks(void **state)
{
        Tree *t = *state;
        char link[PATH_SIZE];
        int fd;

        fd = printer_dir_open(t->sock, geteuid());
        assert_true(fd >= 0);
        close(fd);
        assert_int_equal(printer_dir_open(t->sock, geteuid() + 1), -EPERM);
        assert_int_equal(chmod(t->sock, 0775), 0);
        assert_int_equal(printer_dir_open(t->sock, geteuid()), -EPERM);
        assert_int_equal(chmod(t->sock, 0757), 0);
        assert_int_equal(printer_dir_open(t->sock, geteuid()), -EPERM);
        assert_int_equal(chmod(t->sock, 0755), 0);
        /* A symlink to a good directory is not the directory. */
        pathf(link, "%s/link", t->root);
        assert_int_equal(symlink(t->sock, link), 0);
        assert_int_equal(printer_dir_open(link, geteuid()), -EPERM);
        pathf(link, "%s/none", t->root);
        assert_int_equal(printer_dir_open(link, geteuid()), -ENOENT);

        /* Discovery refuses the whole directory then. */
        t->pl.owner = geteuid() + 1;
        assert_int_equal(printer_discover(&t->pl, QUERY_TIMEOUT_MSEC, NULL, NULL, NULL), -EPERM);
        /* And finds nothing, without failing, where no printer was ever bound. */
        t->pl.owner = geteuid();
        t->pl.socket_dir = link;
        assert_int_equal(printer_discover(&t->pl, QUERY_TIMEOUT_MSEC, NULL, NULL, NULL), 0);
}

static void test_socket_checks(void **state)
{
        Tree *t = *state;
        char path[PATH_SIZE];
        int dir_fd, fd;

        pathf(path, "%s/1-1:1.0", t->sock);
        fd = test_socket_bind(path);
        pathf(path, "%s/2-1:1.0", t->sock);
        assert_int_equal(symlink("1-1:1.0", path), 0);
        pathf(path, "%s/3-1:1.0", t->sock);
        close(open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
        pathf(path, "%s/printer.sock", t->sock);
        close(test_socket_bind(path));

        dir_fd = printer_dir_open(t->sock, geteuid());
        assert_true(dir_fd >= 0);
        assert_int_equal(printer_socket_check(dir_fd, "1-1:1.0", geteuid()), 0);
        assert_int_equal(printer_socket_check(dir_fd, "1-1:1.0", geteuid() + 1), -EPERM);
        assert_int_equal(printer_socket_check(dir_fd, "2-1:1.0", geteuid()), -ELOOP);
        assert_int_equal(printer_socket_check(dir_fd, "3-1:1.0", geteuid()), -ENOTSOCK);
        assert_int_equal(printer_socket_check(dir_fd, "printer.sock", geteuid()), -EINVAL);
        assert_int_equal(printer_socket_check(dir_fd, "4-1:1.0", geteuid()), -ENOENT);
        close(dir_fd);
        close(fd);
}

static void test_usb_serial(void **state)
{
        Tree *t = *state;
        char buf[PRINTER_USB_SERIAL_MAX + 1];

        fake_usb(t, "1-1", "1-1:1.0", "LAB-a");
        fake_usb(t, "2-1", "2-1:1.0", NULL);
        assert_int_equal(printer_usb_serial_read(t->sys, "1-1:1.0", buf, sizeof(buf)), 0);
        assert_string_equal(buf, "LAB-a");
        assert_int_equal(printer_usb_serial_read(t->sys, "2-1:1.0", buf, sizeof(buf)), 0);
        assert_string_equal(buf, "");
        assert_int_equal(printer_usb_serial_read(t->sys, "9-9:1.0", buf, sizeof(buf)), -ENOENT);
        assert_int_equal(printer_usb_serial_read(t->sys, "..", buf, sizeof(buf)), -EINVAL);
}

typedef struct Seen {
        char found[SERVERS_MAX][PRINTER_NAME_MAX + 1];
        unsigned n_found;
        char skipped[SERVERS_MAX][PRINTER_NAME_MAX + 1];
        int skip_error[SERVERS_MAX];
        unsigned n_skipped;
} Seen;

static int on_found(const FoundPrinter *f, void *userdata)
{
        Seen *s = userdata;

        assert_true(s->n_found < SERVERS_MAX);
        strcpy(s->found[s->n_found++], f->name);
        return 0;
}

static void on_skipped(const char *name, int error, void *userdata)
{
        Seen *s = userdata;

        assert_true(s->n_skipped < SERVERS_MAX);
        s->skip_error[s->n_skipped] = error;
        strcpy(s->skipped[s->n_skipped++], name);
}

/* A victim printer, a driver that copies its device ID with its SN, and entries that are no printer. */
static void test_discover_and_find(void **state)
{
        Tree *t = *state;
        _cleanup_(printer_uri_done) PrinterUri by_serial = {}, by_model = {}, by_hostile = {};
        static FoundPrinter f;
        static JobInfo again;
        char other[PRINTER_NAME_MAX + 1], path[PATH_SIZE];
        Seen seen = {};

        fake_usb(t, "1-1", "1-1:1.0", "LAB-a");
        fake_usb(t, "2-1", "2-1:1.0", "HOSTILE");
        fake_usb(t, "3-1", "3-1:1.0", "LAB-c");
        fake_usb(t, "4-1", "4-1:1.0", "LAB-d");
        fake_driver(t, "1-1:1.0", LAB_ID);
        fake_driver(t, "2-1:1.0", LAB_ID "SN:LAB-a;");
        /* A symlink to the victim's socket; a socket nobody listens on; a printer sysfs does not
         * know (unplugged meanwhile). */
        pathf(path, "%s/3-1:1.0", t->sock);
        assert_int_equal(symlink("1-1:1.0", path), 0);
        pathf(path, "%s/4-1:1.0", t->sock);
        close(test_socket_bind(path));
        fake_driver(t, "5-1:1.0", LAB_ID);

        assert_int_equal(printer_discover(&t->pl, QUERY_TIMEOUT_MSEC, on_found, on_skipped, &seen), 0);
        assert_int_equal(seen.n_found, 2);
        assert_string_equal(seen.found[0], "1-1:1.0");
        assert_string_equal(seen.found[1], "2-1:1.0");
        assert_int_equal(seen.n_skipped, 3);
        assert_string_equal(seen.skipped[0], "3-1:1.0");
        assert_int_equal(seen.skip_error[0], -ELOOP);
        assert_string_equal(seen.skipped[1], "4-1:1.0");
        assert_int_equal(seen.skip_error[1], -ECONNREFUSED);
        assert_string_equal(seen.skipped[2], "5-1:1.0");
        assert_int_equal(seen.skip_error[2], -ENOENT);

        /* The victim's URI finds the victim only: the copied SN does not count, the device has a
         * USB serial number of its own. The connection found is queried and usable. */
        assert_int_equal(printer_uri_parse("drvhost://drvhost/Lab%20Printer?serial=LAB-a", &by_serial), 0);
        assert_int_equal(printer_find(&t->pl, &by_serial, QUERY_TIMEOUT_MSEC, NULL, NULL, &f, other), 0);
        assert_string_equal(f.name, "1-1:1.0");
        assert_string_equal(f.usb_serial, "LAB-a");
        assert_int_equal(printer_query_fd(f.fd, QUERY_TIMEOUT_MSEC, &again), 0);
        found_printer_done(&f);
        assert_int_equal(printer_uri_parse("drvhost://drvhost/Lab%20Printer?serial=HOSTILE", &by_hostile),
                         0);
        assert_int_equal(printer_find(&t->pl, &by_hostile, QUERY_TIMEOUT_MSEC, NULL, NULL, &f, other), 0);
        assert_string_equal(f.name, "2-1:1.0");
        found_printer_done(&f);

        /* By make and model both match: refused, naming both. */
        assert_int_equal(printer_uri_parse("drvhost://drvhost/Lab%20Printer", &by_model), 0);
        assert_int_equal(printer_find(&t->pl, &by_model, QUERY_TIMEOUT_MSEC, NULL, NULL, &f, other),
                         -ENOTUNIQ);
        assert_string_equal(f.name, "1-1:1.0");
        assert_string_equal(other, "2-1:1.0");
        assert_int_equal(f.fd, -EBADF);

        printer_uri_done(&by_model);
        assert_int_equal(printer_uri_parse("drvhost://drvhost/Lab%20Printer?serial=LAB-z", &by_model), 0);
        assert_int_equal(printer_find(&t->pl, &by_model, QUERY_TIMEOUT_MSEC, NULL, NULL, &f, other),
                         -ENOENT);
}

/* A hostile driver on a device without a USB serial number claims the victim's as its SN. */
static void test_find_ambiguous_claim(void **state)
{
        Tree *t = *state;
        _cleanup_(printer_uri_done) PrinterUri u = {};
        static FoundPrinter f;
        char other[PRINTER_NAME_MAX + 1];

        fake_usb(t, "1-1", "1-1:1.0", "LAB-a");
        fake_usb(t, "2-1", "2-1:1.0", NULL);
        fake_driver(t, "1-1:1.0", LAB_ID);
        fake_driver(t, "2-1:1.0", LAB_ID "SN:LAB-a;");
        assert_int_equal(printer_uri_parse("drvhost://drvhost/Lab%20Printer?serial=LAB-a", &u), 0);
        assert_int_equal(printer_find(&t->pl, &u, QUERY_TIMEOUT_MSEC, NULL, NULL, &f, other), -ENOTUNIQ);
        assert_string_equal(f.name, "1-1:1.0");
        assert_string_equal(other, "2-1:1.0");
}

/* Two real printers with the same USB serial number are not mixed up silently either. */
static void test_find_same_serial(void **state)
{
        Tree *t = *state;
        _cleanup_(printer_uri_done) PrinterUri u = {};
        static FoundPrinter f;
        char other[PRINTER_NAME_MAX + 1];

        fake_usb(t, "1-1", "1-1:1.0", "0000");
        fake_usb(t, "1-2", "1-2:1.0", "0000");
        fake_driver(t, "1-1:1.0", LAB_ID);
        fake_driver(t, "1-2:1.0", "MFG:Other;MDL:Model;");
        assert_int_equal(printer_uri_parse("drvhost://drvhost/Lab%20Printer?serial=0000", &u), 0);
        assert_int_equal(printer_find(&t->pl, &u, QUERY_TIMEOUT_MSEC, NULL, NULL, &f, other), -ENOTUNIQ);
        assert_string_equal(f.name, "1-1:1.0");
        assert_string_equal(other, "1-2:1.0");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_name_valid),
            cmocka_unit_test(test_identity),
            cmocka_unit_test_setup_teardown(test_dir_checks, setup, teardown),
            cmocka_unit_test_setup_teardown(test_socket_checks, setup, teardown),
            cmocka_unit_test_setup_teardown(test_usb_serial, setup, teardown),
            cmocka_unit_test_setup_teardown(test_discover_and_find, setup, teardown),
            cmocka_unit_test_setup_teardown(test_find_ambiguous_claim, setup, teardown),
            cmocka_unit_test_setup_teardown(test_find_same_serial, setup, teardown),
        };

        (void)signal(SIGPIPE, SIG_IGN);
        return cmocka_run_group_tests(tests, NULL, NULL);
}
