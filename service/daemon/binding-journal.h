/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "context.h"

/* Makes every binding event a structured journal entry (MESSAGE_ID from messages.h, DRVHOST_*
 * fields; the catalog explains each). */
int binding_journal_listen(Context *c);
