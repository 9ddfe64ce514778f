/* import_hap: read haproxy.cfg (haproxy 2.6 syntax) into the intermediate
 * form of hap-int.h; hap_build.c turns that into proxies of the model.
 *
 * haproxy.cfg is line based: a section keyword (global, defaults,
 * frontend, backend, listen, ...) starts a section that runs to the next
 * one; every other line is a keyword and its arguments. Keywords are
 * handled in three ways, as for keepalived.conf: implemented (those of a TCP
 * load balancer: mode tcp, bind, default_backend and unconditional
 * use_backend, balance, server and default-server, health checks,
 * timeouts, retries, redispatch, maxconn, nbthread), ignored with a warning
 * (logging, HTTP-mode directives, stats pages, tuning: the TCP service is the
 * same without them), or refused with an error (mode http with servers, TLS
 * termination or origination, conditional routing, the PROXY protocol).
 * Unknown keywords are errors with a spelling suggestion.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "import/hap-int.h"

#define MAX_ERRORS 50

/* ---- global --------------------------------------------------------------------------- */

static const char *const global_ignored[] = {
    "51degrees-cache-size",
    "51degrees-data-file",
    "51degrees-property-name-list",
    "51degrees-property-separator",
    "chroot",
    "cluster-secret",
    "cpu-map",
    "daemon",
    "default-path",
    "description",
    "deviceatlas-json-file",
    "deviceatlas-log-level",
    "deviceatlas-properties-cookie",
    "deviceatlas-separator",
    "expose-experimental-directives",
    "external-check",
    "fd-hard-limit",
    "gid",
    "grace",
    "group",
    "h1-accept-payload-with-any-method",
    "h1-case-adjust",
    "h1-case-adjust-file",
    "h2-workaround-bogus-websocket-clients",
    "hard-stop-after",
    "httpclient.resolvers.id",
    "httpclient.resolvers.prefer",
    "httpclient.ssl.ca-file",
    "httpclient.ssl.verify",
    "insecure-fork-wanted",
    "insecure-setuid-wanted",
    "issuers-chain-path",
    "localpeer",
    "log",
    "log-send-hostname",
    "log-tag",
    "lua-load",
    "lua-load-per-thread",
    "lua-prepend-path",
    "mworker-max-reloads",
    "nbproc",
    "node",
    "numa-cpu-mapping",
    "pidfile",
    "pp2-never-send-local",
    "presetenv",
    "resetenv",
    "set-dumpable",
    "set-var",
    "setenv",
    "ssl-default-bind-ciphers",
    "ssl-default-bind-ciphersuites",
    "ssl-default-bind-curves",
    "ssl-default-bind-options",
    "ssl-default-server-ciphers",
    "ssl-default-server-ciphersuites",
    "ssl-default-server-options",
    "ssl-dh-param-file",
    "ssl-propquery",
    "ssl-provider",
    "ssl-provider-path",
    "ssl-skip-self-issued-ca",
    "stats",
    "strict-limits",
    "uid",
    "ulimit-n",
    "unix-bind",
    "unsetenv",
    "user",
    "wurfl-cache-size",
    "wurfl-data-file",
    "wurfl-information-list",
    "wurfl-information-list-separator",
    "busy-polling",
    "max-spread-checks",
    "maxcompcpuusage",
    "maxcomprate",
    "maxconnrate",
    "maxpipes",
    "maxsessrate",
    "maxsslconn",
    "maxsslrate",
    "maxzlibmem",
    "no-memory-trimming",
    "noepoll",
    "noevports",
    "nogetaddrinfo",
    "nokqueue",
    "nopoll",
    "noreuseport",
    "nosplice",
    "profiling.tasks",
    "server-state-base",
    "server-state-file",
    "spread-checks",
    "ssl-engine",
    "ssl-mode-async",
    "quiet",
    "zero-warning",
    "master-worker",
    "debug",
    "ssl-load-extra-files",
    "tune.ssl.default-dh-param",
};

static const char *const global_done[] = {"maxconn", "nbthread", "ca-base", "crt-base",
                                          "ssl-server-verify"};

