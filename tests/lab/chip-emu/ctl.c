/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The scenario's control channel: two FIFOs in the control directory. A command is one line
 * written to "ctl"; its answer, one line, is read from "ack" (the emulator opens "ack" once the
 * command is done, so the reader knows it took effect):
 *
 *     mark NAME                           a "MARK NAME" line in the request log
 *     msr PORT [cts=B] [dsr=B] [ri=B] [dcd=B]   set modem status inputs (B 0 or 1; others kept)
 *     state PORT                          "dtr=B rts=B break=B breaks=N rate=N line=8N1 latency=N
 *                                         msr=HEX" (breaks: how often the break went on)
 *     quit                                exit
 *
 * Answers: "ok", the state line, or "error: ...". One client at a time (the lab's scenarios). A
 * client that opens "ack" just as the emulator closes its end after the previous answer reads
 * nothing (end of file): it opens "ack" again. */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chip-emu.h"

enum {
        CMD_MAX = 512,
        ANSWER_MAX = 256,
};

static const struct {
        const char *name;
        unsigned bit;
} msr_names[] = {
        { "cts", EMU_MSR_CTS },
        { "dsr", EMU_MSR_DSR },
        { "ri", EMU_MSR_RI },
        { "dcd", EMU_MSR_DCD },
};

static int cmd_msr(Emu *e, char *args, char *answer)
{
        char *save = NULL, *tok = strtok_r(args, " ", &save);
        EmuPort *p = tok ? port_by_index(e, strtoul(tok, NULL, 10)) : NULL;
        unsigned msr;

        if (!p)
                return snprintf(answer, ANSWER_MAX, "error: no such port"), -EINVAL;
        pthread_mutex_lock(&p->lock);
        msr = p->msr;
        pthread_mutex_unlock(&p->lock);
        while ((tok = strtok_r(NULL, " ", &save))) {
                char *eq = strchr(tok, '=');
                size_t i;
                if (!eq)
                        return snprintf(answer, ANSWER_MAX, "error: %s is not NAME=0|1", tok), -EINVAL;
                *eq = '\0';
                for (i = 0; i < sizeof(msr_names) / sizeof(msr_names[0]); i++)
                        if (strcmp(tok, msr_names[i].name) == 0)
                                break;
                if (i == sizeof(msr_names) / sizeof(msr_names[0]))
                        return snprintf(answer, ANSWER_MAX, "error: no modem line %s", tok), -EINVAL;
                msr = eq[1] == '1' ? msr | msr_names[i].bit : msr & ~msr_names[i].bit;
        }
        port_set_msr(p, msr);
        snprintf(answer, ANSWER_MAX, "ok");
        return 0;
}

static int cmd_state(Emu *e, const char *args, char *answer)
{
        EmuPort *p = port_by_index(e, strtoul(args, NULL, 10));

        if (!p)
                return snprintf(answer, ANSWER_MAX, "error: no such port"), -EINVAL;
        /* Under the log lock too: no request is half handled. */
        pthread_mutex_lock(&e->log_lock);
        pthread_mutex_lock(&p->lock);
        snprintf(answer, ANSWER_MAX, "dtr=%d rts=%d break=%d breaks=%u rate=%u line=%s latency=%u msr=%x", p->dtr,
                 p->rts, p->brk, p->breaks, p->rate, p->line, p->latency, p->msr);
        pthread_mutex_unlock(&p->lock);
        pthread_mutex_unlock(&e->log_lock);
        return 0;
}

static void run(Emu *e, char *cmd, char *answer)
{
        char *args = strchr(cmd, ' ');

        if (args)
                *args++ = '\0';
        else
                args = cmd + strlen(cmd);
        if (strcmp(cmd, "mark") == 0 && *args) {
                pthread_mutex_lock(&e->log_lock);
                reqlog_mark(e, args);
                pthread_mutex_unlock(&e->log_lock);
                snprintf(answer, ANSWER_MAX, "ok");
        } else if (strcmp(cmd, "msr") == 0)
                (void) cmd_msr(e, args, answer);
        else if (strcmp(cmd, "state") == 0)
                (void) cmd_state(e, args, answer);
        else if (strcmp(cmd, "quit") == 0)
                snprintf(answer, ANSWER_MAX, "ok");
        else
                snprintf(answer, ANSWER_MAX, "error: unknown command %s", cmd);
}

static void answer_to(const char *path, const char *answer)
{
        int fd = open(path, O_WRONLY | O_CLOEXEC);

        if (fd < 0)
                return;
        (void) !write(fd, answer, strlen(answer));
        (void) !write(fd, "\n", 1);
        close(fd);
}

static void *ctl_thread(void *arg)
{
        Emu *e = arg;
        char path[EMU_PATH_MAX], ack[EMU_PATH_MAX], cmd[CMD_MAX], answer[ANSWER_MAX];
        FILE *f;

        snprintf(path, sizeof(path), "%s/ctl", e->ctl_dir);
        snprintf(ack, sizeof(ack), "%s/ack", e->ctl_dir);
        /* Read and write: the FIFO never reads as ended when a client closes it. */
        f = fopen(path, "r+e");
        if (!f)
                return NULL;
        while (fgets(cmd, sizeof(cmd), f)) {
                cmd[strcspn(cmd, "\n")] = '\0';
                if (!*cmd)
                        continue;
                run(e, cmd, answer);
                answer_to(ack, answer);
                if (strcmp(cmd, "quit") == 0)
                        exit(EXIT_SUCCESS);
        }
        return NULL;
}

int ctl_start(Emu *e)
{
        char path[EMU_PATH_MAX];
        pthread_t t;
        int r;

        for (const char *const *name = (const char *const[]){ "ctl", "ack", NULL }; *name; name++) {
                snprintf(path, sizeof(path), "%s/%s", e->ctl_dir, *name);
                (void) unlink(path);
                if (mkfifo(path, 0600) < 0)
                        return -errno;
        }
        r = pthread_create(&t, NULL, ctl_thread, e);
        if (r != 0)
                return -r;
        pthread_detach(t);
        return 0;
}
