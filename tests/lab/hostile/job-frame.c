/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Byte order and the few frames the hostile sends as a client. */
#include <stdint.h>
#include <string.h>

#include "job.h"

enum { BYTE_BITS = 8, BYTE_MASK = 0xff };

void put_be16(uint8_t *p, uint16_t v)
{
        p[0] = (uint8_t)(v >> BYTE_BITS);
        p[1] = (uint8_t)(v & BYTE_MASK);
}

void put_be32(uint8_t *p, uint32_t v)
{
        put_be16(p, (uint16_t)(v >> (2 * BYTE_BITS)));
        put_be16(p + 2, (uint16_t)v);
}

void put_be64(uint8_t *p, uint64_t v)
{
        put_be32(p, (uint32_t)(v >> (4 * BYTE_BITS)));
        put_be32(p + 4, (uint32_t)v);
}

uint16_t get_be16(const uint8_t *p)
{
        return (uint16_t)(p[0] << BYTE_BITS | p[1]);
}

uint32_t get_be32(const uint8_t *p)
{
        return (uint32_t)get_be16(p) << (2 * BYTE_BITS) | get_be16(p + 2);
}

void frame_header(uint8_t *buf, unsigned type, uint32_t length)
{
        put_be16(buf, (uint16_t)type);
        put_be16(buf + 2, 0);
        put_be32(buf + 4, length);
}

size_t frame_query(uint8_t *buf)
{
        frame_header(buf, FRAME_QUERY, QUERY_PAYLOAD_SIZE);
        put_be32(buf + FRAME_HEADER_SIZE, PROTOCOL_VERSION);
        return FRAME_HEADER_SIZE + QUERY_PAYLOAD_SIZE;
}

size_t frame_job(uint8_t *buf)
{
        frame_header(buf, FRAME_JOB, JOB_PAYLOAD_SIZE);
        put_be32(buf + FRAME_HEADER_SIZE, PROTOCOL_VERSION);
        put_be32(buf + FRAME_HEADER_SIZE + 4, 0);
        put_be64(buf + FRAME_HEADER_SIZE + 8, UINT64_MAX); /* length unknown */
        return FRAME_HEADER_SIZE + JOB_PAYLOAD_SIZE;
}
