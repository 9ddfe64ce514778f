/* validate: resolve defaults and references, then check the rules that
 * involve more than one value. One small validator per feature; each reports
 * at the position of the offending token.
 *
 * Runs only on a model that parsed without errors.
 */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "conf/conf-int.h"
#include "util/url.h"

struct vctx {
    struct cfg *cfg;
    struct cfg_diags *d;
    size_t max, nerr0;
    bool full; /* the error budget is spent */
};

__attribute__((format(printf, 4, 5))) static void
report(struct vctx *v, enum cfg_severity sev, const struct cfg_pos *pos, const char *fmt, ...)
{
    va_list ap;

    if (v->full)
        return;
    if (sev == CFG_SEV_ERROR && v->d->nerrors - v->nerr0 >= v->max) {
        cfg_diag_add(v->d, CFG_SEV_ERROR, pos, "too many errors (%zu), stopping here", v->max);
        v->full = true;
        return;
    }
    va_start(ap, fmt);
    cfg_diag_vadd(v->d, sev, pos, fmt, ap);
    va_end(ap);
}

#define verr(v, pos, ...)  report(v, CFG_SEV_ERROR, pos, __VA_ARGS__)
#define vwarn(v, pos, ...) report(v, CFG_SEV_WARNING, pos, __VA_ARGS__)

/* "line 12" when other is in here's file, else "file:12". */
static const char *where(const struct cfg_pos *other, const struct cfg_pos *here, char *buf,
                         size_t len)
{
    if (other->file == here->file)
        snprintf(buf, len, "line %u", (unsigned)other->line);
    else
        snprintf(buf, len, "%s:%u", other->file ? other->file : "?", (unsigned)other->line);
    return buf;
}

static const char *fam(int family)
{
    return family == AF_INET6 ? "IPv6" : "IPv4";
}

/* Report items of one array whose name repeats an earlier one. */
#define DUP_NAMES(v, arr, n, what)                                                                 \
    for (size_t i_ = 1; i_ < (n); i_++)                                                            \
        for (size_t j_ = 0; j_ < i_; j_++)                                                         \
            if (!strcmp((arr)[i_].name, (arr)[j_].name)) {                                         \
                char w_[300];                                                                      \
                verr(v, &(arr)[i_].pos, "%s '%s' is already defined at %s", what, (arr)[i_].name,  \
                     where(&(arr)[j_].pos, &(arr)[i_].pos, w_, sizeof(w_)));                       \
                break;                                                                             \
            }

/* ---- vrrp_script ---------------------------------------------------------- */

static void check_scripts(struct vctx *v)
{
    DUP_NAMES(v, v->cfg->scripts, v->cfg->nscripts, "vrrp_script");
    for (size_t i = 0; i < v->cfg->nscripts; i++) {
        struct cfg_vrrp_script *s = &v->cfg->scripts[i];

        if (!s->cmd.argc)
            verr(v, &s->pos, "vrrp_script '%s' has no script", s->name);
        if (!s->at.timeout.line)
            s->timeout_ms = s->interval_ms;
    }
}

/* Scripts nobody tracks (a duplicate name was reported already). */
static void check_unused_scripts(struct vctx *v)
{
    const struct cfg *cfg = v->cfg;

    for (size_t i = 0; i < cfg->nscripts; i++) {
        const struct cfg_vrrp_script *s = &cfg->scripts[i];
        const struct cfg_vrrp_script *first = cfg_find_script(cfg, s->name);

        if (!s->tracked && first == s)
            vwarn(v, &s->pos, "vrrp_script '%s' is not used by any track_script", s->name);
    }
}

/* ---- vrrp_instance ---------------------------------------------------------- */

/* Values not written in the instance come from global_defs; the priority
 * from the state (keepalived: MASTER without a priority is the owner). */
