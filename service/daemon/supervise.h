/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "context.h"

/* Follows the driver units over D-Bus and turns their state changes into crash, restart, gave-up
 * and fell-back events. */

/* Connects to the system bus and subscribes to systemd's unit signals. */
int supervise_start(Context *c);
/* Starts following one binding's unit. */
int supervise_binding(Binding *b);
