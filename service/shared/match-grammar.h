/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Internal to the matcher (match-grammar.c, match-index.c, match-ties.c): the modalias grammar of
 * each bus and what a pattern or a device's modalias says about each of its fields. Scoring
 * weights and index keys are defined in match-grammar.c and documented in match.h. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct BusField {
        const char *tag;
        unsigned width;  /* hex digits */
        unsigned weight; /* score when pinned; ID fields score as a pair, see match_pattern_info_score() */
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

enum { MATCH_BUS_USB, MATCH_BUS_PCI, _MATCH_BUS_MAX };

/* Indexed by MATCH_BUS_*. */
extern const Bus match_buses[_MATCH_BUS_MAX];

/* What a pattern (or a device's modalias) says about one field. */
typedef struct FieldInfo {
        bool present;
        bool pinned;             /* all width digits literal */
        bool anchored;           /* everything before the value is literal */
        uint32_t value;          /* the digits, if pinned */
        uint16_t offset, length; /* the value's glob within the pattern */
} FieldInfo;

typedef struct PatternInfo {
        uint8_t bus; /* index into match_buses[] */
        FieldInfo fields[FIELDS_MAX];
} PatternInfo;

/* The bus named by the modalias prefix of s ("usb:", "pci:"), and the prefix's length with the ':'. */
const Bus *match_bus_from_prefix(const char *s, size_t *ret_len);

/* Splits a pattern (glob = true) or a device's modalias (glob = false) into its fields. A device's
 * modalias must have every field, in order, with exactly its width of upper-case hex digits.
 * Returns 0, or -EINVAL with *ret_reason (if not NULL) set to an allocated explanation, or -ENOMEM. */
int match_pattern_analyze(const char *s, bool glob, PatternInfo *ret, char **ret_reason);

/* The specificity score of an analyzed pattern (see match.h). */
unsigned match_pattern_info_score(const PatternInfo *info);
