/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Loads a kernel module by name, with its dependencies, as modprobe does (our helper modules, which
 * DKMS installs). Returns 0 (also when it is loaded already) or -errno (-ENOENT: not installed). */
int kmod_load(const char *name);
