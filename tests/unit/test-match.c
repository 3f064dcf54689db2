/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fnmatch.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "manifest.h"
#include "match.h"

#define USB_ANY_DEVICE "d*dc*dsc*dp*ic*isc*ip*in*"
#define USB_PRINTER_DEVICE "usb:v04B8p0005d0100dc00dsc00dp00ic07isc01ip02in00"

enum {
        MANY_VENDOR_PRODUCT = 3000,
        MANY_CLASS = 64,
        MANY_DEVICES = 1000,
        MANY_PRODUCT_BASE = 0x1000,
};

static void set_add(ManifestSet *s, const char *name, int priority, const char *const *patterns)
{
        char text[4096];
        size_t n;
        Manifest *m = NULL, **p;
        ManifestError e = {};

        n = (size_t)snprintf(text, sizeof(text),
                             "[Driver]\nName=%s\nExec=/usr/bin/%s\nPriority=%d\n[Match]\n", name, name,
                             priority);
        for (size_t i = 0; patterns[i]; i++)
                n += (size_t)snprintf(text + n, sizeof(text) - n, "Match=%s\n", patterns[i]);
        assert_true(n < sizeof(text));
        if (manifest_parse_string(name, text, &m, &e) < 0)
                print_error("%s\n", e.reason);
        assert_non_null(m);

        p = reallocarray(s->manifests, s->n + 1, sizeof(Manifest *));
        assert_non_null(p);
        s->manifests = p;
        s->manifests[s->n++] = m;
}

#define ADD(s, name, priority, ...) set_add(s, name, priority, (const char *const[]){__VA_ARGS__, NULL})

static ManifestSet *set_new(void)
{
        ManifestSet *s = calloc(1, sizeof(ManifestSet));

        assert_non_null(s);
        return s;
}

static MatchIndex *index_new(const ManifestSet *s)
{
        MatchIndex *idx = NULL;

        assert_int_equal(match_index_new(s, &idx), 0);
        return idx;
}

static unsigned score(const char *pattern)
{
        unsigned v = 0;

        assert_int_equal(match_pattern_score(pattern, &v), 0);
        return v;
}

static void test_scores(void **state)
{
        assert_int_equal(score("usb:v04B8p0005" USB_ANY_DEVICE), MATCH_SCORE_ID_PAIR);
        assert_int_equal(score("usb:v04B8p0005d0100dc*dsc*dp*ic07isc01ip02in*"),
                         MATCH_SCORE_ID_PAIR + 3 * MATCH_SCORE_TIER_1 + MATCH_SCORE_OTHER);
        assert_int_equal(score("usb:v*p*d*dc*dsc*dp*ic07isc01ip02in*"), 3 * MATCH_SCORE_TIER_1);
        assert_int_equal(score("usb:v*p*d*dc*dsc*dp*ic07isc*ip*in*"), MATCH_SCORE_TIER_1);
        assert_int_equal(score("usb:v*p*d*dc09dsc00dp*ic*isc*ip*in*"), 2 * MATCH_SCORE_TIER_2);
        assert_int_equal(score("usb:v04B8p*"), MATCH_SCORE_OTHER);
        assert_int_equal(score("usb:*ic07*"), MATCH_SCORE_TIER_1);
        assert_int_equal(score("usb:*"), 0);
        /* Partly pinned fields do not count. */
        assert_int_equal(score("usb:v04B8p000?" USB_ANY_DEVICE), MATCH_SCORE_OTHER);
        assert_int_equal(score("usb:v*p*d*dc*dsc*dp*ic0[7-8]isc*ip*in*"), 0);
        assert_int_equal(score("pci:v00008086d00001234sv*sd*bc*sc*i*"), MATCH_SCORE_ID_PAIR);
        assert_int_equal(score("pci:v*d*sv*sd*bc03sc00i*"), 2 * MATCH_SCORE_TIER_2);
        /* The tiers are lexicographic: the best of a lower tier loses to the least of a higher one. */
        assert_true(score("usb:v04B8p0005" USB_ANY_DEVICE) >
                    score("usb:v04B8p*d0100dc09dsc00dp01ic07isc01ip02in00"));
        assert_true(score("usb:v*p*d*dc*dsc*dp*ic07isc*ip*in*") >
                    score("usb:v04B8p*d0100dc09dsc00dp01ic*isc*ip*in00"));
}

