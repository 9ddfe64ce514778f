/* hap_build: haproxy's frontends (and listens) joined with their backends
 * into the model's proxies.
 *
 * One proxy per frontend or listen section in mode tcp, named after it:
 * its binds, backlog and maxconn come from the frontend; balance, retries,
 * servers and the health check from the backend. Where haproxy has two
 * values and haplane one, the mapping is said (a warning, and a remark that
 * `convert` writes above the proxy):
 *
 *   - timeout client / server / tunnel: one idle timeout, the largest;
 *   - per-server check settings (inter, fall, rise, check-ssl, verify, ...):
 *     one check per proxy, from the first checked server;
 *   - timeout check: the whole check (connect + answer) gets
 *     min(timeout connect, inter) + timeout check, else inter (haproxy's
 *     rule); the interval is inter (haproxy's default 2s).
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "import/hap-int.h"

#define HOUR_MS  3600000ULL
#define MONTH_MS (30 * 24 * HOUR_MS)

struct bctx {
    struct cfg *cfg;
    const struct hap_file *f;
    struct cfg_diags *d;
    size_t nerr;
};

__attribute__((format(printf, 4, 5))) static void
report(struct bctx *b, enum cfg_severity sev, const struct cfg_pos *pos, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    cfg_diag_vadd(b->d, sev, pos, fmt, ap);
    va_end(ap);
    b->nerr += sev == CFG_SEV_ERROR;
}

#define berr(b, pos, ...)  report(b, CFG_SEV_ERROR, pos, __VA_ARGS__)
#define bwarn(b, pos, ...) report(b, CFG_SEV_WARNING, pos, __VA_ARGS__)

static const char *kind_name(enum hap_sect s)
{
    return s == HS_FRONTEND ? "frontend" : s == HS_LISTEN ? "listen" : "backend";
}

static const char *dur(uint64_t ms, char *buf, size_t len)
{
    return cfg_format_duration(ms, buf, len);
}

/* The section a frontend's traffic goes to (the last backend or listen of
 * that name), or NULL. */
static const struct hap_px *find_backend(const struct hap_file *f, const char *name)
{
    for (size_t i = f->npx; i-- > 0;)
        if ((f->px[i].kind == HS_BACKEND || f->px[i].kind == HS_LISTEN) && f->px[i].name &&
            !strcmp(f->px[i].name, name))
            return &f->px[i];
    return NULL;
}

static const char *suggest_backend(const struct hap_file *f, const char *name)
{
    struct cfg_suggest sg;

    cfg_suggest_init(&sg, name);
    for (size_t i = 0; i < f->npx; i++)
        if ((f->px[i].kind == HS_BACKEND || f->px[i].kind == HS_LISTEN) && f->px[i].name)
            cfg_suggest_try(&sg, f->px[i].name);
    return sg.best;
}

/* ---- timeouts ---------------------------------------------------------------------- */

