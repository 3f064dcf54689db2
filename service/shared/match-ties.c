/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Tie detection at load time: two manifests whose patterns can match the same device with the same
 * score and priority (see match_index_check_ties() in match.h). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "match-index-internal.h"

enum { GLOB_ELEMENTS_MAX = 64, CHARSET_WORDS = 2 };

typedef struct GlobElement {
        bool star;
        uint64_t set[CHARSET_WORDS]; /* the ASCII characters one element accepts */
} GlobElement;

static void charset_add(uint64_t set[static CHARSET_WORDS], unsigned char c)
{
        if (c < 64 * CHARSET_WORDS)
                set[c / 64] |= UINT64_C(1) << (c % 64);
}

/* Compiles a glob (already validated by match_pattern_analyze()) into elements. Returns the count, or
 * -E2BIG if it is too long to compare. */
static int glob_compile(const char *s, size_t n, GlobElement *elements)
{
        size_t k = 0;

        for (size_t i = 0; i < n; k++) {
                GlobElement *e = &elements[k];

                if (k >= GLOB_ELEMENTS_MAX)
                        return -E2BIG;
                *e = (GlobElement){};
                if (s[i] == '*') {
                        e->star = true;
                        memset(e->set, 0xff, sizeof(e->set));
                        i++;
                } else if (s[i] == '?') {
                        memset(e->set, 0xff, sizeof(e->set));
                        i++;
                } else if (s[i] == '[') {
                        bool negate = s[i + 1] == '!' || s[i + 1] == '^';
                        uint64_t set[CHARSET_WORDS] = {};

                        for (i += 1 + negate; s[i] != ']'; i++) {
                                if (s[i + 1] == '-' && s[i + 2] && s[i + 2] != ']') {
                                        for (unsigned c = (unsigned char)s[i]; c <= (unsigned char)s[i + 2];
                                             c++)
                                                charset_add(set, (unsigned char)c);
                                        i += 2;
                                } else
                                        charset_add(set, (unsigned char)s[i]);
                        }
                        i++;
                        for (size_t w = 0; w < CHARSET_WORDS; w++)
                                e->set[w] = negate ? ~set[w] : set[w];
                } else
                        charset_add(e->set, (unsigned char)s[i++]);
        }
        return (int)k;
}

/* Whether some string matches both globs: reachability in the product of their automata. */
static bool globs_intersect(const char *a, size_t na, const char *b, size_t nb)
{
        GlobElement ea[GLOB_ELEMENTS_MAX], eb[GLOB_ELEMENTS_MAX];
        bool reach[GLOB_ELEMENTS_MAX + 1][GLOB_ELEMENTS_MAX + 1] = {};
        int ka, kb;

        ka = glob_compile(a, na, ea);
        kb = glob_compile(b, nb, eb);
        if (ka < 0 || kb < 0)
                return true; /* too long to tell: assume they do */

        reach[0][0] = true;
        for (int i = 0; i <= ka; i++)
                for (int j = 0; j <= kb; j++) {
                        if (!reach[i][j])
                                continue;
                        if (i < ka && ea[i].star)
                                reach[i + 1][j] = true;
                        if (j < kb && eb[j].star)
                                reach[i][j + 1] = true;
                        if (i < ka && j < kb &&
                            ((ea[i].set[0] & eb[j].set[0]) || (ea[i].set[1] & eb[j].set[1]))) {
                                int ni = ea[i].star ? i : i + 1, nj = eb[j].star ? j : j + 1;

                                reach[ni][nj] = true;
                        }
                }
        return reach[ka][kb];
}

static bool entries_overlap(const MatchEntry *x, const MatchEntry *y)
{
        const Bus *bus = &match_buses[x->info.bus];

        if (streq(x->pattern, y->pattern))
                return true;
        for (size_t i = 0; i < bus->n_fields; i++) {
                const FieldInfo *f = &x->info.fields[i], *g = &y->info.fields[i];

                if (!f->present || !g->present)
                        continue;
                if (f->pinned && g->pinned) {
                        if (f->value != g->value)
                                return false;
                        continue;
                }
                if (!globs_intersect(x->pattern + f->offset, f->length, y->pattern + g->offset, g->length))
                        return false;
        }
        return true;
}

