/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The one job that prints: its client's data staged into OUT slots and submitted, its transfers'
 * completions, the back-channel to its client, its end (DONE, or ERROR once its transfers are back;
 * an I/O error only after UNPLUG_GRACE_USEC, so that an unplug noticed meanwhile is reported as such
 * rather than as the error it caused), and the next job from the queue. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>

#include "job-connection.h"
#include "job-print.h"
#include "macro.h"

enum {
        /* Back-channel data kept for a client that does not read it; the IN transfer pauses above. */
        OUTPUT_HIGH_WATER = 256 * 1024,
        /* A transfer cut by an unplug often fails with a generic error before the disconnect
         * reaches usbfs: an I/O error is reported only if no unplug is noticed within this. */
        UNPLUG_GRACE_USEC = 1000 * 1000,
        USEC_PER_MSEC = 1000,
        MSEC_PER_SEC = 1000,
        BYTES_PER_MIB = 1024 * 1024,
};

OutSlot *job_fill_slot(Printer *p)
{
        OutSlot *s;

        if (p->fill_slot >= 0) {
                s = &p->out[p->fill_slot];
                return s->fill < OUT_BUFFER_SIZE ? s : NULL;
        }
        s = printer_usb_free_slot(p);
        if (!s)
                return NULL;
        p->fill_slot = (int)(s - p->out);
        s->fill = 0;
        return s;
}

void job_reset(Printer *p)
{
        p->job = NULL;
        p->job_received = 0;
        p->job_written = 0;
        p->job_end = false;
        p->job_error = 0;
        p->job_error_detail[0] = '\0';
        p->fill_slot = -1;
}

void job_fail(Printer *p, JobError error, const char *format, ...)
{
        va_list ap;

        if (!p->job || p->job_error)
                return;
        p->job_error = error;
        p->job_error_usec = now_usec();
        va_start(ap, format);
        (void)vsnprintf(p->job_error_detail, sizeof(p->job_error_detail), format, ap);
        va_end(ap);
        printer_usb_cancel_out(p);
        connection_update(p, p->job);
}

static Connection *next_queued(Printer *p)
{
        Connection *next = NULL;

        for (size_t i = 0; i < p->n_connections; i++) {
                Connection *c = p->connections[i];

                if (c->state == CONNECTION_QUEUED && (!next || c->seq < next->seq))
                        next = c;
        }
        return next;
}

void job_start_next(Printer *p)
{
        Connection *c;

        if (p->job || p->stopping)
                return;
        c = next_queued(p);
        if (!c)
                return;

        job_reset(p);
        p->job = c;
        p->job_announced = c->announced;
        p->job_start_usec = now_usec();
        c->state = CONNECTION_JOB;
        if (c->announced == JOB_LENGTH_UNKNOWN)
                (void)drvhost_driver_log(p->driver, LOG_INFO, "Printing a job from pid %d, length unknown.",
                                         (int)c->pid);
        else
                (void)drvhost_driver_log(p->driver, LOG_INFO,
                                         "Printing a job from pid %d, %" PRIu64 " bytes.", (int)c->pid,
                                         c->announced);
        printer_update_status(p);
        connection_update(p, c);
}

void job_finish(Printer *p)
{
        uint8_t buf[JOB_CONTROL_FRAME_MAX];
        Connection *c = p->job;
        uint64_t msec = (now_usec() - p->job_start_usec) / USEC_PER_MSEC;

        p->job = NULL;
        if (p->job_error) {
                const char *what = job_error_to_string(p->job_error);

                (void)drvhost_driver_log(p->driver, LOG_WARNING,
                                         "Job from pid %d failed after %" PRIu64 " of %" PRIu64
                                         " bytes: %s%s%s",
                                         (int)c->pid, p->job_written, p->job_received, what,
                                         p->job_error_detail[0] ? ": " : "", p->job_error_detail);
                connection_fail(p, c, p->job_error, p->job_written,
                                p->job_error_detail[0] ? p->job_error_detail : what);
        } else {
                (void)drvhost_driver_log(
                    p->driver, LOG_INFO,
                    "Job from pid %d done: %" PRIu64 " bytes in %" PRIu64 " ms (%.1f MiB/s).", (int)c->pid,
                    p->job_written, msec,
                    msec > 0 ? (double)p->job_written / BYTES_PER_MIB * MSEC_PER_SEC / (double)msec : 0.0);
                connection_finish(p, c, buf, job_encode_done(buf, sizeof(buf), p->job_written));
        }
        job_reset(p);
        printer_update_status(p);
        printer_usb_resume_in(p);
        job_start_next(p);
}

