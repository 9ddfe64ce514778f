/* parse_vrrp: directive tables of global_defs, vrrp_script and
 * vrrp_instance (keepalived's syntax and meaning, plus haplane's additions:
 * realtime, mlockall, track_proxy, quorum, fence, track_etcd, vip_lifetime).
 *
 * Only syntax and single-value ranges are checked here; rules that involve
 * several values (advert_int for the version, families, references) belong to
 * validate.c.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "conf/conf-int.h"

#define SEC(n) ((int64_t)(n)*1000)
#define HOUR   SEC(3600)
#define DAY    (24 * HOUR)

/* ---- global_defs -------------------------------------------------------- */

static int h_script_user(struct cfg_ctx *cx, struct cfg_stmt *st, void *obj)
{
    struct cfg_global *g = obj;

    if (cfg_arg_str(cx, &st->arg[0], &g->script_user) < 0)
        return -1;
    free(g->script_group);
    g->script_group = NULL;
    return st->nargs > 1 ? cfg_arg_str(cx, &st->arg[1], &g->script_group) : 0;
}

/* run_as USER [GROUP]: haplane's own (keepalived has no such keyword). */
static int h_run_as(struct cfg_ctx *cx, struct cfg_stmt *st, void *obj)
{
    struct cfg_global *g = obj;

    if (cfg_arg_str(cx, &st->arg[0], &g->run_as) < 0)
        return -1;
    free(g->run_as_group);
    g->run_as_group = NULL;
    return st->nargs > 1 ? cfg_arg_str(cx, &st->arg[1], &g->run_as_group) : 0;
}

/* A keepalived flag that also takes on|off: `nopreempt`, `preempt off`. */
static int flag(struct cfg_ctx *cx, struct cfg_stmt *st, bool *dst)
{
    if (st->nargs == 0) {
        *dst = true;
        return 0;
    }
    return cfg_arg_bool(cx, st->arg, st->dir->name, dst);
}

static int h_script_security(struct cfg_ctx *cx, struct cfg_stmt *st, void *obj)
{
    return flag(cx, st, &((struct cfg_global *)obj)->enable_script_security);
}

static int mcast_group(struct cfg_ctx *cx, struct cfg_stmt *st, int family, struct cfg_addr *dst)
{
    struct cfg_addr a;
    bool mcast;

    if (cfg_arg_addr(cx, st->arg, st->dir->name, 0, &a) < 0)
        return -1;
    if (a.family == AF_INET)
        mcast = (ntohl(a.u.v4.s_addr) >> 28) == 0xe;
    else
        mcast = a.u.v6.s6_addr[0] == 0xff;
    if (a.family != family || !mcast)
        return cfg_err(cx, st->arg, "invalid %s '%.80s': not an %s multicast address",
                       st->dir->name, st->arg->s, family == AF_INET ? "IPv4" : "IPv6");
    *dst = a;
    return 0;
}

static int h_mcast4(struct cfg_ctx *cx, struct cfg_stmt *st, void *obj)
{
    return mcast_group(cx, st, AF_INET, &((struct cfg_global *)obj)->mcast_group4);
}

static int h_mcast6(struct cfg_ctx *cx, struct cfg_stmt *st, void *obj)
{
    return mcast_group(cx, st, AF_INET6, &((struct cfg_global *)obj)->mcast_group6);
}

/* metrics_listen ADDR:PORT | *:PORT: an address, never a name (it is bound
 * at start, before anything could resolve it). */
static int h_metrics_listen(struct cfg_ctx *cx, struct cfg_stmt *st, void *obj)
{
    struct cfg_global *g = obj;
    struct cfg_endpoint e;
    char err[96];

    if (cfg_parse_endpoint(st->arg->s, 0, &e, err, sizeof(err)) < 0)
        return cfg_err(cx, st->arg, "invalid metrics_listen '%.80s': %s", st->arg->s, err);
    g->metrics_listen = e;
    return 0;
}

