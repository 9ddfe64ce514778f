/* Unit tests: malformed haproxy.cfg inputs. Each case asserts the complete
 * list of diagnostics (FILE:LINE:COL and message). Inputs are named h.cfg. */
#include "test_import.h"

/* A valid frontend + backend; `fe` and `be` are extra lines at the end of
 * each (fe starts on line 4, be on line 7). */
#define FEBE(fe, be)                                                                               \
    "frontend f\n"                                                                                 \
    "    bind :16443\n"                                                                            \
    "    default_backend b\n" fe "backend b\n"                                                     \
    "    mode tcp\n"                                                                               \
    "    server s1 10.0.0.1:6443 check\n" be
/* A listen section whose last line is `x` (line 4). */
#define LISTEN(x)                                                                                  \
    "listen l\n"                                                                                   \
    "    bind :16443\n"                                                                            \
    "    server s1 10.0.0.1:6443\n" x

struct bad {
    const char *name;
    const char *in;
    const char *want;
};

static const struct bad cases[] = {
    {"unknown_keyword_suggestion", FEBE("", "    balence roundrobin\n"),
     "h.cfg:7:5: error: unknown keyword 'balence' in backend (did you mean 'balance'?)\n"},
    {"unknown_global_keyword", "global\n    maxcon 100\n",
     "h.cfg:2:5: error: unknown keyword 'maxcon' in global (did you mean 'maxconn'?)\n"},
    {"keyword_outside_section", "bind :80\n",
     "h.cfg:1:1: error: 'bind' outside of a section (expected global, defaults, frontend, "
     "backend or listen)\n"},
    {"misspelt_section", "frontent f\n    bind :80\n",
     "h.cfg:1:1: error: unknown section 'frontent' (did you mean 'frontend'?)\n"
     "h.cfg:2:5: error: 'bind' outside of a section (expected global, defaults, frontend, "
     "backend or listen)\n"},
    {"missing_section_name", "frontend\n", "h.cfg:1:1: error: missing name after 'frontend'\n"},
    {"listen_address_on_section_line", "listen l 0.0.0.0:80\n",
     "h.cfg:1:10: error: an address on the 'listen' line is not accepted (haproxy 2.x refuses it "
     "too): write it on a 'bind' line\n"},
    {"from_unknown_defaults", "frontend f from base\n",
     "h.cfg:1:17: error: 'from base' refers to no named defaults section\n"},
    {"mode_http_with_servers", LISTEN("    mode http\n"),
     "h.cfg:4:10: error: mode http is not supported (listen 'l'): haplane is a TCP (layer 4) "
     "proxy; use mode tcp\n"},
    {"mode_http_from_defaults", "defaults\n    mode http\n" FEBE("", ""),
     "h.cfg:2:10: error: mode http is not supported (frontend 'f'): haplane is a TCP (layer 4) "
     "proxy; use mode tcp\n"},
    {"mode_unknown", LISTEN("    mode health\n"),
     "h.cfg:4:10: error: invalid mode 'health': haplane relays TCP (mode tcp)\n"},
    {"conditional_use_backend", FEBE("    use_backend b if { src 10.0.0.0/8 }\n", ""),
     "h.cfg:4:19: error: conditional use_backend is not supported: haplane sends every "
     "connection of a frontend to one backend (use default_backend)\n"},
    {"undefined_backend",
     "frontend f\n    bind :80\n    default_backend apiservers\nbackend apiserver\n"
     "    server a 10.0.0.1:80\n",
     "h.cfg:3:21: error: backend 'apiservers' is not defined (did you mean 'apiserver'?)\n"
     "h.cfg:4:9: warning: backend 'apiserver' is not used by any frontend; ignored\n"},
    {"frontend_without_backend", "frontend f\n    bind :80\n",
     "h.cfg:1:10: error: frontend 'f' has no backend (default_backend or use_backend)\n"},
    {"frontend_without_bind",
     "frontend f\n    default_backend b\nbackend b\n"
     "    server a 10.0.0.1:80\n",
     "h.cfg:1:10: error: frontend 'f' has no bind\n"},
    {"backend_without_server", "frontend f\n    bind :80\n    default_backend b\nbackend b\n",
     "h.cfg:4:9: error: backend 'b' has no server\n"},
    {"bind_tls_termination", "frontend f\n    bind :443 ssl crt /etc/site.pem\n",
     "h.cfg:2:15: error: TLS termination ('ssl') is not supported: haplane relays TCP; let the "
     "API servers terminate TLS\n"},
    {"bind_accept_proxy", "frontend f\n    bind :80 accept-proxy\n",
     "h.cfg:2:14: error: the PROXY protocol ('accept-proxy') is not supported\n"},
    {"bind_unknown_option", "frontend f\n    bind :::80 v4v7\n",
     "h.cfg:2:16: error: unknown bind option 'v4v7' (did you mean 'v4v6'?)\n"},
    {"bind_missing_port", "frontend f\n    bind 10.0.0.1\n",
     "h.cfg:2:10: error: invalid bind address '10.0.0.1': missing port (expected ADDRESS:PORT)\n"},
    {"bind_port_range", "frontend f\n    bind :8000-8010\n",
     "h.cfg:2:10: error: invalid bind address ':8000-8010': port ranges are not supported\n"},
    {"bind_unix_socket", "frontend f\n    bind /run/api.sock\n",
     "h.cfg:2:10: error: invalid bind address '/run/api.sock': haplane listens on TCP/IP only\n"},
    {"bind_host_name", "frontend f\n    bind api.example.com:80\n",
     "h.cfg:2:10: error: invalid bind address 'api.example.com:80': expected an IP address (host "
     "names are not resolved for bind)\n"},
    {"bind_second_address_bad", "frontend f\n    bind :80,10.0.0.300:81\n",
     "h.cfg:2:10: error: invalid bind address '10.0.0.300:81': expected an IP address (host "
     "names are not resolved for bind)\n"},
    {"server_without_port", LISTEN("    server s2 10.0.0.2\n"),
     "h.cfg:4:15: error: invalid server address '10.0.0.2': missing port (expected "
     "ADDRESS:PORT)\n"},
    {"server_port_offset", LISTEN("    server s2 10.0.0.2:+1\n"),
     "h.cfg:4:15: error: invalid server address '10.0.0.2:+1': port offsets are not supported "
     "(write the port)\n"},
    {"server_tls", LISTEN("    server s2 10.0.0.2:6443 ssl verify none\n"),
     "h.cfg:4:29: error: server option 'ssl' (TLS to the server) is not supported: haplane "
     "relays TCP (check-ssl makes the health checks use TLS)\n"},
    {"server_send_proxy", LISTEN("    server s2 10.0.0.2:6443 send-proxy-v2\n"),
     "h.cfg:4:29: error: the PROXY protocol ('send-proxy-v2') is not supported\n"},
    {"server_unknown_option", LISTEN("    server s2 10.0.0.2:6443 chek\n"),
     "h.cfg:4:29: error: unknown server option 'chek' (did you mean 'check'?)\n"},
    {"server_option_without_value", LISTEN("    server s2 10.0.0.2:6443 check inter\n"),
     "h.cfg:4:35: error: missing value after 'inter'\n"},
    {"server_bad_time", LISTEN("    server s2 10.0.0.2:6443 check inter 2x\n"),
     "h.cfg:4:41: error: invalid inter '2x': expected a time such as 5000 (milliseconds), 5s, "
     "1m or 1h\n"},
    {"server_weight_too_big", LISTEN("    server s2 10.0.0.2:6443 weight 300\n"),
     "h.cfg:4:36: error: invalid weight '300': must be between 0 and 256\n"},
    {"server_bad_verify", LISTEN("    server s2 10.0.0.2:6443 verify maybe\n"),
     "h.cfg:4:36: error: invalid verify 'maybe': expected none or required\n"},
    {"tls_check_without_ca",
     "listen l\n    bind :16443\n    option httpchk GET /readyz\n"
     "    server s1 10.0.0.1:6443 check check-ssl\n",
     "h.cfg:4:12: error: server 's1': the TLS health check verifies the server's certificate but "
     "no ca-file is given; add 'verify none' or 'ca-file FILE' (haproxy refuses this too)\n"},
    {"timeout_unknown_kind", FEBE("    timeout clinet 5s\n", ""),
     "h.cfg:4:13: error: unknown timeout 'clinet' (did you mean 'client'?)\n"},
    {"timeout_bad_value", FEBE("", "    timeout connect 5x\n"),
     "h.cfg:7:21: error: invalid timeout '5x': expected a time such as 5000 (milliseconds), 5s, "
     "1m or 1h\n"},
    {"idle_timeout_too_short", FEBE("    timeout client 500ms\n", ""),
     "h.cfg:4:20: error: timeout client 500ms cannot be haplane's idle timeout: it must be "
     "between 1s and 30d\n"},
    {"connect_timeout_too_long", FEBE("", "    timeout connect 2h\n"),
     "h.cfg:7:21: error: timeout connect 2h is longer than haplane allows (1h)\n"},
    {"unknown_option", FEBE("    option tcplgo\n", ""),
     "h.cfg:4:12: error: unknown option 'tcplgo' (did you mean 'tcplog'?)\n"},
    {"httpchk_bad_method", FEBE("", "    option httpchk get /readyz\n"),
     "h.cfg:7:20: error: invalid check method 'get': expected GET, HEAD, OPTIONS, ...\n"},
    {"httpchk_bad_uri", FEBE("", "    option httpchk GET readyz\n"),
     "h.cfg:7:24: error: invalid check uri 'readyz': must start with '/'\n"},
    {"expect_bad_status", FEBE("", "    http-check expect status ok\n"),
     "h.cfg:7:30: error: invalid http-check expect status 'ok': expected a status code such as "
     "200\n"},
    {"http_check_unknown_rule", FEBE("", "    http-check sned meth GET\n"),
     "h.cfg:7:16: error: unknown http-check rule 'sned' (did you mean 'send'?)\n"},
    {"http_check_send_unknown", FEBE("", "    http-check send method GET\n"),
     "h.cfg:7:21: error: unknown http-check send option 'method' (did you mean 'meth'?)\n"},
    {"tcp_check_unknown_rule", FEBE("", "    tcp-check conect\n"),
     "h.cfg:7:15: error: unknown tcp-check rule 'conect' (did you mean 'connect'?)\n"},
    {"unterminated_quote", FEBE("", "    server s2 \"10.0.0.2:6443\n"),
     "h.cfg:7:15: error: unterminated double quote\n"},
    {"conditional_block", ".if defined(X)\n",
     "h.cfg:1:1: error: conditional blocks (.if/.endif) are not supported\n"},
    {"server_template_refused", FEBE("", "    server-template s 3 api.local:6443\n"),
     "h.cfg:7:5: error: 'server-template' is not supported: list the servers one by one\n"},
    {"server_in_frontend", FEBE("    server s9 10.0.0.9:6443\n", ""),
     "h.cfg:4:5: error: 'server' is not allowed in a frontend section\n"},
    {"retries_too_many", FEBE("", "    retries 500\n"),
     "h.cfg:7:13: error: invalid retries '500': must be between 0 and 100\n"},
    {"nbthread_zero", "global\n    nbthread 0\n",
     "h.cfg:2:14: error: invalid nbthread '0': must be between 1 and 256\n"},
    {"ssl_server_verify_bad", "global\n    ssl-server-verify optional\n",
     "h.cfg:2:23: error: invalid ssl-server-verify 'optional': expected none or required\n"},
    {"balance_unknown", FEBE("", "    balance rounrobin\n"),
     "h.cfg:7:13: error: unknown balance algorithm 'rounrobin' (did you mean 'roundrobin'?)\n"},
    /* what `run` refuses, `check` refuses (issue 10 item 5): the importer
     * kept a check-sni with a control byte, and the checker refused it */
    {"check_sni_control_byte",
     "listen l\n"
     "    bind :16443\n"
     "    option httpchk GET /readyz\n"
     "    server s1 10.0.0.1:6443 check check-ssl verify none check-sni api\\x15.local\n",
     "h.cfg:4:67: error: invalid sni 'api\\x15.local': not a host name\n"},
    {"check_uri_control_byte",
     "listen l\n"
     "    bind :16443\n"
     "    option httpchk GET /ready\\x7fz\n"
     "    server s1 10.0.0.1:6443 check\n",
     "h.cfg:3:24: error: invalid check path '/ready\\x7fz': visible ASCII only (no control "
     "bytes, spaces or bytes above 0x7e)\n"},
    {"nul_byte", "global\n    maxconn 1\0\n", "h.cfg:2:14: error: NUL byte in input\n"},
};

