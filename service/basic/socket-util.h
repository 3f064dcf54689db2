/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <sys/types.h>

/* A Unix socket of type (SOCK_STREAM, SOCK_SEQPACKET, with SOCK_NONBLOCK if wanted; close-on-exec
 * always) listening at path, replacing whatever stale socket was there, with the given mode and
 * group (gid (gid_t)-1: left as it is). The socket file is created with the caller's umask, so
 * nobody but its owner connects before the mode is set. Returns the fd or -errno (the path removed
 * again). */
int socket_listen_at(const char *path, int type, mode_t mode, gid_t gid, int backlog);
