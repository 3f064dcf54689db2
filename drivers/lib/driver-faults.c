/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The faults drvhostd injects through the fault channel (service/shared/fault-channel.h), for the
 * failures no signal expresses. Each makes the driver fail the way a real one does, so that what
 * catches it is what would catch the real failure:
 *   hang   the loop stops: no watchdog ping follows, and systemd's watchdog ends the process;
 *   stall  transfers stop completing (libusb's events are left unhandled, and one stuck transfer is
 *          counted): the I/O-progress watchdog withholds the pings;
 *   oom    memory is allocated and touched until the unit's MemoryMax= ends the process;
 *   slow   every handling of libusb's events waits FAULT_SLOW_USEC first, for the rest of the
 *          process's life: the driver serves, late. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>
#include <unistd.h>

#include "driver-internal.h"
#include "fault-channel.h"
#include "fault.h"
#include "macro.h"

#define FAULT_SLOW_USEC (UINT64_C(50) * 1000)
enum { FAULT_OOM_CHUNK = 1 << 20 };

static const Fault library_faults[] = {FAULT_HANG, FAULT_STALL, FAULT_OOM, FAULT_SLOW};

static _noreturn_ void fault_hang(void)
{
        for (;;)
                (void)pause();
}

static void fault_stall(DrvhostDriver *d)
{
        driver_usb_detach(d);
        d->fault_stalled = true;
        (void)watchdog_io_begin(&d->watchdog);
}

static _noreturn_ void fault_oom(void)
{
        long page = sysconf(_SC_PAGESIZE);

        for (;;) {
                /* Leaked on purpose, and every page touched so that it is charged to the unit. */
                volatile char *p = malloc(FAULT_OOM_CHUNK);

                if (!p)
                        abort(); /* out of address space before MemoryMax=: an end all the same */
                for (size_t i = 0; i < FAULT_OOM_CHUNK; i += (size_t)page)
                        p[i] = 1;
        }
}

static void fault_apply(DrvhostDriver *d, Fault f)
{
        (void)drvhost_driver_log(d, LOG_WARNING, "Injected fault: %s.", fault_to_string(f));
        switch (f) {
        case FAULT_HANG:
                fault_hang();
        case FAULT_STALL:
                return fault_stall(d);
        case FAULT_OOM:
                fault_oom();
        case FAULT_SLOW:
                d->fault_slow_usec = FAULT_SLOW_USEC;
                return;
        default:
                return;
        }
}

static bool library_fault(int f)
{
        for (size_t i = 0; i < ELEMENTSOF(library_faults); i++)
                if ((int)library_faults[i] == f)
                        return true;
        return false;
}

static int on_control(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        DrvhostDriver *d = userdata;
        char buf[FAULT_CHANNEL_MESSAGE_MAX + 1];
        size_t key = strlen(FAULT_CHANNEL_KEY_FAULT);
        ssize_t n;
        int f;

        n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return 0;
        if (n <= 0) {
                /* drvhostd went away: the channel is gone, the driver serves on. */
                d->control_source = sd_event_source_disable_unref(d->control_source);
                return 0;
        }
        buf[n] = '\0';
        f = strncmp(buf, FAULT_CHANNEL_KEY_FAULT, key) == 0 ? fault_from_string(buf + key) : -EINVAL;
        if (!library_fault(f)) {
                (void)drvhost_driver_log(d, LOG_NOTICE,
                                         "Ignoring a fault request the library does not know.");
                return 0;
        }
        fault_apply(d, (Fault)f);
        return 0;
}

static int announce(int fd)
{
        char msg[FAULT_CHANNEL_MESSAGE_MAX];
        size_t n = (size_t)snprintf(msg, sizeof(msg), "%s", FAULT_CHANNEL_KEY_FAULTS);

        for (size_t i = 0; i < ELEMENTSOF(library_faults) && n < sizeof(msg); i++)
                n += (size_t)snprintf(msg + n, sizeof(msg) - n, "%s%s", i ? FAULT_CHANNEL_SEPARATOR : "",
                                      fault_to_string(library_faults[i]));
        if (n >= sizeof(msg))
                return -E2BIG;
        if (send(fd, msg, n, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
                return -errno;
        return 0;
}

int driver_faults_attach(DrvhostDriver *d)
{
        int r;

        if (d->env.control_fd < 0 || d->control_source || d->faults_announced)
                return 0;
        r = sd_event_add_io(d->event, &d->control_source, d->env.control_fd, EPOLLIN, on_control, d);
        if (r < 0)
                return r;
        (void)sd_event_source_set_description(d->control_source, "fault-channel");
        d->faults_announced = true;
        /* A channel drvhostd no longer reads costs nothing but the faults: not a reason to fail. */
        r = announce(d->env.control_fd);
        if (r < 0)
                (void)drvhost_driver_log(d, LOG_NOTICE, "Failed to announce the injectable faults: %s",
                                         strerror(-r));
        return 0;
}