static int global_line(struct hap_rd *h, const struct hap_line *l)
{
    const struct hap_word *k = &l->w[0], *v = l->n > 1 ? &l->w[1] : NULL;
    struct hap_global *g = &h->f.g;

    if (!strcmp(k->s, "maxconn") || !strcmp(k->s, "nbthread")) {
        bool mc = k->s[0] == 'm';
        if (hap_need(h, l, 2, "a number") < 0 || hap_too_many(h, l, 2, k->s) < 0 ||
            hap_uint(h, v, k->s, 1, mc ? 10000000 : 256, mc ? &g->maxconn : &g->nbthread) < 0)
            return -1;
        *(mc ? &g->at.maxconn : &g->at.nbthread) = hap_pos(h, v);
        return 0;
    }
    if (!strcmp(k->s, "ca-base") || !strcmp(k->s, "crt-base")) {
        if (hap_need(h, l, 2, "a directory") < 0 || hap_too_many(h, l, 2, k->s) < 0)
            return -1;
        return hap_set_str(h, k->s[1] == 'a' ? &g->ca_base : &g->crt_base, v->s);
    }
    if (!strcmp(k->s, "ssl-server-verify")) {
        if (hap_need(h, l, 2, "none or required") < 0 || hap_too_many(h, l, 2, k->s) < 0)
            return -1;
        if (strcmp(v->s, "none") && strcmp(v->s, "required"))
            return hap_err(h, v, "invalid ssl-server-verify '%.80s': expected none or required",
                           v->s);
        g->verify = v->s[0] == 'n' ? CFG_VERIFY_NONE : CFG_VERIFY_REQUIRED;
        g->at.verify = hap_pos(h, v);
        return 0;
    }
    if (!strncmp(k->s, "tune.", 5))
        return hap_ignored(h, k, "", "haplane has no such tuning");
    for (size_t i = 0; i < CFG_NELEM(global_ignored); i++)
        if (!strcmp(k->s, global_ignored[i]))
            return hap_ignored(
                h, k, "",
                !strcmp(k->s, "log") ? "haplane logs to stderr in its own format"
                : !strcmp(k->s, "stats")
                    ? "metrics_listen in global_defs serves Prometheus /metrics and a status page "
                      "at /"
                    : "haplane runs in the foreground; process settings do not apply");
    const char *best = hap_suggest(k->s, global_done, CFG_NELEM(global_done), sizeof(char *));
    if (!best)
        best = hap_suggest(k->s, global_ignored, CFG_NELEM(global_ignored), sizeof(char *));
    return best
               ? hap_err(h, k, "unknown keyword '%.80s' in global (did you mean '%s'?)", k->s, best)
               : hap_err(h, k, "unknown keyword '%.80s' in global", k->s);
}

/* ---- proxy sections ---------------------------------------------------------------- */

enum { D = 1, F = 2, L = 4, B = 8, DFL = D | F | L, DLB = D | L | B, FL = F | L, LB = L | B };

static unsigned sect_bit(enum hap_sect s)
{
    return s == HS_DEFAULTS ? D : s == HS_FRONTEND ? F : s == HS_LISTEN ? L : B;
}

static const char *sect_name(enum hap_sect s)
{
    return s == HS_DEFAULTS   ? "defaults"
           : s == HS_FRONTEND ? "frontend"
           : s == HS_LISTEN   ? "listen"
                              : "backend";
}

static int k_mode(struct hap_rd *h, struct hap_px *px, const struct hap_line *l)
{
    if (hap_need(h, l, 2, "tcp or http") < 0 || hap_too_many(h, l, 2, "mode") < 0)
        return -1;
    if (strcmp(l->w[1].s, "tcp") && strcmp(l->w[1].s, "http"))
        return hap_err(h, &l->w[1], "invalid mode '%.80s': haplane relays TCP (mode tcp)",
                       l->w[1].s);
    px->mode = l->w[1].s[0] == 't' ? HM_TCP : HM_HTTP;
    px->at.mode = hap_pos(h, &l->w[1]);
    return 0;
}

static int k_bind(struct hap_rd *h, struct hap_px *px, const struct hap_line *l)
{
    if (hap_need(h, l, 2, "ADDRESS:PORT") < 0)
        return -1;
    return hap_bind(h, px, l, 1);
}

