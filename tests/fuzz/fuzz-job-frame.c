/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: a byte stream as a client (or a driver) may send on the job socket, cut into
 * frames and decoded the way the driver and the clients do. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "job-protocol.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static JobInfo info;
        char reason[JOB_REASON_MAX + 1];
        JobFrameHeader h;
        const uint8_t *payload;
        uint32_t version;
        uint64_t length;
        JobError error;
        ssize_t n;

        while ((n = job_frame_parse(data, size, &h, &payload)) > 0) {
                if ((size_t)n > size || (size_t)n != JOB_FRAME_HEADER_SIZE + h.length)
                        abort();
                switch (h.type) {
                case JOB_FRAME_QUERY:
                        (void)job_decode_query(payload, h.length, &version);
                        break;
                case JOB_FRAME_JOB:
                        (void)job_decode_request(payload, h.length, &version, &length);
                        break;
                case JOB_FRAME_DONE:
                        (void)job_decode_done(payload, h.length, &length);
                        break;
                case JOB_FRAME_ERROR:
                        (void)job_decode_error(payload, h.length, &error, &length, reason, sizeof(reason));
                        break;
                case JOB_FRAME_INFO:
                        (void)job_decode_info(payload, h.length, &info);
                        break;
                default:
                        break;
                }
                data += n;
                size -= (size_t)n;
        }
        return 0;
}
