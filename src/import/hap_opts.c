/* hap_opts: addresses, `bind`, `server` and `default-server` lines of
 * haproxy.cfg, and the memory of the intermediate form.
 */
#include <stdlib.h>
#include <string.h>

#include "import/hap-int.h"

/* ---- addresses ---------------------------------------------------------------------- */

/* One haproxy address (s, a part of word w) into e. bind: "*:P", ":P" and
 * "0.0.0.0:P" are IPv4's any address, as in haproxy ("[::]:P" or ":::P"
 * for IPv6); servers may use host names (resolved when the proxy starts).
 * Ports: one number (no ranges, no +/- offsets). */
static int address(struct hap_rd *h, const struct hap_word *w, const char *s, bool server,
                   struct cfg_endpoint *e)
{
    static const char *const bad[] = {"unix@", "abns@",  "fd@",    "sockpair@", "udp@", "udp4@",
                                      "udp6@", "quic4@", "quic6@", "uxst@",     "uxdg@"};
    const char *what = server ? "server address" : "bind address";
    char norm[300], err[96];
    const char *colon, *port;
    size_t hostlen;

    for (size_t i = 0; i < CFG_NELEM(bad); i++)
        if (!strncmp(s, bad[i], strlen(bad[i])) || s[0] == '/')
            return hap_err(h, w, "invalid %s '%.80s': haplane %s TCP/IP only", what, s,
                           server ? "connects over" : "listens on");
    if (!strncmp(s, "ipv4@", 5) || !strncmp(s, "ipv6@", 5) || !strncmp(s, "tcp@", 4) ||
        !strncmp(s, "tcp4@", 5) || !strncmp(s, "tcp6@", 5))
        s = strchr(s, '@') + 1;
    colon = s[0] == '[' ? strstr(s, "]:") : strrchr(s, ':');
    if (colon && s[0] == '[')
        colon++;
    if (!colon || !colon[1])
        return hap_err(h, w, "invalid %s '%.80s': missing port (expected ADDRESS:PORT)", what, s);
    port = colon + 1;
    if (strspn(port, "0123456789") != strlen(port))
        return hap_err(h, w, "invalid %s '%.80s': %s", what, s,
                       strchr(port, '-') && port[0] != '-' ? "port ranges are not supported"
                       : port[0] == '+' || port[0] == '-'
                           ? "port offsets are not supported (write the port)"
                           : "port must be a number");
    hostlen = (size_t)(colon - s);
    if (!server && (hostlen == 0 || (hostlen == 1 && s[0] == '*')))
        snprintf(norm, sizeof(norm), "0.0.0.0:%s", port);
    else if (s[0] != '[' && memchr(s, ':', hostlen))
        snprintf(norm, sizeof(norm), "[%.*s]:%s", (int)hostlen, s, port);
    else
        snprintf(norm, sizeof(norm), "%s", s);
    if (server && (hostlen == 0 || (hostlen == 1 && s[0] == '*')))
        return hap_err(h, w, "invalid %s '%.80s': missing host", what, s);
    if (cfg_parse_endpoint(norm, server, e, err, sizeof(err)) < 0)
        return hap_err(h, w, "invalid %s '%.80s': %s", what, s,
                       !server && !strcmp(err, "expected ADDRESS:PORT, [IPv6]:PORT or *:PORT")
                           ? "expected an IP address (host names are not resolved for bind)"
                           : err);
    return 0;
}

/* ---- bind ---------------------------------------------------------------------------- */

struct bopt {
    const char *name;
    bool value;
    int act; /* 0 ignore, 1 refuse (TLS), 2 refuse (PROXY protocol) */
};

