/* hap_checks: the `option`, `http-check` and `tcp-check` lines of
 * haproxy.cfg. Health checks are what these lines are mostly about here:
 *
 *   option httpchk [[METHOD] URI [VERSION]]         the old form
 *   http-check connect ssl / send meth M uri U / expect status N   the new
 *   option tcp-check, option ssl-hello-chk, option mysql-check, ...
 *
 * haproxy keeps the last check option of a section; so does this reader.
 * Which check a backend finally gets is decided by hap_build.c.
 */
#include <ctype.h>
#include <string.h>

#include "import/hap-int.h"

enum owhat { O_HTTPCHK, O_TCPCHK, O_SSLHELLO, O_OTHERCHK, O_REDISPATCH, O_IGNORE };

struct okw {
    const char *name;
    enum owhat what;
    const char *why;
};

#define Y_LOG    "haplane logs to stderr in its own format"
#define Y_HTTP   "an HTTP-mode option; haplane relays TCP"
#define Y_KA     "haplane sets SO_KEEPALIVE on both sides (keepalive on)"
#define Y_SPLICE "haplane relays with splice(2) already (relay splice)"
#define Y_NONE   "no equivalent"
#define Y_STATS  "see /metrics (metrics_listen in global_defs)"

static const struct okw options[] = {
    {"httpchk", O_HTTPCHK, NULL},
    {"tcp-check", O_TCPCHK, NULL},
    {"ssl-hello-chk", O_SSLHELLO, NULL},
    {"mysql-check", O_OTHERCHK, NULL},
    {"pgsql-check", O_OTHERCHK, NULL},
    {"redis-check", O_OTHERCHK, NULL},
    {"smtpchk", O_OTHERCHK, NULL},
    {"ldap-check", O_OTHERCHK, NULL},
    {"spop-check", O_OTHERCHK, NULL},
    {"external-check", O_OTHERCHK, NULL},
    {"redispatch", O_REDISPATCH, NULL},
    {"tcplog", O_IGNORE, Y_LOG},
    {"httplog", O_IGNORE, Y_LOG},
    {"httpslog", O_IGNORE, Y_LOG},
    {"dontlognull", O_IGNORE, Y_LOG},
    {"dontlog-normal", O_IGNORE, Y_LOG},
    {"log-health-checks", O_IGNORE, "check results are logged when a server changes state"},
    {"log-separate-errors", O_IGNORE, Y_LOG},
    {"logasap", O_IGNORE, Y_LOG},
    {"tcpka", O_IGNORE, Y_KA},
    {"clitcpka", O_IGNORE, Y_KA},
    {"srvtcpka", O_IGNORE, Y_KA},
    {"splice-auto", O_IGNORE, Y_SPLICE},
    {"splice-request", O_IGNORE, Y_SPLICE},
    {"splice-response", O_IGNORE, Y_SPLICE},
    {"http-server-close", O_IGNORE, Y_HTTP},
    {"httpclose", O_IGNORE, Y_HTTP},
    {"http-keep-alive", O_IGNORE, Y_HTTP},
    {"forwardfor", O_IGNORE, Y_HTTP},
    {"originalto", O_IGNORE, Y_HTTP},
    {"http-buffer-request", O_IGNORE, Y_HTTP},
    {"http-pretend-keepalive", O_IGNORE, Y_HTTP},
    {"http-no-delay", O_IGNORE, Y_HTTP},
    {"http-use-proxy-header", O_IGNORE, Y_HTTP},
    {"http-ignore-probes", O_IGNORE, Y_HTTP},
    {"disable-h2-upgrade", O_IGNORE, Y_HTTP},
    {"accept-invalid-http-request", O_IGNORE, Y_HTTP},
    {"accept-invalid-http-response", O_IGNORE, Y_HTTP},
    {"h1-case-adjust-bogus-client", O_IGNORE, Y_HTTP},
    {"h1-case-adjust-bogus-server", O_IGNORE, Y_HTTP},
    {"http-restrict-req-hdr-names", O_IGNORE, Y_HTTP},
    {"checkcache", O_IGNORE, Y_HTTP},
    {"idle-close-on-response", O_IGNORE, Y_HTTP},
    {"abortonclose", O_IGNORE, "a client that leaves closes its server connection at once"},
    {"allbackups", O_IGNORE, "backup servers are used as one pool when no other is healthy"},
    {"persist", O_IGNORE, Y_NONE},
    {"prefer-last-server", O_IGNORE, Y_NONE},
    {"independent-streams", O_IGNORE, "the idle timeout counts traffic in either direction"},
    {"nolinger", O_IGNORE, Y_NONE},
    {"socket-stats", O_IGNORE, "per-proxy counters: " Y_STATS},
    {"contstats", O_IGNORE, "counters are always kept: " Y_STATS},
    {"transparent", O_IGNORE, Y_NONE},
    {"tcp-smart-accept", O_IGNORE, Y_NONE},
    {"tcp-smart-connect", O_IGNORE, Y_NONE},
};

