/* Unit tests: deciding an HTTP(S) check from the bytes received (check/verdict.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "check/state.h"
#include "check/verdict.h"

struct vcase {
    const char *in;
    bool eof, full;
    unsigned expect;
    int decided;
    enum chk_result result;
    int status;
    const char *detail;
};

static const struct vcase cases[] = {
    {"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", false, false, 200, 1, CHK_R_OK, 200,
     "HTTP 200"},
    /* the head is enough: no need for the body or the close */
    {"HTTP/1.1 200 OK\r\n\r\n", false, false, 200, 1, CHK_R_OK, 200, "HTTP 200"},
    {"HTTP/1.1 503 Service Unavailable\r\n\r\n[-]etcd failed", false, false, 200, 1,
     CHK_R_BAD_STATUS, 503, "HTTP 503, expected 200"},
    {"HTTP/1.1 200 OK\r\n\r\n", false, false, 204, 1, CHK_R_BAD_STATUS, 200,
     "HTTP 200, expected 204"},
    /* interim responses are skipped, several of them */
    {"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
     "HTTP/1.1 200 OK\r\n\r\n",
     false, false, 200, 1, CHK_R_OK, 200, "HTTP 200"},
    /* ... but 101 is final */
    {"HTTP/1.1 101 Switching Protocols\r\n\r\n", false, false, 200, 1, CHK_R_BAD_STATUS, 101,
     "HTTP 101, expected 200"},
    {"HTTP/1.1 101 Switching Protocols\r\n\r\n", false, false, 101, 1, CHK_R_OK, 101, "HTTP 101"},
    /* incomplete: wait, unless closed or full */
    {"HTTP/1.1 200 OK\r\nServer: x\r\n", false, false, 200, 0, CHK_R_OK, 0, ""},
    {"HTTP/1.1 200 OK\r\nServer: x\r\n", true, false, 200, 1, CHK_R_CLOSED_EARLY, 0,
     "incomplete response head"},
    {"", true, false, 200, 1, CHK_R_CLOSED_EARLY, 0, "no response"},
    {"", false, false, 200, 0, CHK_R_OK, 0, ""},
    {"HTTP/1.1 200 OK\r\nX: y", false, true, 200, 1, CHK_R_BAD_RESPONSE, 0,
     "response head too large"},
    /* an interim response followed by nothing yet, then a close */
    {"HTTP/1.1 100 Continue\r\n\r\n", false, false, 200, 0, CHK_R_OK, 0, ""},
    {"HTTP/1.1 100 Continue\r\n\r\n", true, false, 200, 1, CHK_R_CLOSED_EARLY, 0,
     "no final response"},
    /* not HTTP: the error and where, counted from the start of the buffer */
    {"SSH-2.0-OpenSSH_9.2\r\n", false, false, 200, 1, CHK_R_BAD_RESPONSE, 0,
     "bad-version at byte 0"},
    {"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 2x0 OK\r\n\r\n", false, false, 200, 1,
     CHK_R_BAD_RESPONSE, 0, "bad-status-code at byte 35"},
    /* a TLS alert from a server that wanted TLS */
    {"\x15\x03\x01\x00\x02\x02\x46", false, false, 200, 1, CHK_R_BAD_RESPONSE, 0,
     "bad-version at byte 0"},
};

static void table(void **state)
{
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct vcase *c = &cases[i];
        struct chk_verdict v;
        memset(&v, 0x55, sizeof(v));
        int d = chk_http_verdict(c->in, strlen(c->in), c->eof, c->full, c->expect, &v);
        if (d != c->decided)
            fail_msg("case %zu: decided %d, want %d", i, d, c->decided);
        if (!d)
            continue;
        if (v.result != c->result || v.status != c->status || strcmp(v.detail, c->detail))
            fail_msg("case %zu: %s %d \"%s\"; want %s %d \"%s\"", i, chk_result_str(v.result),
                     v.status, v.detail, chk_result_str(c->result), c->status, c->detail);
    }
}

/* Fed byte by byte, a valid answer is undecided until its head is complete
 * and then decided the same way as in one piece. */
static void every_prefix(void **state)
{
    const char *in = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 503 Nope\r\nA: b\r\n\r\nbody";
    size_t head_end = strlen("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 503 Nope\r\nA: b\r\n\r\n");
    for (size_t n = 0; n <= strlen(in); n++) {
        struct chk_verdict v;
        int d = chk_http_verdict(in, n, false, false, 200, &v);
        assert_int_equal(d, n >= head_end ? 1 : 0);
        if (d) {
            assert_int_equal(v.result, CHK_R_BAD_STATUS);
            assert_int_equal(v.status, 503);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(table),
        cmocka_unit_test(every_prefix),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
