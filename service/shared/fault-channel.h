/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The fault channel between drvhostd and the runtime library in a driver process, for the faults
 * no signal can express (hang, stall, oom, slow: see fault.h).
 *
 * drvhostd makes a SOCK_SEQPACKET pair for each driver process it hands a device to and sends one
 * end with the device (named DRVHOST_BROKER_FD_CONTROL; the launcher puts it on
 * DRVHOST_CONTROL_FD). One message per packet, text, no terminator:
 *   driver → drvhostd  "FAULTS=hang,stall,oom,slow": sent once by the library when its loop starts,
 *                      the faults it takes. A driver not built on the library says nothing, and
 *                      drvhostd refuses to inject those faults into it.
 *   drvhostd → driver  "FAULT=<name>": inject that fault now.
 * A fresh pair per process: nothing meant for a dead driver reaches its successor. */

#define FAULT_CHANNEL_KEY_FAULTS "FAULTS="
#define FAULT_CHANNEL_KEY_FAULT "FAULT="
#define FAULT_CHANNEL_SEPARATOR ","

enum { FAULT_CHANNEL_MESSAGE_MAX = 128 };
