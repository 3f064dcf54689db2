/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The job protocol spoken on the printer driver's socket (drvhostd's /run/drvhost/printer/<interface>,
 * or $RUNTIME_DIRECTORY/printer.sock for a driver run without one; a SOCK_STREAM Unix socket).
 * Everything is a frame:
 *
 *     offset 0  u16  type (big-endian)
 *            2  u16  reserved, 0
 *            4  u32  payload length (big-endian), at most JOB_FRAME_DATA_MAX
 *            8  payload
 *
 * On a connection the client sends any number of
 *   QUERY (u32 version)                 → the driver answers INFO, one at a time,
 * then optionally one
 *   JOB (u32 version, u32 flags 0, u64 length or JOB_LENGTH_UNKNOWN), DATA..., END
 *                                       → the driver answers DONE (u64 bytes written) or ERROR
 *                                         (u32 code, u64 bytes written, reason text) and closes;
 *                                         BACKCHANNEL frames (what the printer sent back) may
 *                                         come at any time before that.
 * So a client prints on the connection whose INFO it checked. The JOB must come within the driver's
 * request timeout of connecting. END is required even when the length was announced; the bytes
 * received must then match it. The driver serves one job at a time and reads a queued job's frames
 * only once its turn comes. A connection closed before DONE means the job failed: the driver died or
 * was stopped.
 *
 * Pure code, no I/O: encoders write into caller buffers, decoders check every length. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "device-id.h"

#define JOB_PROTOCOL_VERSION UINT32_C(1)
#define JOB_LENGTH_UNKNOWN UINT64_MAX
#define JOB_SOCKET_NAME "printer.sock"

enum {
        JOB_FRAME_HEADER_SIZE = 8,
        /* Largest DATA and BACKCHANNEL payload: one bulk transfer's worth. */
        JOB_FRAME_DATA_MAX = 64 * 1024,
        /* Largest INFO payload: the device ID and a few identity lines. */
        JOB_INFO_MAX = 8 * 1024,
        /* Longest ERROR reason text. */
        JOB_REASON_MAX = 256,
        JOB_QUERY_SIZE = 4,
        JOB_REQUEST_SIZE = 16,
        JOB_DONE_SIZE = 8,
        JOB_ERROR_FIXED_SIZE = 12,
        /* Enough for any frame but DATA, BACKCHANNEL and INFO. */
        JOB_CONTROL_FRAME_MAX = JOB_FRAME_HEADER_SIZE + JOB_ERROR_FIXED_SIZE + JOB_REASON_MAX,
};

typedef enum JobFrameType {
        /* client → driver */
        JOB_FRAME_QUERY = 0x01,
        JOB_FRAME_JOB = 0x02,
        JOB_FRAME_DATA = 0x03,
        JOB_FRAME_END = 0x04,
        /* driver → client */
        JOB_FRAME_INFO = 0x81,
        JOB_FRAME_BACKCHANNEL = 0x82,
        JOB_FRAME_DONE = 0x83,
        JOB_FRAME_ERROR = 0x84,
} JobFrameType;

typedef enum JobError {
        JOB_ERROR_UNPLUGGED = 1, /* the printer went away mid-job */
        JOB_ERROR_IO,            /* a transfer failed */
        JOB_ERROR_TIMEOUT,       /* the printer took no data for too long */
        JOB_ERROR_STOPPING,      /* the driver is stopping (SIGTERM) */
        JOB_ERROR_PROTOCOL,      /* the client broke this protocol */
        JOB_ERROR_LENGTH,        /* END came after more or fewer bytes than announced */
        _JOB_ERROR_MAX,
} JobError;

typedef struct JobFrameHeader {
        JobFrameType type;
        uint32_t length;
} JobFrameHeader;

/* What QUERY returns. Strings are NUL-terminated, free of control characters, possibly empty. */
typedef struct JobInfo {
        char device_id[DEVICE_ID_MAX + 1]; /* the IEEE 1284 device ID as read */
        bool port_status_known;            /* GET_PORT_STATUS answered */
        uint8_t port_status;               /* its byte (printer-class.h) */
        char status[64];                   /* "ready", "paper empty", "offline", "error", "unknown" */
        char instance[256];                /* <driver>_<interface>, e.g. usb-printer_1-1_1_0 */
        char unit[256];                    /* drvhost-driver@<instance>.service */
        char device[512];                  /* sysfs path of the USB interface */
        char usb_id[10];                   /* "1d6b:0104" */
        char usb_serial[128];              /* the USB serial number string, if any */
        bool bidirectional;                /* interface protocol 2: BACKCHANNEL frames possible */
        bool busy;                         /* a job is printing */
} JobInfo;

/* "unplugged", "I/O error", "timeout", "driver stopping", "protocol error", "length mismatch", or
 * NULL for an unknown code. */
const char *job_error_to_string(JobError error);

/* Writes a frame header for type and payload length into out (JOB_FRAME_HEADER_SIZE bytes). */
void job_frame_header_encode(JobFrameType type, uint32_t length, uint8_t *out);

/* Decodes the header at buf (n bytes available). Returns 0, -EAGAIN when n < JOB_FRAME_HEADER_SIZE,
 * or -EBADMSG for an unknown type, reserved bits set, or a length this type cannot have. */
int job_frame_header_decode(const uint8_t *buf, size_t n, JobFrameHeader *ret);

/* Finds the frame at the start of buf (n bytes). Returns its whole size (header and payload) with
 * *ret_header and *ret_payload set, 0 when more bytes are needed, or -EBADMSG. */
ssize_t job_frame_parse(const uint8_t *buf, size_t n, JobFrameHeader *ret_header,
                        const uint8_t **ret_payload);

/* Encoders: write a whole frame into buf (size bytes) and return its size, or -ENOBUFS. */
ssize_t job_encode_query(uint8_t *buf, size_t size);
ssize_t job_encode_request(uint8_t *buf, size_t size, uint64_t length);
ssize_t job_encode_end(uint8_t *buf, size_t size);
ssize_t job_encode_done(uint8_t *buf, size_t size, uint64_t bytes);
/* reason may be NULL; it is cut to JOB_REASON_MAX bytes. */
ssize_t job_encode_error(uint8_t *buf, size_t size, JobError error, uint64_t bytes, const char *reason);
/* Values with control characters have them replaced by spaces. -EMSGSIZE beyond JOB_INFO_MAX. */
ssize_t job_encode_info(uint8_t *buf, size_t size, const JobInfo *info);
/* Only the header of a DATA or BACKCHANNEL frame; the payload of length bytes follows it. */
void job_encode_data_header(uint8_t *buf, JobFrameType type, uint32_t length);

/* Decoders take a payload as job_frame_parse() found it. They return 0 or -EBADMSG. */
int job_decode_query(const uint8_t *payload, size_t length, uint32_t *ret_version);
int job_decode_request(const uint8_t *payload, size_t length, uint32_t *ret_version, uint64_t *ret_length);
int job_decode_done(const uint8_t *payload, size_t length, uint64_t *ret_bytes);
/* reason gets the text, NUL-terminated and with control characters replaced; reason_size >= 1. */
int job_decode_error(const uint8_t *payload, size_t length, JobError *ret_error, uint64_t *ret_bytes,
                     char *reason, size_t reason_size);
/* Unknown keys are ignored; a value too long for its field is -EBADMSG. */
int job_decode_info(const uint8_t *payload, size_t length, JobInfo *ret);
