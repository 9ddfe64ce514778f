/* Unit tests: log line formats and the rate limiter. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

/* Log one line into a pipe and return it without its timestamp field. */
static void capture(enum log_format f, const char *obj, const char *msg, char *out, size_t cap)
{
    int p[2];
    assert_int_equal(pipe(p), 0);
    log_init(LOG_INFO, f, p[1]);
    log_info("vrrp", obj, "%s", msg);
    log_debug("vrrp", obj, "hidden at info level");
    close(p[1]);
    char buf[4096];
    ssize_t n = read(p[0], buf, sizeof(buf) - 1);
    close(p[0]);
    assert_true(n > 0);
    buf[n] = 0;
    log_init(LOG_INFO, LOG_TEXT, 2);
    /* drop the timestamp: everything up to " level=" or ",\"level\"" */
    char *rest = strstr(buf, f == LOG_JSON ? "\"level\"" : "level=");
    assert_non_null(rest);
    snprintf(out, cap, "%s", rest);
}

static void text_line_is_logfmt(void **state)
{
    char line[4096];
    capture(LOG_TEXT, "apiserver", "MASTER -> BACKUP: \"x\"", line, sizeof(line));
    assert_string_equal(line, "level=info module=vrrp obj=\"apiserver\" "
                              "msg=\"MASTER -> BACKUP: \\\"x\\\"\"\n");
}

static void json_line_escapes(void **state)
{
    char line[4096];
    capture(LOG_JSON, NULL, "a\nb\x01", line, sizeof(line));
    assert_string_equal(line, "\"level\":\"info\",\"module\":\"vrrp\",\"msg\":\"a\\nb\\u0001\"}\n");
}

static void levels_parse(void **state)
{
    enum log_level l;
    enum log_format f;
    assert_int_equal(log_level_parse("debug", &l), 0);
    assert_int_equal(l, LOG_DEBUG);
    assert_int_equal(log_level_parse("warning", &l), 0);
    assert_int_equal(l, LOG_WARN);
    assert_int_equal(log_level_parse("loud", &l), -1);
    assert_int_equal(log_format_parse("json", &f), 0);
    assert_int_equal(f, LOG_JSON);
    assert_int_equal(log_format_parse("xml", &f), -1);
}

static void ratelimit_counts_suppressed(void **state)
{
    struct log_ratelimit rl = {.interval_ms = 1000, .burst = 2};
    uint64_t skipped;
    assert_int_equal(log_rl_allow(&rl, 5000, &skipped), 1);
    assert_int_equal(log_rl_allow(&rl, 5001, &skipped), 1);
    for (int i = 0; i < 5; i++)
        assert_int_equal(log_rl_allow(&rl, 5500, &skipped), 0);
    /* next window: allowed, and reports the 5 left out */
    assert_int_equal(log_rl_allow(&rl, 6000, &skipped), 1);
    assert_int_equal(skipped, 5);
    assert_int_equal(log_rl_allow(&rl, 6001, &skipped), 1);
    assert_int_equal(skipped, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(text_line_is_logfmt),
        cmocka_unit_test(json_line_escapes),
        cmocka_unit_test(levels_parse),
        cmocka_unit_test(ratelimit_counts_suppressed),
    };
    return cmocka_run_group_tests_name("log", tests, NULL, NULL);
}
