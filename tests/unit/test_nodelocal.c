/* Unit tests for src/nodelocal's pure units: the configuration text the
 * options stand for (loaded back with the native parser), the kubeconfig
 * reader (libyaml), the Endpoints reader (jansson) and the list helpers;
 * and the check option `jitter` and `timeout silent` they rely on. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "nodelocal/conftext.h"
#include "nodelocal/endpoints.h"
#include "nodelocal/kubeconfig.h"

static struct cfg *load_text(const char *text, struct cfg_diags *d)
{
    struct cfg *cfg = NULL;
    cfg_load_buffer("t", text, strlen(text), &cfg, d);
    return cfg;
}

static void test_conftext_defaults(void **state)
{
    const char *servers[] = {"198.18.0.11:6443", "[fd18::12]:6443"};
    struct nl_conf c = {.listen = NL_LISTEN_DEFAULT, .servers = servers, .nservers = 2,
                        .ca = "/etc/kubernetes/pki/ca.crt", .metrics_listen = "127.0.0.1:9101"};
    struct sbuf b;
    char err[200];
    struct cfg_diags d = {0};
    sbuf_init(&b);
    assert_int_equal(nl_conftext(&c, &b, err, sizeof(err)), 0);
    struct cfg *cfg = load_text(sbuf_str(&b), &d);
    if (!cfg)
        cfg_diags_print(&d, stderr);
    assert_non_null(cfg);
    assert_int_equal(cfg->ninstances, 0);
    assert_int_equal(cfg->nproxies, 1);
    const struct cfg_proxy *px = &cfg->proxies[0];
    assert_string_equal(px->name, NL_PROXY_NAME);
    assert_int_equal(px->balance, CFG_BALANCE_LEASTCONN);
    assert_int_equal(px->relay, CFG_RELAY_SPLICE);
    assert_int_equal(px->connect_timeout_ms, 1000);
    assert_int_equal(px->hedge_timeout_ms, 100);
    assert_int_equal(px->idle_timeout_ms, 3600000);
    assert_int_equal(px->silent_timeout_ms, 2000);
    assert_int_equal(px->retries, 3);
    assert_int_equal(px->check.kind, CFG_CHECK_HTTPS);
    assert_string_equal(px->check.method, "GET");
    assert_string_equal(px->check.path, "/readyz");
    assert_int_equal(px->check.interval_ms, 10000);
    assert_int_equal(px->check.jitter_pct, 20);
    assert_int_equal(px->check.fast_interval_ms, 250);
    assert_int_equal(px->check.fall, 2);
    assert_int_equal(px->check.rise, 2);
    assert_int_equal(px->check.verify, CFG_VERIFY_REQUIRED); /* --ca given */
    assert_string_equal(px->check.ca, "/etc/kubernetes/pki/ca.crt");
    assert_int_equal(px->nservers, 2);
    assert_string_equal(px->servers[0].name, "198.18.0.11:6443");
    assert_string_equal(px->servers[1].name, "[fd18::12]:6443");
    assert_int_equal(px->servers[1].addr.addr.family, AF_INET6);
    assert_int_equal(px->binds[0].addr.port, 6444);
    assert_int_equal(cfg->global.metrics_listen.port, 9101);
    cfg_free(cfg);
    cfg_diags_free(&d);

    /* no --ca: not verified; copy relay */
    sbuf_reset(&b);
    c.ca = NULL;
    c.relay = "copy";
    c.metrics_listen = NULL;
    assert_int_equal(nl_conftext(&c, &b, err, sizeof(err)), 0);
    cfg = load_text(sbuf_str(&b), &d);
    assert_non_null(cfg);
    assert_int_equal(cfg->proxies[0].check.verify, CFG_VERIFY_NONE);
    assert_int_equal(cfg->proxies[0].relay, CFG_RELAY_COPY);
    assert_int_equal(cfg->global.metrics_listen.port, 0);
    cfg_free(cfg);
    cfg_diags_free(&d);

    /* a path the lexer could not read back */
    sbuf_reset(&b);
    c.ca = "/etc/a\"b";
    assert_int_equal(nl_conftext(&c, &b, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "--ca"));
    sbuf_free(&b);
}

