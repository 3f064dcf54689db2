/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The hostile's side of drvhost's printer job protocol (drivers/printer/job-protocol.h), written
 * anew as an attacker would: 8-byte frames (u16 type, u16 0, u32 length, big-endian), QUERY →
 * INFO ("KEY=value\n" lines), JOB DATA... END → DONE (u64 bytes). */

#include <stddef.h>
#include <stdint.h>

#include "hostile.h"

enum {
        FRAME_HEADER_SIZE = 8,
        FRAME_DATA_MAX = 64 * 1024,
        INFO_MAX = 8 * 1024,
        FRAME_QUERY = 0x01,
        FRAME_JOB = 0x02,
        FRAME_DATA = 0x03,
        FRAME_END = 0x04,
        FRAME_INFO = 0x81,
        FRAME_DONE = 0x83,
        PROTOCOL_VERSION = 1,
        QUERY_PAYLOAD_SIZE = 4,
        JOB_PAYLOAD_SIZE = 16,
        DONE_PAYLOAD_SIZE = 8,
        LISTENERS_MAX = 4,
        LISTEN_BACKLOG = 16,
        /* What it wants others to be able to connect to: everyone. */
        SOCKET_MODE = 0666,
};

/* A frame with a payload of up to this many bytes fits in one buffer. */
#define FRAME_BUFFER_SIZE (FRAME_HEADER_SIZE + FRAME_DATA_MAX)

/* job-frame.c */
void put_be16(uint8_t *p, uint16_t v);
void put_be32(uint8_t *p, uint32_t v);
void put_be64(uint8_t *p, uint64_t v);
uint16_t get_be16(const uint8_t *p);
uint32_t get_be32(const uint8_t *p);
void frame_header(uint8_t *buf, unsigned type, uint32_t length);
/* QUERY and JOB (length unknown) frames; they return the frame's size. */
size_t frame_query(uint8_t *buf);
size_t frame_job(uint8_t *buf);

/* job-server.c, for job-attack.c */
const Victims *job_server_victims(JobServer *s);
/* The identity (INFO payload) the hostile answers QUERY with. */
void job_server_set_identity(JobServer *s, const char *info, size_t length);
/* Serves on fd (a listening socket, taken over) as name. */
void job_server_add_listener(JobServer *s, int fd, const char *name);
/* Keeps fd open for ever (a connection held idle on purpose). */
void job_server_hold(JobServer *s, int fd);
