/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A set of manifests: every "*.driver" file of the search path (conf-files.h), parsed, with the
 * duplicates of a Name= dropped, and looked up by name. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf-files.h"
#include "manifest.h"

typedef struct LoadState {
        ManifestSet *set;
        size_t manifests_allocated;
        size_t errors_allocated;
} LoadState;

/* Makes room for one more element in an array that grows by doubling. */
static int grow(void **array, size_t *allocated, size_t n, size_t size)
{
        size_t want;
        void *p;

        if (n < *allocated)
                return 0;
        want = *allocated ? *allocated * 2 : 16;
        p = reallocarray(*array, want, size);
        if (!p)
                return -ENOMEM;
        *array = p;
        *allocated = want;
        return 0;
}

/* Takes over e's contents. */
static int load_add_error(LoadState *l, ManifestError *e)
{
        if (grow((void **)&l->set->errors, &l->errors_allocated, l->set->n_errors, sizeof(ManifestError)) <
            0) {
                manifest_error_done(e);
                return -ENOMEM;
        }
        l->set->errors[l->set->n_errors++] = *e;
        *e = (ManifestError){};
        return 0;
}

/* A directory of the search path that cannot be read: recorded, and the others load. */
static int load_add_errno(const char *path, int error, const char *what, void *userdata)
{
        LoadState *l = userdata;
        ManifestError e;
        int r;

        r = manifest_error_from_errno(&e, error, path, what);
        if (r == -ENOMEM)
                return r;
        return load_add_error(l, &e);
}

static int load_file(LoadState *l, const char *path)
{
        Manifest *m = NULL;
        ManifestError e;
        int r;

        r = manifest_parse_file(path, &m, &e);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return load_add_error(l, &e);

        if (grow((void **)&l->set->manifests, &l->manifests_allocated, l->set->n, sizeof(Manifest *)) < 0) {
                manifest_free(m);
                return -ENOMEM;
        }
        l->set->manifests[l->set->n++] = m;
        return 0;
}

static const char *path_basename(const char *path)
{
        const char *p = strrchr(path, '/');

        return p ? p + 1 : path;
}

/* Orders by Name=, then by file name, which is the order the files were loaded in. */
static int manifest_name_compare(const void *a, const void *b)
{
        const Manifest *x = *(Manifest *const *)a, *y = *(Manifest *const *)b;
        int c = strcmp(x->name, y->name);

        return c != 0 ? c : strcmp(path_basename(x->path), path_basename(y->path));
}

static int manifest_error_compare(const void *a, const void *b)
{
        const ManifestError *x = a, *y = b;
        int c = strcmp(x->path, y->path);

        return c != 0 ? c : (x->line > y->line) - (x->line < y->line);
}

/* Drops every manifest whose Name= a manifest loaded before it already has, with an error for it. */
static int load_drop_duplicates(LoadState *l)
{
        ManifestSet *s = l->set;
        size_t n = 0;

        if (s->n == 0)
                return 0;
        s->by_name = reallocarray(NULL, s->n, sizeof(Manifest *));
        if (!s->by_name)
                return -ENOMEM;
        memcpy(s->by_name, s->manifests, s->n * sizeof(Manifest *));
        qsort(s->by_name, s->n, sizeof(Manifest *), manifest_name_compare);

        for (size_t i = 0; i < s->n; i++) {
                Manifest *m = s->by_name[i];
                ManifestError e = {.line = m->name_line};

                if (n == 0 || !streq(s->by_name[n - 1]->name, m->name)) {
                        s->by_name[n++] = m;
                        continue;
                }
                /* A duplicate: mark it by clearing its slot in ->manifests, and report it. */
                for (size_t j = 0; j < s->n; j++)
                        if (s->manifests[j] == m)
                                s->manifests[j] = NULL;
                e.path = strdup(m->path);
                if (!e.path || asprintf(&e.reason, "Duplicate Name=\"%s\": already defined in %s", m->name,
                                        s->by_name[n - 1]->path) < 0) {
                        free(e.path);
                        manifest_free(m);
                        return -ENOMEM;
                }
                manifest_free(m);
                if (load_add_error(l, &e) < 0)
                        return -ENOMEM;
        }

        if (n < s->n) {
                size_t k = 0;

                for (size_t j = 0; j < s->n; j++)
                        if (s->manifests[j])
                                s->manifests[k++] = s->manifests[j];
                s->n = k;
        }
        return 0;
}

int manifest_set_load(const char *const *dirs, ManifestSet **ret)
{
        _cleanup_(manifest_set_freep) ManifestSet *s = NULL;
        LoadState l = {};
        ConfFile *files = NULL;
        size_t n_files = 0;
        int r;

        if (!dirs || !ret)
                return -EINVAL;

        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        l.set = s;

        /* Sorted by file name, each taken from the highest-priority directory, masks left out. */
        r = conf_files_list(dirs, MANIFEST_SUFFIX, load_add_errno, &l, &files, &n_files);
        if (r < 0)
                return r;
        for (size_t i = 0; r >= 0 && i < n_files; i++)
                r = load_file(&l, files[i].path);
        conf_files_free(files, n_files);
        if (r < 0)
                return r;

        r = load_drop_duplicates(&l);
        if (r < 0)
                return r;
        if (s->n_errors > 0)
                qsort(s->errors, s->n_errors, sizeof(ManifestError), manifest_error_compare);

        *ret = TAKE_PTR(s);
        return 0;
}

ManifestSet *manifest_set_free(ManifestSet *s)
{
        if (!s)
                return NULL;
        for (size_t i = 0; i < s->n; i++)
                manifest_free(s->manifests[i]);
        free(s->manifests);
        free(s->by_name);
        for (size_t i = 0; i < s->n_errors; i++)
                manifest_error_done(&s->errors[i]);
        free(s->errors);
        free(s);
        return NULL;
}

static int manifest_find_compare(const void *key, const void *element)
{
        return strcmp(key, (*(Manifest *const *)element)->name);
}

const Manifest *manifest_set_find(const ManifestSet *s, const char *name)
{
        Manifest *const *m;

        if (!s || !name || s->n == 0)
                return NULL;
        m = bsearch(name, s->by_name, s->n, sizeof(Manifest *), manifest_find_compare);
        return m ? *m : NULL;
}
