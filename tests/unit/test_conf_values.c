/* Unit tests: value syntax (durations, integers, addresses, HOST:PORT,
 * commands), canonical formats, suggestions and the lexer. */
#include "test_conf.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include "conf/conf-int.h"

static uint64_t dur_ok(const char *s)
{
    char err[128] = "";
    uint64_t ms = 12345;

    if (cfg_parse_duration(s, &ms, err, sizeof(err)) != 0)
        fail_msg("'%s' rejected: %s", s, err);
    return ms;
}

static void dur_bad(const char *s, const char *reason)
{
    char err[128] = "";
    uint64_t ms = 777;

    assert_int_equal(cfg_parse_duration(s, &ms, err, sizeof(err)), -1);
    assert_string_equal(err, reason);
    assert_int_equal(ms, 777);
}

static void durations(void **state)
{
    assert_int_equal(dur_ok("250ms"), 250);
    assert_int_equal(dur_ok("2s"), 2000);
    assert_int_equal(dur_ok("1m"), 60000);
    assert_int_equal(dur_ok("1h"), 3600000);
    assert_int_equal(dur_ok("1d"), 86400000);
    assert_int_equal(dur_ok("3"), 3000);
    assert_int_equal(dur_ok("0"), 0);
    assert_int_equal(dur_ok("0.1"), 100);
    assert_int_equal(dur_ok("0.01"), 10);
    assert_int_equal(dur_ok("40.95"), 40950);
    assert_int_equal(dur_ok("1.5s"), 1500);
    assert_int_equal(dur_ok("1.25m"), 75000);
    assert_int_equal(dur_ok("0.5h"), 1800000);
    assert_int_equal(dur_ok(".5"), 500);
    assert_int_equal(dur_ok("0.0010000000000"), 1);
    assert_int_equal(dur_ok("007s"), 7000);
    const char *bad = "expected a duration such as 250ms, 2s, 1m, 1h or 0.5";
    dur_bad("", bad);
    dur_bad("-1", bad);
    dur_bad("1x", bad);
    dur_bad("1 s", bad);
    dur_bad("1.2.3", bad);
    dur_bad("1e3", bad);
    dur_bad("ms", bad);
    dur_bad(".", bad);
    dur_bad("1S", bad);
    dur_bad("1.5ms", "not a whole number of milliseconds");
    dur_bad("0.0005", "not a whole number of milliseconds");
    dur_bad("0.0000000001", "not a whole number of milliseconds");
    dur_bad("99999999999999999999", "too large");
    dur_bad("200000000000d", "too large");
}

static void duration_format(void **state)
{
    char b[32];
    const struct {
        uint64_t ms;
        const char *s;
    } t[] = {{0, "0s"},     {1, "1ms"},     {100, "100ms"},  {1000, "1s"},      {1500, "1500ms"},
             {60000, "1m"}, {90000, "90s"}, {3600000, "1h"}, {86400000, "24h"}, {5400000, "90m"}};

    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        assert_string_equal(cfg_format_duration(t[i].ms, b, sizeof(b)), t[i].s);
        assert_int_equal(dur_ok(b), t[i].ms);
    }
}

static void integers(void **state)
{
    char err[96];
    int64_t v = 0;

    assert_int_equal(cfg_parse_int("42", 0, 100, &v, err, sizeof(err)), 0);
    assert_int_equal(v, 42);
    assert_int_equal(cfg_parse_int("+7", -10, 10, &v, err, sizeof(err)), 0);
    assert_int_equal(v, 7);
    assert_int_equal(cfg_parse_int("-253", -253, 253, &v, err, sizeof(err)), 0);
    assert_int_equal(v, -253);
    assert_int_equal(cfg_parse_int("-254", -253, 253, &v, err, sizeof(err)), -1);
    assert_string_equal(err, "must be between -253 and 253");
    assert_int_equal(cfg_parse_int("256", 1, 255, &v, err, sizeof(err)), -1);
    assert_string_equal(err, "must be between 1 and 255");
    assert_int_equal(cfg_parse_int("99999999999999999999999", 1, 255, &v, err, sizeof(err)), -1);
    assert_string_equal(err, "must be between 1 and 255");
    const char *bad[] = {"", "abc", "12a", "1.0", "-", "0x10", " 1"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(cfg_parse_int(bad[i], 0, 100, &v, err, sizeof(err)), -1);
        assert_string_equal(err, "expected an integer");
    }
    bool b = false;
    assert_int_equal(cfg_parse_bool("on", &b), 0);
    assert_true(b);
    assert_int_equal(cfg_parse_bool("no", &b), 0);
    assert_false(b);
    assert_int_equal(cfg_parse_bool("On", &b), -1);
    assert_int_equal(cfg_parse_bool("1", &b), -1);
}

