/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The modalias grammar of each bus: field tags and widths, scoring weights, index keys (documented
 * in match.h), and the analysis of a pattern or a device's modalias into its fields. */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "match-grammar.h"
#include "match.h"

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

const Bus match_buses[_MATCH_BUS_MAX] = {
    [MATCH_BUS_USB] = {"usb", usb_fields, ELEMENTSOF(usb_fields), usb_rules, ELEMENTSOF(usb_rules)},
    [MATCH_BUS_PCI] = {"pci", pci_fields, ELEMENTSOF(pci_fields), pci_rules, ELEMENTSOF(pci_rules)},
};

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

const Bus *match_bus_from_prefix(const char *s, size_t *ret_len)
{
        const char *colon = strchr(s, ':');

        if (!colon)
                return NULL;
        for (size_t i = 0; i < _MATCH_BUS_MAX; i++)
                if ((size_t)(colon - s) == strlen(match_buses[i].name) &&
                    strneq(s, match_buses[i].name, colon - s)) {
                        *ret_len = (size_t)(colon - s) + 1;
                        return &match_buses[i];
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
int match_pattern_analyze(const char *s, bool glob, PatternInfo *ret, char **ret_reason)
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
        bus = match_bus_from_prefix(s, &prefix_len);
        if (!bus)
                return failf(ret_reason, "unknown bus: the pattern must start with \"usb:\" or \"pci:\"");
        ret->bus = (uint8_t)(bus - match_buses);
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
        return match_pattern_analyze(pattern, true, &info, ret_reason);
}

unsigned match_pattern_info_score(const PatternInfo *info)
{
        const Bus *bus = &match_buses[info->bus];
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
        r = match_pattern_analyze(pattern, true, &info, NULL);
        if (r < 0)
                return r;
        *ret_score = match_pattern_info_score(&info);
        return 0;
}
