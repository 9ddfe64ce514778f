/* etcdmsg: see etcdmsg.h. */
#include "vrrp/etcdmsg.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "check/http.h"

static const char *const paths[FENCE_REQ_COUNT] = {
    [FENCE_REQ_RANGE] = "/v3/kv/range",
    [FENCE_REQ_GRANT] = "/v3/lease/grant",
    [FENCE_REQ_ACQUIRE] = "/v3/kv/txn",
    [FENCE_REQ_TAKE_OWN] = "/v3/kv/txn",
    [FENCE_REQ_KEEPALIVE] = "/v3/lease/keepalive",
    [FENCE_REQ_REVOKE] = "/v3/lease/revoke",
};

const char *etcd_msg_path(enum fence_req req)
{
    return (unsigned)req < FENCE_REQ_COUNT ? paths[req] : NULL;
}

/* base64 of s as a new JSON string (NULL: out of memory). */
static json_t *b64(const char *s)
{
    size_t n = strlen(s);
    char *out = malloc(4 * ((n + 2) / 3) + 1);
    if (!out)
        return NULL;
    EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)s, (int)n);
    json_t *j = json_string(out);
    free(out);
    return j;
}

static json_t *int64_str(int64_t v)
{
    char b[24];
    snprintf(b, sizeof(b), "%lld", (long long)v);
    return json_string(b);
}

/* The transaction of acquire (own: take-own). */
static json_t *txn(const char *key, const char *value, int64_t lease, bool own)
{
    json_t *cmp = own ? json_pack("{s:o,s:s,s:s,s:o}", "key", b64(key), "target", "VALUE", "result",
                                  "EQUAL", "value", b64(value))
                      : json_pack("{s:o,s:s,s:s,s:s}", "key", b64(key), "target", "CREATE",
                                  "result", "EQUAL", "create_revision", "0");
    return json_pack("{s:[o],s:[{s:{s:o,s:o,s:o}}],s:[{s:{s:o}}]}", "compare", cmp, "success",
                     "request_put", "key", b64(key), "value", b64(value), "lease", int64_str(lease),
                     "failure", "request_range", "key", b64(key));
}

char *etcd_msg_request(enum fence_req req, const char *key, const char *value, uint32_t ttl_s,
                       int64_t lease)
{
    json_t *j = NULL;
    switch (req) {
    case FENCE_REQ_RANGE:
        j = json_pack("{s:o}", "key", b64(key));
        break;
    case FENCE_REQ_GRANT:
        j = json_pack("{s:I}", "TTL", (json_int_t)ttl_s);
        break;
    case FENCE_REQ_ACQUIRE:
    case FENCE_REQ_TAKE_OWN:
        j = txn(key, value, lease, req == FENCE_REQ_TAKE_OWN);
        break;
    case FENCE_REQ_KEEPALIVE:
    case FENCE_REQ_REVOKE:
        j = json_pack("{s:o}", "ID", int64_str(lease));
        break;
    default:
        return NULL;
    }
    if (!j)
        return NULL;
    char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    return s;
}

/* An int64 field that etcd writes as a string (or, leniently, a number);
 * absent: 0 (proto3 leaves zero values out). -1 when malformed. */
static int get_i64(const json_t *o, const char *name, int64_t *out)
{
    const json_t *v = json_object_get(o, name);
    *out = 0;
    if (!v)
        return 0;
    if (json_is_integer(v)) {
        *out = json_integer_value(v);
        return 0;
    }
    if (!json_is_string(v))
        return -1;
    char *end;
    errno = 0;
    long long x = strtoll(json_string_value(v), &end, 10);
    if (errno || *end || end == json_string_value(v))
        return -1;
    *out = x;
    return 0;
}

/* Is the base64 value b our identity? */
static bool value_is(const char *b, const char *ours)
{
    size_t n = strlen(b), m = strlen(ours);
    if (n % 4)
        return false;
    unsigned char *raw = malloc(n / 4 * 3 + 1);
    if (!raw)
        return false;
    int k = EVP_DecodeBlock(raw, (const unsigned char *)b, (int)n);
    /* DecodeBlock counts the bytes of the padding too */
    size_t pad = (n >= 1 && b[n - 1] == '=') + (n >= 2 && b[n - 2] == '=');
    bool same = k >= 0 && (size_t)k >= pad && (size_t)k - pad == m && !memcmp(raw, ours, m);
    free(raw);
    return same;
}

/* kvs[0] of a range answer into r. */
static int take_kvs(const json_t *range, const char *ours, struct fence_reply *r)
{
    const json_t *kvs = json_object_get(range, "kvs");
    r->has_kv = false;
    if (!kvs || !json_array_size(kvs))
        return 0;
    const json_t *kv = json_array_get(kvs, 0);
    const json_t *val = json_object_get(kv, "value");
    if (!json_is_object(kv) || get_i64(kv, "lease", &r->kv_lease) < 0)
        return -1;
    r->has_kv = true;
    r->kv_ours = json_is_string(val) && value_is(json_string_value(val), ours);
    return 0;
}

