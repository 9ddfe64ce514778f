/* Unit tests: HTTP/1.x response-head parser and request builder (check/http.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/http.h"

/* Parse exactly buf[0..len) from a heap copy of that size, so that ASan
 * catches any read past the end. */
static int parse_copy(const char *buf, size_t len, const struct chk_http_limits *lim,
                      struct chk_http_header *hdrs, struct chk_http_resp *r)
{
    char *copy = malloc(len ? len : 1);
    int rc;

    assert_non_null(copy);
    memcpy(copy, buf, len);
    rc = chk_http_parse_response(copy, len, lim, hdrs, r);
    /* pointers into copy are not used after this by the callers that care */
    free(copy);
    return rc;
}

struct valid_case {
    const char *raw; /* head, possibly followed by body bytes */
    int head_len;    /* expected return */
    int minor, status;
    const char *reason;
    size_t num_headers;
    int64_t content_length;
    bool chunked, te, close, keep_alive;
};

static const struct valid_case valid[] = {
    /* kube-apiserver /readyz answer (Go net/http) */
    {"HTTP/1.1 200 OK\r\nAudit-Id: 4f1c\r\nCache-Control: no-cache, private\r\n"
     "Content-Type: text/plain; charset=utf-8\r\nX-Content-Type-Options: nosniff\r\n"
     "Date: Thu, 27 Nov 2025 07:10:00 GMT\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok",
     218, 1, 200, "OK", 7, 2, false, false, true, false},
    {"HTTP/1.0 503 Service Unavailable\r\n\r\n", 36, 0, 503, "Service Unavailable", 0, -1, false,
     false, false, false},
    /* empty reason with and without its SP */
    {"HTTP/1.1 204 \r\n\r\n", 17, 1, 204, "", 0, -1, false, false, false, false},
    {"HTTP/1.1 500\r\n\r\n", 16, 1, 500, "", 0, -1, false, false, false, false},
    /* bare LF line ends (RFC 9112 2.2), mixed with CRLF */
    {"HTTP/1.1 200 OK\nContent-Length: 0\r\n\n", 36, 1, 200, "OK", 1, 0, false, false, false,
     false},
    /* OWS around values, case-insensitive names, lists */
    {"HTTP/1.1 200 OK\r\ntransfer-ENCODING: \t gzip ,CHUNKED \t\r\n"
     "connection: Upgrade, Close\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
     85, 1, 200, "OK", 2, -1, true, true, true, false},
    /* chunked not last: body until close (RFC 9112 6.3) */
    {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n", 72, 1, 200,
     "OK", 2, -1, false, true, false, false},
    /* repeated identical Content-Length is fine; leading zeros too */
    {"HTTP/1.1 200 OK\r\nContent-Length: 42\r\ncontent-length: 042\r\n\r\n", 60, 1, 200, "OK", 2,
     42, false, false, false, false},
    /* HTTP/1.0 keep-alive, obs-text in value and reason, empty value, other minor */
    {"HTTP/1.0 200 \xc3\xa9t\xc3\xa9\r\nX-A: \xff\xfe\r\nX-Empty:\r\nConnection: "
     "keep-alive\r\n\r\n",
     65, 0, 200, "\xc3\xa9t\xc3\xa9", 3, -1, false, false, false, true},
    {"HTTP/1.9 101 Switching Protocols\r\n\r\n", 36, 9, 101, "Switching Protocols", 0, -1, false,
     false, false, false},
    /* a 1xx then the final response: the parser returns the 1xx head only */
    {"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n\r\n", 25, 1, 100, "Continue", 0, -1, false,
     false, false, false},
    /* Content-Length upper bound */
    {"HTTP/1.1 200 OK\r\nContent-Length: 9223372036854775807\r\n\r\n", 56, 1, 200, "OK", 1,
     INT64_MAX, false, false, false, false},
};

