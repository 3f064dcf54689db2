/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Driver manifests: one INI file per driver, "<anything>.driver", parsed with libinih.
 *
 *   [Driver]
 *   Name=usb-printer                  required, 1..32 of [a-z0-9-], starting with [a-z0-9]
 *   Description=USB printer driver    optional
 *   Exec=/usr/libexec/drvhost/x -v    required: an absolute path, then at most 15 arguments
 *                                     (MANIFEST_EXEC_WORDS_MAX words in all) separated by single
 *                                     spaces (no quoting)
 *   Priority=0                        -1000..1000; higher wins between equally specific matches
 *   FallbackToKernel=yes              bool (yes/no/true/false/1/0), default yes
 *   RestartLimitBurst=5               1..100
 *   RestartLimitIntervalSec=10        1..3600
 *   ClaimDelegated=no                 bool, default no: may claim a GPU/storage device
 *   ClaimInterfaces=matched           which interfaces the driver gets: the matched one (default),
 *                                     its whole function (IAD, else CDC Union: e.g. CDC-ACM's
 *                                     control and data interfaces), or every interface of the device
 *   TTYLink=no                        bool: drvhostd opens a pty for the binding (root:dialout 0660),
 *                                     links it as /run/drvhost/tty/usb-VID_PID_SERIAL-ifNN and hands
 *                                     the driver its master (DRVHOST_TTY_FD)
 *   TTYName=ttyACM                    with TTYLink=yes and the kernel front end: the port's name,
 *                                     ttyACM (a CDC-ACM function) or ttyUSB (a USB-serial converter)
 *   JobSocket=no                      bool: drvhostd makes the listening socket
 *                                     /run/drvhost/printer/<interface> (root:lp 0660) and hands it
 *                                     to the driver (DRVHOST_SOCKET_FD)
 *
 *   [Match]
 *   Match=usb:v*p*d*dc*dsc*dp*ic07isc01ip02in*    one or more; see match.h for the syntax
 *
 * Lines starting with '#' or ';' are comments, and so is " ;..." at the end of a value (libinih).
 * Leading whitespace is ignored (no continuation lines). A line may be at most MANIFEST_LINE_MAX
 * characters. Unknown sections and keys, a single-valued key given twice, a missing required key,
 * an invalid value or Match= pattern, a syntax error or an over-long line make the whole manifest
 * invalid; the first such error is reported with its file, line (0 when not tied to a line) and a
 * reason. This library never logs: the caller decides what to do with the errors. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "macro.h"

enum {
        MANIFEST_NAME_MAX = 32,
        MANIFEST_PRIORITY_MIN = -1000,
        MANIFEST_PRIORITY_MAX = 1000,
        MANIFEST_RESTART_BURST_DEFAULT = 5,
        MANIFEST_RESTART_BURST_MIN = 1,
        MANIFEST_RESTART_BURST_MAX = 100,
        MANIFEST_RESTART_INTERVAL_DEFAULT = 10,
        MANIFEST_RESTART_INTERVAL_MIN = 1,
        MANIFEST_RESTART_INTERVAL_MAX = 3600,
        MANIFEST_LINE_MAX = 197, /* libinih's 200-byte line buffer, less "\r\n\0" */
        MANIFEST_FILE_SIZE_MAX = 64 * 1024,
        /* Exec=: the program and its arguments. drvhost-driver-launch refuses more, so the parser
         * refuses them first, with the manifest's file and line. */
        MANIFEST_EXEC_WORDS_MAX = 16,
};

#define MANIFEST_SUFFIX ".driver"
#define MANIFEST_TTY_NAME_ACM "ttyACM"
#define MANIFEST_TTY_NAME_USB "ttyUSB"

typedef enum ClaimScope {
        CLAIM_SCOPE_MATCHED,
        CLAIM_SCOPE_FUNCTION,
        CLAIM_SCOPE_DEVICE,
        _CLAIM_SCOPE_MAX,
} ClaimScope;

const char *claim_scope_to_string(ClaimScope s);
int claim_scope_from_string(const char *s);

typedef struct Manifest {
        char *name;
        char *description; /* NULL if not given */
        char *exec;
        char *path; /* the file it was read from, or the name given to manifest_parse_string() */
        int priority;
        bool fallback_to_kernel;
        bool claim_delegated;
        ClaimScope claim_scope;
        bool tty_link;
        bool tty_usb_serial; /* TTYName=ttyUSB */
        bool job_socket;
        unsigned restart_limit_burst;
        unsigned restart_limit_interval_sec;
        char **matches; /* NULL-terminated, n_matches entries, in file order */
        size_t n_matches;
        uint64_t hash;      /* FNV-1a of the file's bytes: tells a reload whether it changed */
        unsigned name_line; /* line of Name=, for messages about it */
} Manifest;

typedef struct ManifestError {
        char *path;
        unsigned line; /* 1-based; 0 when the error is about the file as a whole */
        char *reason;
} ManifestError;

void manifest_error_done(ManifestError *e);

/* Fills *ret_error (if not NULL) with path, line 0 and "<what>: <strerror(r)>". Returns r, or
 * -ENOMEM. */
int manifest_error_from_errno(ManifestError *ret_error, int r, const char *path, const char *what);

/* Parses one manifest. Returns 0, or a negative errno: -EINVAL for an invalid manifest, the error
 * of open()/read() for an unreadable file; in both cases *ret_error (if not NULL) is filled and must
 * be released with manifest_error_done(). -ENOMEM leaves *ret_error empty. */
int manifest_parse_file(const char *path, Manifest **ret, ManifestError *ret_error);
int manifest_parse_string(const char *path_for_messages, const char *text, Manifest **ret,
                          ManifestError *ret_error);

Manifest *manifest_free(Manifest *m);
DEFINE_TRIVIAL_CLEANUP_FUNC(Manifest *, manifest_free);

typedef struct ManifestSet {
        Manifest **manifests; /* sorted by file name */
        size_t n;
        ManifestError *errors; /* sorted by path, then line */
        size_t n_errors;
        Manifest **by_name; /* the same manifests sorted by Name=, for manifest_set_find() */
} ManifestSet;

/* Loads every "*.driver" file from dirs, a NULL-terminated list with the highest priority first
 * (e.g. /etc/drvhost/drivers.d, then /usr/lib/drvhost/drivers.d), as conf_files_list() finds them
 * (service/basic/conf-files.h): a file name found in several directories is taken from the first
 * one only; there, a symlink to /dev/null masks it. Files whose
 * name starts with '.' are ignored, and so are missing directories. Invalid manifests, unreadable
 * files and directories, and a Name= already used by a file loaded before (in file name order) are
 * recorded in ->errors and skipped; the others load. Returns 0, or -ENOMEM. */
int manifest_set_load(const char *const *dirs, ManifestSet **ret);
ManifestSet *manifest_set_free(ManifestSet *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(ManifestSet *, manifest_set_free);

/* Returns the manifest with this Name=, or NULL. O(log n). */
const Manifest *manifest_set_find(const ManifestSet *s, const char *name);
