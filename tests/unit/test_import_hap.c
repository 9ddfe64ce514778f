/* Unit tests: the haproxy.cfg importer on real-world shapes
 * (tests/fixtures/compat: kubeadm's guide old and new, listen sections,
 * old-style httpchk with check-ssl, several frontends with named defaults),
 * its line splitting (quotes, escapes, environment), and `convert`'s round
 * trip. (Malformed inputs: test_import_hap_errors.c.) */
#include "test_import.h"

#include "import/import-int.h"

static void assert_ep(const struct cfg_endpoint *e, const char *text)
{
    char buf[300];

    assert_string_equal(cfg_format_endpoint(e, buf, sizeof(buf)), text);
}

static void assert_pos(const struct cfg_pos *p, const char *file, unsigned line, unsigned col)
{
    assert_non_null(p->file);
    assert_string_equal(p->file, file);
    assert_int_equal(p->line, line);
    assert_int_equal(p->col, col);
}

static bool has_remark(const struct cfg *c, const char *name, const char *part)
{
    for (size_t i = 0; i < c->nremarks; i++)
        if (c->remarks[i].on == CFG_REMARK_PROXY && !strcmp(c->remarks[i].name, name) &&
            strstr(c->remarks[i].text, part))
            return true;
    return false;
}

static void convert_same(const struct cfg *c)
{
    free(assert_convert_same(c));
}

#define F(path) COMPAT path

/* kubeadm's guide as first published: `option ssl-hello-chk` after
 * `option httpchk` wins (haproxy keeps the last check option). */
