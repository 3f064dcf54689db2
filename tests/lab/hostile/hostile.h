/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The hostile driver of the lab scenario hostile-driver (issue 10): a program bound by a lab
 * manifest to one printer gadget, running in the stock drvhost-driver@.service sandbox, that tries
 * to reach beyond its own device. It prints one line per attempt on stdout (the journal):
 *
 *     HOSTILE <attempt>: denied (<errno name or reason>)
 *     HOSTILE <attempt>: SUCCEEDED (<what it got>)
 *
 * and "HOSTILE-INFO ..." lines that are no verdicts. It knows its victims from a file the scenario
 * writes before plugging its gadget (KEY=value lines, default /run/lab-victims): an attacker who
 * knows pids and paths, which are no secrets on a real system either.
 *
 * Attempt names never contain ": " (the scenario splits on it). Lab test code, not shipped. */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define VICTIMS_FILE_DEFAULT "/run/lab-victims"

/* The victims the scenario names, by their key prefix in the victims file (PRINTER_PID ...). */
#define VICTIM_PRINTER "printer"
#define VICTIM_SERIAL "serial"

enum {
        VICTIM_KEYS_MAX = 64,
        VICTIM_LINE_MAX = 1024,
        HOSTILE_PATH_MAX = 4096,
        ATTEMPT_NAME_MAX = 256,
        /* Room for two paths and some words. */
        DETAIL_MAX = 2 * HOSTILE_PATH_MAX + 256,
};

typedef struct Victims {
        size_t n;
        char *key[VICTIM_KEYS_MAX];
        char *value[VICTIM_KEYS_MAX];
} Victims;

/* report.c: the verdict lines, and sd_notify() without libsystemd. */
void report_result(const char *attempt, int r, const char *detail);
void report_denied_because(const char *attempt, const char *why);
void report_succeeded(const char *attempt, const char *detail);
void report_info(const char *format, ...) __attribute__((format(printf, 1, 2)));
/* "EPERM" and the like for a positive errno. */
const char *errno_name(int error);
void notify(const char *message);

/* victims.c */
int victims_load(Victims *v, const char *path);
/* The value of <VICTIM>_<FIELD> (e.g. printer + PID → PRINTER_PID), or of a plain key when victim
 * is NULL; NULL when absent or empty. */
const char *victims_get(const Victims *v, const char *victim, const char *field);
pid_t victims_pid(const Victims *v, const char *victim);

/* attack-process.c: signal 0, /proc, ptrace and friends (phase 1); the signals that stop or kill
 * (phase 2, once the scenario has checked the victims' data). */
void attack_processes(const Victims *v);
void attack_signals(const Victims *v);

/* attack-files.c: writes into other drivers' directories, links root might follow, shared IPC. */
void plant_own_tty_link(const Victims *v);
void attack_files(const Victims *v);
void plant_ipc_probes(void);

/* attack-devices.c: /dev nodes, ptys, network sockets, the broker. */
void attack_devices(const Victims *v);
void attack_network(void);
void attack_broker(void);

/* job-attack.c: the victim printer's job socket: connecting and querying it (its identity is then
 * what the hostile answers with), holding idle connections on it, replacing it with a listener. */
typedef struct JobServer JobServer;
void attack_job_socket(JobServer *s);

/* job-server.c: the listeners the hostile serves on, impersonating the victim or trickling its
 * replies as the mode file says; it pings the watchdog and runs phase 2 once the scenario's file
 * appears. */
JobServer *job_server_new(const Victims *v);
/* Listens on the socket drvhostd handed over (DRVHOST_SOCKET_FD), else on its own printer.sock. */
void job_server_listen_own(JobServer *s);
/* Serves until killed. */
void job_server_run(JobServer *s);