#define G struct cfg_global
static const struct cfg_directive global_dirs[] = {
    CFG_VAL("router_id", G, CFG_V_STR, router_id, at.router_id, 0, 0),
    CFG_DIR("script_user", 1, 2, CFG_BLK_NO, h_script_user, G, at.script_user),
    CFG_DIR("enable_script_security", 0, 1, CFG_BLK_NO, h_script_security, G,
            at.enable_script_security),
    CFG_VAL("vrrp_version", G, CFG_V_U8, vrrp_version, at.vrrp_version, 2, 3),
    CFG_VAL("vrrp_garp_master_repeat", G, CFG_V_U32, garp_master_repeat, at.garp_master_repeat, 1,
            255),
    CFG_VAL("vrrp_garp_master_delay", G, CFG_V_DUR, garp_master_delay_ms, at.garp_master_delay, 0,
            HOUR),
    CFG_VAL("vrrp_garp_master_refresh", G, CFG_V_DUR_OFF, garp_master_refresh_ms,
            at.garp_master_refresh, 0, DAY),
    CFG_VAL("vrrp_garp_master_refresh_repeat", G, CFG_V_U32, garp_master_refresh_repeat,
            at.garp_master_refresh_repeat, 1, 255),
    CFG_VAL("vrrp_garp_interval", G, CFG_V_DUR, garp_interval_ms, at.garp_interval, 0, SEC(1)),
    CFG_VAL("vrrp_gna_interval", G, CFG_V_DUR, gna_interval_ms, at.gna_interval, 0, SEC(1)),
    CFG_DIR("vrrp_mcast_group4", 1, 1, CFG_BLK_NO, h_mcast4, G, at.mcast_group4),
    CFG_DIR("vrrp_mcast_group6", 1, 1, CFG_BLK_NO, h_mcast6, G, at.mcast_group6),
    CFG_VAL("realtime", G, CFG_V_BOOL, realtime, at.realtime, 0, 0),
    CFG_VAL("mlockall", G, CFG_V_BOOL, mlockall, at.mlockall, 0, 0),
    CFG_VAL("quorum_port", G, CFG_V_U32, quorum_port, at.quorum_port, 1, 65535),
    CFG_VAL("quorum_key", G, CFG_V_STR, quorum_key, at.quorum_key, 0, 0),
    CFG_VAL("failover_reset_rate", G, CFG_V_U32, failover_reset_rate, at.failover_reset_rate, 1,
            1000000),
    CFG_DIR("metrics_listen", 1, 1, CFG_BLK_NO, h_metrics_listen, G, at.metrics_listen),
    CFG_DIR("run_as", 1, 2, CFG_BLK_NO, h_run_as, G, at.run_as),
};
#undef G

const struct cfg_block cfg_blk_global = {"global_defs", global_dirs, CFG_NELEM(global_dirs), NULL,
                                         NULL};

/* ---- vrrp_script -------------------------------------------------------- */

static int h_script_cmd(struct cfg_ctx *cx, struct cfg_stmt *st, void *obj)
{
    return cfg_arg_cmd(cx, st->arg, st->nargs, &((struct cfg_vrrp_script *)obj)->cmd);
}

/* user USER [GROUP] */
static int cmd_user(struct cfg_ctx *cx, const struct cfg_tok *t, size_t n, struct cfg_cmd *c)
{
    if (cfg_arg_str(cx, &t[0], &c->user) < 0)
        return -1;
    free(c->group);
    c->group = NULL;
    return n > 1 ? cfg_arg_str(cx, &t[1], &c->group) : 0;
}

static int h_script_run_as(struct cfg_ctx *cx, struct cfg_stmt *st, void *obj)
{
    return cmd_user(cx, st->arg, st->nargs, &((struct cfg_vrrp_script *)obj)->cmd);
}