static void kubeadm_first_form(void **state)
{
    struct cfg
        *c = import_ok(NULL, "kubeadm-2.1/haproxy.cfg", NULL,
                       F("kubeadm-2.1/haproxy.cfg") ":4:5: warning: 'log' is not supported; "
                                                    "ignored (haplane "
                                                    "logs to stderr in its own format)\n" F(
                                                        "kubeadm-2.1/haproxy.cfg") ":5:5: warning: "
                                                                                   "'log' is not "
                                                                                   "supported; "
                                                                                   "ignored "
                                                                                   "(haplane "
                                                                                   "logs to stderr "
                                                                                   "in its own "
                                                                                   "format)\n" F("k"
                                                                                                 "u"
                                                                                                 "b"
                                                                                                 "e"
                                                                                                 "a"
                                                                                                 "d"
                                                                                                 "m"
                                                                                                 "-"
                                                                                                 "2"
                                                                                                 "."
                                                                                                 "1"
                                                                                                 "/"
                                                                                                 "h"
                                                                                                 "a"
                                                                                                 "p"
                                                                                                 "r"
                                                                                                 "o"
                                                                                                 "x"
                                                                                                 "y"
                                                                                                 "."
                                                                                                 "c"
                                                                                                 "f"
                                                                                                 "g") ":6:5: warning: 'daemon' is not supported; ignored "
                                                                                                      "(haplane runs in the foreground; process settings do "
                                                                                                      "not apply)\n" F("kubeadm-2.1/haproxy.cfg") ":10:5: warning: 'log' is not supported; ignored "
                                                                                                                                                  "(haplane logs to stderr in its own format)\n" F("kubeadm-2.1/haproxy.cfg") ":11:5: warning: 'option httplog' is not supported; "
                                                                                                                                                                                                                              "ignored (haplane logs to stderr in its own format)\n" F("kubeadm-2.1/haproxy.cfg") ":12:5: warning: 'option dontlognull' is not supported; "
                                                                                                                                                                                                                                                                                                                  "ignored (haplane logs to stderr in its own format)\n" F("kubeadm-2.1/haproxy.cfg") ":13:5: warning: 'option http-server-close' is not "
                                                                                                                                                                                                                                                                                                                                                                                                      "supported; ignored (an HTTP-mode option; haplane relays "
                                                                                                                                                                                                                                                                                                                                                                                                      "TCP)\n" F("kubeadm-2.1/haproxy.cfg") ":14:5: warning: 'option forwardfor' is not supported; "
                                                                                                                                                                                                                                                                                                                                                                                                                                            "ignored (an HTTP-mode option; haplane relays TCP)\n" F("kubeadm-2.1/haproxy.cfg") ":17:13: warning: 'timeout http-request' is not "
                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                               "supported; ignored (an HTTP or queue timeout: haplane "
                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                               "relays TCP and queues nothing)\n" F("kubeadm-2.1/haproxy.cfg") ":18:13: warning: 'timeout queue' is not supported; "
                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                               "ignored (an HTTP or queue timeout: haplane relays TCP "
                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                               "and queues nothing)\n" F("kubeadm-2.1/haproxy.cfg") ":22:13: warning: 'timeout http-keep-alive' is not "
                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                    "supported; ignored (an HTTP or queue timeout: haplane "
                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                    "relays TCP and queues nothing)\n" F("kubeadm-2.1/haproxy.cfg") ":28:5: warning: 'option tcplog' is not supported; "
                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                    "ignored (haplane logs to stderr in its own format)\n" F("kubeadm-2.1/haproxy.cfg") ":35:12: warning: 'option ssl-hello-chk' replaces "
                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                        "'option httpchk' at line 32 (haproxy uses the last "
                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                        "check option of a section)\n" F(
                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                            "kubeadm-2.1/haproxy.cfg") ":20:29: warning: 'timeout client 20s', 'timeout server "
                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                       "20s' become 'timeout idle 20s' of proxy 'apiserver': "
                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                       "haplane has one idle timeout for both sides (the "
                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                       "largest)\n" F("kubeadm-2.1/haproxy.cfg") ":32:12: warning: this HTTP check setting has no effect: "
                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                 "the last check option of backend 'apiserver' is 'option "
                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                 "ssl-hello-chk' (haproxy ignores it too)\n" F("kubeadm-2.1/haproxy.cfg") ":35:12: warning: 'option ssl-hello-chk' becomes a TCP "
                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                          "connect check (for the API servers, 'option httpchk' "
                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                          "with 'http-check connect ssl' and 'http-check send meth "
                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                          "GET uri /readyz' checks readiness over TLS)\n");
    const struct cfg_proxy *px = &c->proxies[0];

    assert_int_equal(c->ninstances, 0);
    assert_int_equal(c->nproxies, 1);
    assert_int_equal(px->check.kind, CFG_CHECK_TCP);
    assert_pos(&px->check.at.kind, F("kubeadm-2.1/haproxy.cfg"), 35, 12);
    assert_int_equal(px->check.timeout_ms, 12000);
    assert_int_equal(px->idle_timeout_ms, 20000);
    assert_pos(&px->at.idle_timeout, F("kubeadm-2.1/haproxy.cfg"), 20, 29);
    assert_ep(&px->binds[0].addr, "0.0.0.0:8443");
    assert_true(has_remark(c, "apiserver", "'option ssl-hello-chk' became a TCP connect check"));
    assert_false(has_remark(c, "apiserver", "redispatch"));
    convert_same(c);
    cfg_free(c);
}

/* A listen section with tcp-check and default-server; timeout tunnel is
 * the largest of the three. */
