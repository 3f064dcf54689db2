/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ep0: FunctionFS's events, and the control requests among them. An OUT request's data is read
 * (which completes it for the host) before the family sees it, so the family cannot stall an OUT
 * request that carries data: none of the chips' drivers sends one that the chip refuses. */

#include <endian.h>
#include <errno.h>
#include <linux/usb/functionfs.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "chip-emu.h"

static const char *const event_names[] = {
        [FUNCTIONFS_BIND] = "bind",       [FUNCTIONFS_UNBIND] = "unbind",   [FUNCTIONFS_ENABLE] = "enable",
        [FUNCTIONFS_DISABLE] = "disable", [FUNCTIONFS_SETUP] = "setup",     [FUNCTIONFS_SUSPEND] = "suspend",
        [FUNCTIONFS_RESUME] = "resume",
};

/* FunctionFS stalls the request when ep0 is used in the direction opposite to its data stage. */
static void stall(Emu *e, bool in)
{
        if (in)
                (void) !read(e->ep0, NULL, 0);
        else
                (void) !write(e->ep0, NULL, 0);
}

static void handle_setup(Emu *e, const struct usb_ctrlrequest *req)
{
        uint8_t data[EMU_CTRL_MAX] = {}, reply[EMU_CTRL_MAX] = {};
        size_t w_length = le16toh(req->wLength), reply_len = 0;
        bool in = req->bRequestType & USB_DIR_IN;
        ssize_t n;
        int r;

        if (w_length > sizeof(data)) {
                reqlog_request(e, req, NULL, 0);
                stall(e, in);
                return;
        }
        if (in) {
                reqlog_request(e, req, NULL, 0);
                r = e->ops->setup(e, req, NULL, reply, &reply_len);
                if (r < 0) {
                        stall(e, in);
                        return;
                }
                if (reply_len > w_length)
                        reply_len = w_length;
                (void) !write(e->ep0, reply, reply_len);
                return;
        }
        if (w_length == 0) {
                reqlog_request(e, req, NULL, 0);
                r = e->ops->setup(e, req, NULL, NULL, &reply_len);
                if (r < 0)
                        stall(e, in);
                else
                        (void) !read(e->ep0, NULL, 0);
                return;
        }
        n = read(e->ep0, data, w_length);
        reqlog_request(e, req, data, n > 0 ? (size_t) n : 0);
        if (n == (ssize_t) w_length)
                (void) e->ops->setup(e, req, data, NULL, &reply_len);
}

int ep0_loop(Emu *e)
{
        struct usb_functionfs_event ev;
        char note[64];

        for (;;) {
                ssize_t n = read(e->ep0, &ev, sizeof(ev));
                /* EIDRM: FunctionFS cancelled a control request because another event came before
                 * it saw the request's end (in 6.1 that can be the host's next request, racing
                 * the completion of this one); it reports that once, and the events are still
                 * there to read. */
                if (n < 0 && (errno == EINTR || errno == EIDRM))
                        continue;
                if (n < 0)
                        return -errno;
                if (n != sizeof(ev))
                        continue;
                pthread_mutex_lock(&e->log_lock);
                if (ev.type == FUNCTIONFS_SETUP)
                        handle_setup(e, &ev.u.setup);
                else if (ev.type < sizeof(event_names) / sizeof(event_names[0]) && event_names[ev.type]) {
                        snprintf(note, sizeof(note), "%s", event_names[ev.type]);
                        reqlog_note(e, note);
                }
                pthread_mutex_unlock(&e->log_lock);
        }
}