static void inherit(struct vctx *v, struct cfg_vrrp_instance *vi)
{
    const struct cfg_global *g = &v->cfg->global;

    if (!vi->at.version.line)
        vi->version = g->vrrp_version;
    if (!vi->at.garp_master_repeat.line)
        vi->garp_master_repeat = g->garp_master_repeat;
    if (!vi->at.garp_master_delay.line)
        vi->garp_master_delay_ms = g->garp_master_delay_ms;
    if (!vi->at.garp_master_refresh.line)
        vi->garp_master_refresh_ms = g->garp_master_refresh_ms;
    if (!vi->at.garp_master_refresh_repeat.line)
        vi->garp_master_refresh_repeat = g->garp_master_refresh_repeat;
    if (!vi->at.priority.line)
        vi->priority = vi->state == CFG_STATE_MASTER ? 255 : 100;
}

static bool check_required(struct vctx *v, const struct cfg_vrrp_instance *vi)
{
    const char *missing = !vi->interface ? "interface"
                          : !vi->vrid    ? "virtual_router_id"
                          : !vi->nvips   ? "virtual_ipaddress"
                                         : NULL;

    if (missing)
        verr(v, &vi->pos, "vrrp_instance '%s' has no %s", vi->name, missing);
    return !missing;
}

/* quorum counts self + unicast_peer, or cluster_size nodes with multicast
 * (the others are learnt from their announcements). */
static void check_quorum(struct vctx *v, const struct cfg_vrrp_instance *vi)
{
    size_t others = vi->npeers ? vi->npeers : vi->cluster_size ? vi->cluster_size - 1 : 0;

    if (vi->cluster_size && !vi->quorum)
        vwarn(v, &vi->at.cluster_size, "cluster_size counts only with quorum on; ignored");
    if (vi->cluster_size && vi->npeers && vi->cluster_size != vi->npeers + 1)
        verr(v, &vi->at.cluster_size,
             "cluster_size %u disagrees with the %zu unicast_peers (%zu nodes with this one)",
             vi->cluster_size, vi->npeers, vi->npeers + 1);
    else if (vi->quorum && !others)
        verr(v, &vi->at.quorum,
             "quorum needs the group: unicast_peer, or cluster_size N with multicast");
    else if (vi->quorum && others == 1 && !vi->fence.on)
        verr(v, &vi->at.quorum,
             "quorum with one %s: two nodes have no majority when they are cut apart "
             "(each sees 1 of 2, so neither could hold the VIP); add a third node, or a fence etcd "
             "to decide between the two",
             vi->npeers ? "unicast_peer" : "other node (cluster_size 2)");
}

/* The advert carries every VIP and must leave in one packet. */
static void check_advert_size(struct vctx *v, const struct cfg_vrrp_instance *vi)
{
    size_t alen = vi->family == AF_INET6 ? 16 : 4;
    size_t fixed = (vi->family == AF_INET6 ? CFG_IP6_HDR : CFG_IP4_HDR) + CFG_VRRP_HDR +
                   (vi->version == 2 ? CFG_VRRP_V2_AUTH : 0);
    size_t bytes = fixed + vi->nvips * alen;

    if (bytes > CFG_ADVERT_MTU)
        verr(v, &vi->vips[(CFG_ADVERT_MTU - fixed) / alen].pos,
             "%zu %s virtual addresses make a VRRP advert of %zu bytes, more than one "
             "%d-byte packet holds: at most %zu per vrrp_instance (use several instances)",
             vi->nvips, fam(vi->family), bytes, CFG_ADVERT_MTU, (CFG_ADVERT_MTU - fixed) / alen);
}

/* RFC 5798 1: the virtual routers of each address family are a domain unto
 * themselves, and an advert carries addresses of one family; RFC 3768
 * (VRRPv2) is IPv4 only. */
static void check_family(struct vctx *v, struct cfg_vrrp_instance *vi)
{
    const struct cfg_vip *first = &vi->vips[0];
    char a[64], b[64], w[300];

    vi->family = first->addr.family;
    for (size_t i = 1; i < vi->nvips; i++) {
        const struct cfg_vip *x = &vi->vips[i];
        if (x->addr.family != vi->family)
            verr(v, &x->pos,
                 "%s address %s in an %s vrrp_instance (first address %s at %s): a virtual "
                 "router carries one address family (RFC 5798), use one vrrp_instance per family",
                 fam(x->addr.family), cfg_format_addr(&x->addr, 0, a, sizeof(a)), fam(vi->family),
                 cfg_format_addr(&first->addr, 0, b, sizeof(b)),
                 where(&first->pos, &x->pos, w, sizeof(w)));
    }
    if (vi->family == AF_INET6 && vi->version == 2)
        verr(v, &first->pos, "IPv6 address %s needs version 3 (VRRPv2, RFC 3768, is IPv4-only)",
             cfg_format_addr(&first->addr, 0, a, sizeof(a)));
    if (vi->nvips > 255)
        verr(v, &vi->vips[255].pos,
             "too many virtual addresses: at most 255 per vrrp_instance (RFC 5798 5.2.5)");
    else
        check_advert_size(v, vi);
}