static int k_default_backend(struct hap_rd *h, struct hap_px *px, const struct hap_line *l)
{
    if (hap_need(h, l, 2, "a backend name") < 0 || hap_too_many(h, l, 2, "default_backend") < 0)
        return -1;
    if (px->backend_from_use)
        return 0;
    px->at.backend = hap_pos(h, &l->w[1]);
    return hap_set_str(h, &px->backend, l->w[1].s);
}

static int k_use_backend(struct hap_rd *h, struct hap_px *px, const struct hap_line *l)
{
    if (hap_need(h, l, 2, "a backend name") < 0)
        return -1;
    if (l->n > 2)
        return hap_err(h, &l->w[2],
                       "conditional use_backend is not supported: haplane sends every "
                       "connection of a frontend to one backend (use default_backend)");
    if (px->backend_from_use)
        return hap_warn(h, &l->w[0],
                        "use_backend '%.80s' is never used: an earlier unconditional "
                        "use_backend takes every connection",
                        l->w[1].s);
    px->backend_from_use = true;
    px->at.backend = hap_pos(h, &l->w[1]);
    return hap_set_str(h, &px->backend, l->w[1].s);
}

static int k_balance(struct hap_rd *h, struct hap_px *px, const struct hap_line *l)
{
    static const char *const done[] = {"roundrobin", "leastconn", "source"};
    static const char *const other[] = {"static-rr", "first", "random",     "uri",
                                        "url_param", "hdr",   "rdp-cookie", "hash"};
    const struct hap_word *v = l->n > 1 ? &l->w[1] : NULL;
    size_t n;

    if (hap_need(h, l, 2, "an algorithm") < 0)
        return -1;
    for (size_t i = 0; i < CFG_NELEM(done); i++)
        if (!strcmp(v->s, done[i])) {
            px->balance = (int)i;
            px->at.balance = hap_pos(h, v);
            return hap_too_many(h, l, 2, "balance");
        }
    for (size_t i = 0; i < CFG_NELEM(other); i++)
        if (!strncmp(v->s, other[i], n = strlen(other[i])) && (!v->s[n] || v->s[n] == '(')) {
            px->balance = CFG_BALANCE_ROUNDROBIN;
            px->at.balance = hap_pos(h, v);
            return hap_warn(h, v,
                            "balance '%.80s' is not supported; haplane balances roundrobin "
                            "(also: leastconn, source)",
                            v->s);
        }
    return hap_unknown(h, v, "balance algorithm", NULL, done, CFG_NELEM(done), sizeof(char *));
}

/* timeout connect|client|server|tunnel|check TIME (and ignored others) */
static int k_timeout(struct hap_rd *h, struct hap_px *px, const struct hap_line *l)
{
    static const struct {
        const char *name;
        unsigned where;
    } kinds[] = {{"connect", DLB},
                 {"client", DFL},
                 {"server", DLB},
                 {"tunnel", DLB},
                 {"check", DLB},
                 {"queue", DLB},
                 {"http-request", D | F | L | B},
                 {"http-keep-alive", D | F | L | B},
                 {"client-fin", DFL},
                 {"server-fin", DLB},
                 {"tarpit", D | F | L | B}};
    uint64_t *val[] = {&px->connect_ms, &px->client_ms, &px->server_ms, &px->tunnel_ms,
                       &px->check_ms};
    struct cfg_pos *at[] = {&px->at.connect, &px->at.client, &px->at.server, &px->at.tunnel,
                            &px->at.check};
    size_t k = 0;

    if (hap_need(h, l, 3, "a kind and a time") < 0 || hap_too_many(h, l, 3, "timeout") < 0)
        return -1;
    while (k < CFG_NELEM(kinds) && strcmp(l->w[1].s, kinds[k].name))
        k++;
    if (k == CFG_NELEM(kinds))
        return hap_unknown(h, &l->w[1], "timeout", NULL, kinds, CFG_NELEM(kinds), sizeof(kinds[0]));
    if (!(kinds[k].where & sect_bit(h->sect)))
        return hap_warn(h, &l->w[0], "'timeout %s' has no effect in a %s section; ignored",
                        kinds[k].name, sect_name(h->sect));
    if (k >= CFG_NELEM(val))
        return hap_warn(h, &l->w[1],
                        "'timeout %s' is not supported; ignored (an HTTP or queue timeout: "
                        "haplane relays TCP and queues nothing)",
                        kinds[k].name);
    if (hap_time(h, &l->w[2], "timeout", 1, 2147483647ULL, val[k]) < 0)
        return -1;
    *at[k] = hap_pos(h, &l->w[2]);
    return 0;
}

