/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Reaching other drivers' processes: finding them in /proc, signals, their /proc files, ptrace,
 * reading their memory, taking their fds. */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hostile.h"

enum {
        /* The fds a driver's process may hold that pidfd_getfd() tries: its device sits at 3 or just
         * after the fd store's fds. */
        FOREIGN_FD_PROBE_MAX = 32,
        /* How long a stopped victim stays stopped before SIGCONT: enough to show the stop worked. */
        STOP_NSEC = 100 * 1000 * 1000,
        DECIMAL = 10,
};

/* An address no process maps: a read there fails with EFAULT only once access was granted. */
#define UNMAPPED_ADDRESS ((void *)0x1000)

static const char *const victims_all[] = {VICTIM_PRINTER, VICTIM_SERIAL};

/* Whether some process other than ourselves shows in /proc. */
static void proc_scan(const Victims *v)
{
        char found[DETAIL_MAX] = "";
        size_t len = 0;
        struct dirent *de;
        DIR *d = opendir("/proc");

        if (!d) {
                report_denied_because("see other processes in /proc", errno_name(errno));
                return;
        }
        while ((de = readdir(d))) {
                long pid;
                char *end;

                if (!isdigit((unsigned char)de->d_name[0]))
                        continue;
                pid = strtol(de->d_name, &end, DECIMAL);
                if (*end != '\0' || pid == getpid())
                        continue;
                if (len < sizeof(found) - 1)
                        len += (size_t)snprintf(found + len, sizeof(found) - len, "%s%ld%s", len ? " " : "",
                                                pid,
                                                pid == victims_pid(v, VICTIM_PRINTER)  ? "(printer)"
                                                : pid == victims_pid(v, VICTIM_SERIAL) ? "(serial)"
                                                                                       : "");
        }
        closedir(d);
        if (len > 0)
                report_succeeded("see other processes in /proc", found);
        else
                report_denied_because("see other processes in /proc", "only its own process is listed");
}

static int read_one_byte(const char *path)
{
        char c;
        int fd = open(path, O_RDONLY | O_CLOEXEC), r = 0;

        if (fd < 0)
                return -errno;
        if (read(fd, &c, 1) < 0)
                r = -errno;
        close(fd);
        return r;
}

static int list_dir(const char *path, char *detail, size_t size)
{
        struct dirent *de;
        size_t n = 0;
        DIR *d = opendir(path);

        if (!d)
                return -errno;
        errno = 0;
        while ((de = readdir(d)))
                if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
                        n++;
        closedir(d);
        (void)snprintf(detail, size, "%zu entries in %s", n, path);
        return 0;
}

static void proc_files(const char *victim, pid_t pid)
{
        char path[HOSTILE_PATH_MAX], attempt[ATTEMPT_NAME_MAX], detail[DETAIL_MAX];
        static const char *const readable[] = {"environ", "maps"};
        static const char *const listable[] = {"fd", "root"};

        for (size_t i = 0; i < sizeof(readable) / sizeof(readable[0]); i++) {
                (void)snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, readable[i]);
                (void)snprintf(attempt, sizeof(attempt), "read %s's /proc/PID/%s", victim, readable[i]);
                report_result(attempt, read_one_byte(path), path);
        }
        for (size_t i = 0; i < sizeof(listable) / sizeof(listable[0]); i++) {
                (void)snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, listable[i]);
                (void)snprintf(attempt, sizeof(attempt), "list %s's /proc/PID/%s", victim, listable[i]);
                report_result(attempt, list_dir(path, detail, sizeof(detail)), detail);
        }
}

static void trace(const char *victim, pid_t pid)
{
        char attempt[ATTEMPT_NAME_MAX];
        int status;

        (void)snprintf(attempt, sizeof(attempt), "ptrace %s", victim);
        if (ptrace(PTRACE_SEIZE, pid, NULL, NULL) < 0) {
                report_denied_because(attempt, errno_name(errno));
                return;
        }
        report_succeeded(attempt, "PTRACE_SEIZE attached");
        /* Let go again: what matters is that it could. */
        if (ptrace(PTRACE_INTERRUPT, pid, NULL, NULL) >= 0 && waitpid(pid, &status, __WALL) >= 0)
                (void)ptrace(PTRACE_DETACH, pid, NULL, NULL);
}

