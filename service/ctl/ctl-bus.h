/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* drvhostctl's calls to drvhostd (and to systemd, for a driver unit's state). Failures are printed
 * here, once, and turned into the documented exit status. */

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-bus.h>

/* A device as drvhostd's DRVHOST_BUS_DEVICE_TYPE describes it; the strings point into the reply
 * message ("" for none). */
typedef struct Device {
        const char *sysname, *syspath, *subsystem, *devtype, *parent, *modalias, *description, *decision,
            *driver, *unit, *state, *kernel_driver, *port, *front_end;
        uint32_t crashes;    /* deaths of the driver, counted by drvhostd */
        uint32_t n_restarts; /* restarts after them, by drvhostd */
        char *active_state, *sub_state; /* from systemd, for bound devices; NULL if unknown */
} Device;

void device_done(Device *d);

/* Calls method of drvhostd, with arg as its one string argument if not NULL. Returns 0, or the exit
 * status (negated) after printing why it failed; what names the action in that message. */
int ctl_call(sd_bus *bus, const char *method, sd_bus_message **reply, const char *what, const char *arg);

/* The same with two string arguments. */
int ctl_call_pair(sd_bus *bus, const char *method, sd_bus_message **reply, const char *what, const char *arg1,
                  const char *arg2);

/* A reply we could not read: the daemon and this tool disagree on the API. Prints it; returns
 * EXIT_FAILED. */
int ctl_bad_reply(int r);

/* Reads one device from m. Returns > 0, 0 at the end of an array, or a negative errno. */
int ctl_read_device(sd_bus_message *m, Device *d);

/* Fills in what systemd says of the device's unit: open to every user; unknown stays NULL. */
void ctl_read_unit_status(sd_bus *bus, Device *d);

/* GetDevice and the unit's state. Returns 0, or the exit status (negated), printed. */
int ctl_get_device(sd_bus *bus, const char *name, sd_bus_message **reply, Device *d);

typedef bool (*DeviceTest)(const Device *d);

/* Polls until test holds. Returns 0, -ETIMEDOUT, or -ENODEV when the device went away. */
int ctl_wait_for_device(sd_bus *bus, const char *name, DeviceTest test);

enum { CTL_WAIT_TIMEOUT_SEC = 30 };