static void listen_section(void **state)
{
    struct cfg *c = import_ok(
        NULL, "listen/haproxy.cfg", NULL,
        F("listen/haproxy.cfg") ":6:5: warning: 'user' is not supported; ignored (haplane runs "
                                "in the foreground; process settings do not apply)\n" F(
                                    "listen/haproxy.cfg") ":7:5: warning: 'group' is not "
                                                          "supported; ignored (haplane runs "
                                                          "in the foreground; process settings do "
                                                          "not apply)\n" F(
                                                              "listen/haproxy.cfg") ":8:5: "
                                                                                    "warning: "
                                                                                    "'pidfile' is "
                                                                                    "not "
                                                                                    "supported; "
                                                                                    "ignored "
                                                                                    "(haplane "
                                                                                    "runs in the "
                                                                                    "foreground; "
                                                                                    "process "
                                                                                    "settings do "
                                                                                    "not "
                                                                                    "apply)\n" F(
                                                                                        "listen/"
                                                                                        "haproxy."
                                                                                        "cfg") ":9:"
                                                                                               "5: "
                                                                                               "war"
                                                                                               "nin"
                                                                                               "g: "
                                                                                               "'st"
                                                                                               "ats"
                                                                                               "' "
                                                                                               "is "
                                                                                               "not"
                                                                                               " su"
                                                                                               "ppo"
                                                                                               "rte"
                                                                                               "d; "
                                                                                               "ign"
                                                                                               "ore"
                                                                                               "d "
                                                                                               "("
"metrics_listen in global_defs serves Prometheus /metrics and a status page at /)"
                                                                                               "\n" F(
                                                                                                   "listen/haproxy.cfg") ":20:5: warning: 'option tcplog' is not supported; ignored "
                                                                                                                         "(haplane logs to stderr in its own format)\n" F(
                                                                                                                             "listen/haproxy.cfg") ":16:20: warning: 'timeout client 1h', 'timeout server 1h', "
                                                                                                                                                   "'timeout tunnel 4h' become 'timeout idle 4h' of proxy "
                                                                                                                                                   "'kube-apiserver': haplane has one idle timeout for both sides "
                                                                                                                                                   "(the largest)\n");
    const struct cfg_proxy *px = &c->proxies[0];

    assert_string_equal(px->name, "kube-apiserver");
    assert_ep(&px->binds[0].addr, "0.0.0.0:6443");
    assert_int_equal(px->balance, CFG_BALANCE_LEASTCONN);
    assert_int_equal(px->idle_timeout_ms, 4 * 3600000);
    assert_int_equal(px->connect_timeout_ms, 3000);
    assert_int_equal(px->retries, 3);
    assert_int_equal(px->maxconn, 20000);
    assert_int_equal(px->workers, 2);
    assert_int_equal(px->check.kind, CFG_CHECK_TCP);
    assert_int_equal(px->check.interval_ms, 3000);
    assert_int_equal(px->check.timeout_ms, 3000);
    assert_int_equal(px->nservers, 4);
    assert_int_equal(px->servers[0].weight, 10);
    assert_false(px->servers[0].backup);
    assert_true(px->servers[3].backup);
    assert_true(px->servers[3].check);
    assert_true(has_remark(c, "kube-apiserver", "redispatch"));
    assert_true(has_remark(c, "kube-apiserver", "maxconn 20000 comes from haproxy's global"));
    convert_same(c);
    cfg_free(c);
}

/* Old-style `option httpchk GET /readyz HTTP/1.1` with check-ssl, a CA
 * relative to ca-base, check-sni, host names for servers. */
static void httpchk_old_form(void **state)
{
    struct cfg *c = import_ok(
        NULL, "httpchk-old/haproxy.cfg", NULL,
        F("httpchk-old/haproxy.cfg") ":5:5: warning: 'log' is not supported; ignored (haplane "
                                     "logs to stderr in its own format)\n" F(
                                         "httpchk-old/haproxy.cfg") ":9:5: warning: 'log' is "
                                                                    "not supported; ignored "
                                                                    "(haplane "
                                                                    "logs to stderr in its own "
                                                                    "format)\n" F(
                                                                        "httpchk-old/"
                                                                        "haproxy.cfg") ":12:20:"
                                                                                       " warnin"
                                                                                       "g: "
                                                                                       "'timeou"
                                                                                       "t "
                                                                                       "client "
                                                                                       "10m', "
                                                                                       "'timeou"
                                                                                       "t "
                                                                                       "server "
                                                                                       "10m' "
                                                                                       "become "
                                                                                       "'timeou"
                                                                                       "t idle "
                                                                                       "10m' "
                                                                                       "of "
                                                                                       "proxy "
                                                                                       "'k8s-"
                                                                                       "api': "
                                                                                       "haplane"
                                                                                       " has "
                                                                                       "one "
                                                                                       "idle "
                                                                                       "timeout"
                                                                                       " for "
                                                                                       "both "
                                                                                       "sides "
                                                                                       "(the "
                                                                                       "largest"
                                                                                       ")\n");
    const struct cfg_proxy *px = &c->proxies[0];
    const struct cfg_check *k = &px->check;

    assert_int_equal(px->nbinds, 2);
    assert_ep(&px->binds[0].addr, "192.168.100.10:6443");
    assert_ep(&px->binds[1].addr, "127.0.0.1:6443");
    assert_int_equal(px->balance, CFG_BALANCE_SOURCE);
    assert_int_equal(px->retries, 3);
    assert_int_equal(k->kind, CFG_CHECK_HTTPS);
    assert_string_equal(k->method, "GET");
    assert_string_equal(k->path, "/readyz");
    assert_int_equal(k->expect, 200);
    assert_int_equal(k->interval_ms, 1000);
    assert_int_equal(k->timeout_ms, 1000);
    assert_int_equal(k->fall, 2);
    assert_int_equal(k->rise, 1);
    assert_int_equal(k->verify, CFG_VERIFY_REQUIRED);
    assert_string_equal(k->ca, "/etc/kubernetes/pki/ca.crt");
    assert_string_equal(k->sni, "kubernetes");
    assert_ep(&px->servers[1].addr, "m2.k8s.internal:6443");
    assert_pos(&px->servers[1].addr_pos, F("httpchk-old/haproxy.cfg"), 25, 15);
    convert_same(c);
    cfg_free(c);
}