static const struct bopt bind_opts[] = {
    {"ssl", 0, 1},
    {"crt", 1, 1},
    {"crt-list", 1, 1},
    {"accept-proxy", 0, 2},
    {"accept-netscaler-cip", 1, 2},
    {"ca-file", 1, 0},
    {"ca-ignore-err", 1, 0},
    {"ca-sign-file", 1, 0},
    {"ca-sign-pass", 1, 0},
    {"ca-verify-file", 1, 0},
    {"ciphers", 1, 0},
    {"ciphersuites", 1, 0},
    {"crl-file", 1, 0},
    {"crt-ignore-err", 1, 0},
    {"curves", 1, 0},
    {"ecdhe", 1, 0},
    {"alpn", 1, 0},
    {"npn", 1, 0},
    {"verify", 1, 0},
    {"ssl-min-ver", 1, 0},
    {"ssl-max-ver", 1, 0},
    {"tls-ticket-keys", 1, 0},
    {"name", 1, 0},
    {"id", 1, 0},
    {"interface", 1, 0},
    {"level", 1, 0},
    {"maxconn", 1, 0},
    {"mode", 1, 0},
    {"mss", 1, 0},
    {"namespace", 1, 0},
    {"nice", 1, 0},
    {"process", 1, 0},
    {"thread", 1, 0},
    {"proto", 1, 0},
    {"severity-output", 1, 0},
    {"shards", 1, 0},
    {"tcp-ut", 1, 0},
    {"uid", 1, 0},
    {"gid", 1, 0},
    {"user", 1, 0},
    {"group", 1, 0},
    {"expose-fd", 1, 0},
    {"backlog", 1, 0},
    {"quic-cc-algo", 1, 0},
    {"v4v6", 0, 0},
    {"v6only", 0, 0},
    {"transparent", 0, 0},
    {"defer-accept", 0, 0},
    {"tfo", 0, 0},
    {"allow-0rtt", 0, 0},
    {"no-ca-names", 0, 0},
    {"no-sslv3", 0, 0},
    {"no-tls-tickets", 0, 0},
    {"no-tlsv10", 0, 0},
    {"no-tlsv11", 0, 0},
    {"no-tlsv12", 0, 0},
    {"no-tlsv13", 0, 0},
    {"force-sslv3", 0, 0},
    {"force-tlsv10", 0, 0},
    {"force-tlsv11", 0, 0},
    {"force-tlsv12", 0, 0},
    {"force-tlsv13", 0, 0},
    {"prefer-client-ciphers", 0, 0},
    {"strict-sni", 0, 0},
    {"generate-certificates", 0, 0},
    {"quic-force-retry", 0, 0},
};

static int bind_options(struct hap_rd *h, const struct hap_line *l, size_t from)
{
    for (size_t i = from; i < l->n; i++) {
        const struct hap_word *w = &l->w[i];
        size_t k = 0;

        while (k < CFG_NELEM(bind_opts) && strcmp(w->s, bind_opts[k].name))
            k++;
        if (k == CFG_NELEM(bind_opts))
            return hap_unknown(h, w, "bind option", NULL, bind_opts, CFG_NELEM(bind_opts),
                               sizeof(bind_opts[0]));
        if (bind_opts[k].act == 1)
            return hap_err(h, w,
                           "TLS termination ('%s') is not supported: haplane relays TCP; let the "
                           "API servers terminate TLS",
                           w->s);
        if (bind_opts[k].act == 2)
            return hap_err(h, w, "the PROXY protocol ('%s') is not supported", w->s);
        if (bind_opts[k].value && i + 1 == l->n)
            return hap_err(h, w, "missing value after '%s'", w->s);
        hap_warn(h, w, "bind option '%s' is not supported; ignored", w->s);
        i += bind_opts[k].value;
    }
    return 0;
}

