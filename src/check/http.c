/* chk_http: HTTP/1.x response-head parser and request builder (see http.h).
 *
 * Grammar (RFC 9112 2.1, 4, 5; RFC 9110 5.6.2):
 *   status-line = HTTP-version SP status-code SP [ reason-phrase ] CRLF
 *   field-line  = field-name ":" OWS field-value OWS CRLF
 *   head        = status-line *( field-line ) CRLF
 * The parser rescans the buffer from the start on every call; a health-check
 * head is a few hundred bytes, so keeping state between calls is not worth
 * the extra contract.
 */
#include "check/http.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#define CHK_HTTP_STR_(code, str) [code] = str,
static const char *const chk_http_err_names[CHK_HTTP_E_COUNT] = {CHK_HTTP_ERRORS(CHK_HTTP_STR_)};
#undef CHK_HTTP_STR_

const char *chk_http_err_str(enum chk_http_err err)
{
    if ((unsigned)err >= CHK_HTTP_E_COUNT)
        return "unknown";
    return chk_http_err_names[err];
}

/* Scanner over buf[0..len), len already cut to the head-size limit. */
struct chk_http_scan {
    const unsigned char *buf;
    size_t len;
    size_t pos;
    struct chk_http_resp *resp;
    bool have_cl;
    bool seen_chunked; /* chunked listed in some Transfer-Encoding */
    size_t codings;    /* transfer-codings listed in the current field */
};

#define NEED_MORE (-2)
#define INVALID   (-1)

static int fail(struct chk_http_scan *s, enum chk_http_err err, size_t off)
{
    s->resp->err = err;
    s->resp->err_off = off;
    return INVALID;
}

/* tchar (RFC 9110 5.6.2). */
static bool is_tchar(unsigned char c)
{
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
        return true;
    return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* field-vchar / SP / HTAB (RFC 9110 5.5), obs-text included. */
static bool is_value_char(unsigned char c)
{
    return c == '\t' || (c >= 0x20 && c != 0x7f);
}

static bool is_ows(unsigned char c)
{
    return c == ' ' || c == '\t';
}

static unsigned char lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + ('a' - 'A')) : c;
}

/* Case-insensitive compare of a counted string with a lowercase literal. */
static bool eq_nocase(const char *s, size_t n, const char *lit)
{
    size_t i;

    if (strlen(lit) != n)
        return false;
    for (i = 0; i < n; i++)
        if (lower((unsigned char)s[i]) != (unsigned char)lit[i])
            return false;
    return true;
}

/* At a CR or LF: consume the line end. CRLF or a lone LF (RFC 9112 2.2);
 * a CR followed by anything else is a bare CR. */
static int scan_eol(struct chk_http_scan *s)
{
    if (s->buf[s->pos] == '\n') {
        s->pos++;
        return 0;
    }
    if (s->pos + 1 >= s->len)
        return NEED_MORE;
    if (s->buf[s->pos + 1] != '\n')
        return fail(s, CHK_HTTP_E_BARE_CR, s->pos);
    s->pos += 2;
    return 0;
}

/* "HTTP/1.x " (RFC 9112 2.3): any minor digit is accepted (RFC 9110 2.5). */
static int scan_version(struct chk_http_scan *s)
{
    static const char want[] = "HTTP/1.";
    size_t i;

    for (i = 0; i < 9; i++) {
        unsigned char c;

        if (i >= s->len)
            return NEED_MORE;
        c = s->buf[i];
        if (i < 7 && c != (unsigned char)want[i])
            return fail(s, CHK_HTTP_E_BAD_VERSION, i);
        if (i == 7 && (c < '0' || c > '9'))
            return fail(s, CHK_HTTP_E_BAD_VERSION, i);
        if (i == 8 && c >= '0' && c <= '9')
            return fail(s, CHK_HTTP_E_BAD_VERSION, i);
        if (i == 8 && c != ' ')
            return fail(s, CHK_HTTP_E_BAD_STATUS_LINE, i);
    }
    s->resp->minor_version = s->buf[7] - '0';
    s->pos = 9;
    return 0;
}

