/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* The first max frames ("#0 0x… name (module + 0x…)") of the first thread's stack trace in the core
 * dump systemd-coredump logged for process pid of unit. Returns 1 with a NULL-terminated list in
 * *ret, 0 when there is none to read (no systemd-coredump, no stack trace in its entry, or a journal
 * this user may not read), or -errno. */
int coredump_journal_frames(uint32_t pid, const char *unit, size_t max, char ***ret);

/* The parsing part of it, over systemd-coredump's MESSAGE text (len bytes, not NUL-terminated).
 * Returns 1 with *ret, 0 when the text has no frames, or -ENOMEM. */
int coredump_parse_frames(const char *message, size_t len, size_t max, char ***ret);
