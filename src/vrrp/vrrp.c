/* vrrp: the engine's manager (see vrrp.h). Owns the netlink and GARP
 * sockets, the raw sockets shared by instances (one per interface and
 * family, demultiplexed by VRID), the tracking inputs, and the instances.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/sbuf.h"
#include "vrrp/io-int.h"
#include "vrrp/vrrp-int.h"

#define RX_BATCH 64

/* ---- raw sockets ---- */

static struct vrrp_inst *find_by_vrid(struct vrrp *v, struct vrrp_sock *s, int vrid)
{
    for (size_t i = 0; i < v->ninsts; i++)
        if (v->insts[i]->sock == s && v->insts[i]->c->vrid == vrid)
            return v->insts[i];
    return NULL;
}

static void on_readable(struct ev_loop *loop, struct ev_io *io, uint32_t events)
{
    struct vrrp_sock *s = io->arg;
    struct vrrp *v = s->v;
    uint8_t buf[VRRP_RX_MAX];
    for (int n = 0; n < RX_BATCH; n++) {
        struct vrrp_rx rx;
        if (vrrp_io_recv(s->fd, s->family, buf, sizeof(buf), &rx) < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                log_rl(&s->rl, ev_now(loop) / NS_PER_MS, LOG_WARN, "vrrp", NULL,
                       "receive on ifindex %d: %s", s->ifindex, strerror(errno));
            return;
        }
        if (rx.err != VRRP_RX_OK) {
            s->rx_ip_errors[rx.err]++;
            continue;
        }
        struct vrrp_inst *in = find_by_vrid(v, s, vrrp_pkt_peek_vrid(rx.payload, rx.len));
        if (!in) {
            s->rx_unknown_vrid++;
            continue;
        }
        vrrp_inst_on_packet(in, &rx);
    }
}

static int sock_join(struct vrrp *v, struct vrrp_sock *s, char *err, size_t errlen)
{
    struct vrrp_addr group;
    const struct cfg_addr *g =
        s->family == AF_INET ? &v->cfg->global.mcast_group4 : &v->cfg->global.mcast_group6;
    vrrp_addr_set(&group, g->family, s->family == AF_INET ? (const void *)&g->u.v4 : &g->u.v6);
    if (vrrp_io_join(s->fd, s->family, s->ifindex, &group) < 0) {
        char ifname[IF_NAMESIZE] = "?";
        if_indextoname((unsigned)s->ifindex, ifname);
        snprintf(err, errlen, "join the VRRP multicast group on %s: %s", ifname, strerror(errno));
        return -1;
    }
    s->joined = 1;
    return 0;
}

struct vrrp_sock *vrrp_sock_get(struct vrrp *v, int ifindex, int family, int join, char *err,
                                size_t errlen)
{
    for (struct vrrp_sock *s = v->socks; s; s = s->next) {
        if (s->ifindex == ifindex && s->family == family) {
            if (join && !s->joined && sock_join(v, s, err, errlen) < 0)
                return NULL;
            s->users++;
            return s;
        }
    }
    struct vrrp_sock *s = calloc(1, sizeof(*s));
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->fd = vrrp_io_open(family, ifindex, err, errlen);
    s->v = v;
    s->ifindex = ifindex;
    s->family = family;
    if (s->fd < 0 || (join && sock_join(v, s, err, errlen) < 0)) {
        if (s->fd >= 0)
            close(s->fd);
        free(s);
        return NULL;
    }
    s->users = 1;
    s->rl = (struct log_ratelimit){.interval_ms = 10000, .burst = 3};
    if (ev_io_start(v->loop, &s->io, s->fd, EPOLLIN, on_readable, s) < 0) {
        snprintf(err, errlen, "watch VRRP socket: %s", strerror(errno));
        close(s->fd);
        free(s);
        return NULL;
    }
    s->next = v->socks;
    v->socks = s;
    return s;
}

void vrrp_sock_put(struct vrrp *v, struct vrrp_sock *s)
{
    if (--s->users)
        return;
    for (struct vrrp_sock **p = &v->socks; *p; p = &(*p)->next) {
        if (*p == s) {
            *p = s->next;
            break;
        }
    }
    ev_io_stop(v->loop, &s->io);
    close(s->fd);
    free(s);
}

/* ---- tracking inputs ---- */

static void on_track_change(void *arg)
{
    struct vrrp *v = arg;
    for (size_t i = 0; i < v->ninsts; i++)
        vrrp_inst_retrack(v->insts[i]);
}

int vrrp_proxy_health_get(const struct vrrp *v, const char *name)
{
    for (size_t i = 0; i < v->nproxies; i++)
        if (strcmp(v->proxies[i].name, name) == 0)
            return v->proxies[i].healthy;
    return -1;
}

