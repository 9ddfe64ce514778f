/* chk_verdict: decide an HTTP(S) health check from the bytes received so far.
 *
 * Pure: no I/O, no allocation, no global state. The checker calls it after
 * every read with everything the server sent on the connection (the whole
 * buffer, re-parsed each time: chk_http_parse_response keeps no state), and
 * stops reading as soon as a verdict is returned.
 *
 * Rules, in order:
 *   - an interim 1xx response other than 101 (RFC 9110 15.2) is skipped and
 *     the bytes after it are parsed as the next response;
 *   - a complete head whose status is `expect` -> ok, any other status
 *     (101 included, unless expected) -> bad-status;
 *   - an invalid head -> bad-response;
 *   - still incomplete: at EOF -> closed-early (nothing or a partial head),
 *     with the buffer full -> bad-response, otherwise no verdict yet.
 */
#ifndef HAPLANE_CHECK_VERDICT_H
#define HAPLANE_CHECK_VERDICT_H

#include <stdbool.h>
#include <stddef.h>

#include "check/check-t.h"

/* What a check concluded; detail is a short human text for logs and
 * status ("HTTP 503", "bad-status-line at byte 4", "no response"). */
struct chk_verdict {
    enum chk_result result;
    int status; /* final status code, 0 when there is none */
    char detail[64];
};

/* buf[0..len): every byte received. eof: the server closed (or TLS
 * close_notify). full: the caller's buffer cannot take more bytes.
 * Returns 1 with *v filled when decided, 0 when more bytes are needed
 * (*v untouched). */
int chk_http_verdict(const char *buf, size_t len, bool eof, bool full, unsigned expect,
                     struct chk_verdict *v);

#endif