static void read_memory(const char *victim, pid_t pid)
{
        char attempt[ATTEMPT_NAME_MAX], byte;
        struct iovec local = {.iov_base = &byte, .iov_len = 1};
        struct iovec remote = {.iov_base = UNMAPPED_ADDRESS, .iov_len = 1};

        (void)snprintf(attempt, sizeof(attempt), "read %s's memory (process_vm_readv)", victim);
        if (process_vm_readv(pid, &local, 1, &remote, 1, 0) >= 0)
                report_succeeded(attempt, "read a byte");
        else if (errno == EFAULT)
                report_succeeded(attempt, "access granted (EFAULT at an unmapped address)");
        else
                report_denied_because(attempt, errno_name(errno));
}

static void take_fds(const char *victim, pid_t pid)
{
        char attempt[ATTEMPT_NAME_MAX], detail[DETAIL_MAX] = "";
        int pidfd, error = 0;
        size_t len = 0;

        (void)snprintf(attempt, sizeof(attempt), "take %s's fds (pidfd_getfd)", victim);
        pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
        if (pidfd < 0) {
                report_denied_because(attempt, errno_name(errno));
                return;
        }
        for (int fd = 0; fd < FOREIGN_FD_PROBE_MAX; fd++) {
                int got = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);

                if (got >= 0) {
                        len += (size_t)snprintf(detail + len, sizeof(detail) - len, "%sfd %d",
                                                len ? ", " : "", fd);
                        close(got);
                } else if (errno != EBADF && error == 0)
                        error = errno;
        }
        close(pidfd);
        if (len > 0)
                report_succeeded(attempt, detail);
        else
                report_denied_because(attempt, error ? errno_name(error) : "no fd taken");
}

static void send_signal(const char *victim, pid_t pid, int sig)
{
        char attempt[ATTEMPT_NAME_MAX];
        const struct timespec stopped = {.tv_nsec = STOP_NSEC};

        (void)snprintf(attempt, sizeof(attempt), "signal %s to %s", sig ? sigabbrev_np(sig) : "0", victim);
        if (kill(pid, sig) < 0) {
                report_denied_because(attempt, errno_name(errno));
                return;
        }
        report_succeeded(attempt, "kill() returned 0");
        if (sig == SIGSTOP) {
                (void)nanosleep(&stopped, NULL);
                (void)kill(pid, SIGCONT);
        }
}

void attack_processes(const Victims *v)
{
        proc_scan(v);
        for (size_t i = 0; i < sizeof(victims_all) / sizeof(victims_all[0]); i++) {
                const char *victim = victims_all[i];
                pid_t pid = victims_pid(v, victim);

                if (pid <= 0) {
                        report_info("no pid for %s in the victims file: its process attempts are skipped",
                                    victim);
                        continue;
                }
                send_signal(victim, pid, 0);
                proc_files(victim, pid);
                trace(victim, pid);
                read_memory(victim, pid);
                take_fds(victim, pid);
        }
}

void attack_signals(const Victims *v)
{
        pid_t printer = victims_pid(v, VICTIM_PRINTER), serial = victims_pid(v, VICTIM_SERIAL);

        /* STOP on both (continued at once); then one deadly signal each, since after a first one that
         * works the pid is gone and a second would only report ESRCH. */
        if (printer > 0) {
                send_signal(VICTIM_PRINTER, printer, SIGSTOP);
                send_signal(VICTIM_PRINTER, printer, SIGSEGV);
        }
        if (serial > 0) {
                send_signal(VICTIM_SERIAL, serial, SIGSTOP);
                send_signal(VICTIM_SERIAL, serial, SIGTERM);
        }
}