void vrrp_proxy_health_set(struct vrrp *v, const char *name, int healthy)
{
    if (!v)
        return;
    size_t i;
    for (i = 0; i < v->nproxies; i++)
        if (strcmp(v->proxies[i].name, name) == 0)
            break;
    if (i == v->nproxies) {
        void *p = realloc(v->proxies, (v->nproxies + 1) * sizeof(*v->proxies));
        char *copy = strdup(name);
        if (!p || !copy) {
            free(copy);
            if (p)
                v->proxies = p;
            return;
        }
        v->proxies = p;
        v->proxies[i].name = copy;
        v->nproxies++;
    } else if (v->proxies[i].healthy == healthy) {
        return;
    }
    v->proxies[i].healthy = healthy;
    on_track_change(v);
}

/* ---- life cycle ---- */

static void free_all(struct vrrp *v)
{
    for (size_t i = 0; i < v->ninsts; i++)
        vrrp_inst_free(v->insts[i]);
    free(v->insts);
    track_stop(v->track);
    vrrp_quorum_close(v);
    vrrp_freset_close(v);
    garp_close(&v->garp);
    nl_close(&v->nl);
    for (size_t i = 0; i < v->nproxies; i++)
        free((char *)v->proxies[i].name);
    free(v->proxies);
    free(v);
}

static int add_instances(struct vrrp *v, struct vrrp_inst **out, const struct cfg *cfg, char *err,
                         size_t errlen)
{
    for (size_t i = 0; i < cfg->ninstances; i++) {
        char e[256];
        out[i] = vrrp_inst_new(v, &cfg->instances[i], e, sizeof(e));
        if (!out[i]) {
            snprintf(err, errlen, "vrrp_instance %s: %s", cfg->instances[i].name, e);
            return -1;
        }
    }
    return 0;
}

struct vrrp *vrrp_start(struct ev_loop *loop, const struct cfg *cfg, char *err, size_t errlen)
{
    struct vrrp *v = calloc(1, sizeof(*v));
    if (!v) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    v->loop = loop;
    v->cfg = cfg;
    v->garp.arp_fd = v->garp.icmp_fd = -1;
    v->hb_fd4 = v->hb_fd6 = -1;
    v->raw_fd4 = v->raw_fd6 = -1;
    if (nl_open(&v->nl, err, errlen) < 0 || garp_open(&v->garp, err, errlen) < 0 ||
        vrrp_quorum_sockets(v, cfg, err, errlen) < 0)
        goto fail;
    v->track = track_start(loop, cfg, on_track_change, v, err, errlen);
    if (!v->track)
        goto fail;
    v->insts = calloc(cfg->ninstances ? cfg->ninstances : 1, sizeof(*v->insts));
    if (!v->insts) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    v->ninsts = cfg->ninstances;
    if (add_instances(v, v->insts, cfg, err, errlen) < 0)
        goto fail;
    for (size_t i = 0; i < v->ninsts; i++)
        vrrp_inst_start(v->insts[i]);
    return v;
fail:
    free_all(v);
    return NULL;
}

void vrrp_shutdown(struct vrrp *v)
{
    if (!v)
        return;
    v->shutting_down = 1;
    for (size_t i = 0; i < v->ninsts; i++)
        vrrp_inst_stop(v->insts[i]);
    v->ninsts = 0;
    free_all(v);
}

/* ---- reload ---- */

static void key_cmd(struct sbuf *b, const char *what, const struct cfg_cmd *c)
{
    sbuf_printf(b, "%s=", what);
    for (size_t i = 0; i < c->argc; i++)
        sbuf_json_str(b, c->argv[i]);
    sbuf_printf(b, "/%s/%s;", c->user ? c->user : "", c->group ? c->group : "");
}

static void key_tracks(struct sbuf *b, const struct cfg_track *t, size_t n)
{
    for (size_t i = 0; i < n; i++)
        sbuf_printf(b, "t:%s:%d;", t[i].name, t[i].weight);
}

static void key_fence(struct sbuf *b, const struct cfg_vrrp_instance *c)
{
    const struct cfg_fence *f = &c->fence;
    sbuf_printf(b, "e:%s:%d;", c->track_etcd ? c->track_etcd : "", c->track_etcd_weight);
    if (!f->on)
        return;
    for (size_t i = 0; i < f->nendpoints; i++)
        sbuf_printf(b, "fe:%s;", f->endpoints[i]);
    sbuf_printf(b, "f:%s:%s:%s:%llu:%s:%d;", f->cacert ? f->cacert : "", f->cert ? f->cert : "",
                f->key ? f->key : "", (unsigned long long)f->ttl_ms,
                f->key_prefix ? f->key_prefix : "", f->on_loss);
}

/* Everything of an instance that the running engine depends on, as text:
 * equal keys mean the instance can keep running across a reload. */