static void addr_ok(const char *s, int prefix_ok, int family, int prefix, const char *canon_s)
{
    struct cfg_addr a;
    char err[96], buf[64];

    if (cfg_parse_addr(s, prefix_ok, &a, err, sizeof(err)) != 0)
        fail_msg("'%s' rejected: %s", s, err);
    assert_int_equal(a.family, family);
    assert_int_equal(a.prefix, prefix);
    assert_string_equal(cfg_format_addr(&a, 1, buf, sizeof(buf)), canon_s);
}

static void addr_bad(const char *s, int prefix_ok, const char *reason)
{
    struct cfg_addr a;
    char err[96];

    assert_int_equal(cfg_parse_addr(s, prefix_ok, &a, err, sizeof(err)), -1);
    assert_string_equal(err, reason);
}

static void addresses(void **state)
{
    addr_ok("192.168.200.154", 1, AF_INET, 32, "192.168.200.154/32");
    addr_ok("10.0.0.1/8", 1, AF_INET, 8, "10.0.0.1/8");
    addr_ok("10.0.0.1/0", 1, AF_INET, 0, "10.0.0.1/0");
    addr_ok("2001:DB8::1", 1, AF_INET6, 128, "2001:db8::1/128");
    addr_ok("2001:db8::1/64", 1, AF_INET6, 64, "2001:db8::1/64");
    addr_ok("::1", 0, AF_INET6, 128, "::1/128");
    addr_ok("::ffff:1.2.3.4", 0, AF_INET6, 128, "::ffff:1.2.3.4/128");
    addr_bad("1.2.3", 1, "not an IPv4 or IPv6 address");
    addr_bad("1.2.3.256", 1, "not an IPv4 or IPv6 address");
    addr_bad("fe80::1%eth0", 1, "not an IPv4 or IPv6 address");
    addr_bad("", 1, "not an IPv4 or IPv6 address");
    addr_bad("/24", 1, "not an IPv4 or IPv6 address");
    addr_bad("host", 1, "not an IPv4 or IPv6 address");
    addr_bad("1.2.3.4/33", 1, "prefix length must be between 0 and 32");
    addr_bad("::1/129", 1, "prefix length must be between 0 and 128");
    addr_bad("1.2.3.4/", 1, "prefix length must be between 0 and 32");
    addr_bad("1.2.3.4/+8", 1, "prefix length must be between 0 and 32");
    addr_bad("1.2.3.4/24", 0, "a prefix length is not allowed here");

    struct cfg_addr a, b;
    char err[96];
    assert_int_equal(cfg_parse_addr("10.0.0.1/8", 1, &a, err, sizeof(err)), 0);
    assert_int_equal(cfg_parse_addr("10.0.0.1", 1, &b, err, sizeof(err)), 0);
    assert_true(cfg_addr_equal(&a, &b)); /* the address, not the prefix */
    assert_int_equal(cfg_parse_addr("::a00:1", 1, &b, err, sizeof(err)), 0);
    assert_false(cfg_addr_equal(&a, &b));
}

static void ep_ok(const char *s, int names, enum cfg_host_kind kind, int port, const char *canon_s)
{
    struct cfg_endpoint e;
    char err[96], buf[300];

    if (cfg_parse_endpoint(s, names, &e, err, sizeof(err)) != 0)
        fail_msg("'%s' rejected: %s", s, err);
    assert_int_equal(e.kind, kind);
    assert_int_equal(e.port, port);
    assert_string_equal(cfg_format_endpoint(&e, buf, sizeof(buf)), canon_s);
    free(e.name);
}

static void ep_bad(const char *s, int names, const char *reason)
{
    struct cfg_endpoint e;
    char err[96];

    assert_int_equal(cfg_parse_endpoint(s, names, &e, err, sizeof(err)), -1);
    assert_string_equal(err, reason);
}

