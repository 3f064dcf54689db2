/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "job-protocol.h"

enum {
        BYTE_BITS = 8,
        PORT_STATUS_TEXT_SIZE = sizeof("0xff"),
        HEX = 16,
};

static const char *const job_error_names[_JOB_ERROR_MAX] = {
    [JOB_ERROR_UNPLUGGED] = "unplugged",     [JOB_ERROR_IO] = "I/O error",
    [JOB_ERROR_TIMEOUT] = "timeout",         [JOB_ERROR_STOPPING] = "driver stopping",
    [JOB_ERROR_PROTOCOL] = "protocol error", [JOB_ERROR_LENGTH] = "length mismatch",
};

const char *job_error_to_string(JobError error)
{
        if (error <= 0 || error >= _JOB_ERROR_MAX)
                return NULL;
        return job_error_names[error];
}

static void put_u16(uint8_t *p, uint16_t v)
{
        p[0] = (uint8_t)(v >> BYTE_BITS);
        p[1] = (uint8_t)v;
}

static void put_u32(uint8_t *p, uint32_t v)
{
        for (int i = 3; i >= 0; i--, v >>= BYTE_BITS)
                p[i] = (uint8_t)v;
}

static void put_u64(uint8_t *p, uint64_t v)
{
        for (int i = 7; i >= 0; i--, v >>= BYTE_BITS)
                p[i] = (uint8_t)v;
}

static uint16_t get_u16(const uint8_t *p)
{
        return (uint16_t)(p[0] << BYTE_BITS | p[1]);
}

static uint32_t get_u32(const uint8_t *p)
{
        uint32_t v = 0;

        for (int i = 0; i < 4; i++)
                v = v << BYTE_BITS | p[i];
        return v;
}

static uint64_t get_u64(const uint8_t *p)
{
        uint64_t v = 0;

        for (int i = 0; i < 8; i++)
                v = v << BYTE_BITS | p[i];
        return v;
}

void job_frame_header_encode(JobFrameType type, uint32_t length, uint8_t *out)
{
        put_u16(out, (uint16_t)type);
        put_u16(out + 2, 0);
        put_u32(out + 4, length);
}

/* Whether a frame of this type may have this payload length. Exact sizes for the fixed payloads,
 * a range for the others: a peer cannot make us buffer more than a frame's worth. */
static bool length_valid(JobFrameType type, uint32_t length)
{
        switch (type) {
        case JOB_FRAME_QUERY:
                return length == JOB_QUERY_SIZE;
        case JOB_FRAME_JOB:
                return length == JOB_REQUEST_SIZE;
        case JOB_FRAME_DATA:
        case JOB_FRAME_BACKCHANNEL:
                return length >= 1 && length <= JOB_FRAME_DATA_MAX;
        case JOB_FRAME_END:
                return length == 0;
        case JOB_FRAME_INFO:
                return length >= 1 && length <= JOB_INFO_MAX;
        case JOB_FRAME_DONE:
                return length == JOB_DONE_SIZE;
        case JOB_FRAME_ERROR:
                return length >= JOB_ERROR_FIXED_SIZE && length <= JOB_ERROR_FIXED_SIZE + JOB_REASON_MAX;
        default:
                return false;
        }
}

int job_frame_header_decode(const uint8_t *buf, size_t n, JobFrameHeader *ret)
{
        JobFrameType type;
        uint32_t length;

        if (n < JOB_FRAME_HEADER_SIZE)
                return -EAGAIN;
        type = (JobFrameType)get_u16(buf);
        length = get_u32(buf + 4);
        if (get_u16(buf + 2) != 0 || !length_valid(type, length))
                return -EBADMSG;
        *ret = (JobFrameHeader){.type = type, .length = length};
        return 0;
}

ssize_t job_frame_parse(const uint8_t *buf, size_t n, JobFrameHeader *ret_header,
                        const uint8_t **ret_payload)
{
        JobFrameHeader h;
        int r;

        r = job_frame_header_decode(buf, n, &h);
        if (r == -EAGAIN)
                return 0;
        if (r < 0)
                return r;
        if (n - JOB_FRAME_HEADER_SIZE < h.length)
                return 0;
        *ret_header = h;
        *ret_payload = buf + JOB_FRAME_HEADER_SIZE;
        return (ssize_t)(JOB_FRAME_HEADER_SIZE + h.length);
}

/* Checks room for a frame with a payload of length bytes and writes its header. */
static ssize_t frame_begin(uint8_t *buf, size_t size, JobFrameType type, size_t length)
{
        if (size < JOB_FRAME_HEADER_SIZE || size - JOB_FRAME_HEADER_SIZE < length)
                return -ENOBUFS;
        job_frame_header_encode(type, (uint32_t)length, buf);
        return (ssize_t)(JOB_FRAME_HEADER_SIZE + length);
}

ssize_t job_encode_query(uint8_t *buf, size_t size)
{
        ssize_t n = frame_begin(buf, size, JOB_FRAME_QUERY, JOB_QUERY_SIZE);

        if (n > 0)
                put_u32(buf + JOB_FRAME_HEADER_SIZE, JOB_PROTOCOL_VERSION);
        return n;
}