static void check_valid(const struct valid_case *c, const struct chk_http_resp *r, int rc)
{
    assert_int_equal(rc, c->head_len);
    assert_int_equal(r->err, CHK_HTTP_OK);
    assert_int_equal(r->minor_version, c->minor);
    assert_int_equal(r->status, c->status);
    assert_int_equal(r->reason_len, strlen(c->reason));
    assert_memory_equal(r->reason, c->reason, r->reason_len);
    assert_int_equal(r->num_headers, c->num_headers);
    assert_true(r->content_length == c->content_length);
    assert_int_equal(r->chunked, c->chunked);
    assert_int_equal(r->has_transfer_encoding, c->te);
    assert_int_equal(r->conn_close, c->close);
    assert_int_equal(r->conn_keep_alive, c->keep_alive);
}

/* Every valid case, delivered split at every byte: each prefix shorter than
 * the head is incomplete, every longer one (body bytes following) gives the
 * same result as the whole buffer. */
static void valid_at_every_split(void **state)
{
    size_t i, k;

    for (i = 0; i < sizeof(valid) / sizeof(valid[0]); i++) {
        const struct valid_case *c = &valid[i];
        size_t len = strlen(c->raw);
        struct chk_http_resp r;
        int rc;

        assert_true((size_t)c->head_len <= len);
        rc = chk_http_parse_response(c->raw, len, NULL, NULL, &r);
        check_valid(c, &r, rc);
        for (k = 0; k <= len; k++) {
            rc = parse_copy(c->raw, k, NULL, NULL, &r);
            if (k < (size_t)c->head_len) {
                if (rc != -2)
                    fail_msg("case %zu split %zu: %d (%s)", i, k, rc, chk_http_err_str(r.err));
            } else {
                check_valid(c, &r, rc);
            }
        }
    }
}

static void headers_are_returned_trimmed(void **state)
{
    const char *raw = "HTTP/1.1 200 OK\r\nA:b\r\nLong-Name: \t v a l \t \r\nE:   \r\n\r\n";
    struct chk_http_header h[CHK_HTTP_DEFAULT_MAX_HEADERS];
    struct chk_http_resp r;

    assert_int_equal(chk_http_parse_response(raw, strlen(raw), NULL, h, &r), (int)strlen(raw));
    assert_int_equal(r.num_headers, 3);
    assert_int_equal(h[0].name_len, 1);
    assert_memory_equal(h[0].name, "A", 1);
    assert_int_equal(h[0].value_len, 1);
    assert_memory_equal(h[0].value, "b", 1);
    assert_int_equal(h[1].name_len, 9);
    assert_memory_equal(h[1].name, "Long-Name", 9);
    assert_int_equal(h[1].value_len, 5);
    assert_memory_equal(h[1].value, "v a l", 5);
    assert_int_equal(h[2].value_len, 0);
}

struct err_case {
    const char *raw;
    size_t len; /* 0: strlen */
    enum chk_http_err err;
    size_t off;
};

#define HDR "HTTP/1.1 200 OK\r\n" /* 17 bytes */

