/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The verbs about manifests, drivers and explain: each builds one Table from drvhostd's reply and
 * prints it with output_print(), so that text and JSON come from the same cells. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus-names.h"
#include "ctl-bus.h"
#include "ctl-util.h"
#include "table.h"
#include "verbs.h"

enum { NAME_WIDTH = 20, PRIORITY_WIDTH = 8, FALLBACK_WIDTH = 8 };

/* ---- drivers ---- */

/* JSON: {"drivers": [...], "invalid": [...]}; text: the drivers' table, then one line per invalid
 * manifest. */
enum { D_DRIVERS, D_INVALID, _D_MAX };

static const Column drivers_columns[_D_MAX] = {
    [D_DRIVERS] = {.json_key = "drivers"},
    [D_INVALID] = {.json_key = "invalid"},
};

enum {
        DR_NAME,
        DR_PRIORITY,
        DR_FALLBACK_TEXT,
        DR_PATH,
        DR_EXEC,
        DR_DESCRIPTION,
        DR_FALLBACK,
        DR_BURST,
        DR_INTERVAL,
        DR_MATCHES,
        _DR_MAX,
};

static const Column driver_columns[_DR_MAX] = {
    [DR_NAME] = {.header = "NAME", .json_key = "name", .min_width = NAME_WIDTH},
    [DR_PRIORITY] = {.header = "PRIORITY",
                     .json_key = "priority",
                     .flags = COLUMN_RIGHT,
                     .min_width = PRIORITY_WIDTH},
    [DR_FALLBACK_TEXT] = {.header = "FALLBACK", .flags = COLUMN_JSON_HIDDEN, .min_width = FALLBACK_WIDTH},
    [DR_PATH] = {.header = "FILE", .json_key = "path"},
    [DR_EXEC] = {.json_key = "exec", .flags = COLUMN_TEXT_HIDDEN},
    [DR_DESCRIPTION] = {.json_key = "description", .flags = COLUMN_DETAIL},
    [DR_FALLBACK] = {.json_key = "fallback_to_kernel", .flags = COLUMN_TEXT_HIDDEN},
    [DR_BURST] = {.json_key = "restart_limit_burst", .flags = COLUMN_TEXT_HIDDEN},
    [DR_INTERVAL] = {.json_key = "restart_limit_interval_sec", .flags = COLUMN_TEXT_HIDDEN},
    [DR_MATCHES] = {.json_key = "matches", .flags = COLUMN_DETAIL, .prefix = "Match="},
};

enum { IN_TAG, IN_PATH, IN_LINE, IN_LOCATION, IN_REASON, _IN_MAX };

static const Column invalid_columns[_IN_MAX] = {
    [IN_TAG] = {.flags = COLUMN_JSON_HIDDEN},
    [IN_PATH] = {.json_key = "path", .flags = COLUMN_TEXT_HIDDEN},
    [IN_LINE] = {.json_key = "line", .flags = COLUMN_TEXT_HIDDEN},
    [IN_LOCATION] = {.flags = COLUMN_JSON_HIDDEN},
    [IN_REASON] = {.json_key = "reason"},
};

/* Fills t from ListDrivers' reply. Returns 0, -ENOMEM, or another negative errno for a bad reply. */
static int drivers_read(sd_bus_message *reply, Table *t)
{
        int r;

        r = sd_bus_message_enter_container(reply, 'a', DRVHOST_BUS_DRIVER_TYPE);
        while (r >= 0 && (r = sd_bus_message_enter_container(reply, 'r', "sssisbuuas")) > 0) {
                const char *name, *path, *exec, *description;
                _cleanup_strv_free_ char **matches = NULL;
                int priority, fallback;
                uint32_t burst, interval;
                ssize_t row;

                r = sd_bus_message_read(reply, "sssisbuu", &name, &path, &exec, &priority, &description,
                                        &fallback, &burst, &interval);
                if (r >= 0)
                        r = sd_bus_message_read_strv(reply, &matches);
                if (r >= 0)
                        r = sd_bus_message_exit_container(reply);
                if (r < 0)
                        return r;
                row = table_add_row(t);
                if (row < 0)
                        return (int)row;
                r = table_set_string(t, row, DR_NAME, name);
                r = r < 0 ? r : table_set_int(t, row, DR_PRIORITY, priority);
                r = r < 0 ? r : table_set_string(t, row, DR_FALLBACK_TEXT, fallback ? "kernel" : "none");
                r = r < 0 ? r : table_set_string(t, row, DR_PATH, path);
                r = r < 0 ? r : table_set_string(t, row, DR_EXEC, exec);
                r = r < 0 ? r : table_set_string_or_null(t, row, DR_DESCRIPTION, description);
                r = r < 0 ? r : table_set_bool(t, row, DR_FALLBACK, fallback);
                r = r < 0 ? r : table_set_uint(t, row, DR_BURST, burst);
                r = r < 0 ? r : table_set_uint(t, row, DR_INTERVAL, interval);
                r = r < 0 ? r : table_set_strv(t, row, DR_MATCHES, matches);
                if (r < 0)
                        return r;
        }
        return r < 0 ? r : 0;
}