static void test_pattern_check(void **state)
{
        static const char *const good[] = {
            "usb:v04B8p0005d*dc*dsc*dp*ic*isc*ip*in*",
            "usb:v*p*d*dc*dsc*dp*ic07isc01ip02in*",
            "usb:v0403p6001d0[0-5]*",
            "usb:v*p*d*dc*dsc*dp*ic[!0]?isc*ip*in*",
            "usb:*ic07*",
            "usb:*",
            "pci:v00008086d*sv*sd*bc*sc*i*",
            "pci:v*d*sv*sd*bc03sc*i*",
            "usb:v1234p5678d0100dc00dsc00dp00ic07isc01ip02in00",
        };
        static const char *const bad[] = {
            "",
            "usb",
            "usb:",
            "acpi:PNP0A03:*",
            "usb:v04B8",
            "usb:vp*",
            "usb:v04B8p0005*ic07*x",
            "usb:?*",
            "usb:v04B8p00051*",
            "usb:v0*p*d*dc*dsc*dp*ic*isc*ip*in*in*",
            "usb:v*p*d*dc*dsc*dp*ic\\07*",
            "pci:v00008086d*bc03ic*",
            "usb:v[A-F*",
            "usb:v04B8p0005d*dc*dsc*dp*ic*isc*ip*in00x",
        };

        for (size_t i = 0; i < ELEMENTSOF(good); i++) {
                char *reason = NULL;
                int r = match_pattern_check(good[i], &reason);

                if (r != 0)
                        print_error("%s: %s\n", good[i], reason);
                assert_int_equal(r, 0);
                assert_null(reason);
        }
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                char *reason = NULL;
                int r = match_pattern_check(bad[i], &reason);

                if (r != -EINVAL)
                        print_error("accepted: %s\n", bad[i]);
                assert_int_equal(r, -EINVAL);
                assert_non_null(reason);
                assert_true(strlen(reason) > 10);
                free(reason);
        }
}

static void test_specificity_order(void **state)
{
        _cleanup_(manifest_set_freep) ManifestSet *s = set_new();
        _cleanup_(match_index_freep) MatchIndex *idx = NULL;
        MatchResult r;

        /* Priorities deliberately favour the less specific ones: specificity comes first. */
        ADD(s, "class-only", 100, "usb:v*p*d*dc*dsc*dp*ic07isc*ip*in*");
        ADD(s, "interface", 50, "usb:v*p*d*dc*dsc*dp*ic07isc01ip02in*");
        ADD(s, "vendor-product", 0, "usb:v04B8p0005" USB_ANY_DEVICE);
        ADD(s, "other-vendor", 0, "usb:v04B9p0005" USB_ANY_DEVICE);
        idx = index_new(s);

        assert_int_equal(match_index_lookup(idx, USB_PRINTER_DEVICE, &r), 3);
        assert_string_equal(r.winner->name, "vendor-product");
        assert_ptr_equal(r.candidates[0].manifest, r.winner);
        assert_string_equal(r.candidates[1].manifest->name, "interface");
        assert_string_equal(r.candidates[2].manifest->name, "class-only");
        for (size_t i = 0; i < r.n_candidates; i++)
                assert_int_equal(r.candidates[i].rank, i);
        assert_int_equal(r.candidates[0].loss, MATCH_LOSS_NONE);
        assert_int_equal(r.candidates[1].loss, MATCH_LOSS_SPECIFICITY);
        assert_int_equal(r.candidates[2].loss, MATCH_LOSS_SPECIFICITY);
        assert_int_equal(r.candidates[0].score, MATCH_SCORE_ID_PAIR);
        assert_int_equal(r.candidates[1].score, 3 * MATCH_SCORE_TIER_1);
        assert_int_equal(r.candidates[2].score, MATCH_SCORE_TIER_1);
        assert_string_equal(r.candidates[2].pattern, "usb:v*p*d*dc*dsc*dp*ic07isc*ip*in*");
        assert_string_equal(match_loss_to_string(r.candidates[1].loss), "less specific");
        match_result_done(&r);

        /* Another product: the interface triple wins. */
        assert_int_equal(match_index_lookup(idx, "usb:v04B8p0006d0100dc00dsc00dp00ic07isc01ip02in00", &r),
                         2);
        assert_string_equal(r.winner->name, "interface");
        match_result_done(&r);

        /* Another protocol: only the class wildcard is left. */
        assert_int_equal(match_index_lookup(idx, "usb:v1234p0006d0100dc00dsc00dp00ic07isc01ip03in00", &r),
                         1);
        assert_string_equal(r.winner->name, "class-only");
        match_result_done(&r);
}

