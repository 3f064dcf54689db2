/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Each port's threads: the loopback (what the host writes on bulk OUT comes back on bulk IN in the
 * family's framing; an OUT and an IN side with a ring between them) and the notifier (a modem
 * status change the scenario made is told to the host the way the chip tells it: FTDI a status
 * packet on bulk IN, CH34x and PL2303 an interrupt packet; CP210x not at all, the host asks).
 * Writes block until the host reads: the chip's flow control toward the host, and a notification
 * waits for the host to open the port. */

#include <errno.h>
#include <linux/aio_abi.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "chip-emu.h"

enum {
        PACKET_MAX = 512,
        /* What the host wrote and the IN side has not sent yet: the OUT side reads on while the IN
         * side writes, and the IN side sends what piled up in one transfer (a transfer a packet
         * costs the host a URB completion per packet: slow under TCG). */
        RING_SIZE = 64 * 1024,
        /* OUT reads queued at once (AIO): one read a packet, but never a packet without a read
         * waiting for it (a read at a time costs a round trip a packet). */
        OUT_DEPTH = 16,
        IN_CHUNK_MAX = 4096,
        /* Room for a framed chunk: FTDI adds 2 bytes a packet, CP210x doubles escape characters. */
        FRAMED_MAX = 2 * IN_CHUNK_MAX + 64,
        NOTIFY_MAX = 16,
        /* After an I/O error (the host disabled the function): a pause, not a busy loop. */
        RETRY_PAUSE_US = 10000,
};

typedef struct OutSlot {
        struct iocb cb;
        bool done;
        int64_t res;
        uint8_t buf[PACKET_MAX];
} OutSlot;

/* The bytes between a port's OUT and IN sides. */
typedef struct Ring {
        EmuPort *port;
        pthread_mutex_t lock;
        pthread_cond_t changed;
        size_t head, len;
        uint8_t data[RING_SIZE];
        OutSlot slots[OUT_DEPTH];
} Ring;

/* A transfer must end in a short packet, or the host's URB (larger than one packet) waits for more:
 * a length of whole packets goes as two writes. */
static void write_in(int fd, const uint8_t *buf, size_t n, uint16_t mps)
{
        if (n > 1 && n % mps == 0) {
                (void) !write(fd, buf, n - 1);
                (void) !write(fd, buf + n - 1, 1);
                return;
        }
        (void) !write(fd, buf, n);
}

static void ring_put(Ring *r, const uint8_t *buf, size_t n)
{
        pthread_mutex_lock(&r->lock);
        while (r->len + n > RING_SIZE)
                pthread_cond_wait(&r->changed, &r->lock);
        for (size_t i = 0; i < n; i++)
                r->data[(r->head + r->len + i) % RING_SIZE] = buf[i];
        r->len += n;
        pthread_cond_broadcast(&r->changed);
        pthread_mutex_unlock(&r->lock);
}

/* One packet a read: a larger read would wait for a short packet that a host writing whole
 * packets never sends. */
static void out_submit(aio_context_t ctx, int fd, OutSlot *s, uint16_t mps)
{
        struct iocb *cbs[1] = { &s->cb };

        memset(&s->cb, 0, sizeof(s->cb));
        s->cb.aio_data = (uintptr_t) s;
        s->cb.aio_lio_opcode = IOCB_CMD_PREAD;
        s->cb.aio_fildes = fd;
        s->cb.aio_buf = (uintptr_t) s->buf;
        s->cb.aio_nbytes = mps;
        while (syscall(SYS_io_submit, ctx, 1, cbs) != 1)
                usleep(RETRY_PAUSE_US);
}

