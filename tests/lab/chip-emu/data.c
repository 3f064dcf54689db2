/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Each port's two threads: the loopback (what the host writes on bulk OUT comes back on bulk IN in
 * the family's framing) and the notifier (a modem status change the scenario made is told to the
 * host the way the chip tells it: FTDI a status packet on bulk IN, CH34x and PL2303 an interrupt
 * packet; CP210x not at all, the host asks). Writes block until the host reads: the chip's flow
 * control toward the host, and a notification waits for the host to open the port. */

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "chip-emu.h"

enum {
        PACKET_MAX = 512,
        /* Room for a framed packet: FTDI adds 2 bytes a packet, CP210x doubles escape characters. */
        FRAMED_MAX = 2 * PACKET_MAX + 64,
        NOTIFY_MAX = 16,
        /* After an I/O error (the host disabled the function): a pause, not a busy loop. */
        RETRY_PAUSE_US = 10000,
};

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

static void *loopback(void *arg)
{
        EmuPort *p = arg;
        uint16_t out_mps = 0, in_mps = 0;
        int out_fd = port_fd(p, EP_BULK_OUT, &out_mps), in_fd = port_fd(p, EP_BULK_IN, &in_mps);
        uint8_t buf[PACKET_MAX], framed[FRAMED_MAX];

        for (;;) {
                /* One packet at a time: a larger read would wait for a short packet that a host
                 * writing whole packets never sends. */
                ssize_t n = read(out_fd, buf, out_mps);
                if (n < 0) {
                        if (errno != EINTR)
                                usleep(RETRY_PAUSE_US);
                        continue;
                }
                if (n == 0)
                        continue;
                size_t k = p->emu->ops->frame_in(p, buf, n, framed);
                write_in(in_fd, framed, k, in_mps);
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
                int r = pthread_create(&t, NULL, loopback, &e->ports[i]);
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
