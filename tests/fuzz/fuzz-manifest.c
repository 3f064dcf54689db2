/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: manifest files as drvhostd reads them from drivers.d, then the match index and
 * the tie check over the ones that parsed. The input is several files separated by NUL bytes (the
 * parser refuses a NUL anyway); every line of it that starts with a bus prefix ("usb:", "pci:") is
 * also looked up as a device's modalias, and so is each Match= pattern with its wildcards filled in.
 *
 * Aborts when a promise of manifest.h or match.h breaks: a parsed manifest with an invalid Name=,
 * Exec=, range or Match= pattern, or that parses differently twice; a lookup whose candidates are not
 * exactly the (manifest, pattern) pairs fnmatch(3) accepts, or not ranked as match.h says; two
 * manifests that match one device with the same score and Priority= while the tie check sees none. */
#include <errno.h>
#include <fnmatch.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "manifest.h"
#include "match.h"

enum {
        /* Enough for ties and buckets shared between files, small enough to keep runs fast. */
        FUZZ_MANIFESTS_MAX = 8,
        FUZZ_LOOKUPS_MAX = 32,
};

#define NAME_CHARS "abcdefghijklmnopqrstuvwxyz0123456789-"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_manifest(const Manifest *m, const char *text)
{
        _cleanup_(manifest_freep) Manifest *again = NULL;
        size_t n;
        unsigned score;

        n = strlen(m->name);
        if (n == 0 || n > MANIFEST_NAME_MAX || strspn(m->name, NAME_CHARS) != n || m->name[0] == '-')
                abort();
        if (!m->exec || m->exec[0] != '/' || m->name_line == 0)
                abort();
        if (m->priority < MANIFEST_PRIORITY_MIN || m->priority > MANIFEST_PRIORITY_MAX ||
            m->restart_limit_burst < MANIFEST_RESTART_BURST_MIN ||
            m->restart_limit_burst > MANIFEST_RESTART_BURST_MAX ||
            m->restart_limit_interval_sec < MANIFEST_RESTART_INTERVAL_MIN ||
            m->restart_limit_interval_sec > MANIFEST_RESTART_INTERVAL_MAX ||
            m->claim_scope >= _CLAIM_SCOPE_MAX || !claim_scope_to_string(m->claim_scope))
                abort();
        if (m->n_matches == 0 || strv_length(m->matches) != m->n_matches)
                abort();
        for (size_t i = 0; i < m->n_matches; i++)
                if (match_pattern_check(m->matches[i], NULL) < 0 ||
                    match_pattern_score(m->matches[i], &score) < 0)
                        abort();

        /* The same text, the same manifest: a reload compares by hash and trusts the rest. */
        if (manifest_parse_string("again", text, &again, NULL) < 0 || !streq(again->name, m->name) ||
            !streq(again->exec, m->exec) || again->hash != m->hash || again->n_matches != m->n_matches ||
            again->priority != m->priority)
                abort();
}

/* A modalias the pattern matches when its wildcards are simple: '*' as nothing, '?' and a bracket
 * expression as one digit (the bracket's first, which a negated one may exclude: then no match is
 * expected, and the lookup is compared with fnmatch all the same). */
static char *pattern_instance(const char *pattern)
{
        char *s = malloc(strlen(pattern) + 1), *o = s;

        if (!s)
                return NULL;
        for (const char *p = pattern; *p; p++) {
                if (*p == '*')
                        continue;
                if (*p == '?') {
                        *o++ = '0';
                        continue;
                }
                if (*p == '[') {
                        const char *end = strchr(p + 1, ']');

                        if (p[1] == '!' || p[1] == '^')
                                p++;
                        *o++ = p[1] && p[1] != ']' ? p[1] : '0';
                        if (!end)
                                break;
                        p = end;
                        continue;
                }
                *o++ = *p;
        }
        *o = '\0';
        return s;
}

static bool same_tier(const MatchCandidate *a, const MatchCandidate *b)
{
        return a->score == b->score && a->manifest->priority == b->manifest->priority;
}

static void check_lookup(const MatchIndex *idx, const ManifestSet *set, const char *modalias, int ties)
{
        _cleanup_(match_result_done) MatchResult r = {};
        size_t expected = 0;
        int n;

        n = match_index_lookup(idx, modalias, &r);
        if (n < 0 || (size_t)n != r.n_candidates)
                abort();

        /* The index is a shortcut: it must find what trying every pattern finds, no more, no less. */
        for (size_t i = 0; i < set->n; i++)
                for (size_t j = 0; j < set->manifests[i]->n_matches; j++)
                        expected += fnmatch(set->manifests[i]->matches[j], modalias, 0) == 0;
        if (expected != r.n_candidates)
                abort();
        if (n == 0) {
                if (r.winner)
                        abort();
                return;
        }

        if (r.winner != r.candidates[0].manifest || r.candidates[0].loss != MATCH_LOSS_NONE)
                abort();
        for (size_t i = 0; i < r.n_candidates; i++) {
                const MatchCandidate *c = &r.candidates[i], *w = &r.candidates[0];
                unsigned score;

                if (fnmatch(c->pattern, modalias, 0) != 0 || c->rank != i ||
                    match_pattern_score(c->pattern, &score) < 0 || score != c->score)
                        abort();
                if (i > 0 && (c->score > r.candidates[i - 1].score ||
                              (c->score == r.candidates[i - 1].score &&
                               c->manifest->priority > r.candidates[i - 1].manifest->priority)))
                        abort();
                if (i > 0 && c->manifest != w->manifest && same_tier(c, w) && c->loss != MATCH_LOSS_NAME)
                        abort();
                /* Two drivers equally fit for one device: the load must have reported it. */
                if (c->manifest != w->manifest && same_tier(c, w) && ties <= 0)
                        abort();
        }
}

