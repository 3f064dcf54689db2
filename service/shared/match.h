/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Matching a device's modalias against the Match= patterns of the loaded manifests.
 *
 * Patterns are globs in the kernel's modalias syntax (fnmatch(3), no flags), for two buses:
 *   usb:v<4>p<4>d<4>dc<2>dsc<2>dp<2>ic<2>isc<2>ip<2>in<2>
 *   pci:v<8>d<8>sv<8>sd<8>bc<2>sc<2>i<2>
 * where <n> is n upper-case hex digits. Field tags are the lower-case letters, values are
 * upper-case hex digits, '?', '*' and bracket expressions ([0-9], [!0-2]). A pattern names its
 * fields in this order, may leave trailing fields out only after a '*', and may start with "*"
 * right after the bus prefix (usb:*ic07*).
 *
 * Specificity score, the one place it is defined. A field is "pinned" when the pattern gives all
 * of its digits literally (no wildcard among them). Tiers are weighted so that a higher tier always
 * beats any number of pins in the tiers below it:
 *
 *   MATCH_SCORE_ID_PAIR  1000  both ID fields pinned: USB v+p (vendor, product), PCI v+d
 *   MATCH_SCORE_TIER_1    100  each of USB ic, isc, ip (interface class triple); PCI sv, sd
 *   MATCH_SCORE_TIER_2     10  each of USB dc, dsc, dp (device class triple); PCI bc, sc, i
 *   MATCH_SCORE_OTHER       1  each of USB d (bcdDevice), in; an ID field pinned without its pair
 *
 * So vendor+product beats the interface triple, which beats device-class-only patterns, which
 * beat everything else. Among the candidates for one device the order is: score (higher first),
 * then the manifest's Priority= (higher first), then the manifest's Name= (byte order), then the
 * pattern (byte order), so the ranking is always the same.
 *
 * The index: each pattern lands in exactly one bucket of a hash table, keyed by the first of these
 * field combinations that it pins, so that every modalias it can match has the same key:
 *   USB: (v, p) from a literal "usb:vXXXXpXXXX" prefix; else (ic, isc, ip); else ic; else dc;
 *        else v from a literal "usb:vXXXX" prefix; else the generic USB bucket.
 *   PCI: (v, d) from a literal "pci:vXXXXXXXXdXXXXXXXX" prefix; else v from a literal prefix;
 *        else (bc, sc); else bc; else the generic PCI bucket.
 * (The tags ic, isc, ip, dc, bc and sc appear once in a well-formed modalias, so a literal "ic07"
 * anywhere in a pattern pins the interface class.) A lookup parses the modalias into its fields,
 * probes one bucket per combination (six for USB, five for PCI) and runs fnmatch() only on the
 * patterns in them. A modalias that is not well-formed for its bus falls back to trying every
 * pattern of that bus. */

#include <stdbool.h>
#include <stddef.h>

#include "macro.h"
#include "manifest.h"

enum {
        MATCH_SCORE_ID_PAIR = 1000,
        MATCH_SCORE_TIER_1 = 100,
        MATCH_SCORE_TIER_2 = 10,
        MATCH_SCORE_OTHER = 1,
};

/* Checks that pattern is a valid Match= glob. Returns 0, or -EINVAL with *ret_reason set to an
 * allocated explanation (e.g. "unterminated '[' at offset 12"), or -ENOMEM. */
int match_pattern_check(const char *pattern, char **ret_reason);

/* The specificity score of a valid pattern (see above). Returns 0 or -EINVAL. */
int match_pattern_score(const char *pattern, unsigned *ret_score);

/* Why a candidate did not win, relative to the winner. */
typedef enum MatchLoss {
        MATCH_LOSS_NONE,        /* it is the winner */
        MATCH_LOSS_SPECIFICITY, /* lower score */
        MATCH_LOSS_PRIORITY,    /* same score, lower Priority= */
        MATCH_LOSS_NAME,        /* same score and priority: a true tie, broken by Name= */
        MATCH_LOSS_SAME_DRIVER, /* another pattern of the winning manifest ranked higher */
        _MATCH_LOSS_MAX,
} MatchLoss;

const char *match_loss_to_string(MatchLoss loss);

typedef struct MatchCandidate {
        const Manifest *manifest;
        const char *pattern; /* points into manifest->matches */
        unsigned score;
        unsigned rank; /* 0 for the winner */
        MatchLoss loss;
} MatchCandidate;

typedef struct MatchResult {
        const Manifest *winner;     /* NULL: nothing matched */
        MatchCandidate *candidates; /* every matching (manifest, pattern), ranked; [0] is the winner */
        size_t n_candidates;
} MatchResult;

void match_result_done(MatchResult *r);

typedef struct MatchIndex MatchIndex;

/* Builds the index over every pattern of every manifest in set. The index borrows the manifests:
 * set must outlive it. Returns 0, -EINVAL for a pattern that is not valid, or -ENOMEM. */
int match_index_new(const ManifestSet *set, MatchIndex **ret);
MatchIndex *match_index_free(MatchIndex *idx);
DEFINE_TRIVIAL_CLEANUP_FUNC(MatchIndex *, match_index_free);

/* Finds and ranks every pattern matching modalias. Returns the number of candidates (0: no match,
 * ret->winner is NULL) or -ENOMEM. ret must be released with match_result_done(). Thread-safe:
 * the index is not modified. */
int match_index_lookup(const MatchIndex *idx, const char *modalias, MatchResult *ret);

/* Reports true ties, to be shown as errors at load: two patterns of two different manifests with
 * the same score and the same Priority= that can match the same device. Detected are identical
 * patterns, and patterns that are compatible field by field (for every field both name, their
 * globs for that field can match a common value); patterns whose '*' spans several fields are
 * compared on the fields they name, which may report a tie that no real modalias can hit.
 * Returns the number of ties and, if ret_descriptions is not NULL, a NULL-terminated strv with one
 * line per tie (NULL if there are none); or -ENOMEM. */
int match_index_check_ties(const MatchIndex *idx, char ***ret_descriptions);

typedef struct MatchIndexStats {
        size_t n_patterns;
        size_t n_buckets;
        size_t largest_bucket;
        size_t n_generic; /* patterns in the per-bus generic buckets */
} MatchIndexStats;

void match_index_get_stats(const MatchIndex *idx, MatchIndexStats *ret);
