/* parse_proxy: the directive table of `proxy NAME { ... }` (haplane's TCP
 * load balancer: binds, balancing, timeouts, health check, servers).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf-int.h"

#define PX   struct cfg_proxy
#define SEC  1000
#define HOUR (3600 * SEC)
#define DAY  (24 * (uint64_t)HOUR)

/* Word options after positional arguments: "NAME VALUE" pairs and flags. */
struct opt {
    const char *name;
    bool has_value;
};

/* Look t up in opts; unknown ones are reported (with a suggestion) as
 * "unknown WHAT 'x'". Returns the index, or -1. */
static int find_opt(struct cfg_ctx *cx, const struct cfg_tok *t, const char *what,
                    const struct opt *opts, size_t n)
{
    struct cfg_suggest sg;

    for (size_t i = 0; i < n; i++)
        if (!strcmp(t->s, opts[i].name))
            return (int)i;
    cfg_suggest_init(&sg, t->s);
    for (size_t i = 0; i < n; i++)
        cfg_suggest_try(&sg, opts[i].name);
    if (sg.best)
        return cfg_err(cx, t, "unknown %s '%.80s' (did you mean '%s'?)", what, t->s, sg.best);
    return cfg_err(cx, t, "unknown %s '%.80s'", what, t->s);
}

static int h_bind(struct cfg_ctx *cx, struct cfg_stmt *st, void *obj)
{
    PX *px = obj;
    struct cfg_endpoint e;
    struct cfg_bind *b;
    char err[96];

    if (cfg_parse_endpoint(st->arg->s, 0, &e, err, sizeof(err)) < 0)
        return cfg_err(cx, st->arg, "invalid bind '%.80s': %s", st->arg->s, err);
    b = cfg_vec_push(&px->binds, &px->nbinds, sizeof(*b));
    if (!b)
        return cfg_oom(cx);
    b->pos = cfg_tok_pos(cx, st->arg);
    b->addr = e;
    return 0;
}

/* timeout connect|hedge|idle|drain|check|silent DURATION (hedge 0: off) */
static int h_timeout(struct cfg_ctx *cx, struct cfg_stmt *st, void *obj)
{
    static const struct opt kinds[] = {
        {"connect", 1}, {"hedge", 1}, {"idle", 1}, {"drain", 1}, {"check", 1}, {"silent", 1}};
    PX *px = obj;
    struct cfg_pos *at[] = {&px->at.connect_timeout, &px->at.hedge_timeout, &px->at.idle_timeout,
                            &px->at.drain_timeout,   &px->check.at.timeout, &px->at.silent_timeout};
    uint64_t *val[] = {&px->connect_timeout_ms, &px->hedge_timeout_ms, &px->idle_timeout_ms,
                       &px->drain_timeout_ms,   &px->check.timeout_ms, &px->silent_timeout_ms};
    const uint64_t min[] = {1, 0, SEC, 0, 1, 2 * SEC}, max[] = {HOUR, HOUR, 30 * DAY, HOUR, HOUR,
                                                                 HOUR};
    char what[32];
    int k = find_opt(cx, &st->arg[0], "timeout", kinds, CFG_NELEM(kinds));

    if (k < 0)
        return -1;
    if (at[k]->line)
        cfg_warn(cx, st->kw, "'timeout %s' overrides an earlier one at line %u", kinds[k].name,
                 (unsigned)at[k]->line);
    *at[k] = cfg_tok_pos(cx, &st->arg[1]);
    snprintf(what, sizeof(what), "timeout %s", kinds[k].name);
    return cfg_arg_dur(cx, &st->arg[1], what, min[k], max[k], val[k]);
}

/* auto (stored as 0) or a number in [min, max]. */
static int auto_or_uint(struct cfg_ctx *cx, struct cfg_stmt *st, uint32_t min, uint32_t max,
                        uint32_t *dst)
{
    if (!strcmp(st->arg->s, "auto")) {
        *dst = 0;
        return 0;
    }
    return cfg_arg_uint(cx, st->arg, st->dir->name, min, max, dst);
}

/* maxconn auto|N: 0 is auto too (limited by the fd limit only). */
static int h_maxconn(struct cfg_ctx *cx, struct cfg_stmt *st, void *obj)
{
    return auto_or_uint(cx, st, 0, 10000000, &((PX *)obj)->maxconn);
}

static int h_workers(struct cfg_ctx *cx, struct cfg_stmt *st, void *obj)
{
    return auto_or_uint(cx, st, 1, 256, &((PX *)obj)->workers);
}

/* ---- check ---------------------------------------------------------------- */

enum {
    O_EXPECT,
    O_INTERVAL,
    O_FAST,
    O_TIMEOUT,
    O_FALL,
    O_RISE,
    O_JITTER,
    O_VERIFY,
    O_CA,
    O_CERT,
    O_KEY,
    O_SNI,
    O_COUNT
};

