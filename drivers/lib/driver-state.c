/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A driver's own state, kept across crashes in systemd's fd store: a memfd the unit's fd store
 * holds while systemd restarts the driver, and hands back in LISTEN_FDS. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "driver-internal.h"
#include "macro.h"

#define STATE_FDNAME "drvhost-state"

/* Finds our memfd among the fds systemd passed (LISTEN_FDS, named by FDNAME=). */
static int state_from_fd_store(void)
{
        char **names = NULL;
        int n, fd = -ENOENT;

        n = sd_listen_fds_with_names(false, &names);
        for (int i = 0; i < n; i++) {
                if (fd < 0 && names && names[i] && streq(names[i], STATE_FDNAME))
                        fd = SD_LISTEN_FDS_START + i;
                free(names ? names[i] : NULL);
        }
        free(names);
        return fd;
}

int drvhost_driver_state_open(DrvhostDriver *d, size_t size, void **ret_mem, bool *ret_recovered)
{
        _cleanup_close_ int fd = -EBADF;
        struct stat st;
        bool recovered;
        void *mem;
        int r;

        if (!d || size == 0 || !ret_mem || d->state_mem)
                return -EINVAL;

        fd = state_from_fd_store();
        recovered = fd >= 0;
        if (recovered) {
                /* Size from the store, not the caller: a new build may ask for more. */
                if (fstat(fd, &st) < 0)
                        return -errno;
                if ((size_t)st.st_size < size && ftruncate(fd, (off_t)size) < 0)
                        return -errno;
        } else {
                fd = memfd_create(STATE_FDNAME, MFD_CLOEXEC);
                if (fd < 0)
                        return -errno;
                if (ftruncate(fd, (off_t)size) < 0)
                        return -errno;
                /* Without a fd store (FileDescriptorStoreMax=0, or not under systemd) the state
                 * simply does not survive: not an error. */
                r = sd_pid_notify_with_fds(0, false, "FDSTORE=1\nFDNAME=" STATE_FDNAME, &fd, 1);
                (void)r;
        }

        mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (mem == MAP_FAILED)
                return -errno;
        d->state_mem = mem;
        d->state_size = size;
        *ret_mem = mem;
        if (ret_recovered)
                *ret_recovered = recovered;
        return 0;
}

void driver_state_done(DrvhostDriver *d)
{
        if (d->state_mem)
                (void)munmap(d->state_mem, d->state_size);
        d->state_mem = NULL;
}
