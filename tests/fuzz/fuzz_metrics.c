/* libFuzzer harness for the pure parts of src/metrics.
 *
 *   FUZZ_ONLY=fuzz_metrics make fuzz
 *
 * Byte 0 picks the target. HTTP requests (http.c): every parse runs on an
 * exact-size heap copy; results are in range, and a prefix of a complete
 * request is incomplete (0), a prefix of a bad one incomplete or bad. JSON
 * documents (json.c): whatever parses is then rendered by the collector
 * and the status page (collect.c, page.c), which must cope with any
 * shape of document, not only the daemon's.
 * fuzz-seeds: tests/fixtures/metrics
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/http.h"
#include "metrics/json.h"
#include "metrics/metrics-int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_metrics: %s:%d: %s\n", __FILE__, __LINE__, #cond);               \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static long parse_exact(const uint8_t *p, size_t len)
{
    char *copy = malloc(len ? len : 1);
    struct mx_req rq;
    const char *why = NULL;
    memcpy(copy, p, len);
    long r = mx_http_parse(copy, len, &rq, &why);
    free(copy);
    CHECK(r >= -1 && r <= (long)len);
    CHECK((r == -1) == (why != NULL));
    if (r > 0)
        CHECK(rq.path[0] == '/' && strlen(rq.path) < MX_HTTP_PATH_MAX);
    return r;
}

static void fuzz_http(const uint8_t *p, size_t len)
{
    long whole = parse_exact(p, len);
    for (size_t cut = 0; cut < len; cut += 1 + cut / 8) {
        long r = parse_exact(p, cut);
        if (whole > 0)
            CHECK(cut < (size_t)whole ? r == 0 : r == whole);
        else if (whole == -1)
            CHECK(r == 0 || r == -1);
        else
            CHECK(r == 0);
    }
}

static void fuzz_json(const uint8_t *p, size_t len)
{
    char *text = malloc(len + 1), err[128];
    struct mx_json j;
    memcpy(text, p, len);
    if (mx_json_parse(&j, text, len, err, sizeof(err)) == 0) {
        struct mx_self self = {.started_unix = 1};
        struct sbuf b;
        sbuf_init(&b);
        mx_collect(&b, &j, &self);
        sbuf_reset(&b);
        mx_page(&b, &j, 5);
        sbuf_free(&b);
    }
    mx_json_free(&j);
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (data[0] & 1)
        fuzz_http(data + 1, size - 1);
    else
        fuzz_json(data + 1, size - 1);
    return 0;
}