#define S struct cfg_vrrp_script
static const struct cfg_directive script_dirs[] = {
    CFG_DIR("script", 1, CFG_ARGS_ANY, CFG_BLK_NO, h_script_cmd, S, at.script),
    CFG_VAL("interval", S, CFG_V_DUR, interval_ms, at.interval, 10, DAY),
    CFG_VAL("timeout", S, CFG_V_DUR, timeout_ms, at.timeout, 10, DAY),
    CFG_VAL("weight", S, CFG_V_I32, weight, at.weight, -253, 253),
    CFG_VAL("fall", S, CFG_V_U32, fall, at.fall, 1, 1000),
    CFG_VAL("rise", S, CFG_V_U32, rise, at.rise, 1, 1000),
    CFG_DIR("user", 1, 2, CFG_BLK_NO, h_script_run_as, S, at.user),
};
#undef S

const struct cfg_block cfg_blk_vrrp_script = {"vrrp_script", script_dirs, CFG_NELEM(script_dirs),
                                              NULL, NULL};

/* ---- vrrp_instance: lists ------------------------------------------------ */

#define VI struct cfg_vrrp_instance

static void mark(struct cfg_ctx *cx, struct cfg_pos *at, const struct cfg_tok *t)
{
    if (!at->line)
        *at = cfg_tok_pos(cx, t);
}

/* `min_ttl N` / `max_ttl N` after a peer's address (tokens t[0], t[1]).
 * Returns 1 when t[0] is one of them (consumed with its value), 0 if not. */
static int peer_ttl_opt(struct cfg_ctx *cx, const struct cfg_tok *t, size_t left,
                        struct cfg_peer *p)
{
    bool min = !strcmp(t->s, "min_ttl");
    uint32_t v;

    if (!min && strcmp(t->s, "max_ttl"))
        return 0;
    if (!p)
        cfg_err(cx, t, "'%s' must follow a unicast_peer address", t->s);
    else if (left < 2)
        cfg_err(cx, t, "missing value after '%s'", t->s);
    else if (cfg_arg_uint(cx, t + 1, t->s, 1, 255, &v) == 0)
        *(min ? &p->min_ttl : &p->max_ttl) = (uint8_t)v;
    return 1;
}

/* unicast_peer line: one or more addresses, each optionally followed by
 * `min_ttl N` and `max_ttl N` (keepalived's per-peer TTL range). */
static int peer_line(struct cfg_ctx *cx, struct cfg_stmt *st, void *obj)
{
    VI *vi = obj;
    struct cfg_tok *tok = malloc((st->nargs + 1) * sizeof(*tok));
    struct cfg_peer *p = NULL;
    size_t n = st->nargs + 1;

    if (!tok)
        return cfg_oom(cx);
    tok[0] = *st->kw;
    for (size_t i = 0; i < st->nargs; i++)
        tok[i + 1] = st->arg[i];
    for (size_t i = 0; i < n; i++) {
        struct cfg_addr a;

        if (peer_ttl_opt(cx, &tok[i], n - i, p)) {
            i++;
            continue;
        }
        p = NULL;
        if (cfg_arg_addr(cx, &tok[i], "unicast_peer", 0, &a) < 0)
            continue;
        p = cfg_vec_push(&vi->peers, &vi->npeers, sizeof(*p));
        if (!p) {
            free(tok);
            return cfg_oom(cx);
        }
        p->pos = cfg_tok_pos(cx, &tok[i]);
        p->addr = a;
    }
    free(tok);
    return 0;
}

const struct cfg_block cfg_blk_peers = {"unicast_peer", NULL, 0, peer_line, NULL};

