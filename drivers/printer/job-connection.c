/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A job socket client's fd and reply buffer: what it is polled for, sending, closing. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>

#include "job-connection.h"
#include "macro.h"

void connection_close(Printer *p, Connection *c)
{
        if (c->state == CONNECTION_DEAD)
                return;
        (void)drvhost_driver_remove_fd(p->driver, c->fd);
        c->fd = safe_close(c->fd);
        c->state = CONNECTION_DEAD;
        c->out_len = 0;
        c->data_left = 0;
}

void connections_reap(Printer *p)
{
        for (size_t i = 0; i < p->n_connections;) {
                Connection *c = p->connections[i];

                if (c->state != CONNECTION_DEAD || c == p->job) {
                        i++;
                        continue;
                }
                p->connections[i] = p->connections[--p->n_connections];
                free(c->out);
                free(c);
        }
}

static short connection_events(Printer *p, Connection *c)
{
        short events = c->out_len > 0 ? POLLOUT : 0;

        switch (c->state) {
        case CONNECTION_REQUEST:
                /* The next frame only once the last answer is out (see connection_read()). */
                return c->out_len > 0 ? events : POLLIN;
        case CONNECTION_JOB:
                if (p->job_end || p->job_error)
                        return events;
                /* A header needs no slot; payload does. */
                if (c->data_left == 0 ||
                    (p->fill_slot >= 0 && p->out[p->fill_slot].fill < OUT_BUFFER_SIZE) ||
                    printer_usb_free_slot(p))
                        events |= POLLIN;
                return events;
        default:
                return events;
        }
}

void connection_update(Printer *p, Connection *c)
{
        if (c->state != CONNECTION_DEAD)
                (void)drvhost_driver_set_fd_events(p->driver, c->fd, connection_events(p, c));
}

int connection_flush(Connection *c)
{
        while (c->out_len > 0) {
                ssize_t n = send(c->fd, c->out, c->out_len, MSG_NOSIGNAL | MSG_DONTWAIT);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == EAGAIN)
                                return 0;
                        return -errno;
                }
                memmove(c->out, c->out + n, c->out_len - (size_t)n);
                c->out_len -= (size_t)n;
        }
        return 0;
}

int connection_queue(Connection *c, const void *data, size_t n)
{
        if (c->out_cap - c->out_len < n) {
                size_t cap = c->out_len + n;
                uint8_t *out = realloc(c->out, cap);

                if (!out)
                        return -ENOMEM;
                c->out = out;
                c->out_cap = cap;
        }
        memcpy(c->out + c->out_len, data, n);
        c->out_len += n;
        return 0;
}

void connection_reply(Printer *p, Connection *c, const uint8_t *buf, size_t n)
{
        if (c->state == CONNECTION_DEAD)
                return;
        if (connection_queue(c, buf, n) < 0) {
                (void)drvhost_driver_log(p->driver, LOG_ERR,
                                         "Out of memory for a reply, dropping the client.");
                connection_close(p, c);
                return;
        }
        if (connection_flush(c) < 0) {
                connection_close(p, c);
                return;
        }
        connection_update(p, c);
}

void connection_finish(Printer *p, Connection *c, const uint8_t *buf, ssize_t n)
{
        if (c->state == CONNECTION_DEAD)
                return;
        if (n > 0 && connection_queue(c, buf, (size_t)n) < 0)
                (void)drvhost_driver_log(p->driver, LOG_ERR,
                                         "Out of memory for a reply, dropping the client.");
        c->state = CONNECTION_CLOSING;
        c->data_left = 0;
        if (connection_flush(c) < 0 || c->out_len == 0) {
                connection_close(p, c);
                return;
        }
        connection_update(p, c);
}

void connection_fail(Printer *p, Connection *c, JobError error, uint64_t bytes, const char *reason)
{
        uint8_t buf[JOB_CONTROL_FRAME_MAX];

        connection_finish(p, c, buf, job_encode_error(buf, sizeof(buf), error, bytes, reason));
}
