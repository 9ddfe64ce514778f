/* http: the request side of the metrics listener's HTTP/1.x, pure.
 *
 * Only what a scraper, a probe and a browser send: a request line and
 * headers, no body. The parser takes the bytes received so far and says
 * whether the request is complete, incomplete, or bad; it never reads past
 * len and keeps nothing between calls (picohttpparser's contract).
 */
#ifndef HAPLANE_METRICS_HTTP_H
#define HAPLANE_METRICS_HTTP_H

#include <stddef.h>

#define MX_HTTP_PATH_MAX 256

enum mx_method { MX_M_GET, MX_M_HEAD, MX_M_OTHER };

struct mx_req {
    enum mx_method method;
    char path[MX_HTTP_PATH_MAX]; /* the target without its query string */
    int minor;                   /* HTTP/1.minor: 0 or 1 */
};

/* Parse buf[0..len). Returns the length of the whole request (through the
 * blank line ending the headers) when complete, 0 when more bytes are
 * needed, -1 when it cannot be a valid request (then *why says why, a
 * static string). Other methods than GET/HEAD parse fine (MX_M_OTHER),
 * so that the caller can answer 405. */
long mx_http_parse(const char *buf, size_t len, struct mx_req *req, const char **why);

#endif
