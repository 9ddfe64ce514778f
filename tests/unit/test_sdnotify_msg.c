/* Unit tests for src/sdnotify/msg.c: NOTIFY_SOCKET addresses, the watchdog
 * interval from WATCHDOG_USEC / WATCHDOG_PID, and the text of the messages,
 * written from sd_notify(3) and sd_watchdog_enabled(3). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "sdnotify/msg.h"

#define BASE offsetof(struct sockaddr_un, sun_path)

static void path_socket(void **state)
{
    struct sockaddr_un sa;
    socklen_t len = 0;
    char err[128];
    assert_int_equal(sdn_addr_parse("/run/systemd/notify", &sa, &len, err, sizeof(err)), 0);
    assert_int_equal(sa.sun_family, AF_UNIX);
    assert_string_equal(sa.sun_path, "/run/systemd/notify");
    assert_int_equal(len, BASE + strlen("/run/systemd/notify") + 1); /* with its NUL */
}

static void abstract_socket(void **state)
{
    struct sockaddr_un sa;
    socklen_t len = 0;
    char err[128];
    assert_int_equal(
        sdn_addr_parse("@/org/freedesktop/systemd1/notify/42", &sa, &len, err, sizeof(err)), 0);
    assert_int_equal(sa.sun_path[0], 0);
    assert_memory_equal(sa.sun_path + 1, "/org/freedesktop/systemd1/notify/42", 35);
    assert_int_equal(len, BASE + 36); /* the NUL and the name, no terminator */
}

static void socket_lengths_at_the_limit(void **state)
{
    struct sockaddr_un sa;
    socklen_t len;
    char err[128], s[sizeof(sa.sun_path) + 2];
    /* a path needs room for its terminating NUL; an abstract name does not */
    memset(s, 'a', sizeof(s));
    s[0] = '/';
    s[sizeof(sa.sun_path) - 1] = 0;
    assert_int_equal(sdn_addr_parse(s, &sa, &len, err, sizeof(err)), 0);
    assert_int_equal(len, sizeof(struct sockaddr_un));
    s[sizeof(sa.sun_path) - 1] = 'a';
    s[sizeof(sa.sun_path)] = 0;
    assert_int_equal(sdn_addr_parse(s, &sa, &len, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "more than a socket address holds"));
    s[0] = '@';
    assert_int_equal(sdn_addr_parse(s, &sa, &len, err, sizeof(err)), 0);
    assert_int_equal(len, sizeof(struct sockaddr_un));
    s[sizeof(sa.sun_path)] = 'a';
    s[sizeof(sa.sun_path) + 1] = 0;
    assert_int_equal(sdn_addr_parse(s, &sa, &len, err, sizeof(err)), -1);
}

static void socket_refused(void **state)
{
    static const char *const bad[] = {"", "/", "@", "run/notify", "vsock:2:1234", "notify"};
    struct sockaddr_un sa;
    socklen_t len;
    char err[128];
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = 0;
        assert_int_equal(sdn_addr_parse(bad[i], &sa, &len, err, sizeof(err)), -1);
        assert_non_null(strstr(err, "neither an absolute path nor '@name'"));
    }
    assert_int_equal(sdn_addr_parse(NULL, &sa, &len, err, sizeof(err)), -1);
}

static void watchdog_half_the_timeout(void **state)
{
    uint64_t ns = 0;
    char err[128];
    /* WatchdogSec=20s: systemd passes 20000000 µs; we ping every 10 s */
    assert_int_equal(sdn_watchdog_interval("20000000", NULL, 4242, &ns, err, sizeof(err)), 1);
    assert_int_equal(ns, 10000000000ULL);
    assert_int_equal(sdn_watchdog_interval("1", NULL, 4242, &ns, err, sizeof(err)), 1);
    assert_int_equal(ns, 500);
    /* an absurd timeout is clamped, not wrapped round to a short one */
    assert_int_equal(
        sdn_watchdog_interval("18446744073709551615", NULL, 4242, &ns, err, sizeof(err)), 1);
    assert_int_equal(ns, UINT64_MAX / 2);
}

