/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A binding's fault channel to its driver process (fault-channel.h): the faults no signal can
 * express go there, and only to a driver whose runtime library announced them. */

#include "binding.h"
#include "fault.h"

/* A fresh channel for the driver process the broker serves now: replaces the one before. Returns
 * the driver's end (the caller sends and closes it), or -errno. */
int binding_control_open(Binding *b);
/* -EOPNOTSUPP when no driver process announced f (not built on the library, not started yet, or
 * started before this drvhostd); -ENOTCONN when the channel is gone. */
int binding_control_inject(Binding *b, Fault f);
void binding_control_close(Binding *b);
