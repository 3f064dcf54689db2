/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "test-tree.h"

#include "manifest.h"

#define TEST_PATH "test.driver"

#define VALID_DRIVER                                                                                        \
        "[Driver]\n"                                                                                        \
        "Name=usb-printer\n"                                                                                \
        "Exec=/usr/libexec/drvhost/drvhost-printer\n"
#define VALID_MATCH                                                                                         \
        "[Match]\n"                                                                                         \
        "Match=usb:v*p*d*dc*dsc*dp*ic07isc01ip02in*\n"


static Manifest *parse_ok(const char *text)
{
        Manifest *m = NULL;
        ManifestError e = {};

        assert_int_equal(manifest_parse_string(TEST_PATH, text, &m, &e), 0);
        assert_null(e.reason);
        assert_non_null(m);
        return m;
}

/* Parses text, expects it to be invalid at line with a reason containing what. */
static void expect_error(const char *text, unsigned line, const char *what)
{
        Manifest *m = NULL;
        ManifestError e = {};

        assert_int_equal(manifest_parse_string(TEST_PATH, text, &m, &e), -EINVAL);
        assert_null(m);
        assert_non_null(e.reason);
        assert_string_equal(e.path, TEST_PATH);
        if (e.line != line || !strstr(e.reason, what))
                print_error("expected line %u with \"%s\", got line %u: %s\n", line, what, e.line, e.reason);
        assert_int_equal(e.line, line);
        assert_non_null(strstr(e.reason, what));
        manifest_error_done(&e);
}

static void test_all_keys(void **state)
{
        _cleanup_(manifest_freep) Manifest *m = NULL, *same = NULL, *changed = NULL;
        static const char text[] = "# A printer driver\n"
                                   "; another comment style\n"
                                   "[Driver]\n"
                                   "Name=usb-printer\n"
                                   "Description=USB printer class driver\n"
                                   "Exec=/usr/libexec/drvhost/drvhost-printer\n"
                                   "Priority=-5\n"
                                   "FallbackToKernel=no\n"
                                   "RestartLimitBurst=3\n"
                                   "RestartLimitIntervalSec=60\n"
                                   "ClaimDelegated=TRUE\n"
                                   "\n"
                                   "[Match]\n"
                                   "Match=usb:v*p*d*dc*dsc*dp*ic07isc01ip02in*\n"
                                   "  Match = usb:v*p*d*dc*dsc*dp*ic07isc01ip01in*\r\n";

        m = parse_ok(text);
        assert_string_equal(m->name, "usb-printer");
        assert_string_equal(m->description, "USB printer class driver");
        assert_string_equal(m->exec, "/usr/libexec/drvhost/drvhost-printer");
        assert_string_equal(m->path, TEST_PATH);
        assert_int_equal(m->priority, -5);
        assert_false(m->fallback_to_kernel);
        assert_true(m->claim_delegated);
        assert_int_equal(m->restart_limit_burst, 3);
        assert_int_equal(m->restart_limit_interval_sec, 60);
        assert_int_equal(m->n_matches, 2);
        assert_string_equal(m->matches[0], "usb:v*p*d*dc*dsc*dp*ic07isc01ip02in*");
        assert_string_equal(m->matches[1], "usb:v*p*d*dc*dsc*dp*ic07isc01ip01in*");
        assert_null(m->matches[2]);
        assert_int_equal(m->name_line, 4);

        /* The hash follows the bytes. */
        same = parse_ok(text);
        assert_true(m->hash == same->hash);
        changed = parse_ok(VALID_DRIVER VALID_MATCH);
        assert_true(m->hash != changed->hash);
}

static void test_defaults(void **state)
{
        _cleanup_(manifest_freep) Manifest *m = parse_ok(VALID_DRIVER VALID_MATCH);

        assert_null(m->description);
        assert_int_equal(m->priority, 0);
        assert_true(m->fallback_to_kernel);
        assert_false(m->claim_delegated);
        assert_int_equal(m->restart_limit_burst, MANIFEST_RESTART_BURST_DEFAULT);
        assert_int_equal(m->restart_limit_interval_sec, MANIFEST_RESTART_INTERVAL_DEFAULT);
        assert_int_equal(m->n_matches, 1);
        assert_int_equal(m->claim_scope, CLAIM_SCOPE_MATCHED);
}

