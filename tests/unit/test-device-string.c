/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <systemd/sd-bus.h>
#include <unistd.h>

#include <cmocka.h>

#include "device-string.h"
#include "utf8-oracle.h"

#define FILENAME_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-"

enum {
        NAME = 64,    /* a max_len a caller might choose */
        LONG = 4096,  /* a string far beyond any limit */
        PREFIX = 300, /* the common prefix of two long serials */
        RANDOM_RUNS = 2000,
        RANDOM_MAX_LEN = 600,
};

/* s with n copies of c, NUL-terminated. */
static char *repeat(char c, size_t n)
{
        char *s = malloc(n + 1);

        assert_non_null(s);
        memset(s, c, n);
        s[n] = '\0';
        return s;
}

static char *filename(const char *s, size_t max_len)
{
        char *name = NULL;

        assert_int_equal(device_string_to_filename(s, max_len, &name), 0);
        assert_non_null(name);
        return name;
}

static char *for_log(const char *s, size_t max_len)
{
        char *text = NULL;

        assert_int_equal(device_string_for_log(s, max_len, &text), 0);
        assert_non_null(text);
        return text;
}

static void assert_filename_equal(const char *s, size_t max_len, const char *expected)
{
        char *name = filename(s, max_len);

        assert_string_equal(name, expected);
        free(name);
}

static void assert_log_equal(const char *s, size_t max_len, const char *expected)
{
        char *text = for_log(s, max_len);

        assert_string_equal(text, expected);
        free(text);
}

static void assert_log_safe(const char *text, size_t max_len)
{
        assert_true(strlen(text) <= max_len);
        assert_true(utf8_valid(text));
        for (const unsigned char *p = (const unsigned char *)text; *p; p++)
                assert_true(*p >= 0x20 && *p != 0x7f);
}

static void assert_filename_safe(const char *name, size_t max_len)
{
        assert_true(*name);
        assert_true(strlen(name) <= max_len);
        assert_int_equal(strspn(name, FILENAME_CHARS), strlen(name));
        assert_true(name[0] != '.' && name[0] != '-');
}

static void test_filename_plain(void **state)
{
        assert_filename_equal("A1B2-c3_d4.e5", NAME, "A1B2-c3_d4.e5");
}

static void test_filename_control_chars(void **state)
{
        assert_filename_equal("a\nb\tc\x01\x1b[0m\x7f", NAME, "a_b_c___0m_");
        assert_filename_equal(" SN 1 ", NAME, "_SN_1_");
}

static void test_filename_slash_and_dots(void **state)
{
        assert_filename_equal("../../etc/shadow", NAME, "_._.._etc_shadow");
        assert_filename_equal("a/b", NAME, "a_b");
        assert_filename_equal("/", NAME, "_");
        assert_filename_equal(".", NAME, "_");
        assert_filename_equal("..", NAME, "_.");
        assert_filename_equal("...", NAME, "_..");
        assert_filename_equal(".hidden", NAME, "_hidden");
        assert_filename_equal("-rf", NAME, "_rf");
        assert_filename_equal("x.", NAME, "x.");
}

static void test_filename_plus_and_non_ascii(void **state)
{
        /* '+' stands for ':' in the fd store's names; unit names have no '+' either. */
        assert_filename_equal("a+b", NAME, "a_b");
        /* Valid UTF-8 is two bytes here, so two '_'; broken UTF-8 the same. */
        assert_filename_equal("caf\xc3\xa9", NAME, "caf__");
        assert_filename_equal("\xff\xfe\xc3", NAME, "___");
}

static void test_filename_empty_and_bad_limits(void **state)
{
        char *name = NULL;

        assert_int_equal(device_string_to_filename(NULL, NAME, &name), -EINVAL);
        assert_int_equal(device_string_to_filename("", NAME, &name), -EINVAL);
        assert_int_equal(device_string_to_filename("x", DEVICE_STRING_FILENAME_MIN - 1, &name), -EINVAL);
        assert_int_equal(device_string_to_filename("x", DEVICE_STRING_FILENAME_MAX + 1, &name), -EINVAL);
        assert_null(name);
}

