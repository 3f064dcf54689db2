/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* chip-emu: a USB-serial chip on the gadget side of the lab, for the kernel's drivers (ftdi_sio,
 * cp210x, ch341, pl2303) as the oracle and drvhost's drivers as the subject (issue 13).
 *
 *     chip-emu --list                  the models
 *     chip-emu --describe MODEL        shell assignments for the gadget's configfs (IDs, speed ...)
 *     chip-emu MODEL FFS_DIR CTL_DIR LOG
 *
 * FFS_DIR is a mounted FunctionFS instance whose gadget the caller binds once CTL_DIR/ready exists
 * (the descriptors are written then). The function has one interface per port. Every control
 * request the host sends goes to LOG (reqlog.c gives the format); CTL_DIR gets the FIFOs of the
 * control channel (ctl.c: marks, modem status, state queries). Each port loops back what the host
 * writes. Runs until killed, "quit", or FunctionFS goes away. Lab test code, not shipped. */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chip-emu.h"

static const FamilyOps *const family_ops[FAMILY_COUNT] = {
        [FAMILY_FTDI] = &family_ftdi_ops,
        [FAMILY_CP210X] = &family_cp210x_ops,
        [FAMILY_CH341] = &family_ch341_ops,
        [FAMILY_PL2303] = &family_pl2303_ops,
};

static int fail(const char *what, int r)
{
        fprintf(stderr, "chip-emu: %s: %s\n", what, strerror(-r));
        return EXIT_FAILURE;
}

static int usage(void)
{
        fprintf(stderr, "usage: chip-emu --list | --describe MODEL | MODEL FFS_DIR CTL_DIR LOG\n");
        return 2;
}

int main(int argc, char **argv)
{
        static Emu emu; /* large (the ports' register blocks): not on the stack */
        const ChipModel *m;
        char ready[EMU_PATH_MAX];
        int r, fd;

        if (argc == 2 && strcmp(argv[1], "--list") == 0) {
                chip_models_list();
                return EXIT_SUCCESS;
        }
        if (argc == 3 && strcmp(argv[1], "--describe") == 0) {
                m = chip_model_find(argv[2]);
                if (!m)
                        return fail(argv[2], -ENOENT);
                chip_model_describe(m);
                return EXIT_SUCCESS;
        }
        if (argc != 5)
                return usage();
        m = chip_model_find(argv[1]);
        if (!m)
                return fail(argv[1], -ENOENT);

        emu.model = m;
        emu.ops = family_ops[m->family];
        emu.ep0 = -1;
        pthread_mutex_init(&emu.log_lock, NULL);
        if (strlen(argv[3]) >= sizeof(emu.ctl_dir))
                return fail(argv[3], -ENAMETOOLONG);
        snprintf(emu.ctl_dir, sizeof(emu.ctl_dir), "%s", argv[3]);
        emu.log_fd = open(argv[4], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (emu.log_fd < 0)
                return fail(argv[4], -errno);
        for (unsigned i = 0; i < m->n_ports; i++)
                port_init(&emu, i);

        r = descriptors_write(&emu, argv[2]);
        if (r < 0)
                return fail("writing the descriptors", r);
        r = endpoints_open(&emu, argv[2]);
        if (r < 0)
                return fail("opening the endpoints", r);
        r = ctl_start(&emu);
        if (r < 0)
                return fail("the control channel", r);
        r = data_start(&emu);
        if (r < 0)
                return fail("the data threads", r);

        snprintf(ready, sizeof(ready), "%s/ready", emu.ctl_dir);
        fd = open(ready, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0)
                return fail(ready, -errno);
        close(fd);

        r = ep0_loop(&emu);
        return fail("ep0", r);
}