/* RFC 3768 5.3.7: whole seconds in 8 bits; RFC 5798 5.2.7: centiseconds
 * in 12 bits. */
static void check_advert(struct vctx *v, const struct cfg_vrrp_instance *vi)
{
    uint64_t ms = vi->advert_int_ms;
    char d[32];

    cfg_format_duration(ms, d, sizeof(d));
    if (vi->version == 2 && (ms % 1000 || ms < 1000 || ms > 255000))
        verr(v, &vi->at.advert_int,
             "advert_int %s is not valid for VRRPv2: whole seconds from 1 to 255 (or use "
             "version 3)",
             d);
    if (vi->version == 3 && (ms % 10 || ms < 10 || ms > 40950))
        verr(v, &vi->at.advert_int,
             "advert_int %s is not valid for VRRPv3: a multiple of 10ms from 10ms to 40950ms", d);
}

static void check_addrs(struct vctx *v, const struct cfg_vrrp_instance *vi)
{
    char a[64], w[300];

    if (vi->src_ip.family && vi->src_ip.family != vi->family)
        verr(v, &vi->at.src_ip, "source address %s is %s but the virtual addresses are %s",
             cfg_format_addr(&vi->src_ip, 0, a, sizeof(a)), fam(vi->src_ip.family),
             fam(vi->family));
    for (size_t i = 0; i < vi->npeers; i++) {
        const struct cfg_peer *p = &vi->peers[i];

        cfg_format_addr(&p->addr, 0, a, sizeof(a));
        if (p->addr.family != vi->family)
            verr(v, &p->pos, "unicast_peer %s is %s but the virtual addresses are %s", a,
                 fam(p->addr.family), fam(vi->family));
        else if (cfg_addr_equal(&p->addr, &vi->src_ip))
            verr(v, &p->pos, "unicast_peer %s is this router's own source address", a);
        if (p->min_ttl && p->max_ttl && p->min_ttl > p->max_ttl)
            verr(v, &p->pos, "unicast_peer %s: min_ttl %u is above max_ttl %u", a, p->min_ttl,
                 p->max_ttl);
        for (size_t j = 0; j < i; j++)
            if (cfg_addr_equal(&p->addr, &vi->peers[j].addr)) {
                vwarn(v, &p->pos, "unicast_peer %s is listed twice (first at %s)", a,
                      where(&vi->peers[j].pos, &p->pos, w, sizeof(w)));
                break;
            }
    }
    for (size_t i = 1; i < vi->nvips; i++)
        for (size_t j = 0; j < i; j++)
            if (cfg_addr_equal(&vi->vips[i].addr, &vi->vips[j].addr)) {
                verr(v, &vi->vips[i].pos, "virtual_ipaddress %s is listed twice (first at %s)",
                     cfg_format_addr(&vi->vips[i].addr, 0, a, sizeof(a)),
                     where(&vi->vips[j].pos, &vi->vips[i].pos, w, sizeof(w)));
                break;
            }
}

/* RFC 3768 5.3.6 / RFC 2338: PASS and AH need a password; RFC 5798 has no
 * authentication at all. */
