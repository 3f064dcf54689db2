/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The request log: one line per control request the host sent, in a fixed format that two runs can
 * diff:
 *
 *     bmRequestType bRequest wValue wIndex wLength [DATA]
 *
 * all hex ("40 01 0404 0000 0000", "21 20 0000 0000 0007 00c2010000000008"), DATA only for OUT
 * requests that carry some. Other lines: "MARK name" (the scenario's, appended by chips.sh) and
 * "# ..." notes (plug events), which comparisons skip.
 *
 * The caller holds e->log_lock (ep0.c across a whole request, ctl.c for a mark): a request whose
 * status stage the host has seen is in the log before any mark the scenario sets after it. */

#include <endian.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "chip-emu.h"

enum {
        LINE_MAX_LEN = 64 + 2 * EMU_CTRL_MAX,
};

static void log_line(Emu *e, const char *line)
{
        if (e->log_fd >= 0)
                (void) !write(e->log_fd, line, strlen(line));
}

void reqlog_request(Emu *e, const struct usb_ctrlrequest *req, const uint8_t *data, size_t len)
{
        char line[LINE_MAX_LEN];
        int n;

        n = snprintf(line, sizeof(line), "%02x %02x %04x %04x %04x", req->bRequestType, req->bRequest,
                     le16toh(req->wValue), le16toh(req->wIndex), le16toh(req->wLength));
        if (!(req->bRequestType & USB_DIR_IN) && len > 0) {
                line[n++] = ' ';
                for (size_t i = 0; i < len && n + 3 < (int) sizeof(line); i++)
                        n += snprintf(line + n, sizeof(line) - n, "%02x", data[i]);
        }
        snprintf(line + n, sizeof(line) - n, "\n");
        log_line(e, line);
}

void reqlog_note(Emu *e, const char *what)
{
        char line[LINE_MAX_LEN];

        snprintf(line, sizeof(line), "# %s\n", what);
        log_line(e, line);
}

void reqlog_mark(Emu *e, const char *name)
{
        char line[LINE_MAX_LEN];

        snprintf(line, sizeof(line), "MARK %s\n", name);
        log_line(e, line);
}
