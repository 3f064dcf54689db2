/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The printer driver's job protocol: frames encoded and decoded, every length checked, and partial
 * input handled as a stream delivers it. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "job-protocol.h"

enum {
        BUF = JOB_FRAME_HEADER_SIZE + JOB_INFO_MAX,
};

static void test_header_round_trip(void **state)
{
        static const struct {
                JobFrameType type;
                uint32_t length;
        } frames[] = {
            {JOB_FRAME_QUERY, JOB_QUERY_SIZE},
            {JOB_FRAME_JOB, JOB_REQUEST_SIZE},
            {JOB_FRAME_DATA, 1},
            {JOB_FRAME_DATA, JOB_FRAME_DATA_MAX},
            {JOB_FRAME_END, 0},
            {JOB_FRAME_INFO, JOB_INFO_MAX},
            {JOB_FRAME_BACKCHANNEL, 17},
            {JOB_FRAME_DONE, JOB_DONE_SIZE},
            {JOB_FRAME_ERROR, JOB_ERROR_FIXED_SIZE},
            {JOB_FRAME_ERROR, JOB_ERROR_FIXED_SIZE + JOB_REASON_MAX},
        };
        uint8_t buf[JOB_FRAME_HEADER_SIZE];
        JobFrameHeader h;

        for (size_t i = 0; i < sizeof(frames) / sizeof(frames[0]); i++) {
                job_frame_header_encode(frames[i].type, frames[i].length, buf);
                assert_int_equal(job_frame_header_decode(buf, sizeof(buf), &h), 0);
                assert_int_equal(h.type, frames[i].type);
                assert_int_equal(h.length, frames[i].length);
        }
        /* Big-endian on the wire. */
        job_frame_header_encode(JOB_FRAME_DATA, 0x010203, buf);
        assert_memory_equal(buf, "\x00\x03\x00\x00\x00\x01\x02\x03", JOB_FRAME_HEADER_SIZE);
}

static void test_header_bad_lengths(void **state)
{
        static const struct {
                JobFrameType type;
                uint32_t length;
        } frames[] = {
            {JOB_FRAME_QUERY, 0},
            {JOB_FRAME_QUERY, JOB_QUERY_SIZE + 1},
            {JOB_FRAME_JOB, JOB_REQUEST_SIZE - 1},
            {JOB_FRAME_DATA, 0},
            {JOB_FRAME_DATA, JOB_FRAME_DATA_MAX + 1},
            {JOB_FRAME_DATA, UINT32_MAX},
            {JOB_FRAME_END, 1},
            {JOB_FRAME_INFO, 0},
            {JOB_FRAME_INFO, JOB_INFO_MAX + 1},
            {JOB_FRAME_BACKCHANNEL, 0},
            {JOB_FRAME_DONE, 4},
            {JOB_FRAME_ERROR, JOB_ERROR_FIXED_SIZE - 1},
            {JOB_FRAME_ERROR, JOB_ERROR_FIXED_SIZE + JOB_REASON_MAX + 1},
            {0, 0},
            {0x05, 0},
            {0x85, 8},
            {0xffff, 8},
        };
        uint8_t buf[JOB_FRAME_HEADER_SIZE];
        JobFrameHeader h;

        for (size_t i = 0; i < sizeof(frames) / sizeof(frames[0]); i++) {
                job_frame_header_encode(frames[i].type, frames[i].length, buf);
                assert_int_equal(job_frame_header_decode(buf, sizeof(buf), &h), -EBADMSG);
        }
        /* The reserved field must be zero. */
        job_frame_header_encode(JOB_FRAME_END, 0, buf);
        buf[3] = 1;
        assert_int_equal(job_frame_header_decode(buf, sizeof(buf), &h), -EBADMSG);
}

static void test_truncated_frames(void **state)
{
        uint8_t buf[BUF];
        const uint8_t *payload;
        JobFrameHeader h;
        ssize_t n = job_encode_done(buf, sizeof(buf), 42);

        assert_int_equal(n, JOB_FRAME_HEADER_SIZE + JOB_DONE_SIZE);
        /* Every prefix is "need more", never a frame and never an error. */
        for (ssize_t i = 0; i < n; i++) {
                assert_int_equal(job_frame_parse(buf, (size_t)i, &h, &payload), 0);
                if (i < JOB_FRAME_HEADER_SIZE)
                        assert_int_equal(job_frame_header_decode(buf, (size_t)i, &h), -EAGAIN);
        }
        assert_int_equal(job_frame_parse(buf, (size_t)n, &h, &payload), n);
        assert_ptr_equal(payload, buf + JOB_FRAME_HEADER_SIZE);
        /* A malformed header is an error as soon as it is whole, whatever follows. */
        job_frame_header_encode(JOB_FRAME_DATA, JOB_FRAME_DATA_MAX + 1, buf);
        assert_int_equal(job_frame_parse(buf, JOB_FRAME_HEADER_SIZE, &h, &payload), -EBADMSG);
}