static void timeouts(struct bctx *b, struct cfg_proxy *px, const struct hap_px *fe,
                     const struct hap_px *be)
{
    const char *names[] = {"client", "server", "tunnel"};
    const uint64_t val[] = {fe->client_ms, be->server_ms, be->tunnel_ms};
    const struct cfg_pos *at[] = {&fe->at.client, &be->at.server, &be->at.tunnel};
    char list[160] = "", a[32];
    size_t used = 0, max = SIZE_MAX;

    if (be->at.connect.line) {
        if (be->connect_ms > HOUR_MS)
            berr(b, &be->at.connect, "timeout connect %s is longer than haplane allows (1h)",
                 dur(be->connect_ms, a, sizeof(a)));
        px->connect_timeout_ms = be->connect_ms;
        px->at.connect_timeout = be->at.connect;
    } else {
        imp_remark(b->cfg, CFG_REMARK_PROXY, px->name,
                   "haproxy.cfg sets no 'timeout connect' (haproxy then waits as long as the "
                   "kernel does); haplane gives up on a server after %s.",
                   dur(px->connect_timeout_ms, a, sizeof(a)));
    }
    for (size_t i = 0; i < 3; i++) {
        if (!at[i]->line)
            continue;
        used += (size_t)snprintf(list + used, sizeof(list) - used, "%s'timeout %s %s'",
                                 used ? ", " : "", names[i], dur(val[i], a, sizeof(a)));
        if (max == SIZE_MAX || val[i] > val[max])
            max = i;
    }
    if (max == SIZE_MAX) {
        imp_remark(b->cfg, CFG_REMARK_PROXY, px->name,
                   "haproxy.cfg sets no client, server or tunnel timeout (haproxy then never "
                   "closes an idle connection); haplane closes one after %s.",
                   dur(px->idle_timeout_ms, a, sizeof(a)));
        return;
    }
    if (val[max] < 1000 || val[max] > MONTH_MS) {
        berr(b, at[max],
             "timeout %s %s cannot be haplane's idle timeout: it must be between 1s "
             "and 30d",
             names[max], dur(val[max], a, sizeof(a)));
        return;
    }
    px->idle_timeout_ms = val[max];
    px->at.idle_timeout = *at[max];
    bwarn(b, at[max],
          "%s become%s 'timeout idle %s' of proxy '%s': haplane has one idle timeout for both "
          "sides (the largest)",
          list, strchr(list, ',') ? "" : "s", dur(val[max], a, sizeof(a)), px->name);
    imp_remark(b->cfg, CFG_REMARK_PROXY, px->name,
               "%s: one idle timeout for both sides, the largest.", list);
}

/* ---- health check ---------------------------------------------------------------------- */

/* What differs between the check settings of two servers ("" when none). */
static void differences(const struct hap_srv_opts *a, const struct hap_srv_opts *o, char *buf,
                        size_t len)
{
    const char *names[] = {"inter",  "fastinter", "fall", "rise",     "check-ssl",
                           "verify", "ca-file",   "crt",  "check-sni"};
    bool diff[] = {a->inter_ms != o->inter_ms,
                   a->fastinter_ms != o->fastinter_ms,
                   a->fall != o->fall,
                   a->rise != o->rise,
                   a->check_ssl != o->check_ssl,
                   a->verify != o->verify,
                   (a->ca || o->ca) && (!a->ca || !o->ca || strcmp(a->ca, o->ca)),
                   (a->crt || o->crt) && (!a->crt || !o->crt || strcmp(a->crt, o->crt)),
                   (a->sni || o->sni) && (!a->sni || !o->sni || strcmp(a->sni, o->sni))};
    size_t used = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < CFG_NELEM(names); i++)
        if (diff[i] && used < len)
            used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? ", " : "", names[i]);
}

static int dupstr(char **dst, const char *s)
{
    return s && !(*dst = strdup(s)) ? -1 : 0;
}

/* TLS settings of an https check, from server s. */
static void check_tls(struct bctx *b, struct cfg_check *c, const struct hap_server *s)
{
    const struct hap_global *g = &b->f->g;

    c->verify = s->o.verify >= 0 ? (enum cfg_tls_verify)s->o.verify
                : g->verify >= 0 ? (enum cfg_tls_verify)g->verify
                                 : CFG_VERIFY_REQUIRED;
    c->at.verify = s->o.at.verify.line ? s->o.at.verify : g->at.verify.line ? g->at.verify : s->pos;
    if (c->verify == CFG_VERIFY_REQUIRED && !s->o.ca)
        berr(b, &s->pos,
             "server '%s': the TLS health check verifies the server's certificate but no "
             "ca-file is given; add 'verify none' or 'ca-file FILE' (haproxy refuses this too)",
             s->name);
    if (dupstr(&c->ca, s->o.ca) < 0 || dupstr(&c->cert, s->o.crt) < 0 ||
        dupstr(&c->sni, s->o.sni) < 0)
        berr(b, NULL, "out of memory");
    c->at.ca = s->o.at.ca;
    c->at.cert = s->o.at.crt;
    c->at.sni = s->o.at.sni;
}

