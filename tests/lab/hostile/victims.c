/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The victims file: KEY=value lines the scenario writes (world-readable) before the hostile gadget
 * is plugged in. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostile.h"

enum { DECIMAL = 10 };

int victims_load(Victims *v, const char *path)
{
        char line[VICTIM_LINE_MAX];
        FILE *f = fopen(path, "re");

        if (!f)
                return -errno;
        while (v->n < VICTIM_KEYS_MAX && fgets(line, sizeof(line), f)) {
                char *eq = strchr(line, '=');

                line[strcspn(line, "\n")] = '\0';
                if (!eq || line[0] == '#')
                        continue;
                *eq = '\0';
                v->key[v->n] = strdup(line);
                v->value[v->n] = strdup(eq + 1);
                if (!v->key[v->n] || !v->value[v->n])
                        break;
                v->n++;
        }
        fclose(f);
        return 0;
}

const char *victims_get(const Victims *v, const char *victim, const char *field)
{
        char key[ATTEMPT_NAME_MAX];

        if (victim)
                (void)snprintf(key, sizeof(key), "%s_%s", victim, field);
        else
                (void)snprintf(key, sizeof(key), "%s", field);
        for (char *p = key; *p; p++)
                *p = (char)toupper((unsigned char)*p);
        for (size_t i = 0; i < v->n; i++)
                if (strcmp(v->key[i], key) == 0)
                        return v->value[i][0] ? v->value[i] : NULL;
        return NULL;
}

pid_t victims_pid(const Victims *v, const char *victim)
{
        const char *s = victims_get(v, victim, "PID");
        long pid = s ? strtol(s, NULL, DECIMAL) : 0;

        return pid > 0 ? (pid_t)pid : 0;
}