ssize_t job_encode_request(uint8_t *buf, size_t size, uint64_t length)
{
        ssize_t n = frame_begin(buf, size, JOB_FRAME_JOB, JOB_REQUEST_SIZE);

        if (n > 0) {
                put_u32(buf + JOB_FRAME_HEADER_SIZE, JOB_PROTOCOL_VERSION);
                put_u32(buf + JOB_FRAME_HEADER_SIZE + 4, 0); /* flags: none defined */
                put_u64(buf + JOB_FRAME_HEADER_SIZE + 8, length);
        }
        return n;
}

ssize_t job_encode_end(uint8_t *buf, size_t size)
{
        return frame_begin(buf, size, JOB_FRAME_END, 0);
}

ssize_t job_encode_done(uint8_t *buf, size_t size, uint64_t bytes)
{
        ssize_t n = frame_begin(buf, size, JOB_FRAME_DONE, JOB_DONE_SIZE);

        if (n > 0)
                put_u64(buf + JOB_FRAME_HEADER_SIZE, bytes);
        return n;
}

/* Copies n bytes of text, replacing control characters: frames carry one line per value, and
 * the texts end up in logs and CUPS messages. */
static void copy_sanitized(char *dst, const char *src, size_t n)
{
        for (size_t i = 0; i < n; i++)
                dst[i] = (unsigned char)src[i] < ' ' || src[i] == 0x7f ? ' ' : src[i];
}

ssize_t job_encode_error(uint8_t *buf, size_t size, JobError error, uint64_t bytes, const char *reason)
{
        size_t reason_len = reason ? strnlen(reason, JOB_REASON_MAX) : 0;
        ssize_t n = frame_begin(buf, size, JOB_FRAME_ERROR, JOB_ERROR_FIXED_SIZE + reason_len);

        if (n > 0) {
                put_u32(buf + JOB_FRAME_HEADER_SIZE, (uint32_t)error);
                put_u64(buf + JOB_FRAME_HEADER_SIZE + 4, bytes);
                copy_sanitized((char *)buf + JOB_FRAME_HEADER_SIZE + JOB_ERROR_FIXED_SIZE, reason,
                               reason_len);
        }
        return n;
}

void job_encode_data_header(uint8_t *buf, JobFrameType type, uint32_t length)
{
        job_frame_header_encode(type, length, buf);
}

/* Appends "key=value\n" at *pos of buf (capacity size), sanitizing the value. Returns 0 or -EMSGSIZE. */
static int info_put(char *buf, size_t size, size_t *pos, const char *key, const char *value)
{
        size_t key_len = strlen(key), value_len = strlen(value);

        if (size - *pos < key_len + 1 + value_len + 1)
                return -EMSGSIZE;
        memcpy(buf + *pos, key, key_len);
        *pos += key_len;
        buf[(*pos)++] = '=';
        copy_sanitized(buf + *pos, value, value_len);
        *pos += value_len;
        buf[(*pos)++] = '\n';
        return 0;
}

ssize_t job_encode_info(uint8_t *buf, size_t size, const JobInfo *info)
{
        char text[JOB_INFO_MAX], port_status[PORT_STATUS_TEXT_SIZE] = "";
        size_t pos = 0;
        ssize_t n;
        int r = 0;

        if (info->port_status_known)
                (void)snprintf(port_status, sizeof(port_status), "0x%02x", info->port_status);

        r = r ?: info_put(text, sizeof(text), &pos, "DEVICE_ID", info->device_id);
        r = r ?: info_put(text, sizeof(text), &pos, "PORT_STATUS", port_status);
        r = r ?: info_put(text, sizeof(text), &pos, "STATUS", info->status);
        r = r ?: info_put(text, sizeof(text), &pos, "INSTANCE", info->instance);
        r = r ?: info_put(text, sizeof(text), &pos, "UNIT", info->unit);
        r = r ?: info_put(text, sizeof(text), &pos, "DEVICE", info->device);
        r = r ?: info_put(text, sizeof(text), &pos, "USB_ID", info->usb_id);
        r = r ?: info_put(text, sizeof(text), &pos, "USB_SERIAL", info->usb_serial);
        r = r ?: info_put(text, sizeof(text), &pos, "BIDIRECTIONAL", info->bidirectional ? "yes" : "no");
        r = r ?: info_put(text, sizeof(text), &pos, "BUSY", info->busy ? "yes" : "no");
        if (r < 0)
                return r;

        n = frame_begin(buf, size, JOB_FRAME_INFO, pos);
        if (n > 0)
                memcpy(buf + JOB_FRAME_HEADER_SIZE, text, pos);
        return n;
}

int job_decode_query(const uint8_t *payload, size_t length, uint32_t *ret_version)
{
        if (length != JOB_QUERY_SIZE)
                return -EBADMSG;
        *ret_version = get_u32(payload);
        return 0;
}