static void instance_key(const struct cfg_vrrp_instance *c, struct sbuf *b)
{
    char a[64];
    sbuf_printf(b, "%s|%d|%s|%u|%u|%u|%d|%llu|%d|%s|", c->name, c->state, c->interface, c->vrid,
                c->priority, c->version, c->family, (unsigned long long)c->advert_int_ms,
                c->auth_type, c->auth_pass);
    sbuf_printf(b, "%s|", cfg_format_addr(&c->src_ip, 1, a, sizeof(a)));
    for (size_t i = 0; i < c->npeers; i++)
        sbuf_printf(b, "p:%s:%u:%u;", cfg_format_addr(&c->peers[i].addr, 1, a, sizeof(a)),
                    c->peers[i].min_ttl, c->peers[i].max_ttl);
    for (size_t i = 0; i < c->nvips; i++)
        sbuf_printf(b, "v:%s:%s:%s;", cfg_format_addr(&c->vips[i].addr, 1, a, sizeof(a)),
                    c->vips[i].dev ? c->vips[i].dev : "", c->vips[i].label ? c->vips[i].label : "");
    sbuf_printf(b, "|%d|%llu|%d|%u|%llu|%llu|%u|%llu|", c->preempt,
                (unsigned long long)c->preempt_delay_ms, c->quorum, c->garp_master_repeat,
                (unsigned long long)c->garp_master_delay_ms,
                (unsigned long long)c->garp_master_refresh_ms, c->garp_master_refresh_repeat,
                (unsigned long long)c->vip_lifetime_ms);
    key_tracks(b, c->track_scripts, c->ntrack_scripts);
    key_tracks(b, c->track_ifs, c->ntrack_ifs);
    key_tracks(b, c->track_proxies, c->ntrack_proxies);
    key_fence(b, c);
    key_cmd(b, "m", &c->notify_master);
    key_cmd(b, "b", &c->notify_backup);
    key_cmd(b, "f", &c->notify_fault);
    key_cmd(b, "s", &c->notify_stop);
    key_cmd(b, "n", &c->notify);
}

static int same_instance(const struct cfg_vrrp_instance *a, const struct cfg_vrrp_instance *b)
{
    struct sbuf ka, kb;
    sbuf_init(&ka);
    sbuf_init(&kb);
    instance_key(a, &ka);
    instance_key(b, &kb);
    int same = !ka.failed && !kb.failed && strcmp(sbuf_str(&ka), sbuf_str(&kb)) == 0;
    sbuf_free(&ka);
    sbuf_free(&kb);
    return same;
}

int vrrp_reload(struct vrrp *v, const struct cfg *cfg, char *err, size_t errlen)
{
    struct vrrp_inst **next = calloc(cfg->ninstances ? cfg->ninstances : 1, sizeof(*next));
    int *kept = calloc(v->ninsts ? v->ninsts : 1, sizeof(*kept));
    if (!next || !kept) {
        free(next);
        free(kept);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    /* unchanged instances carry over; the rest stop first (releasing their
     * VRIDs and VIPs) so that their replacements can start cleanly */
    for (size_t i = 0; i < cfg->ninstances; i++) {
        for (size_t j = 0; j < v->ninsts; j++) {
            if (!kept[j] && same_instance(v->insts[j]->c, &cfg->instances[i])) {
                kept[j] = 1;
                next[i] = v->insts[j];
                break;
            }
        }
    }
    for (size_t j = 0; j < v->ninsts; j++)
        if (!kept[j])
            vrrp_inst_stop(v->insts[j]);
    free(kept);
    free(v->insts);
    v->cfg = cfg;
    v->insts = next;
    v->ninsts = cfg->ninstances;
    int rc = track_reload(v->track, cfg, err, errlen);
    char qerr[256];
    if (vrrp_quorum_sockets(v, cfg, qerr, sizeof(qerr)) < 0) {
        log_error("vrrp", NULL, "%s", qerr);
        snprintf(err, errlen, "%s", qerr);
        rc = -1;
    }
    for (size_t i = 0; i < cfg->ninstances; i++) {
        if (next[i]) { /* kept: re-point into the new model */
            next[i]->c = &cfg->instances[i];
            continue;
        }
        char e[256];
        next[i] = vrrp_inst_new(v, &cfg->instances[i], e, sizeof(e));
        if (!next[i]) {
            log_error("vrrp", cfg->instances[i].name, "not started: %s", e);
            snprintf(err, errlen, "vrrp_instance %s: %s", cfg->instances[i].name, e);
            rc = -1;
        }
    }
    /* drop instances that failed to start; start the new ones */
    size_t n = 0;
    for (size_t i = 0; i < cfg->ninstances; i++)
        if (next[i])
            next[n++] = next[i];
    v->ninsts = n;
    for (size_t i = 0; i < n; i++) {
        struct vrrp_inst *in = next[i];
        if (in->fsm.state == VRRP_STATE_INIT)
            vrrp_inst_start(in);
        else
            vrrp_inst_rebind(in);
    }
    return rc;
}