static int tie_compare(const void *a, const void *b)
{
        const MatchEntry *x = *(const MatchEntry *const *)a, *y = *(const MatchEntry *const *)b;

        if (x->info.bus != y->info.bus)
                return CMP(x->info.bus, y->info.bus);
        if (x->score != y->score)
                return CMP(x->score, y->score);
        if (x->manifest->priority != y->manifest->priority)
                return CMP(x->manifest->priority, y->manifest->priority);
        return match_entry_compare(x, y); /* then rule and key, name, pattern */
}

static bool same_group(const MatchEntry *x, const MatchEntry *y)
{
        return x->info.bus == y->info.bus && x->score == y->score &&
               x->manifest->priority == y->manifest->priority;
}

typedef struct TieList {
        char **lines;
        size_t n, allocated;
} TieList;

static int tie_add(TieList *t, const MatchEntry *x, const MatchEntry *y, bool want_lines)
{
        char *line;

        if (want_lines) {
                if (t->n + 1 >= t->allocated) {
                        size_t want = t->allocated ? t->allocated * 2 : 8;
                        char **p = reallocarray(t->lines, want, sizeof(char *));

                        if (!p)
                                return -ENOMEM;
                        t->lines = p;
                        t->allocated = want;
                }
                if (asprintf(
                        &line,
                        "%s (%s) and %s (%s): %s \"%s\" and \"%s\" can match the same device with score %u "
                        "and priority %d",
                        x->manifest->name, x->manifest->path, y->manifest->name, y->manifest->path,
                        streq(x->pattern, y->pattern) ? "identical patterns" : "patterns", x->pattern,
                        y->pattern, x->score, x->manifest->priority) < 0)
                        return -ENOMEM;
                t->lines[t->n] = line;
                t->lines[t->n + 1] = NULL;
        }
        t->n++;
        return 0;
}

static int check_pair(TieList *t, const MatchEntry *x, const MatchEntry *y, bool want_lines)
{
        if (x->manifest == y->manifest || !entries_overlap(x, y))
                return 0;
        return tie_add(t, x, y, want_lines);
}

int match_index_check_ties(const MatchIndex *idx, char ***ret_descriptions)
{
        _cleanup_free_ const MatchEntry **sorted = NULL;
        TieList t = {};
        bool want = ret_descriptions;
        int r = 0;

        if (ret_descriptions)
                *ret_descriptions = NULL;
        if (!idx)
                return -EINVAL;
        if (idx->n_entries == 0)
                return 0;

        sorted = reallocarray(NULL, idx->n_entries, sizeof(MatchEntry *));
        if (!sorted)
                return -ENOMEM;
        for (size_t i = 0; i < idx->n_entries; i++)
                sorted[i] = &idx->entries[i];
        qsort(sorted, idx->n_entries, sizeof(MatchEntry *), tie_compare);

        /* Only entries with the same bus, score and priority can tie. Within such a group, two entries
         * under the same bucket rule but with different keys pin the same field to different values,
         * so they cannot overlap: compare each entry with its own bucket, and with the other rules. */
        for (size_t g = 0, end; r >= 0 && g < idx->n_entries; g = end) {
                for (end = g + 1; end < idx->n_entries && same_group(sorted[g], sorted[end]); end++)
                        ;
                for (size_t i = g; r >= 0 && i < end; i++) {
                        size_t j = i + 1;

                        for (; r >= 0 && j < end && sorted[j]->rule == sorted[i]->rule &&
                               sorted[j]->key == sorted[i]->key;
                             j++)
                                r = check_pair(&t, sorted[i], sorted[j], want);
                        while (j < end && sorted[j]->rule == sorted[i]->rule)
                                j++;
                        for (; r >= 0 && j < end; j++)
                                r = check_pair(&t, sorted[i], sorted[j], want);
                }
        }
        if (r < 0) {
                strv_free(t.lines);
                return r;
        }
        if (ret_descriptions)
                *ret_descriptions = t.lines;
        return (int)t.n;
}
