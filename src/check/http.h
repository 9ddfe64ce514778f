/* chk_http: HTTP/1.x response-head parser and request builder for health checks.
 *
 * Pure: no I/O, no allocation, no global state. The caller owns the buffer and
 * calls chk_http_parse_response() with everything received so far (the parser
 * keeps no state between calls, in the style of picohttpparser). Results:
 *
 *   > 0  the status line and header fields are complete; the value is the
 *        number of bytes they take (the body, if any, starts there)
 *    -2  incomplete: read more and call again with the longer buffer
 *    -1  invalid: resp->err says why, resp->err_off where
 *
 * The result depends only on the bytes, never on how they were split across
 * calls: a prefix of a valid head gives -2, a prefix of an invalid one gives
 * -2 or the same error. Pointers stored in the response point into buf.
 *
 * Deliberately strict (a health check has no reason to be lenient, and a
 * not-quite-HTTP answer is worth reporting): obs-fold, bare CR, control
 * characters, whitespace before the colon, both Content-Length and
 * Transfer-Encoding, or conflicting Content-Lengths all reject the response.
 * Tolerated: a bare LF as line end (RFC 9112 2.2), an empty or missing reason
 * phrase, any HTTP/1.x minor version (RFC 9110 2.5).
 */
#ifndef HAPLANE_CHECK_HTTP_H
#define HAPLANE_CHECK_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Why a response was rejected. One line per error: code, string. */
#define CHK_HTTP_ERRORS(X)                                                                         \
    X(CHK_HTTP_OK, "ok")                                                                           \
    X(CHK_HTTP_E_BAD_VERSION, "bad-version")                                                       \
    X(CHK_HTTP_E_BAD_STATUS_LINE, "bad-status-line")                                               \
    X(CHK_HTTP_E_BAD_STATUS_CODE, "bad-status-code")                                               \
    X(CHK_HTTP_E_BARE_CR, "bare-cr")                                                               \
    X(CHK_HTTP_E_OBS_FOLD, "obs-fold")                                                             \
    X(CHK_HTTP_E_BAD_HEADER_NAME, "bad-header-name")                                               \
    X(CHK_HTTP_E_BAD_HEADER_VALUE, "bad-header-value")                                             \
    X(CHK_HTTP_E_TOO_MANY_HEADERS, "too-many-headers")                                             \
    X(CHK_HTTP_E_HEADER_TOO_LARGE, "header-too-large")                                             \
    X(CHK_HTTP_E_BAD_CONTENT_LENGTH, "bad-content-length")                                         \
    X(CHK_HTTP_E_CONFLICTING_CONTENT_LENGTH, "conflicting-content-length")                         \
    X(CHK_HTTP_E_BAD_TRANSFER_ENCODING, "bad-transfer-encoding")                                   \
    X(CHK_HTTP_E_LENGTH_AND_ENCODING, "content-length-with-transfer-encoding")

#define CHK_HTTP_ENUM_(code, str) code,
enum chk_http_err { CHK_HTTP_ERRORS(CHK_HTTP_ENUM_) CHK_HTTP_E_COUNT };
#undef CHK_HTTP_ENUM_

/* "bad-status-line", ...; "unknown" for a value outside the enum. */
const char *chk_http_err_str(enum chk_http_err err);

#define CHK_HTTP_DEFAULT_MAX_HEADERS      64
#define CHK_HTTP_DEFAULT_MAX_HEADER_BYTES 8192

/* Limits. max_header_bytes bounds the whole head: status line, fields and the
 * final empty line. A zero field means the default above. */
struct chk_http_limits {
    size_t max_headers;
    size_t max_header_bytes;
};

/* One field line, name and value without surrounding whitespace; not
 * NUL-terminated; pointers into the caller's buffer. */
struct chk_http_header {
    const char *name;
    size_t name_len;
    const char *value;
    size_t value_len;
};

struct chk_http_resp {
    int minor_version;  /* 0 for HTTP/1.0, 1 for HTTP/1.1 */
    int status;         /* 100..599 */
    const char *reason; /* reason phrase, may be empty; into buf */
    size_t reason_len;
    size_t num_headers;     /* field lines seen */
    int64_t content_length; /* -1 when absent */
    bool chunked;           /* final transfer coding is chunked (RFC 9112 6.3) */
    bool has_transfer_encoding;
    bool conn_close;       /* Connection lists "close" (RFC 9112 9.6) */
    bool conn_keep_alive;  /* Connection lists "keep-alive" (HTTP/1.0) */
    enum chk_http_err err; /* CHK_HTTP_OK unless the result is -1 */
    size_t err_off;        /* offset in buf of the byte that made it invalid */
};

/* Parse the head of an HTTP/1.x response in buf[0..len).
 *
 * lim may be NULL (defaults). headers may be NULL; otherwise it must hold
 * lim->max_headers entries and receives the field lines in order. resp is
 * always fully written (also on -2/-1).
 *
 * Returns the length of the head (> 0), -2 if incomplete, -1 if invalid.
 * A 1xx interim response (RFC 9110 15.2) is returned like any other: the
 * caller discards that many bytes and parses again for the final response.
 * Framing (RFC 9112 6.3): chunked set -> chunked body; else content_length
 * >= 0 -> that many bytes; else (has_transfer_encoding or no length) -> the
 * body runs until the server closes. Responses to HEAD, 1xx, 204 and 304
 * have no body whatever the fields say. */
int chk_http_parse_response(const char *buf, size_t len, const struct chk_http_limits *lim,
                            struct chk_http_header *headers, struct chk_http_resp *resp);

/* Write "METHOD PATH HTTP/1.1\r\nHost: HOST\r\nUser-Agent: haplane-check\r\n
 * Connection: close\r\n\r\n" into buf (size bytes, NUL-terminated).
 *
 * method: a token ("GET", "HEAD"). path: starts with '/', visible ASCII only.
 * host: the Host field value (RFC 9110 7.2), e.g. "10.0.0.1:6443",
 * "[fd00::1]:6443" or a DNS name; visible ASCII, no spaces.
 *
 * Returns the request length (excluding the NUL), or -1 with a message in
 * err (errlen bytes, may be 0) when an argument is invalid or buf too small. */
int chk_http_build_request(char *buf, size_t size, const char *method, const char *path,
                           const char *host, char *err, size_t errlen);

#endif