/* ADDR:PORT[,ADDR:PORT...] at w[first], then options. */
int hap_bind(struct hap_rd *h, struct hap_px *px, const struct hap_line *l, size_t first)
{
    const struct hap_word *w = &l->w[first];
    char *list = strdup(w->s), *save = NULL;

    if (!list)
        return hap_oom(h);
    for (char *a = strtok_r(list, ",", &save); a; a = strtok_r(NULL, ",", &save)) {
        struct cfg_endpoint e;
        struct cfg_bind *b;

        if (address(h, w, a, false, &e) < 0) {
            free(list);
            return -1;
        }
        if (!(b = cfg_vec_push(&px->binds, &px->nbinds, sizeof(*b)))) {
            free(list);
            return hap_oom(h);
        }
        b->pos = hap_pos(h, w);
        b->addr = e;
    }
    free(list);
    return bind_options(h, l, first + 1);
}

/* ---- server and default-server options --------------------------------------------------- */

enum sk {
    SK_CHECK,
    SK_NO_CHECK,
    SK_INTER,
    SK_FASTINTER,
    SK_FALL,
    SK_RISE,
    SK_WEIGHT,
    SK_BACKUP,
    SK_NO_BACKUP,
    SK_CHECK_SSL,
    SK_NO_CHECK_SSL,
    SK_VERIFY,
    SK_CA,
    SK_CRT,
    SK_SNI,
    SK_DISABLED,
    SK_ENABLED,
    SK_TLS,
    SK_PROXY_PROTO,
    SK_IGNORE
};

struct sopt {
    const char *name;
    bool value;
    enum sk k;
    const char *why; /* SK_IGNORE */
};

#define S_RES  "host names are resolved when the proxy starts"
#define S_PORT "checks go to the server's own address and port"
#define S_NONE "no equivalent"

