/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Writing where other drivers or root look: other drivers' runtime directories, the links of
 * /run/drvhost/tty, the rest of the file system; links that root might follow; IPC that other
 * drivers might share. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hostile.h"

#define PROBE_NAME "hostile-probe"
#define TTY_DIR "/run/drvhost/tty"
#define SHM_PROBE "/dev/shm/lab-hostile-probe"
#define MQUEUE_PROBE "/lab-hostile-probe"

enum { PROBE_MODE = 0644, MQUEUE_MODE = 0600 };

/* Outside its own runtime directory nothing should take a new file. */
static const char *const outside_paths[] = {
    "/run/" PROBE_NAME,
    "/run/drvhost/" PROBE_NAME,
    "/run/drvhost/driver/" PROBE_NAME,
    "/run/drvhost/printer/" PROBE_NAME,
    "/etc/" PROBE_NAME,
    "/var/lib/" PROBE_NAME,
    "/usr/local/" PROBE_NAME,
};

static int create_file(const char *path)
{
        static const char text[] = "hostile\n";
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, PROBE_MODE);

        if (fd < 0)
                return -errno;
        /* Created is what counts; the text only says who did it. */
        if (write(fd, text, strlen(text)) < 0)
                report_info("created %s but could not write to it: %s", path, errno_name(errno));
        close(fd);
        return 0;
}

/* Puts a symlink to target at path, replacing what is there (rename, as an attacker would). */
static int replace_with_link(const char *target, const char *path)
{
        char tmp[HOSTILE_PATH_MAX];
        const char *slash = strrchr(path, '/');

        if (!slash)
                return -EINVAL;
        (void)snprintf(tmp, sizeof(tmp), "%.*s/.hostile-link", (int)(slash - path), path);
        (void)unlink(tmp);
        if (symlink(target, tmp) < 0)
                return -errno;
        if (rename(tmp, path) < 0) {
                int r = -errno;

                (void)unlink(tmp);
                return r;
        }
        return 0;
}

/* Its own runtime directory's tty: today drvhostd's stable link points at it, so root writing to
 * /run/drvhost/tty/<our link> follows whatever we put there. */
void plant_own_tty_link(const Victims *v)
{
        const char *canary = victims_get(v, NULL, "CANARY");
        const char *rundir = getenv("RUNTIME_DIRECTORY");
        char path[HOSTILE_PATH_MAX];

        if (getenv("DRVHOST_TTY_FD"))
                report_info("drvhostd handed over a pty master on fd %s", getenv("DRVHOST_TTY_FD"));
        if (!canary || !rundir) {
                report_info("no %s: no link planted in a runtime directory",
                            canary ? "RUNTIME_DIRECTORY" : "CANARY");
                return;
        }
        /* Taken whole: the unit lists one directory, and its instance name may contain ':'. */
        (void)snprintf(path, sizeof(path), "%s/tty", rundir);
        (void)unlink(path);
        if (symlink(canary, path) < 0)
                report_info("could not plant %s -> %s: %s", path, canary, errno_name(errno));
        else
                report_info("planted %s -> %s", path, canary);
}

static void write_runtime_dir(const Victims *v, const char *victim)
{
        const char *dir = victims_get(v, victim, "RUNDIR");
        char path[HOSTILE_PATH_MAX], attempt[ATTEMPT_NAME_MAX];

        (void)snprintf(attempt, sizeof(attempt), "create a file in %s's runtime directory", victim);
        if (!dir) {
                report_denied_because(attempt, "the victim has no runtime directory");
                return;
        }
        (void)snprintf(path, sizeof(path), "%s/" PROBE_NAME, dir);
        report_result(attempt, create_file(path), path);
}

void attack_files(const Victims *v)
{
        const char *dir = victims_get(v, VICTIM_SERIAL, "RUNDIR");
        const char *link = victims_get(v, VICTIM_SERIAL, "LINK");
        const char *canary = victims_get(v, NULL, "CANARY");
        const char *victim_canary = victims_get(v, NULL, "CANARY_VICTIM");
        char path[HOSTILE_PATH_MAX], detail[DETAIL_MAX];

        write_runtime_dir(v, VICTIM_PRINTER);
        write_runtime_dir(v, VICTIM_SERIAL);

        /* Today's stable link of the serial port points into its runtime directory. */
        if (!dir || !victim_canary)
                report_denied_because("replace serial's tty link in its runtime directory",
                                      "the victim has no runtime directory");
        else {
                (void)snprintf(path, sizeof(path), "%s/tty", dir);
                (void)snprintf(detail, sizeof(detail), "%s -> %s", path, victim_canary);
                report_result("replace serial's tty link in its runtime directory",
                              replace_with_link(victim_canary, path), detail);
        }
        if (!link || !victim_canary)
                report_info("no SERIAL_LINK or CANARY_VICTIM in the victims file");
        else {
                (void)snprintf(detail, sizeof(detail), "%s -> %s", link, victim_canary);
                report_result("replace serial's link in " TTY_DIR, replace_with_link(victim_canary, link),
                              detail);
        }
        if (canary) {
                (void)snprintf(path, sizeof(path), TTY_DIR "/usb-hostile-planted");
                (void)unlink(path);
                report_result("plant a new link in " TTY_DIR, symlink(canary, path) < 0 ? -errno : 0, path);
        }

        for (size_t i = 0; i < sizeof(outside_paths) / sizeof(outside_paths[0]); i++) {
                char attempt[ATTEMPT_NAME_MAX];
                int r = create_file(outside_paths[i]);

                (void)snprintf(attempt, sizeof(attempt), "create %s", outside_paths[i]);
                report_result(attempt, r, outside_paths[i]);
                if (r >= 0)
                        (void)unlink(outside_paths[i]);
        }
}

/* Files that a driver which shares our /dev/shm or IPC namespace would see; the scenario looks for
 * them from the victims' namespaces (nsenter). */
void plant_ipc_probes(void)
{
        struct mq_attr attr = {.mq_maxmsg = 1, .mq_msgsize = 1};
        int r = create_file(SHM_PROBE);
        mqd_t q;

        report_info("%s %s", r >= 0 ? "created" : "could not create", SHM_PROBE);
        q = mq_open(MQUEUE_PROBE, O_CREAT | O_RDWR | O_CLOEXEC, MQUEUE_MODE, &attr);
        if (q == (mqd_t)-1)
                report_info("could not create the message queue %s: %s", MQUEUE_PROBE, errno_name(errno));
        else {
                report_info("created the message queue %s", MQUEUE_PROBE);
                mq_close(q);
        }
}