static void check_auth(struct vctx *v, const struct cfg_vrrp_instance *vi)
{
    static const char *const names[] = {"NONE", "PASS", "AH"};

    if (vi->auth_type != CFG_AUTH_NONE && !vi->auth_pass[0])
        verr(v, &vi->at.auth_type, "auth_type %s needs auth_pass", names[vi->auth_type]);
    if (vi->auth_type == CFG_AUTH_NONE && vi->auth_pass[0])
        verr(v, &vi->at.auth_pass, "auth_pass needs auth_type PASS or AH");
    /* RFC 2338 IPsec AH: recognised so the message can be precise, but the
     * engine neither sends nor accepts it (keepalived peers using AH will
     * see haplane's adverts as failing authentication) */
    if (vi->version == 2 && vi->auth_type == CFG_AUTH_AH && vi->auth_pass[0])
        verr(v, &vi->at.auth_type,
             "auth_type AH (IPsec AH) is not supported; use PASS, or no authentication");
    if (vi->version == 3 && (vi->auth_type != CFG_AUTH_NONE || vi->auth_pass[0]))
        vwarn(v, &vi->at.auth, "authentication is ignored with VRRPv3 (RFC 5798 removed it)");
}

/* RFC 5798 6.4.1: the owner (priority 255) starts as Master and, being
 * the owner, always preempts (keepalived clears nopreempt the same way). */
static void check_state(struct vctx *v, struct cfg_vrrp_instance *vi)
{
    if (vi->priority == 255) {
        if (vi->state == CFG_STATE_BACKUP && vi->at.state.line)
            vwarn(v, &vi->at.state,
                  "state BACKUP is ignored: priority 255 (address owner) starts as MASTER "
                  "(RFC 5798 6.4.1)");
        if (!vi->preempt)
            vwarn(v, &vi->at.preempt,
                  "nopreempt is ignored: the address owner (priority 255) always preempts");
        vi->state = CFG_STATE_MASTER;
        vi->preempt = true;
    } else if (!vi->preempt && vi->state == CFG_STATE_MASTER) {
        vwarn(v, &vi->at.preempt, "nopreempt does not work with 'state MASTER' (use BACKUP)");
    }
    check_quorum(v, vi);
    if (vi->vip_lifetime_ms && vi->vip_lifetime_ms != CFG_LIFETIME_FOREVER &&
        vi->vip_lifetime_ms <= vi->advert_int_ms)
        verr(v, &vi->at.vip_lifetime,
             "vip_lifetime must be longer than advert_int (the master refreshes the VIP at "
             "every advert)");
}

/* An etcd URL of the fence or track_etcd (util/url.h). */
static void check_url(struct vctx *v, const struct cfg_pos *at, const char *what, const char *s)
{
    struct url u;
    char err[160];
    if (url_parse(s, &u, err, sizeof(err)) < 0)
        verr(v, at, "invalid %s '%.120s': %s", what, s, err);
}

/* fence etcd { ... }: endpoints, the lease TTL against etcd's minimum, and
 * the VIP lifetime, which must never outlast the lease (vrrp/fence.h). */
static void check_fence(struct vctx *v, struct cfg_vrrp_instance *vi)
{
    struct cfg_fence *f = &vi->fence;
    if (vi->track_etcd)
        check_url(v, &vi->at.track_etcd, "track_etcd URL", vi->track_etcd);
    if (!f->on)
        return;
    if (!f->nendpoints)
        verr(v, &f->at.block, "fence etcd needs endpoints (the etcd members' client URLs)");
    if (f->nendpoints > CFG_FENCE_MAX_ENDPOINTS)
        verr(v, &f->at.endpoints, "at most %d fence endpoints", CFG_FENCE_MAX_ENDPOINTS);
    for (size_t i = 0; i < f->nendpoints; i++)
        check_url(v, &f->at.endpoints, "fence endpoint", f->endpoints[i]);
    if (f->key && !f->cert)
        verr(v, &f->at.key, "fence key without cert");
    if (f->ttl_ms % 1000)
        verr(v, &f->at.ttl, "fence ttl must be whole seconds (etcd leases count in seconds)");
    else if (f->ttl_ms < CFG_FENCE_TTL_MS)
        verr(v, &f->at.ttl,
             "fence ttl below 2s: etcd grants at least 1.5 election timeouts rounded up (2 s "
             "with its default 1 s election timeout) and raises a shorter one without error");
    if (vi->vip_lifetime_ms == CFG_LIFETIME_FOREVER)
        verr(v, &vi->at.vip_lifetime,
             "vip_lifetime off with a fence: the VIP must expire with the etcd lease");
    else if (vi->vip_lifetime_ms > f->ttl_ms)
        verr(v, &vi->at.vip_lifetime,
             "vip_lifetime longer than the fence ttl: the VIP of a frozen or killed master must "
             "not outlive its etcd lease");
    if (vi->fence.key_prefix && !vi->fence.key_prefix[0])
        verr(v, &f->at.key_prefix, "empty key_prefix");
}