void job_pump(Printer *p)
{
        OutSlot *s = p->fill_slot >= 0 ? &p->out[p->fill_slot] : NULL;
        int r;

        if (!p->job || p->job_error || p->stopping)
                return;

        if (s && (s->fill == OUT_BUFFER_SIZE || (s->fill > 0 && (p->out_in_flight == 0 || p->job_end)))) {
                r = printer_usb_submit(p, s);
                if (r < 0) {
                        if (drvhost_driver_is_unplugged_error(r))
                                (void)drvhost_driver_stop(p->driver, DRVHOST_EXIT_UNPLUGGED);
                        job_fail(p,
                                 drvhost_driver_is_unplugged_error(r) ? JOB_ERROR_UNPLUGGED : JOB_ERROR_IO,
                                 "submitting a transfer failed: %s", libusb_error_name(r));
                        return;
                }
                p->fill_slot = -1;
                s = NULL;
        }

        if (p->job_end && p->out_in_flight == 0 && (!s || s->fill == 0)) {
                job_finish(p);
                return;
        }
        connection_update(p, p->job);
}

void job_out_done(Printer *p, OutSlot *slot, enum libusb_transfer_status status, int actual)
{
        int length = slot->transfer->length;

        if (actual > 0)
                p->job_written += (uint64_t)actual;
        slot->fill = 0;
        if (p->stopping || !p->job)
                return;

        switch (status) {
        case LIBUSB_TRANSFER_COMPLETED:
                if (actual < length)
                        job_fail(p, JOB_ERROR_IO, "the printer took %d of %d bytes", actual, length);
                break;
        case LIBUSB_TRANSFER_CANCELLED:
                break; /* we cancelled it: the job failed already */
        case LIBUSB_TRANSFER_TIMED_OUT:
                job_fail(p, JOB_ERROR_TIMEOUT, "the printer accepted no data for %u s",
                         p->write_timeout_ms / MSEC_PER_SEC);
                break;
        case LIBUSB_TRANSFER_NO_DEVICE:
                job_fail(p, JOB_ERROR_UNPLUGGED, "the printer was unplugged");
                break;
        case LIBUSB_TRANSFER_STALL:
                job_fail(p, JOB_ERROR_IO, "the printer stalled its OUT endpoint");
                break;
        default:
                job_fail(p, JOB_ERROR_IO, "transfer failed: %s", libusb_error_name((int)status));
                break;
        }
        job_pump(p);
}

bool job_backchannel_room(Printer *p)
{
        Connection *c = p->job;

        return !c || c->state != CONNECTION_JOB ||
               c->out_len + JOB_FRAME_HEADER_SIZE + IN_BUFFER_SIZE <= OUTPUT_HIGH_WATER;
}

void job_backchannel(Printer *p, const uint8_t *data, size_t n)
{
        Connection *c = p->job;
        uint8_t header[JOB_FRAME_HEADER_SIZE];

        if (!c || c->state != CONNECTION_JOB) {
                (void)drvhost_driver_log(p->driver, LOG_DEBUG, "Dropping %zu back-channel bytes: no job.",
                                         n);
                return;
        }
        job_encode_data_header(header, JOB_FRAME_BACKCHANNEL, (uint32_t)n);
        if (connection_queue(c, header, sizeof(header)) < 0 || connection_queue(c, data, n) < 0) {
                job_fail(p, JOB_ERROR_IO, "out of memory for back-channel data");
                return;
        }
        if (connection_flush(c) < 0) {
                job_fail(p, JOB_ERROR_PROTOCOL, "the client went away");
                connection_close(p, c);
                return;
        }
        connection_update(p, c);
}

void job_tick(Printer *p)
{
        if (p->job && p->job_error && p->out_in_flight == 0 &&
            (p->job_error != JOB_ERROR_IO || now_usec() - p->job_error_usec >= UNPLUG_GRACE_USEC))
                job_finish(p);
}
