/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>
#include <sys/socket.h>

#include "binding-control.h"
#include "fault-channel.h"
#include "log.h"

void binding_control_close(Binding *b)
{
        b->control_source = sd_event_source_disable_unref(b->control_source);
        b->control_fd = safe_close(b->control_fd);
        b->control_faults = 0;
}

/* "FAULTS=hang,stall": the faults the library takes; a name we do not know, or one a signal
 * delivers, is left out. */
static void read_announcement(Binding *b, char *faults)
{
        char *state = NULL;

        b->control_faults = 0;
        for (char *name = strtok_r(faults, FAULT_CHANNEL_SEPARATOR, &state); name;
             name = strtok_r(NULL, FAULT_CHANNEL_SEPARATOR, &state)) {
                int f = fault_from_string(name);

                if (f >= 0 && fault_signal((Fault)f) == -EOPNOTSUPP)
                        b->control_faults |= UINT32_C(1) << f;
        }
        log_debug("%s: the driver takes faults through its library (mask %#x).", b->unit,
                  (unsigned)b->control_faults);
}

static int on_control(sd_event_source *s _unused_, int fd, uint32_t revents _unused_, void *userdata)
{
        Binding *b = userdata;
        char buf[FAULT_CHANNEL_MESSAGE_MAX + 1];
        ssize_t n;

        n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return 0;
        if (n <= 0) {
                /* The driver process ended (or broke the channel): nothing to inject into. */
                binding_control_close(b);
                return 0;
        }
        buf[n] = '\0';
        if (strncmp(buf, FAULT_CHANNEL_KEY_FAULTS, strlen(FAULT_CHANNEL_KEY_FAULTS)) == 0)
                read_announcement(b, buf + strlen(FAULT_CHANNEL_KEY_FAULTS));
        /* Anything else a driver says is ignored: it cannot make drvhostd do anything. */
        return 0;
}

int binding_control_open(Binding *b)
{
        int pair[2], r;

        binding_control_close(b);
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, pair) < 0)
                return -errno;
        r = sd_event_add_io(b->context->event, &b->control_source, pair[0], EPOLLIN, on_control, b);
        if (r < 0) {
                safe_close(pair[0]);
                safe_close(pair[1]);
                return r;
        }
        (void)sd_event_source_set_description(b->control_source, "fault-channel");
        b->control_fd = pair[0];
        return pair[1];
}

int binding_control_inject(Binding *b, Fault f)
{
        char msg[FAULT_CHANNEL_MESSAGE_MAX];
        int len;

        if (!(b->control_faults & (UINT32_C(1) << f)))
                return -EOPNOTSUPP;
        if (b->control_fd < 0)
                return -ENOTCONN;
        len = snprintf(msg, sizeof(msg), "%s%s", FAULT_CHANNEL_KEY_FAULT, fault_to_string(f));
        if (len < 0 || (size_t)len >= sizeof(msg))
                return -E2BIG;
        if (send(b->control_fd, msg, (size_t)len, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
                return -errno;
        return 0;
}