/* virtual_ipaddress line: ADDR[/PFX] [dev IF] [label LABEL] */
static int vip_line(struct cfg_ctx *cx, struct cfg_stmt *st, void *obj)
{
    static const char *const opts[] = {"dev", "label"};
    struct cfg_vip v = {.pos = cfg_tok_pos(cx, st->kw)}, *slot;
    VI *vi = obj;
    int r = cfg_arg_addr(cx, st->kw, "virtual_ipaddress", 1, &v.addr);

    for (size_t i = 0; i < st->nargs && r == 0; i += 2) {
        const struct cfg_tok *o = &st->arg[i];
        struct cfg_suggest sg;

        if (i + 1 == st->nargs && (!strcmp(o->s, opts[0]) || !strcmp(o->s, opts[1])))
            r = cfg_err(cx, o, "missing value after '%s'", o->s);
        else if (!strcmp(o->s, "dev"))
            r = cfg_arg_ifname(cx, o + 1, &v.dev);
        else if (!strcmp(o->s, "label"))
            r = cfg_arg_str(cx, o + 1, &v.label);
        else {
            cfg_suggest_init(&sg, o->s);
            cfg_suggest_try(&sg, opts[0]);
            cfg_suggest_try(&sg, opts[1]);
            if (sg.best)
                r = cfg_err(cx, o, "unknown virtual_ipaddress option '%.80s' (did you mean '%s'?)",
                            o->s, sg.best);
            else
                r = cfg_err(cx, o,
                            "unknown virtual_ipaddress option '%.80s' (expected dev or label)",
                            o->s);
        }
    }
    if (r == 0 && (slot = cfg_vec_push(&vi->vips, &vi->nvips, sizeof(*slot))))
        *slot = v;
    else {
        free(v.dev);
        free(v.label);
        if (r == 0)
            return cfg_oom(cx);
    }
    return r;
}

const struct cfg_block cfg_blk_vips = {"virtual_ipaddress", NULL, 0, vip_line, NULL};

/* Track lines: NAME [weight W]. */
static int track_line(struct cfg_ctx *cx, struct cfg_stmt *st, struct cfg_track **arr, size_t *n,
                      bool ifname)
{
    struct cfg_track t = {.pos = cfg_tok_pos(cx, st->kw), .ref = SIZE_MAX}, *slot;
    int r = 0;

    if (st->nargs && strcmp(st->arg[0].s, "weight"))
        return cfg_err(cx, &st->arg[0], "unexpected '%.80s' (expected NAME [weight W])",
                       st->arg[0].s);
    if (st->nargs == 1)
        return cfg_err(cx, &st->arg[0], "missing value after 'weight'");
    if (st->nargs > 2)
        return cfg_err(cx, &st->arg[2], "unexpected '%.80s' (expected NAME [weight W])",
                       st->arg[2].s);
    if (st->nargs == 2) {
        r = cfg_arg_int(cx, &st->arg[1], "weight", -253, 253, &t.weight);
        t.has_weight = true;
        t.weight_pos = cfg_tok_pos(cx, &st->arg[1]);
    }
    if (r == 0)
        r = ifname ? cfg_arg_ifname(cx, st->kw, &t.name) : cfg_arg_str(cx, st->kw, &t.name);
    if (r < 0)
        return -1;
    slot = cfg_vec_push(arr, n, sizeof(*slot));
    if (!slot) {
        free(t.name);
        return cfg_oom(cx);
    }
    *slot = t;
    return 0;
}

static int track_script_line(struct cfg_ctx *cx, struct cfg_stmt *st, void *obj)
{
    VI *vi = obj;
    return track_line(cx, st, &vi->track_scripts, &vi->ntrack_scripts, false);
}

static int track_if_line(struct cfg_ctx *cx, struct cfg_stmt *st, void *obj)
{
    VI *vi = obj;
    return track_line(cx, st, &vi->track_ifs, &vi->ntrack_ifs, true);
}

static int track_proxy_line(struct cfg_ctx *cx, struct cfg_stmt *st, void *obj)
{
    VI *vi = obj;
    return track_line(cx, st, &vi->track_proxies, &vi->ntrack_proxies, false);
}

const struct cfg_block cfg_blk_track_script = {"track_script", NULL, 0, track_script_line, NULL};
const struct cfg_block cfg_blk_track_if = {"track_interface", NULL, 0, track_if_line, NULL};
static const struct cfg_block blk_track_proxy = {"track_proxy", NULL, 0, track_proxy_line, NULL};

static int h_peers(struct cfg_ctx *cx, struct cfg_stmt *st, void *obj)
{
    mark(cx, &((VI *)obj)->at.peers, st->kw);
    return cfg_parse_list(cx, st, &cfg_blk_peers, obj);
}