static void test_jitter_and_silent_options(void **state)
{
    struct cfg_diags d = {0};
    struct cfg *cfg = load_text("proxy p {\n bind 127.0.0.1:1\n timeout silent 7s\n"
                                " check tcp interval 2s jitter 50\n server a 1.2.3.4:5\n}\n",
                                &d);
    assert_non_null(cfg);
    assert_int_equal(cfg->proxies[0].check.jitter_pct, 50);
    assert_int_equal(cfg->proxies[0].silent_timeout_ms, 7000);
    cfg_free(cfg);
    cfg_diags_free(&d);
    cfg = load_text("proxy p {\n bind 127.0.0.1:1\n check tcp jitter 51%\n server a 1.2.3.4:5\n}\n",
                    &d);
    assert_null(cfg);
    assert_true(d.nerrors >= 1);
    assert_non_null(strstr(d.v[0].msg, "check jitter"));
    cfg_diags_free(&d);
    cfg = load_text("proxy p {\n bind 127.0.0.1:1\n timeout silent 1s\n server a 1.2.3.4:5\n}\n",
                    &d);
    assert_null(cfg);
    assert_non_null(strstr(d.v[0].msg, "timeout silent"));
    cfg_diags_free(&d);
    /* the default: 4 s, as the proxy had it before the option */
    cfg = load_text("proxy p {\n bind 127.0.0.1:1\n server a 1.2.3.4:5\n}\n", &d);
    assert_non_null(cfg);
    assert_int_equal(cfg->proxies[0].silent_timeout_ms, 4000);
    assert_int_equal(cfg->proxies[0].check.jitter_pct, 0);
    cfg_free(cfg);
    cfg_diags_free(&d);
}

/* "hello\n" in base64 is aGVsbG8K */
#define KC_HEAD                                                                                    \
    "apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n"                                        \
    "    certificate-authority-data: aGVsbG8K\n    server: https://127.0.0.1:6444\n"            \
    "  name: c1\n- cluster:\n    server: https://[fd18::100]:6443\n"                            \
    "    insecure-skip-tls-verify: true\n  name: c2\n"                                           \
    "contexts:\n- context:\n    cluster: c1\n    user: u1\n  name: x1\n"                      \
    "- context:\n    cluster: c2\n    user: u2\n  name: x2\n"

static void test_kubeconfig(void **state)
{
    struct nl_kubeconfig k;
    char err[300];
    const char *t = KC_HEAD "current-context: x1\nusers:\n- name: u1\n  user:\n"
                            "    client-certificate: pki/node.crt\n"
                            "    client-key-data: aGVsbG8K\n";
    assert_int_equal(nl_kubeconfig_parse(t, strlen(t), "/var/lib/kubelet", &k, err, sizeof(err)),
                     0);
    assert_string_equal(k.context, "x1");
    assert_string_equal(k.server, "https://127.0.0.1:6444");
    assert_null(k.ca.file);
    assert_string_equal(k.ca.data, "hello\n");
    assert_int_equal(k.ca.len, 6);
    assert_string_equal(k.cert.file, "/var/lib/kubelet/pki/node.crt");
    assert_string_equal(k.key.data, "hello\n");
    assert_false(k.insecure);
    nl_kubeconfig_free(&k);

    t = KC_HEAD "current-context: x2\nusers:\n- name: u2\n  user:\n"
                "    client-certificate: /abs/c.crt\n    client-key: /abs/c.key\n";
    assert_int_equal(nl_kubeconfig_parse(t, strlen(t), "/d", &k, err, sizeof(err)), 0);
    assert_true(k.insecure);
    assert_string_equal(k.cert.file, "/abs/c.crt");
    assert_string_equal(k.key.file, "/abs/c.key");
    char host[64];
    unsigned port;
    assert_int_equal(nl_server_hostport(k.server, host, sizeof(host), &port, err, sizeof(err)), 0);
    assert_string_equal(host, "fd18::100");
    assert_int_equal(port, 6443);
    nl_kubeconfig_free(&k);

    /* errors, each with its reason */
    t = KC_HEAD "current-context: x1\nusers:\n- name: u1\n  user:\n"
                "    client-certificate: /abs/c.crt\n";
    assert_int_equal(nl_kubeconfig_parse(t, strlen(t), "/d", &k, err, sizeof(err)), -1);
    assert_string_equal(err, "user 'u1': client-certificate without client-key");
    t = KC_HEAD "current-context: x1\nusers:\n- name: u1\n  user:\n    token: abc\n";
    assert_int_equal(nl_kubeconfig_parse(t, strlen(t), "/d", &k, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "no client certificate"));
    t = KC_HEAD "users: []\n";
    assert_int_equal(nl_kubeconfig_parse(t, strlen(t), "/d", &k, err, sizeof(err)), -1);
    assert_string_equal(err, "no current-context and 2 contexts");
    t = KC_HEAD "current-context: nope\n";
    assert_int_equal(nl_kubeconfig_parse(t, strlen(t), "/d", &k, err, sizeof(err)), -1);
    assert_string_equal(err, "context 'nope' not found");
    t = "a: [\n";
    assert_int_equal(nl_kubeconfig_parse(t, strlen(t), "/d", &k, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "line "));
    t = KC_HEAD "current-context: x1\nusers:\n- name: u1\n  user:\n"
                "    client-certificate-data: '@@@@'\n    client-key: k\n";
    assert_int_equal(nl_kubeconfig_parse(t, strlen(t), "/d", &k, err, sizeof(err)), -1);
    assert_string_equal(err, "user 'u1': client-certificate-data is not base64");

    assert_int_equal(nl_server_hostport("https://api.example:443/x", host, sizeof(host), &port,
                                        err, sizeof(err)),
                     0);
    assert_string_equal(host, "api.example");
    assert_int_equal(nl_server_hostport("https://10.0.0.1", host, sizeof(host), &port, err,
                                        sizeof(err)),
                     0);
    assert_int_equal(port, 443);
    assert_int_equal(nl_server_hostport("http://10.0.0.1", host, sizeof(host), &port, err,
                                        sizeof(err)),
                     -1);
    assert_int_equal(nl_server_hostport("https://10.0.0.1:0", host, sizeof(host), &port, err,
                                        sizeof(err)),
                     -1);
}