static void test_priority_breaks_ties(void **state)
{
        _cleanup_(manifest_set_freep) ManifestSet *s = set_new();
        _cleanup_(match_index_freep) MatchIndex *idx = NULL;
        MatchResult r;

        ADD(s, "a-low", -10, "usb:v*p*d*dc*dsc*dp*ic07isc01ip02in*");
        ADD(s, "z-high", 10, "usb:v*p*d*dc*dsc*dp*ic07isc01ip02in*");
        idx = index_new(s);

        assert_int_equal(match_index_lookup(idx, USB_PRINTER_DEVICE, &r), 2);
        assert_string_equal(r.winner->name, "z-high");
        assert_int_equal(r.candidates[1].loss, MATCH_LOSS_PRIORITY);
        match_result_done(&r);
        assert_int_equal(match_index_check_ties(idx, NULL), 0);
}

static void test_deterministic_order(void **state)
{
        _cleanup_(manifest_set_freep) ManifestSet *s1 = set_new(), *s2 = set_new();
        _cleanup_(match_index_freep) MatchIndex *i1 = NULL, *i2 = NULL;
        MatchResult r1, r2;

        ADD(s1, "beta", 0, "usb:v*p*d*dc*dsc*dp*ic07isc01ip02in*");
        ADD(s1, "alpha", 0, "usb:v*p*d*dc*dsc*dp*ic07isc01ip02in*");
        ADD(s1, "gamma", 0, "usb:v*p*d*dc*dsc*dp*ic07isc01ip*in*", "usb:v*p*d*dc*dsc*dp*ic07isc*ip*in*");
        ADD(s2, "gamma", 0, "usb:v*p*d*dc*dsc*dp*ic07isc*ip*in*", "usb:v*p*d*dc*dsc*dp*ic07isc01ip*in*");
        ADD(s2, "alpha", 0, "usb:v*p*d*dc*dsc*dp*ic07isc01ip02in*");
        ADD(s2, "beta", 0, "usb:v*p*d*dc*dsc*dp*ic07isc01ip02in*");
        i1 = index_new(s1);
        i2 = index_new(s2);

        assert_int_equal(match_index_lookup(i1, USB_PRINTER_DEVICE, &r1), 4);
        assert_int_equal(match_index_lookup(i2, USB_PRINTER_DEVICE, &r2), 4);
        assert_string_equal(r1.winner->name, "alpha");
        assert_int_equal(r1.candidates[1].loss, MATCH_LOSS_NAME);
        assert_string_equal(r1.candidates[2].manifest->name, "gamma");
        assert_string_equal(r1.candidates[3].manifest->name, "gamma");
        assert_int_equal(r1.candidates[3].loss, MATCH_LOSS_SPECIFICITY);
        for (size_t i = 0; i < 4; i++) {
                assert_string_equal(r1.candidates[i].manifest->name, r2.candidates[i].manifest->name);
                assert_string_equal(r1.candidates[i].pattern, r2.candidates[i].pattern);
        }
        match_result_done(&r1);
        match_result_done(&r2);
}