/* Two frontends from named defaults (`from`), use_backend, a stats
 * listen (skipped), a backend nobody uses, servers that disagree. */
static void several_frontends(void **state)
{
    struct
        cfg *c = import_ok(NULL, "multi-frontend/haproxy.cfg", NULL,
                           F("multi-frontend/haproxy.cfg") ":5:5: warning: 'log' is not "
                                                           "supported; ignored "
                                                           "(haplane logs to stderr in its "
                                                           "own format)\n" F("multi-frontend/"
                                                                             "haproxy.cfg") ":9:"
                                                                                            "5: "
                                                                                            "war"
                                                                                            "nin"
                                                                                            "g: "
                                                                                            "'op"
                                                                                            "tio"
                                                                                            "n "
                                                                                            "don"
                                                                                            "tlo"
                                                                                            "gnu"
                                                                                            "ll'"
                                                                                            " is"
                                                                                            " no"
                                                                                            "t "
                                                                                            "sup"
                                                                                            "por"
                                                                                            "ted"
                                                                                            "; "
                                                                                            "ign"
                                                                                            "ore"
                                                                                            "d "
                                                                                            "(ha"
                                                                                            "pla"
                                                                                            "ne "
                                                                                            "log"
                                                                                            "s "
                                                                                            "to "
                                                                                            "std"
                                                                                            "err"
                                                                                            " in"
                                                                                            " it"
                                                                                            "s "
                                                                                            "own"
                                                                                            " fo"
                                                                                            "rma"
                                                                                            "t)"
                                                                                            "\n" F("multi-frontend/haproxy.cfg") ":50:5: warning: 'stats' is not supported; ignored ("
                                                                                                                                 "metrics_listen in global_defs serves Prometheus /metrics and a status page at /)\n" F("multi-frontend/haproxy.cfg") ":51:5: warning: 'stats' is not supported; ignored ("
                                                                                                                                                                                                                                          "metrics_listen in global_defs serves Prometheus /metrics and a status page at /)\n" F("multi-frontend/haproxy.cfg") ":52:5: warning: 'stats' is not supported; ignored ("
                                                                                                                                                                                                                                                                                                                                                   "metrics_listen in global_defs serves Prometheus /metrics and a status page at /)\n" F("multi-frontend/haproxy.cfg") ":11:20: warning: 'timeout client 30m', 'timeout "
                                                                                                                                                                                                                                                                                                                                                                                                                                                            "server 30m' become 'timeout idle 30m' of proxy 'api': "
                                                                                                                                                                                                                                                                                                                                                                                                                                                            "haplane has one idle timeout for both sides (the "
                                                                                                                                                                                                                                                                                                                                                                                                                                                            "largest)\n" F(
                                                                                                                                                                                                                                                                                                                                                                                                                                                                "multi-frontend/haproxy.cfg") ":32:12: warning: server 'b' has other check settings "
                                                                                                                                                                                                                                                                                                                                                                                                                                                                                              "than server 'a' (inter): haplane checks every server "
                                                                                                                                                                                                                                                                                                                                                                                                                                                                                              "of a proxy alike, as 'a' says\n" F(
                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                  "multi-frontend/haproxy.cfg") ":11:20: warning: 'timeout client 30m', 'timeout "
                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                "server 30m' become 'timeout idle 30m' of proxy "
                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                "'konnectivity': haplane has one idle timeout for both "
                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                "sides (the largest)\n" F(
                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                    "multi-frontend/haproxy.cfg") ":47:8: warning: listen 'stats' is in mode http "
                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                  "without servers (a stats page?): not supported; "
                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                  "skipped (metrics_listen in global_defs serves Prometheus /metrics and a status page at /)\n" F(
                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                      "multi-frontend/haproxy.cfg") ":40:9: warning: backend 'old-servers' is not used by "
                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                    "any frontend; ignored\n");
    const struct cfg_proxy *api = &c->proxies[0], *kon = &c->proxies[1];

    assert_int_equal(c->nproxies, 2);
    assert_string_equal(api->name, "api");
    assert_ep(&api->binds[0].addr, "0.0.0.0:6443");
    assert_int_equal(api->maxconn, 8000);
    assert_int_equal(api->retries, 2);
    assert_int_equal(api->check.kind, CFG_CHECK_HTTPS);
    assert_string_equal(api->check.path, "/livez");
    assert_int_equal(api->check.interval_ms, 2000);
    assert_int_equal(api->check.verify, CFG_VERIFY_NONE);
    assert_int_equal(api->nservers, 3);
    assert_string_equal(kon->name, "konnectivity");
    assert_int_equal(kon->maxconn, 50000);
    assert_int_equal(kon->balance, CFG_BALANCE_LEASTCONN);
    assert_int_equal(kon->check.kind, CFG_CHECK_TCP);
    assert_int_equal(kon->connect_timeout_ms, 4000);
    assert_true(has_remark(c, "api", "server b had other check settings (inter)"));
    assert_false(has_remark(c, "api", "redispatch"));
    convert_same(c);
    cfg_free(c);
}