static int k_number(struct hap_rd *h, struct hap_px *px, const struct hap_line *l)
{
    const char *kw = l->w[0].s;
    uint32_t *dst = !strcmp(kw, "retries")   ? &px->retries
                    : !strcmp(kw, "maxconn") ? &px->maxconn
                                             : &px->backlog;
    struct cfg_pos *at = dst == &px->retries   ? &px->at.retries
                         : dst == &px->maxconn ? &px->at.maxconn
                                               : &px->at.backlog;
    uint32_t min = dst == &px->backlog, max = dst == &px->retries ? 100 : 10000000;

    if (hap_need(h, l, 2, "a number") < 0 || hap_too_many(h, l, 2, kw) < 0 ||
        hap_uint(h, &l->w[1], kw, min, max, dst) < 0)
        return -1;
    *at = hap_pos(h, &l->w[1]);
    return 0;
}

static int k_stats(struct hap_rd *h, struct hap_px *px, const struct hap_line *l)
{
    px->has_stats = true;
    return hap_ignored(
        h, &l->w[0], "",
        "metrics_listen in global_defs serves Prometheus /metrics and a status page at /");
}

static int k_disabled(struct hap_rd *h, struct hap_px *px, const struct hap_line *l)
{
    px->disabled = !strcmp(l->w[0].s, "disabled");
    px->at.disabled = hap_pos(h, &l->w[0]);
    return 0;
}

static int k_refuse(struct hap_rd *h, struct hap_px *px, const struct hap_line *l)
{
    const char *kw = l->w[0].s;

    return hap_err(h, &l->w[0], "'%s' is not supported: %s", kw,
                   !strcmp(kw, "server-template")
                       ? "list the servers one by one"
                       : "list the server with a 'server' line (haplane needs its address)");
}

#define Y_LOG   "haplane logs to stderr in its own format"
#define Y_HTTP  "an HTTP-mode directive; haplane relays TCP"
#define Y_RULE  "haplane has no ACLs or rules: a frontend sends every connection to its backend"
#define Y_MAIL  "haplane sends no e-mail"
#define Y_STICK "no stickiness; balance source keeps a client on one server"
#define Y_NONE  "no equivalent"

struct pkw {
    const char *name;
    unsigned where;
    int (*fn)(struct hap_rd *, struct hap_px *, const struct hap_line *);
    const char *why; /* fn NULL: ignored because */
};

