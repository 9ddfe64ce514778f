/* http: see http.h. */
#include "metrics/http.h"

#include <stdbool.h>
#include <string.h>

#define MX_METHOD_MAX 16

/* The end of the headers (index after the blank line), or -1. */
static long head_end(const char *buf, size_t len)
{
    for (size_t i = 0; i + 1 < len; i++) {
        if (buf[i] != '\n')
            continue;
        if (buf[i + 1] == '\n')
            return (long)(i + 2);
        if (buf[i + 1] == '\r' && i + 2 < len && buf[i + 2] == '\n')
            return (long)(i + 3);
    }
    return -1;
}

static bool is_upper(char c)
{
    return c >= 'A' && c <= 'Z';
}

/* The request line buf[0..n) (without its line end). */
static int parse_line(const char *buf, size_t n, struct mx_req *req, const char **why)
{
    size_t m = 0, t;
    while (m < n && m <= MX_METHOD_MAX && is_upper(buf[m]))
        m++;
    if (m == 0 || m > MX_METHOD_MAX || m >= n || buf[m] != ' ')
        return *why = "bad method", -1;
    req->method = m == 3 && !memcmp(buf, "GET", 3)    ? MX_M_GET
                  : m == 4 && !memcmp(buf, "HEAD", 4) ? MX_M_HEAD
                                                      : MX_M_OTHER;
    t = m + 1;
    if (t >= n || buf[t] != '/')
        return *why = "bad request target", -1;
    size_t e = t;
    while (e < n && buf[e] > 0x20 && buf[e] < 0x7f)
        e++;
    if (e >= n || buf[e] != ' ')
        return *why = "bad request target", -1;
    size_t plen = e - t;
    const char *q = memchr(buf + t, '?', plen);
    if (q)
        plen = (size_t)(q - (buf + t));
    if (plen >= MX_HTTP_PATH_MAX)
        return *why = "request target too long", -1;
    memcpy(req->path, buf + t, plen);
    req->path[plen] = 0;
    if (n - e - 1 != 8 || memcmp(buf + e + 1, "HTTP/1.", 7) != 0 ||
        (buf[n - 1] != '0' && buf[n - 1] != '1'))
        return *why = "bad HTTP version", -1;
    req->minor = buf[n - 1] - '0';
    return 0;
}

/* Header lines between from and to: "Name: value", no folding, no
 * control characters but tab. */
static int check_headers(const char *buf, size_t from, size_t to, const char **why)
{
    size_t i = from;
    while (i < to) {
        const char *nl = memchr(buf + i, '\n', to - i);
        size_t end = nl ? (size_t)(nl - buf) : to, n = end - i;
        if (n && buf[end - 1] == '\r')
            n--;
        if (n == 0)
            break; /* the blank line */
        if (buf[i] == ' ' || buf[i] == '\t' || !memchr(buf + i, ':', n) || buf[i] == ':')
            return *why = "bad header line", -1;
        for (size_t k = i; k < i + n; k++)
            if (((unsigned char)buf[k] < 0x20 && buf[k] != '\t') || buf[k] == 0x7f)
                return *why = "control character in a header", -1;
        i = end + 1;
    }
    return 0;
}

long mx_http_parse(const char *buf, size_t len, struct mx_req *req, const char **why)
{
    const char *nl = memchr(buf, '\n', len);
    *why = NULL;
    if (!nl) { /* garbage is refused before the line is complete */
        for (size_t i = 0; i < len; i++)
            if ((unsigned char)buf[i] < 0x20 && buf[i] != '\r')
                return *why = "control character in the request line", -1;
        return 0;
    }
    size_t n = (size_t)(nl - buf);
    if (n && buf[n - 1] == '\r')
        n--;
    if (parse_line(buf, n, req, why) < 0)
        return -1;
    long end = head_end(buf, len);
    size_t first = (size_t)(nl - buf) + 1, upto = (size_t)end;
    if (end < 0) { /* only the complete lines so far */
        upto = len;
        while (upto > first && buf[upto - 1] != '\n')
            upto--;
    }
    if (check_headers(buf, first, upto, why) < 0)
        return -1;
    return end < 0 ? 0 : end;
}