static const struct err_case errs[] = {
    {"HTTP/2 200 OK\r\n\r\n", 0, CHK_HTTP_E_BAD_VERSION, 5},
    {"http/1.1 200 OK\r\n\r\n", 0, CHK_HTTP_E_BAD_VERSION, 0},
    {"HTTP/1.x 200 OK\r\n\r\n", 0, CHK_HTTP_E_BAD_VERSION, 7},
    {"HTTP/1.10 200 OK\r\n\r\n", 0, CHK_HTTP_E_BAD_VERSION, 8},
    {"\r\nHTTP/1.1 200 OK\r\n\r\n", 0, CHK_HTTP_E_BAD_VERSION, 0},
    {"SSH-2.0-OpenSSH_9.2\r\n", 0, CHK_HTTP_E_BAD_VERSION, 0},
    {"\x16\x03\x01\x02\x00\x01", 6, CHK_HTTP_E_BAD_VERSION, 0}, /* TLS to a plain check */
    {"HTTP/1.1\t200 OK\r\n\r\n", 0, CHK_HTTP_E_BAD_STATUS_LINE, 8},
    {"HTTP/1.1 200-OK\r\n\r\n", 0, CHK_HTTP_E_BAD_STATUS_LINE, 12},
    {"HTTP/1.1 200 O\x01K\r\n\r\n", 0, CHK_HTTP_E_BAD_STATUS_LINE, 14},
    {"HTTP/1.1 200 O\x7fK\r\n\r\n", 0, CHK_HTTP_E_BAD_STATUS_LINE, 14},
    {"HTTP/1.1 20 OK\r\n\r\n", 0, CHK_HTTP_E_BAD_STATUS_CODE, 11},
    {"HTTP/1.1 2000 OK\r\n\r\n", 0, CHK_HTTP_E_BAD_STATUS_CODE, 12},
    {"HTTP/1.1 600 X\r\n\r\n", 0, CHK_HTTP_E_BAD_STATUS_CODE, 9},
    {"HTTP/1.1 099 X\r\n\r\n", 0, CHK_HTTP_E_BAD_STATUS_CODE, 9},
    {"HTTP/1.1  200 OK\r\n\r\n", 0, CHK_HTTP_E_BAD_STATUS_CODE, 9},
    {"HTTP/1.1 200 OK\rX\n\r\n", 0, CHK_HTTP_E_BARE_CR, 15},
    {"HTTP/1.1 200\r\r\n\r\n", 0, CHK_HTTP_E_BARE_CR, 12},
    {HDR "A: b\rc\r\n\r\n", 0, CHK_HTTP_E_BARE_CR, 21},
    {HDR "A: b\r\n\rX", 0, CHK_HTTP_E_BARE_CR, 23},
    {HDR "A: b\r\n c\r\n\r\n", 0, CHK_HTTP_E_OBS_FOLD, 23},
    {HDR "A: b\r\n\tc\r\n\r\n", 0, CHK_HTTP_E_OBS_FOLD, 23},
    {HDR " A: b\r\n\r\n", 0, CHK_HTTP_E_OBS_FOLD, 17},
    {HDR "A : b\r\n\r\n", 0, CHK_HTTP_E_BAD_HEADER_NAME, 18},
    {HDR ": b\r\n\r\n", 0, CHK_HTTP_E_BAD_HEADER_NAME, 17},
    {HDR "A\r\n\r\n", 0, CHK_HTTP_E_BAD_HEADER_NAME, 18},
    {HDR "A(b): c\r\n\r\n", 0, CHK_HTTP_E_BAD_HEADER_NAME, 18},
    {HDR "X Y: c\r\n\r\n", 0, CHK_HTTP_E_BAD_HEADER_NAME, 18},
    {HDR "\xc3\xa9: c\r\n\r\n", 0, CHK_HTTP_E_BAD_HEADER_NAME, 17},
    {HDR "A: b\x01\r\n\r\n", 0, CHK_HTTP_E_BAD_HEADER_VALUE, 21},
    {HDR "A: \x7f\r\n\r\n", 0, CHK_HTTP_E_BAD_HEADER_VALUE, 20},
    {HDR "A: b\0c\r\n\r\n", 27, CHK_HTTP_E_BAD_HEADER_VALUE, 21},
    {HDR "Content-Length: abc\r\n\r\n", 0, CHK_HTTP_E_BAD_CONTENT_LENGTH, 33},
    {HDR "Content-Length: \r\n\r\n", 0, CHK_HTTP_E_BAD_CONTENT_LENGTH, 33},
    {HDR "Content-Length: -1\r\n\r\n", 0, CHK_HTTP_E_BAD_CONTENT_LENGTH, 33},
    {HDR "Content-Length: +1\r\n\r\n", 0, CHK_HTTP_E_BAD_CONTENT_LENGTH, 33},
    {HDR "Content-Length: 1 2\r\n\r\n", 0, CHK_HTTP_E_BAD_CONTENT_LENGTH, 34},
    {HDR "Content-Length: 1,1\r\n\r\n", 0, CHK_HTTP_E_BAD_CONTENT_LENGTH, 34},
    {HDR "Content-Length: 0x10\r\n\r\n", 0, CHK_HTTP_E_BAD_CONTENT_LENGTH, 34},
    {HDR "Content-Length: 9223372036854775808\r\n\r\n", 0, CHK_HTTP_E_BAD_CONTENT_LENGTH, 51},
    {HDR "Content-Length: 5\r\nContent-Length: 6\r\n\r\n", 0, CHK_HTTP_E_CONFLICTING_CONTENT_LENGTH,
     52},
    {HDR "Transfer-Encoding: chunked, chunked\r\n\r\n", 0, CHK_HTTP_E_BAD_TRANSFER_ENCODING, 45},
    {HDR "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 0,
     CHK_HTTP_E_BAD_TRANSFER_ENCODING, 64},
    {HDR "Transfer-Encoding: \r\n\r\n", 0, CHK_HTTP_E_BAD_TRANSFER_ENCODING, 36},
    {HDR "Transfer-Encoding: , ,\r\n\r\n", 0, CHK_HTTP_E_BAD_TRANSFER_ENCODING, 36},
    {HDR "Transfer-Encoding: chunked x\r\n\r\n", 0, CHK_HTTP_E_BAD_TRANSFER_ENCODING, 44},
    {HDR "Transfer-Encoding: gzip, (x)\r\n\r\n", 0, CHK_HTTP_E_BAD_TRANSFER_ENCODING, 42},
    {"HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", 0, CHK_HTTP_E_BAD_TRANSFER_ENCODING,
     36},
    {HDR "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", 0,
     CHK_HTTP_E_LENGTH_AND_ENCODING, 55},
    {HDR "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n", 0,
     CHK_HTTP_E_LENGTH_AND_ENCODING, 61},
};