/* Fills t from ListManifestErrors' reply. Same returns as drivers_read(). */
static int invalid_read(sd_bus_message *reply, Table *t)
{
        int r;

        r = sd_bus_message_enter_container(reply, 'a', DRVHOST_BUS_MANIFEST_ERROR_TYPE);
        for (;;) {
                const char *path, *reason;
                uint32_t line;
                ssize_t row;

                if (r >= 0)
                        r = sd_bus_message_read(reply, DRVHOST_BUS_MANIFEST_ERROR_TYPE, &path, &line,
                                                &reason);
                if (r <= 0)
                        return r;
                row = table_add_row(t);
                if (row < 0)
                        return (int)row;
                r = table_set_string(t, row, IN_TAG, "invalid");
                r = r < 0 ? r : table_set_style(t, row, IN_TAG, ANSI_RED, false);
                r = r < 0 ? r : table_set_string(t, row, IN_PATH, path);
                r = r < 0 ? r : table_set_uint(t, row, IN_LINE, line);
                r = r < 0 ? r : table_set_stringf(t, row, IN_LOCATION, "%s:%u:", path, line);
                r = r < 0 ? r : table_set_string(t, row, IN_REASON, reason);
                if (r < 0)
                        return r;
        }
}

int verb_drivers(sd_bus *bus, const Options *o, char **args _unused_)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL, *errors = NULL;
        _cleanup_(table_freep) Table *t = NULL;
        Table *drivers, *invalid;
        int r;

        r = ctl_call(bus, "ListDrivers", &reply, "Listing drivers", NULL);
        if (r >= 0)
                r = ctl_call(bus, "ListManifestErrors", &errors, "Listing manifest errors", NULL);
        if (r < 0)
                return -r;

        /* t owns the two lists (table_set_table() takes them, NULL included). */
        t = table_new(TABLE_RECORD, drivers_columns, _D_MAX);
        if (!t)
                return log_oom();
        drivers = table_new(TABLE_ROWS, driver_columns, _DR_MAX);
        if (table_set_table(t, 0, D_DRIVERS, drivers) < 0)
                return log_oom();
        invalid = table_new(TABLE_ROWS, invalid_columns, _IN_MAX);
        if (table_set_table(t, 0, D_INVALID, invalid) < 0)
                return log_oom();

        r = drivers_read(reply, drivers);
        if (r >= 0)
                r = invalid_read(errors, invalid);
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0)
                return ctl_bad_reply(r);
        if (table_set_footer(t, "%zu driver manifest(s) loaded, %zu invalid.", drivers->n_rows,
                             invalid->n_rows) < 0)
                return log_oom();
        return output_print(t, &o->output);
}

/* ---- explain ---- */

enum { E_TITLE, E_SYSNAME, E_MODALIAS, E_DECISION, E_REASON, E_CANDIDATES, _E_MAX };

static const Column explain_columns[_E_MAX] = {
    [E_TITLE] = {.flags = COLUMN_JSON_HIDDEN},
    [E_SYSNAME] = {.json_key = "sysname", .flags = COLUMN_TEXT_HIDDEN},
    [E_MODALIAS] = {.header = "Modalias", .json_key = "modalias", .empty_text = "-"},
    [E_DECISION] = {.json_key = "decision", .flags = COLUMN_TEXT_HIDDEN},
    [E_REASON] = {.json_key = "reason"},
    [E_CANDIDATES] = {.json_key = "candidates", .flags = COLUMN_BLANK_BEFORE},
};

enum { C_RANK, C_NAME, C_PATH, C_SCORE, C_PRIORITY, C_PATTERN, C_VERDICT_TEXT, C_VERDICT, C_LOSS, _C_MAX };

enum { RANK_WIDTH = 4, SCORE_WIDTH = 5, PATTERN_WIDTH = 40 };

