/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "binding.h"
#include "context.h"

/* Publishes the org.drvhost.drvhost1 object on c->bus and takes the bus name. */
int bus_api_start(Context *c);

/* Signals for clients watching devices and bindings; failures are logged at debug level only, a
 * signal nobody listens to is no error. */
void bus_api_device_changed(Context *c, const char *sysname, const char *decision);
/* Makes the D-Bus signals listeners of bindings (BindingChanged) and of dispatch (DeviceChanged). */
int bus_api_listen(Context *c);
