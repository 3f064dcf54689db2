/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What drvhostd makes for a binding besides the device, so that the driver never names, owns or
 * links a path anyone else uses: the pty of a serial port (TTYLink=yes: master kept here, slave
 * root:dialout 0660, linked as /run/drvhost/tty/usb-VID_PID_SERIAL-ifNN) and a printer's job
 * socket (JobSocket=yes: /run/drvhost/printer/<interface>, root:lp 0660, listen()ed here). Both last
 * as long as the binding, across the driver's restarts and drvhostd's (fd store), and go to each
 * driver process with the device. Every function returns 0 or -errno and logs nothing. */

#include "binding.h"
#include "unit-name.h"

/* Names the tty link from the device's identity (a hostile device's serial number included). */
int binding_ports_name_tty(Binding *b, const char *vendor, const char *product, const char *serial,
                           unsigned ifnum);
/* Makes what the manifest asked for and is not there yet, and keeps it in the fd store. */
int binding_ports_open(Binding *b);
/* Takes back a pty master or job socket an earlier drvhostd kept in the fd store. */
int binding_ports_adopt(Binding *b, FdstoreKind kind, int fd);
/* Removes the link and the socket's path, and closes both. */
void binding_ports_close(Binding *b);