static const struct pkw pkws[] = {
    {"mode", D | F | L | B, k_mode, NULL},
    {"bind", FL, k_bind, NULL},
    {"default_backend", DFL, k_default_backend, NULL},
    {"use_backend", FL, k_use_backend, NULL},
    {"balance", DLB, k_balance, NULL},
    {"timeout", D | F | L | B, k_timeout, NULL},
    {"retries", DLB, k_number, NULL},
    {"maxconn", DFL, k_number, NULL},
    {"backlog", DFL, k_number, NULL},
    {"option", D | F | L | B, hap_option, NULL},
    {"http-check", DLB, hap_http_check, NULL},
    {"tcp-check", DLB, hap_tcp_check, NULL},
    {"server", LB, hap_server, NULL},
    {"default-server", DLB, hap_default_server, NULL},
    {"stats", D | F | L | B, k_stats, NULL},
    {"disabled", D | F | L | B, k_disabled, NULL},
    {"enabled", D | F | L | B, k_disabled, NULL},
    {"server-template", LB, k_refuse, NULL},
    {"dispatch", LB, k_refuse, NULL},
    {"log", D | F | L | B, NULL, Y_LOG},
    {"log-format", DFL, NULL, Y_LOG},
    {"log-format-sd", DFL, NULL, Y_LOG},
    {"log-tag", D | F | L | B, NULL, Y_LOG},
    {"error-log-format", DFL, NULL, Y_LOG},
    {"capture", FL, NULL, Y_LOG},
    {"declare", FL, NULL, Y_LOG},
    {"unique-id-format", DFL, NULL, Y_LOG},
    {"unique-id-header", DFL, NULL, Y_LOG},
    {"description", F | L | B, NULL, Y_NONE},
    {"id", F | L | B, NULL, Y_NONE},
    {"bind-process", D | F | L | B, NULL, Y_NONE},
    {"acl", D | F | L | B, NULL, Y_RULE},
    {"tcp-request", D | F | L | B, NULL, Y_RULE},
    {"tcp-response", DLB, NULL, Y_RULE},
    {"http-request", D | F | L | B, NULL, Y_HTTP},
    {"http-response", D | F | L | B, NULL, Y_HTTP},
    {"http-after-response", D | F | L | B, NULL, Y_HTTP},
    {"http-error", D | F | L | B, NULL, Y_HTTP},
    {"http-reuse", DLB, NULL, Y_HTTP},
    {"http-send-name-header", DLB, NULL, Y_HTTP},
    {"compression", D | F | L | B, NULL, Y_HTTP},
    {"cookie", DLB, NULL, Y_HTTP},
    {"errorfile", D | F | L | B, NULL, Y_HTTP},
    {"errorfiles", D | F | L | B, NULL, Y_HTTP},
    {"errorloc", D | F | L | B, NULL, Y_HTTP},
    {"errorloc302", D | F | L | B, NULL, Y_HTTP},
    {"errorloc303", D | F | L | B, NULL, Y_HTTP},
    {"filter", F | L | B, NULL, Y_HTTP},
    {"max-keep-alive-queue", DLB, NULL, Y_HTTP},
    {"monitor", FL, NULL, Y_HTTP},
    {"monitor-uri", DFL, NULL, Y_HTTP},
    {"redirect", F | L | B, NULL, Y_HTTP},
    {"use-fcgi-app", LB, NULL, Y_HTTP},
    {"email-alert", D | F | L | B, NULL, Y_MAIL},
    {"force-persist", LB, NULL, Y_STICK},
    {"ignore-persist", LB, NULL, Y_STICK},
    {"persist", DLB, NULL, Y_STICK},
    {"stick", LB, NULL, Y_STICK},
    {"stick-table", F | L | B, NULL, Y_STICK},
    {"use-server", LB, NULL, Y_STICK},
    {"hash-type", DLB, NULL, "balance source hashes the client address"},
    {"hash-balance-factor", DLB, NULL, Y_NONE},
    {"fullconn", DLB, NULL, "servers have no connection limits"},
    {"rate-limit", DFL, NULL, Y_NONE},
    {"retry-on", DLB, NULL, "a failed connect is retried on another server"},
    {"source", DLB, NULL, "connections to servers leave from the host's own address"},
    {"transparent", DLB, NULL, Y_NONE},
    {"external-check", DLB, NULL, "use a vrrp_script in keepalived.conf"},
    {"load-server-state-from-file", DLB, NULL, Y_NONE},
    {"server-state-file-name", DLB, NULL, Y_NONE},
    {"clitcpka-cnt", DFL, NULL, "haplane sets SO_KEEPALIVE with the kernel's timers"},
    {"clitcpka-idle", DFL, NULL, "haplane sets SO_KEEPALIVE with the kernel's timers"},
    {"clitcpka-intvl", DFL, NULL, "haplane sets SO_KEEPALIVE with the kernel's timers"},
    {"srvtcpka-cnt", DLB, NULL, "haplane sets SO_KEEPALIVE with the kernel's timers"},
    {"srvtcpka-idle", DLB, NULL, "haplane sets SO_KEEPALIVE with the kernel's timers"},
    {"srvtcpka-intvl", DLB, NULL, "haplane sets SO_KEEPALIVE with the kernel's timers"},
    {"grace", D | F | L | B, NULL, Y_NONE},
};

/* Keywords whose use in the wrong section haproxy refuses. */
static bool structural(const char *kw)
{
    return !strcmp(kw, "bind") || !strcmp(kw, "server") || !strcmp(kw, "default-server") ||
           !strcmp(kw, "use_backend") || !strcmp(kw, "default_backend") ||
           !strcmp(kw, "server-template");
}

