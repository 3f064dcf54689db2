/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "macro.h"
#include "print-client.h"

enum {
        HEX = 16,
        NIBBLE_BITS = 4,
        MSEC_PER_SEC = 1000,
        USEC_PER_MSEC = 1000,
        /* How long a back-channel reader may block one write before its data is dropped. */
        BACKCHANNEL_WRITE_TIMEOUT_MSEC = 1000,
};

#define URI_PREFIX PRINTER_URI_SCHEME "://"

/* RFC 3986's unreserved characters stay as they are; everything else is %-escaped. */
static bool uri_unreserved(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
               c == '.' || c == '_' || c == '~';
}

static int uri_append(FILE *f, const char *s)
{
        static const char hex[] = "0123456789ABCDEF";

        for (; *s; s++) {
                unsigned char c = (unsigned char)*s;

                if (uri_unreserved((char)c))
                        fputc(c, f);
                else
                        fprintf(f, "%%%c%c", hex[c >> NIBBLE_BITS], hex[c & (HEX - 1)]);
        }
        return ferror(f) ? -ENOMEM : 0;
}

int printer_uri_format(const char *manufacturer, const char *model, const char *serial, char **ret)
{
        _cleanup_free_ char *buf = NULL;
        size_t size = 0;
        FILE *f;
        int r = 0;

        f = open_memstream(&buf, &size);
        if (!f)
                return -ENOMEM;
        fputs(URI_PREFIX, f);
        r = r ?: uri_append(f, manufacturer);
        fputc('/', f);
        r = r ?: uri_append(f, model);
        if (serial && *serial) {
                fputs("?serial=", f);
                r = r ?: uri_append(f, serial);
        }
        if (fclose(f) != 0 || r < 0)
                return -ENOMEM;
        *ret = TAKE_PTR(buf);
        return 0;
}

static int hex_value(char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

/* Decodes [s, s + n) into a new string. Returns 0, -EINVAL for a bad or NUL escape, -ENOMEM. */
static int uri_decode(const char *s, size_t n, char **ret)
{
        char *out = malloc(n + 1), *o = out;

        if (!out)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                int hi, lo;

                if (s[i] != '%') {
                        *o++ = s[i];
                        continue;
                }
                if (n - i < 3 || (hi = hex_value(s[i + 1])) < 0 || (lo = hex_value(s[i + 2])) < 0 ||
                    (hi == 0 && lo == 0)) {
                        free(out);
                        return -EINVAL;
                }
                *o++ = (char)(hi << NIBBLE_BITS | lo);
                i += 2;
        }
        *o = '\0';
        *ret = out;
        return 0;
}

int printer_uri_parse(const char *uri, PrinterUri *ret)
{
        _cleanup_(printer_uri_done) PrinterUri u = {};
        const char *host, *slash, *path_end, *query;
        int r;

        *ret = (PrinterUri){};
        if (!uri || strncasecmp(uri, URI_PREFIX, strlen(URI_PREFIX)) != 0)
                return -EINVAL;
        host = uri + strlen(URI_PREFIX);
        slash = strchr(host, '/');
        if (!slash || slash == host)
                return -EINVAL;
        query = strchr(slash, '?');
        path_end = query ? query : slash + strlen(slash);
        if (path_end == slash + 1)
                return -EINVAL;

        r = uri_decode(host, (size_t)(slash - host), &u.manufacturer);
        if (r < 0)
                return r;
        r = uri_decode(slash + 1, (size_t)(path_end - slash - 1), &u.model);
        if (r < 0)
                return r;

        for (const char *p = query ? query + 1 : NULL; p && *p;) {
                const char *amp = strchr(p, '&');
                size_t len = amp ? (size_t)(amp - p) : strlen(p);

                if (len > strlen("serial=") && strneq(p, "serial=", strlen("serial=")) && !u.serial) {
                        r = uri_decode(p + strlen("serial="), len - strlen("serial="), &u.serial);
                        if (r < 0)
                                return r;
                }
                p = amp ? amp + 1 : NULL;
        }

        *ret = u;
        u = (PrinterUri){};
        return 0;
}

void printer_uri_done(PrinterUri *u)
{
        free(u->manufacturer);
        free(u->model);
        free(u->serial);
        *u = (PrinterUri){};
}

