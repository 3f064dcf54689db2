/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "context.h"

/* Listens on the broker socket and hands each binding's device fd to the process of its unit. */
int broker_start(Context *c);