/* The check option of px becomes kind (written at w). */
static void set_chk(struct hap_rd *h, struct hap_px *px, enum hap_chk kind, const char *name,
                    const struct hap_word *w)
{
    const struct cfg_pos *at = &px->at.chk;

    if (px->chk != HC_NONE && strcmp(px->chk_name, name) && at->file == h->file &&
        at->line >= px->pos.line)
        hap_warn(h, w,
                 "'option %s' replaces 'option %s' at line %u (haproxy uses the last check "
                 "option of a section)",
                 name, px->chk_name, (unsigned)at->line);
    px->chk = kind;
    px->chk_name = name;
    px->at.chk = hap_pos(h, w);
}

static int check_method(struct hap_rd *h, const struct hap_word *w)
{
    size_t n = strlen(w->s);

    for (size_t i = 0; i < n; i++)
        if (!isupper((unsigned char)w->s[i]))
            n = 0;
    if (n == 0 || n > 16)
        return hap_err(h, w, "invalid check method '%.80s': expected GET, HEAD, OPTIONS, ...",
                       w->s);
    return 0;
}

static int check_uri(struct hap_rd *h, const struct hap_word *w)
{
    if (w->s[0] != '/' || strpbrk(w->s, " \t\r\n"))
        return hap_err(h, w, "invalid check uri '%.80s': must start with '/'", w->s);
    return 0;
}

static void check_version(struct hap_rd *h, const struct hap_word *w)
{
    if (strcmp(w->s, "HTTP/1.0") && strcmp(w->s, "HTTP/1.1"))
        hap_warn(h, w,
                 "check HTTP version and headers '%.80s' are not supported; ignored (haplane "
                 "sends an HTTP/1.1 request with a Host header)",
                 w->s);
}

/* option httpchk [[METHOD] URI [VERSION]] (args at w[a..]) */
static int httpchk(struct hap_rd *h, struct hap_px *px, const struct hap_line *l, size_t a)
{
    size_t n = l->n - a;
    const struct hap_word *m = n >= 2 ? &l->w[a] : NULL, *u = n == 1 ? &l->w[a] : NULL;

    if (n > 3)
        return hap_err(h, &l->w[a + 3],
                       "unexpected '%.80s' ('option httpchk' takes at most "
                       "METHOD URI VERSION)",
                       l->w[a + 3].s);
    if (n >= 2)
        u = &l->w[a + 1];
    if ((m && check_method(h, m) < 0) || (u && check_uri(h, u) < 0))
        return -1;
    if (n == 3)
        check_version(h, &l->w[a + 2]);
    set_chk(h, px, HC_HTTP, "httpchk", &l->w[a - 1]);
    px->at.hc_send = hap_pos(h, &l->w[a - 1]);
    px->at.hc_uri = u ? hap_pos(h, u) : px->at.hc_send;
    if (hap_set_str(h, &px->hc_method, m ? m->s : "OPTIONS") < 0)
        return -1;
    return hap_set_str(h, &px->hc_uri, u ? u->s : "/");
}

/* [no|default] option NAME [ARGS] */
int hap_option(struct hap_rd *h, struct hap_px *px, const struct hap_line *l)
{
    size_t b = strcmp(l->w[0].s, "option") != 0, i = 0;
    bool neg = b && !strcmp(l->w[0].s, "no");

    if (b && (l->n < 2 || strcmp(l->w[1].s, "option")))
        return hap_err(h, &l->w[0], "expected '%s option NAME'", l->w[0].s);
    if (hap_need(h, l, b + 2, "an option name") < 0)
        return -1;
    const struct hap_word *w = &l->w[b + 1];
    while (i < CFG_NELEM(options) && strcmp(w->s, options[i].name))
        i++;
    if (i == CFG_NELEM(options))
        return hap_unknown(h, w, "option", NULL, options, CFG_NELEM(options), sizeof(options[0]));
    if (b && options[i].what != O_REDISPATCH && options[i].what != O_IGNORE)
        return hap_warn(h, &l->w[0], "'%s option %s' is not supported; ignored", l->w[0].s, w->s);
    switch (options[i].what) {
    case O_HTTPCHK:
        return httpchk(h, px, l, b + 2);
    case O_TCPCHK:
    case O_SSLHELLO:
    case O_OTHERCHK:
        set_chk(h, px,
                options[i].what == O_TCPCHK     ? HC_TCP
                : options[i].what == O_SSLHELLO ? HC_SSL_HELLO
                                                : HC_OTHER,
                options[i].name, w);
        return 0;
    case O_REDISPATCH:
        px->redispatch = !b;
        px->at.redispatch = hap_pos(h, w);
        return 0;
    default:
        return hap_warn(h, &l->w[0], "'%soption %s' is not supported; ignored (%s)",
                        neg ? "no " : "", w->s, options[i].why);
    }
}