/* A txn answer: succeeded, or the range of the failure branch. */
static int take_txn(const json_t *j, const char *ours, struct fence_reply *r)
{
    r->succeeded = json_is_true(json_object_get(j, "succeeded"));
    if (r->succeeded)
        return 0;
    const json_t *resp = json_array_get(json_object_get(j, "responses"), 0);
    const json_t *range = json_object_get(resp, "response_range");
    return range ? take_kvs(range, ours, r) : 0;
}

int etcd_msg_parse(enum fence_req req, const char *body, size_t len, const char *ours,
                   struct fence_reply *r, char *err, size_t errlen)
{
    json_error_t je;
    json_t *j = json_loadb(body, len, JSON_DISABLE_EOF_CHECK, &je);
    int rc = -1;
    if (!j || !json_is_object(j)) {
        snprintf(err, errlen, "not a JSON object: %s", j ? "other value" : je.text);
        json_decref(j);
        return -1;
    }
    const json_t *o = j;
    switch (req) {
    case FENCE_REQ_RANGE:
        rc = take_kvs(o, ours, r);
        break;
    case FENCE_REQ_GRANT:
        rc =
            get_i64(o, "ID", &r->lease) < 0 || get_i64(o, "TTL", &r->ttl) < 0 || !r->lease ? -1 : 0;
        break;
    case FENCE_REQ_ACQUIRE:
    case FENCE_REQ_TAKE_OWN:
        rc = take_txn(o, ours, r);
        break;
    case FENCE_REQ_KEEPALIVE:
        o = json_object_get(j, "result");
        rc = json_is_object(o) && get_i64(o, "TTL", &r->ttl) == 0 ? 0 : -1;
        break;
    case FENCE_REQ_REVOKE:
        rc = json_object_get(j, "header") ? 0 : -1;
        break;
    default:
        break;
    }
    if (rc < 0)
        snprintf(err, errlen, "unexpected %s answer", fence_req_name(req));
    json_decref(j);
    return rc;
}

void etcd_msg_error(int status, const char *body, size_t len, char *err, size_t errlen)
{
    json_t *j = json_loadb(body, len, JSON_DISABLE_EOF_CHECK, NULL);
    const char *m = json_string_value(json_object_get(j, "message"));
    if (!m)
        m = json_string_value(json_object_get(j, "error"));
    if (!m) /* a stream's error: {"error":{"message":..}} */
        m = json_string_value(json_object_get(json_object_get(j, "error"), "message"));
    snprintf(err, errlen, "HTTP %d%s%s", status, m ? ": " : "", m ? m : "");
    json_decref(j);
}

/* De-chunk what is complete of a chunked body (RFC 9112 7.1). Returns 1
 * at the last chunk, 0 when more may come, -1 when malformed. */
static int dechunk(const char *p, size_t n, char *out, size_t cap, size_t *outlen)
{
    size_t i = 0;
    *outlen = 0;
    for (;;) {
        const char *nl = memchr(p + i, '\n', n - i);
        if (!nl)
            return 0;
        char *end;
        unsigned long sz = strtoul(p + i, &end, 16);
        if (end == p + i)
            return -1;
        size_t data = (size_t)(nl - p) + 1;
        if (sz == 0)
            return 1;
        if (data + sz + 2 > n)
            return 0;
        if (*outlen + sz >= cap)
            return -1;
        memcpy(out + *outlen, p + data, sz);
        *outlen += sz;
        i = data + sz + 2;
    }
}

static bool whole_json(const char *b, size_t n)
{
    json_t *j = n ? json_loadb(b, n, JSON_DISABLE_EOF_CHECK, NULL) : NULL;
    json_decref(j);
    return j != NULL;
}

int etcd_msg_http(const char *buf, size_t len, bool eof, int *status, char *body, size_t bodycap,
                  size_t *bodylen, char *err, size_t errlen)
{
    struct chk_http_resp resp;
    int head = chk_http_parse_response(buf, len, NULL, NULL, &resp);
    if (head == -2)
        return eof ? (snprintf(err, errlen, "closed before a complete HTTP answer"), -1) : 0;
    if (head < 0)
        return snprintf(err, errlen, "bad HTTP answer: %s", chk_http_err_str(resp.err)), -1;
    *status = resp.status;
    const char *p = buf + head;
    size_t n = len - (size_t)head;
    if (resp.chunked) {
        int r = dechunk(p, n, body, bodycap, bodylen);
        if (r < 0)
            return snprintf(err, errlen, "bad chunked body"), -1;
        body[*bodylen] = 0;
        return r || eof || whole_json(body, *bodylen) ? 1 : 0;
    }
    if (resp.content_length >= 0 && (size_t)resp.content_length < n)
        n = (size_t)resp.content_length;
    if (n >= bodycap)
        return snprintf(err, errlen, "answer too large"), -1;
    if (resp.content_length >= 0 && n < (size_t)resp.content_length)
        return eof ? (snprintf(err, errlen, "closed before the whole body"), -1) : 0;
    if (resp.content_length < 0 && !eof)
        return 0;
    memcpy(body, p, n);
    body[n] = 0;
    *bodylen = n;
    return 1;
}