/* 3DIGIT in 100..599 (RFC 9110 15), then SP, or the line end when the
 * server left out the empty reason phrase's SP. */
static int scan_status_code(struct chk_http_scan *s)
{
    int code = 0;
    size_t i;
    unsigned char c;

    for (i = 0; i < 3; i++) {
        if (s->pos >= s->len)
            return NEED_MORE;
        c = s->buf[s->pos];
        if (c < '0' || c > '9' || (i == 0 && (c < '1' || c > '5')))
            return fail(s, CHK_HTTP_E_BAD_STATUS_CODE, s->pos);
        code = code * 10 + (c - '0');
        s->pos++;
    }
    s->resp->status = code;
    if (s->pos >= s->len)
        return NEED_MORE;
    c = s->buf[s->pos];
    if (c >= '0' && c <= '9')
        return fail(s, CHK_HTTP_E_BAD_STATUS_CODE, s->pos);
    if (c == ' ')
        s->pos++;
    else if (c != '\r' && c != '\n')
        return fail(s, CHK_HTTP_E_BAD_STATUS_LINE, s->pos);
    return 0;
}

/* reason-phrase = 1*( HTAB / SP / VCHAR / obs-text ) (RFC 9112 4). */
static int scan_reason(struct chk_http_scan *s)
{
    size_t start = s->pos;

    for (; s->pos < s->len; s->pos++) {
        unsigned char c = s->buf[s->pos];

        if (c == '\r' || c == '\n') {
            s->resp->reason = (const char *)s->buf + start;
            s->resp->reason_len = s->pos - start;
            return scan_eol(s);
        }
        if (!is_value_char(c))
            return fail(s, CHK_HTTP_E_BAD_STATUS_LINE, s->pos);
    }
    return NEED_MORE;
}

static int scan_status_line(struct chk_http_scan *s)
{
    int rc = scan_version(s);

    if (rc == 0)
        rc = scan_status_code(s);
    if (rc == 0)
        rc = scan_reason(s);
    return rc;
}

/* Content-Length = 1*DIGIT (RFC 9110 8.6). Repeats must agree. */
static int on_content_length(struct chk_http_scan *s, const struct chk_http_header *h)
{
    struct chk_http_resp *r = s->resp;
    size_t off = (size_t)((const unsigned char *)h->value - s->buf);
    int64_t v = 0;
    size_t i;

    if (r->has_transfer_encoding)
        return fail(s, CHK_HTTP_E_LENGTH_AND_ENCODING, off);
    if (h->value_len == 0)
        return fail(s, CHK_HTTP_E_BAD_CONTENT_LENGTH, off);
    for (i = 0; i < h->value_len; i++) {
        unsigned char c = (unsigned char)h->value[i];

        if (c < '0' || c > '9')
            return fail(s, CHK_HTTP_E_BAD_CONTENT_LENGTH, off + i);
        if (v > (INT64_MAX - (c - '0')) / 10)
            return fail(s, CHK_HTTP_E_BAD_CONTENT_LENGTH, off + i);
        v = v * 10 + (c - '0');
    }
    if (s->have_cl && r->content_length != v)
        return fail(s, CHK_HTTP_E_CONFLICTING_CONTENT_LENGTH, off);
    s->have_cl = true;
    r->content_length = v;
    return 0;
}

/* Call fn on each element of a comma-separated list (RFC 9110 5.6.1), OWS
 * trimmed, empty elements skipped. Stops at the first nonzero return. */
static int for_each_element(struct chk_http_scan *s, const struct chk_http_header *h,
                            int (*fn)(struct chk_http_scan *, const char *, size_t, size_t))
{
    size_t i = 0, n = h->value_len;
    const char *v = h->value;

    while (i < n) {
        size_t a = i, b;
        int rc;

        while (i < n && v[i] != ',')
            i++;
        b = i;
        while (a < b && is_ows((unsigned char)v[a]))
            a++;
        while (b > a && is_ows((unsigned char)v[b - 1]))
            b--;
        if (b > a) {
            rc = fn(s, v + a, b - a, (size_t)((const unsigned char *)v + a - s->buf));
            if (rc != 0)
                return rc;
        }
        if (i < n)
            i++;
    }
    return 0;
}

