/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The index over every pattern of the loaded manifests (one hash bucket per pattern, see match.h),
 * lookups, and the ranking of the candidates of one device. */
#include <errno.h>
#include <fnmatch.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "match-index-internal.h"

static const char *const match_loss_table[_MATCH_LOSS_MAX] = {
    [MATCH_LOSS_NONE] = "winner",
    [MATCH_LOSS_SPECIFICITY] = "less specific",
    [MATCH_LOSS_PRIORITY] = "same specificity, lower priority",
    [MATCH_LOSS_NAME] = "tie on specificity and priority, lost by name",
    [MATCH_LOSS_SAME_DRIVER] = "the winning driver matched with a better pattern",
};

const char *match_loss_to_string(MatchLoss loss)
{
        if ((unsigned)loss >= _MATCH_LOSS_MAX)
                return NULL;
        return match_loss_table[loss];
}

static const uint64_t HASH_MULTIPLIER_1 = UINT64_C(0xbf58476d1ce4e5b9);
static const uint64_t HASH_MULTIPLIER_2 = UINT64_C(0x94d049bb133111eb);
enum { HASH_BUS_SHIFT = 56, HASH_RULE_SHIFT = 48, MIN_SLOTS = 16 };

static uint64_t bucket_hash(uint8_t bus, uint8_t rule, uint64_t key)
{
        /* splitmix64's finalizer over the key, with the bus and the rule mixed in. */
        uint64_t x = key ^ ((uint64_t)bus << HASH_BUS_SHIFT) ^ ((uint64_t)rule << HASH_RULE_SHIFT);

        x ^= x >> 30;
        x *= HASH_MULTIPLIER_1;
        x ^= x >> 27;
        x *= HASH_MULTIPLIER_2;
        x ^= x >> 31;
        return x;
}

/* Whether the fields of rule are pinned (and anchored, if it says so) in info; if so, their key. */
static bool rule_key(const PatternInfo *info, const BucketRule *rule, uint64_t *ret_key)
{
        const Bus *bus = &match_buses[info->bus];
        uint64_t key = 0;

        for (size_t k = 0; k < rule->n_fields; k++) {
                const FieldInfo *f = &info->fields[rule->fields[k]];

                if (!f->pinned || (rule->anchored && !f->anchored))
                        return false;
                key = key << (HEX_DIGIT_BITS * bus->fields[rule->fields[k]].width) | f->value;
        }
        *ret_key = key;
        return true;
}

/* Returns the first rule that fits, and its key. The last rule, the generic one, always fits. */
static uint8_t bucket_for(const PatternInfo *info, uint64_t *ret_key)
{
        const Bus *bus = &match_buses[info->bus];
        size_t i;

        for (i = 0; i + 1 < bus->n_rules; i++)
                if (rule_key(info, &bus->rules[i], ret_key))
                        return (uint8_t)i;
        *ret_key = 0;
        return (uint8_t)i;
}

static const Slot *slot_find(const MatchIndex *idx, uint8_t bus, uint8_t rule, uint64_t key)
{
        size_t mask = idx->n_slots - 1;

        for (size_t i = bucket_hash(bus, rule, key) & mask;; i = (i + 1) & mask) {
                const Slot *s = &idx->slots[i];

                if (s->count == 0)
                        return NULL;
                if (s->key == key && s->bus == bus && s->rule == rule)
                        return s;
        }
}

static int entry_bucket_compare_key(const MatchEntry *x, const MatchEntry *y)
{
        if (x->info.bus != y->info.bus)
                return CMP(x->info.bus, y->info.bus);
        if (x->rule != y->rule)
                return CMP(x->rule, y->rule);
        return CMP(x->key, y->key);
}

int match_entry_compare(const void *a, const void *b)
{
        const MatchEntry *x = a, *y = b;
        int c = entry_bucket_compare_key(x, y);

        if (c != 0)
                return c;
        c = strcmp(x->manifest->name, y->manifest->name);
        return c != 0 ? c : strcmp(x->pattern, y->pattern);
}