/* Resolve NAME of each track entry in names (stride/offset of the name
 * pointer in the target array); report unknown names with a suggestion. */
static void resolve(struct vctx *v, struct cfg_track *t, size_t n, const char *what,
                    const char *target, const void *arr, size_t count, size_t stride)
{
    char w[300];

    for (size_t i = 0; i < n; i++) {
        struct cfg_suggest sg;

        cfg_suggest_init(&sg, t[i].name);
        for (size_t k = 0; k < count && t[i].ref == SIZE_MAX; k++) {
            const char *name = *(char *const *)((const char *)arr + k * stride);
            if (!strcmp(name, t[i].name))
                t[i].ref = k;
            cfg_suggest_try(&sg, name);
        }
        if (t[i].ref == SIZE_MAX && sg.best)
            verr(v, &t[i].pos, "%s '%s' refers to no %s (did you mean '%s'?)", what, t[i].name,
                 target, sg.best);
        else if (t[i].ref == SIZE_MAX)
            verr(v, &t[i].pos, "%s '%s' refers to no %s", what, t[i].name, target);
        for (size_t j = 0; j < i; j++)
            if (!strcmp(t[i].name, t[j].name)) {
                vwarn(v, &t[i].pos, "%s '%s' is listed twice (first at %s)", what, t[i].name,
                      where(&t[j].pos, &t[i].pos, w, sizeof(w)));
                break;
            }
    }
}

static void check_tracks(struct vctx *v, struct cfg_vrrp_instance *vi)
{
    struct cfg *cfg = v->cfg;

    resolve(v, vi->track_scripts, vi->ntrack_scripts, "track_script", "vrrp_script",
            cfg->nscripts ? &cfg->scripts[0].name : NULL, cfg->nscripts, sizeof(*cfg->scripts));
    resolve(v, vi->track_proxies, vi->ntrack_proxies, "track_proxy", "proxy",
            cfg->nproxies ? &cfg->proxies[0].name : NULL, cfg->nproxies, sizeof(*cfg->proxies));
    for (size_t i = 0; i < vi->ntrack_scripts; i++) {
        struct cfg_track *t = &vi->track_scripts[i];
        if (t->ref == SIZE_MAX)
            continue;
        cfg->scripts[t->ref].tracked = true;
        if (!t->has_weight)
            t->weight = cfg->scripts[t->ref].weight;
    }
    for (size_t i = 1; i < vi->ntrack_ifs; i++)
        for (size_t j = 0; j < i; j++)
            if (!strcmp(vi->track_ifs[i].name, vi->track_ifs[j].name)) {
                vwarn(v, &vi->track_ifs[i].pos, "track_interface '%s' is listed twice",
                      vi->track_ifs[i].name);
                break;
            }
}

/* A VRID identifies a virtual router per interface and family (RFC 5798
 * 5.2.3); two instances with the same triple would fight over it. */
static void check_vrid_clash(struct vctx *v)
{
    const struct cfg *cfg = v->cfg;
    char w[300];

    for (size_t i = 1; i < cfg->ninstances; i++) {
        const struct cfg_vrrp_instance *a = &cfg->instances[i];
        for (size_t j = 0; j < i; j++) {
            const struct cfg_vrrp_instance *b = &cfg->instances[j];
            if (a->vrid && a->vrid == b->vrid && a->family == b->family && a->interface &&
                b->interface && !strcmp(a->interface, b->interface)) {
                verr(v, &a->at.vrid,
                     "virtual_router_id %u is already used on %s for %s by vrrp_instance '%s' "
                     "(%s)",
                     a->vrid, a->interface, fam(a->family), b->name,
                     where(&b->at.vrid, &a->at.vrid, w, sizeof(w)));
                break;
            }
        }
    }
}