static void test_filename_255_and_longer(void **state)
{
        char *s255 = repeat('S', DEVICE_STRING_FILENAME_MAX),
             *s256 = repeat('S', DEVICE_STRING_FILENAME_MAX + 1);
        char *s4096 = repeat('/', LONG), *name;

        /* Exactly at the limit: kept as it is, no hash. */
        name = filename(s255, DEVICE_STRING_FILENAME_MAX);
        assert_string_equal(name, s255);
        free(name);

        /* One byte over: cut, with the hash in the last 9 bytes. */
        name = filename(s256, DEVICE_STRING_FILENAME_MAX);
        assert_int_equal(strlen(name), DEVICE_STRING_FILENAME_MAX);
        assert_memory_equal(name, s256, DEVICE_STRING_FILENAME_MAX - DEVICE_STRING_HASH_SUFFIX_LEN);
        assert_int_equal(name[DEVICE_STRING_FILENAME_MAX - DEVICE_STRING_HASH_SUFFIX_LEN], '-');
        assert_filename_safe(name, DEVICE_STRING_FILENAME_MAX);
        free(name);

        name = filename(s4096, DEVICE_STRING_FILENAME_MAX);
        assert_int_equal(strlen(name), DEVICE_STRING_FILENAME_MAX);
        assert_filename_safe(name, DEVICE_STRING_FILENAME_MAX);
        free(name);

        free(s255);
        free(s256);
        free(s4096);
}

static void test_filename_long_common_prefix_stays_apart(void **state)
{
        char *prefix = repeat('S', PREFIX), a[PREFIX + 3], b[PREFIX + 3];
        char *na, *nb;

        (void)snprintf(a, sizeof(a), "%s-A", prefix);
        (void)snprintf(b, sizeof(b), "%s-B", prefix);
        na = filename(a, NAME);
        nb = filename(b, NAME);
        assert_string_not_equal(na, nb);
        assert_int_equal(strlen(na), NAME);
        assert_int_equal(strlen(nb), NAME);
        /* FNV-1a of the whole string: the same on every build and run. */
        assert_string_equal(na + NAME - DEVICE_STRING_HASH_SUFFIX_LEN, "-cd07005f");
        assert_string_equal(nb + NAME - DEVICE_STRING_HASH_SUFFIX_LEN, "-ce0701f2");
        free(na);
        free(nb);
        free(prefix);
}

static void test_filename_stable(void **state)
{
        char *s = repeat('x', LONG), *one = filename(s, NAME), *two = filename(s, NAME);

        assert_string_equal(one, two);
        free(one);
        free(two);
        free(s);
}

/* Every max_len and input length around it: the name is never longer than max_len and is exactly as
 * long as the input up to it. */
static void test_filename_max_len_exact(void **state)
{
        char *s = repeat('a', DEVICE_STRING_FILENAME_MAX + 2);

        for (size_t max_len = DEVICE_STRING_FILENAME_MIN; max_len <= DEVICE_STRING_FILENAME_MAX; max_len++)
                for (size_t len = max_len - 1; len <= max_len + 1; len++) {
                        char saved = s[len], *name;

                        s[len] = '\0';
                        name = filename(s, max_len);
                        assert_int_equal(strlen(name), len <= max_len ? len : max_len);
                        assert_int_equal(strchr(name, '-') != NULL, len > max_len);
                        free(name);
                        s[len] = saved;
                }
        free(s);
}

