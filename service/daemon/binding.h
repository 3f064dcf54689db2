/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-bus.h>

#include "context.h"
#include "event.h"
#include "manifest.h"
#include "unit-name.h"

/* One user-mode driver serving one USB interface: the usbfs file that holds the claim, the driver
 * unit that runs the driver, and what drvhostd knows of that unit's state. */

typedef enum BindingState {
        BINDING_STARTING,  /* StartUnit sent, not active yet */
        BINDING_RUNNING,   /* the driver is up */
        BINDING_RESTARTING, /* crashed, systemd will start it again */
        BINDING_GAVE_UP,   /* crash loop: stopped for good, interface released */
        BINDING_STOPPING,  /* released on purpose (unplug, release, reload) */
        BINDING_CYCLING,   /* restart asked for: stopping, then started again on a fresh claim */
} BindingState;

struct Binding {
        Context *context;
        Binding *next, *prev;

        char *unit;     /* drvhost-driver@<driver>_<interface>.service */
        char *driver;   /* manifest Name= */
        char *exec;     /* manifest Exec= */
        char *syspath;  /* the USB interface */
        char *sysname;  /* "1-1:1.0" */
        char *modalias;
        char *kernel_driver; /* the kernel driver it was taken from, if any */
        char *tty_link;      /* /run/drvhost/tty/… when the manifest asks for one */
        uint32_t interfaces; /* bit mask of bInterfaceNumber */
        bool fallback_to_kernel;
        unsigned restart_limit_burst;
        uint64_t restart_limit_interval_usec;

        int fd; /* usbfs file holding the claim (PCI: the BAR 0 resource file); -EBADF once released */
        int irq_fd; /* PCI: the /dev/drvhost_irq file bound to the device's interrupt, else -EBADF */
        bool pci;   /* a PCI device (pci-binding.c), not a USB interface */

        BindingState state;
        sd_bus_slot *properties_slot;
        sd_event_source *reprobe_timer; /* waiting for the claim to go before re-probing */
        unsigned reprobe_attempts;
        bool rematch_after_reprobe;
        uint64_t *crash_times; /* CLOCK_MONOTONIC usec of recent crashes, restart_limit_burst of them */
        unsigned n_crashes;
        uint64_t last_death_usec; /* exit timestamp of the last driver death we handled */
        uint32_t restarts_accounted; /* NRestarts explained by the deaths we handled */
        char *devnode;               /* /dev/bus/usb/BBB/DDD, for a fresh file per driver start */
        bool restart_pending;    /* crashed; a restarted event is due once it is active again */
        bool device_gone;
        bool release_requested; /* drvhostctl release: the interface stays with the kernel */
};

/* The parts binding_create() and pci-binding.c share: a new binding for unit, the manifest's
 * settings applied to it, and its entry in the context's list. */
int binding_new(Context *c, const char *unit, Binding **ret);
int binding_apply_manifest(Binding *b, const Manifest *m);
void binding_link(Context *c, Binding *b);
/* Keeps fd in drvhostd's own fd store under the unit's name, so that a restarted drvhostd (even
 * after SIGKILL) gets it back and no driver has to restart: the usbfs file of a USB binding, the
 * interrupt file of a PCI one. Returns what sd_pid_notify_with_fds() returns. */
int binding_fdstore_push(const Binding *b, int fd);
/* Starts the driver unit of a new, linked binding and watches it. Returns 0 or -errno. */
int binding_start_unit(Binding *b);

/* Claims the interface for the manifest's driver and starts its unit. Logs and returns -errno. */
int binding_create(Context *c, struct udev_device *intf, const Manifest *m);
/* Takes over a binding left by an earlier drvhostd: the usbfs fd comes from our fd store. */
int binding_adopt(Context *c, const char *unit, int fd);

/* Stops the unit and releases the interface; emits the released event with the reason. */
void binding_release(Binding *b, const char *reason);
/* Second half of a release, once the unit is down: close the claim, re-probe, match again. */
void binding_finish_release(Binding *b);
/* Crash loop: stop, release, give the interface back to the kernel when the manifest allows it. */
void binding_give_up(Binding *b, const char *why);

/* Moves the claim to a new usbfs file, so that URBs a dead driver left behind cannot reach the next
 * one. Only while no driver process runs. */
void binding_renew_device(Binding *b);
/* Re-probes the interface for a kernel driver once no usbfs file holds it any more. */
void binding_reprobe_when_free(Binding *b);
/* Once the unit of a binding we gave up on is down: release the interface and re-probe it. */
void binding_fall_back(Binding *b);

/* Restart on request (drvhostctl restart): stop the unit, then start it again on a fresh usbfs
 * claim. Returns 0, or -EBUSY while the binding is stopping or cycling already. */
int binding_request_restart(Binding *b);
/* Second half: the unit is down. */
void binding_finish_restart(Binding *b);
/* Release on request (drvhostctl release, or drvhost stopping): the interface goes back to the
 * kernel and stays there. */
void binding_release_to_kernel(Binding *b, const char *reason);
/* Whether a binding still holds its interface or is about to re-probe it. */
bool binding_holds_device(const Binding *b);

Binding *binding_free(Binding *b);

/* One structured event about a binding: its standard fields plus extra ones. */
void binding_emit(const Binding *b, const char *message_id, int priority, const EventField *extra,
                  size_t n_extra, const char *format, ...) _printf_(6, 7);

Binding *binding_find_by_unit(Context *c, const char *unit);
Binding *binding_find_by_syspath(Context *c, const char *syspath);

const char *binding_state_to_string(BindingState s);