static const char *nonempty(const char *s)
{
        return s && *s ? s : NULL;
}

int printer_identity_from_info(const JobInfo *info, PrinterIdentity *ret)
{
        PrinterIdentity ident = {};
        int r;

        r = device_id_parse(info->device_id, strlen(info->device_id), &ident.id);
        if (r == -ENOMEM)
                return r;
        /* A device ID that does not parse still leaves the USB identity to go by. */
        ident.manufacturer = nonempty(ident.id.manufacturer) ?: "Unknown";
        ident.model = nonempty(ident.id.model) ?: "Printer";
        ident.serial = nonempty(ident.id.serial) ?: nonempty(info->usb_serial) ?: info->instance;
        *ret = ident;
        return 0;
}

void printer_identity_done(PrinterIdentity *ident)
{
        device_id_done(&ident->id);
        *ident = (PrinterIdentity){};
}

bool printer_uri_matches(const PrinterUri *u, const PrinterIdentity *ident, const JobInfo *info)
{
        if (u->serial)
                return streq(u->serial, ident->serial) || streq(u->serial, info->instance);
        return strcasecmp(u->manufacturer, ident->manufacturer) == 0 &&
               strcasecmp(u->model, ident->model) == 0;
}

int printer_connect(const char *socket_path, unsigned timeout_msec)
{
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        struct timeval tv = {
            .tv_sec = timeout_msec / MSEC_PER_SEC,
            .tv_usec = (timeout_msec % MSEC_PER_SEC) * USEC_PER_MSEC,
        };
        _cleanup_close_ int fd = -EBADF;

        if (strlen(socket_path) >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        memcpy(sa.sun_path, socket_path, strlen(socket_path) + 1);

        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        /* For AF_UNIX, SO_SNDTIMEO also bounds the wait for a place in a full backlog. */
        if (timeout_msec > 0 && setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0)
                return -errno;
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
                return errno == EAGAIN ? -ETIMEDOUT : -errno;
        if (timeout_msec > 0) {
                /* Only connect() was to be bounded; a job's writes wait for the printer. */
                tv = (struct timeval){};
                (void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
        }
        return TAKE_FD(fd);
}

/* Writes all of buf, polling for at most timeout_msec per wait (0: for ever). Returns 0 or -errno. */
static int write_all(int fd, const void *buf, size_t n, bool socket, unsigned timeout_msec)
{
        const uint8_t *p = buf;

        while (n > 0) {
                ssize_t k = socket ? send(fd, p, n, MSG_NOSIGNAL) : write(fd, p, n);

                if (k < 0) {
                        struct pollfd pfd = {.fd = fd, .events = POLLOUT};
                        int r;

                        if (errno == EINTR)
                                continue;
                        if (errno != EAGAIN)
                                return -errno;
                        r = poll(&pfd, 1, timeout_msec > 0 ? (int)timeout_msec : -1);
                        if (r < 0 && errno != EINTR)
                                return -errno;
                        if (r == 0)
                                return -ETIMEDOUT;
                        continue;
                }
                p += k;
                n -= (size_t)k;
        }
        return 0;
}

/* Reads exactly n bytes, waiting at most timeout_msec in all. Returns 0, -ECONNRESET at EOF,
 * -ETIMEDOUT or -errno. */
static int read_all(int fd, void *buf, size_t n, unsigned timeout_msec)
{
        uint8_t *p = buf;

        while (n > 0) {
                struct pollfd pfd = {.fd = fd, .events = POLLIN};
                ssize_t k;
                int r;

                r = poll(&pfd, 1, (int)timeout_msec);
                if (r < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (r == 0)
                        return -ETIMEDOUT;
                k = read(fd, p, n);
                if (k < 0) {
                        if (errno == EINTR || errno == EAGAIN)
                                continue;
                        return -errno;
                }
                if (k == 0)
                        return -ECONNRESET;
                p += k;
                n -= (size_t)k;
        }
        return 0;
}

int printer_query(const char *socket_path, unsigned timeout_msec, JobInfo *ret)
{
        uint8_t query[JOB_FRAME_HEADER_SIZE + JOB_QUERY_SIZE];
        uint8_t header[JOB_FRAME_HEADER_SIZE];
        _cleanup_free_ uint8_t *payload = NULL;
        _cleanup_close_ int fd = -EBADF;
        JobFrameHeader h;
        ssize_t n;
        int r;

        fd = printer_connect(socket_path, timeout_msec);
        if (fd < 0)
                return fd;
        n = job_encode_query(query, sizeof(query));
        if (n < 0)
                return (int)n;
        r = write_all(fd, query, (size_t)n, true, timeout_msec);
        if (r < 0)
                return r;

        r = read_all(fd, header, sizeof(header), timeout_msec);
        if (r < 0)
                return r;
        r = job_frame_header_decode(header, sizeof(header), &h);
        if (r < 0 || h.type != JOB_FRAME_INFO)
                return -EBADMSG;
        payload = malloc(h.length);
        if (!payload)
                return -ENOMEM;
        r = read_all(fd, payload, h.length, timeout_msec);
        if (r < 0)
                return r;
        return job_decode_info(payload, h.length, ret);
}

int printer_discover(const char *pattern, unsigned timeout_msec, PrinterFoundFn found, void *userdata)
{
        _cleanup_free_ JobInfo *info = NULL;
        glob_t g = {};
        int r;

        r = glob(pattern, 0, NULL, &g);
        if (r == GLOB_NOMATCH)
                return 0;
        if (r != 0)
                return r == GLOB_NOSPACE ? -ENOMEM : -EIO;

        info = malloc(sizeof(*info));
        r = info ? 0 : -ENOMEM;
        for (size_t i = 0; r == 0 && i < g.gl_pathc; i++) {
                if (printer_query(g.gl_pathv[i], timeout_msec, info) < 0)
                        continue; /* a driver restarting, or a stale socket */
                r = found(g.gl_pathv[i], info, userdata);
        }
        globfree(&g);
        return r;
}

typedef struct FindContext {
        const PrinterUri *uri;
        char *path;
        JobInfo *info;
} FindContext;

static int find_one(const char *socket_path, const JobInfo *info, void *userdata)
{
        FindContext *f = userdata;
        PrinterIdentity ident;
        bool match;
        int r;

        r = printer_identity_from_info(info, &ident);
        if (r < 0)
                return r;
        match = printer_uri_matches(f->uri, &ident, info);
        printer_identity_done(&ident);
        if (!match)
                return 0;
        f->path = strdup(socket_path);
        if (!f->path)
                return -ENOMEM;
        *f->info = *info;
        return 1;
}

int printer_find(const char *pattern, const PrinterUri *u, unsigned timeout_msec, char **ret_path,
                 JobInfo *ret_info)
{
        FindContext f = {.uri = u, .info = ret_info};
        int r;

        r = printer_discover(pattern, timeout_msec, find_one, &f);
        if (r < 0)
                return r;
        if (r == 0)
                return -ENOENT;
        *ret_path = f.path;
        return 0;
}

/* Sends the back-channel bytes to the reader, or drops them when it does not keep up. */
static void backchannel_write(int *fd, const uint8_t *data, size_t n)
{
        if (*fd < 0)
                return;
        if (write_all(*fd, data, n, false, BACKCHANNEL_WRITE_TIMEOUT_MSEC) < 0)
                *fd = -EBADF; /* gone or stuck: not worth failing the job for */
}

/* What the driver said, from a reply frame. Returns 1 when the job is over, 0 to go on. */
static int handle_reply(const JobFrameHeader *h, const uint8_t *payload, int *backchannel_fd, JobResult *ret)
{
        switch (h->type) {
        case JOB_FRAME_BACKCHANNEL:
                backchannel_write(backchannel_fd, payload, h->length);
                return 0;
        case JOB_FRAME_DONE:
                if (job_decode_done(payload, h->length, &ret->bytes) < 0)
                        break;
                ret->done = true;
                return 1;
        case JOB_FRAME_ERROR:
                if (job_decode_error(payload, h->length, &ret->error, &ret->bytes, ret->reason,
                                     sizeof(ret->reason)) < 0)
                        break;
                return 1;
        default:
                break;
        }
        ret->error = JOB_ERROR_PROTOCOL;
        (void)snprintf(ret->reason, sizeof(ret->reason), "unexpected reply from the driver");
        return 1;
}

int printer_send_job(int fd, int input_fd, unsigned copies, uint64_t length, int backchannel_fd,
                     JobResult *ret)
{
        size_t frame_max = JOB_FRAME_HEADER_SIZE + JOB_FRAME_DATA_MAX;
        _cleanup_free_ uint8_t *out = malloc(frame_max), *in = malloc(frame_max);
        size_t out_len = 0, out_off = 0, in_len = 0;
        bool end_queued = false, sending = true;
        unsigned copies_left = copies > 0 ? copies : 1;
        ssize_t n;

        *ret = (JobResult){};
        if (!out || !in)
                return -ENOMEM;
        n = job_encode_request(out, frame_max, length);
        if (n < 0)
                return (int)n;
        out_len = (size_t)n;

        for (;;) {
                struct pollfd pfd[2] = {
                    {.fd = fd, .events = POLLIN | (sending && out_off < out_len ? POLLOUT : 0)},
                    {.fd = input_fd, .events = POLLIN},
                };
                bool want_input = sending && out_off == out_len && !end_queued;

                if (poll(pfd, want_input ? 2 : 1, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }

                /* Replies first: an ERROR makes sending pointless. */
                if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) {
                        n = read(fd, in + in_len, frame_max - in_len);
                        if (n < 0 && errno != EINTR && errno != EAGAIN && errno != ECONNRESET) {
                                (void)snprintf(ret->reason, sizeof(ret->reason),
                                               "connection to the driver failed: %s", strerror(errno));
                                return 0;
                        }
                        /* A driver that dies with our data unread resets the connection instead. */
                        if (n == 0 || (n < 0 && errno == ECONNRESET)) {
                                (void)snprintf(ret->reason, sizeof(ret->reason),
                                               "the driver closed the connection before the job was done");
                                return 0;
                        }
                        in_len += n > 0 ? (size_t)n : 0;
                        for (;;) {
                                JobFrameHeader h;
                                const uint8_t *payload;
                                ssize_t k = job_frame_parse(in, in_len, &h, &payload);

                                if (k < 0) {
                                        ret->error = JOB_ERROR_PROTOCOL;
                                        (void)snprintf(ret->reason, sizeof(ret->reason),
                                                       "malformed reply from the driver");
                                        return 0;
                                }
                                if (k == 0)
                                        break;
                                if (handle_reply(&h, payload, &backchannel_fd, ret) > 0)
                                        return 0;
                                memmove(in, in + k, in_len - (size_t)k);
                                in_len -= (size_t)k;
                        }
                }

                if (sending && out_off < out_len && (pfd[0].revents & POLLOUT)) {
                        n = send(fd, out + out_off, out_len - out_off, MSG_NOSIGNAL | MSG_DONTWAIT);
                        if (n < 0 && errno != EINTR && errno != EAGAIN)
                                /* The driver gave up on the job: its ERROR may still be readable. */
                                sending = false;
                        else if (n > 0)
                                out_off += (size_t)n;
                        continue;
                }

                if (want_input && (pfd[1].revents & (POLLIN | POLLHUP | POLLERR))) {
                        n = read(input_fd, out + JOB_FRAME_HEADER_SIZE, JOB_FRAME_DATA_MAX);
                        if (n < 0) {
                                if (errno == EINTR || errno == EAGAIN)
                                        continue;
                                return -errno;
                        }
                        if (n > 0) {
                                job_encode_data_header(out, JOB_FRAME_DATA, (uint32_t)n);
                                out_len = JOB_FRAME_HEADER_SIZE + (size_t)n;
                                out_off = 0;
                                continue;
                        }
                        if (--copies_left > 0) {
                                if (lseek(input_fd, 0, SEEK_SET) < 0)
                                        return -errno;
                                continue;
                        }
                        n = job_encode_end(out, frame_max);
                        if (n < 0)
                                return (int)n;
                        out_len = (size_t)n;
                        out_off = 0;
                        end_queued = true;
                }
        }
}

const char *job_result_reason(const JobResult *r)
{
        if (r->done)
                return "done";
        if (r->reason[0])
                return r->reason;
        return strna(job_error_to_string(r->error));
}
