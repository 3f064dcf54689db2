/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The hostile driver (see hostile.h): phase 1 at once (every attack that neither stops nor kills a
 * victim, then serving on job sockets as the victim printer), phase 2 (SIGSTOP, SIGSEGV, SIGTERM)
 * when the scenario has checked the victims' data and creates its phase-2 file.
 *
 * Usage: hostile-driver [VICTIMS-FILE]   (in a lab manifest's Exec=; not for real systems) */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "hostile.h"

int main(int argc, char *argv[])
{
        const char *path = argc > 1 ? argv[1] : VICTIMS_FILE_DEFAULT;
        static Victims victims;
        JobServer *s;
        int r;

        (void)signal(SIGPIPE, SIG_IGN);
        setvbuf(stdout, NULL, _IOLBF, 0);

        r = victims_load(&victims, path);
        if (r < 0)
                report_info("cannot read the victims file %s: %s", path, errno_name(-r));
        /* Type=notify: ready at once, so that the unit is active while it attacks. */
        notify("READY=1\nSTATUS=hostile: attacking its neighbours");
        report_info("phase 1: pid %d, uid %d, device fd %s, runtime directory %s", (int)getpid(),
                    (int)getuid(), getenv("DRVHOST_DEVICE_FD") ?: "-", getenv("RUNTIME_DIRECTORY") ?: "-");

        plant_own_tty_link(&victims);
        attack_processes(&victims);
        attack_files(&victims);
        attack_devices(&victims);
        attack_network();
        attack_broker();
        plant_ipc_probes();

        s = job_server_new(&victims);
        attack_job_socket(s);
        job_server_listen_own(s);
        report_info("phase 1 done");

        job_server_run(s);
        return EXIT_SUCCESS;
}