/* The check kind from the backend's last check option. */
static enum cfg_check_kind check_kind(struct bctx *b, const struct hap_px *be,
                                      const struct hap_server *s, const char *px_name)
{
    if (be->chk == HC_HTTP)
        return be->hc_ssl || s->o.check_ssl ? CFG_CHECK_HTTPS : CFG_CHECK_HTTP;
    if ((be->at.hc_send.line || be->at.hc_expect.line || be->at.hc_ssl.line))
        bwarn(b,
              be->at.hc_send.line  ? &be->at.hc_send
              : be->at.hc_ssl.line ? &be->at.hc_ssl
                                   : &be->at.hc_expect,
              "this HTTP check setting has no effect: the last check option of backend '%s' is "
              "'option %s' (haproxy ignores it too)",
              be->name, be->chk ? be->chk_name : "none");
    if (be->chk == HC_SSL_HELLO || be->chk == HC_OTHER) {
        bwarn(b, &be->at.chk,
              "'option %s' becomes a TCP connect check (for the API servers, 'option httpchk' "
              "with 'http-check connect ssl' and 'http-check send meth GET uri /readyz' checks "
              "readiness over TLS)",
              be->chk_name);
        imp_remark(b->cfg, CFG_REMARK_PROXY, px_name, "'option %s' became a TCP connect check.",
                   be->chk_name);
    } else if (s->o.check_ssl) {
        bwarn(b, &s->o.at.check_ssl,
              "check-ssl without an HTTP check: haplane's TCP check connects without a TLS "
              "handshake");
        imp_remark(b->cfg, CFG_REMARK_PROXY, px_name,
                   "check-ssl without an HTTP check: the TCP check makes no TLS handshake.");
    }
    return CFG_CHECK_TCP;
}

static void build_check(struct bctx *b, struct cfg_proxy *px, const struct hap_px *be)
{
    struct cfg_check *c = &px->check;
    const struct hap_server *s = NULL;
    char diff[160], a[32];

    for (size_t i = 0; i < be->nservers && !s; i++)
        s = be->servers[i].o.check ? &be->servers[i] : NULL;
    if (!s)
        return; /* no server is checked: the kind does not matter */
    c->kind = check_kind(b, be, s, px->name);
    c->at.kind = be->at.chk.line ? be->at.chk : s->o.at.check;
    c->interval_ms = s->o.inter_ms;
    c->at.interval = s->o.at.inter;
    if (s->o.at.fastinter.line) {
        c->fast_interval_ms = s->o.fastinter_ms;
        c->at.fast_interval = s->o.at.fastinter;
    }
    c->fall = s->o.fall;
    c->rise = s->o.rise;
    c->at.fall = s->o.at.fall;
    c->at.rise = s->o.at.rise;
    if (be->at.check.line) {
        uint64_t conn =
            be->at.connect.line && be->connect_ms < s->o.inter_ms ? be->connect_ms : s->o.inter_ms;
        c->timeout_ms = conn + be->check_ms;
        c->at.timeout = be->at.check;
    } else {
        c->timeout_ms = s->o.inter_ms;
        c->at.timeout = s->o.at.inter;
    }
    if (c->timeout_ms > HOUR_MS)
        berr(b, &c->at.timeout, "the health check timeout (%s) is longer than haplane allows (1h)",
             dur(c->timeout_ms, a, sizeof(a)));
    if (c->kind != CFG_CHECK_TCP) {
        if (dupstr(&c->method, be->hc_method ? be->hc_method : "OPTIONS") < 0 ||
            dupstr(&c->path, be->hc_uri ? be->hc_uri : "/") < 0)
            berr(b, NULL, "out of memory");
        c->at.path = be->at.hc_uri;
        c->expect = be->hc_expect ? be->hc_expect : 200;
        c->at.expect = be->at.hc_expect;
        if (!be->hc_expect)
            imp_remark(b->cfg, CFG_REMARK_PROXY, px->name,
                       "haproxy's HTTP check accepts any 2xx or 3xx status without "
                       "'http-check expect'; haplane expects 200.");
    }
    if (c->kind == CFG_CHECK_HTTPS)
        check_tls(b, c, s);
    for (size_t i = 0; i < be->nservers; i++) {
        const struct hap_server *o = &be->servers[i];

        if (o == s || !o->o.check)
            continue;
        differences(&s->o, &o->o, diff, sizeof(diff));
        if (!diff[0])
            continue;
        bwarn(b, &o->pos,
              "server '%s' has other check settings than server '%s' (%s): haplane checks "
              "every server of a proxy alike, as '%s' says",
              o->name, s->name, diff, s->name);
        imp_remark(b->cfg, CFG_REMARK_PROXY, px->name,
                   "server %s had other check settings (%s): every server is checked as %s "
                   "was.",
                   o->name, diff, s->name);
    }
}

