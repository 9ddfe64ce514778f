/* Unit tests for the pure parts of src/metrics: the HTTP request parser
 * (http.c), the exposition writer and label escaping (expo.c), the JSON
 * reader (json.c), and the collector and status page over a small status
 * document (collect.c, page.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/expo.h"
#include "metrics/http.h"
#include "metrics/json.h"
#include "metrics/metrics-int.h"

/* ---- http.c ------------------------------------------------------------ */

static long parse(const char *s, struct mx_req *rq, const char **why)
{
    return mx_http_parse(s, strlen(s), rq, why);
}

static void http_complete_requests(void **state)
{
    struct mx_req rq;
    const char *why;
    const char *a = "GET /metrics HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\n";
    assert_int_equal(parse(a, &rq, &why), (long)strlen(a));
    assert_int_equal(rq.method, MX_M_GET);
    assert_string_equal(rq.path, "/metrics");
    assert_int_equal(rq.minor, 1);
    const char *b = "HEAD /?x=1&y HTTP/1.0\n\n"; /* bare LF, no headers, a query */
    assert_int_equal(parse(b, &rq, &why), (long)strlen(b));
    assert_int_equal(rq.method, MX_M_HEAD);
    assert_string_equal(rq.path, "/");
    assert_int_equal(rq.minor, 0);
    assert_int_equal(parse("DELETE /x HTTP/1.1\r\n\r\n", &rq, &why), 22);
    assert_int_equal(rq.method, MX_M_OTHER);
}

static void http_incomplete_requests(void **state)
{
    struct mx_req rq;
    const char *why;
    assert_int_equal(parse("", &rq, &why), 0);
    assert_int_equal(parse("GET /met", &rq, &why), 0);
    assert_int_equal(parse("GET /metrics HTTP/1.1\r\n", &rq, &why), 0);
    assert_int_equal(parse("GET /metrics HTTP/1.1\r\nHo", &rq, &why), 0); /* half a header */
    assert_int_equal(parse("GET /metrics HTTP/1.1\r\nHost: x\r\n", &rq, &why), 0);
    assert_int_equal(parse("GET /metrics HTTP/1.1\r\nHost: x\r\n\r", &rq, &why), 0);
}

static void http_bad_requests(void **state)
{
    static const char *const bad[] = {
        "\x16\x03\x01\x02\x00",              /* a TLS ClientHello */
        "get / HTTP/1.1\r\n\r\n",            /* lower-case method */
        "GET  / HTTP/1.1\r\n\r\n",           /* two spaces */
        "GET metrics HTTP/1.1\r\n\r\n",      /* not origin-form */
        "GET / HTTP/2.0\r\n\r\n",            /* version */
        "GET / HTTP/1.1 \r\n\r\n",           /* trailing space */
        "GET /\x01 HTTP/1.1\r\n\r\n",        /* control character in the target */
        "GET / HTTP/1.1\r\n folded\r\n\r\n", /* obsolete line folding */
        "GET / HTTP/1.1\r\nNoColon\r\n\r\n",
        "GET / HTTP/1.1\r\nX: a\x7f\r\n\r\n",
        "GET / HTTP/1.1\r\n: empty name\r\n\r\n",
        "ABCDEFGHIJKLMNOPQ / HTTP/1.1\r\n\r\n", /* a 17-letter method */
    };
    struct mx_req rq;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const char *why = NULL;
        assert_int_equal(parse(bad[i], &rq, &why), -1);
        assert_non_null(why);
    }
    char longpath[400] = "GET /";
    memset(longpath + 5, 'a', 300);
    strcpy(longpath + 305, " HTTP/1.1\r\n\r\n");
    const char *why = NULL;
    assert_int_equal(parse(longpath, &rq, &why), -1);
    assert_string_equal(why, "request target too long");
}

/* ---- expo.c ------------------------------------------------------------ */

static void expo_family_and_samples(void **state)
{
    struct sbuf b;
    sbuf_init(&b);
    struct mx_label l[] = {{"proxy", "a\"b\\c\nd"}, {NULL, NULL}};
    mx_family(&b, "haplane_x_total", MX_COUNTER, "Help with \\ and\nnewline.");
    mx_sample(&b, "haplane_x_total", l, 3);
    mx_sample_x(&b, "haplane_x_total", NULL, "le", "+Inf", 0.25);
    mx_sample(&b, "haplane_x_total", NULL, 1e20);
    assert_string_equal(sbuf_str(&b), "# HELP haplane_x_total Help with \\\\ and\\nnewline.\n"
                                      "# TYPE haplane_x_total counter\n"
                                      "haplane_x_total{proxy=\"a\\\"b\\\\c\\nd\"} 3\n"
                                      "haplane_x_total{le=\"+Inf\"} 0.25\n"
                                      "haplane_x_total 1e+20\n");
    sbuf_free(&b);
}

