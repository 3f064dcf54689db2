/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "device-id.h"

enum {
        BYTE_BITS = 8,
};

/* A length prefix is plausible when it covers at least itself and no more than was received. */
static bool length_plausible(size_t length, size_t n)
{
        return length >= DEVICE_ID_LENGTH_SIZE && length <= n;
}

int device_id_from_response(const uint8_t *buf, size_t n, const char **ret_id, size_t *ret_len)
{
        size_t length, big, little;
        const char *id, *nul;

        if (!buf || n < DEVICE_ID_LENGTH_SIZE)
                return -EBADMSG;

        big = (size_t)buf[0] << BYTE_BITS | buf[1];
        little = (size_t)buf[1] << BYTE_BITS | buf[0];
        if (length_plausible(big, n))
                length = big;
        else if (length_plausible(little, n))
                length = little; /* the quirk CUPS knows from some HP and Canon printers */
        else
                return -EBADMSG;

        length -= DEVICE_ID_LENGTH_SIZE;
        if (length > DEVICE_ID_MAX)
                return -EMSGSIZE;

        /* Some devices pad the ID with NULs up to the length they announce. */
        id = (const char *)buf + DEVICE_ID_LENGTH_SIZE;
        nul = memchr(id, '\0', length);
        if (nul)
                length = (size_t)(nul - id);

        *ret_id = id;
        *ret_len = length;
        return 0;
}

static bool is_blank(char c)
{
        /* Newlines too: configfs gadgets and some printers end the ID with one. */
        return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Narrows [*start, *end) to exclude blanks on both sides. */
static void trim(const char **start, const char **end)
{
        while (*start < *end && is_blank(**start))
                (*start)++;
        while (*end > *start && is_blank((*end)[-1]))
                (*end)--;
}

static bool key_is(const char *key, size_t key_len, const char *name)
{
        return strlen(name) == key_len && strncasecmp(key, name, key_len) == 0;
}

/* The field of id that key names, or NULL for a key this parser does not keep. */
static char **field_for_key(DeviceId *id, const char *key, size_t key_len)
{
        static const struct {
                const char *name;
                size_t offset;
        } keys[] = {
            {"MFG", offsetof(DeviceId, manufacturer)},    {"MANUFACTURER", offsetof(DeviceId, manufacturer)},
            {"MDL", offsetof(DeviceId, model)},           {"MODEL", offsetof(DeviceId, model)},
            {"CMD", offsetof(DeviceId, command_set)},     {"COMMAND SET", offsetof(DeviceId, command_set)},
            {"CLS", offsetof(DeviceId, class)},           {"CLASS", offsetof(DeviceId, class)},
            {"DES", offsetof(DeviceId, description)},     {"DESCRIPTION", offsetof(DeviceId, description)},
            {"SN", offsetof(DeviceId, serial)},           {"SERN", offsetof(DeviceId, serial)},
            {"SERIALNUMBER", offsetof(DeviceId, serial)},
        };

        for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
                if (key_is(key, key_len, keys[i].name))
                        return (char **)((char *)id + keys[i].offset);
        return NULL;
}

/* Handles one "KEY:value" pair in [start, end). Returns 0 or -ENOMEM. */
static int parse_pair(DeviceId *id, const char *start, const char *end)
{
        const char *colon, *key_end, *value;
        char **field;

        colon = memchr(start, ':', (size_t)(end - start));
        if (!colon)
                return 0; /* not a pair: tolerated, as printers send stray bytes */

        key_end = colon;
        trim(&start, &key_end);
        if (start == key_end)
                return 0;
        field = field_for_key(id, start, (size_t)(key_end - start));
        if (!field || *field)
                return 0; /* unknown key, or a repeated one: the first wins */

        value = colon + 1;
        trim(&value, &end);
        *field = strndup(value, (size_t)(end - value));
        return *field ? 0 : -ENOMEM;
}

int device_id_parse(const char *id, size_t len, DeviceId *ret)
{
        const char *p, *end;
        DeviceId parsed = {};
        int r;

        *ret = (DeviceId){};
        if (len > DEVICE_ID_MAX)
                return -EMSGSIZE;
        if (len > 0 && memchr(id, '\0', len))
                return -EINVAL;

        end = id + len;
        for (p = id; p < end;) {
                const char *semicolon = memchr(p, ';', (size_t)(end - p));
                const char *pair_end = semicolon ? semicolon : end;

                r = parse_pair(&parsed, p, pair_end);
                if (r < 0) {
                        device_id_done(&parsed);
                        return r;
                }
                p = semicolon ? semicolon + 1 : end;
        }

        *ret = parsed;
        return 0;
}

void device_id_done(DeviceId *id)
{
        free(id->manufacturer);
        free(id->model);
        free(id->command_set);
        free(id->class);
        free(id->description);
        free(id->serial);
        *id = (DeviceId){};
}