static const Column candidate_columns[_C_MAX] = {
    [C_RANK] = {.header = "RANK", .json_key = "rank", .min_width = RANK_WIDTH},
    [C_NAME] = {.header = "MANIFEST", .json_key = "name", .min_width = NAME_WIDTH},
    [C_PATH] = {.json_key = "path", .flags = COLUMN_TEXT_HIDDEN},
    [C_SCORE] = {.header = "SCORE", .json_key = "score", .flags = COLUMN_RIGHT, .min_width = SCORE_WIDTH},
    [C_PRIORITY] = {.header = "PRIORITY",
                    .json_key = "priority",
                    .flags = COLUMN_RIGHT,
                    .min_width = PRIORITY_WIDTH},
    [C_PATTERN] = {.header = "PATTERN", .json_key = "pattern", .min_width = PATTERN_WIDTH},
    [C_VERDICT_TEXT] = {.header = "VERDICT", .flags = COLUMN_JSON_HIDDEN},
    [C_VERDICT] = {.json_key = "verdict", .flags = COLUMN_TEXT_HIDDEN},
    [C_LOSS] = {.json_key = "loss", .flags = COLUMN_TEXT_HIDDEN},
};

/* Fills t from the candidates of Explain's reply. Same returns as drivers_read(). */
static int candidates_read(sd_bus_message *reply, Table *t)
{
        for (;;) {
                const char *name, *path, *pattern, *loss;
                uint32_t score, rank;
                int priority, r;
                ssize_t row;

                r = sd_bus_message_read(reply, DRVHOST_BUS_CANDIDATE_TYPE, &name, &path, &pattern, &score,
                                        &priority, &rank, &loss);
                if (r <= 0)
                        return r;
                row = table_add_row(t);
                if (row < 0)
                        return (int)row;
                r = table_set_uint(t, row, C_RANK, rank);
                r = r < 0 ? r : table_set_string(t, row, C_NAME, name);
                r = r < 0 ? r : table_set_string(t, row, C_PATH, path);
                r = r < 0 ? r : table_set_uint(t, row, C_SCORE, score);
                r = r < 0 ? r : table_set_int(t, row, C_PRIORITY, priority);
                r = r < 0 ? r : table_set_string(t, row, C_PATTERN, pattern);
                r = r < 0 ? r : table_set_string(t, row, C_VERDICT_TEXT, rank == 0 ? "won" : loss);
                r = r < 0 ? r
                          : table_set_style(t, row, C_VERDICT_TEXT, rank == 0 ? ANSI_GREEN : NULL, false);
                r = r < 0 ? r : table_set_string(t, row, C_VERDICT, rank == 0 ? "won" : "lost");
                r = r < 0 ? r : table_set_string(t, row, C_LOSS, rank == 0 ? NULL : loss);
                if (r < 0)
                        return r;
        }
}

int verb_explain(sd_bus *bus, const Options *o, char **args)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(table_freep) Table *t = NULL;
        const char *sysname, *modalias, *decision, *reason;
        Table *candidates;
        int r;

        r = ctl_call(bus, "Explain", &reply, "Explaining the device", args[0]);
        if (r < 0)
                return -r;
        r = sd_bus_message_read(reply, "ssss", &sysname, &modalias, &decision, &reason);
        if (r >= 0)
                r = sd_bus_message_enter_container(reply, 'a', DRVHOST_BUS_CANDIDATE_TYPE);
        if (r < 0)
                return ctl_bad_reply(r);

        t = table_new(TABLE_RECORD, explain_columns, _E_MAX);
        if (!t)
                return log_oom();
        candidates = table_new(TABLE_ROWS, candidate_columns, _C_MAX);
        r = table_set_table(t, 0, E_CANDIDATES, candidates);
        r = r < 0 ? r : table_set_empty_text(candidates, "No manifest matches this device.");
        r = r < 0 ? r : table_set_stringf(t, 0, E_TITLE, "%s: %s", sysname, decision);
        r = r < 0 ? r : table_set_style(t, 0, E_TITLE, NULL, true);
        r = r < 0 ? r : table_set_string(t, 0, E_SYSNAME, sysname);
        r = r < 0 ? r : table_set_string_or_null(t, 0, E_MODALIAS, modalias);
        r = r < 0 ? r : table_set_string(t, 0, E_DECISION, decision);
        r = r < 0 ? r : table_set_string(t, 0, E_REASON, reason);
        if (r < 0)
                return log_oom();
        r = candidates_read(reply, candidates);
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0)
                return ctl_bad_reply(r);
        return output_print(t, &o->output);
}