/* ---- http-check ------------------------------------------------------------------- */

/* http-check connect [ssl] [default] [linger] [port N] [sni S] ... */
static int hc_connect(struct hap_rd *h, struct hap_px *px, const struct hap_line *l)
{
    static const char *const with_value[] = {"port", "addr", "sni", "alpn", "proto", "comment"};
    static const char *const flags[] = {"ssl", "default", "linger", "send-proxy", "via-socks4"};

    for (size_t i = 2; i < l->n; i++) {
        const struct hap_word *w = &l->w[i];
        bool value = false, flag = false;

        for (size_t k = 0; k < CFG_NELEM(with_value); k++)
            value = value || !strcmp(w->s, with_value[k]);
        for (size_t k = 0; k < CFG_NELEM(flags); k++)
            flag = flag || !strcmp(w->s, flags[k]);
        if (!value && !flag)
            return hap_unknown(h, w, "http-check connect option", NULL, flags, CFG_NELEM(flags),
                               sizeof(char *));
        if (value && i + 1 == l->n)
            return hap_err(h, w, "missing value after '%s'", w->s);
        if (!strcmp(w->s, "ssl")) {
            px->hc_ssl = true;
            px->at.hc_ssl = hap_pos(h, w);
        } else if (strcmp(w->s, "default") && strcmp(w->s, "comment")) {
            hap_warn(h, w,
                     "http-check connect option '%s' is not supported; ignored (checks connect to "
                     "the server's own address and port)",
                     w->s);
        }
        i += value;
    }
    return 0;
}

/* http-check send [meth M] [uri U] [ver V] [hdr N V]* [body B] [comment C] */
static int hc_send(struct hap_rd *h, struct hap_px *px, const struct hap_line *l)
{
    static const char *const keys[] = {"meth", "uri",    "ver",     "hdr",
                                       "body", "uri-lf", "body-lf", "comment"};

    for (size_t i = 2; i < l->n; i += 2) {
        const struct hap_word *w = &l->w[i], *v = i + 1 < l->n ? &l->w[i + 1] : NULL;
        size_t k = 0;

        while (k < CFG_NELEM(keys) && strcmp(w->s, keys[k]))
            k++;
        if (k == CFG_NELEM(keys))
            return hap_unknown(h, w, "http-check send option", NULL, keys, CFG_NELEM(keys),
                               sizeof(char *));
        if (!v || (k == 3 && i + 2 >= l->n))
            return hap_err(h, w, "missing value after '%s'", w->s);
        if (k == 0 && (check_method(h, v) < 0 || hap_set_str(h, &px->hc_method, v->s) < 0))
            return -1;
        if (k == 1 && (check_uri(h, v) < 0 || hap_set_str(h, &px->hc_uri, v->s) < 0))
            return -1;
        if (k == 1)
            px->at.hc_uri = hap_pos(h, v);
        if (k == 2)
            check_version(h, v);
        if (k >= 3 && k <= 6)
            hap_warn(h, w,
                     "http-check send '%s' is not supported; ignored (haplane sends a "
                     "request line and a Host header)",
                     w->s);
        i += k == 3;
    }
    px->at.hc_send = hap_pos(h, &l->w[1]);
    if (!px->hc_method)
        return hap_set_str(h, &px->hc_method, "OPTIONS");
    return 0;
}

