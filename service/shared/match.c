/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fnmatch.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "match.h"

/* The modalias grammar of each bus. Scoring weights and index keys are defined here and
 * documented in match.h. */

typedef struct BusField {
        const char *tag;
        unsigned width;  /* hex digits */
        unsigned weight; /* score when pinned; ID fields score as a pair, see field_score() */
        bool id;
} BusField;

enum {
        FIELDS_MAX = 10,
        PATTERN_LENGTH_MAX = 1024, /* far above any modalias; offsets are kept in 16 bits */
        RULE_FIELDS_MAX = 3,
        HEX_DIGIT_BITS = 4,
};

/* One way to key a bucket: the pinned values of up to three fields, at most 64 bits together. A
 * rule without fields is the bus's generic bucket. "anchored" rules need the fields to sit in the
 * literal prefix of the pattern; the others rely on their tags occurring once in a well-formed
 * modalias (true of ic, isc, ip, dc for USB and bc, sc for PCI). */
typedef struct BucketRule {
        uint8_t n_fields;
        uint8_t fields[RULE_FIELDS_MAX]; /* indices into the bus's fields */
        bool anchored;
} BucketRule;

typedef struct Bus {
        const char *name; /* the modalias prefix, before ':' */
        const BusField *fields;
        size_t n_fields;
        const BucketRule *rules; /* most selective first, ending with the generic rule */
        size_t n_rules;
} Bus;

enum { USB_V, USB_P, USB_D, USB_DC, USB_DSC, USB_DP, USB_IC, USB_ISC, USB_IP, USB_IN, _USB_FIELDS };
enum { PCI_V, PCI_D, PCI_SV, PCI_SD, PCI_BC, PCI_SC, PCI_I, _PCI_FIELDS };

static const BusField usb_fields[_USB_FIELDS] = {
    [USB_V] = {"v", 4, 0, true},
    [USB_P] = {"p", 4, 0, true},
    [USB_D] = {"d", 4, MATCH_SCORE_OTHER, false},
    [USB_DC] = {"dc", 2, MATCH_SCORE_TIER_2, false},
    [USB_DSC] = {"dsc", 2, MATCH_SCORE_TIER_2, false},
    [USB_DP] = {"dp", 2, MATCH_SCORE_TIER_2, false},
    [USB_IC] = {"ic", 2, MATCH_SCORE_TIER_1, false},
    [USB_ISC] = {"isc", 2, MATCH_SCORE_TIER_1, false},
    [USB_IP] = {"ip", 2, MATCH_SCORE_TIER_1, false},
    [USB_IN] = {"in", 2, MATCH_SCORE_OTHER, false},
};

static const BucketRule usb_rules[] = {
    {2, {USB_V, USB_P}, true},             /* vendor+product */
    {3, {USB_IC, USB_ISC, USB_IP}, false}, /* interface class triple */
    {1, {USB_IC}, false},                  /* interface class */
    {1, {USB_DC}, false},                  /* device class */
    {1, {USB_V}, true},                    /* vendor */
    {0, {}, false},                        /* generic */
};

static const BusField pci_fields[_PCI_FIELDS] = {
    [PCI_V] = {"v", 8, 0, true},
    [PCI_D] = {"d", 8, 0, true},
    [PCI_SV] = {"sv", 8, MATCH_SCORE_TIER_1, false},
    [PCI_SD] = {"sd", 8, MATCH_SCORE_TIER_1, false},
    [PCI_BC] = {"bc", 2, MATCH_SCORE_TIER_2, false},
    [PCI_SC] = {"sc", 2, MATCH_SCORE_TIER_2, false},
    [PCI_I] = {"i", 2, MATCH_SCORE_TIER_2, false},
};

static const BucketRule pci_rules[] = {
    {2, {PCI_V, PCI_D}, true},    /* vendor+device */
    {1, {PCI_V}, true},           /* vendor */
    {2, {PCI_BC, PCI_SC}, false}, /* class+subclass */
    {1, {PCI_BC}, false},         /* class */
    {0, {}, false},               /* generic */
};

