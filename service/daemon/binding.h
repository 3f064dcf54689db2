/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <systemd/sd-device.h>
#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "backend.h"
#include "context.h"
#include "crash-policy.h"
#include "fault.h"
#include "manifest.h"
#include "unit-control.h"

/* One user-mode driver serving one device: the files that hold the device (its backend's), the
 * driver unit, and where the two are in their life. binding_handle() is the only writer of a
 * binding's state: everything that happens to a binding arrives there as an input, and what others
 * need to hear leaves as an event to the listeners of the context (journal, D-Bus, dispatch). It
 * calls only downward: the backend and the unit ops. */

typedef enum BindingState {
        BINDING_STARTING,    /* claimed; the unit is starting */
        BINDING_RUNNING,     /* the driver serves */
        BINDING_RESTARTING,  /* the driver died; it starts again on a fresh claim after the backoff delay */
        BINDING_CYCLING,     /* restart asked for: the unit stops, then starts on a fresh claim */
        BINDING_STOPPING,    /* released (unplug, release, reload, drvhost stopping): the unit stops */
        BINDING_GAVE_UP,     /* a crash loop: the unit stops, then the device goes back to the kernel */
        BINDING_RETURNING,   /* the unit is down: the device goes back once our claim is gone */
        BINDING_FALLEN_BACK, /* the kernel has the device after a crash loop: kept to be listed */
        _BINDING_STATE_MAX,
} BindingState;

typedef enum BindingInput {
        BINDING_INPUT_PLUGGED,      /* a new binding: claim the device, start the unit */
        BINDING_INPUT_ADOPTED,      /* taken over from an earlier drvhostd: watch the unit */
        BINDING_INPUT_UNIT_CHANGED, /* data: the unit's UnitStatus */
        BINDING_INPUT_UNPLUGGED,    /* the device is gone */
        BINDING_INPUT_RESTART,      /* restart on request */
        BINDING_INPUT_RELEASE,      /* back to the kernel, and stay there; data: the reason */
        BINDING_INPUT_REMATCH,      /* back to the kernel, then match again; data: the reason */
        BINDING_INPUT_TIMER,        /* the backoff delay or a re-probe poll is over */
} BindingInput;

typedef enum BindingEvent {
        BINDING_EVENT_BOUND,
        BINDING_EVENT_CRASHED,   /* data: a death */
        BINDING_EVENT_RESTARTED, /* serving again after a crash */
        BINDING_EVENT_GAVE_UP,   /* reason */
        BINDING_EVENT_FELL_BACK, /* the kernel driver is b->kernel_driver; none if NULL */
        BINDING_EVENT_RELEASED,  /* reason */
        BINDING_EVENT_RESTART_REQUESTED,
        BINDING_EVENT_STATE_CHANGED,
        BINDING_EVENT_FAILED,   /* reason: claiming or starting failed; the binding goes */
        BINDING_EVENT_INJECTED, /* fault: a fault is about to be injected into the driver */
        BINDING_EVENT_FREED,    /* the binding is about to be freed (unlinked already) */
        _BINDING_EVENT_MAX,
} BindingEvent;

/* What ends a binding's return of its device to the kernel. */
typedef enum BindingAfterReturn {
        AFTER_RETURN_FORGET,    /* the binding goes */
        AFTER_RETURN_RELEASED,  /* the device stays with the kernel until unplugged or restarted */
        AFTER_RETURN_REMATCH,   /* dispatch matches the device again */
        AFTER_RETURN_FALL_BACK, /* kept, listed as fallen back */
} BindingAfterReturn;

typedef struct BindingEventData {
        const char *reason;
        const UnitStatus *status; /* CRASHED: how the driver ended */
        CrashVerdict verdict;     /* CRASHED */
        uint64_t delay_usec;      /* CRASHED and restarting: the backoff delay */
        BindingAfterReturn after; /* FREED */
        Fault fault;              /* INJECTED */
} BindingEventData;

/* The last death of a binding's driver, for `drvhostctl status`. */
typedef struct BindingCrash {
        uint64_t realtime_usec; /* when drvhostd saw it, CLOCK_REALTIME */
        int code;               /* CLD_EXITED, CLD_KILLED, CLD_DUMPED, or 0 */
        int status;             /* the exit status or the signal */
        uint32_t pid;           /* the process that died (its core dump is `coredumpctl info PID`) */
        char result[32];        /* systemd's Result= */
} BindingCrash;

/* Listeners (context.h: binding_listener_t) get the event as an int, a BindingEvent. */

struct Binding {
        Context *context;
        Binding *next, *prev;
        const BackendOps *backend;

        char *unit;    /* drvhost-driver@<driver>_<device>.service */
        char *driver;  /* manifest Name= */
        char *exec;    /* manifest Exec= */
        char *syspath; /* the USB interface or PCI function */
        char *sysname; /* "1-1:1.0", "0000:00:03.0" */
        char *modalias;
        char *kernel_driver; /* the kernel driver it was taken from, or fell back to */
        bool fallback_to_kernel;