static int match_index_build_table(MatchIndex *idx)
{
        size_t n_slots = MIN_SLOTS;

        for (size_t i = 0; i < idx->n_entries; i++)
                if (i == 0 || entry_bucket_compare_key(&idx->entries[i - 1], &idx->entries[i]) != 0)
                        idx->n_buckets++;
        while (n_slots < idx->n_buckets * 2)
                n_slots *= 2;
        idx->slots = calloc(n_slots, sizeof(Slot));
        if (!idx->slots)
                return -ENOMEM;
        idx->n_slots = n_slots;

        for (size_t i = 0; i < idx->n_entries;) {
                const MatchEntry *e = &idx->entries[i];
                size_t j = i + 1, h;

                while (j < idx->n_entries && entry_bucket_compare_key(e, &idx->entries[j]) == 0)
                        j++;
                for (h = bucket_hash(e->info.bus, e->rule, e->key) & (n_slots - 1); idx->slots[h].count > 0;
                     h = (h + 1) & (n_slots - 1))
                        ;
                idx->slots[h] = (Slot){
                    .key = e->key,
                    .start = (uint32_t)i,
                    .count = (uint32_t)(j - i),
                    .bus = e->info.bus,
                    .rule = e->rule,
                };
                i = j;
        }
        return 0;
}

int match_index_new(const ManifestSet *set, MatchIndex **ret)
{
        _cleanup_(match_index_freep) MatchIndex *idx = NULL;
        size_t n = 0;
        int r;

        if (!set || !ret)
                return -EINVAL;

        idx = calloc(1, sizeof(*idx));
        if (!idx)
                return -ENOMEM;

        for (size_t i = 0; i < set->n; i++)
                n += set->manifests[i]->n_matches;
        if (n > UINT32_MAX)
                return -E2BIG;
        if (n > 0) {
                idx->entries = calloc(n, sizeof(MatchEntry));
                if (!idx->entries)
                        return -ENOMEM;
        }

        for (size_t i = 0; i < set->n; i++) {
                const Manifest *m = set->manifests[i];

                for (size_t j = 0; j < m->n_matches; j++) {
                        MatchEntry *e = &idx->entries[idx->n_entries];

                        r = match_pattern_analyze(m->matches[j], true, &e->info, NULL);
                        if (r < 0)
                                return r;
                        e->manifest = m;
                        e->pattern = m->matches[j];
                        e->score = match_pattern_info_score(&e->info);
                        e->rule = bucket_for(&e->info, &e->key);
                        idx->n_entries++;
                }
        }

        if (idx->n_entries > 0)
                qsort(idx->entries, idx->n_entries, sizeof(MatchEntry), match_entry_compare);
        for (size_t b = 0, i = 0; b < _MATCH_BUS_MAX; b++) {
                idx->bus_start[b] = i;
                while (i < idx->n_entries && idx->entries[i].info.bus == b)
                        i++;
                idx->bus_end[b] = i;
        }

        r = match_index_build_table(idx);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(idx);
        return 0;
}

MatchIndex *match_index_free(MatchIndex *idx)
{
        if (!idx)
                return NULL;
        free(idx->entries);
        free(idx->slots);
        free(idx);
        return NULL;
}

void match_index_get_stats(const MatchIndex *idx, MatchIndexStats *ret)
{
        *ret = (MatchIndexStats){.n_patterns = idx->n_entries, .n_buckets = idx->n_buckets};
        for (size_t i = 0; i < idx->n_slots; i++) {
                const Slot *s = &idx->slots[i];

                if (s->count > ret->largest_bucket)
                        ret->largest_bucket = s->count;
                if (s->count > 0 && match_buses[s->bus].rules[s->rule].n_fields == 0)
                        ret->n_generic += s->count;
        }
}