static const Bus buses[] = {
    {"usb", usb_fields, ELEMENTSOF(usb_fields), usb_rules, ELEMENTSOF(usb_rules)},
    {"pci", pci_fields, ELEMENTSOF(pci_fields), pci_rules, ELEMENTSOF(pci_rules)},
};

/* What a pattern (or a device's modalias) says about one field. */
typedef struct FieldInfo {
        bool present;
        bool pinned;             /* all width digits literal */
        bool anchored;           /* everything before the value is literal */
        uint32_t value;          /* the digits, if pinned */
        uint16_t offset, length; /* the value's glob within the pattern */
} FieldInfo;

typedef struct PatternInfo {
        uint8_t bus; /* index into buses[] */
        FieldInfo fields[FIELDS_MAX];
} PatternInfo;

static bool is_tag_char(char c)
{
        return c >= 'a' && c <= 'z';
}

static bool is_hex_digit(char c)
{
        return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
}

static unsigned hex_value(char c)
{
        return c <= '9' ? (unsigned)(c - '0') : (unsigned)(c - 'A' + 10);
}

_printf_(2, 3) static int failf(char **ret_reason, const char *format, ...)
{
        va_list ap;
        int k;

        if (!ret_reason)
                return -EINVAL;
        va_start(ap, format);
        k = vasprintf(ret_reason, format, ap);
        va_end(ap);
        if (k < 0) {
                *ret_reason = NULL;
                return -ENOMEM;
        }
        return -EINVAL;
}

static const Bus *bus_from_prefix(const char *s, size_t *ret_len)
{
        const char *colon = strchr(s, ':');

        if (!colon)
                return NULL;
        for (size_t i = 0; i < ELEMENTSOF(buses); i++)
                if ((size_t)(colon - s) == strlen(buses[i].name) && strneq(s, buses[i].name, colon - s)) {
                        *ret_len = (size_t)(colon - s) + 1;
                        return &buses[i];
                }
        return NULL;
}

static int field_by_tag(const Bus *bus, const char *tag, size_t n)
{
        for (size_t i = 0; i < bus->n_fields; i++)
                if (strlen(bus->fields[i].tag) == n && strneq(bus->fields[i].tag, tag, n))
                        return (int)i;
        return -1;
}

/* Skips a bracket expression starting at s[*pos] == '['. */
static int skip_bracket(const char *s, size_t *pos, char **ret_reason)
{
        size_t start = *pos, i = *pos + 1, n = 0;

        if (s[i] == '!' || s[i] == '^')
                i++;
        for (; s[i] && s[i] != ']'; i++, n++)
                if (!is_hex_digit(s[i]) && s[i] != '-')
                        return failf(
                            ret_reason,
                            "invalid character '%c' in '[...]' at offset %zu (use 0-9, A-F and '-')", s[i],
                            i);
        if (!s[i])
                return failf(ret_reason, "unterminated '[' at offset %zu", start);
        if (n == 0)
                return failf(ret_reason, "empty '[]' at offset %zu", start);
        *pos = i + 1;
        return 0;
}

/* Splits a pattern (glob = true) or a device's modalias (glob = false) into its fields. A device's
 * modalias must have every field, in order, with exactly its width of upper-case hex digits. */
