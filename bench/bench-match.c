/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Compares drvhost's match index with libkmod's modalias lookup, in the same run, over the same
 * patterns and the same devices.
 *
 *   bench-match [MANIFESTS [DEVICES [ROUNDS]]]
 *
 * It writes MANIFESTS generated *.driver files into a temporary directory and loads them with
 * manifest_set_load(); writes the same patterns as "alias <pattern> <module>" lines into
 * modules.alias and, because libkmod only reads the binary index (modules.alias.bin; depmod builds
 * it from real modules), also writes modules.alias.bin in libkmod's index format (a trie; see
 * libkmod-index.c); then times DEVICES lookups ROUNDS times through each, plus a plain linear
 * fnmatch() loop over a subset, and checks that drvhost and libkmod agree. */

#include <arpa/inet.h>
#include <fnmatch.h>
#include <ftw.h>
#include <inttypes.h>
#include <libkmod.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "manifest.h"
#include "match.h"

enum {
        DEFAULT_MANIFESTS = 10000,
        DEFAULT_DEVICES = 10000,
        DEFAULT_ROUNDS = 3,
        LINEAR_DEVICES_MAX = 1000,
        USB_VENDOR_POOL = 400,
        PCI_VENDOR_POOL = 300,
        PATTERN_MAX = 128,
        NAME_MAX_LEN = 32,
        NFTW_FDS = 16,
        PERCENT = 100,
        RNG_SEED = 0x5eed1234,
        NSEC_PER_SEC = 1000000000,
        NSEC_PER_MSEC = 1000000,
};

/* libkmod's index format (libkmod-index.c): big-endian u32s, a trie of nodes whose offsets carry
 * flags in the high nibble. */
enum {
        KMOD_INDEX_MAGIC = 0xB007F457,
        KMOD_INDEX_VERSION = 0x00020001,
        KMOD_NODE_PREFIX = 0x80000000,
        KMOD_NODE_VALUES = 0x40000000,
        KMOD_NODE_CHILDS = 0x20000000,
        KMOD_CHILD_MAX = 128,
        KMOD_INDEX_HEADER_ROOT = 8, /* file offset of the root offset */
};

static const char *const kmod_empty_indexes[] = {
    "modules.dep.bin",
    "modules.symbols.bin",
    "modules.builtin.bin",
    "modules.builtin.alias.bin",
};

typedef struct Alias {
        char *pattern;
        char *module;
} Alias;

typedef struct Bench {
        char root[64];
        char drivers[96];
        char modules[96];
        char modprobe_d[96];
        size_t n_manifests, n_devices, rounds;
        uint32_t rng;

        Alias *aliases;
        size_t n_aliases;
        char **devices;

        ManifestSet *set;
        MatchIndex *idx;
        struct kmod_ctx *kmod;
} Bench;

static uint32_t rng_next(Bench *b)
{
        /* xorshift32: fixed seed, so every run benchmarks the same data. */
        b->rng ^= b->rng << 13;
        b->rng ^= b->rng >> 17;
        b->rng ^= b->rng << 5;
        return b->rng;
}

static uint32_t rng_below(Bench *b, uint32_t n)
{
        return rng_next(b) % n;
}

