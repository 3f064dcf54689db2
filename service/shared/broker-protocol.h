/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The hand-over of a device between drvhostd and the launcher in a driver unit.
 *
 * The launcher connects to DRVHOST_BROKER_SOCKET (SOCK_SEQPACKET). drvhostd identifies the peer's
 * unit (SO_PEERCRED → cgroup → unit) and, only if a binding belongs to that unit, answers with one
 * message: "KEY=value\n" lines (DRVHOST_BROKER_KEY_*) and the binding's fds as SCM_RIGHTS, named by
 * DRVHOST_BROKER_KEY_FDS. Any other peer gets the connection closed without a message. A PCI
 * binding's device fd is its BAR 0. */

#define DRVHOST_BROKER_SOCKET "/run/drvhost/broker.sock"

#define DRVHOST_BROKER_KEY_EXEC "EXEC"
/* The names of the fds sent, in their order, separated by ',': "device" first, then any of "irq"
 * (a PCI binding's /dev/drvhost_irq file), "tty" (the pty master of TTYLink=yes), "socket" (the
 * listening job socket of JobSocket=yes) and "control" (the fault channel). The launcher puts each on
 * DRVHOST_<NAME>_FD. */
#define DRVHOST_BROKER_KEY_FDS "FDS"
#define DRVHOST_BROKER_FD_DEVICE "device"
#define DRVHOST_BROKER_FD_IRQ "irq"
#define DRVHOST_BROKER_FD_TTY "tty"
#define DRVHOST_BROKER_FD_SOCKET "socket"
/* The driver's end of its fault channel (fault-channel.h), last. */
#define DRVHOST_BROKER_FD_CONTROL "control"
/* The remaining keys are passed to the driver as environment variables of the same name. */
#define DRVHOST_ENV_DEVICE_FD "DRVHOST_DEVICE_FD"
#define DRVHOST_ENV_DEVICE "DRVHOST_DEVICE"
#define DRVHOST_ENV_DRIVER "DRVHOST_DRIVER"
#define DRVHOST_ENV_UNIT "DRVHOST_UNIT"
#define DRVHOST_ENV_INTERFACES "DRVHOST_INTERFACES"
#define DRVHOST_ENV_MODALIAS "DRVHOST_MODALIAS"
#define DRVHOST_ENV_IRQ_FD "DRVHOST_IRQ_FD"

/* The fd number the driver finds its device on, after any fds systemd passes (LISTEN_FDS). */
#define DRVHOST_DEVICE_FD_NUMBER 3

enum { DRVHOST_BROKER_MESSAGE_MAX = 4096, DRVHOST_BROKER_FDS_MAX = 5 };

/* Unit names of driver bindings: drvhost-driver@<driver>_<interface>.service (see unit-name.h) */
#define DRVHOST_DRIVER_UNIT_PREFIX "drvhost-driver@"
#define DRVHOST_DRIVER_UNIT_SUFFIX ".service"
/* The template's User=drv-%i: one DynamicUser per binding. */
#define DRVHOST_DRIVER_USER_PREFIX "drv-"
/* systemd takes at most 31 characters for a user name (UT_NAMESIZE - 1). */
enum { DRVHOST_DRIVER_USER_NAME_MAX = 31 };

/* Each driver unit's RuntimeDirectory= is DRVHOST_DRIVER_RUNTIME_DIR/<instance>. */
#define DRVHOST_DRIVER_RUNTIME_DIR "/run/drvhost/driver"
#define DRVHOST_TTY_DIR "/run/drvhost/tty"
/* JobSocket=yes: the binding's listening socket, named after its interface (e.g. "1-1:1.0"), made
 * by drvhostd in a directory only root writes to, owner root, group lp, mode 0660. */
#define DRVHOST_PRINTER_SOCKET_DIR "/run/drvhost/printer"
#define DRVHOST_PRINTER_SOCKET_GROUP "lp"
#define DRVHOST_ENV_TTY_FD "DRVHOST_TTY_FD"
#define DRVHOST_ENV_SOCKET_FD "DRVHOST_SOCKET_FD"
#define DRVHOST_ENV_CONTROL_FD "DRVHOST_CONTROL_FD"
