/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Tracked transfers: the driver owns them, knows which are in flight, turns a transfer that ends with
 * NO_DEVICE into a stop with DRVHOST_EXIT_UNPLUGGED, and cancels and drains them when the driver
 * stops, so that no driver repeats that plumbing. */
#include <errno.h>
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>

#include "driver-internal.h"
#include "macro.h"

enum {
        USEC_PER_SEC = 1000000,
        NSEC_PER_USEC = 1000,
        DRAIN_ROUND_USEC = 100 * 1000,
};

struct libusb_transfer *drvhost_driver_alloc_transfer(size_t size)
{
        struct libusb_transfer *t = libusb_alloc_transfer(0);

        if (!t)
                return NULL;
        t->buffer = malloc(size);
        if (!t->buffer) {
                libusb_free_transfer(t);
                return NULL;
        }
        /* libusb frees the buffer with the transfer. */
        t->flags = LIBUSB_TRANSFER_FREE_BUFFER;
        return t;
}

static DriverTransfer *transfer_find(const DrvhostDriver *d, const struct libusb_transfer *t)
{
        for (size_t i = 0; i < d->n_transfers; i++)
                if (d->transfers[i]->transfer == t)
                        return d->transfers[i];
        return NULL;
}

struct libusb_transfer *drvhost_driver_transfer_new(DrvhostDriver *d, size_t size)
{
        DriverTransfer **transfers, *x;

        if (!d)
                return NULL;
        transfers = reallocarray(d->transfers, d->n_transfers + 1, sizeof(*transfers));
        if (!transfers)
                return NULL;
        d->transfers = transfers;
        x = calloc(1, sizeof(*x));
        if (!x)
                return NULL;
        x->driver = d;
        x->transfer = drvhost_driver_alloc_transfer(size);
        if (!x->transfer) {
                free(x);
                return NULL;
        }
        x->transfer->length = (int)size;
        d->transfers[d->n_transfers++] = x;
        return x->transfer;
}

static void LIBUSB_CALL transfer_done(struct libusb_transfer *t)
{
        DriverTransfer *x = t->user_data;
        DrvhostDriver *d = x->driver;

        /* The driver's own again before its callback runs: it may resubmit from there. */
        t->callback = x->callback;
        t->user_data = x->user_data;
        x->in_flight = false;

        if (t->status == LIBUSB_TRANSFER_NO_DEVICE)
                (void)drvhost_driver_stop(d, DRVHOST_EXIT_UNPLUGGED);
        if (t->callback)
                t->callback(t);
}

int drvhost_driver_submit(DrvhostDriver *d, struct libusb_transfer *t)
{
        DriverTransfer *x;
        int r;

        if (!d || !t)
                return -EINVAL;
        x = transfer_find(d, t);
        if (!x)
                return -ENOENT;
        if (x->in_flight)
                return -EBUSY;
        /* Stopping: what is cancelled must stay so, and an unplugged device takes nothing. */
        if (d->draining || d->stop_requested)
                return -ESHUTDOWN;

        x->callback = t->callback;
        x->user_data = t->user_data;
        t->callback = transfer_done;
        t->user_data = x;
        r = libusb_submit_transfer(t);
        if (r < 0) {
                t->callback = x->callback;
                t->user_data = x->user_data;
                if (drvhost_driver_is_unplugged_error(r))
                        (void)drvhost_driver_stop(d, DRVHOST_EXIT_UNPLUGGED);
                return driver_errno_from_libusb(r);
        }
        x->in_flight = true;
        return 0;
}

size_t driver_transfers_in_flight(const DrvhostDriver *d)
{
        size_t n = 0;

        for (size_t i = 0; i < d->n_transfers; i++)
                n += d->transfers[i]->in_flight;
        return n;
}

static uint64_t now_usec(void)
{
        struct timespec ts;

        (void)clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * USEC_PER_SEC + (uint64_t)ts.tv_nsec / NSEC_PER_USEC;
}

size_t driver_transfers_drain(DrvhostDriver *d, uint64_t timeout_usec)
{
        uint64_t deadline = now_usec() + timeout_usec;
        size_t n;

        d->draining = true;
        for (size_t i = 0; i < d->n_transfers; i++)
                if (d->transfers[i]->in_flight)
                        (void)libusb_cancel_transfer(d->transfers[i]->transfer);

        /* libusb waits on its own fds here: the loop is over, and its callbacks are what we wait for. */
        while ((n = driver_transfers_in_flight(d)) > 0 && d->context) {
                uint64_t now = now_usec();
                struct timeval round = {.tv_usec = DRAIN_ROUND_USEC};

                if (now >= deadline)
                        break;
                if (deadline - now < DRAIN_ROUND_USEC)
                        round.tv_usec = (suseconds_t)(deadline - now);
                (void)libusb_handle_events_timeout_completed(d->context, &round, NULL);
        }
        return n;
}

int drvhost_driver_drain(DrvhostDriver *d, uint64_t timeout_usec)
{
        size_t n;

        if (!d)
                return -EINVAL;
        n = driver_transfers_drain(d, timeout_usec);
        return n > 0 ? -ETIMEDOUT : 0;
}

void driver_transfers_free(DrvhostDriver *d)
{
        for (size_t i = 0; i < d->n_transfers; i++) {
                DriverTransfer *x = d->transfers[i];

                /* libusb still owns a transfer in flight, and its callback would still find x: both
                 * are leaked rather than freed under it. */
                if (x->in_flight)
                        continue;
                libusb_free_transfer(x->transfer);
                free(x);
        }
        free(d->transfers);
        d->transfers = NULL;
        d->n_transfers = 0;
}
