/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The job that prints (job-print.c), for job-server.c. What printer-usb.c reports about transfers
 * reaches job-print.c through PrinterUsbEvents, wired by printer.c. */

#include "job-connection.h"
#include "macro.h"

/* Forgets the current job (not its connection). */
void job_reset(Printer *p);
/* The fill slot with room, taking a free slot if there is none. NULL when every slot is busy. */
OutSlot *job_fill_slot(Printer *p);
/* Records why the job fails, the first reason winning, and cancels its transfers. The job ends in
 * job_tick() once they are back. */
void job_fail(Printer *p, JobError error, const char *format, ...) _printf_(3, 4);
/* Makes the oldest queued connection the job, if none prints. */
void job_start_next(Printer *p);
/* Ends the job, whose transfers are all back: DONE or ERROR to its client, then the next job. */
void job_finish(Printer *p);
/* Submits the fill slot when it is full, or when the printer would otherwise sit idle, or at END;
 * ends the job once everything was written. */
void job_pump(Printer *p);
/* Ends a failed job once its transfers are back (and the unplug grace passed). */
void job_tick(Printer *p);