/* ---- proxies --------------------------------------------------------------------------- */

static int copy_binds(struct cfg_proxy *px, const struct hap_px *fe)
{
    px->binds = calloc(fe->nbinds, sizeof(*px->binds));
    if (!px->binds)
        return -1;
    memcpy(px->binds, fe->binds, fe->nbinds * sizeof(*px->binds));
    px->nbinds = fe->nbinds;
    return 0;
}

static void servers(struct bctx *b, struct cfg_proxy *px, const struct hap_px *be)
{
    for (size_t i = 0; i < be->nservers; i++) {
        const struct hap_server *s = &be->servers[i];
        struct cfg_server *sv = cfg_vec_push(&px->servers, &px->nservers, sizeof(*sv));

        if (!sv || !(sv->name = strdup(s->name)) ||
            (s->addr.name && !(sv->addr.name = strdup(s->addr.name)))) {
            berr(b, NULL, "out of memory");
            return;
        }
        sv->pos = s->pos;
        sv->addr.kind = s->addr.kind;
        sv->addr.addr = s->addr.addr;
        sv->addr.port = s->addr.port;
        sv->addr_pos = s->addr_pos;
        sv->weight = s->o.weight;
        sv->backup = s->o.backup;
        sv->drain = s->o.disabled;
        sv->check = s->o.check;
        if (!s->o.disabled)
            continue;
        bwarn(b, &s->o.at.disabled,
              "server '%s' is disabled: haplane drains it (no new connections) and keeps "
              "checking it",
              s->name);
        imp_remark(b->cfg, CFG_REMARK_PROXY, px->name,
                   "server %s was disabled: drained here (no new connections, still checked).",
                   s->name);
    }
}

static void limits(struct bctx *b, struct cfg_proxy *px, const struct hap_px *fe,
                   const struct hap_px *be)
{
    const struct hap_global *g = &b->f->g;

    px->balance = (enum cfg_balance)be->balance;
    px->at.balance = be->at.balance;
    px->retries = be->retries;
    px->at.retries = be->at.retries;
    if (!be->redispatch && be->retries)
        imp_remark(b->cfg, CFG_REMARK_PROXY, px->name,
                   "without 'option redispatch' haproxy retries a failed connect on the same "
                   "server; haplane retries on another one.");
    if (fe->at.maxconn.line) {
        px->maxconn = fe->maxconn;
        px->at.maxconn = fe->at.maxconn;
    } else if (g->at.maxconn.line) {
        px->maxconn = g->maxconn;
        px->at.maxconn = g->at.maxconn;
        imp_remark(b->cfg, CFG_REMARK_PROXY, px->name,
                   "maxconn %u comes from haproxy's global section (a limit for the whole "
                   "process there, for this proxy here).",
                   g->maxconn);
    }
    if (g->at.nbthread.line) {
        px->workers = g->nbthread;
        px->at.workers = g->at.nbthread;
    }
    if (fe->at.backlog.line) {
        px->backlog = fe->backlog;
        px->at.backlog = fe->at.backlog;
    }
}