static void test_log_plain_and_utf8(void **state)
{
        assert_log_equal("", NAME, "");
        assert_log_equal("HP LaserJet 1020", NAME, "HP LaserJet 1020");
        assert_log_equal("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", NAME,
                         "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
}

static void test_log_control_chars(void **state)
{
        assert_log_equal("a\nb\tc\rd", NAME, "a\\nb\\tc\\rd");
        assert_log_equal("\x1b[31mred\x7f", NAME, "\\x1b[31mred\\x7f");
        assert_log_equal("\x01", NAME, "\\x01");
        /* A backslash of its own is doubled, so "\x41" from a device cannot pass for an escape. */
        assert_log_equal("\\x41", NAME, "\\\\x41");
}

static void test_log_invalid_utf8(void **state)
{
        assert_log_equal("\xff", NAME, "\\xff");
        assert_log_equal("a\xc3", NAME, "a\\xc3");                          /* cut short */
        assert_log_equal("\xc0\xaf", NAME, "\\xc0\\xaf");                   /* overlong '/' */
        assert_log_equal("\xe0\x80\xaf", NAME, "\\xe0\\x80\\xaf");          /* overlong, 3 bytes */
        assert_log_equal("\xed\xa0\x80", NAME, "\\xed\\xa0\\x80");          /* a surrogate */
        assert_log_equal("\xf4\x90\x80\x80", NAME, "\\xf4\\x90\\x80\\x80"); /* above U+10FFFF */
        assert_log_equal("\x80x", NAME, "\\x80x");                          /* a stray continuation byte */
}

static void test_log_unicode_controls(void **state)
{
        assert_log_equal("\xc2\x9b"
                         "2J",
                         NAME,
                         "\\xc2\\x9b"
                         "2J"); /* C1 CSI */
        assert_log_equal("a\xe2\x80\xa8"
                         "b",
                         NAME,
                         "a\\xe2\\x80\\xa8"
                         "b"); /* line separator */
        assert_log_equal("\xe2\x80\xae"
                         "cba",
                         NAME,
                         "\\xe2\\x80\\xae"
                         "cba");                                   /* right-to-left override */
        assert_log_equal("\xe2\x81\xa6", NAME, "\\xe2\\x81\\xa6"); /* isolate */
}

static void test_log_cut(void **state)
{
        /* Fits exactly: no marker. */
        assert_log_equal("abcdefgh", 8, "abcdefgh");
        assert_log_equal("abcdefghi", 8, "abcde" DEVICE_STRING_ELLIPSIS);
        /* Not inside an escape ... */
        assert_log_equal("abcd\x01xyz", 9, "abcd" DEVICE_STRING_ELLIPSIS);
        /* ... nor inside a character. */
        assert_log_equal("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 8,
                         "\xc3\xa9\xc3\xa9" DEVICE_STRING_ELLIPSIS);
        assert_log_equal("abcd", DEVICE_STRING_LOG_MIN, DEVICE_STRING_ELLIPSIS);
}

static void test_log_long(void **state)
{
        char *s = repeat('\x01', LONG), *text = for_log(s, DEVICE_STRING_FILENAME_MAX);
        size_t len = strlen(text);

        assert_log_safe(text, DEVICE_STRING_FILENAME_MAX);
        assert_true(len > DEVICE_STRING_FILENAME_MAX - 4 - DEVICE_STRING_LOG_MIN);
        assert_string_equal(text + len - DEVICE_STRING_LOG_MIN, DEVICE_STRING_ELLIPSIS);
        free(text);

        /* No limit. */
        text = for_log(s, SIZE_MAX);
        assert_int_equal(strlen(text), 4 * LONG);
        free(text);
        free(s);
}

static void test_log_errors_and_buf(void **state)
{
        char *text = NULL, buf[DEVICE_STRING_LOG_MIN + 3];

        assert_int_equal(device_string_for_log(NULL, NAME, &text), -EINVAL);
        assert_int_equal(device_string_for_log("x", DEVICE_STRING_LOG_MIN - 1, &text), -EINVAL);
        assert_null(text);
        assert_int_equal(device_string_for_log_buf("x", buf, DEVICE_STRING_LOG_MIN), -EINVAL);
        assert_int_equal(device_string_for_log_buf(NULL, buf, sizeof(buf)), -EINVAL);

        assert_int_equal(device_string_for_log_buf("ab", buf, sizeof(buf)), 0);
        assert_string_equal(buf, "ab");
        assert_int_equal(device_string_for_log_buf("abcdef", buf, sizeof(buf)), 0);
        assert_string_equal(buf, "ab" DEVICE_STRING_ELLIPSIS);
}

/* drvhostctl shows what drvhostd rendered: escaped once, not twice; raw bytes still escaped. */
static void test_terminal(void **state)
{
        char *text = NULL;

        assert_int_equal(device_string_for_terminal(NULL, &text), -EINVAL);
        assert_int_equal(device_string_for_terminal("Lab\\x1b[2J\x1b[31m\n\xff", &text), 0);
        assert_string_equal(text, "Lab\\x1b[2J\\x1b[31m\\n\\xff");
        free(text);
}

/* drvhostd hands a device's product string to D-Bus (ListDevices, GetDevice). sd-bus refuses a string
 * that is not valid UTF-8, and with it the whole reply: one device with a broken product string hid
 * every device from drvhostctl. Its rendering goes through. */
static void test_log_rendering_is_a_dbus_string(void **state)
{
        const char *product = "Printer \xff\xc3(";
        sd_bus *bus = NULL;
        sd_bus_message *m = NULL;
        char *text = for_log(product, NAME);
        int fds[2];

        /* A bus that is started (never answered) is enough to build messages. */
        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
        assert_int_equal(sd_bus_new(&bus), 0);
        assert_int_equal(sd_bus_set_fd(bus, fds[0], fds[0]), 0);
        assert_true(sd_bus_start(bus) >= 0);
        assert_int_equal(sd_bus_message_new_signal(bus, &m, "/org/drvhost/test", "org.drvhost.Test", "T"),
                         0);

        assert_int_equal(sd_bus_message_append(m, "s", product), -EINVAL);
        assert_true(sd_bus_message_append(m, "s", text) >= 0);

        sd_bus_message_unref(m);
        sd_bus_close_unref(bus);
        (void)close(fds[1]);
        free(text);
}

/* Random bytes, any length: whatever comes in, what goes out keeps both contracts. */
static void test_random_inputs(void **state)
{
        uint32_t seed = 1;
        char s[RANDOM_MAX_LEN + 1];

        for (size_t run = 0; run < RANDOM_RUNS; run++) {
                size_t len, max_len;
                char *name = NULL, *text;

                seed = seed * 1103515245 + 12345;
                len = seed % RANDOM_MAX_LEN;
                for (size_t i = 0; i < len; i++) {
                        seed = seed * 1103515245 + 12345;
                        s[i] = (char)((seed >> 16) % 255 + 1); /* no NUL */
                }
                s[len] = '\0';
                max_len = DEVICE_STRING_FILENAME_MIN +
                          run % (DEVICE_STRING_FILENAME_MAX - DEVICE_STRING_FILENAME_MIN + 1);

                if (len > 0) {
                        name = filename(s, max_len);
                        assert_filename_safe(name, max_len);
                        free(name);
                } else
                        assert_int_equal(device_string_to_filename(s, max_len, &name), -EINVAL);
                text = for_log(s, max_len);
                assert_log_safe(text, max_len);
                free(text);

                /* What drvhostd renders, drvhostctl shows unchanged. */
                text = for_log(s, SIZE_MAX);
                assert_int_equal(device_string_for_terminal(text, &name), 0);
                assert_string_equal(name, text);
                free(name);
                free(text);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_filename_plain),
            cmocka_unit_test(test_filename_control_chars),
            cmocka_unit_test(test_filename_slash_and_dots),
            cmocka_unit_test(test_filename_plus_and_non_ascii),
            cmocka_unit_test(test_filename_empty_and_bad_limits),
            cmocka_unit_test(test_filename_255_and_longer),
            cmocka_unit_test(test_filename_long_common_prefix_stays_apart),
            cmocka_unit_test(test_filename_stable),
            cmocka_unit_test(test_filename_max_len_exact),
            cmocka_unit_test(test_log_plain_and_utf8),
            cmocka_unit_test(test_log_control_chars),
            cmocka_unit_test(test_log_invalid_utf8),
            cmocka_unit_test(test_log_unicode_controls),
            cmocka_unit_test(test_log_cut),
            cmocka_unit_test(test_log_long),
            cmocka_unit_test(test_log_errors_and_buf),
            cmocka_unit_test(test_terminal),
            cmocka_unit_test(test_log_rendering_is_a_dbus_string),
            cmocka_unit_test(test_random_inputs),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