static void test_claim_interfaces_and_exec_arguments(void **state)
{
        _cleanup_(manifest_freep) Manifest *m = parse_ok("[Driver]\nName=x\nExec=/bin/x --crash-after=0 -v\n"
                                                         "ClaimInterfaces=function\n" VALID_MATCH);

        assert_int_equal(m->claim_scope, CLAIM_SCOPE_FUNCTION);
        assert_string_equal(m->exec, "/bin/x --crash-after=0 -v");
        assert_string_equal(claim_scope_to_string(CLAIM_SCOPE_DEVICE), "device");
        expect_error("[Driver]\nName=x\nExec=/bin/x\nClaimInterfaces=all\n" VALID_MATCH, 4,
                     "expected matched, function or device");
}

static void test_tty_name(void **state)
{
        _cleanup_(manifest_freep) Manifest *acm = parse_ok(VALID_DRIVER VALID_MATCH);
        _cleanup_(manifest_freep) Manifest *usb =
            parse_ok("[Driver]\nName=x\nExec=/bin/x\nTTYLink=yes\nTTYName=ttyUSB\n" VALID_MATCH);

        assert_false(acm->tty_usb_serial);
        assert_true(usb->tty_usb_serial);
        expect_error("[Driver]\nName=x\nExec=/bin/x\nTTYName=ttyS\n" VALID_MATCH, 4, "expected ttyACM or ttyUSB");
}

/* The launcher used to drop Exec= words past the sixteenth without a word: the parser refuses them. */
static void test_exec_arguments_past_the_sixteenth_refused(void **state)
{
        _cleanup_(manifest_freep) Manifest *m = NULL;
        char text[512], exec[256] = "/bin/x";

        /* The program and 15 arguments: the most the launcher passes. */
        for (int i = 1; i < MANIFEST_EXEC_WORDS_MAX; i++)
                (void)snprintf(exec + strlen(exec), sizeof(exec) - strlen(exec), " a%d", i);
        (void)snprintf(text, sizeof(text), "[Driver]\nName=x\nExec=%s\n" VALID_MATCH, exec);
        m = parse_ok(text);
        assert_string_equal(m->exec, exec);

        /* One more: refused at the Exec= line, naming the limit. */
        (void)snprintf(exec + strlen(exec), sizeof(exec) - strlen(exec), " a%d", MANIFEST_EXEC_WORDS_MAX);
        (void)snprintf(text, sizeof(text), "[Driver]\nName=x\nExec=%s\n" VALID_MATCH, exec);
        expect_error(text, 3, "16 arguments after the program, at most 15");
}

static void test_missing_required(void **state)
{
        expect_error("[Driver]\nExec=/bin/x\n" VALID_MATCH, 0, "Missing required key Name=");
        expect_error("[Driver]\nName=x\n" VALID_MATCH, 0, "Missing required key Exec=");
        expect_error(VALID_DRIVER "[Match]\n", 0, "No Match= key");
        expect_error(VALID_DRIVER, 0, "No Match= key");
        expect_error("", 0, "Missing required key Name=");
}