static uint64_t now_ns(void)
{
        struct timespec ts;

        (void)clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

static void die(const char *what, int r)
{
        fprintf(stderr, "bench-match: %s: %s\n", what, strerror(ERRNO_VALUE(r)));
        exit(EXIT_FAILURE);
}

static void *xmalloc(size_t n)
{
        void *p = calloc(1, n ?: 1);

        if (!p)
                die("allocation", -ENOMEM);
        return p;
}

static char *xstrdup(const char *s)
{
        char *p = strdup(s);

        if (!p)
                die("allocation", -ENOMEM);
        return p;
}

static void module_name(const char *driver, char *ret)
{
        /* libkmod spells module names with '_' where drvhost's Name= has '-'. */
        for (; *driver; driver++)
                *ret++ = *driver == '-' ? '_' : *driver;
        *ret = '\0';
}

/* The generated data: a realistic mix of what drivers claim. */

static void make_pattern(Bench *b, unsigned kind, unsigned serial, char *ret)
{
        unsigned vendor;

        switch (kind) {
        case 0: /* USB vendor+product, the kernel's alias form */
                vendor = rng_below(b, USB_VENDOR_POOL);
                (void)snprintf(ret, PATTERN_MAX, "usb:v%04Xp%04Xd*dc*dsc*dp*ic*isc*ip*in*", 0x1000 + vendor,
                               serial & 0xffff);
                break;
        case 1: /* USB vendor+product of one interface */
                vendor = rng_below(b, USB_VENDOR_POOL);
                (void)snprintf(ret, PATTERN_MAX, "usb:v%04Xp%04Xd*dc*dsc*dp*ic%02Xisc%02Xip%02Xin*",
                               0x1000 + vendor, serial & 0xffff, 0xFF, rng_below(b, 4), rng_below(b, 4));
                break;
        case 2: /* USB interface class triple */
                (void)snprintf(ret, PATTERN_MAX, "usb:v*p*d*dc*dsc*dp*ic%02Xisc%02Xip%02Xin*",
                               rng_below(b, 256), rng_below(b, 256), rng_below(b, 256));
                break;
        case 3: /* USB interface class only */
                (void)snprintf(ret, PATTERN_MAX, "usb:v*p*d*dc*dsc*dp*ic%02Xisc*ip*in*", rng_below(b, 256));
                break;
        case 4: /* PCI vendor+device */
                vendor = rng_below(b, PCI_VENDOR_POOL);
                (void)snprintf(ret, PATTERN_MAX, "pci:v0000%04Xd0000%04Xsv*sd*bc*sc*i*", 0x8000 + vendor,
                               serial & 0xffff);
                break;
        default: /* PCI class */
                (void)snprintf(ret, PATTERN_MAX, "pci:v*d*sv*sd*bc%02Xsc%02Xi*", rng_below(b, 256),
                               rng_below(b, 256));
                break;
        }
}

/* Percentages of manifests by kind of their patterns. */
static unsigned pick_kind(Bench *b)
{
        static const unsigned cumulative[] = {45, 55, 68, 70, 97, 100};
        unsigned x = rng_below(b, PERCENT);

        for (unsigned i = 0; i < ELEMENTSOF(cumulative); i++)
                if (x < cumulative[i])
                        return i;
        return 0;
}

static void generate_manifests(Bench *b)
{
        size_t allocated = b->n_manifests * 4;

        b->aliases = xmalloc(allocated * sizeof(Alias));
        for (size_t i = 0; i < b->n_manifests; i++) {
                char name[NAME_MAX_LEN + 1], path[256], module[NAME_MAX_LEN + 1];
                unsigned kind = pick_kind(b), n_patterns = 1;
                FILE *f;

                /* A quarter of the device-specific drivers list several devices. */
                if ((kind == 0 || kind == 4) && rng_below(b, 4) == 0)
                        n_patterns += 1 + rng_below(b, 3);

                (void)snprintf(name, sizeof(name), "bench-%zu", i);
                module_name(name, module);
                (void)snprintf(path, sizeof(path), "%s/%s.driver", b->drivers, name);
                f = fopen(path, "we");
                if (!f)
                        die(path, -errno);
                fprintf(f, "[Driver]\nName=%s\nExec=/usr/libexec/drvhost/bench\n[Match]\n", name);
                for (unsigned k = 0; k < n_patterns; k++) {
                        char pattern[PATTERN_MAX];

                        make_pattern(b, kind, (unsigned)(i * 4 + k), pattern);
                        fprintf(f, "Match=%s\n", pattern);
                        b->aliases[b->n_aliases++] = (Alias){xstrdup(pattern), xstrdup(module)};
                }
                if (fclose(f) != 0)
                        die(path, -errno);
        }
}

/* Devices: half taken from existing USB/PCI patterns (hits), half made up (mostly misses, some hit
 * a class pattern). */
static void generate_devices(Bench *b)
{
        b->devices = xmalloc(b->n_devices * sizeof(char *));
        for (size_t i = 0; i < b->n_devices; i++) {
                const Alias *a = &b->aliases[rng_below(b, (uint32_t)b->n_aliases)];
                unsigned v = 0, p = 0;
                char device[PATTERN_MAX];
                bool hit = rng_below(b, 2) == 0;

                if (strneq(a->pattern, "usb:", 4)) {
                        if (!hit || sscanf(a->pattern, "usb:v%4Xp%4X", &v, &p) != 2) {
                                v = rng_next(b) & 0xffff;
                                p = rng_next(b) & 0xffff;
                        }
                        (void)snprintf(device, sizeof(device),
                                       "usb:v%04Xp%04Xd0100dc00dsc00dp00ic%02Xisc%02Xip%02Xin00", v, p,
                                       rng_below(b, 256), rng_below(b, 4), rng_below(b, 4));
                } else {
                        if (!hit || sscanf(a->pattern, "pci:v%8Xd%8X", &v, &p) != 2) {
                                v = rng_next(b) & 0xffff;
                                p = rng_next(b) & 0xffff;
                        }
                        (void)snprintf(device, sizeof(device),
                                       "pci:v%08Xd%08Xsv00001AF4sd00001100bc%02Xsc%02Xi00", v, p,
                                       rng_below(b, 256), rng_below(b, 256));
                }
                b->devices[i] = xstrdup(device);
        }
}

/* libkmod's side: modules.alias (text, for people), and modules.alias.bin (what libkmod reads). */

static void write_u32(FILE *f, uint32_t v)
{
        uint32_t be = htonl(v);

        (void)fwrite(&be, sizeof(be), 1, f);
}

static int alias_compare(const void *x, const void *y)
{
        const Alias *a = x, *b = y;
        int c = strcmp(a->pattern, b->pattern);

        return c != 0 ? c : strcmp(a->module, b->module);
}

/* Writes the trie node for aliases a[0..n), which share their first depth characters, after its
 * children; returns its offset with the flags of the fields present. */
static uint32_t write_node(FILE *f, const Alias *a, size_t n, size_t depth)
{
        uint32_t children[KMOD_CHILD_MAX] = {}, offset, flags = 0;
        size_t end = depth, n_values = 0;
        int first = KMOD_CHILD_MAX, last = -1;

        /* Sorted, so the common prefix of all is that of the first and the last. */
        while (a[0].pattern[end] && a[0].pattern[end] == a[n - 1].pattern[end])
                end++;
        while (n_values < n && a[n_values].pattern[end] == '\0')
                n_values++;
        for (size_t i = n_values, j; i < n; i = j) {
                unsigned char c = (unsigned char)a[i].pattern[end];

                for (j = i; j < n && (unsigned char)a[j].pattern[end] == c; j++)
                        ;
                if (c >= KMOD_CHILD_MAX)
                        die("non-ASCII alias", -EINVAL);
                children[c] = write_node(f, a + i, j - i, end + 1);
                first = first < c ? first : c;
                last = c;
        }

        offset = (uint32_t)ftell(f);
        if (end > depth) {
                flags |= KMOD_NODE_PREFIX;
                (void)fwrite(a[0].pattern + depth, 1, end - depth, f);
                (void)fputc('\0', f);
        }
        if (last >= 0) {
                flags |= KMOD_NODE_CHILDS;
                (void)fputc(first, f);
                (void)fputc(last, f);
                for (int c = first; c <= last; c++)
                        write_u32(f, children[c]);
        }
        if (n_values > 0) {
                flags |= KMOD_NODE_VALUES;
                write_u32(f, (uint32_t)n_values);
                for (size_t i = 0; i < n_values; i++) {
                        write_u32(f, (uint32_t)i); /* priority */
                        (void)fputs(a[i].module, f);
                        (void)fputc('\0', f);
                }
        }
        return offset | flags;
}

static void write_index(const char *dir, const char *name, Alias *aliases, size_t n)
{
        char path[256];
        uint32_t root;
        FILE *f;

        (void)snprintf(path, sizeof(path), "%s/%s", dir, name);
        f = fopen(path, "we");
        if (!f)
                die(path, -errno);
        write_u32(f, KMOD_INDEX_MAGIC);
        write_u32(f, KMOD_INDEX_VERSION);
        write_u32(f, 0);
        if (n > 0) {
                qsort(aliases, n, sizeof(Alias), alias_compare);
                root = write_node(f, aliases, n, 0);
        } else {
                /* An empty root: a node with no values. */
                root = (uint32_t)ftell(f) | KMOD_NODE_VALUES;
                write_u32(f, 0);
        }
        if (fseek(f, KMOD_INDEX_HEADER_ROOT, SEEK_SET) < 0)
                die(path, -errno);
        write_u32(f, root);
        if (ferror(f) || fclose(f) != 0)
                die(path, -EIO);
}

static void setup_kmod(Bench *b)
{
        const char *config[] = {b->modprobe_d, NULL};
        char path[256];
        FILE *f;
        int r;

        (void)snprintf(path, sizeof(path), "%s/modules.alias", b->modules);
        f = fopen(path, "we");
        if (!f)
                die(path, -errno);
        for (size_t i = 0; i < b->n_aliases; i++)
                fprintf(f, "alias %s %s\n", b->aliases[i].pattern, b->aliases[i].module);
        if (fclose(f) != 0)
                die(path, -errno);

        write_index(b->modules, "modules.alias.bin", b->aliases, b->n_aliases);
        for (size_t i = 0; i < ELEMENTSOF(kmod_empty_indexes); i++)
                write_index(b->modules, kmod_empty_indexes[i], NULL, 0);

        /* An empty modprobe.d, so that the host's configuration plays no part. */
        b->kmod = kmod_new(b->modules, config);
        if (!b->kmod)
                die("kmod_new", -ENOMEM);
        r = kmod_load_resources(b->kmod);
        if (r < 0)
                die("kmod_load_resources", r);
}

/* The measurements. */

typedef struct Timing {
        const char *method;
        size_t lookups;
        size_t hits;
        uint64_t ns;
} Timing;

static Timing time_drvhost(const Bench *b)
{
        Timing t = {.method = "drvhost index"};
        uint64_t start = now_ns();

        for (size_t round = 0; round < b->rounds; round++)
                for (size_t i = 0; i < b->n_devices; i++) {
                        MatchResult r;
                        int k = match_index_lookup(b->idx, b->devices[i], &r);

                        if (k < 0)
                                die("match_index_lookup", k);
                        t.hits += r.winner != NULL;
                        match_result_done(&r);
                        t.lookups++;
                }
        t.ns = now_ns() - start;
        return t;
}

static Timing time_kmod(const Bench *b)
{
        Timing t = {.method = "libkmod lookup (.bin)"};
        uint64_t start = now_ns();

        for (size_t round = 0; round < b->rounds; round++)
                for (size_t i = 0; i < b->n_devices; i++) {
                        struct kmod_list *list = NULL;
                        int k = kmod_module_new_from_lookup(b->kmod, b->devices[i], &list);

                        if (k < 0)
                                die("kmod_module_new_from_lookup", k);
                        t.hits += list != NULL;
                        kmod_module_unref_list(list);
                        t.lookups++;
                }
        t.ns = now_ns() - start;
        return t;
}

static Timing time_linear(const Bench *b)
{
        Timing t = {.method = "linear fnmatch"};
        size_t n = b->n_devices < LINEAR_DEVICES_MAX ? b->n_devices : LINEAR_DEVICES_MAX;
        uint64_t start = now_ns();

        for (size_t i = 0; i < n; i++) {
                bool hit = false;

                for (size_t j = 0; j < b->n_aliases; j++)
                        hit |= fnmatch(b->aliases[j].pattern, b->devices[i], 0) == 0;
                t.hits += hit;
                t.lookups++;
        }
        t.ns = now_ns() - start;
        return t;
}

static double ns_per_lookup(const Timing *t)
{
        return t->lookups ? (double)t->ns / (double)t->lookups : 0;
}

static int string_compare(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorts and dedups names[0..n) in place, returns the new count. */
static size_t sort_unique(char **names, size_t n)
{
        size_t k = 0;

        qsort(names, n, sizeof(char *), string_compare);
        for (size_t i = 0; i < n; i++)
                if (k == 0 || !streq(names[k - 1], names[i]))
                        names[k++] = names[i];
                else
                        free(names[i]);
        return k;
}

/* For every device: do both agree on hit or miss, and on the set of matching drivers/modules? */
static void check_agreement(const Bench *b, size_t *ret_hit_miss, size_t *ret_same_set)
{
        *ret_hit_miss = *ret_same_set = 0;
        for (size_t i = 0; i < b->n_devices; i++) {
                struct kmod_list *list = NULL, *l;
                char **ours = NULL, **theirs = NULL;
                size_t n_ours = 0, n_theirs = 0, cap = 0;
                MatchResult r;
                bool same;

                if (match_index_lookup(b->idx, b->devices[i], &r) < 0 ||
                    kmod_module_new_from_lookup(b->kmod, b->devices[i], &list) < 0)
                        die("lookup", -EIO);
                *ret_hit_miss += (r.winner != NULL) == (list != NULL);

                ours = xmalloc((r.n_candidates + 1) * sizeof(char *));
                for (size_t k = 0; k < r.n_candidates; k++) {
                        char module[NAME_MAX_LEN + 1];

                        module_name(r.candidates[k].manifest->name, module);
                        ours[n_ours++] = xstrdup(module);
                }
                for (l = list; l; l = kmod_list_next(list, l))
                        cap++;
                theirs = xmalloc((cap + 1) * sizeof(char *));
                for (l = list; l; l = kmod_list_next(list, l)) {
                        struct kmod_module *m = kmod_module_get_module(l);

                        theirs[n_theirs++] = xstrdup(kmod_module_get_name(m));
                        kmod_module_unref(m);
                }
                n_ours = sort_unique(ours, n_ours);
                n_theirs = sort_unique(theirs, n_theirs);
                same = n_ours == n_theirs;
                for (size_t k = 0; same && k < n_ours; k++)
                        same = streq(ours[k], theirs[k]);
                *ret_same_set += same;

                for (size_t k = 0; k < n_ours; k++)
                        free(ours[k]);
                for (size_t k = 0; k < n_theirs; k++)
                        free(theirs[k]);
                free(ours);
                free(theirs);
                kmod_module_unref_list(list);
                match_result_done(&r);
        }
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        return remove(path);
}

static size_t parse_count(const char *s, size_t fallback)
{
        char *end;
        unsigned long v;

        if (!s)
                return fallback;
        v = strtoul(s, &end, 10);
        if (*end || v == 0) {
                fprintf(stderr, "bench-match: invalid count \"%s\"\n", s);
                exit(EXIT_FAILURE);
        }
        return v;
}

int main(int argc, char *argv[])
{
        Bench b = {.rng = RNG_SEED};
        const char *dirs[2] = {};
        Timing t[3];
        MatchIndexStats stats;
        uint64_t start, load_ns, index_ns, ties_ns;
        size_t agree_hit_miss, agree_set;
        int r, ties;

        b.n_manifests = parse_count(argc > 1 ? argv[1] : NULL, DEFAULT_MANIFESTS);
        b.n_devices = parse_count(argc > 2 ? argv[2] : NULL, DEFAULT_DEVICES);
        b.rounds = parse_count(argc > 3 ? argv[3] : NULL, DEFAULT_ROUNDS);

        strcpy(b.root, "/tmp/bench-match-XXXXXX");
        if (!mkdtemp(b.root))
                die("mkdtemp", -errno);
        (void)snprintf(b.drivers, sizeof(b.drivers), "%s/drivers.d", b.root);
        (void)snprintf(b.modules, sizeof(b.modules), "%s/modules", b.root);
        (void)snprintf(b.modprobe_d, sizeof(b.modprobe_d), "%s/modprobe.d", b.root);
        if (mkdir(b.drivers, 0755) < 0 || mkdir(b.modules, 0755) < 0 || mkdir(b.modprobe_d, 0755) < 0)
                die("mkdir", -errno);

        generate_manifests(&b);
        generate_devices(&b);

        dirs[0] = b.drivers;
        start = now_ns();
        r = manifest_set_load(dirs, &b.set);
        if (r < 0)
                die("manifest_set_load", r);
        load_ns = now_ns() - start;
        if (b.set->n_errors > 0)
                die(b.set->errors[0].reason, -EINVAL);

        start = now_ns();
        r = match_index_new(b.set, &b.idx);
        if (r < 0)
                die("match_index_new", r);
        index_ns = now_ns() - start;
        match_index_get_stats(b.idx, &stats);

        start = now_ns();
        ties = match_index_check_ties(b.idx, NULL);
        if (ties < 0)
                die("match_index_check_ties", ties);
        ties_ns = now_ns() - start;

        setup_kmod(&b);

        /* Warm both up once (page faults, libkmod's module pool), then measure. */
        {
                Bench warm = b;

                warm.rounds = 1;
                (void)time_drvhost(&warm);
                (void)time_kmod(&warm);
        }
        t[0] = time_drvhost(&b);
        t[1] = time_kmod(&b);
        t[2] = time_linear(&b);
        check_agreement(&b, &agree_hit_miss, &agree_set);

        printf("%zu manifests, %zu patterns, %zu devices, %zu rounds\n", b.set->n, b.n_aliases, b.n_devices,
               b.rounds);
        printf("load %.1f ms, index build %.1f ms (%zu buckets, largest %zu, generic %zu), "
               "tie check %.1f ms (%d ties)\n",
               (double)load_ns / NSEC_PER_MSEC, (double)index_ns / NSEC_PER_MSEC, stats.n_buckets,
               stats.largest_bucket, stats.n_generic, (double)ties_ns / NSEC_PER_MSEC, ties);
        printf("\n%-24s %10s %8s %12s %12s\n", "method", "lookups", "hits", "total ms", "ns/lookup");
        for (size_t i = 0; i < ELEMENTSOF(t); i++)
                printf("%-24s %10zu %8zu %12.1f %12.0f\n", t[i].method, t[i].lookups, t[i].hits,
                       (double)t[i].ns / NSEC_PER_MSEC, ns_per_lookup(&t[i]));
        printf("\nratio drvhost/libkmod (ns per lookup): %.3f\n",
               ns_per_lookup(&t[0]) / ns_per_lookup(&t[1]));
        printf("agreement with libkmod over %zu devices: hit/miss %zu, same set of matches %zu\n",
               b.n_devices, agree_hit_miss, agree_set);

        kmod_unref(b.kmod);
        match_index_free(b.idx);
        manifest_set_free(b.set);
        for (size_t i = 0; i < b.n_aliases; i++) {
                free(b.aliases[i].pattern);
                free(b.aliases[i].module);
        }
        free(b.aliases);
        for (size_t i = 0; i < b.n_devices; i++)
                free(b.devices[i]);
        free(b.devices);
        if (nftw(b.root, remove_one, NFTW_FDS, FTW_DEPTH | FTW_PHYS) < 0)
                die("removing the temporary directory", -errno);

        return agree_hit_miss == b.n_devices && agree_set == b.n_devices ? EXIT_SUCCESS : EXIT_FAILURE;
}