static void check_lookups(const MatchIndex *idx, const ManifestSet *set, const char *text, int ties,
                          unsigned *budget)
{
        for (const char *line = text; *line && *budget > 0; line += strcspn(line, "\n"), line += !!*line) {
                _cleanup_free_ char *modalias = strndup(line, strcspn(line, "\n"));

                if (!modalias)
                        return;
                if (strneq(modalias, "usb:", strlen("usb:")) || strneq(modalias, "pci:", strlen("pci:"))) {
                        check_lookup(idx, set, modalias, ties);
                        (*budget)--;
                }
        }
}

static void check_index(const ManifestSet *set, char *const *texts, size_t n_texts)
{
        _cleanup_(match_index_freep) MatchIndex *idx = NULL;
        _cleanup_strv_free_ char **lines = NULL;
        MatchIndexStats stats;
        unsigned budget = FUZZ_LOOKUPS_MAX;
        size_t patterns = 0;
        int ties;

        /* Every pattern passed the parser's check, so the index must take them all. */
        if (match_index_new(set, &idx) < 0)
                abort();
        match_index_get_stats(idx, &stats);
        for (size_t i = 0; i < set->n; i++)
                patterns += set->manifests[i]->n_matches;
        if (stats.n_patterns != patterns || stats.largest_bucket > patterns)
                abort();

        ties = match_index_check_ties(idx, &lines);
        if (ties < 0 || strv_length(lines) != (size_t)ties || match_index_check_ties(idx, NULL) != ties)
                abort();

        for (size_t i = 0; i < n_texts; i++)
                check_lookups(idx, set, texts[i], ties, &budget);
        for (size_t i = 0; i < set->n; i++)
                for (size_t j = 0; j < set->manifests[i]->n_matches && budget > 0; j++, budget--) {
                        _cleanup_free_ char *modalias = pattern_instance(set->manifests[i]->matches[j]);

                        if (modalias)
                                check_lookup(idx, set, modalias, ties);
                }
}

static void set_done(ManifestSet *set)
{
        for (size_t i = 0; i < set->n; i++)
                manifest_free(set->manifests[i]);
}

static void texts_done(char *(*texts)[FUZZ_MANIFESTS_MAX])
{
        for (size_t i = 0; i < FUZZ_MANIFESTS_MAX; i++)
                free((*texts)[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        _cleanup_(texts_done) char *texts[FUZZ_MANIFESTS_MAX] = {};
        Manifest *manifests[FUZZ_MANIFESTS_MAX] = {};
        _cleanup_(set_done) ManifestSet set = {.manifests = manifests};
        size_t n_texts = 0;

        for (size_t start = 0; start <= size && n_texts < FUZZ_MANIFESTS_MAX;) {
                const uint8_t *nul = memchr(data + start, '\0', size - start);
                size_t n = nul ? (size_t)(nul - data) - start : size - start;
                _cleanup_(manifest_freep) Manifest *m = NULL;
                ManifestError e = {};
                char *text = strndup((const char *)data + start, n);
                bool duplicate = false;
                int r;

                if (!text)
                        return 0;
                texts[n_texts++] = text;
                start += n + 1;

                r = manifest_parse_string("fuzz.driver", text, &m, &e);
                if (r == -ENOMEM)
                        return 0;
                if (r < 0) {
                        /* An invalid manifest names its file and why; the line is within the file. */
                        size_t lines = 1;

                        for (size_t i = 0; i < n; i++)
                                lines += text[i] == '\n';
                        if (r != -EINVAL || !e.path || !e.reason || !*e.reason || e.line > lines)
                                abort();
                        manifest_error_done(&e);
                        continue;
                }
                check_manifest(m, text);
                /* As manifest_set_load(): a Name= already taken is dropped. */
                for (size_t i = 0; i < set.n; i++)
                        duplicate = duplicate || streq(set.manifests[i]->name, m->name);
                if (!duplicate)
                        set.manifests[set.n++] = TAKE_PTR(m);
        }

        check_index(&set, texts, n_texts);
        return 0;
}