static void check_instances(struct vctx *v)
{
    DUP_NAMES(v, v->cfg->instances, v->cfg->ninstances, "vrrp_instance");
    for (size_t i = 0; i < v->cfg->ninstances; i++) {
        struct cfg_vrrp_instance *vi = &v->cfg->instances[i];

        inherit(v, vi);
        check_tracks(v, vi);
        if (!check_required(v, vi))
            continue;
        check_family(v, vi);
        check_advert(v, vi);
        check_addrs(v, vi);
        check_auth(v, vi);
        check_state(v, vi);
        check_fence(v, vi);
    }
    check_vrid_clash(v);
}

/* ---- proxy ------------------------------------------------------------------ */

static bool visible(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
            return false;
    return true;
}

/* What the checker refuses when it builds its request (method, path, Host
 * from sni; src/check/http.c chk_http_build_request) is refused here, so
 * that `haplane check` agrees with `run` whatever filled the model. */
static void check_http_request(struct vctx *v, const struct cfg_check *c)
{
    const struct cfg_pos *at = c->at.path.line ? &c->at.path : &c->at.kind;
    size_t m = c->method ? strlen(c->method) : 0;
    char q[400];

    if (c->sni && !cfg_valid_sni(c->sni))
        verr(v, &c->at.sni, "invalid sni '%s': not a host name", cfg_quote(c->sni, q, sizeof(q)));
    if ((c->kind != CFG_CHECK_HTTP && c->kind != CFG_CHECK_HTTPS) || !c->path)
        return;
    for (size_t i = 0; i < m; i++)
        if (c->method[i] < 'A' || c->method[i] > 'Z')
            m = 0;
    if (m == 0 || m > 16)
        verr(v, &c->at.kind, "invalid check method '%s': expected GET, HEAD, ...",
             cfg_quote(c->method ? c->method : "", q, sizeof(q)));
    if (c->path[0] != '/' || !visible(c->path))
        verr(v, at,
             "invalid check path '%s': visible ASCII only (no control bytes, spaces or bytes "
             "above 0x7e)",
             cfg_quote(c->path, q, sizeof(q)));
    else if (strlen(c->path) > CFG_CHECK_PATH_MAX)
        verr(v, at,
             "check path is %zu bytes long, at most %d (the check request must fit its buffer)",
             strlen(c->path), CFG_CHECK_PATH_MAX);
}

static void check_check(struct vctx *v, struct cfg_check *c)
{
    if (!c->at.fast_interval.line) /* the suspect interval: interval/4, >= 100ms */
        c->fast_interval_ms = cfg_suspect_interval_ms(c->interval_ms);
    if (!c->at.verify.line)
        c->verify = c->ca ? CFG_VERIFY_REQUIRED : CFG_VERIFY_NONE;
    if (c->key && !c->cert)
        verr(v, &c->at.key, "check key needs cert (the client certificate)");
    if (c->ca && c->verify == CFG_VERIFY_NONE)
        vwarn(v, &c->at.ca, "ca is not used with verify none");
    check_http_request(v, c);
}

static bool binds_clash(const struct cfg_endpoint *a, const struct cfg_endpoint *b)
{
    return a->port == b->port && (a->kind == CFG_HOST_ANY || b->kind == CFG_HOST_ANY ||
                                  cfg_addr_equal(&a->addr, &b->addr));
}

/* Every bind against every earlier one, in all proxies. */
static void check_binds(struct vctx *v, size_t pi)
{
    const struct cfg_proxy *px = &v->cfg->proxies[pi];
    char a[80], b[80], w[300];

    for (size_t i = 0; i < px->nbinds; i++) {
        const struct cfg_bind *x = &px->binds[i];
        bool done = false;

        for (size_t pj = 0; pj <= pi && !done; pj++) {
            const struct cfg_proxy *py = &v->cfg->proxies[pj];
            size_t n = pj == pi ? i : py->nbinds;

            for (size_t j = 0; j < n && !done; j++) {
                if (!binds_clash(&x->addr, &py->binds[j].addr))
                    continue;
                verr(v, &x->pos, "bind %s conflicts with bind %s of proxy '%s' (%s)",
                     cfg_format_endpoint(&x->addr, a, sizeof(a)),
                     cfg_format_endpoint(&py->binds[j].addr, b, sizeof(b)), py->name,
                     where(&py->binds[j].pos, &x->pos, w, sizeof(w)));
                done = true;
            }
        }
    }
}