static void run_case(void **state)
{
    const struct bad *b = *state;
    size_t len = strlen(b->in);
    struct imp_text h = {"h.cfg", b->in, len};
    struct imp_sources src = {.env = test_env, .host = &everything, .facts = CFG_FACTS_ERROR};
    struct cfg_diags d = {0};
    struct cfg *c = (struct cfg *)1;
    int r;

    if (!strcmp(b->name, "nul_byte"))
        h.len = len + 2; /* the NUL and the newline after it */
    r = imp_load_texts(NULL, &h, &src, &c, &d);
    char *got = diags_text(&d);
    assert_string_equal(got, b->want);
    assert_int_equal(r, -1);
    assert_null(c);
    assert_true(d.nerrors > 0);
    free(got);
    cfg_diags_free(&d);
}

/* 3,000 servers passed `check` and `run` refused them (at most 64). */
static void too_many_servers(void **state)
{
    size_t cap = 200000, n = 0;
    char *in = malloc(cap);
    struct imp_text h = {"h.cfg", in, 0};
    struct imp_sources src = {.env = test_env, .host = &everything, .facts = CFG_FACTS_ERROR};
    struct cfg_diags d = {0};
    struct cfg *c = (struct cfg *)1;

    assert_non_null(in);
    n += (size_t)snprintf(in + n, cap - n, "listen l\n    bind :16443\n");
    for (int i = 0; i < 3000; i++)
        n += (size_t)snprintf(in + n, cap - n, "    server s%d 10.%d.%d.%d:6443 check\n", i,
                              i / 62500, i / 250 % 250, i % 250 + 1);
    h.len = n;
    assert_int_equal(imp_load_texts(NULL, &h, &src, &c, &d), -1);
    assert_null(c);
    char *got = diags_text(&d);
    assert_string_equal(got, "h.cfg:67:12: error: proxy 'l' has 3000 servers, at most 64\n");
    free(got);
    free(in);
    cfg_diags_free(&d);
}

int main(void)
{
    enum { N = sizeof(cases) / sizeof(cases[0]) };
    struct CMUnitTest tests[N + 1];

    for (size_t i = 0; i < N; i++) {
        memset(&tests[i], 0, sizeof(tests[i]));
        tests[i].name = cases[i].name;
        tests[i].test_func = run_case;
        tests[i].initial_state = (void *)&cases[i];
    }
    tests[N] = (struct CMUnitTest)cmocka_unit_test(too_many_servers);
    return _cmocka_run_group_tests("import_hap_errors", tests, N + 1, NULL, NULL);
}