static const struct sopt srv_opts[] = {
    {"check", 0, SK_CHECK, NULL},
    {"no-check", 0, SK_NO_CHECK, NULL},
    {"inter", 1, SK_INTER, NULL},
    {"fastinter", 1, SK_FASTINTER, NULL},
    {"fall", 1, SK_FALL, NULL},
    {"rise", 1, SK_RISE, NULL},
    {"weight", 1, SK_WEIGHT, NULL},
    {"backup", 0, SK_BACKUP, NULL},
    {"no-backup", 0, SK_NO_BACKUP, NULL},
    {"check-ssl", 0, SK_CHECK_SSL, NULL},
    {"no-check-ssl", 0, SK_NO_CHECK_SSL, NULL},
    {"verify", 1, SK_VERIFY, NULL},
    {"ca-file", 1, SK_CA, NULL},
    {"crt", 1, SK_CRT, NULL},
    {"check-sni", 1, SK_SNI, NULL},
    {"disabled", 0, SK_DISABLED, NULL},
    {"enabled", 0, SK_ENABLED, NULL},
    {"ssl", 0, SK_TLS, NULL},
    {"send-proxy", 0, SK_PROXY_PROTO, NULL},
    {"send-proxy-v2", 0, SK_PROXY_PROTO, NULL},
    {"send-proxy-v2-ssl", 0, SK_PROXY_PROTO, NULL},
    {"send-proxy-v2-ssl-cn", 0, SK_PROXY_PROTO, NULL},
    {"downinter", 1, SK_IGNORE, "a down server is checked every inter"},
    {"port", 1, SK_IGNORE, S_PORT},
    {"addr", 1, SK_IGNORE, S_PORT},
    {"agent-check", 0, SK_IGNORE, S_NONE},
    {"no-agent-check", 0, SK_IGNORE, S_NONE},
    {"agent-port", 1, SK_IGNORE, S_NONE},
    {"agent-inter", 1, SK_IGNORE, S_NONE},
    {"agent-addr", 1, SK_IGNORE, S_NONE},
    {"agent-send", 1, SK_IGNORE, S_NONE},
    {"maxconn", 1, SK_IGNORE, "servers have no connection limit"},
    {"maxqueue", 1, SK_IGNORE, "haplane queues nothing"},
    {"minconn", 1, SK_IGNORE, "servers have no connection limit"},
    {"slowstart", 1, SK_IGNORE, "a server that comes back takes its full share at once"},
    {"id", 1, SK_IGNORE, S_NONE},
    {"cookie", 1, SK_IGNORE, S_NONE},
    {"redir", 1, SK_IGNORE, S_NONE},
    {"observe", 1, SK_IGNORE, "server health comes from the checks only"},
    {"error-limit", 1, SK_IGNORE, "server health comes from the checks only"},
    {"on-error", 1, SK_IGNORE, "server health comes from the checks only"},
    {"on-marked-down", 1, SK_IGNORE, "connections of a failed server are closed with jitter"},
    {"on-marked-up", 1, SK_IGNORE, S_NONE},
    {"track", 1, SK_IGNORE, "every checked server has its own check"},
    {"resolvers", 1, SK_IGNORE, S_RES},
    {"resolve-prefer", 1, SK_IGNORE, S_RES},
    {"resolve-net", 1, SK_IGNORE, S_RES},
    {"resolve-opts", 1, SK_IGNORE, S_RES},
    {"init-addr", 1, SK_IGNORE, S_RES},
    {"source", 1, SK_IGNORE, "connections leave from the host's own address"},
    {"sni", 1, SK_IGNORE, "use check-sni for the health check's TLS server name"},
    {"alpn", 1, SK_IGNORE, S_NONE},
    {"npn", 1, SK_IGNORE, S_NONE},
    {"check-alpn", 1, SK_IGNORE, S_NONE},
    {"check-proto", 1, SK_IGNORE, S_NONE},
    {"proto", 1, SK_IGNORE, S_NONE},
    {"ciphers", 1, SK_IGNORE, "OpenSSL's defaults apply"},
    {"ciphersuites", 1, SK_IGNORE, "OpenSSL's defaults apply"},
    {"crl-file", 1, SK_IGNORE, S_NONE},
    {"curves", 1, SK_IGNORE, "OpenSSL's defaults apply"},
    {"ssl-min-ver", 1, SK_IGNORE, "OpenSSL's defaults apply"},
    {"ssl-max-ver", 1, SK_IGNORE, "OpenSSL's defaults apply"},
    {"verifyhost", 1, SK_IGNORE, "use check-sni: the name is verified with the CA"},
    {"no-verifyhost", 0, SK_IGNORE, S_NONE},
    {"tcp-ut", 1, SK_IGNORE, S_NONE},
    {"namespace", 1, SK_IGNORE, S_NONE},
    {"pool-max-conn", 1, SK_IGNORE, S_NONE},
    {"pool-low-conn", 1, SK_IGNORE, S_NONE},
    {"pool-purge-delay", 1, SK_IGNORE, S_NONE},
    {"max-reuse", 1, SK_IGNORE, S_NONE},
    {"log-proto", 1, SK_IGNORE, S_NONE},
    {"proxy-v2-options", 1, SK_IGNORE, S_NONE},
    {"socks4", 1, SK_IGNORE, S_NONE},
    {"ws", 1, SK_IGNORE, S_NONE},
    {"check-send-proxy", 0, SK_IGNORE, S_NONE},
    {"check-via-socks4", 0, SK_IGNORE, S_NONE},
    {"no-send-proxy", 0, SK_IGNORE, S_NONE},
    {"no-send-proxy-v2", 0, SK_IGNORE, S_NONE},
    {"no-ssl", 0, SK_IGNORE, S_NONE},
    {"no-ssl-reuse", 0, SK_IGNORE, S_NONE},
    {"ssl-reuse", 0, SK_IGNORE, S_NONE},
    {"no-sslv3", 0, SK_IGNORE, S_NONE},
    {"no-tlsv10", 0, SK_IGNORE, S_NONE},
    {"no-tlsv11", 0, SK_IGNORE, S_NONE},
    {"no-tlsv12", 0, SK_IGNORE, S_NONE},
    {"no-tlsv13", 0, SK_IGNORE, S_NONE},
    {"force-sslv3", 0, SK_IGNORE, S_NONE},
    {"force-tlsv10", 0, SK_IGNORE, S_NONE},
    {"force-tlsv11", 0, SK_IGNORE, S_NONE},
    {"force-tlsv12", 0, SK_IGNORE, S_NONE},
    {"force-tlsv13", 0, SK_IGNORE, S_NONE},
    {"no-tls-tickets", 0, SK_IGNORE, S_NONE},
    {"tls-tickets", 0, SK_IGNORE, S_NONE},
    {"allow-0rtt", 0, SK_IGNORE, S_NONE},
    {"non-stick", 0, SK_IGNORE, S_NONE},
    {"stick", 0, SK_IGNORE, S_NONE},
    {"tfo", 0, SK_IGNORE, S_NONE},
    {"no-tfo", 0, SK_IGNORE, S_NONE},
};