static void watchdog_pid(void **state)
{
    uint64_t ns = 7;
    char err[128];
    assert_int_equal(sdn_watchdog_interval("4000000", "4242", 4242, &ns, err, sizeof(err)), 1);
    assert_int_equal(ns, 2000000000ULL);
    /* meant for another process (our parent was the service's main pid) */
    ns = 7;
    assert_int_equal(sdn_watchdog_interval("4000000", "4243", 4242, &ns, err, sizeof(err)), 0);
    assert_int_equal(ns, 7);
    /* no WATCHDOG_USEC: no watchdog, whatever WATCHDOG_PID says */
    assert_int_equal(sdn_watchdog_interval(NULL, "4242", 4242, &ns, err, sizeof(err)), 0);
    assert_int_equal(sdn_watchdog_interval(NULL, NULL, 4242, &ns, err, sizeof(err)), 0);
}

static void watchdog_malformed(void **state)
{
    static const char *const bad_usec[] = {"",   "0",  "-5",  "+5",
                                           " 5", "5s", "1e6", "99999999999999999999"};
    uint64_t ns;
    char err[128];
    for (size_t i = 0; i < sizeof(bad_usec) / sizeof(bad_usec[0]); i++) {
        err[0] = 0;
        assert_int_equal(sdn_watchdog_interval(bad_usec[i], NULL, 1, &ns, err, sizeof(err)), -1);
        assert_non_null(strstr(err, "WATCHDOG_USEC"));
    }
    err[0] = 0;
    assert_int_equal(sdn_watchdog_interval("1000", "12x", 12, &ns, err, sizeof(err)), -1);
    assert_string_equal(err, "WATCHDOG_PID '12x' is not a process id");
    assert_int_equal(sdn_watchdog_interval("1000", "0", 12, &ns, err, sizeof(err)), -1);
}

static void reloading_message(void **state)
{
    char buf[64];
    int n = sdn_fmt_reloading(buf, sizeof(buf), 1234567890123ULL);
    assert_string_equal(buf, "RELOADING=1\nMONOTONIC_USEC=1234567890");
    assert_int_equal(n, strlen(buf));
    /* too small a buffer is an error, never a cut message */
    assert_int_equal(sdn_fmt_reloading(buf, 20, 1234567890123ULL), -1);
}

static void status_one_line(void **state)
{
    char buf[64];
    int n = sdn_fmt_status(buf, sizeof(buf), "vi MASTER, apiserver 3/3 servers up");
    assert_string_equal(buf, "STATUS=vi MASTER, apiserver 3/3 servers up");
    assert_int_equal(n, strlen(buf));
    /* a newline would start another KEY=VALUE line: it must not */
    sdn_fmt_status(buf, sizeof(buf), "a\nRELOADING=1\tb\r\x7f");
    assert_string_equal(buf, "STATUS=a RELOADING=1 b  ");
    assert_int_equal(sdn_fmt_status(buf, sizeof(buf), ""), 7);
    assert_string_equal(buf, "STATUS=");
}

static void status_cut_on_a_character(void **state)
{
    char buf[16];
    /* 7 bytes of key, room for 8 bytes of line */
    assert_int_equal(sdn_fmt_status(buf, sizeof(buf), "0123456789"), 15);
    assert_string_equal(buf, "STATUS=01234567");
    /* "abcdefg" then "é" (2 bytes) would straddle the cut: it goes whole */
    assert_int_equal(sdn_fmt_status(buf, sizeof(buf), "abcdefg\xc3\xa9z"), 14);
    assert_string_equal(buf, "STATUS=abcdefg");
    /* a 3-byte character that fits exactly stays */
    assert_int_equal(sdn_fmt_status(buf, sizeof(buf), "abcde\xe2\x82\xac"), 15);
    assert_string_equal(buf, "STATUS=abcde\xe2\x82\xac");
    assert_int_equal(sdn_fmt_status(buf, 7, "x"), -1);
    assert_int_equal(sdn_fmt_status(buf, 8, "x"), 7);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(path_socket),
        cmocka_unit_test(abstract_socket),
        cmocka_unit_test(socket_lengths_at_the_limit),
        cmocka_unit_test(socket_refused),
        cmocka_unit_test(watchdog_half_the_timeout),
        cmocka_unit_test(watchdog_pid),
        cmocka_unit_test(watchdog_malformed),
        cmocka_unit_test(reloading_message),
        cmocka_unit_test(status_one_line),
        cmocka_unit_test(status_cut_on_a_character),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
