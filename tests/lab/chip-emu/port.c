/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A port's state, shared by ep0 (which the host's requests change), the control channel (the
 * scenario's modem status) and the data thread that tells the host of modem status changes. */

#include <string.h>

#include "chip-emu.h"

enum {
        DEFAULT_RATE = 9600,
        FTDI_DEFAULT_LATENCY_MS = 16,
};

void port_init(Emu *e, unsigned index)
{
        EmuPort *p = &e->ports[index];

        memset(p, 0, sizeof(*p));
        p->emu = e;
        p->index = index;
        for (unsigned i = 0; i < EMU_EPS_PER_PORT_MAX; i++)
                p->ep_fd[i] = -1;
        pthread_mutex_init(&p->lock, NULL);
        pthread_cond_init(&p->changed, NULL);
        p->rate = DEFAULT_RATE;
        strcpy(p->line, "8N1");
        p->latency = FTDI_DEFAULT_LATENCY_MS;
        if (e->ops->init_port)
                e->ops->init_port(p);
}

EmuPort *port_by_index(Emu *e, unsigned index)
{
        return index < e->model->n_ports ? &e->ports[index] : NULL;
}

/* From the control channel: takes the port's lock itself, and wakes the port's notifier. */
void port_set_msr(EmuPort *p, unsigned msr)
{
        pthread_mutex_lock(&p->lock);
        if (p->msr != msr) {
                p->msr = msr;
                p->notify_pending = true;
                pthread_cond_broadcast(&p->changed);
        }
        pthread_mutex_unlock(&p->lock);
}

/* From the families' setup, under p->lock. dtr, rts: 1 on, 0 off, -1 unchanged. */
void port_set_lines(EmuPort *p, int dtr, int rts)
{
        if (dtr >= 0)
                p->dtr = dtr;
        if (rts >= 0)
                p->rts = rts;
}

void port_set_break(EmuPort *p, bool on)
{
        if (on && !p->brk)
                p->breaks++;
        p->brk = on;
}

/* The fd of the port's endpoint with that role, -1 when it has none. */
int port_fd(EmuPort *p, EpRole role, uint16_t *size)
{
        for (unsigned i = 0; i < EMU_EPS_PER_PORT_MAX; i++)
                if (p->emu->model->eps[i].role == role && p->ep_fd[i] >= 0) {
                        if (size)
                                *size = p->ep_size[i];
                        return p->ep_fd[i];
                }
        return -1;
}