/* Each error case gives its error at its byte, and every prefix of it gives
 * either -2 or that same error. */
static void errors_are_precise(void **state)
{
    bool seen[CHK_HTTP_E_COUNT] = {false};
    size_t i, k;

    for (i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
        const struct err_case *c = &errs[i];
        size_t len = c->len ? c->len : strlen(c->raw);
        struct chk_http_resp r;
        int rc;

        rc = parse_copy(c->raw, len, NULL, NULL, &r);
        if (rc != -1 || r.err != c->err || r.err_off != c->off)
            fail_msg("case %zu: rc %d err %s off %zu, want %s off %zu", i, rc,
                     chk_http_err_str(r.err), r.err_off, chk_http_err_str(c->err), c->off);
        seen[c->err] = true;
        for (k = 0; k < len; k++) {
            rc = parse_copy(c->raw, k, NULL, NULL, &r);
            if (rc == -2)
                continue;
            if (rc != -1 || r.err != c->err || r.err_off != c->off)
                fail_msg("case %zu prefix %zu: rc %d err %s", i, k, rc, chk_http_err_str(r.err));
        }
    }
    /* every error code but the two limit ones (tested below) has a case */
    for (i = 1; i < CHK_HTTP_E_COUNT; i++)
        if (i != CHK_HTTP_E_TOO_MANY_HEADERS && i != CHK_HTTP_E_HEADER_TOO_LARGE && !seen[i])
            fail_msg("no test for %s", chk_http_err_str((enum chk_http_err)i));
}

static void too_many_headers(void **state)
{
    const char *three = HDR "A: 1\r\nB: 2\r\nC: 3\r\n\r\n";
    const char *four = HDR "A: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n";
    struct chk_http_limits lim = {.max_headers = 3};
    struct chk_http_header h[3];
    struct chk_http_resp r;
    size_t k;

    assert_int_equal(chk_http_parse_response(three, strlen(three), &lim, h, &r),
                     (int)strlen(three));
    assert_int_equal(r.num_headers, 3);
    assert_memory_equal(h[2].name, "C", 1);
    assert_int_equal(chk_http_parse_response(four, strlen(four), &lim, h, &r), -1);
    assert_int_equal(r.err, CHK_HTTP_E_TOO_MANY_HEADERS);
    assert_int_equal(r.err_off, 35);
    assert_string_equal(chk_http_err_str(r.err), "too-many-headers");
    /* the error shows as soon as the fourth line starts, and not before */
    for (k = 0; k <= strlen(four); k++) {
        int rc = parse_copy(four, k, &lim, h, &r);
        assert_int_equal(rc, k <= 35 ? -2 : -1);
    }
    /* the default limit: 64 fine, 65 not */
    {
        char buf[2048];
        size_t n = (size_t)snprintf(buf, sizeof(buf), HDR), j;
        for (j = 0; j < 65; j++)
            n += (size_t)snprintf(buf + n, sizeof(buf) - n, "H%zu: v\r\n", j);
        n += (size_t)snprintf(buf + n, sizeof(buf) - n, "\r\n");
        assert_int_equal(chk_http_parse_response(buf, n, NULL, NULL, &r), -1);
        assert_int_equal(r.err, CHK_HTTP_E_TOO_MANY_HEADERS);
        lim.max_headers = 65;
        assert_int_equal(chk_http_parse_response(buf, n, &lim, NULL, &r), (int)n);
        assert_int_equal(r.num_headers, 65);
    }
}