int job_decode_request(const uint8_t *payload, size_t length, uint32_t *ret_version, uint64_t *ret_length)
{
        if (length != JOB_REQUEST_SIZE || get_u32(payload + 4) != 0)
                return -EBADMSG;
        *ret_version = get_u32(payload);
        *ret_length = get_u64(payload + 8);
        return 0;
}

int job_decode_done(const uint8_t *payload, size_t length, uint64_t *ret_bytes)
{
        if (length != JOB_DONE_SIZE)
                return -EBADMSG;
        *ret_bytes = get_u64(payload);
        return 0;
}

int job_decode_error(const uint8_t *payload, size_t length, JobError *ret_error, uint64_t *ret_bytes,
                     char *reason, size_t reason_size)
{
        size_t text_len;

        if (length < JOB_ERROR_FIXED_SIZE || length > JOB_ERROR_FIXED_SIZE + JOB_REASON_MAX ||
            reason_size == 0)
                return -EBADMSG;
        *ret_error = (JobError)get_u32(payload);
        *ret_bytes = get_u64(payload + 4);
        text_len = length - JOB_ERROR_FIXED_SIZE;
        if (text_len > reason_size - 1)
                text_len = reason_size - 1;
        copy_sanitized(reason, (const char *)payload + JOB_ERROR_FIXED_SIZE, text_len);
        reason[text_len] = '\0';
        return 0;
}

/* Copies [value, value + len) into field (size bytes), NUL-terminated. Returns 0 or -EBADMSG. */
static int info_field(char *field, size_t size, const char *value, size_t len)
{
        if (len >= size)
                return -EBADMSG;
        copy_sanitized(field, value, len);
        field[len] = '\0';
        return 0;
}

static int info_bool(bool *field, const char *value, size_t len)
{
        if (len == 3 && memcmp(value, "yes", 3) == 0)
                *field = true;
        else if (len == 2 && memcmp(value, "no", 2) == 0)
                *field = false;
        else
                return -EBADMSG;
        return 0;
}

static int info_port_status(JobInfo *info, const char *value, size_t len)
{
        char text[PORT_STATUS_TEXT_SIZE];
        unsigned long v;
        char *end;

        if (len == 0) {
                info->port_status_known = false;
                return 0;
        }
        if (len != PORT_STATUS_TEXT_SIZE - 1 || value[0] != '0' || value[1] != 'x')
                return -EBADMSG;
        memcpy(text, value, len);
        text[len] = '\0';
        v = strtoul(text + 2, &end, HEX);
        if (*end != '\0' || end == text + 2)
                return -EBADMSG;
        info->port_status = (uint8_t)v;
        info->port_status_known = true;
        return 0;
}

/* One "KEY=value" line of [line, line + len). */
static int info_line(JobInfo *info, const char *line, size_t len)
{
        const char *eq = memchr(line, '=', len);
        const char *value;
        size_t key_len, value_len;

        if (!eq)
                return -EBADMSG;
        key_len = (size_t)(eq - line);
        value = eq + 1;
        value_len = len - key_len - 1;

#define KEY_IS(k) (key_len == strlen(k) && memcmp(line, k, key_len) == 0)
        if (KEY_IS("DEVICE_ID"))
                return info_field(info->device_id, sizeof(info->device_id), value, value_len);
        if (KEY_IS("PORT_STATUS"))
                return info_port_status(info, value, value_len);
        if (KEY_IS("STATUS"))
                return info_field(info->status, sizeof(info->status), value, value_len);
        if (KEY_IS("INSTANCE"))
                return info_field(info->instance, sizeof(info->instance), value, value_len);
        if (KEY_IS("UNIT"))
                return info_field(info->unit, sizeof(info->unit), value, value_len);
        if (KEY_IS("DEVICE"))
                return info_field(info->device, sizeof(info->device), value, value_len);
        if (KEY_IS("USB_ID"))
                return info_field(info->usb_id, sizeof(info->usb_id), value, value_len);
        if (KEY_IS("USB_SERIAL"))
                return info_field(info->usb_serial, sizeof(info->usb_serial), value, value_len);
        if (KEY_IS("BIDIRECTIONAL"))
                return info_bool(&info->bidirectional, value, value_len);
        if (KEY_IS("BUSY"))
                return info_bool(&info->busy, value, value_len);
#undef KEY_IS
        return 0; /* a key from a newer driver */
}

int job_decode_info(const uint8_t *payload, size_t length, JobInfo *ret)
{
        const char *p = (const char *)payload, *end = p + length;
        JobInfo info = {};
        int r;

        if (length == 0 || length > JOB_INFO_MAX || memchr(payload, '\0', length))
                return -EBADMSG;
        while (p < end) {
                const char *nl = memchr(p, '\n', (size_t)(end - p));

                if (!nl)
                        return -EBADMSG; /* every line ends with a newline */
                r = info_line(&info, p, (size_t)(nl - p));
                if (r < 0)
                        return r;
                p = nl + 1;
        }
        *ret = info;
        return 0;
}
