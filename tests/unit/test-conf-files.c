/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "test-tree.h"

#include "conf-files.h"
#include "macro.h"

enum { DIRS = 3, PATH_SIZE = 256 };

typedef struct Tree {
        char root[PATH_SIZE];
        char dirs[DIRS][PATH_SIZE]; /* etc, run, usr: highest priority first */
} Tree;

static const char *const dir_names[DIRS] = {"etc", "run", "usr"};

static int tree_setup(void **state)
{
        Tree *t = calloc(1, sizeof(Tree));

        if (!t)
                return -1;
        strcpy(t->root, "/tmp/test-conf-files-XXXXXX");
        if (!mkdtemp(t->root))
                return -1;
        for (size_t i = 0; i < DIRS; i++) {
                (void)snprintf(t->dirs[i], sizeof(t->dirs[i]), "%s/%s", t->root, dir_names[i]);
                if (mkdir(t->dirs[i], 0755) < 0)
                        return -1;
        }
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

static void touch(const Tree *t, size_t dir, const char *name)
{
        char path[PATH_SIZE * 2];
        FILE *f;

        (void)snprintf(path, sizeof(path), "%s/%s", t->dirs[dir], name);
        f = fopen(path, "we");
        assert_non_null(f);
        assert_int_equal(fclose(f), 0);
}

static void mask(const Tree *t, size_t dir, const char *name)
{
        char path[PATH_SIZE * 2];

        (void)snprintf(path, sizeof(path), "%s/%s", t->dirs[dir], name);
        assert_int_equal(symlink("/dev/null", path), 0);
}

static void list(const Tree *t, const char *suffix, ConfFile **ret, size_t *ret_n)
{
        const char *const dirs[] = {t->dirs[0], t->dirs[1], t->dirs[2], NULL};

        assert_int_equal(conf_files_list(dirs, suffix, NULL, NULL, ret, ret_n), 0);
}

static void test_etc_over_run_over_usr(void **state)
{
        Tree *t = *state;
        ConfFile *files = NULL;
        size_t n = 0;

        touch(t, 2, "a.conf");
        touch(t, 1, "a.conf");
        touch(t, 0, "a.conf");
        touch(t, 2, "b.conf");
        touch(t, 1, "b.conf");
        touch(t, 2, "c.conf");

        list(t, ".conf", &files, &n);
        assert_int_equal(n, 3);
        assert_string_equal(files[0].name, "a.conf");
        assert_int_equal(files[0].dir, 0);
        assert_non_null(strstr(files[0].path, "/etc/a.conf"));
        assert_string_equal(files[1].name, "b.conf");
        assert_int_equal(files[1].dir, 1);
        assert_non_null(strstr(files[1].path, "/run/b.conf"));
        assert_string_equal(files[2].name, "c.conf");
        assert_int_equal(files[2].dir, 2);
        conf_files_free(files, n);
}

static void test_dev_null_masks(void **state)
{
        Tree *t = *state;
        ConfFile *files = NULL;
        size_t n = 0;
        char path[PATH_SIZE * 2];

        touch(t, 2, "a.conf");
        mask(t, 0, "a.conf"); /* /etc masks /usr */
        touch(t, 2, "b.conf");
        mask(t, 1, "b.conf"); /* /run masks /usr */
        touch(t, 0, "c.conf");
        mask(t, 1, "c.conf"); /* a mask below the file itself changes nothing */
        mask(t, 2, "d.conf"); /* a mask of nothing */

        list(t, ".conf", &files, &n);
        assert_int_equal(n, 1);
        assert_string_equal(files[0].name, "c.conf");
        assert_int_equal(files[0].dir, 0);
        conf_files_free(files, n);

        (void)snprintf(path, sizeof(path), "%s/a.conf", t->dirs[0]);
        assert_true(conf_file_is_mask(path));
        assert_true(conf_file_is_mask("/dev/null"));
        (void)snprintf(path, sizeof(path), "%s/c.conf", t->dirs[0]);
        assert_false(conf_file_is_mask(path));
        assert_false(conf_file_is_mask(NULL));
}

static void test_suffix_hidden_and_empty(void **state)
{
        Tree *t = *state;
        ConfFile *files = NULL;
        size_t n = 0;

        list(t, ".conf", &files, &n);
        assert_int_equal(n, 0);
        assert_null(files);

        touch(t, 0, "x.conf.bak");
        touch(t, 0, ".hidden.conf");
        touch(t, 0, ".conf");
        touch(t, 1, "notes.txt");
        touch(t, 2, "y.conf");
        list(t, ".conf", &files, &n);
        assert_int_equal(n, 1);
        assert_string_equal(files[0].name, "y.conf");
        conf_files_free(files, n);

        /* No suffix: every name that is not hidden. */
        list(t, NULL, &files, &n);
        assert_int_equal(n, 3);
        assert_string_equal(files[0].name, "notes.txt");
        assert_string_equal(files[1].name, "x.conf.bak");
        assert_string_equal(files[2].name, "y.conf");
        conf_files_free(files, n);
}

typedef struct Errors {
        unsigned n;
        int error;
        char path[PATH_SIZE];
        int stop;
} Errors;

static int on_error(const char *path, int error, const char *what, void *userdata)
{
        Errors *e = userdata;

        e->n++;
        e->error = error;
        (void)snprintf(e->path, sizeof(e->path), "%s", path);
        assert_non_null(strstr(what, "directory"));
        return e->stop;
}

static void test_missing_and_unreadable_dirs(void **state)
{
        Tree *t = *state;
        char missing[PATH_SIZE * 2];
        const char *dirs[] = {missing, t->dirs[1], t->dirs[2], NULL};
        ConfFile *files = NULL;
        size_t n = 0;
        Errors e = {};

        (void)snprintf(missing, sizeof(missing), "%s/nonexistent", t->root);
        touch(t, 2, "a.conf");
        /* A missing directory is no error. */
        assert_int_equal(conf_files_list(dirs, ".conf", on_error, &e, &files, &n), 0);
        assert_int_equal(e.n, 0);
        assert_int_equal(n, 1);
        conf_files_free(files, n);

        /* A file where a directory should be is reported; the other directories still count. */
        (void)snprintf(missing, sizeof(missing), "%s/usr/a.conf", t->root);
        assert_int_equal(conf_files_list(dirs, ".conf", on_error, &e, &files, &n), 0);
        assert_int_equal(e.n, 1);
        assert_int_equal(e.error, -ENOTDIR);
        assert_string_equal(e.path, missing);
        assert_int_equal(n, 1);
        conf_files_free(files, n);

        /* The callback stops the listing with its error. */
        e = (Errors){.stop = -EIO};
        assert_int_equal(conf_files_list(dirs, ".conf", on_error, &e, &files, &n), -EIO);

        assert_int_equal(conf_files_list(NULL, ".conf", NULL, NULL, &files, &n), -EINVAL);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_etc_over_run_over_usr, tree_setup, tree_teardown),
            cmocka_unit_test_setup_teardown(test_dev_null_masks, tree_setup, tree_teardown),
            cmocka_unit_test_setup_teardown(test_suffix_hidden_and_empty, tree_setup, tree_teardown),
            cmocka_unit_test_setup_teardown(test_missing_and_unreadable_dirs, tree_setup, tree_teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