static void build(struct bctx *b, const struct hap_px *fe, const struct hap_px *be)
{
    struct cfg_proxy *px = cfg_vec_push(&b->cfg->proxies, &b->cfg->nproxies, sizeof(*px));

    if (!px || !(px->name = strdup(fe->name)) || copy_binds(px, fe) < 0) {
        berr(b, NULL, "out of memory");
        return;
    }
    cfg_proxy_defaults(px);
    px->pos = fe->pos;
    if (be != fe)
        imp_remark(b->cfg, CFG_REMARK_PROXY, px->name,
                   "From frontend %s (%s:%u) and backend %s (line %u).", fe->name, fe->pos.file,
                   (unsigned)fe->pos.line, be->name, (unsigned)be->pos.line);
    limits(b, px, fe, be);
    timeouts(b, px, fe, be);
    build_check(b, px, be);
    servers(b, px, be);
}

/* The backend of frontend/listen fe, or NULL (reported). */
static const struct hap_px *backend_of(struct bctx *b, const struct hap_px *fe)
{
    const struct hap_px *be;
    const char *best;

    if (!fe->backend) {
        if (fe->kind == HS_LISTEN)
            return fe;
        berr(b, &fe->pos, "frontend '%s' has no backend (default_backend or use_backend)",
             fe->name);
        return NULL;
    }
    if ((be = find_backend(b->f, fe->backend)))
        return be;
    if ((best = suggest_backend(b->f, fe->backend)))
        berr(b, &fe->at.backend, "backend '%s' is not defined (did you mean '%s'?)", fe->backend,
             best);
    else
        berr(b, &fe->at.backend, "backend '%s' is not defined", fe->backend);
    return NULL;
}

/* A frontend/listen that becomes a proxy: mode tcp, binds, servers. */
static bool usable(struct bctx *b, const struct hap_px *fe, const struct hap_px *be)
{
    const struct hap_px *http = fe->mode == HM_HTTP ? fe : be && be->mode == HM_HTTP ? be : NULL;

    if (http && (!be || be == fe) && !fe->nservers) {
        bwarn(b, &fe->pos,
              "%s '%s' is in mode http without servers (a stats page?): not supported; "
              "skipped ("
              "metrics_listen in global_defs serves Prometheus /metrics and a status page at /)",
              kind_name(fe->kind), fe->name);
        return false;
    }
    if (http) {
        berr(b, &http->at.mode,
             "mode http is not supported (%s '%s'): haplane is a TCP (layer 4) proxy; use mode "
             "tcp",
             kind_name(http->kind), http->name);
        return false;
    }
    if (!be)
        return false;
    if (!fe->nbinds) {
        berr(b, &fe->pos, "%s '%s' has no bind", kind_name(fe->kind), fe->name);
        return false;
    }
    if (!be->nservers) {
        berr(b, &be->pos, "%s '%s' has no server", kind_name(be->kind), be->name);
        return false;
    }
    return true;
}

size_t hap_build(struct cfg *cfg, const struct hap_file *f, struct cfg_diags *d)
{
    struct bctx b = {.cfg = cfg, .f = f, .d = d};
    bool *used = calloc(f->npx + 1, sizeof(bool));

    if (!used) {
        berr(&b, NULL, "out of memory");
        return b.nerr;
    }
    for (size_t i = 0; i < f->npx; i++) {
        const struct hap_px *fe = &f->px[i], *be;

        if (fe->kind != HS_FRONTEND && fe->kind != HS_LISTEN)
            continue;
        if (fe->disabled) {
            bwarn(&b, &fe->at.disabled, "%s '%s' is disabled; skipped", kind_name(fe->kind),
                  fe->name);
            continue;
        }
        be = backend_of(&b, fe);
        if (be)
            used[be - f->px] = true;
        if (usable(&b, fe, be))
            build(&b, fe, be);
    }
    for (size_t i = 0; i < f->npx; i++)
        if (f->px[i].kind == HS_BACKEND && !used[i])
            bwarn(&b, &f->px[i].pos, "backend '%s' is not used by any frontend; ignored",
                  f->px[i].name);
    free(used);
    return b.nerr;
}