/* A path relative to base (ca-base, crt-base) when it does not start
 * with '/'. */
static int based(struct hap_rd *h, char **dst, const char *base, const char *path)
{
    char *p;

    if (path[0] == '/' || !base)
        return hap_set_str(h, dst, path);
    if (asprintf(&p, "%s/%s", base, path) < 0)
        return hap_oom(h);
    free(*dst);
    *dst = p;
    return 0;
}

/* One option with its value v (NULL for flags). */
static int srv_opt(struct hap_rd *h, struct hap_srv_opts *o, const struct sopt *s,
                   const struct hap_word *w, const struct hap_word *v)
{
    struct cfg_pos at = hap_pos(h, v ? v : w);

    switch (s->k) {
    case SK_CHECK:
    case SK_NO_CHECK:
        o->check = s->k == SK_CHECK;
        o->at.check = at;
        return 0;
    case SK_INTER:
    case SK_FASTINTER:
        o->at.inter = s->k == SK_INTER ? at : o->at.inter;
        o->at.fastinter = s->k == SK_FASTINTER ? at : o->at.fastinter;
        return hap_time(h, v, s->name, 10, 86400000,
                        s->k == SK_INTER ? &o->inter_ms : &o->fastinter_ms);
    case SK_FALL:
    case SK_RISE:
        *(s->k == SK_FALL ? &o->at.fall : &o->at.rise) = at;
        return hap_uint(h, v, s->name, 1, 1000, s->k == SK_FALL ? &o->fall : &o->rise);
    case SK_WEIGHT:
        o->at.weight = at;
        return hap_uint(h, v, "weight", 0, 256, &o->weight);
    case SK_BACKUP:
    case SK_NO_BACKUP:
        o->backup = s->k == SK_BACKUP;
        return 0;
    case SK_CHECK_SSL:
    case SK_NO_CHECK_SSL:
        o->check_ssl = s->k == SK_CHECK_SSL;
        o->at.check_ssl = at;
        return 0;
    case SK_VERIFY:
        if (strcmp(v->s, "none") && strcmp(v->s, "required"))
            return hap_err(h, v, "invalid verify '%.80s': expected none or required", v->s);
        o->verify = v->s[0] == 'n' ? CFG_VERIFY_NONE : CFG_VERIFY_REQUIRED;
        o->at.verify = at;
        return 0;
    case SK_CA:
        o->at.ca = at;
        return based(h, &o->ca, h->f.g.ca_base, v->s);
    case SK_CRT:
        o->at.crt = at;
        return based(h, &o->crt, h->f.g.crt_base, v->s);
    case SK_SNI:
        o->at.sni = at;
        return hap_set_str(h, &o->sni, v->s);
    case SK_DISABLED:
    case SK_ENABLED:
        o->disabled = s->k == SK_DISABLED;
        o->at.disabled = at;
        return 0;
    case SK_TLS:
        return hap_err(h, w,
                       "server option 'ssl' (TLS to the server) is not supported: haplane "
                       "relays TCP (check-ssl makes the health checks use TLS)");
    case SK_PROXY_PROTO:
        return hap_err(h, w, "the PROXY protocol ('%s') is not supported", w->s);
    default:
        return hap_warn(h, w, "server option '%s' is not supported; ignored (%s)", w->s, s->why);
    }
}

