/* nl_conftext: see conftext.h. */
#include "nodelocal/conftext.h"

#include <stdio.h>
#include <string.h>

/* One value as a quoted string of the native syntax. */
static int put_str(struct sbuf *out, const char *what, const char *v, char *err, size_t errlen)
{
    for (const char *p = v; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f || *p == '"' || *p == '\\') {
            snprintf(err, errlen, "%s '%.200s': control characters, '\"' and '\\' are not allowed",
                     what, v);
            return -1;
        }
    sbuf_printf(out, "\"%s\"", v);
    return 0;
}

int nl_conftext(const struct nl_conf *c, struct sbuf *out, char *err, size_t errlen)
{
    sbuf_puts(out, "# haplane node-local: the configuration its options stand for\n");
    if (c->metrics_listen) {
        sbuf_puts(out, "global_defs {\n    metrics_listen ");
        if (put_str(out, "--metrics-listen", c->metrics_listen, err, errlen) < 0)
            return -1;
        sbuf_puts(out, "\n}\n");
    }
    sbuf_puts(out, "proxy " NL_PROXY_NAME " {\n    bind ");
    if (put_str(out, "--listen", c->listen, err, errlen) < 0)
        return -1;
    sbuf_printf(out,
                "\n    balance leastconn\n"
                "    relay %s\n"
                "    timeout connect " NL_CONNECT "\n"
                "    timeout hedge " NL_HEDGE "\n"
                "    timeout idle " NL_IDLE "\n"
                "    timeout silent " NL_SILENT "\n"
                "    retries %d\n"
                "    check https GET /readyz expect 200 interval " NL_CHECK_INTERVAL
                " jitter %s fast_interval " NL_CHECK_FAST
                " timeout " NL_CHECK_TIMEOUT " fall %d rise %d",
                c->relay ? c->relay : "splice", NL_RETRIES, NL_CHECK_JITTER, NL_CHECK_FALL,
                NL_CHECK_RISE);
    const char *const files[][2] = {{"ca", c->ca}, {"cert", c->cert}, {"key", c->key}};
    for (size_t i = 0; i < 3; i++) {
        if (!files[i][1])
            continue;
        sbuf_printf(out, " %s ", files[i][0]);
        char what[16];
        snprintf(what, sizeof(what), "--%s", files[i][0]);
        if (put_str(out, what, files[i][1], err, errlen) < 0)
            return -1;
    }
    sbuf_puts(out, "\n");
    for (size_t i = 0; i < c->nservers; i++) {
        /* the server's name is its address: stable across discoveries,
         * so a reload keeps each server's state */
        sbuf_puts(out, "    server ");
        if (put_str(out, "--server", c->servers[i], err, errlen) < 0)
            return -1;
        sbuf_puts(out, " ");
        if (put_str(out, "--server", c->servers[i], err, errlen) < 0)
            return -1;
        sbuf_puts(out, "\n");
    }
    sbuf_puts(out, "}\n");
    return 0;
}