static const struct opt check_opts[] = {
    {"expect", 1}, {"interval", 1}, {"fast_interval", 1}, {"timeout", 1}, {"fall", 1}, {"rise", 1},
    {"jitter", 1}, {"verify", 1},   {"ca", 1},            {"cert", 1},    {"key", 1}, {"sni", 1},
};

/* One "NAME VALUE" check option; o is its index in check_opts. */
static int check_opt(struct cfg_ctx *cx, struct cfg_check *c, int o, const struct cfg_tok *v)
{
    static const char *const verify[] = {"none", "required"};
    uint32_t u;

    switch (o) {
    case O_EXPECT:
        if (cfg_arg_uint(cx, v, "check expect", 100, 599, &u) < 0)
            return -1;
        c->expect = (uint16_t)u;
        return 0;
    case O_INTERVAL:
        return cfg_arg_dur(cx, v, "check interval", 10, DAY, &c->interval_ms);
    case O_FAST:
        return cfg_arg_dur(cx, v, "check fast_interval", 10, DAY, &c->fast_interval_ms);
    case O_TIMEOUT:
        return cfg_arg_dur(cx, v, "check timeout", 1, HOUR, &c->timeout_ms);
    case O_FALL:
        return cfg_arg_uint(cx, v, "check fall", 1, 1000, &c->fall);
    case O_RISE:
        return cfg_arg_uint(cx, v, "check rise", 1, 1000, &c->rise);
    case O_JITTER: {
        /* N or N%: each interval is drawn from interval +- N % */
        struct cfg_tok t = *v;
        char num[16];
        if (t.len > 0 && t.len < sizeof(num) && t.s[t.len - 1] == '%') {
            memcpy(num, t.s, t.len - 1);
            num[t.len - 1] = 0;
            t.s = num;
            t.len--;
        }
        return cfg_arg_uint(cx, &t, "check jitter (percent)", 0, CFG_CHECK_JITTER_MAX,
                            &c->jitter_pct);
    }
    case O_VERIFY:
        return cfg_arg_enum(cx, v, "verify", verify, 2, (int *)&c->verify);
    case O_CA:
        return cfg_arg_str(cx, v, &c->ca);
    case O_CERT:
        return cfg_arg_str(cx, v, &c->cert);
    case O_KEY:
        return cfg_arg_str(cx, v, &c->key);
    default:
        if (!cfg_valid_sni(v->s)) {
            char q[400];
            return cfg_err(cx, v, "invalid sni '%s': not a host name",
                           cfg_quote(v->s, q, sizeof(q)));
        }
        return cfg_arg_str(cx, v, &c->sni);
    }
}

static struct cfg_pos *check_at(struct cfg_check *c, int o)
{
    struct cfg_pos *at[O_COUNT] = {&c->at.expect, &c->at.interval, &c->at.fast_interval,
                                   &c->at.timeout, &c->at.fall,     &c->at.rise,
                                   &c->at.jitter,  &c->at.verify,   &c->at.ca,
                                   &c->at.cert,    &c->at.key,      &c->at.sni};
    return at[o];
}

/* METHOD PATH of an http(s) check. */
static int check_request(struct cfg_ctx *cx, struct cfg_check *c, const struct cfg_tok *t)
{
    size_t n = t[0].len;

    for (size_t i = 0; i < n; i++)
        if (!isupper((unsigned char)t[0].s[i]))
            n = 0;
    if (n == 0 || n > 16)
        return cfg_err(cx, &t[0], "invalid check method '%.80s': expected GET, HEAD, ...", t[0].s);
    if (t[1].s[0] != '/' || strpbrk(t[1].s, " \t\r\n"))
        return cfg_err(cx, &t[1], "invalid check path '%.80s': must start with '/'", t[1].s);
    if (cfg_arg_str(cx, &t[0], &c->method) < 0)
        return -1;
    c->at.path = cfg_tok_pos(cx, &t[1]);
    return cfg_arg_str(cx, &t[1], &c->path);
}

/* A check line replaces an earlier one entirely, except for the timeout,
 * which `timeout check` sets too. */
static void check_reset(struct cfg_check *c)
{
    uint64_t timeout = c->timeout_ms;
    struct cfg_pos at = c->at.timeout;

    cfg_check_free(c);
    cfg_check_defaults(c);
    c->timeout_ms = timeout;
    c->at.timeout = at;
}

