/* Unit tests for src/vrrp/etcdmsg.c: the fence's JSON requests to etcd's
 * v3 gateway (read back with jansson), its answers as etcd 3.4 sends them
 * (captured from Debian's etcd 3.4.23), and the HTTP framing (content
 * length, the keepalive stream's chunks, every truncation). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "vrrp/etcdmsg.h"

#define HDR                                                                                        \
    "{\"header\":{\"cluster_id\":\"324952591200643719\",\"member_id\":\"3319814642761637952\","    \
    "\"revision\":\"2\",\"raft_term\":\"2\"}"

static json_t *req(enum fence_req r, int64_t lease)
{
    char *s = etcd_msg_request(r, "/haplane/vi", "master3", 2, lease);
    assert_non_null(s);
    json_t *j = json_loads(s, 0, NULL);
    free(s);
    assert_non_null(j);
    return j;
}

static void test_requests(void **state)
{
    (void)state;
    json_t *j = req(FENCE_REQ_RANGE, 0);
    assert_string_equal(json_string_value(json_object_get(j, "key")), "L2hhcGxhbmUvdmk=");
    json_decref(j);
    j = req(FENCE_REQ_GRANT, 0);
    assert_int_equal(json_integer_value(json_object_get(j, "TTL")), 2);
    json_decref(j);
    j = req(FENCE_REQ_KEEPALIVE, 7587869011230000001LL);
    assert_string_equal(json_string_value(json_object_get(j, "ID")), "7587869011230000001");
    json_decref(j);
    j = req(FENCE_REQ_ACQUIRE, 42);
    json_t *c = json_array_get(json_object_get(j, "compare"), 0);
    assert_string_equal(json_string_value(json_object_get(c, "target")), "CREATE");
    assert_string_equal(json_string_value(json_object_get(c, "create_revision")), "0");
    json_t *put = json_object_get(json_array_get(json_object_get(j, "success"), 0), "request_put");
    assert_string_equal(json_string_value(json_object_get(put, "value")), "bWFzdGVyMw==");
    assert_string_equal(json_string_value(json_object_get(put, "lease")), "42");
    assert_non_null(
        json_object_get(json_array_get(json_object_get(j, "failure"), 0), "request_range"));
    json_decref(j);
    j = req(FENCE_REQ_TAKE_OWN, 42);
    c = json_array_get(json_object_get(j, "compare"), 0);
    assert_string_equal(json_string_value(json_object_get(c, "target")), "VALUE");
    assert_string_equal(json_string_value(json_object_get(c, "value")), "bWFzdGVyMw==");
    json_decref(j);
    assert_null(etcd_msg_request(FENCE_REQ_NONE, "k", "v", 2, 0));
    assert_string_equal(etcd_msg_path(FENCE_REQ_KEEPALIVE), "/v3/lease/keepalive");
    assert_string_equal(etcd_msg_path(FENCE_REQ_TAKE_OWN), "/v3/kv/txn");
}

static int parse(enum fence_req r, const char *body, struct fence_reply *out)
{
    char err[128];
    memset(out, 0, sizeof(*out));
    return etcd_msg_parse(r, body, strlen(body), "master3", out, err, sizeof(err));
}

static void test_answers(void **state)
{
    (void)state;
    struct fence_reply r;
    /* etcd 3.4 granted 2 s for a requested 1 s */
    assert_int_equal(
        parse(FENCE_REQ_GRANT, HDR ",\"ID\":\"2324035789729352709\",\"TTL\":\"2\"}", &r), 0);
    assert_true(r.lease == 2324035789729352709LL && r.ttl == 2);
    assert_int_equal(parse(FENCE_REQ_ACQUIRE,
                           HDR ",\"succeeded\":true,\"responses\":[{\"response_put\":{\"header\":{"
                               "\"revision\":\"2\"}}}]}",
                           &r),
                     0);
    assert_true(r.succeeded);
    /* failed: the range of the failure branch, value "m3" / "master3" */
    assert_int_equal(parse(FENCE_REQ_ACQUIRE,
                           HDR ",\"responses\":[{\"response_range\":{\"header\":{\"revision\":"
                               "\"2\"},\"kvs\":[{\"key\":\"L2hhcGxhbmUvdmk=\",\"create_revision\":"
                               "\"2\",\"mod_revision\":\"2\",\"version\":\"1\",\"value\":\"bTM=\","
                               "\"lease\":\"2324035789729352711\"}],\"count\":\"1\"}}]}",
                           &r),
                     0);
    assert_false(r.succeeded);
    assert_true(r.has_kv && r.kv_lease == 2324035789729352711LL && !r.kv_ours);
    assert_int_equal(parse(FENCE_REQ_RANGE,
                           HDR ",\"kvs\":[{\"key\":\"L2hhcGxhbmUvdmk=\",\"value\":\"bWFzdGVyMw==\","
                               "\"lease\":\"9\"}],\"count\":\"1\"}",
                           &r),
                     0);
    assert_true(r.has_kv && r.kv_lease == 9 && r.kv_ours);
    assert_int_equal(parse(FENCE_REQ_RANGE, HDR "}", &r), 0);
    assert_false(r.has_kv);
    assert_int_equal(
        parse(FENCE_REQ_KEEPALIVE, "{\"result\":" HDR ",\"ID\":\"7\",\"TTL\":\"2\"}}", &r), 0);
    assert_int_equal(r.ttl, 2);
    /* the lease is gone: etcd leaves TTL 0 out */
    assert_int_equal(parse(FENCE_REQ_KEEPALIVE, "{\"result\":" HDR ",\"ID\":\"7\"}}", &r), 0);
    assert_int_equal(r.ttl, 0);
    assert_int_equal(parse(FENCE_REQ_REVOKE, HDR "}", &r), 0);
    /* malformed */
    assert_int_equal(parse(FENCE_REQ_GRANT, HDR ",\"TTL\":\"2\"}", &r), -1);
    assert_int_equal(parse(FENCE_REQ_GRANT, HDR ",\"ID\":\"12x\",\"TTL\":\"2\"}", &r), -1);
    assert_int_equal(parse(FENCE_REQ_KEEPALIVE, HDR "}", &r), -1);
    assert_int_equal(parse(FENCE_REQ_RANGE, "not json", &r), -1);
    assert_int_equal(parse(FENCE_REQ_RANGE, "[1]", &r), -1);
    assert_int_equal(parse(FENCE_REQ_RANGE, HDR ",\"kvs\":[{\"lease\":true}]}", &r), -1);
}