static int h_vips(struct cfg_ctx *cx, struct cfg_stmt *st, void *obj)
{
    mark(cx, &((VI *)obj)->at.vips, st->kw);
    return cfg_parse_list(cx, st, &cfg_blk_vips, obj);
}

static int h_track_script(struct cfg_ctx *cx, struct cfg_stmt *st, void *obj)
{
    return cfg_parse_list(cx, st, &cfg_blk_track_script, obj);
}

static int h_track_if(struct cfg_ctx *cx, struct cfg_stmt *st, void *obj)
{
    return cfg_parse_list(cx, st, &cfg_blk_track_if, obj);
}

static int h_track_proxy(struct cfg_ctx *cx, struct cfg_stmt *st, void *obj)
{
    return cfg_parse_list(cx, st, &blk_track_proxy, obj);
}

/* ---- vrrp_instance: values ----------------------------------------------- */

static int h_src_ip(struct cfg_ctx *cx, struct cfg_stmt *st, void *obj)
{
    return cfg_arg_addr(cx, st->arg, st->dir->name, 0, &((VI *)obj)->src_ip);
}

static int h_nopreempt(struct cfg_ctx *cx, struct cfg_stmt *st, void *obj)
{
    ((VI *)obj)->preempt = false;
    return 0;
}

static int h_preempt(struct cfg_ctx *cx, struct cfg_stmt *st, void *obj)
{
    return flag(cx, st, &((VI *)obj)->preempt);
}

/* notify_* "cmd args" [USER [GROUP]] (keepalived). */
static int h_notify(struct cfg_ctx *cx, struct cfg_stmt *st, void *obj)
{
    struct cfg_cmd *c = (struct cfg_cmd *)((char *)obj + st->dir->off);

    if (cfg_arg_cmd(cx, st->arg, 1, c) < 0)
        return -1;
    free(c->user);
    c->user = NULL;
    free(c->group);
    c->group = NULL;
    return st->nargs > 1 ? cmd_user(cx, st->arg + 1, st->nargs - 1, c) : 0;
}

/* vip_lifetime off | auto | DURATION (whole seconds: the kernel counts
 * address lifetimes in seconds). */
static int h_vip_lifetime(struct cfg_ctx *cx, struct cfg_stmt *st, void *obj)
{
    VI *vi = obj;
    uint64_t ms;

    if (!strcmp(st->arg->s, "off")) {
        vi->vip_lifetime_ms = CFG_LIFETIME_FOREVER;
        return 0;
    }
    if (!strcmp(st->arg->s, "auto")) {
        vi->vip_lifetime_ms = 0;
        return 0;
    }
    if (cfg_arg_dur(cx, st->arg, "vip_lifetime", SEC(1), DAY, &ms) < 0)
        return -1;
    if (ms % 1000)
        return cfg_err(cx, st->arg,
                       "invalid vip_lifetime '%.80s': must be whole seconds (the kernel counts "
                       "address lifetimes in seconds)",
                       st->arg->s);
    vi->vip_lifetime_ms = ms;
    return 0;
}

/* authentication { auth_type PASS|AH  auth_pass SECRET } (RFC 2338 5.3.6) */
static int h_auth_pass(struct cfg_ctx *cx, struct cfg_stmt *st, void *obj)
{
    VI *vi = obj;

    if (st->arg->len == 0)
        return cfg_err(cx, st->arg, "invalid auth_pass '': must not be empty");
    if (st->arg->len > 8)
        cfg_warn(cx, st->arg,
                 "auth_pass is longer than 8 characters; only '%.8s' is used (as "
                 "keepalived does)",
                 st->arg->s);
    memset(vi->auth_pass, 0, sizeof(vi->auth_pass));
    memcpy(vi->auth_pass, st->arg->s, st->arg->len > 8 ? 8 : st->arg->len);
    return 0;
}

static const char *const auth_types[] = {"NONE", "PASS", "AH"};