static void test_bad_values(void **state)
{
        char too_long_name[MANIFEST_NAME_MAX + 8] = "Name=";

        expect_error("[Driver]\nName=x\nExec=bin/x\n" VALID_MATCH, 3, "must be an absolute path");
        expect_error("[Driver]\nName=x\nExec=/bin/x  y\n" VALID_MATCH, 3, "single spaces");
        expect_error("[Driver]\nName=x\nExec=/bin/x\ty\n" VALID_MATCH, 3, "control characters");
        expect_error("[Driver]\nName=USB_Printer\nExec=/bin/x\n" VALID_MATCH, 2,
                     "Invalid Name=\"USB_Printer\"");
        expect_error("[Driver]\nName=-x\nExec=/bin/x\n" VALID_MATCH, 2, "Invalid Name=");
        expect_error("[Driver]\nName=\nExec=/bin/x\n" VALID_MATCH, 2, "Invalid Name=");
        memset(too_long_name + 5, 'a', MANIFEST_NAME_MAX + 1);
        {
                char text[256];

                (void)snprintf(text, sizeof(text), "[Driver]\n%s\nExec=/bin/x\n" VALID_MATCH, too_long_name);
                expect_error(text, 2, "1 to 32 characters");
        }

        expect_error(VALID_DRIVER "Priority=high\n" VALID_MATCH, 4, "Invalid Priority=\"high\"");
        expect_error(VALID_DRIVER "Priority=1001\n" VALID_MATCH, 4, "from -1000 to 1000");
        expect_error(VALID_DRIVER "Priority=-1001\n" VALID_MATCH, 4, "from -1000 to 1000");
        expect_error(VALID_DRIVER "Priority=5x\n" VALID_MATCH, 4, "Invalid Priority=");
        expect_error(VALID_DRIVER "RestartLimitBurst=0\n" VALID_MATCH, 4, "from 1 to 100");
        expect_error(VALID_DRIVER "RestartLimitBurst=101\n" VALID_MATCH, 4, "from 1 to 100");
        expect_error(VALID_DRIVER "RestartLimitIntervalSec=0\n" VALID_MATCH, 4, "from 1 to 3600");
        expect_error(VALID_DRIVER "RestartLimitIntervalSec=3601\n" VALID_MATCH, 4, "from 1 to 3600");
        expect_error(VALID_DRIVER "FallbackToKernel=maybe\n" VALID_MATCH, 4,
                     "Invalid FallbackToKernel=\"maybe\": expected yes, no");
        expect_error(VALID_DRIVER "ClaimDelegated=2\n" VALID_MATCH, 4, "Invalid ClaimDelegated=");

        /* Boundaries are accepted. */
        manifest_free(parse_ok(VALID_DRIVER "Priority=1000\nRestartLimitBurst=100\n"
                                            "RestartLimitIntervalSec=3600\n" VALID_MATCH));
        manifest_free(parse_ok(VALID_DRIVER "Priority=-1000\nRestartLimitBurst=1\n"
                                            "RestartLimitIntervalSec=1\n" VALID_MATCH));
}

static void test_unknown_and_duplicate(void **state)
{
        expect_error(VALID_DRIVER "Foo=bar\n" VALID_MATCH, 4, "Unknown key \"Foo\" in section [Driver]");
        expect_error(VALID_DRIVER "Match=usb:*\n" VALID_MATCH, 4,
                     "Unknown key \"Match\" in section [Driver]");
        expect_error(VALID_DRIVER VALID_MATCH "[Install]\nWantedBy=x\n", 6, "Unknown section [Install]");
        /* An unknown section without keys is caught too. */
        expect_error(VALID_DRIVER "[Service]\n" VALID_MATCH, 4, "Unknown section [Service]");
        expect_error(VALID_DRIVER "Name=other\n" VALID_MATCH, 4,
                     "Duplicate key Name= (already set on line 2)");
        expect_error(VALID_DRIVER "Priority=1\nPriority=2\n" VALID_MATCH, 5, "Duplicate key Priority=");
        expect_error("Name=x\n" VALID_DRIVER VALID_MATCH, 1, "outside of any section");
}

static void test_syntax(void **state)
{
        char text[512];

        expect_error(VALID_DRIVER "this is not a key\n" VALID_MATCH, 4, "Syntax error");
        expect_error(VALID_DRIVER "[Match\n" VALID_MATCH, 4, "Syntax error");
        expect_error(VALID_DRIVER "Priority: 3\n" VALID_MATCH, 4, "':'");

        /* The first error wins, whichever kind it is. */
        expect_error(VALID_DRIVER "oops\nFoo=1\n" VALID_MATCH, 4, "Syntax error");
        expect_error(VALID_DRIVER "Foo=1\noops\n" VALID_MATCH, 4, "Unknown key");

        (void)snprintf(text, sizeof(text), VALID_DRIVER "Description=%0300d\n" VALID_MATCH, 0);
        expect_error(text, 4, "Line too long");
}

static void test_bad_match(void **state)
{
        expect_error(VALID_DRIVER "[Match]\nMatch=scsi:t-0x00*\n", 5, "unknown bus");
        expect_error(VALID_DRIVER "[Match]\nMatch=usb:v[12\n", 5, "unterminated '['");
        expect_error(VALID_DRIVER "[Match]\nMatch=usb:v04b8p*\n", 5, "upper-case");
        expect_error(VALID_DRIVER "[Match]\nMatch=usb:v04B8p0005\n", 5, "trailing '*'");
        expect_error(VALID_DRIVER "[Match]\nMatch=usb:v04B8ic07*\n", 5, "skips \"p\"");
        expect_error(VALID_DRIVER "[Match]\nMatch=usb:v04B8p0005d*dc*ic07dsc*\n", 5, "out of order");
        expect_error(VALID_DRIVER "[Match]\nMatch=usb:v04B8p005d*\n", 5, "needs 4 hex digits");
        expect_error(VALID_DRIVER "[Match]\nMatch=usb:v04B8_p*\n", 5, "invalid character '_'");
        expect_error(VALID_DRIVER "[Match]\nMatch=usb:v*p*d*dc*dsc*dp*ic[]isc*\n", 5, "empty '[]'");
        expect_error(VALID_DRIVER "[Match]\nMatch=usb:*\nMatch=pci:v*q*\n", 6, "unknown field \"q\"");
}