/* check tcp|none|http METHOD PATH|https METHOD PATH [NAME VALUE]... */
static int h_check(struct cfg_ctx *cx, struct cfg_stmt *st, void *obj)
{
    static const char *const kinds[] = {"tcp", "http", "https", "none"};
    struct cfg_check *c = &((PX *)obj)->check;
    size_t i = 1;
    int kind;

    if (cfg_arg_enum(cx, st->arg, "check", kinds, CFG_NELEM(kinds), &kind) < 0)
        return -1;
    check_reset(c);
    c->kind = (enum cfg_check_kind)kind;
    c->at.kind = cfg_tok_pos(cx, st->arg);
    if (kind == CFG_CHECK_HTTP || kind == CFG_CHECK_HTTPS) {
        if (st->nargs < 3)
            return cfg_err(cx, &st->arg[st->nargs - 1], "missing %s after 'check %s'",
                           st->nargs == 1 ? "METHOD PATH" : "PATH", kinds[kind]);
        if (check_request(cx, c, &st->arg[1]) < 0)
            return -1;
        i = 3;
    }
    for (; i < st->nargs; i += 2) {
        const struct cfg_tok *t = &st->arg[i];
        int o = find_opt(cx, t, "check option", check_opts, CFG_NELEM(check_opts));

        if (o < 0)
            return -1;
        if (kind == CFG_CHECK_NONE || (o == O_EXPECT && kind == CFG_CHECK_TCP) ||
            (o >= O_VERIFY && kind != CFG_CHECK_HTTPS))
            return cfg_err(cx, t, "'%s' does not apply to 'check %s'", t->s, kinds[kind]);
        if (i + 1 == st->nargs)
            return cfg_err(cx, t, "missing value after '%s'", t->s);
        if (check_opt(cx, c, o, t + 1) < 0)
            return -1;
        *check_at(c, o) = cfg_tok_pos(cx, t + 1);
    }
    return 0;
}

/* ---- server ----------------------------------------------------------------- */

/* server NAME HOST:PORT [weight N] [backup] [drain] [check on|off] */
static int server_opts(struct cfg_ctx *cx, struct cfg_stmt *st, struct cfg_server *sv)
{
    static const struct opt opts[] = {{"weight", 1}, {"backup", 0}, {"drain", 0}, {"check", 1}};

    for (size_t i = 2; i < st->nargs; i++) {
        const struct cfg_tok *t = &st->arg[i];
        int o = find_opt(cx, t, "server option", opts, CFG_NELEM(opts));

        if (o < 0)
            return -1;
        if (opts[o].has_value && i + 1 == st->nargs)
            return cfg_err(cx, t, "missing value after '%s'", t->s);
        if (o == 0 && cfg_arg_uint(cx, t + 1, "server weight", 0, 256, &sv->weight) < 0)
            return -1;
        if (o == 3 && cfg_arg_bool(cx, t + 1, "server check", &sv->check) < 0)
            return -1;
        if (o == 1)
            sv->backup = true;
        if (o == 2)
            sv->drain = true;
        i += opts[o].has_value;
    }
    return 0;
}

static int h_server(struct cfg_ctx *cx, struct cfg_stmt *st, void *obj)
{
    PX *px = obj;
    struct cfg_server sv = {.pos = cfg_tok_pos(cx, &st->arg[0])}, *slot;
    char err[96];

    cfg_server_defaults(&sv);
    if (cfg_parse_endpoint(st->arg[1].s, 1, &sv.addr, err, sizeof(err)) < 0)
        return cfg_err(cx, &st->arg[1], "invalid server address '%.80s': %s", st->arg[1].s, err);
    sv.addr_pos = cfg_tok_pos(cx, &st->arg[1]);
    if (server_opts(cx, st, &sv) < 0 || cfg_arg_str(cx, &st->arg[0], &sv.name) < 0)
        goto fail;
    slot = cfg_vec_push(&px->servers, &px->nservers, sizeof(*slot));
    if (!slot) {
        cfg_oom(cx);
        goto fail;
    }
    *slot = sv;
    return 0;
fail:
    free(sv.name);
    cfg_endpoint_free(&sv.addr);
    return -1;
}

static const char *const balances[] = {"roundrobin", "leastconn", "source"};
static const char *const relays[] = {"splice", "copy"};

static const struct cfg_directive proxy_dirs[] = {
    CFG_DIRN("bind", 1, 1, CFG_BLK_NO, h_bind),
    CFG_ENUM("balance", PX, balance, at.balance, balances),
    CFG_DIRN("timeout", 2, 2, CFG_BLK_NO, h_timeout),
    CFG_VAL("retries", PX, CFG_V_U32, retries, at.retries, 0, 100),
    CFG_DIR("maxconn", 1, 1, CFG_BLK_NO, h_maxconn, PX, at.maxconn),
    CFG_DIR("workers", 1, 1, CFG_BLK_NO, h_workers, PX, at.workers),
    CFG_ENUM("relay", PX, relay, at.relay, relays),
    CFG_VAL("backlog", PX, CFG_V_U32, backlog, at.backlog, 1, 1000000),
    CFG_VAL("keepalive", PX, CFG_V_BOOL, keepalive, at.keepalive, 0, 0),
    CFG_VAL("nodelay", PX, CFG_V_BOOL, nodelay, at.nodelay, 0, 0),
    CFG_DIR("check", 1, CFG_ARGS_ANY, CFG_BLK_NO, h_check, PX, at.check),
    CFG_DIRN("server", 2, CFG_ARGS_ANY, CFG_BLK_NO, h_server),
};

const struct cfg_block cfg_blk_proxy = {"proxy", proxy_dirs, CFG_NELEM(proxy_dirs), NULL, NULL};