static void expo_values(void **state)
{
    struct sbuf b;
    sbuf_init(&b);
    mx_value(&b, 0.0 / 0.0);
    sbuf_puts(&b, " ");
    mx_value(&b, 1.0 / 0.0);
    sbuf_puts(&b, " ");
    mx_value(&b, -1.0 / 0.0);
    sbuf_puts(&b, " ");
    mx_value(&b, -42);
    sbuf_puts(&b, " ");
    mx_value(&b, 18446744073709551615.0); /* above 2^53: not printed as an integer */
    assert_string_equal(sbuf_str(&b), "NaN +Inf -Inf -42 1.84467440737096e+19");
    sbuf_free(&b);
}

/* ---- json.c ------------------------------------------------------------ */

static int jparse(struct mx_json *j, const char *text, char *buf, size_t cap)
{
    char err[128];
    snprintf(buf, cap, "%s", text);
    return mx_json_parse(j, buf, strlen(buf), err, sizeof(err));
}

static void json_reads_the_document(void **state)
{
    struct mx_json j;
    char buf[512];
    assert_int_equal(jparse(&j,
                            " {\"a\":{\"b\":[1,2.5,-3e2]},\"s\":\"x\\\"\\u00e9\\n\\\\\","
                            "\"t\":true,\"f\":false,\"n\":null,\"e\":{},\"z\":[]} ",
                            buf, sizeof(buf)),
                     0);
    int arr = mx_json_get(&j, 0, "a.b");
    assert_true(arr > 0);
    int c = mx_json_first(&j, arr);
    assert_true(j.v[c].num == 1);
    c = j.v[c].next;
    assert_true(j.v[c].num == 2.5);
    assert_true(j.v[j.v[c].next].num == -300);
    assert_string_equal(mx_json_str(&j, 0, "s", NULL), "x\"\xc3\xa9\n\\");
    assert_true(mx_json_true(&j, 0, "t"));
    assert_true(mx_json_num(&j, 0, "f", 7) == 0);
    assert_true(mx_json_num(&j, 0, "n", 7) == 7);
    assert_true(mx_json_num(&j, 0, "missing.path", 7) == 7);
    assert_int_equal(mx_json_first(&j, mx_json_get(&j, 0, "e")), -1);
    assert_int_equal(mx_json_first(&j, mx_json_get(&j, 0, "z")), -1);
    assert_null(mx_json_str(&j, 0, "t", NULL));
    mx_json_free(&j);
}

static void json_refuses_bad_documents(void **state)
{
    static const char *const bad[] = {
        "",     "{",       "{\"a\"}",     "{\"a\":1,}", "[1 2]", "\"abc",    "tru",
        "{} x", "\"\\x\"", "\"\\u12g4\"", "{1:2}",      "-",     "[\"\t\"]",
    };
    struct mx_json j;
    char buf[128];
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(jparse(&j, bad[i], buf, sizeof(buf)), -1);
        mx_json_free(&j);
    }
    char deep[200];
    memset(deep, '[', 100);
    deep[100] = 0;
    assert_int_equal(jparse(&j, deep, buf, sizeof(buf)), -1); /* no stack overflow */
    mx_json_free(&j);
}

/* ---- collect.c, page.c ------------------------------------------------- */

static const char doc[] =
    "{\"version\":\"9.9\",\"pid\":1,\"uptime_s\":2,\"config\":{\"path\":\"/c\",\"generation\":3,"
    "\"reloads_rejected\":1,\"last_reload_error\":null},\"control\":{\"requests\":5},"
    "\"vrrp\":{\"instances\":[{\"name\":\"vi\",\"state\":\"BACKUP\",\"priority\":50,"
    "\"base_priority\":100,\"vips\":[\"198.18.0.100/24\"],\"vips_held\":false,"
    "\"master\":{\"self\":false,\"address\":\"198.18.0.12\",\"priority\":90},"
    "\"quorum\":null,\"tracks\":[{\"kind\":\"proxy\",\"name\":\"api\",\"weight\":-50,"
    "\"ok\":false,\"effect\":\"weight\"}],\"counters\":{\"adverts_rx\":7,\"transitions\":2,"
    "\"drops\":{\"bad-ttl\":4},\"transitions_by_reason\":{\"startup\":1,\"adv-higher\":1}},"
    "\"failover_gaps\":{\"le_s\":[0.5,1],\"counts\":[0,2,0],\"sum_s\":1.5}},"
    "{\"name\":\"vq\",\"state\":\"MASTER\",\"quorum\":{\"majority\":true,\"nodes\":3,"
    "\"seen\":2,\"needed\":2,\"sent\":9,\"peers\":[{\"address\":\"198.18.0.12\","
    "\"seen\":true},{\"address\":\"198.18.0.13\",\"seen\":false}]}}],\"quorum_drops\":{},"
    "\"sockets\":[]},"
    "\"proxies\":{\"api\":{\"healthy\":true,\"connections\":1,\"counters\":{\"accepted\":10,"
    "\"dropped_maxconn\":2,\"hedges\":6},\"connect_failures\":{\"refused\":1},"
    "\"servers\":[{\"name\":\"<m1>\",\"address\":\"a:1\",\"health\":\"up\",\"healthy\":true,"
    "\"checked\":true,\"last_check\":{\"result\":\"ok\",\"latency_ms\":1.5,\"detail\":\"\"},"
    "\"check_results\":{\"ok\":3},\"check_duration\":{\"le_s\":[0.005,0.01],"
    "\"counts\":[1,1,1],\"sum_s\":0.5}}]}}}";

