/* chk_verdict: see verdict.h. */
#include "check/verdict.h"

#include <stdio.h>

#include "check/http.h"

static int decide(struct chk_verdict *v, enum chk_result r, int status, const char *detail)
{
    v->result = r;
    v->status = status;
    snprintf(v->detail, sizeof(v->detail), "%s", detail);
    return 1;
}

int chk_http_verdict(const char *buf, size_t len, bool eof, bool full, unsigned expect,
                     struct chk_verdict *v)
{
    struct chk_http_resp resp;
    size_t off = 0;
    char d[64];

    for (;;) {
        int n = chk_http_parse_response(buf + off, len - off, NULL, NULL, &resp);

        if (n == -1) {
            snprintf(d, sizeof(d), "%s at byte %zu", chk_http_err_str(resp.err),
                     off + resp.err_off);
            return decide(v, CHK_R_BAD_RESPONSE, 0, d);
        }
        if (n == -2) {
            if (eof)
                return decide(v, CHK_R_CLOSED_EARLY, 0,
                              len == 0     ? "no response"
                              : off == len ? "no final response"
                                           : "incomplete response head");
            if (full)
                return decide(v, CHK_R_BAD_RESPONSE, 0, "response head too large");
            return 0;
        }
        if (resp.status >= 100 && resp.status < 200 && resp.status != 101) {
            off += (size_t)n; /* interim response: the final one follows */
            continue;
        }
        snprintf(d, sizeof(d), "HTTP %d", resp.status);
        if ((unsigned)resp.status == expect)
            return decide(v, CHK_R_OK, resp.status, d);
        snprintf(d, sizeof(d), "HTTP %d, expected %u", resp.status, expect);
        return decide(v, CHK_R_BAD_STATUS, resp.status, d);
    }
}
