/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include "ctl-util.h"
#include "json-writer.h"
#include "output.h"
#include "table-text.h"

static const char *const output_mode_names[_OUTPUT_MODE_MAX] = {
    [OUTPUT_TEXT] = "off",
    [OUTPUT_JSON_SHORT] = "short",
    [OUTPUT_JSON_PRETTY] = "pretty",
};

int output_mode_from_string(const char *s)
{
        for (int i = 0; s && i < _OUTPUT_MODE_MAX; i++)
                if (streq(s, output_mode_names[i]))
                        return i;
        return -EINVAL;
}

int output_table(const Table *t, const OutputOptions *o)
{
        int r;

        switch (o->mode) {
        case OUTPUT_JSON_SHORT:
                r = json_write_table(stdout, t, JSON_FORMAT_SHORT);
                break;
        case OUTPUT_JSON_PRETTY:
                r = json_write_table(stdout, t, JSON_FORMAT_PRETTY);
                break;
        default:
                r = table_print_text(t, stdout, o->legend, o->color);
        }
        if (r >= 0 && fflush(stdout) != 0)
                r = -EIO;
        return r;
}

int output_print(const Table *t, const OutputOptions *o)
{
        int r = output_table(t, o);

        if (r == -ENOMEM)
                return log_oom();
        if (r < 0)
                return log_error_exit(EXIT_FAILED, "Failed to write the output: %s", strerror(-r));
        return EXIT_OK;
}