static int proxy_line(struct hap_rd *h, const struct hap_line *l)
{
    const struct hap_word *k = &l->w[0];
    struct hap_px *px = &h->f.px[h->cur];
    size_t i = 0;

    while (i < CFG_NELEM(pkws) && strcmp(k->s, pkws[i].name))
        i++;
    if (i == CFG_NELEM(pkws))
        return hap_unknown(h, k, "keyword", sect_name(h->sect), pkws, CFG_NELEM(pkws),
                           sizeof(pkws[0]));
    if (!(pkws[i].where & sect_bit(h->sect))) {
        if (structural(k->s))
            return hap_err(h, k, "'%s' is not allowed in a %s section", k->s, sect_name(h->sect));
        return hap_warn(h, k, "'%s' has no effect in a %s section; ignored", k->s,
                        sect_name(h->sect));
    }
    if (!pkws[i].fn)
        return hap_ignored(h, k, "", pkws[i].why);
    return pkws[i].fn(h, px, l);
}

/* ---- sections --------------------------------------------------------------------------- */

static const char *const other_sections[] = {
    "resolvers", "peers", "userlist", "mailers",     "program",   "http-errors",
    "ring",      "cache", "fcgi-app", "log-forward", "crt-store", "traces",
};

static void px_defaults(struct hap_px *px)
{
    px->mode = HM_TCP;
    px->balance = CFG_BALANCE_ROUNDROBIN;
    px->retries = 3;
    px->dflt.verify = -1;
    px->dflt.inter_ms = 2000;
    px->dflt.fall = 3;
    px->dflt.rise = 2;
    px->dflt.weight = 1;
}

/* dst (kind, name, pos set) takes the settings of defaults section src. */
static int px_inherit(struct hap_px *dst, const struct hap_px *src)
{
    struct hap_px keep = *dst;

    *dst = *src;
    dst->kind = keep.kind;
    dst->name = keep.name;
    dst->pos = keep.pos;
    dst->binds = NULL;
    dst->nbinds = 0;
    dst->servers = NULL;
    dst->nservers = 0;
    dst->backend = src->backend ? strdup(src->backend) : NULL;
    dst->hc_method = src->hc_method ? strdup(src->hc_method) : NULL;
    dst->hc_uri = src->hc_uri ? strdup(src->hc_uri) : NULL;
    memset(&dst->dflt, 0, sizeof(dst->dflt));
    if (hap_opts_copy(&dst->dflt, &src->dflt) < 0 || (src->backend && !dst->backend) ||
        (src->hc_method && !dst->hc_method) || (src->hc_uri && !dst->hc_uri))
        return -1;
    return 0;
}

/* The defaults named `name` (the last of that name), or SIZE_MAX. */
static size_t find_defaults(const struct hap_rd *h, const char *name)
{
    for (size_t i = h->f.npx; i-- > 0;)
        if (h->f.px[i].kind == HS_DEFAULTS && h->f.px[i].name && !strcmp(h->f.px[i].name, name))
            return i;
    return SIZE_MAX;
}

/* frontend|backend|listen NAME [ADDR] [from DEFAULTS] | defaults [NAME] [from DEFAULTS] */
static int start_proxy(struct hap_rd *h, const struct hap_line *l, enum hap_sect kind)
{
    size_t n = l->n, from = h->dflt;
    struct hap_px *px;

    if (n >= 3 && !strcmp(l->w[n - 2].s, "from")) {
        from = find_defaults(h, l->w[n - 1].s);
        if (from == SIZE_MAX)
            return hap_err(h, &l->w[n - 1], "'from %.80s' refers to no named defaults section",
                           l->w[n - 1].s);
        n -= 2;
    }
    if (kind != HS_DEFAULTS && n < 2)
        return hap_err(h, &l->w[0], "missing name after '%s'", l->w[0].s);
    if (n > (kind == HS_LISTEN ? 3u : 2u))
        return hap_err(h, &l->w[kind == HS_LISTEN ? 3 : 2], "unexpected '%.80s' after '%s %s'",
                       l->w[kind == HS_LISTEN ? 3 : 2].s, l->w[0].s, l->w[1].s);
    if (!(px = cfg_vec_push(&h->f.px, &h->f.npx, sizeof(*px))))
        return hap_oom(h);
    px->kind = kind;
    px->pos = hap_pos(h, n >= 2 ? &l->w[1] : &l->w[0]);
    if (n >= 2 && !(px->name = strdup(l->w[1].s)))
        return hap_oom(h);
    if (from != SIZE_MAX ? px_inherit(px, &h->f.px[from]) < 0 : (px_defaults(px), 0))
        return hap_oom(h);
    h->sect = kind;
    h->cur = h->f.npx - 1;
    if (kind == HS_DEFAULTS)
        h->dflt = h->cur;
    if (kind == HS_LISTEN && n == 3)
        return hap_err(h, &l->w[2],
                       "an address on the 'listen' line is not accepted (haproxy 2.x refuses it "
                       "too): write it on a 'bind' line");
    return 0;
}

