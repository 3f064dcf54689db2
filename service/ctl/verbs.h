/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The verbs of drvhostctl. The reading ones (verbs-query.c) build one Table each and print it with
 * output_table(); the changing ones (verbs-control.c) call drvhostd and wait for the result. Each
 * returns the exit status. */

#include <stdbool.h>
#include <systemd/sd-bus.h>

#include "output.h"

typedef struct Options {
        OutputOptions output;
        bool block;     /* restart, release: wait for the result */
        bool follow;    /* logs */
        unsigned lines; /* logs */
} Options;

typedef int (*VerbFunc)(sd_bus *bus, const Options *o, char **args);

int verb_list(sd_bus *bus, const Options *o, char **args);
int verb_status(sd_bus *bus, const Options *o, char **args);
int verb_drivers(sd_bus *bus, const Options *o, char **args);
int verb_explain(sd_bus *bus, const Options *o, char **args);

int verb_restart(sd_bus *bus, const Options *o, char **args);
int verb_release(sd_bus *bus, const Options *o, char **args);
int verb_inject(sd_bus *bus, const Options *o, char **args);
int verb_reload(sd_bus *bus, const Options *o, char **args);
int verb_logs(sd_bus *bus, const Options *o, char **args);