/* ---- smaller shapes ------------------------------------------------------------------ */

static void env_and_quotes(void **state)
{
    struct cfg *c =
        texts_ok(NULL,
                 "frontend \"fe\"\n"
                 "    bind \"*:${LB_PORT}\"\n"
                 "    default_backend be\n"
                 "backend be\n"
                 "    option httpchk GET '/readyz?verbose'\n"
                 "    server s1 \"10.0.0.1:${APISERVER_PORT}\" check check-ssl verify "
                 "none\n"
                 "    server s2 \"10.0.0.2:${UNSET-6444}\" check check-ssl verify none\n"
                 "    server s3 10.0.0.3:6443 # check\n",
                 "");
    const struct cfg_proxy *px = &c->proxies[0];

    assert_ep(&px->binds[0].addr, "0.0.0.0:16443");
    assert_ep(&px->servers[0].addr, "10.0.0.1:6443");
    assert_ep(&px->servers[1].addr, "10.0.0.2:6444");
    assert_string_equal(px->check.path, "/readyz?verbose");
    assert_false(px->servers[2].check);
    cfg_free(c);
}

static void split_words(void **state)
{
    static const struct {
        const char *in;
        const char *words; /* joined with '|' */
    } cases[] = {
        {"  bind *:80   ssl  # comment", "bind|*:80|ssl"},
        {"a\\ b \"c d\" 'e f' g\\#h", "a b|c d|e f|g#h"},
        {"x \"$LB_PORT\" \"${LB_PORT}0\" '$LB_PORT' $LB_PORT", "x|16443|164430|$LB_PORT|$LB_PORT"},
        {"\"${MISSING}\" \"${MISSING-dflt}\" \"\\$LB_PORT\"", "|dflt|$LB_PORT"},
        {"esc \\x41\\t\\\\ \"a\\\"b\"", "esc|A\t\\|a\"b"},
        {"w\"x y\"z", "wx yz"},
        {"", ""},
        {"   # only a comment", ""},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct hap_line l;
        char err[128], got[256] = "";
        uint32_t col = 0;
        size_t used = 0;

        assert_int_equal(
            hap_split(cases[i].in, strlen(cases[i].in), test_env, &l, err, sizeof(err), &col), 0);
        for (size_t w = 0; w < l.n; w++)
            used +=
                (size_t)snprintf(got + used, sizeof(got) - used, "%s%s", w ? "|" : "", l.w[w].s);
        assert_string_equal(got, cases[i].words);
        hap_line_free(&l);
    }
    struct hap_line l;
    char err[128];
    uint32_t col = 0;
    assert_int_equal(hap_split("a \"b", 4, test_env, &l, err, sizeof(err), &col), -1);
    assert_string_equal(err, "unterminated double quote");
    assert_int_equal(col, 3);
}