static char *render(int page)
{
    struct mx_json j;
    struct mx_self self = {.started_unix = 1000};
    struct sbuf b;
    char err[128], *text = strdup(doc);
    assert_int_equal(mx_json_parse(&j, text, strlen(text), err, sizeof(err)), 0);
    sbuf_init(&b);
    if (page)
        mx_page(&b, &j, 5);
    else
        mx_collect(&b, &j, &self);
    mx_json_free(&j);
    free(text);
    char *out = strdup(sbuf_str(&b));
    sbuf_free(&b);
    return out;
}

static void collect_writes_the_metrics(void **state)
{
    char *m = render(0);
    static const char *const want[] = {
        "haplane_build_info{version=\"9.9\",commit=\"",
        "haplane_reloads_total{result=\"accepted\"} 2\n",
        "haplane_reloads_total{result=\"rejected\"} 1\n",
        "haplane_vrrp_state{vrrp_instance=\"vi\",state=\"BACKUP\"} 1\n",
        "haplane_vrrp_state{vrrp_instance=\"vi\",state=\"MASTER\"} 0\n",
        "haplane_vrrp_priority{vrrp_instance=\"vi\"} 50\n",
        "haplane_vrrp_adverts_dropped_total{vrrp_instance=\"vi\",reason=\"bad-ttl\"} 4\n",
        "haplane_vrrp_transitions_total{vrrp_instance=\"vi\",reason=\"startup\"} 1\n",
        "haplane_vrrp_transitions_total{vrrp_instance=\"vi\",reason=\"adv-higher\"} 1\n",
        "haplane_vrrp_transitions_total{vrrp_instance=\"vi\",reason=\"master-down\"} 0\n",
        "haplane_vrrp_adverts_dropped_total{vrrp_instance=\"vi\",reason=\"bad-checksum\"} 0\n",
        "haplane_vrrp_track_up{vrrp_instance=\"vi\",kind=\"proxy\",name=\"api\"} 0\n",
        "haplane_vrrp_failover_gap_seconds_bucket{vrrp_instance=\"vi\",le=\"0.5\"} 0\n",
        "haplane_vrrp_failover_gap_seconds_bucket{vrrp_instance=\"vi\",le=\"1\"} 2\n",
        "haplane_vrrp_failover_gap_seconds_bucket{vrrp_instance=\"vi\",le=\"+Inf\"} 2\n",
        "haplane_vrrp_failover_gap_seconds_sum{vrrp_instance=\"vi\"} 1.5\n",
        "haplane_proxy_dropped_connections_total{proxy=\"api\",reason=\"maxconn\"} 2\n",
        "haplane_proxy_dropped_connections_total{proxy=\"api\",reason=\"no_server\"} 0\n",
        "# TYPE haplane_proxy_hedges_total counter\nhaplane_proxy_hedges_total{proxy=\"api\"} 6\n",
        "haplane_server_check_results_total{proxy=\"api\",server=\"<m1>\",result=\"ok\"} 3\n",
        "haplane_server_check_duration_seconds_bucket{proxy=\"api\",server=\"<m1>\",le=\"0.01\"} "
        "2\n",
        "haplane_server_check_duration_seconds_bucket{proxy=\"api\",server=\"<m1>\",le=\"+Inf\"} "
        "3\n",
        "haplane_server_check_duration_seconds_count{proxy=\"api\",server=\"<m1>\"} 3\n",
        "haplane_server_last_check_duration_seconds{proxy=\"api\",server=\"<m1>\"} 0.0015\n",
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
        if (!strstr(m, want[i]))
            fail_msg("missing: %s\nin:\n%s", want[i], m);
    /* only vq has quorum on: its samples, and none for vi */
    assert_non_null(strstr(m, "haplane_vrrp_quorum_majority{vrrp_instance=\"vq\"} 1\n"));
    assert_non_null(strstr(m, "haplane_vrrp_quorum_seen_nodes{vrrp_instance=\"vq\"} 2\n"));
    assert_non_null(
        strstr(m, "haplane_vrrp_quorum_heartbeats_sent_total{vrrp_instance=\"vq\"} 9\n"));
    assert_null(strstr(m, "haplane_vrrp_quorum_majority{vrrp_instance=\"vi\"}"));
    assert_non_null(strstr(m, "haplane_vrrp_state{vrrp_instance=\"vq\",state=\"MASTER\"} 1\n"));
    /* each family announced once, its samples together */
    const char *t = strstr(m, "# TYPE haplane_vrrp_state ");
    assert_non_null(t);
    assert_null(strstr(t + 1, "# TYPE haplane_vrrp_state "));
    free(m);
}

static void page_escapes_and_shows_the_model(void **state)
{
    char *p = render(1);
    assert_non_null(strstr(p, "<meta http-equiv=refresh content=\"5\">"));
    assert_non_null(strstr(p, "&lt;m1&gt;"));
    assert_null(strstr(p, "<m1>"));
    assert_non_null(strstr(p, "198.18.0.12 (priority 90)"));
    assert_non_null(strstr(p, "50 (base 100)"));
    assert_non_null(strstr(p, "<td>-50</td>"));
    assert_null(strstr(p, "<script"));
    assert_non_null(strstr(p, "quorum: 2 of 3 nodes seen, 2 needed: majority; 198.18.0.12 seen; "
                              "198.18.0.13 unseen"));
    free(p);
}

/* node-local's discovery counters (status JSON node_local.discover) */
static void collect_nodelocal_discovery(void **state)
{
    static const char nl[] =
        "{\"version\":\"9.9\",\"config\":{\"generation\":3},\"vrrp\":{\"instances\":[]},"
        "\"proxies\":{},\"node_local\":{\"file\":null,\"discover\":{\"fetches\":12,"
        "\"ok\":9,\"changes\":2,\"errors\":{\"connect\":0,\"tls\":1,\"http\":0,"
        "\"parse\":2,\"timeout\":0},\"seed_only\":false,\"servers\":[\"a:1\",\"b:1\"]}}}";
    static const char none[] =
        "{\"version\":\"9.9\",\"config\":{\"generation\":1},\"vrrp\":{\"instances\":[]},"
        "\"proxies\":{},\"node_local\":{\"file\":null,\"discover\":null}}";
    const char *docs[] = {nl, none};
    for (int k = 0; k < 2; k++) {
        struct mx_json j;
        struct mx_self self = {.started_unix = 1000};
        struct sbuf b;
        char err[128], *text = strdup(docs[k]);
        assert_int_equal(mx_json_parse(&j, text, strlen(text), err, sizeof(err)), 0);
        sbuf_init(&b);
        mx_collect(&b, &j, &self);
        const char *m = sbuf_str(&b);
        if (k == 0) {
            static const char *const want[] = {
                "# TYPE haplane_nodelocal_discover_fetches_total counter\n",
                "haplane_nodelocal_discover_fetches_total 12\n",
                "haplane_nodelocal_discover_ok_total 9\n",
                "haplane_nodelocal_discover_changes_total 2\n",
                "haplane_nodelocal_discover_errors_total{reason=\"tls\"} 1\n",
                "haplane_nodelocal_discover_errors_total{reason=\"parse\"} 2\n",
                "haplane_nodelocal_discover_errors_total{reason=\"connect\"} 0\n",
                "haplane_nodelocal_discover_servers 2\n",
                "haplane_nodelocal_discover_seed_only 0\n",
            };
            for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
                if (!strstr(m, want[i]))
                    fail_msg("missing %s in:\n%s", want[i], m);
        } else {
            assert_null(strstr(m, "haplane_nodelocal_"));
        }
        sbuf_free(&b);
        mx_json_free(&j);
        free(text);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(http_complete_requests),
        cmocka_unit_test(http_incomplete_requests),
        cmocka_unit_test(http_bad_requests),
        cmocka_unit_test(expo_family_and_samples),
        cmocka_unit_test(expo_values),
        cmocka_unit_test(json_reads_the_document),
        cmocka_unit_test(json_refuses_bad_documents),
        cmocka_unit_test(collect_writes_the_metrics),
        cmocka_unit_test(collect_nodelocal_discovery),
        cmocka_unit_test(page_escapes_and_shows_the_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