static void test_stream_of_frames(void **state)
{
        uint8_t buf[BUF];
        const uint8_t *payload;
        size_t len = 0, off = 0;
        JobFrameHeader h;
        uint32_t version;
        uint64_t length;
        ssize_t n;

        len += (size_t)job_encode_request(buf + len, sizeof(buf) - len, 5);
        job_encode_data_header(buf + len, JOB_FRAME_DATA, 5);
        memcpy(buf + len + JOB_FRAME_HEADER_SIZE, "hello", 5);
        len += JOB_FRAME_HEADER_SIZE + 5;
        len += (size_t)job_encode_end(buf + len, sizeof(buf) - len);

        n = job_frame_parse(buf + off, len - off, &h, &payload);
        assert_int_equal(n, JOB_FRAME_HEADER_SIZE + JOB_REQUEST_SIZE);
        assert_int_equal(h.type, JOB_FRAME_JOB);
        assert_int_equal(job_decode_request(payload, h.length, &version, &length), 0);
        assert_int_equal(version, JOB_PROTOCOL_VERSION);
        assert_int_equal(length, 5);
        off += (size_t)n;

        n = job_frame_parse(buf + off, len - off, &h, &payload);
        assert_int_equal(h.type, JOB_FRAME_DATA);
        assert_memory_equal(payload, "hello", 5);
        off += (size_t)n;

        n = job_frame_parse(buf + off, len - off, &h, &payload);
        assert_int_equal(n, JOB_FRAME_HEADER_SIZE);
        assert_int_equal(h.type, JOB_FRAME_END);
        off += (size_t)n;
        assert_int_equal(off, len);
}

static void test_query_and_request(void **state)
{
        uint8_t buf[BUF];
        uint32_t version;
        uint64_t length;

        assert_int_equal(job_encode_query(buf, sizeof(buf)), JOB_FRAME_HEADER_SIZE + JOB_QUERY_SIZE);
        assert_int_equal(job_decode_query(buf + JOB_FRAME_HEADER_SIZE, JOB_QUERY_SIZE, &version), 0);
        assert_int_equal(version, JOB_PROTOCOL_VERSION);
        assert_int_equal(job_decode_query(buf + JOB_FRAME_HEADER_SIZE, 3, &version), -EBADMSG);

        assert_int_equal(job_encode_request(buf, sizeof(buf), JOB_LENGTH_UNKNOWN),
                         JOB_FRAME_HEADER_SIZE + JOB_REQUEST_SIZE);
        assert_int_equal(
            job_decode_request(buf + JOB_FRAME_HEADER_SIZE, JOB_REQUEST_SIZE, &version, &length), 0);
        assert_true(length == JOB_LENGTH_UNKNOWN);
        assert_int_equal(job_encode_request(buf, sizeof(buf), UINT64_C(0x0102030405060708)), 24);
        assert_int_equal(
            job_decode_request(buf + JOB_FRAME_HEADER_SIZE, JOB_REQUEST_SIZE, &version, &length), 0);
        assert_true(length == UINT64_C(0x0102030405060708));
        /* Unknown flags are refused, not ignored. */
        buf[JOB_FRAME_HEADER_SIZE + 7] = 1;
        assert_int_equal(
            job_decode_request(buf + JOB_FRAME_HEADER_SIZE, JOB_REQUEST_SIZE, &version, &length), -EBADMSG);
}