static void test_file_errors(void **state)
{
        char dir[] = "/tmp/test-manifest-XXXXXX", path[sizeof(dir) + 32];
        static const char nul[] = VALID_DRIVER "Description=a\0b\n" VALID_MATCH;
        Manifest *m = NULL;
        ManifestError e;
        FILE *f;

        assert_non_null(mkdtemp(dir));
        (void)snprintf(path, sizeof(path), "%s/nul.driver", dir);
        f = fopen(path, "we");
        assert_non_null(f);
        assert_int_equal(fwrite(nul, 1, sizeof(nul) - 1, f), sizeof(nul) - 1);
        assert_int_equal(fclose(f), 0);

        assert_int_equal(manifest_parse_file(path, &m, &e), -EINVAL);
        assert_string_equal(e.path, path);
        assert_non_null(strstr(e.reason, "NUL"));
        manifest_error_done(&e);
        assert_int_equal(unlink(path), 0);

        assert_int_equal(manifest_parse_file(path, &m, &e), -ENOENT);
        assert_int_equal(e.line, 0);
        assert_non_null(strstr(e.reason, "Failed to open"));
        manifest_error_done(&e);

        assert_int_equal(manifest_parse_file(dir, &m, &e), -EISDIR);
        assert_non_null(strstr(e.reason, "Not a regular file"));
        manifest_error_done(&e);
        assert_null(m);
        assert_int_equal(rmdir(dir), 0);
}

/* The search path. */

typedef struct Tree {
        char root[64];
        char etc[96], usr[96];
} Tree;

static void write_file(const char *dir, const char *name, const char *text)
{
        char path[256];
        FILE *f;

        (void)snprintf(path, sizeof(path), "%s/%s", dir, name);
        f = fopen(path, "we");
        assert_non_null(f);
        assert_true(fputs(text, f) >= 0);
        assert_int_equal(fclose(f), 0);
}

static void write_driver(const char *dir, const char *file, const char *name, const char *exec)
{
        char text[512];

        (void)snprintf(text, sizeof(text), "[Driver]\nName=%s\nExec=%s\n" VALID_MATCH, name, exec);
        write_file(dir, file, text);
}

static int tree_setup(void **state)
{
        Tree *t = calloc(1, sizeof(Tree));

        if (!t)
                return -1;
        strcpy(t->root, "/tmp/test-manifest-XXXXXX");
        if (!mkdtemp(t->root))
                return -1;
        (void)snprintf(t->etc, sizeof(t->etc), "%s/etc", t->root);
        (void)snprintf(t->usr, sizeof(t->usr), "%s/usr", t->root);
        if (mkdir(t->etc, 0755) < 0 || mkdir(t->usr, 0755) < 0)
                return -1;
        *state = t;
        return 0;
}

static int tree_teardown(void **state)
{
        Tree *t = *state;
        int r = test_tree_remove(t->root);

        free(t);
        return r;
}

static void load(const Tree *t, ManifestSet **ret)
{
        const char *const dirs[] = {t->etc, t->usr, NULL};

        assert_int_equal(manifest_set_load(dirs, ret), 0);
}

static void test_override_and_mask(void **state)
{
        _cleanup_(manifest_set_freep) ManifestSet *s = NULL;
        Tree *t = *state;
        char path[256];

        write_driver(t->usr, "a.driver", "a", "/usr/bin/a");
        write_driver(t->etc, "a.driver", "a", "/etc/override");
        write_driver(t->usr, "b.driver", "b", "/usr/bin/b");
        (void)snprintf(path, sizeof(path), "%s/b.driver", t->etc);
        assert_int_equal(symlink("/dev/null", path), 0);
        write_driver(t->etc, "c.driver", "c", "/etc/c");
        /* Neither the wrong suffix nor hidden files are looked at. */
        write_file(t->usr, "notes.txt", "garbage");
        write_file(t->usr, ".hidden.driver", "garbage");
        write_file(t->usr, "x.driver.bak", "garbage");

        load(t, &s);
        assert_int_equal(s->n_errors, 0);
        assert_int_equal(s->n, 2);
        assert_string_equal(s->manifests[0]->name, "a");
        assert_string_equal(s->manifests[0]->exec, "/etc/override");
        assert_string_equal(s->manifests[1]->name, "c");
        assert_null(manifest_set_find(s, "b"));
        assert_ptr_equal(manifest_set_find(s, "c"), s->manifests[1]);
}