static bool same_endpoint(const struct cfg_endpoint *a, const struct cfg_endpoint *b)
{
    if (a->kind != b->kind || a->port != b->port)
        return false;
    if (a->kind == CFG_HOST_NAME)
        return !strcmp(a->name, b->name);
    return a->kind != CFG_HOST_ADDR || cfg_addr_equal(&a->addr, &b->addr);
}

static void check_servers(struct vctx *v, const struct cfg_proxy *px)
{
    /* the balancer's table holds CFG_MAX_SERVERS (src/proxy/balance.h) */
    if (px->nservers > CFG_MAX_SERVERS)
        verr(v, &px->servers[CFG_MAX_SERVERS].pos, "proxy '%s' has %zu servers, at most %d",
             px->name, px->nservers, CFG_MAX_SERVERS);
    DUP_NAMES(v, px->servers, px->nservers, "server");
    for (size_t i = 1; i < px->nservers; i++)
        for (size_t j = 0; j < i; j++)
            if (same_endpoint(&px->servers[i].addr, &px->servers[j].addr) &&
                strcmp(px->servers[i].name, px->servers[j].name)) {
                vwarn(v, &px->servers[i].addr_pos,
                      "server '%s' has the same address as server '%s'", px->servers[i].name,
                      px->servers[j].name);
                break;
            }
}

/* A hedge that can only start after the connect timed out does nothing. */
static void check_hedge(struct vctx *v, const struct cfg_proxy *px)
{
    if (px->at.hedge_timeout.line && px->hedge_timeout_ms &&
        px->hedge_timeout_ms >= px->connect_timeout_ms)
        vwarn(v, &px->at.hedge_timeout,
              "timeout hedge (%llu ms) is not shorter than timeout connect (%llu ms): no connect "
              "is ever hedged",
              (unsigned long long)px->hedge_timeout_ms, (unsigned long long)px->connect_timeout_ms);
}

static void check_proxies(struct vctx *v)
{
    DUP_NAMES(v, v->cfg->proxies, v->cfg->nproxies, "proxy");
    for (size_t i = 0; i < v->cfg->nproxies; i++) {
        struct cfg_proxy *px = &v->cfg->proxies[i];

        if (!px->nbinds)
            verr(v, &px->pos, "proxy '%s' has no bind", px->name);
        if (!px->nservers)
            verr(v, &px->pos, "proxy '%s' has no server", px->name);
        check_check(v, &px->check);
        check_hedge(v, px);
        check_binds(v, i);
        check_servers(v, px);
    }
}

/* metrics_listen is a TCP listener too: it must not take a proxy's port. */
static void check_metrics(struct vctx *v)
{
    const struct cfg_global *g = &v->cfg->global;
    char a[80], b[80];

    if (!g->metrics_listen.port)
        return;
    for (size_t i = 0; i < v->cfg->nproxies; i++) {
        const struct cfg_proxy *px = &v->cfg->proxies[i];
        for (size_t j = 0; j < px->nbinds; j++) {
            if (!binds_clash(&g->metrics_listen, &px->binds[j].addr))
                continue;
            verr(v, &g->at.metrics_listen, "metrics_listen %s conflicts with bind %s of proxy '%s'",
                 cfg_format_endpoint(&g->metrics_listen, a, sizeof(a)),
                 cfg_format_endpoint(&px->binds[j].addr, b, sizeof(b)), px->name);
            return;
        }
    }
}

/* ---- run_as ---------------------------------------------------------------- */

/* A command's user (its own, or script_user) under run_as: `haplane run`
 * dropped to run_as at start and keeps no CAP_SETUID/CAP_SETGID, so every
 * command runs as run_as; another user or group is refused here rather
 * than failing each time the command would start. */