static const struct cfg_directive auth_dirs[] = {
    CFG_ENUM("auth_type", VI, auth_type, at.auth_type, auth_types),
    CFG_DIR("auth_pass", 1, 1, CFG_BLK_NO, h_auth_pass, VI, at.auth_pass),
};

static const struct cfg_block blk_auth = {"authentication", auth_dirs, CFG_NELEM(auth_dirs), NULL,
                                          NULL};

/* Several authentication blocks merge (keepalived), so no override
 * warning: the first one marks the position. */
static int h_auth(struct cfg_ctx *cx, struct cfg_stmt *st, void *obj)
{
    mark(cx, &((VI *)obj)->at.auth, st->kw);
    return cfg_parse_block(cx, st, &blk_auth, obj);
}

/* ---- fence etcd { ... } and track_etcd ----------------------------------- */

#define FE struct cfg_fence

/* endpoints URL... (several lines add up) */
static int h_fence_endpoints(struct cfg_ctx *cx, struct cfg_stmt *st, void *obj)
{
    FE *f = obj;
    mark(cx, &f->at.endpoints, st->kw);
    for (size_t i = 0; i < st->nargs; i++) {
        char **slot = cfg_vec_push(&f->endpoints, &f->nendpoints, sizeof(*slot));
        if (!slot)
            return cfg_oom(cx);
        if (cfg_arg_str(cx, &st->arg[i], slot) < 0)
            return -1;
    }
    return 0;
}

static const char *const etcd_loss[] = {"keep", "release"};

static const struct cfg_directive fence_dirs[] = {
    CFG_DIRN("endpoints", 1, CFG_ARGS_ANY, CFG_BLK_NO, h_fence_endpoints),
    CFG_VAL("cacert", FE, CFG_V_STR, cacert, at.cacert, 0, 0),
    CFG_VAL("cert", FE, CFG_V_STR, cert, at.cert, 0, 0),
    CFG_VAL("key", FE, CFG_V_STR, key, at.key, 0, 0),
    CFG_VAL("ttl", FE, CFG_V_DUR, ttl_ms, at.ttl, 1, HOUR),
    CFG_VAL("key_prefix", FE, CFG_V_STR, key_prefix, at.key_prefix, 0, 0),
    CFG_ENUM("on_etcd_loss", FE, on_loss, at.on_loss, etcd_loss),
};
#undef FE

static const struct cfg_block blk_fence = {"fence", fence_dirs, CFG_NELEM(fence_dirs), NULL, NULL};

/* fence etcd { ... }: etcd is the only kind of fence. */
static int h_fence(struct cfg_ctx *cx, struct cfg_stmt *st, void *obj)
{
    VI *vi = obj;
    if (strcmp(st->arg[0].s, "etcd"))
        return cfg_err(cx, &st->arg[0], "unknown fence '%.80s' (expected etcd)", st->arg[0].s);
    if (vi->fence.on)
        cfg_warn(cx, st->kw, "a second fence block adds to the first");
    vi->fence.on = true;
    mark(cx, &vi->fence.at.block, st->kw);
    if (!vi->fence.ttl_ms)
        vi->fence.ttl_ms = CFG_FENCE_TTL_MS;
    return cfg_parse_block(cx, st, &blk_fence, &vi->fence);
}

/* track_etcd URL [weight W] */
static int h_track_etcd(struct cfg_ctx *cx, struct cfg_stmt *st, void *obj)
{
    VI *vi = obj;
    if (st->nargs == 2 || (st->nargs == 3 && strcmp(st->arg[1].s, "weight")))
        return cfg_err(cx, &st->arg[1], "unexpected '%.80s' (expected URL [weight W])",
                       st->arg[1].s);
    if (st->nargs == 3 &&
        cfg_arg_int(cx, &st->arg[2], "weight", -253, 253, &vi->track_etcd_weight) < 0)
        return -1;
    free(vi->track_etcd);
    vi->track_etcd = NULL;
    return cfg_arg_str(cx, &st->arg[0], &vi->track_etcd);
}

static const char *const states[] = {"BACKUP", "MASTER"};