static void test_invalid_skipped_and_sorted(void **state)
{
        _cleanup_(manifest_set_freep) ManifestSet *s = NULL;
        Tree *t = *state;
        char path[256];

        write_driver(t->usr, "z.driver", "zeta", "/bin/z");
        write_driver(t->usr, "m.driver", "alpha", "/bin/m");
        write_driver(t->etc, "b.driver", "beta", "/bin/b");
        write_file(t->usr, "bad.driver", "[Driver]\nName=bad\nExec=relative\n" VALID_MATCH);

        load(t, &s);
        assert_int_equal(s->n, 3);
        /* In file name order, whatever the directory and Name=. */
        assert_string_equal(s->manifests[0]->name, "beta");
        assert_string_equal(s->manifests[1]->name, "alpha");
        assert_string_equal(s->manifests[2]->name, "zeta");
        assert_int_equal(s->n_errors, 1);
        (void)snprintf(path, sizeof(path), "%s/bad.driver", t->usr);
        assert_string_equal(s->errors[0].path, path);
        assert_int_equal(s->errors[0].line, 3);
        assert_non_null(strstr(s->errors[0].reason, "absolute"));
        assert_non_null(manifest_set_find(s, "alpha"));
        assert_non_null(manifest_set_find(s, "zeta"));
        assert_null(manifest_set_find(s, "bad"));
}

static void test_duplicate_name_across_files(void **state)
{
        _cleanup_(manifest_set_freep) ManifestSet *s = NULL;
        Tree *t = *state;
        char path[256];

        write_driver(t->usr, "10-first.driver", "dup", "/bin/first");
        write_file(t->etc, "20-second.driver",
                   "# comment\n[Driver]\nName=dup\nExec=/bin/second\n" VALID_MATCH);
        write_driver(t->usr, "30-other.driver", "other", "/bin/other");

        load(t, &s);
        assert_int_equal(s->n, 2);
        assert_string_equal(s->manifests[0]->exec, "/bin/first");
        assert_string_equal(s->manifests[1]->name, "other");
        assert_int_equal(s->n_errors, 1);
        (void)snprintf(path, sizeof(path), "%s/20-second.driver", t->etc);
        assert_string_equal(s->errors[0].path, path);
        assert_int_equal(s->errors[0].line, 3);
        assert_non_null(strstr(s->errors[0].reason, "Duplicate Name=\"dup\""));
        assert_non_null(strstr(s->errors[0].reason, "10-first.driver"));
        assert_string_equal(manifest_set_find(s, "dup")->exec, "/bin/first");
}

static void test_missing_dirs_and_empty(void **state)
{
        _cleanup_(manifest_set_freep) ManifestSet *s = NULL;
        const char *const dirs[] = {"/nonexistent/drvhost/drivers.d", NULL};

        assert_int_equal(manifest_set_load(dirs, &s), 0);
        assert_int_equal(s->n, 0);
        assert_int_equal(s->n_errors, 0);
        assert_null(manifest_set_find(s, "x"));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_all_keys),
            cmocka_unit_test(test_defaults),
            cmocka_unit_test(test_claim_interfaces_and_exec_arguments),
            cmocka_unit_test(test_tty_name),
            cmocka_unit_test(test_exec_arguments_past_the_sixteenth_refused),
            cmocka_unit_test(test_missing_required),
            cmocka_unit_test(test_bad_values),
            cmocka_unit_test(test_unknown_and_duplicate),
            cmocka_unit_test(test_syntax),
            cmocka_unit_test(test_bad_match),
            cmocka_unit_test(test_file_errors),
            cmocka_unit_test_setup_teardown(test_override_and_mask, tree_setup, tree_teardown),
            cmocka_unit_test_setup_teardown(test_invalid_skipped_and_sorted, tree_setup, tree_teardown),
            cmocka_unit_test_setup_teardown(test_duplicate_name_across_files, tree_setup, tree_teardown),
            cmocka_unit_test(test_missing_dirs_and_empty),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