static void run_as_cmd(struct vctx *v, const char *what, const char *user, const char *group,
                       const struct cfg_pos *pos)
{
    const struct cfg_global *g = &v->cfg->global;

    if (user && strcmp(user, g->run_as) != 0)
        verr(v, pos,
             "%s runs as user '%s', but haplane runs as run_as '%s' and cannot switch users "
             "(it keeps no CAP_SETUID): remove the user (commands then run as '%s') or make it "
             "'%s'",
             what, user, g->run_as, g->run_as, g->run_as);
    else if (user && group && (!g->run_as_group || strcmp(group, g->run_as_group) != 0))
        verr(v, pos,
             "%s runs as group '%s', but haplane runs as run_as '%s' with %s%s%s and cannot "
             "switch groups (it keeps no CAP_SETGID): remove the group or give run_as the same one",
             what, group, g->run_as, g->run_as_group ? "group '" : "its primary group",
             g->run_as_group ? g->run_as_group : "", g->run_as_group ? "'" : "");
}

static void check_run_as(struct vctx *v)
{
    const struct cfg *cfg = v->cfg;
    const struct cfg_global *g = &cfg->global;
    char what[160];

    if (!g->run_as)
        return;
    if (!strcmp(g->run_as, "root")) {
        verr(v, &g->at.run_as,
             "run_as root: there is nothing to drop to; remove run_as to stay root, or name an "
             "unprivileged user");
        return;
    }
    run_as_cmd(v, "script_user", g->script_user, g->script_group, &g->at.script_user);
    for (size_t i = 0; i < cfg->nscripts; i++) {
        const struct cfg_vrrp_script *s = &cfg->scripts[i];

        snprintf(what, sizeof(what), "vrrp_script '%s'", s->name);
        run_as_cmd(v, what, s->cmd.user, s->cmd.group, &s->at.user);
    }
    for (size_t i = 0; i < cfg->ninstances; i++) {
        const struct cfg_vrrp_instance *in = &cfg->instances[i];
        const struct cfg_cmd *cmds[] = {&in->notify_master, &in->notify_backup, &in->notify_fault,
                                        &in->notify_stop, &in->notify};
        const struct cfg_pos *at[] = {&in->at.notify_master, &in->at.notify_backup,
                                      &in->at.notify_fault, &in->at.notify_stop, &in->at.notify};
        const char *kinds[] = {"notify_master", "notify_backup", "notify_fault", "notify_stop",
                               "notify"};

        for (size_t k = 0; k < sizeof(cmds) / sizeof(cmds[0]); k++) {
            snprintf(what, sizeof(what), "%s of vrrp_instance '%s'", kinds[k], in->name);
            run_as_cmd(v, what, cmds[k]->user, cmds[k]->group, at[k]);
        }
    }
}

static size_t file_rank(const struct cfg *cfg, const char *file)
{
    for (size_t i = 0; file && i < cfg->nfiles; i++)
        if (!strcmp(cfg->files[i], file))
            return i;
    return SIZE_MAX;
}

static bool before(const struct cfg *cfg, const struct cfg_diag *a, const struct cfg_diag *b)
{
    size_t fa = file_rank(cfg, a->file), fb = file_rank(cfg, b->file);

    if (fa != fb)
        return fa < fb;
    return a->line != b->line ? a->line < b->line : a->col < b->col;
}

/* Validators run feature by feature; show their findings in file order
 * (stable, so that related messages at one token keep their order). */
static void sort_diags(const struct cfg *cfg, struct cfg_diags *d, size_t from)
{
    for (size_t i = from + 1; i < d->n; i++) {
        struct cfg_diag e = d->v[i];
        size_t j = i;

        for (; j > from && before(cfg, &e, &d->v[j - 1]); j--)
            d->v[j] = d->v[j - 1];
        d->v[j] = e;
    }
}

size_t cfg_validate(struct cfg *cfg, struct cfg_diags *d, size_t max_errors)
{
    struct vctx v = {.cfg = cfg, .d = d, .max = max_errors, .nerr0 = d->nerrors};
    size_t first = d->n;

    check_scripts(&v);
    check_proxies(&v);
    check_instances(&v);
    check_unused_scripts(&v);
    check_metrics(&v);
    check_run_as(&v);
    sort_diags(cfg, d, first);
    return d->nerrors - v.nerr0;
}