static void endpoints(void **state)
{
    ep_ok("192.168.200.151:6443", 0, CFG_HOST_ADDR, 6443, "192.168.200.151:6443");
    ep_ok("[::1]:443", 0, CFG_HOST_ADDR, 443, "[::1]:443");
    ep_ok("[2001:DB8::5]:1", 0, CFG_HOST_ADDR, 1, "[2001:db8::5]:1");
    ep_ok("*:16443", 0, CFG_HOST_ANY, 16443, "*:16443");
    ep_ok(":8443", 0, CFG_HOST_ANY, 8443, "*:8443");
    ep_ok("0.0.0.0:80", 0, CFG_HOST_ADDR, 80, "0.0.0.0:80");
    ep_ok("master1:6443", 1, CFG_HOST_NAME, 6443, "master1:6443");
    ep_ok("k8s-api.example.com:65535", 1, CFG_HOST_NAME, 65535, "k8s-api.example.com:65535");
    ep_bad("master1:6443", 0, "expected ADDRESS:PORT, [IPv6]:PORT or *:PORT");
    ep_bad("1.2.3.4", 1, "missing port (expected HOST:PORT)");
    ep_bad("1.2.3.4:", 1, "missing port (expected HOST:PORT)");
    ep_bad("::1:80", 1, "IPv6 addresses need brackets, as in [2001:db8::1]:6443");
    ep_bad("[::1]", 1, "missing port (expected [IPv6]:PORT)");
    ep_bad("[::1]80", 1, "missing port (expected [IPv6]:PORT)");
    ep_bad("[1.2.3.4]:80", 1, "expected [IPv6]:PORT");
    ep_bad("[::1:80", 1, "expected [IPv6]:PORT");
    ep_bad("1.2.3.4:0", 1, "port must be between 1 and 65535");
    ep_bad("1.2.3.4:65536", 1, "port must be between 1 and 65535");
    ep_bad("1.2.3.4:+80", 1, "port must be between 1 and 65535");
    ep_bad("1.2.3.4:http", 1, "port must be between 1 and 65535");
    ep_bad("1.2.3.300:80", 1, "not an address or host name");
    ep_bad("-bad:80", 1, "not an address or host name");
    ep_bad("bad-.example:80", 1, "not an address or host name");
    ep_bad("a..b:80", 1, "not an address or host name");
    ep_bad("under_score:80", 1, "not an address or host name");
}

static void commands(void **state)
{
    struct cfg_cmd c = {0};
    char err[96];

    assert_int_equal(cfg_split_cmd("killall -0 haproxy", &c, err, sizeof(err)), 0);
    assert_int_equal(c.argc, 3);
    assert_string_equal(c.argv[0], "killall");
    assert_string_equal(c.argv[1], "-0");
    assert_string_equal(c.argv[2], "haproxy");
    assert_null(c.argv[3]);
    cfg_cmd_free(&c);

    assert_int_equal(cfg_split_cmd("  /bin/sh -c 'exit 1'  \"a b\" it's ''", &c, err, sizeof(err)),
                     0);
    assert_int_equal(c.argc, 6);
    assert_string_equal(c.argv[0], "/bin/sh");
    assert_string_equal(c.argv[1], "-c");
    assert_string_equal(c.argv[2], "exit 1");
    assert_string_equal(c.argv[3], "a b");
    assert_string_equal(c.argv[4], "it's");
    assert_string_equal(c.argv[5], "");
    assert_null(c.argv[6]);
    cfg_cmd_free(&c);

    assert_int_equal(cfg_split_cmd(" \t", &c, err, sizeof(err)), -1);
    assert_string_equal(err, "empty command");
    assert_int_equal(cfg_split_cmd("a 'b c", &c, err, sizeof(err)), -1);
    assert_string_equal(err, "unterminated ' quote");
    assert_null(c.argv);
}

static void suggestions(void **state)
{
    const char *names[] = {"priority", "preempt", "preempt_delay", "interface", "state"};
    const struct {
        const char *word, *best;
    } t[] = {{"prioriti", "priority"},
             {"prioirty", "priority"},
             {"preemt", "preempt"},
             {"intrface", "interface"},
             {"stat", "state"},
             {"preempt_dealy", "preempt_delay"},
             {"xyz", NULL},
             {"p", NULL},
             {"priority", NULL}};

    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        struct cfg_suggest sg;

        cfg_suggest_init(&sg, t[i].word);
        for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++)
            cfg_suggest_try(&sg, names[k]);
        if (t[i].best)
            assert_string_equal(sg.best, t[i].best);
        else
            assert_null(sg.best);
    }
}