static int parse(const char *body, struct nl_list *l, char *err)
{
    return nl_endpoints_parse(body, strlen(body), l, err, 200);
}

static void test_endpoints(void **state)
{
    struct nl_list l = {0}, m = {0};
    char err[200], buf[256];
    /* as kube-apiserver answers (trimmed), with a second subset and a duplicate */
    assert_int_equal(
        parse("{\"kind\":\"Endpoints\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":"
              "\"kubernetes\"},\"subsets\":[{\"addresses\":[{\"ip\":\"198.18.0.13\"},{\"ip\":"
              "\"198.18.0.11\"}],\"ports\":[{\"name\":\"https\",\"port\":6443,\"protocol\":"
              "\"TCP\"}]},{\"addresses\":[{\"ip\":\"FD18::0012\"},{\"ip\":\"198.18.0.11\"}],"
              "\"ports\":[{\"name\":\"metrics\",\"port\":1},{\"name\":\"https\",\"port\":"
              "8443}]}]}",
              &l, err),
        0);
    assert_string_equal(nl_list_format(&l, buf, sizeof(buf)),
                        "198.18.0.11:6443, 198.18.0.11:8443, 198.18.0.13:6443, [fd18::12]:8443");
    assert_int_equal(nl_list_copy(&m, &l), 0);
    assert_true(nl_list_equal(&l, &m));
    free(m.v[3]);
    m.n--;
    assert_false(nl_list_equal(&l, &m));
    assert_true(nl_list_has(&l, "198.18.0.13:6443"));
    nl_list_free(&l);
    nl_list_free(&m);

    /* what is refused, with its reason */
    assert_int_equal(parse("nope", &l, err), -1);
    assert_non_null(strstr(err, "not JSON"));
    assert_int_equal(parse("{\"kind\":\"Status\",\"code\":403}", &l, err), -1);
    assert_string_equal(err, "kind is 'Status', expected 'Endpoints'");
    assert_int_equal(parse("{\"kind\":\"Endpoints\",\"subsets\":[]}", &l, err), -1);
    assert_string_equal(err, "no address in the Endpoints object");
    assert_int_equal(parse("{\"kind\":\"Endpoints\",\"subsets\":[{\"addresses\":[{\"ip\":"
                           "\"1.2.3.4\"}],\"ports\":[{\"name\":\"a\",\"port\":1},{\"name\":"
                           "\"b\",\"port\":2}]}]}",
                           &l, err),
                     -1);
    assert_non_null(strstr(err, "no usable port"));
    assert_int_equal(parse("{\"kind\":\"Endpoints\",\"subsets\":[{\"addresses\":[{\"ip\":"
                           "\"master1\"}],\"ports\":[{\"port\":6443}]}]}",
                           &l, err),
                     -1);
    assert_string_equal(err, "subset 0 address 0: 'master1' is not an IP address");
    assert_int_equal(l.n, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conftext_defaults),
        cmocka_unit_test(test_jitter_and_silent_options),
        cmocka_unit_test(test_kubeconfig),
        cmocka_unit_test(test_endpoints),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
