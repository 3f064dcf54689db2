/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Internal to the manifest parser: the table of keys that drives it (manifest-keys.c), read by the
 * parser (manifest.c). */

#include <stdbool.h>

#include "manifest.h"

#define MANIFEST_SECTION_DRIVER "Driver"
#define MANIFEST_SECTION_MATCH "Match"

/* Parses value into m; on an invalid value returns -EINVAL with *reason set to an allocated
 * explanation, or -ENOMEM. */
typedef int (*ManifestKeyParser)(Manifest *m, const char *key, const char *value, char **reason);

typedef struct ManifestKey {
        const char *section;
        const char *key;
        ManifestKeyParser parse;
        bool repeatable;
        bool required;
} ManifestKey;

typedef enum ManifestKeyId {
        MANIFEST_KEY_NAME,
        MANIFEST_KEY_DESCRIPTION,
        MANIFEST_KEY_EXEC,
        MANIFEST_KEY_PRIORITY,
        MANIFEST_KEY_FALLBACK_TO_KERNEL,
        MANIFEST_KEY_RESTART_LIMIT_BURST,
        MANIFEST_KEY_RESTART_LIMIT_INTERVAL_SEC,
        MANIFEST_KEY_CLAIM_DELEGATED,
        MANIFEST_KEY_CLAIM_INTERFACES,
        MANIFEST_KEY_TTY_LINK,
        MANIFEST_KEY_TTY_NAME,
        MANIFEST_KEY_JOB_SOCKET,
        MANIFEST_KEY_MATCH,
        _MANIFEST_KEY_MAX,
} ManifestKeyId;

extern const ManifestKey manifest_keys[_MANIFEST_KEY_MAX];

/* Whether the n bytes at name are a known section's name. */
bool manifest_section_known(const char *name, size_t n);