static void *out_side(void *arg)
{
        Ring *r = arg;
        uint16_t mps = 0;
        int fd = port_fd(r->port, EP_BULK_OUT, &mps);
        OutSlot *slots = r->slots;
        struct io_event events[OUT_DEPTH];
        aio_context_t ctx = 0;
        unsigned oldest = 0;

        if (syscall(SYS_io_setup, OUT_DEPTH, &ctx) < 0)
                return NULL;
        for (unsigned i = 0; i < OUT_DEPTH; i++)
                out_submit(ctx, fd, &slots[i], mps);
        for (;;) {
                long n = syscall(SYS_io_getevents, ctx, 1, OUT_DEPTH, events, NULL);
                if (n < 0) {
                        if (errno != EINTR)
                                usleep(RETRY_PAUSE_US);
                        continue;
                }
                for (long i = 0; i < n; i++) {
                        OutSlot *s = (OutSlot *) (uintptr_t) events[i].data;
                        s->res = events[i].res;
                        s->done = true;
                }
                /* The UDC completes one endpoint's requests in order; take them in the order
                 * they were queued all the same. */
                while (slots[oldest].done) {
                        OutSlot *s = &slots[oldest];
                        if (s->res > 0)
                                ring_put(r, s->buf, s->res);
                        else if (s->res < 0)
                                usleep(RETRY_PAUSE_US); /* disabled: the host is gone or resetting */
                        s->done = false;
                        out_submit(ctx, fd, s, mps);
                        oldest = (oldest + 1) % OUT_DEPTH;
                }
        }
        return NULL;
}

static void *in_side(void *arg)
{
        Ring *r = arg;
        EmuPort *p = r->port;
        uint16_t mps = 0;
        int fd = port_fd(p, EP_BULK_IN, &mps);
        uint8_t chunk[IN_CHUNK_MAX], framed[FRAMED_MAX];

        for (;;) {
                size_t n;
                pthread_mutex_lock(&r->lock);
                while (r->len == 0)
                        pthread_cond_wait(&r->changed, &r->lock);
                n = r->len < IN_CHUNK_MAX ? r->len : IN_CHUNK_MAX;
                for (size_t i = 0; i < n; i++)
                        chunk[i] = r->data[(r->head + i) % RING_SIZE];
                r->head = (r->head + n) % RING_SIZE;
                r->len -= n;
                pthread_cond_broadcast(&r->changed);
                pthread_mutex_unlock(&r->lock);
                write_in(fd, framed, p->emu->ops->frame_in(p, chunk, n, framed), mps);
        }
        return NULL;
}

static void *notifier(void *arg)
{
        EmuPort *p = arg;
        uint8_t pkt[NOTIFY_MAX];
        EpRole role = EP_NONE;
        size_t n;
        int fd;

        for (;;) {
                pthread_mutex_lock(&p->lock);
                while (!p->notify_pending)
                        pthread_cond_wait(&p->changed, &p->lock);
                p->notify_pending = false;
                n = p->emu->ops->notify(p, pkt, &role);
                pthread_mutex_unlock(&p->lock);
                fd = n > 0 ? port_fd(p, role, NULL) : -1;
                if (fd >= 0 && write(fd, pkt, n) < 0)
                        usleep(RETRY_PAUSE_US);
        }
        return NULL;
}

int data_start(Emu *e)
{
        for (unsigned i = 0; i < e->model->n_ports; i++) {
                pthread_t t;
                Ring *ring = calloc(1, sizeof(Ring));
                int r;
                if (!ring)
                        return -ENOMEM;
                ring->port = &e->ports[i];
                pthread_mutex_init(&ring->lock, NULL);
                pthread_cond_init(&ring->changed, NULL);
                r = pthread_create(&t, NULL, out_side, ring);
                if (r != 0)
                        return -r;
                pthread_detach(t);
                r = pthread_create(&t, NULL, in_side, ring);
                if (r != 0)
                        return -r;
                pthread_detach(t);
                r = pthread_create(&t, NULL, notifier, &e->ports[i]);
                if (r != 0)
                        return -r;
                pthread_detach(t);
        }
        return 0;
}