/* One transfer-coding (RFC 9112 7): token [ parameters ]. chunked must not
 * be applied twice (RFC 9112 7.1); what matters for framing is whether the
 * final coding, over all Transfer-Encoding fields, is chunked (RFC 9112 6.3). */
static int on_coding(struct chk_http_scan *s, const char *e, size_t n, size_t off)
{
    size_t tok = 0, i;
    bool chunked;

    while (tok < n && is_tchar((unsigned char)e[tok]))
        tok++;
    for (i = tok; i < n && is_ows((unsigned char)e[i]); i++)
        ;
    if (tok == 0 || (i < n && e[i] != ';'))
        return fail(s, CHK_HTTP_E_BAD_TRANSFER_ENCODING, off + i);
    chunked = eq_nocase(e, tok, "chunked");
    if (chunked && s->seen_chunked)
        return fail(s, CHK_HTTP_E_BAD_TRANSFER_ENCODING, off);
    s->seen_chunked = s->seen_chunked || chunked;
    s->resp->chunked = chunked;
    s->codings++;
    return 0;
}

static int on_transfer_encoding(struct chk_http_scan *s, const struct chk_http_header *h)
{
    struct chk_http_resp *r = s->resp;
    size_t off = (size_t)((const unsigned char *)h->value - s->buf);
    int rc;

    /* RFC 9112 6.3 (3): both fields present ought to be handled as an error. */
    if (s->have_cl)
        return fail(s, CHK_HTTP_E_LENGTH_AND_ENCODING, off);
    /* RFC 9112 6.1: Transfer-Encoding in an HTTP/1.0 message means faulty framing. */
    if (r->minor_version == 0)
        return fail(s, CHK_HTTP_E_BAD_TRANSFER_ENCODING, off);
    r->has_transfer_encoding = true;
    s->codings = 0;
    rc = for_each_element(s, h, on_coding);
    if (rc == 0 && s->codings == 0)
        return fail(s, CHK_HTTP_E_BAD_TRANSFER_ENCODING, off);
    return rc;
}

/* Connection options (RFC 9112 9.3, 9.6); unknown options are ignored. */
static int on_conn_option(struct chk_http_scan *s, const char *e, size_t n, size_t off)
{
    if (eq_nocase(e, n, "close"))
        s->resp->conn_close = true;
    else if (eq_nocase(e, n, "keep-alive"))
        s->resp->conn_keep_alive = true;
    return 0;
}

static int on_field(struct chk_http_scan *s, const struct chk_http_header *h)
{
    if (eq_nocase(h->name, h->name_len, "content-length"))
        return on_content_length(s, h);
    if (eq_nocase(h->name, h->name_len, "transfer-encoding"))
        return on_transfer_encoding(s, h);
    if (eq_nocase(h->name, h->name_len, "connection"))
        return for_each_element(s, h, on_conn_option);
    return 0;
}

/* field-name ":" OWS field-value OWS line-end, s->pos at the first byte of
 * the name. Fills *h. RFC 9112 5.1: no whitespace before the colon. */
static int scan_field_line(struct chk_http_scan *s, struct chk_http_header *h)
{
    size_t start = s->pos, vstart, vend;
    int rc;

    while (s->pos < s->len && is_tchar(s->buf[s->pos]))
        s->pos++;
    if (s->pos >= s->len)
        return NEED_MORE;
    if (s->pos == start || s->buf[s->pos] != ':')
        return fail(s, CHK_HTTP_E_BAD_HEADER_NAME, s->pos);
    h->name = (const char *)s->buf + start;
    h->name_len = s->pos - start;
    s->pos++;
    while (s->pos < s->len && is_ows(s->buf[s->pos]))
        s->pos++;
    vstart = s->pos;
    for (;; s->pos++) {
        if (s->pos >= s->len)
            return NEED_MORE;
        if (s->buf[s->pos] == '\r' || s->buf[s->pos] == '\n')
            break;
        if (!is_value_char(s->buf[s->pos]))
            return fail(s, CHK_HTTP_E_BAD_HEADER_VALUE, s->pos);
    }
    vend = s->pos;
    while (vend > vstart && is_ows(s->buf[vend - 1]))
        vend--;
    h->value = (const char *)s->buf + vstart;
    h->value_len = vend - vstart;
    rc = scan_eol(s);
    return rc != 0 ? rc : on_field(s, h);
}