static int pattern_analyze(const char *s, bool glob, PatternInfo *ret, char **ret_reason)
{
        const Bus *bus;
        size_t pos, prefix_len;
        bool anchored = true, star = false, had_star = false;
        int last = -1, r;
        unsigned n_present = 0;

        *ret = (PatternInfo){};
        if (ret_reason)
                *ret_reason = NULL;

        if (strnlen(s, PATTERN_LENGTH_MAX + 1) > PATTERN_LENGTH_MAX)
                return failf(ret_reason, "longer than %d characters", PATTERN_LENGTH_MAX);
        bus = bus_from_prefix(s, &prefix_len);
        if (!bus)
                return failf(ret_reason, "unknown bus: the pattern must start with \"usb:\" or \"pci:\"");
        ret->bus = (uint8_t)(bus - buses);
        pos = prefix_len;

        /* Right after the prefix, only "*" may come before the first tag. */
        for (; s[pos] && !is_tag_char(s[pos]); pos++) {
                if (s[pos] != '*' || !glob)
                        return failf(ret_reason, "expected a field tag or '*' after \"%s:\" at offset %zu",
                                     bus->name, pos);
                anchored = false;
                star = had_star = true;
        }

        while (s[pos]) {
                size_t tag = pos, before_star = 0, literal = 0;
                bool value_anchored, has_star = false, all_literal = true;
                FieldInfo *f;
                int k;

                while (is_tag_char(s[pos]))
                        pos++;
                k = field_by_tag(bus, s + tag, pos - tag);
                if (k < 0) {
                        bool hexish = strspn(s + tag, "abcdef") >= pos - tag;

                        return failf(ret_reason, "unknown field \"%.*s\" for %s at offset %zu%s",
                                     (int)(pos - tag), s + tag, bus->name, tag,
                                     hexish ? " (hex digits must be upper-case)" : "");
                }
                if (k <= last)
                        return failf(ret_reason, "field \"%s\" repeated or out of order at offset %zu",
                                     bus->fields[k].tag, tag);
                if (k > last + 1 && !had_star)
                        return failf(ret_reason,
                                     "field \"%s\" at offset %zu skips \"%s\": only a '*' may stand for "
                                     "left-out fields",
                                     bus->fields[k].tag, tag, bus->fields[last + 1].tag);

                f = &ret->fields[k];
                value_anchored = anchored;
                f->offset = (uint16_t)pos;
                star = false;
                while (s[pos] && !is_tag_char(s[pos])) {
                        char c = s[pos];

                        if (glob && c == '*') {
                                has_star = star = true;
                                pos++;
                        } else if (glob && c == '?') {
                                pos++;
                        } else if (glob && c == '[') {
                                r = skip_bracket(s, &pos, ret_reason);
                                if (r < 0)
                                        return r;
                        } else if (is_hex_digit(c)) {
                                pos++;
                        } else if (c >= ' ' && c < 0x7f)
                                return failf(ret_reason, "invalid character '%c' at offset %zu", c, pos);
                        else
                                return failf(ret_reason, "invalid byte 0x%02x at offset %zu",
                                             (unsigned char)c, pos);

                        if (c != '*') {
                                if (!has_star)
                                        before_star++;
                                star = false;
                        }
                        if (!is_hex_digit(c)) {
                                all_literal = false;
                                anchored = false;
                        } else if (all_literal)
                                literal++;
                }
                f->length = (uint16_t)(pos - f->offset);
                had_star = has_star;

                if (!has_star && before_star != bus->fields[k].width)
                        return failf(ret_reason, "field \"%s\" needs %u hex digits, found %zu%s",
                                     bus->fields[k].tag, bus->fields[k].width, before_star,
                                     s[pos] >= 'a' && s[pos] <= 'f' ? " (hex digits must be upper-case)"
                                                                    : "");
                if (has_star && before_star > bus->fields[k].width)
                        return failf(ret_reason, "field \"%s\" has more than %u hex digits before '*'",
                                     bus->fields[k].tag, bus->fields[k].width);

                f->present = true;
                f->anchored = value_anchored;
                f->pinned = literal >= bus->fields[k].width;
                for (unsigned i = 0; f->pinned && i < bus->fields[k].width; i++)
                        f->value = f->value << 4 | hex_value(s[f->offset + i]);
                last = k;
                n_present++;
        }

        if (last + 1 < (int)bus->n_fields && !star)
                return failf(ret_reason,
                             "the pattern stops before field \"%s\" without a trailing '*', so it can never "
                             "match a complete modalias",
                             bus->fields[last + 1].tag);
        if (!glob && n_present != bus->n_fields)
                return -EINVAL;
        return 0;
}