/* http-check expect [options] [!] status CODE (other matches: ignored) */
static int hc_expect(struct hap_rd *h, struct hap_px *px, const struct hap_line *l)
{
    static const char *const opts[] = {"min-recv",    "comment",    "ok-status", "error-status",
                                       "tout-status", "on-success", "on-error",  "status-code"};
    size_t i = 2;

    for (; i + 1 < l->n; i += 2) {
        bool opt = false;
        for (size_t k = 0; k < CFG_NELEM(opts); k++)
            opt = opt || !strcmp(l->w[i].s, opts[k]);
        if (!opt)
            break;
        if (strcmp(l->w[i].s, "comment"))
            hap_warn(h, &l->w[i], "http-check expect option '%s' is not supported; ignored",
                     l->w[i].s);
    }
    if (i < l->n && !strcmp(l->w[i].s, "!"))
        return hap_warn(h, &l->w[i],
                        "a negated 'http-check expect' is not supported; ignored "
                        "(haplane expects status 200)");
    if (hap_need(h, l, i + 2, "status CODE") < 0)
        return -1;
    const struct hap_word *m = &l->w[i], *v = &l->w[i + 1];
    if (strcmp(m->s, "status"))
        return hap_warn(h, m,
                        "'http-check expect %s' is not supported; ignored (haplane expects "
                        "status 200; 'expect status CODE' sets another)",
                        m->s);
    char first[8];
    size_t n = strspn(v->s, "0123456789");
    uint32_t code;
    struct hap_word fw = *v;
    snprintf(first, sizeof(first), "%.*s", (int)(n < 7 ? n : 7), v->s);
    fw.s = first;
    if (n == 0 || hap_uint(h, &fw, "http-check expect status", 100, 599, &code) < 0)
        return n == 0 ? hap_err(h, v,
                                "invalid http-check expect status '%.80s': expected a "
                                "status code such as 200",
                                v->s)
                      : -1;
    if (v->s[n])
        hap_warn(h, v,
                 "only one expected status is supported: '%.80s' is read as %u (haplane "
                 "expects exactly one code)",
                 v->s, code);
    px->hc_expect = (uint16_t)code;
    px->at.hc_expect = hap_pos(h, v);
    return hap_too_many(h, l, i + 2, "http-check expect status");
}

int hap_http_check(struct hap_rd *h, struct hap_px *px, const struct hap_line *l)
{
    static const char *const subs[] = {"connect",    "send",    "expect",  "disable-on-404",
                                       "send-state", "comment", "set-var", "unset-var"};
    const struct hap_word *w;

    if (hap_need(h, l, 2, "connect, send or expect") < 0)
        return -1;
    w = &l->w[1];
    if (!strcmp(w->s, "connect"))
        return hc_connect(h, px, l);
    if (!strcmp(w->s, "send"))
        return hc_send(h, px, l);
    if (!strcmp(w->s, "expect"))
        return hc_expect(h, px, l);
    if (!strncmp(w->s, "set-var(", 8) || !strncmp(w->s, "unset-var(", 10) ||
        !strcmp(w->s, "disable-on-404") || !strcmp(w->s, "send-state"))
        return hap_warn(h, w, "'http-check %.40s' is not supported; ignored", w->s);
    if (!strcmp(w->s, "comment"))
        return 0;
    return hap_unknown(h, w, "http-check rule", NULL, subs, CFG_NELEM(subs), sizeof(char *));
}

/* ---- tcp-check --------------------------------------------------------------------- */

int hap_tcp_check(struct hap_rd *h, struct hap_px *px, const struct hap_line *l)
{
    static const char *const subs[] = {"connect",     "send",           "send-lf",
                                       "send-binary", "send-binary-lf", "expect",
                                       "comment",     "set-var",        "unset-var"};
    const struct hap_word *w;
    size_t k = 0;

    if (hap_need(h, l, 2, "connect, send or expect") < 0)
        return -1;
    w = &l->w[1];
    if (!strcmp(w->s, "connect")) {
        if (l->n > 2)
            hap_warn(h, &l->w[2],
                     "tcp-check connect options are not supported; ignored (the check is a "
                     "plain TCP connect to the server's address and port)");
        return 0;
    }
    if (!strcmp(w->s, "comment"))
        return 0;
    while (k < CFG_NELEM(subs) && strcmp(w->s, subs[k]))
        k++;
    if (k == CFG_NELEM(subs) && strncmp(w->s, "set-var(", 8) && strncmp(w->s, "unset-var(", 10))
        return hap_unknown(h, w, "tcp-check rule", NULL, subs, CFG_NELEM(subs), sizeof(char *));
    return hap_warn(h, w,
                    "'tcp-check %.40s' is not supported; ignored (haplane's TCP check only "
                    "connects)",
                    w->s);
}