/* A head of exactly max_header_bytes is fine; one byte more is too large,
 * reported once max_header_bytes bytes are in without the head ending. */
static void header_size_limit(void **state)
{
    char buf[200];
    struct chk_http_limits lim = {.max_header_bytes = 64};
    struct chk_http_resp r;
    size_t n, k;

    /* 17 + "X: " + v + "\r\n" + "\r\n" = 24 + v; v = 40 -> exactly 64 */
    n = (size_t)snprintf(buf, sizeof(buf), HDR "X: %s\r\n\r\nBODY",
                         "0123456789012345678901234567890123456789");
    assert_int_equal(n, 68);
    assert_int_equal(chk_http_parse_response(buf, n, &lim, NULL, &r), 64);
    for (k = 0; k < 64; k++)
        assert_int_equal(parse_copy(buf, k, &lim, NULL, &r), -2);
    n = (size_t)snprintf(buf, sizeof(buf), HDR "X: %s\r\n\r\n",
                         "01234567890123456789012345678901234567890");
    assert_int_equal(n, 65);
    for (k = 0; k <= n; k++) {
        int rc = parse_copy(buf, k, &lim, NULL, &r);
        if (k < 64) {
            assert_int_equal(rc, -2);
        } else {
            assert_int_equal(rc, -1);
            assert_int_equal(r.err, CHK_HTTP_E_HEADER_TOO_LARGE);
            assert_int_equal(r.err_off, 64);
            assert_string_equal(chk_http_err_str(r.err), "header-too-large");
        }
    }
    /* an endless header line with the default limit */
    {
        static char big[CHK_HTTP_DEFAULT_MAX_HEADER_BYTES + 100];
        memset(big, 'a', sizeof(big));
        memcpy(big, HDR "X: ", 20);
        assert_int_equal(
            chk_http_parse_response(big, CHK_HTTP_DEFAULT_MAX_HEADER_BYTES - 1, NULL, NULL, &r),
            -2);
        assert_int_equal(chk_http_parse_response(big, sizeof(big), NULL, NULL, &r), -1);
        assert_int_equal(r.err, CHK_HTTP_E_HEADER_TOO_LARGE);
    }
    /* an error before the limit wins over the size */
    n = (size_t)snprintf(buf, sizeof(buf), HDR "A : %s",
                         "0123456789012345678901234567890123456789012345678901234567890123456789");
    assert_int_equal(chk_http_parse_response(buf, n, &lim, NULL, &r), -1);
    assert_int_equal(r.err, CHK_HTTP_E_BAD_HEADER_NAME);
}

static void empty_and_short_input(void **state)
{
    struct chk_http_resp r;

    assert_int_equal(chk_http_parse_response("", 0, NULL, NULL, &r), -2);
    assert_int_equal(r.err, CHK_HTTP_OK);
    assert_int_equal(chk_http_parse_response("HTTP/1.1 200 OK\r\n", 17, NULL, NULL, &r), -2);
    assert_int_equal(chk_http_parse_response("HTTP/1.1 200 OK\r\n\r", 18, NULL, NULL, &r), -2);
    assert_int_equal(chk_http_parse_response("HTTP/1.1 200 OK\r\n\r\n", 19, NULL, NULL, &r), 19);
}