static int server_options(struct hap_rd *h, struct hap_srv_opts *o, const struct hap_line *l,
                          size_t from)
{
    for (size_t i = from; i < l->n; i++) {
        const struct hap_word *w = &l->w[i];
        size_t k = 0;

        while (k < CFG_NELEM(srv_opts) && strcmp(w->s, srv_opts[k].name))
            k++;
        if (k == CFG_NELEM(srv_opts))
            return hap_unknown(h, w, "server option", NULL, srv_opts, CFG_NELEM(srv_opts),
                               sizeof(srv_opts[0]));
        if (srv_opts[k].value && i + 1 == l->n)
            return hap_err(h, w, "missing value after '%s'", w->s);
        if (srv_opt(h, o, &srv_opts[k], w, srv_opts[k].value ? &l->w[i + 1] : NULL) < 0 &&
            srv_opts[k].k != SK_IGNORE)
            return -1;
        i += srv_opts[k].value;
    }
    return 0;
}

/* server NAME ADDRESS:PORT [options] */
int hap_server(struct hap_rd *h, struct hap_px *px, const struct hap_line *l)
{
    struct hap_server *s;

    if (hap_need(h, l, 3, "NAME ADDRESS:PORT") < 0)
        return -1;
    if (!(s = cfg_vec_push(&px->servers, &px->nservers, sizeof(*s))))
        return hap_oom(h);
    s->pos = hap_pos(h, &l->w[1]);
    s->addr_pos = hap_pos(h, &l->w[2]);
    if (!(s->name = strdup(l->w[1].s)) || hap_opts_copy(&s->o, &px->dflt) < 0)
        return hap_oom(h);
    if (address(h, &l->w[2], l->w[2].s, true, &s->addr) < 0)
        return -1;
    return server_options(h, &s->o, l, 3);
}

int hap_default_server(struct hap_rd *h, struct hap_px *px, const struct hap_line *l)
{
    return server_options(h, &px->dflt, l, 1);
}

/* ---- memory ---------------------------------------------------------------------------- */

int hap_opts_copy(struct hap_srv_opts *dst, const struct hap_srv_opts *src)
{
    *dst = *src;
    dst->ca = src->ca ? strdup(src->ca) : NULL;
    dst->crt = src->crt ? strdup(src->crt) : NULL;
    dst->sni = src->sni ? strdup(src->sni) : NULL;
    if ((src->ca && !dst->ca) || (src->crt && !dst->crt) || (src->sni && !dst->sni)) {
        hap_opts_free(dst);
        return -1;
    }
    return 0;
}

void hap_opts_free(struct hap_srv_opts *o)
{
    free(o->ca);
    free(o->crt);
    free(o->sni);
    o->ca = o->crt = o->sni = NULL;
}

static void px_free(struct hap_px *px)
{
    free(px->name);
    for (size_t i = 0; i < px->nbinds; i++)
        cfg_endpoint_free(&px->binds[i].addr);
    free(px->binds);
    free(px->backend);
    free(px->hc_method);
    free(px->hc_uri);
    hap_opts_free(&px->dflt);
    for (size_t i = 0; i < px->nservers; i++) {
        free(px->servers[i].name);
        cfg_endpoint_free(&px->servers[i].addr);
        hap_opts_free(&px->servers[i].o);
    }
    free(px->servers);
}

void hap_file_free(struct hap_file *f)
{
    for (size_t i = 0; i < f->npx; i++)
        px_free(&f->px[i]);
    free(f->px);
    free(f->g.ca_base);
    free(f->g.crt_base);
    memset(f, 0, sizeof(*f));
}