static void test_same_driver_loss(void **state)
{
        _cleanup_(manifest_set_freep) ManifestSet *s = set_new();
        _cleanup_(match_index_freep) MatchIndex *idx = NULL;
        MatchResult r;

        ADD(s, "printer", 0, "usb:v04B8p0005" USB_ANY_DEVICE, "usb:v*p*d*dc*dsc*dp*ic07isc01ip02in*");
        idx = index_new(s);
        assert_int_equal(match_index_lookup(idx, USB_PRINTER_DEVICE, &r), 2);
        assert_int_equal(r.candidates[1].loss, MATCH_LOSS_SAME_DRIVER);
        match_result_done(&r);
        assert_int_equal(match_index_check_ties(idx, NULL), 0);
}

static void test_no_match(void **state)
{
        _cleanup_(manifest_set_freep) ManifestSet *s = set_new();
        _cleanup_(match_index_freep) MatchIndex *idx = NULL, *empty_idx = NULL;
        _cleanup_(manifest_set_freep) ManifestSet *empty = set_new();
        MatchResult r;

        ADD(s, "printer", 0, "usb:v*p*d*dc*dsc*dp*ic07isc01ip02in*");
        ADD(s, "vendor", 0, "usb:v04B8p*");
        idx = index_new(s);
        empty_idx = index_new(empty);

        assert_int_equal(match_index_lookup(idx, "usb:v1D6Bp0002d0515dc09dsc00dp03ic09isc00ip00in00", &r),
                         0);
        assert_null(r.winner);
        assert_null(r.candidates);
        assert_int_equal(r.n_candidates, 0);
        match_result_done(&r);

        assert_int_equal(match_index_lookup(idx, "acpi:PNP0A03:", &r), 0);
        assert_int_equal(match_index_lookup(idx, "", &r), 0);
        assert_int_equal(match_index_lookup(empty_idx, USB_PRINTER_DEVICE, &r), 0);

        /* A malformed modalias is still matched, by trying every pattern of its bus. */
        assert_int_equal(match_index_lookup(idx, "usb:v04B8p0005", &r), 1);
        assert_string_equal(r.winner->name, "vendor");
        match_result_done(&r);
}

static void test_pci(void **state)
{
        _cleanup_(manifest_set_freep) ManifestSet *s = set_new();
        _cleanup_(match_index_freep) MatchIndex *idx = NULL;
        static const char device[] = "pci:v00008086d00001234sv00001AF4sd00001100bc03sc00i00";
        MatchResult r;

        ADD(s, "vendor", 0, "pci:v00008086d*sv*sd*bc*sc*i*");
        ADD(s, "display-class", 0, "pci:v*d*sv*sd*bc03sc*i*");
        ADD(s, "exact", 0, "pci:v00008086d00001234sv*sd*bc*sc*i*");
        ADD(s, "vga", 0, "pci:v*d*sv*sd*bc03sc00i*");
        ADD(s, "usb-lookalike", 0, "usb:*");
        idx = index_new(s);

        assert_int_equal(match_index_lookup(idx, device, &r), 4);
        assert_string_equal(r.candidates[0].manifest->name, "exact");
        assert_string_equal(r.candidates[1].manifest->name, "vga");
        assert_string_equal(r.candidates[2].manifest->name, "display-class");
        assert_string_equal(r.candidates[3].manifest->name, "vendor");
        match_result_done(&r);

        assert_int_equal(
            match_index_lookup(idx, "pci:v000010DEd00001234sv00001AF4sd00001100bc03sc00i00", &r), 2);
        assert_string_equal(r.winner->name, "vga");
        assert_string_equal(r.candidates[1].manifest->name, "display-class");
        match_result_done(&r);

        assert_int_equal(
            match_index_lookup(idx, "pci:v000010DEd00001234sv00001AF4sd00001100bc03sc80i00", &r), 1);
        assert_string_equal(r.winner->name, "display-class");
        match_result_done(&r);

        assert_int_equal(
            match_index_lookup(idx, "pci:v000010DEd00001234sv00001AF4sd00001100bc02sc00i00", &r), 0);
}