/* haproxy times are milliseconds when bare; server lines without `check`
 * are not checked; weight, backup, disabled (drained). */
static void times_and_servers(void **state)
{
    struct cfg *c = texts_ok(
        NULL,
        "defaults\n"
        "    timeout connect 1500\n"
        "    timeout client 90000\n"
        "    timeout server 2m\n"
        "listen api\n"
        "    bind 127.0.0.1:16443\n"
        "    server a 10.0.0.1:6443 check inter 500 fastinter 250ms fall 5 rise 4 weight 7\n"
        "    server b 10.0.0.2:6443 disabled weight 0\n"
        "    server c [fd00::3]:6443 backup\n",
        "h.cfg:4:20: warning: 'timeout client 90s', 'timeout server 2m' become 'timeout idle 2m' "
        "of proxy 'api': haplane has one idle timeout for both sides (the largest)\n"
        "h.cfg:8:28: warning: server 'b' is disabled: haplane drains it (no new connections) and "
        "keeps checking it\n");
    const struct cfg_proxy *px = &c->proxies[0];

    assert_int_equal(px->connect_timeout_ms, 1500);
    assert_int_equal(px->idle_timeout_ms, 120000);
    assert_int_equal(px->check.interval_ms, 500);
    assert_int_equal(px->check.fast_interval_ms, 250);
    assert_int_equal(px->check.fall, 5);
    assert_int_equal(px->check.rise, 4);
    assert_int_equal(px->check.timeout_ms, 500);
    assert_int_equal(px->servers[0].weight, 7);
    assert_true(px->servers[0].check);
    assert_false(px->servers[1].check);
    assert_true(px->servers[1].drain);
    assert_int_equal(px->servers[1].weight, 0);
    assert_true(px->servers[2].backup);
    assert_ep(&px->servers[2].addr, "[fd00::3]:6443");
    convert_same(c);
    cfg_free(c);
}

/* use_backend without a condition takes precedence over default_backend;
 * a later one is never used. */
static void routing(void **state)
{
    struct cfg *c = texts_ok(NULL,
                             "frontend f\n"
                             "    bind :80\n"
                             "    default_backend one\n"
                             "    use_backend two\n"
                             "    use_backend one\n"
                             "backend one\n"
                             "    server a 10.0.0.1:80\n"
                             "backend two\n"
                             "    server b 10.0.0.2:80\n",
                             "h.cfg:5:5: warning: use_backend 'one' is never used: an earlier "
                             "unconditional use_backend takes every connection\n"
                             "h.cfg:6:9: warning: backend 'one' is not used by any frontend; "
                             "ignored\n");

    assert_string_equal(c->proxies[0].servers[0].name, "b");
    cfg_free(c);
}

/* The converted text, comments and all (a golden file). */
static void converted_text(void **state)
{
    struct cfg *c = import_ok("seed-keepalived.conf", "kubeadm-2.1/haproxy.cfg", "master1", NULL);
    char *got = NULL, *want = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&got, &len);
    FILE *g = fopen(COMPAT "converted/seed+kubeadm-2.1.conf", "rb");

    assert_non_null(f);
    assert_non_null(g);
    assert_int_equal(cfg_write_converted(c, "converted for a test", f), 0);
    fclose(f);
    assert_int_equal(fseek(g, 0, SEEK_END), 0);
    long n = ftell(g);
    rewind(g);
    want = calloc(1, (size_t)n + 1);
    assert_int_equal(fread(want, 1, (size_t)n, g), (size_t)n);
    fclose(g);
    assert_string_equal(got, want);
    free(got);
    free(want);
    convert_same(c);
    cfg_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(kubeadm_first_form), cmocka_unit_test(listen_section),
        cmocka_unit_test(httpchk_old_form),   cmocka_unit_test(several_frontends),
        cmocka_unit_test(env_and_quotes),     cmocka_unit_test(split_words),
        cmocka_unit_test(times_and_servers),  cmocka_unit_test(routing),
        cmocka_unit_test(converted_text),
    };
    return cmocka_run_group_tests_name("import_hap", tests, NULL, NULL);
}