static void err_strings(void **state)
{
    size_t i, j;

    assert_string_equal(chk_http_err_str(CHK_HTTP_OK), "ok");
    assert_string_equal(chk_http_err_str(CHK_HTTP_E_BAD_STATUS_LINE), "bad-status-line");
    assert_string_equal(chk_http_err_str(CHK_HTTP_E_COUNT), "unknown");
    assert_string_equal(chk_http_err_str((enum chk_http_err) - 1), "unknown");
    for (i = 0; i < CHK_HTTP_E_COUNT; i++) {
        assert_non_null(chk_http_err_str((enum chk_http_err)i));
        for (j = 0; j < i; j++)
            assert_string_not_equal(chk_http_err_str((enum chk_http_err)i),
                                    chk_http_err_str((enum chk_http_err)j));
    }
}

static void build_request(void **state)
{
    static const char want[] = "GET /readyz HTTP/1.1\r\nHost: 198.18.0.11:6443\r\n"
                               "User-Agent: haplane-check\r\nConnection: close\r\n\r\n";
    char buf[256], err[128];
    int n;

    n = chk_http_build_request(buf, sizeof(buf), "GET", "/readyz", "198.18.0.11:6443", err,
                               sizeof(err));
    assert_int_equal(n, (int)strlen(want));
    assert_string_equal(buf, want);
    /* exactly fits with the NUL; one byte less does not */
    assert_int_equal(chk_http_build_request(buf, strlen(want) + 1, "GET", "/readyz",
                                            "198.18.0.11:6443", err, sizeof(err)),
                     (int)strlen(want));
    assert_int_equal(chk_http_build_request(buf, strlen(want), "GET", "/readyz", "198.18.0.11:6443",
                                            err, sizeof(err)),
                     -1);
    assert_string_equal(err, "request does not fit in the buffer");
    n = chk_http_build_request(buf, sizeof(buf), "HEAD", "/livez?verbose", "[fd00::1]:6443", err,
                               sizeof(err));
    assert_int_equal(n, 100);
    assert_memory_equal(buf, "HEAD /livez?verbose HTTP/1.1\r\nHost: [fd00::1]:6443\r\n", 52);
    assert_int_equal(
        chk_http_build_request(buf, sizeof(buf), "GET", "readyz", "h", err, sizeof(err)), -1);
    assert_string_equal(err, "invalid path (must start with '/', visible ASCII only)");
    assert_int_equal(chk_http_build_request(buf, sizeof(buf), "GET", "/a b", "h", err, sizeof(err)),
                     -1);
    assert_int_equal(
        chk_http_build_request(buf, sizeof(buf), "GET", "/a\r\nX: y", "h", err, sizeof(err)), -1);
    assert_int_equal(
        chk_http_build_request(buf, sizeof(buf), "GET", "/", "h\r\nX: y", err, sizeof(err)), -1);
    assert_string_equal(err, "invalid host");
    assert_int_equal(chk_http_build_request(buf, sizeof(buf), "GET", "/", "", err, sizeof(err)),
                     -1);
    assert_int_equal(chk_http_build_request(buf, sizeof(buf), "G T", "/", "h", err, sizeof(err)),
                     -1);
    assert_string_equal(err, "invalid method");
    assert_int_equal(chk_http_build_request(buf, sizeof(buf), "", "/", "h", NULL, 0), -1);
}

/* The return value is where the body starts. */
static void body_offset_after_head(void **state)
{
    const char *raw = valid[0].raw;
    struct chk_http_resp r;
    int n = chk_http_parse_response(raw, strlen(raw), NULL, NULL, &r);

    assert_int_equal(n, 218);
    assert_int_equal(strlen(raw) - (size_t)n, (size_t)r.content_length);
    assert_memory_equal(raw + n, "ok", 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(valid_at_every_split),
        cmocka_unit_test(headers_are_returned_trimmed),
        cmocka_unit_test(errors_are_precise),
        cmocka_unit_test(too_many_headers),
        cmocka_unit_test(header_size_limit),
        cmocka_unit_test(empty_and_short_input),
        cmocka_unit_test(err_strings),
        cmocka_unit_test(build_request),
        cmocka_unit_test(body_offset_after_head),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
