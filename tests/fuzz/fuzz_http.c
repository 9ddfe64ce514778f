/* libFuzzer harness for the HTTP response-head parser (check/http.c).
 *
 *   clang -std=c11 -D_GNU_SOURCE -Isrc -g -O1 -fsanitize=fuzzer,address,undefined \
 *       src/check/http.c tests/fuzz/fuzz_http.c -o build/fuzz_http
 *   build/fuzz_http -max_total_time=60 -max_len=4096
 *
 * Input: byte 0 picks the limits, the rest is what the server sent. Besides
 * memory safety (every parse runs on an exact-size heap copy) it checks the
 * contract: results in range, pointers inside the head, and the split
 * invariance (a prefix gives -2 or the same answer as the whole buffer).
 * The request builder is fuzzed on the side: whatever it accepts must come
 * out as exactly one request line and three fields.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_http: %s:%d: %s\n", __FILE__, __LINE__, #cond);                  \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

#define MAX_HDRS 64

struct outcome {
    int rc;
    struct chk_http_resp r;
    struct chk_http_header h[MAX_HDRS];
};

static void parse_exact(const uint8_t *p, size_t len, const struct chk_http_limits *lim,
                        struct outcome *o)
{
    char *copy = malloc(len ? len : 1);
    size_t i, hl = lim->max_headers;

    CHECK(copy != NULL);
    if (len)
        memcpy(copy, p, len);
    o->rc = chk_http_parse_response(copy, len, lim, o->h, &o->r);
    CHECK(o->rc == -2 || o->rc == -1 || o->rc > 0);
    if (o->rc == -1) {
        CHECK(o->r.err != CHK_HTTP_OK && o->r.err < CHK_HTTP_E_COUNT);
        CHECK(o->r.err_off <= len && o->r.err_off <= lim->max_header_bytes);
    } else {
        CHECK(o->r.err == CHK_HTTP_OK);
    }
    if (o->rc > 0) {
        size_t rc = (size_t)o->rc;
        CHECK(rc <= len && rc <= lim->max_header_bytes && copy[rc - 1] == '\n');
        CHECK(o->r.status >= 100 && o->r.status <= 599);
        CHECK(o->r.minor_version >= 0 && o->r.minor_version <= 9);
        CHECK(o->r.num_headers <= hl);
        CHECK(!(o->r.chunked && o->r.content_length >= 0));
        CHECK(o->r.reason >= copy && o->r.reason + o->r.reason_len <= copy + rc);
        for (i = 0; i < o->r.num_headers; i++) {
            const struct chk_http_header *h = &o->h[i];
            CHECK(h->name_len > 0 && h->name >= copy && h->name + h->name_len <= copy + rc);
            CHECK(h->value >= copy && h->value + h->value_len <= copy + rc);
            CHECK(h->name[h->name_len] == ':');
            /* store offsets: the copy goes away */
            o->h[i].name = (const char *)(uintptr_t)(h->name - copy);
            o->h[i].value = (const char *)(uintptr_t)(h->value - copy);
        }
        o->r.reason = (const char *)(uintptr_t)(o->r.reason - copy);
    }
    free(copy);
}

static bool same(const struct outcome *a, const struct outcome *b)
{
    if (a->rc != b->rc)
        return false;
    if (a->rc == -1)
        return a->r.err == b->r.err && a->r.err_off == b->r.err_off;
    if (a->rc == -2)
        return true;
    return a->r.status == b->r.status && a->r.minor_version == b->r.minor_version &&
           a->r.num_headers == b->r.num_headers && a->r.content_length == b->r.content_length &&
           a->r.chunked == b->r.chunked && a->r.conn_close == b->r.conn_close &&
           a->r.has_transfer_encoding == b->r.has_transfer_encoding &&
           memcmp(a->h, b->h, a->r.num_headers * sizeof(a->h[0])) == 0;
}

/* A prefix of k bytes must be incomplete, or agree with the full answer. */
static void check_prefix(const uint8_t *p, size_t k, const struct chk_http_limits *lim,
                         const struct outcome *full)
{
    static struct outcome o;

    parse_exact(p, k, lim, &o);
    if (full->rc > 0 && k >= (size_t)full->rc) {
        CHECK(same(&o, full));
        return;
    }
    if (o.rc != -2)
        CHECK(full->rc == -1 && same(&o, full));
}

static void fuzz_parser(const uint8_t *data, size_t size, uint8_t sel)
{
    static struct outcome full;
    struct chk_http_limits lim = {(sel & 7) == 0 ? MAX_HDRS : (size_t)(sel & 7),
                                  (sel & 8) ? 64 + (size_t)(sel >> 4) * 16 : 8192};
    size_t k;

    parse_exact(data, size, &lim, &full);
    if (size <= 300) {
        for (k = 0; k < size; k++)
            check_prefix(data, k, &lim, &full);
        return;
    }
    for (k = 0; k < 32; k++)
        check_prefix(data, size * k / 32, &lim, &full);
    if (full.rc > 0) {
        check_prefix(data, (size_t)full.rc - 1, &lim, &full);
        check_prefix(data, (size_t)full.rc, &lim, &full);
    }
    if (full.rc == -1) {
        check_prefix(data, full.r.err_off, &lim, &full);
        if (full.r.err_off + 1 <= size)
            check_prefix(data, full.r.err_off + 1, &lim, &full);
    }
}

/* method \0 path \0 host: anything accepted yields one clean request. */
static void fuzz_builder(const uint8_t *data, size_t size)
{
    char in[512], out[700], err[64];
    const char *method = in, *path, *host;
    size_t n = size < sizeof(in) - 3 ? size : sizeof(in) - 3;
    int len, crlf = 0, i;

    memcpy(in, data, n);
    in[n] = in[n + 1] = in[n + 2] = '\0';
    path = method + strlen(method) + 1;
    host = path + strlen(path) + 1;
    len = chk_http_build_request(out, sizeof(out), method, path, host, err, sizeof(err));
    if (len < 0) {
        CHECK(err[0] != '\0');
        return;
    }
    CHECK((size_t)len == strlen(out));
    for (i = 0; i + 1 < len; i++) {
        CHECK(out[i] != '\r' || out[i + 1] == '\n');
        CHECK(out[i + 1] != '\n' || out[i] == '\r');
        crlf += out[i] == '\r';
    }
    CHECK(crlf == 5 && len >= 4 && memcmp(out + len - 4, "\r\n\r\n", 4) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    fuzz_parser(data + 1, size - 1, data[0]);
    fuzz_builder(data + 1, size - 1);
    return 0;
}