static void test_done_and_error(void **state)
{
        char reason[JOB_REASON_MAX + 1], longer[JOB_REASON_MAX + 50];
        uint8_t buf[BUF];
        JobError error;
        uint64_t bytes;
        ssize_t n;

        assert_int_equal(job_encode_done(buf, sizeof(buf), UINT64_C(1) << 40), 16);
        assert_int_equal(job_decode_done(buf + JOB_FRAME_HEADER_SIZE, JOB_DONE_SIZE, &bytes), 0);
        assert_true(bytes == UINT64_C(1) << 40);

        n = job_encode_error(buf, sizeof(buf), JOB_ERROR_UNPLUGGED, 1234, "gone\nfor good");
        assert_int_equal(n, JOB_FRAME_HEADER_SIZE + JOB_ERROR_FIXED_SIZE + 13);
        assert_int_equal(job_decode_error(buf + JOB_FRAME_HEADER_SIZE, (size_t)n - JOB_FRAME_HEADER_SIZE,
                                          &error, &bytes, reason, sizeof(reason)),
                         0);
        assert_int_equal(error, JOB_ERROR_UNPLUGGED);
        assert_int_equal(bytes, 1234);
        /* A reason is one line. */
        assert_string_equal(reason, "gone for good");

        /* No reason; a reason too long for the frame is cut; one too long for the caller too. */
        n = job_encode_error(buf, sizeof(buf), JOB_ERROR_IO, 0, NULL);
        assert_int_equal(n, JOB_FRAME_HEADER_SIZE + JOB_ERROR_FIXED_SIZE);
        memset(longer, 'x', sizeof(longer) - 1);
        longer[sizeof(longer) - 1] = '\0';
        n = job_encode_error(buf, sizeof(buf), JOB_ERROR_IO, 0, longer);
        assert_int_equal(n, JOB_FRAME_HEADER_SIZE + JOB_ERROR_FIXED_SIZE + JOB_REASON_MAX);
        assert_int_equal(job_decode_error(buf + JOB_FRAME_HEADER_SIZE, (size_t)n - JOB_FRAME_HEADER_SIZE,
                                          &error, &bytes, reason, 10),
                         0);
        assert_string_equal(reason, "xxxxxxxxx");
        assert_int_equal(job_decode_error(buf + JOB_FRAME_HEADER_SIZE, JOB_ERROR_FIXED_SIZE - 1, &error,
                                          &bytes, reason, sizeof(reason)),
                         -EBADMSG);

        assert_string_equal(job_error_to_string(JOB_ERROR_UNPLUGGED), "unplugged");
        assert_string_equal(job_error_to_string(JOB_ERROR_STOPPING), "driver stopping");
        assert_null(job_error_to_string(0));
        assert_null(job_error_to_string(_JOB_ERROR_MAX));
}

static void test_buffers_too_small(void **state)
{
        uint8_t buf[BUF];
        JobInfo info = {};

        assert_int_equal(job_encode_query(buf, JOB_FRAME_HEADER_SIZE + JOB_QUERY_SIZE - 1), -ENOBUFS);
        assert_int_equal(job_encode_request(buf, 3, 0), -ENOBUFS);
        assert_int_equal(job_encode_end(buf, JOB_FRAME_HEADER_SIZE - 1), -ENOBUFS);
        assert_int_equal(job_encode_end(buf, JOB_FRAME_HEADER_SIZE), JOB_FRAME_HEADER_SIZE);
        assert_int_equal(job_encode_done(buf, 15, 0), -ENOBUFS);
        assert_int_equal(job_encode_error(buf, 25, JOB_ERROR_IO, 0, "abcdef"), -ENOBUFS);
        assert_int_equal(job_encode_info(buf, 20, &info), -ENOBUFS);
}

static void fill_info(JobInfo *info)
{
        *info = (JobInfo){
            .port_status_known = true,
            .port_status = 0x18,
            .bidirectional = true,
            .busy = false,
        };
        strcpy(info->device_id, "MFG:drvhost;MDL:Lab Printer;CMD:PCL,PJL;");
        strcpy(info->status, "ready");
        strcpy(info->instance, "usb-printer_1-1:1.0");
        strcpy(info->unit, "drvhost-driver@usb-printer_1-1:1.0.service");
        strcpy(info->device, "/sys/devices/platform/dummy_hcd.0/usb1/1-1/1-1:1.0");
        strcpy(info->usb_id, "1d6b:0104");
        strcpy(info->usb_serial, "LAB-pc");
}

