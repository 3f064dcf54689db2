/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "context.h"

/* The manifest search path, highest priority first, when DRVHOST_MANIFEST_PATH (colon-separated)
 * does not say otherwise. */
#define DRVHOST_MANIFEST_DIRS                                                                               \
        DRVHOST_SYSCONFDIR "/drivers.d:/run/drvhost/drivers.d:" DRVHOST_PKGLIBDIR "/drivers.d"

/* Loads the manifests, logs every invalid one and every tie, and builds the match index. */
int manifests_load(Context *c);

/* systemctl reload: re-reads the manifests; bindings whose manifest is unchanged stay untouched,
 * the others are released and their devices matched again, and devices nobody drives are matched
 * against the new set. */
int manifests_reload(Context *c);