static int section(struct hap_rd *h, const struct hap_line *l)
{
    static const char *const names[] = {"global", "defaults", "frontend", "backend", "listen"};
    static const enum hap_sect kinds[] = {HS_GLOBAL, HS_DEFAULTS, HS_FRONTEND, HS_BACKEND,
                                          HS_LISTEN};
    const char *kw = l->w[0].s;

    for (size_t i = 0; i < CFG_NELEM(names); i++) {
        if (strcmp(kw, names[i]))
            continue;
        if (i > 0)
            return start_proxy(h, l, kinds[i]);
        h->sect = HS_GLOBAL;
        h->cur = SIZE_MAX;
        return hap_too_many(h, l, 1, "global");
    }
    for (size_t i = 0; i < CFG_NELEM(other_sections); i++) {
        if (strcmp(kw, other_sections[i]))
            continue;
        h->sect = HS_OTHER;
        h->cur = SIZE_MAX;
        return hap_warn(h, &l->w[0],
                        "section '%s' is not supported; it is ignored up to the next section", kw);
    }
    return 1; /* not a section keyword */
}

static void line(struct hap_rd *h, const struct hap_line *l)
{
    static const char *const all[] = {"global", "defaults", "frontend", "backend", "listen"};
    const struct hap_word *k = &l->w[0];

    if (!k->quoted && section(h, l) <= 0)
        return;
    if (k->s[0] == '.' && !k->quoted) {
        if (!strcmp(k->s, ".if") || !strcmp(k->s, ".elif") || !strcmp(k->s, ".else") ||
            !strcmp(k->s, ".endif"))
            hap_err(h, k, "conditional blocks (.if/.endif) are not supported");
        else
            hap_warn(h, k, "'%s' is ignored", k->s);
        return;
    }
    switch (h->sect) {
    case HS_NONE:
        if (hap_suggest(k->s, all, CFG_NELEM(all), sizeof(char *)))
            hap_unknown(h, k, "section", NULL, all, CFG_NELEM(all), sizeof(char *));
        else
            hap_err(h, k,
                    "'%.80s' outside of a section (expected global, defaults, frontend, "
                    "backend or listen)",
                    k->s);
        return;
    case HS_GLOBAL:
        global_line(h, l);
        return;
    case HS_OTHER:
        return;
    default:
        proxy_line(h, l);
    }
}

int imp_haproxy(struct cfg *cfg, const struct imp_text *t, const char *const *env,
                struct cfg_diags *d)
{
    struct hap_rd h = {.cfg = cfg,
                       .d = d,
                       .env = env,
                       .cur = SIZE_MAX,
                       .dflt = SIZE_MAX,
                       .max_errors = MAX_ERRORS};
    const char *end = t->buf + t->len;

    h.f.g.verify = -1;
    if (!(h.file = cfg_intern_file(cfg, t->name)))
        return hap_oom(&h);
    for (const char *s = t->buf; s < end && !h.stop;) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        size_t n = nl ? (size_t)(nl - s) : (size_t)(end - s);
        struct hap_line l;
        char err[128];
        uint32_t col = 1;

        h.line++;
        if (memchr(s, '\0', n)) {
            struct hap_word w = {.col = (uint32_t)((const char *)memchr(s, '\0', n) - s) + 1};
            hap_err(&h, &w, "NUL byte in input");
        } else if (hap_split(s, n && s[n - 1] == '\r' ? n - 1 : n, env, &l, err, sizeof(err),
                             &col) < 0) {
            struct hap_word w = {.col = col};
            hap_err(&h, &w, "%s", err);
        } else {
            if (l.n)
                line(&h, &l);
            hap_line_free(&l);
        }
        s += n + 1;
    }
    if (!h.stop && h.nerr == 0)
        hap_build(cfg, &h.f, d);
    hap_file_free(&h.f);
    return h.stop ? -1 : 0;
}