/* Field lines up to and including the empty line that ends the head. */
static int scan_fields(struct chk_http_scan *s, size_t max_headers, struct chk_http_header *headers)
{
    for (;;) {
        struct chk_http_header h;
        unsigned char c;
        int rc;

        if (s->pos >= s->len)
            return NEED_MORE;
        c = s->buf[s->pos];
        if (c == '\r' || c == '\n')
            return scan_eol(s);
        /* RFC 9112 5.2 obs-fold, and 2.2 whitespace before the first field. */
        if (is_ows(c))
            return fail(s, CHK_HTTP_E_OBS_FOLD, s->pos);
        if (s->resp->num_headers >= max_headers)
            return fail(s, CHK_HTTP_E_TOO_MANY_HEADERS, s->pos);
        rc = scan_field_line(s, &h);
        if (rc != 0)
            return rc;
        if (headers != NULL)
            headers[s->resp->num_headers] = h;
        s->resp->num_headers++;
    }
}

static void resp_reset(struct chk_http_resp *r)
{
    memset(r, 0, sizeof(*r));
    r->content_length = -1;
    r->reason = "";
    r->err = CHK_HTTP_OK;
}

int chk_http_parse_response(const char *buf, size_t len, const struct chk_http_limits *lim,
                            struct chk_http_header *headers, struct chk_http_resp *resp)
{
    size_t max_headers = CHK_HTTP_DEFAULT_MAX_HEADERS;
    size_t max_bytes = CHK_HTTP_DEFAULT_MAX_HEADER_BYTES;
    struct chk_http_scan s;
    int rc;

    if (lim != NULL && lim->max_headers != 0)
        max_headers = lim->max_headers;
    if (lim != NULL && lim->max_header_bytes != 0)
        max_bytes = lim->max_header_bytes;
    if (max_bytes > INT_MAX)
        max_bytes = INT_MAX;
    resp_reset(resp);
    /* Scan at most max_bytes: a head that has not ended there is too large,
     * whatever follows; before that, it is only incomplete. */
    s.buf = (const unsigned char *)buf;
    s.len = len < max_bytes ? len : max_bytes;
    s.pos = 0;
    s.resp = resp;
    s.have_cl = false;
    s.seen_chunked = false;
    s.codings = 0;
    rc = scan_status_line(&s);
    if (rc == 0)
        rc = scan_fields(&s, max_headers, headers);
    if (rc == NEED_MORE && len >= max_bytes)
        rc = fail(&s, CHK_HTTP_E_HEADER_TOO_LARGE, max_bytes);
    if (rc == 0)
        return (int)s.pos;
    return rc;
}

static bool all_chars(const char *s, bool (*ok)(unsigned char))
{
    for (; *s != '\0'; s++)
        if (!ok((unsigned char)*s))
            return false;
    return true;
}

/* Visible ASCII, no space: what may go into a request-target or Host here. */
static bool is_visible(unsigned char c)
{
    return c > 0x20 && c < 0x7f;
}

int chk_http_build_request(char *buf, size_t size, const char *method, const char *path,
                           const char *host, char *err, size_t errlen)
{
    const char *why = NULL;
    int n;

    if (method == NULL || *method == '\0' || !all_chars(method, is_tchar))
        why = "invalid method";
    else if (path == NULL || path[0] != '/' || !all_chars(path, is_visible))
        why = "invalid path (must start with '/', visible ASCII only)";
    else if (host == NULL || *host == '\0' || !all_chars(host, is_visible))
        why = "invalid host";
    if (why == NULL) {
        n = snprintf(buf, size,
                     "%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: haplane-check\r\n"
                     "Connection: close\r\n\r\n",
                     method, path, host);
        if (n >= 0 && (size_t)n < size)
            return n;
        why = "request does not fit in the buffer";
    }
    if (errlen > 0)
        snprintf(err, errlen, "%s", why);
    return -1;
}