static void test_errors(void **state)
{
    (void)state;
    char e[128];
    const char *b = "{\"error\":\"etcdserver: requested lease not found\",\"code\":5,"
                    "\"message\":\"etcdserver: requested lease not found\"}";
    etcd_msg_error(404, b, strlen(b), e, sizeof(e));
    assert_string_equal(e, "HTTP 404: etcdserver: requested lease not found");
    etcd_msg_error(503, "", 0, e, sizeof(e));
    assert_string_equal(e, "HTTP 503");
}

static int http(const char *s, bool eof, int *status, char *body)
{
    size_t bl;
    char err[128];
    return etcd_msg_http(s, strlen(s), eof, status, body, 512, &bl, err, sizeof(err));
}

static void test_http_framing(void **state)
{
    (void)state;
    const char *cl = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                     "Content-Length: 17\r\n\r\n{\"health\":\"true\"}";
    const char *ch = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                     "Transfer-Encoding: chunked\r\n\r\n"
                     "15\r\n{\"result\":{\"TTL\":\"2\"}\r\n1\r\n}\r\n";
    char body[512];
    int st = 0;
    assert_int_equal(http(cl, false, &st, body), 1);
    assert_int_equal(st, 200);
    assert_string_equal(body, "{\"health\":\"true\"}");
    /* every truncation: incomplete, or an error once the peer has closed */
    for (size_t n = 0; n < strlen(cl); n++) {
        char t[512];
        memcpy(t, cl, n);
        t[n] = 0;
        assert_int_equal(http(t, false, &st, body), 0);
        assert_int_equal(http(t, true, &st, body), -1);
    }
    /* the keepalive stream: complete with one whole JSON value, no last chunk */
    assert_int_equal(http(ch, false, &st, body), 1);
    assert_string_equal(body, "{\"result\":{\"TTL\":\"2\"}}");
    char part[512];
    snprintf(part, sizeof(part), "%.*s", (int)(strlen(ch) - 6), ch);
    assert_int_equal(http(part, false, &st, body), 0);
    assert_int_equal(
        http("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", false, &st, body), -1);
    assert_int_equal(http("SSH-2.0-OpenSSH\r\n\r\n", false, &st, body), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_requests),
        cmocka_unit_test(test_answers),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_http_framing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