int match_pattern_check(const char *pattern, char **ret_reason)
{
        PatternInfo info;

        if (!pattern)
                return -EINVAL;
        return pattern_analyze(pattern, true, &info, ret_reason);
}

static unsigned pattern_score(const PatternInfo *info)
{
        const Bus *bus = &buses[info->bus];
        unsigned score = 0, ids_pinned = 0, ids = 0;

        for (size_t i = 0; i < bus->n_fields; i++) {
                if (bus->fields[i].id) {
                        ids++;
                        ids_pinned += info->fields[i].pinned;
                } else if (info->fields[i].pinned)
                        score += bus->fields[i].weight;
        }
        return score + (ids_pinned == ids ? MATCH_SCORE_ID_PAIR : ids_pinned * MATCH_SCORE_OTHER);
}

int match_pattern_score(const char *pattern, unsigned *ret_score)
{
        PatternInfo info;
        int r;

        if (!pattern)
                return -EINVAL;
        r = pattern_analyze(pattern, true, &info, NULL);
        if (r < 0)
                return r;
        *ret_score = pattern_score(&info);
        return 0;
}

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

/* The index. */

typedef struct MatchEntry {
        const Manifest *manifest;
        const char *pattern;
        unsigned score;
        uint8_t rule; /* index into the bus's rules: which bucket it is in */
        uint64_t key; /* the value of the rule's fields */
        PatternInfo info;
} MatchEntry;

/* A slot of the open-addressing hash table: the bucket of (bus, rule, key) is entries[start..+count). */
typedef struct Slot {
        uint64_t key;
        uint32_t start;
        uint32_t count; /* 0: the slot is empty */
        uint8_t bus, rule;
} Slot;

struct MatchIndex {
        MatchEntry *entries; /* sorted by bus, rule, key */
        size_t n_entries;
        size_t bus_start[ELEMENTSOF(buses)], bus_end[ELEMENTSOF(buses)];
        Slot *slots;
        size_t n_slots; /* a power of two, at least twice the number of buckets */
        size_t n_buckets;
};

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
        const Bus *bus = &buses[info->bus];
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
        const Bus *bus = &buses[info->bus];
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

#define CMP(a, b) (((a) > (b)) - ((a) < (b)))

static int entry_bucket_compare_key(const MatchEntry *x, const MatchEntry *y)
{
        if (x->info.bus != y->info.bus)
                return CMP(x->info.bus, y->info.bus);
        if (x->rule != y->rule)
                return CMP(x->rule, y->rule);
        return CMP(x->key, y->key);
}

static int entry_bucket_compare(const void *a, const void *b)
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

                        r = pattern_analyze(m->matches[j], true, &e->info, NULL);
                        if (r < 0)
                                return r;
                        e->manifest = m;
                        e->pattern = m->matches[j];
                        e->score = pattern_score(&e->info);
                        e->rule = bucket_for(&e->info, &e->key);
                        idx->n_entries++;
                }
        }

        if (idx->n_entries > 0)
                qsort(idx->entries, idx->n_entries, sizeof(MatchEntry), entry_bucket_compare);
        for (size_t b = 0, i = 0; b < ELEMENTSOF(buses); b++) {
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
                if (s->count > 0 && buses[s->bus].rules[s->rule].n_fields == 0)
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

        bus = bus_from_prefix(modalias, &prefix_len);
        if (!bus)
                return 0; /* every pattern names a known bus, so none can match */

        if (pattern_analyze(modalias, false, &info, NULL) >= 0) {
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
                size_t b = (size_t)(bus - buses);

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

/* Tie detection. */

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

/* Compiles a glob (already validated by pattern_analyze()) into elements. Returns the count, or
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
        const Bus *bus = &buses[x->info.bus];

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
        return entry_bucket_compare(x, y); /* then rule and key, name, pattern */
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