#define NOTIFY(nm, field)                                                                          \
    {                                                                                              \
        .name = nm, .min_args = 1, .max_args = 3, .fn = h_notify, .at = offsetof(VI, at.field),    \
        .off = offsetof(VI, field)                                                                 \
    }

static const struct cfg_directive instance_dirs[] = {
    CFG_ENUM("state", VI, state, at.state, states),
    CFG_VAL("interface", VI, CFG_V_IFNAME, interface, at.interface, 0, 0),
    CFG_VAL("virtual_router_id", VI, CFG_V_U8, vrid, at.vrid, 1, 255),
    CFG_VAL("priority", VI, CFG_V_U8, priority, at.priority, 1, 255),
    CFG_VAL("advert_int", VI, CFG_V_DUR, advert_int_ms, at.advert_int, 10, SEC(255)),
    CFG_VAL("version", VI, CFG_V_U8, version, at.version, 2, 3),
    CFG_DIRN("authentication", 0, 0, CFG_BLK_YES, h_auth),
    CFG_DIR("unicast_src_ip", 1, 1, CFG_BLK_NO, h_src_ip, VI, at.src_ip),
    CFG_DIR("mcast_src_ip", 1, 1, CFG_BLK_NO, h_src_ip, VI, at.src_ip),
    CFG_DIRN("unicast_peer", 1, CFG_ARGS_ANY, CFG_BLK_OPT, h_peers),
    CFG_DIRN("virtual_ipaddress", 1, 5, CFG_BLK_OPT, h_vips),
    CFG_DIR("nopreempt", 0, 0, CFG_BLK_NO, h_nopreempt, VI, at.preempt),
    CFG_DIR("preempt", 0, 1, CFG_BLK_NO, h_preempt, VI, at.preempt),
    CFG_VAL("preempt_delay", VI, CFG_V_DUR, preempt_delay_ms, at.preempt_delay, 0, SEC(1000)),
    CFG_DIRN("track_script", 1, 3, CFG_BLK_OPT, h_track_script),
    CFG_DIRN("track_interface", 1, 3, CFG_BLK_OPT, h_track_if),
    CFG_DIRN("track_proxy", 1, 3, CFG_BLK_OPT, h_track_proxy),
    CFG_VAL("quorum", VI, CFG_V_BOOL, quorum, at.quorum, 0, 0),
    CFG_VAL("cluster_size", VI, CFG_V_U32, cluster_size, at.cluster_size, 2, 255),
    CFG_VAL("failover_reset", VI, CFG_V_BOOL, failover_reset, at.failover_reset, 0, 0),
    CFG_DIRN("fence", 1, 1, CFG_BLK_YES, h_fence),
    CFG_DIR("track_etcd", 1, 3, CFG_BLK_NO, h_track_etcd, VI, at.track_etcd),
    NOTIFY("notify_master", notify_master),
    NOTIFY("notify_backup", notify_backup),
    NOTIFY("notify_fault", notify_fault),
    NOTIFY("notify_stop", notify_stop),
    NOTIFY("notify", notify),
    CFG_VAL("garp_master_delay", VI, CFG_V_DUR, garp_master_delay_ms, at.garp_master_delay, 0,
            HOUR),
    CFG_VAL("garp_master_repeat", VI, CFG_V_U32, garp_master_repeat, at.garp_master_repeat, 1, 255),
    CFG_VAL("garp_master_refresh", VI, CFG_V_DUR_OFF, garp_master_refresh_ms,
            at.garp_master_refresh, 0, DAY),
    CFG_VAL("garp_master_refresh_repeat", VI, CFG_V_U32, garp_master_refresh_repeat,
            at.garp_master_refresh_repeat, 1, 255),
    CFG_DIR("vip_lifetime", 1, 1, CFG_BLK_NO, h_vip_lifetime, VI, at.vip_lifetime),
};

const struct cfg_block cfg_blk_vrrp_instance = {"vrrp_instance", instance_dirs,
                                                CFG_NELEM(instance_dirs), NULL, NULL};