static void test_ties(void **state)
{
        _cleanup_(manifest_set_freep) ManifestSet *s = set_new();
        _cleanup_(match_index_freep) MatchIndex *idx = NULL;
        _cleanup_strv_free_ char **lines = NULL;
        int n;

        /* Identical patterns, equal priority: a tie. */
        ADD(s, "printer-a", 0, "usb:v*p*d*dc*dsc*dp*ic07isc01ip02in*");
        ADD(s, "printer-b", 0, "usb:v*p*d*dc*dsc*dp*ic07isc01ip02in*");
        /* Identical, but one has a higher priority: no tie. */
        ADD(s, "hid-a", 0, "usb:v*p*d*dc*dsc*dp*ic03isc01ip01in*");
        ADD(s, "hid-b", 5, "usb:v*p*d*dc*dsc*dp*ic03isc01ip01in*");
        /* Different patterns, same score, and a device could match both: a tie. */
        ADD(s, "storage-a", 0, "usb:v*p*d*dc*dsc*dp*ic08isc06ip*in*");
        ADD(s, "storage-b", 0, "usb:v*p*d*dc*dsc*dp*ic08isc*ip50in*");
        /* Same score but disjoint: no tie. */
        ADD(s, "audio-a", 0, "usb:v*p*d*dc*dsc*dp*ic01isc01ip*in*");
        ADD(s, "audio-b", 0, "usb:v*p*d*dc*dsc*dp*ic01isc02ip*in*");
        ADD(s, "video-a", 0, "usb:v*p*d*dc*dsc*dp*ic0Eisc0[0-3]ip*in*");
        ADD(s, "video-b", 0, "usb:v*p*d*dc*dsc*dp*ic0Eisc0[4-7]ip*in*");
        /* Overlapping ranges. */
        ADD(s, "serial-a", 0, "usb:v*p*d*dc*dsc*dp*ic0Aisc0[0-3]ip*in*");
        ADD(s, "serial-b", 0, "usb:v*p*d*dc*dsc*dp*ic0Aisc0[3-5]ip*in*");
        /* In different index buckets (ic pinned vs. only isc pinned) at the same score. */
        ADD(s, "wireless-a", 0, "usb:v*p*d*dc*dsc*dp*icE0isc*ip*in*");
        ADD(s, "wireless-b", 0, "usb:v*p*d*dc*dsc*dp*ic*iscE1ip*in*");
        /* Same vendor+product, different interface protocol: no tie. */
        ADD(s, "vp-a", 0, "usb:v1234p5678d*dc*dsc*dp*ic*isc*ip01in*");
        ADD(s, "vp-b", 0, "usb:v1234p5678d*dc*dsc*dp*ic*isc*ip02in*");
        /* Two overlapping patterns of the same manifest are no tie. */
        ADD(s, "self", 0, "usb:v4321p*" USB_ANY_DEVICE, "usb:v4321p*d*dc*dsc*dp*ic*isc*ip*in*");
        idx = index_new(s);

        n = match_index_check_ties(idx, &lines);
        for (int i = 0; i < n; i++)
                print_message("tie: %s\n", lines[i]);
        assert_int_equal(n, 4);
        assert_null(lines[4]);
        assert_int_equal(match_index_check_ties(idx, NULL), 4);

        for (int i = 0; i < n; i++) {
                const char *a = NULL;

                if (strstr(lines[i], "printer-a")) {
                        assert_non_null(strstr(lines[i], "printer-b"));
                        assert_non_null(strstr(lines[i], "identical patterns"));
                        a = "printer";
                } else if (strstr(lines[i], "storage-a"))
                        a = "storage-b";
                else if (strstr(lines[i], "serial-a"))
                        a = "serial-b";
                else if (strstr(lines[i], "wireless-a"))
                        a = "wireless-b";
                assert_non_null(a);
                assert_non_null(strstr(lines[i], a));
                assert_non_null(strstr(lines[i], "score"));
        }
}