void match_result_done(MatchResult *r)
{
        if (!r)
                return;
        free(r->candidates);
        *r = (MatchResult){};
}

typedef struct Collector {
        MatchCandidate *candidates;
        size_t n, allocated;
} Collector;

static int collect_range(Collector *c, const MatchEntry *entries, size_t start, size_t end,
                         const char *modalias)
{
        for (size_t i = start; i < end; i++) {
                const MatchEntry *e = &entries[i];

                if (fnmatch(e->pattern, modalias, 0) != 0)
                        continue;
                if (c->n >= c->allocated) {
                        size_t want = c->allocated ? c->allocated * 2 : 4;
                        MatchCandidate *p = reallocarray(c->candidates, want, sizeof(MatchCandidate));

                        if (!p)
                                return -ENOMEM;
                        c->candidates = p;
                        c->allocated = want;
                }
                c->candidates[c->n++] = (MatchCandidate){
                    .manifest = e->manifest,
                    .pattern = e->pattern,
                    .score = e->score,
                };
        }
        return 0;
}

/* The ranking: score, then Priority= (both higher first), then Name= and pattern (byte order). */
static int candidate_compare(const void *a, const void *b)
{
        const MatchCandidate *x = a, *y = b;
        int c;

        if (x->score != y->score)
                return CMP(y->score, x->score);
        if (x->manifest->priority != y->manifest->priority)
                return CMP(y->manifest->priority, x->manifest->priority);
        c = strcmp(x->manifest->name, y->manifest->name);
        return c != 0 ? c : strcmp(x->pattern, y->pattern);
}

static MatchLoss candidate_loss(const MatchCandidate *c, const MatchCandidate *winner)
{
        if (c == winner)
                return MATCH_LOSS_NONE;
        if (c->manifest == winner->manifest)
                return MATCH_LOSS_SAME_DRIVER;
        if (c->score < winner->score)
                return MATCH_LOSS_SPECIFICITY;
        if (c->manifest->priority < winner->manifest->priority)
                return MATCH_LOSS_PRIORITY;
        return MATCH_LOSS_NAME;
}

int match_index_lookup(const MatchIndex *idx, const char *modalias, MatchResult *ret)
{
        Collector c = {};
        PatternInfo info;
        size_t prefix_len;
        const Bus *bus;
        int r = 0;

        *ret = (MatchResult){};
        if (!idx || !modalias)
                return -EINVAL;

        bus = match_bus_from_prefix(modalias, &prefix_len);
        if (!bus)
                return 0; /* every pattern names a known bus, so none can match */

        if (match_pattern_analyze(modalias, false, &info, NULL) >= 0) {
                /* A device pins every field, so it has a key under every rule: probe each bucket. */
                for (size_t i = 0; r >= 0 && i < bus->n_rules; i++) {
                        const Slot *s;
                        uint64_t key;

                        if (!rule_key(&info, &bus->rules[i], &key))
                                continue;
                        s = slot_find(idx, info.bus, (uint8_t)i, key);
                        if (s)
                                r = collect_range(&c, idx->entries, s->start, s->start + s->count, modalias);
                }
        } else {
                /* Not a well-formed modalias: the bucket keys cannot be trusted, try every pattern. */
                size_t b = (size_t)(bus - match_buses);

                r = collect_range(&c, idx->entries, idx->bus_start[b], idx->bus_end[b], modalias);
        }
        if (r < 0) {
                free(c.candidates);
                return r;
        }
        if (c.n == 0)
                return 0;

        qsort(c.candidates, c.n, sizeof(MatchCandidate), candidate_compare);
        for (size_t i = 0; i < c.n; i++) {
                c.candidates[i].rank = (unsigned)i;
                c.candidates[i].loss = candidate_loss(&c.candidates[i], &c.candidates[0]);
        }
        *ret = (MatchResult){
            .winner = c.candidates[0].manifest, .candidates = c.candidates, .n_candidates = c.n};
        return (int)c.n;
}
