/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Internal to the matcher: the index's layout, shared by match-index.c (building, lookups) and
 * match-ties.c (tie detection over the same entries). */

#include <stdint.h>

#include "match-grammar.h"
#include "match.h"

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
        size_t bus_start[_MATCH_BUS_MAX], bus_end[_MATCH_BUS_MAX];
        Slot *slots;
        size_t n_slots; /* a power of two, at least twice the number of buckets */
        size_t n_buckets;
};

#define CMP(a, b) (((a) > (b)) - ((a) < (b)))

/* Orders entries by bucket (bus, rule, key), then by manifest Name= and pattern: a qsort() comparator
 * over MatchEntry. */
int match_entry_compare(const void *a, const void *b);