/* The reference: every pattern of every manifest, ranked as match.h says. */
static const Manifest *brute_force_winner(const ManifestSet *s, const char *modalias, size_t *ret_n)
{
        const Manifest *best = NULL;
        unsigned best_score = 0;
        const char *best_pattern = NULL;

        *ret_n = 0;
        for (size_t i = 0; i < s->n; i++)
                for (size_t j = 0; j < s->manifests[i]->n_matches; j++) {
                        const Manifest *m = s->manifests[i];
                        unsigned sc;
                        int c;

                        if (fnmatch(m->matches[j], modalias, 0) != 0)
                                continue;
                        sc = score(m->matches[j]);
                        (*ret_n)++;
                        if (!best)
                                c = -1;
                        else if (sc != best_score)
                                c = sc > best_score ? -1 : 1;
                        else if (m->priority != best->priority)
                                c = m->priority > best->priority ? -1 : 1;
                        else
                                c = strcmp(m->name, best->name);
                        if (c == 0)
                                c = strcmp(m->matches[j], best_pattern);
                        if (c < 0) {
                                best = m;
                                best_score = sc;
                                best_pattern = m->matches[j];
                        }
                }
        return best;
}

static void test_many_manifests(void **state)
{
        _cleanup_(manifest_set_freep) ManifestSet *s = set_new();
        _cleanup_(match_index_freep) MatchIndex *idx = NULL;
        MatchIndexStats stats;
        uint32_t seed = 12345;

        for (unsigned i = 0; i < MANY_VENDOR_PRODUCT; i++) {
                char name[32], pattern[128];

                (void)snprintf(name, sizeof(name), "vp-%05u", i);
                (void)snprintf(pattern, sizeof(pattern), "usb:v%04Xp%04X" USB_ANY_DEVICE, 0x1000 + i % 97,
                               MANY_PRODUCT_BASE + i);
                ADD(s, name, 0, pattern);
        }
        for (unsigned i = 0; i < MANY_CLASS; i++) {
                char name[32], pattern[128];

                (void)snprintf(name, sizeof(name), "class-%03u", i);
                (void)snprintf(pattern, sizeof(pattern), "usb:v*p*d*dc*dsc*dp*ic%02Xisc%02Xip*in*", i % 16,
                               i / 16);
                ADD(s, name, 0, pattern);
        }
        ADD(s, "pci-any-display", -1, "pci:v*d*sv*sd*bc03sc*i*");
        ADD(s, "pci-vga", -1, "pci:v*d*sv*sd*bc03sc00i*");
        idx = index_new(s);

        match_index_get_stats(idx, &stats);
        assert_int_equal(stats.n_patterns, MANY_VENDOR_PRODUCT + MANY_CLASS + 2);
        assert_true(stats.n_buckets > MANY_VENDOR_PRODUCT);
        assert_true(stats.largest_bucket <= MANY_CLASS);
        assert_int_equal(stats.n_generic, 0);
        assert_int_equal(match_index_check_ties(idx, NULL), 0);

        for (unsigned i = 0; i < MANY_DEVICES; i++) {
                char device[128];
                const Manifest *expected;
                unsigned pick;
                size_t n;
                MatchResult r;
                int k;

                seed = seed * 1103515245 + 12345;
                pick = (seed >> 8) % MANY_VENDOR_PRODUCT;
                if (i % 4 == 3)
                        (void)snprintf(device, sizeof(device),
                                       "pci:v%08Xd%08Xsv00000000sd00000000bc%02Xsc%02Xi00", pick, pick,
                                       i % 5, i % 3);
                else
                        /* Half the vendor/product pairs exist; interface classes hit sometimes. */
                        (void)snprintf(
                            device, sizeof(device), "usb:v%04Xp%04Xd0100dc00dsc00dp00ic%02Xisc%02Xip00in00",
                            0x1000 + pick % 97, MANY_PRODUCT_BASE + pick + (i % 2) * MANY_VENDOR_PRODUCT,
                            (seed >> 20) % 20, (seed >> 26) % 6);

                expected = brute_force_winner(s, device, &n);
                k = match_index_lookup(idx, device, &r);
                assert_int_equal(k, n);
                assert_ptr_equal(r.winner, expected);
                match_result_done(&r);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_scores),
            cmocka_unit_test(test_pattern_check),
            cmocka_unit_test(test_specificity_order),
            cmocka_unit_test(test_priority_breaks_ties),
            cmocka_unit_test(test_deterministic_order),
            cmocka_unit_test(test_same_driver_loss),
            cmocka_unit_test(test_no_match),
            cmocka_unit_test(test_pci),
            cmocka_unit_test(test_ties),
            cmocka_unit_test(test_many_manifests),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