static void assert_info_equal(const JobInfo *a, const JobInfo *b)
{
        assert_string_equal(a->device_id, b->device_id);
        assert_int_equal(a->port_status_known, b->port_status_known);
        assert_int_equal(a->port_status, b->port_status);
        assert_string_equal(a->status, b->status);
        assert_string_equal(a->instance, b->instance);
        assert_string_equal(a->unit, b->unit);
        assert_string_equal(a->device, b->device);
        assert_string_equal(a->usb_id, b->usb_id);
        assert_string_equal(a->usb_serial, b->usb_serial);
        assert_int_equal(a->bidirectional, b->bidirectional);
        assert_int_equal(a->busy, b->busy);
}

static void test_info_round_trip(void **state)
{
        static JobInfo info, back;
        uint8_t buf[BUF];
        JobFrameHeader h;
        const uint8_t *payload;
        ssize_t n;

        fill_info(&info);
        n = job_encode_info(buf, sizeof(buf), &info);
        assert_true(n > JOB_FRAME_HEADER_SIZE);
        assert_int_equal(job_frame_parse(buf, (size_t)n, &h, &payload), n);
        assert_int_equal(h.type, JOB_FRAME_INFO);
        assert_int_equal(job_decode_info(payload, h.length, &back), 0);
        assert_info_equal(&info, &back);

        /* Unknown port status and flags off survive too. */
        info.port_status_known = false;
        info.port_status = 0;
        info.bidirectional = false;
        info.busy = true;
        n = job_encode_info(buf, sizeof(buf), &info);
        assert_int_equal(
            job_decode_info(buf + JOB_FRAME_HEADER_SIZE, (size_t)n - JOB_FRAME_HEADER_SIZE, &back), 0);
        assert_info_equal(&info, &back);
}

static void test_info_sanitized(void **state)
{
        static JobInfo info, back;
        uint8_t buf[BUF];
        ssize_t n;

        fill_info(&info);
        /* A device ID with a newline must not inject a line of its own. */
        strcpy(info.device_id, "MFG:x;\nBUSY=yes\n");
        n = job_encode_info(buf, sizeof(buf), &info);
        assert_int_equal(
            job_decode_info(buf + JOB_FRAME_HEADER_SIZE, (size_t)n - JOB_FRAME_HEADER_SIZE, &back), 0);
        assert_string_equal(back.device_id, "MFG:x; BUSY=yes ");
        assert_false(back.busy);
}

static void test_info_decode_rejects(void **state)
{
        static JobInfo info;
        char big[600];

#define DECODE(s) job_decode_info((const uint8_t *)(s), strlen(s), &info)
        assert_int_equal(DECODE("STATUS=ready\n"), 0);
        assert_string_equal(info.status, "ready");
        assert_int_equal(DECODE("FUTURE_KEY=whatever\nSTATUS=x\n"), 0);
        assert_int_equal(DECODE("STATUS=ready"), -EBADMSG); /* no final newline */
        assert_int_equal(DECODE("no equals sign\n"), -EBADMSG);
        assert_int_equal(DECODE("BUSY=maybe\n"), -EBADMSG);
        assert_int_equal(DECODE("PORT_STATUS=18\n"), -EBADMSG);
        assert_int_equal(DECODE("PORT_STATUS=0xzz\n"), -EBADMSG);
        assert_int_equal(DECODE("PORT_STATUS=0x18\n"), 0);
        assert_true(info.port_status_known);
        assert_int_equal(info.port_status, 0x18);
        assert_int_equal(DECODE("USB_ID=1d6b:0104:extra\n"), -EBADMSG); /* too long for its field */
        memset(big, 'a', sizeof(big));
        memcpy(big, "DEVICE=", 7);
        big[sizeof(big) - 2] = '\n';
        big[sizeof(big) - 1] = '\0';
        assert_int_equal(DECODE(big), -EBADMSG);
        assert_int_equal(job_decode_info((const uint8_t *)"A=\0\n", 4, &info), -EBADMSG);
        assert_int_equal(job_decode_info((const uint8_t *)"", 0, &info), -EBADMSG);
#undef DECODE
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_header_round_trip), cmocka_unit_test(test_header_bad_lengths),
            cmocka_unit_test(test_truncated_frames),  cmocka_unit_test(test_stream_of_frames),
            cmocka_unit_test(test_query_and_request), cmocka_unit_test(test_done_and_error),
            cmocka_unit_test(test_buffers_too_small), cmocka_unit_test(test_info_round_trip),
            cmocka_unit_test(test_info_sanitized),    cmocka_unit_test(test_info_decode_rejects),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