/* Lexer: tokens, positions (tabs count one column), comments, strings. */
static void lexer(void **state)
{
    const char *src = "! comment\n"
                      "a\tb{c}  # trailing\n"
                      "\n"
                      "  \"x \\\"y\\\" \\\\ \\n\\d\" long\\\n"
                      "word\r\n"
                      "k !v #w\n"
                      "unicast_peer { 1.2.3.4 ::1 }";
    struct {
        enum cfg_tk k;
        uint32_t line, col;
        const char *s;
    } want[] = {{CFG_TK_WORD, 2, 1, "a"},
                {CFG_TK_WORD, 2, 3, "b"},
                {CFG_TK_LBRACE, 2, 4, "{"},
                {CFG_TK_WORD, 2, 5, "c"},
                {CFG_TK_RBRACE, 2, 6, "}"},
                {CFG_TK_EOL, 2, 19, ""},
                {CFG_TK_STRING, 4, 3, "x \"y\" \\ \n\\d"},
                {CFG_TK_WORD, 4, 21, "long"},
                {CFG_TK_WORD, 5, 1, "word"},
                {CFG_TK_EOL, 5, 6, ""},
                {CFG_TK_WORD, 6, 1, "k"},
                {CFG_TK_EOL, 6, 8, ""},
                {CFG_TK_WORD, 7, 1, "unicast_peer"},
                {CFG_TK_LBRACE, 7, 14, "{"},
                {CFG_TK_WORD, 7, 16, "1.2.3.4"},
                {CFG_TK_WORD, 7, 24, "::1"},
                {CFG_TK_RBRACE, 7, 28, "}"},
                {CFG_TK_EOL, 7, 29, ""},
                {CFG_TK_EOF, 7, 29, ""}};
    struct cfg_diags d = {0};
    struct cfg_lex lx;

    assert_int_equal(cfg_lex(&lx, "l.conf", src, strlen(src), &d), 0);
    assert_int_equal(d.n, 0);
    assert_int_equal(lx.ntok, sizeof(want) / sizeof(want[0]));
    for (size_t i = 0; i < lx.ntok; i++) {
        assert_int_equal(lx.tok[i].kind, want[i].k);
        assert_int_equal(lx.tok[i].line, want[i].line);
        assert_int_equal(lx.tok[i].col, want[i].col);
        assert_string_equal(lx.tok[i].s, want[i].s);
        assert_int_equal(lx.tok[i].len, strlen(want[i].s));
    }
    cfg_lex_free(&lx);
}

static void lexer_continuation_and_errors(void **state)
{
    static const char src[] = "script a \\\n  b\nx \"open\ny \"a\0b\" \0z";
    struct cfg_diags d = {0};
    struct cfg_lex lx;
    char *got;

    assert_int_equal(cfg_lex(&lx, "l.conf", src, sizeof(src) - 1, &d), 0);
    got = diags_text(&d);
    assert_string_equal(got, "l.conf:3:3: error: unterminated string (missing '\"')\n"
                             "l.conf:4:5: error: NUL byte in string\n"
                             "l.conf:4:9: error: NUL byte in input\n");
    free(got);
    assert_int_equal(lx.tok[0].kind, CFG_TK_WORD);
    assert_string_equal(lx.tok[2].s, "b"); /* joined to line 1 */
    assert_int_equal(lx.tok[2].line, 2);
    assert_int_equal(lx.tok[3].kind, CFG_TK_EOL);
    assert_string_equal(lx.tok[5].s, "open");
    assert_int_equal(lx.tok[6].kind, CFG_TK_EOL);
    assert_string_equal(lx.tok[8].s, "a?b");
    assert_string_equal(lx.tok[9].s, "z");
    cfg_lex_free(&lx);
    cfg_diags_free(&d);
}

static void diag_format(void **state)
{
    struct cfg_diag e = {CFG_SEV_WARNING, "a.conf", 3, 7, "msg"};
    char buf[128];

    cfg_diag_format(&e, buf, sizeof(buf));
    assert_string_equal(buf, "a.conf:3:7: warning: msg");
    e.line = 0;
    cfg_diag_format(&e, buf, sizeof(buf));
    assert_string_equal(buf, "a.conf: warning: msg");
    e.file = NULL;
    e.sev = CFG_SEV_ERROR;
    cfg_diag_format(&e, buf, sizeof(buf));
    assert_string_equal(buf, "error: msg");

    struct cfg_diags d = {0};
    struct cfg_pos pos = {"f", 1, 2};
    cfg_diag_add(&d, CFG_SEV_ERROR, &pos, "bad \x01 char\n");
    assert_int_equal(d.nerrors, 1);
    assert_string_equal(d.v[0].msg, "bad ? char?");
    cfg_diags_free(&d);
    assert_int_equal(d.n, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(durations),
        cmocka_unit_test(duration_format),
        cmocka_unit_test(integers),
        cmocka_unit_test(addresses),
        cmocka_unit_test(endpoints),
        cmocka_unit_test(commands),
        cmocka_unit_test(suggestions),
        cmocka_unit_test(lexer),
        cmocka_unit_test(lexer_continuation_and_errors),
        cmocka_unit_test(diag_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
