/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "bus-names.h"
#include "coredump-journal.h"
#include "crash-info.h"
#include "macro.h"
#include "time-util.h"

/* Enough to see where it died; `coredumpctl info PID` has the rest. */
enum { CRASH_FRAMES_MAX = 5, TIME_TEXT_MAX = 64 };

void crash_info_done(CrashInfo *c)
{
        free(c->result);
        strv_free(c->frames);
        *c = (CrashInfo){};
}

int crash_info_get(sd_bus *bus, const char *device, const char *unit, CrashInfo *ret)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        CrashInfo c = {};
        const char *result;
        int r;

        r = sd_bus_call_method(bus, DRVHOST_BUS_NAME, DRVHOST_BUS_PATH, DRVHOST_BUS_INTERFACE,
                               "GetLastCrash", NULL, &reply, "s", device);
        if (r >= 0)
                r = sd_bus_message_read(reply, DRVHOST_BUS_CRASH_TYPE, &c.realtime_usec, &c.code, &c.status,
                                        &c.pid, &result);
        if (r < 0)
                return r;
        c.result = strdup(result);
        if (!c.result)
                return -ENOMEM;
        if (c.code == CLD_DUMPED) {
                r = coredump_journal_frames(c.pid, unit, CRASH_FRAMES_MAX, &c.frames);
                if (r < 0) {
                        crash_info_done(&c);
                        return r;
                }
        }
        *ret = c;
        return 0;
}

int crash_info_describe(const CrashInfo *c, char **ret)
{
        char when[TIME_TEXT_MAX] = "?", how[TIME_TEXT_MAX];
        time_t t = (time_t)(c->realtime_usec / USEC_PER_SEC);
        struct tm tm;

        if (localtime_r(&t, &tm))
                (void)strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S %Z", &tm);
        if (c->code == CLD_KILLED || c->code == CLD_DUMPED)
                (void)snprintf(how, sizeof(how), "SIG%s%s", sigabbrev_np(c->status) ?: "?",
                               c->code == CLD_DUMPED ? ", core dumped" : "");
        else if (c->code == CLD_EXITED)
                (void)snprintf(how, sizeof(how), "exit status %d", c->status);
        else
                (void)snprintf(how, sizeof(how), "ended, how unseen");
        if (c->pid > 0 ? asprintf(ret, "%s, at %s (pid %u, result %s)", how, when, c->pid, c->result) < 0
                       : asprintf(ret, "%s, at %s", how, when) < 0)
                return -ENOMEM;
        return 0;
}