        /* binding-ports.c: made by drvhostd, passed to each driver process; -EBADF/NULL if none. */
        bool want_tty;     /* manifest TTYLink= */
        bool want_tty_usb_serial; /* manifest TTYName=ttyUSB */
        bool want_socket;  /* manifest JobSocket= */
        int tty_fd;        /* the pty master, or the kernel front end's file (tty_kernel) */
        bool tty_kernel;
        char *tty_link;    /* /run/drvhost/tty/usb-VID_PID_SERIAL-ifNN: its name until made */
        char *tty_path;    /* what it links to: /dev/pts/N or /dev/ttyACM<n> */
        bool tty_linked;   /* the link exists and is ours to remove */
        int socket_fd;     /* the listening job socket */
        char *socket_path; /* /run/drvhost/printer/<sysname> while it exists */

        /* binding-control.c: drvhostd's end of the current driver process's fault channel, and the
         * faults (1 << Fault) its library announced. */
        int control_fd;
        sd_event_source *control_source;
        uint32_t control_faults;

        /* The backend's: USB: the usbfs file holding the claim, the interfaces, the device node;
         * PCI: BAR 0 and the interrupt file. -EBADF when closed. */
        int fd;
        int irq_fd;
        uint32_t interfaces;
        char *devnode;

        BindingState state;
        BindingAfterReturn after_return;
        UnitWatch *watch;
        bool unit_down;              /* the unit's newest status is inactive or failed */
        bool baseline_pending;       /* the first status names the unit's earlier end, not ours */
        bool baseline_waited;        /* … and it showed an earlier run still ending */
        uint64_t last_exit_usec;     /* ExecMainExitTimestamp of the last death we handled */
        uint64_t last_end_usec;      /* InactiveEnterTimestamp of the last end we handled */
        bool dead_since_active;      /* a death was handled and the unit was not active since */
        bool seen_up;                /* the newest status before this one was not down */
        uint64_t serving_start_usec; /* ExecMainStartTimestamp of our driver seen active, or 0 */
        bool start_requested;        /* RESTARTING: we started the unit (systemd did not) */
        uint64_t running_since_usec; /* when the current driver process was seen serving */
        /* The broker hands the device to the next driver process no earlier than this: the backoff
         * delay, while systemd restarts the unit at once and keeps the driver's own fd store. */
        uint64_t start_not_before_usec;
        pid_t served_pid; /* the driver process the broker last handed the device to */
        bool device_gone;
        sd_event_source *timer; /* re-probe and stop polls */
        unsigned reprobe_attempts;
        unsigned unbound_probes; /* re-probes after which no kernel driver was bound */

        CrashPolicy policy;
        CrashHistory history;
        BindingCrash last_crash; /* realtime_usec 0: none yet */
        unsigned n_restarts;     /* restarts after crashes, by drvhostd */
};

/* A new binding of the device to the manifest's driver, linked into c; not started. */
int binding_new(Context *c, const BackendOps *backend, sd_device *dev, const Manifest *m, Binding **ret);
/* The parts of binding_new() that need no udev device (tests build bindings from these). */
int binding_new_raw(Context *c, const BackendOps *backend, const char *syspath, const char *sysname,
                    const char *modalias, const Manifest *m, Binding **ret);

/* The state machine: feeds one input. Returns 0, -EBUSY for a request the state does not take, or
 * -errno. The binding may be freed when it returns (FREED was emitted then). */
int binding_handle(Binding *b, BindingInput input, const void *data);

/* Injects fault f into the running driver: announces it (INJECTED), then asks systemd to signal
 * the driver's main process; the death that follows is handled as any other. Returns 0,
 * -EOPNOTSUPP for a fault no signal expresses, -ESRCH when no driver process serves now, or
 * -errno. */
int binding_inject(Binding *b, Fault f);

/* Applies a (changed) manifest's limits and Exec= to the binding. */
int binding_apply_manifest(Binding *b, const Manifest *m);

/* Registers a listener for every binding's events. Returns 0 or -ENOSPC. */
int binding_add_listener(Context *c, binding_listener_t f, void *userdata);

/* How long the broker waits before handing the device to a new driver process (the backoff
 * delay); 0: now. */
uint64_t binding_start_delay(const Binding *b, uint64_t now);

/* Whether the binding holds its device or is still handing it back. */
bool binding_holds_device(const Binding *b);
/* The binding that holds interface number ifnum of the USB device at usb_syspath. */
Binding *binding_claiming(Context *c, const char *usb_syspath, unsigned ifnum);

Binding *binding_find_by_unit(Context *c, const char *unit);
Binding *binding_find_by_syspath(Context *c, const char *syspath);

/* Takes b out of its context's list (b->context becomes NULL). */
void binding_unlink(Binding *b);

/* Frees without stopping anything (drvhostd exits: the drivers live on, the fd store keeps the
 * files). */
Binding *binding_free(Binding *b);

const char *binding_state_to_string(BindingState s);
