/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Small helpers in the spirit of systemd's src/basic/macro.h: cleanup attributes so that every
 * early return is leak-free, and ownership transfer made explicit with TAKE_PTR()/TAKE_FD(). */

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _unused_ __attribute__((unused))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _pure_ __attribute__((pure))
#define _const_ __attribute__((const))
#define _sentinel_ __attribute__((sentinel))
#define _noreturn_ __attribute__((noreturn))

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

#define TAKE_PTR(p)                                                                                           \
        ({                                                                                                    \
                __typeof__(p) _ptr_ = (p);                                                                    \
                (p) = NULL;                                                                                   \
                _ptr_;                                                                                        \
        })

#define TAKE_FD(fd)                                                                                           \
        ({                                                                                                    \
                int _fd_ = (fd);                                                                              \
                (fd) = -EBADF;                                                                                \
                _fd_;                                                                                         \
        })

/* Defines a function usable with _cleanup_ that calls func(*p) when *p is not NULL. */
#define DEFINE_TRIVIAL_CLEANUP_FUNC(type, func)                                                               \
        static inline void func##p(type *p)                                                                   \
        {                                                                                                     \
                if (*p)                                                                                       \
                        *p = func(*p);                                                                        \
        }

/* Same for functions returning void. */
#define DEFINE_TRIVIAL_CLEANUP_FUNC_VOID(type, func)                                                          \
        static inline void func##p(type *p)                                                                   \
        {                                                                                                     \
                if (*p)                                                                                       \
                        func(*p);                                                                             \
        }

static inline void freep(void *p)
{
        free(*(void **)p);
}
#define _cleanup_free_ _cleanup_(freep)

static inline void *mfree(void *p)
{
        free(p);
        return NULL;
}

static inline int safe_close(int fd)
{
        if (fd >= 0) {
                int saved = errno;
                (void)close(fd);
                errno = saved;
        }
        return -EBADF;
}

static inline void closep(int *fd)
{
        *fd = safe_close(*fd);
}
#define _cleanup_close_ _cleanup_(closep)

static inline void fclosep(FILE **f)
{
        if (*f) {
                (void)fclose(*f);
                *f = NULL;
        }
}
#define _cleanup_fclose_ _cleanup_(fclosep)

static inline void strv_free(char **l)
{
        if (!l)
                return;
        for (char **i = l; *i; i++)
                free(*i);
        free(l);
}
static inline void strv_freep(char ***l)
{
        strv_free(*l);
        *l = NULL;
}
#define _cleanup_strv_free_ _cleanup_(strv_freep)

static inline size_t strv_length(char *const *l)
{
        size_t n = 0;

        while (l && l[n])
                n++;
        return n;
}

#define streq(a, b) (strcmp((a), (b)) == 0)
#define strneq(a, b, n) (strncmp((a), (b), (n)) == 0)

static inline const char *strempty(const char *s)
{
        return s ? s : "";
}

static inline const char *strna(const char *s)
{
        return s ? s : "n/a";
}

/* Converts a negative errno-style return value into a positive errno, for %m-style printing. */
#define ERRNO_VALUE(r) ((r) < 0 ? -(r) : (r))

#define PID_FMT "%d"

#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define CLAMP(x, lo, hi) MIN(MAX((x), (lo)), (hi))
