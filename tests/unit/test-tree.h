/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A temporary directory tree for tests that read files: removed whole, depth first. */

#include <ftw.h>
#include <stdio.h>
#include <sys/stat.h>

enum { TEST_TREE_NFTW_FDS = 16 };

static inline int test_tree_remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        return remove(path);
}

/* Removes root and everything below it. Returns 0 or -1. */
static inline int test_tree_remove(const char *root)
{
        return nftw(root, test_tree_remove_one, TEST_TREE_NFTW_FDS, FTW_DEPTH | FTW_PHYS);
}
