/* model: defaults, lookups, summary and freeing of the configuration model.
 *
 * Every default lives here, once; conf-t.h documents them next to the fields.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "conf/conf-int.h"

void *cfg_vec_push(void *arrp, size_t *n, size_t elsize)
{
    char *base;
    void *e;

    memcpy(&base, arrp, sizeof(base));
    if ((*n & (*n - 1)) == 0) { /* 0 or a power of two: full */
        size_t cap = *n ? *n * 2 : 1;
        if (cap > SIZE_MAX / elsize)
            return NULL;
        char *nb = realloc(base, cap * elsize);
        if (!nb)
            return NULL;
        base = nb;
        memcpy(arrp, &base, sizeof(base));
    }
    e = base + *n * elsize;
    memset(e, 0, elsize);
    (*n)++;
    return e;
}

void cfg_global_defaults(struct cfg_global *g)
{
    memset(g, 0, sizeof(*g));
    g->vrrp_version = 2;
    g->garp_master_repeat = 5;
    g->garp_master_delay_ms = 5000;
    g->garp_master_refresh_repeat = 1;
    g->quorum_port = CFG_QUORUM_PORT;
    g->failover_reset_rate = CFG_FAILOVER_RESET_RATE;
    g->mcast_group4.family = AF_INET;
    g->mcast_group4.prefix = 32;
    inet_pton(AF_INET, "224.0.0.18", &g->mcast_group4.u.v4);
    g->mcast_group6.family = AF_INET6;
    g->mcast_group6.prefix = 128;
    inet_pton(AF_INET6, "ff02::12", &g->mcast_group6.u.v6);
}

void cfg_script_defaults(struct cfg_vrrp_script *s)
{
    s->interval_ms = 1000;
    s->fall = 1;
    s->rise = 1;
}

/* Values inherited from global_defs (version, garp_*) and the priority
 * (which depends on the state) are filled in by validation. */
void cfg_instance_defaults(struct cfg_vrrp_instance *vi)
{
    vi->state = CFG_STATE_BACKUP;
    vi->advert_int_ms = 1000;
    vi->preempt = true;
    vi->failover_reset = true;
}

void cfg_proxy_defaults(struct cfg_proxy *px)
{
    px->balance = CFG_BALANCE_ROUNDROBIN;
    px->connect_timeout_ms = 2000;
    px->hedge_timeout_ms = 100;
    px->idle_timeout_ms = 3600000;
    px->drain_timeout_ms = 10000;
    px->silent_timeout_ms = 4000;
    px->retries = 3;
    px->relay = CFG_RELAY_SPLICE;
    px->backlog = 1024;
    px->keepalive = true;
    px->nodelay = true;
    cfg_check_defaults(&px->check);
}

void cfg_check_free(struct cfg_check *c)
{
    free(c->method);
    free(c->path);
    free(c->ca);
    free(c->cert);
    free(c->key);
    free(c->sni);
}

uint64_t cfg_suspect_interval_ms(uint64_t interval_ms)
{
    uint64_t q = interval_ms / 4;
    if (q < 100)
        q = 100;
    return q < interval_ms ? q : interval_ms;
}

void cfg_check_defaults(struct cfg_check *c)
{
    memset(c, 0, sizeof(*c));
    c->kind = CFG_CHECK_TCP;
    c->expect = 200;
    c->interval_ms = 1000;
    c->timeout_ms = 1000;
    c->fall = 3;
    c->rise = 2;
}

void cfg_server_defaults(struct cfg_server *sv)
{
    sv->weight = 1;
    sv->check = true;
}

void cfg_cmd_free(struct cfg_cmd *c)
{
    for (size_t i = 0; i < c->argc; i++)
        free(c->argv[i]);
    free(c->argv);
    free(c->user);
    free(c->group);
    memset(c, 0, sizeof(*c));
}

void cfg_endpoint_free(struct cfg_endpoint *e)
{
    free(e->name);
    e->name = NULL;
}

static void tracks_free(struct cfg_track *t, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(t[i].name);
    free(t);
}

static void instance_free(struct cfg_vrrp_instance *vi)
{
    free(vi->name);
    free(vi->interface);
    free(vi->peers);
    for (size_t i = 0; i < vi->nvips; i++) {
        free(vi->vips[i].dev);
        free(vi->vips[i].label);
    }
    free(vi->vips);
    tracks_free(vi->track_scripts, vi->ntrack_scripts);
    tracks_free(vi->track_ifs, vi->ntrack_ifs);
    tracks_free(vi->track_proxies, vi->ntrack_proxies);
    for (size_t i = 0; i < vi->fence.nendpoints; i++)
        free(vi->fence.endpoints[i]);
    free(vi->fence.endpoints);
    free(vi->fence.cacert);
    free(vi->fence.cert);
    free(vi->fence.key);
    free(vi->fence.key_prefix);
    free(vi->track_etcd);
    cfg_cmd_free(&vi->notify_master);
    cfg_cmd_free(&vi->notify_backup);
    cfg_cmd_free(&vi->notify_fault);
    cfg_cmd_free(&vi->notify_stop);
    cfg_cmd_free(&vi->notify);
}

static void proxy_free(struct cfg_proxy *px)
{
    free(px->name);
    for (size_t i = 0; i < px->nbinds; i++)
        cfg_endpoint_free(&px->binds[i].addr);
    free(px->binds);
    for (size_t i = 0; i < px->nservers; i++) {
        free(px->servers[i].name);
        cfg_endpoint_free(&px->servers[i].addr);
    }
    free(px->servers);
    cfg_check_free(&px->check);
}

void cfg_free(struct cfg *cfg)
{
    if (!cfg)
        return;
    free(cfg->global.router_id);
    free(cfg->global.script_user);
    free(cfg->global.quorum_key);
    free(cfg->global.script_group);
    free(cfg->global.run_as);
    free(cfg->global.run_as_group);
    for (size_t i = 0; i < cfg->nscripts; i++) {
        free(cfg->scripts[i].name);
        cfg_cmd_free(&cfg->scripts[i].cmd);
    }
    free(cfg->scripts);
    for (size_t i = 0; i < cfg->ninstances; i++)
        instance_free(&cfg->instances[i]);
    free(cfg->instances);
    for (size_t i = 0; i < cfg->nproxies; i++)
        proxy_free(&cfg->proxies[i]);
    free(cfg->proxies);
    for (size_t i = 0; i < cfg->nfiles; i++)
        free(cfg->files[i]);
    free(cfg->files);
    for (size_t i = 0; i < cfg->nremarks; i++) {
        free(cfg->remarks[i].name);
        free(cfg->remarks[i].text);
    }
    free(cfg->remarks);
    free(cfg);
}

const struct cfg_proxy *cfg_find_proxy(const struct cfg *cfg, const char *name)
{
    for (size_t i = 0; i < cfg->nproxies; i++)
        if (!strcmp(cfg->proxies[i].name, name))
            return &cfg->proxies[i];
    return NULL;
}

const struct cfg_vrrp_instance *cfg_find_instance(const struct cfg *cfg, const char *name)
{
    for (size_t i = 0; i < cfg->ninstances; i++)
        if (!strcmp(cfg->instances[i].name, name))
            return &cfg->instances[i];
    return NULL;
}

const struct cfg_vrrp_script *cfg_find_script(const struct cfg *cfg, const char *name)
{
    for (size_t i = 0; i < cfg->nscripts; i++)
        if (!strcmp(cfg->scripts[i].name, name))
            return &cfg->scripts[i];
    return NULL;
}

const struct cfg_server *cfg_find_server(const struct cfg_proxy *px, const char *name)
{
    for (size_t i = 0; i < px->nservers; i++)
        if (!strcmp(px->servers[i].name, name))
            return &px->servers[i];
    return NULL;
}

int cfg_summary(const struct cfg *cfg, char *buf, size_t len)
{
    size_t nservers = 0;

    for (size_t i = 0; i < cfg->nproxies; i++)
        nservers += cfg->proxies[i].nservers;
    return snprintf(buf, len, "%zu vrrp instance%s, %zu prox%s, %zu server%s", cfg->ninstances,
                    cfg->ninstances == 1 ? "" : "s", cfg->nproxies,
                    cfg->nproxies == 1 ? "y" : "ies", nservers, nservers == 1 ? "" : "s");
}

static bool addr_eq(const struct cfg_addr *a, const struct cfg_addr *b)
{
    if (a->family != b->family)
        return false;
    return a->family == AF_INET ? !memcmp(&a->u.v4, &b->u.v4, sizeof(a->u.v4))
                                : !memcmp(&a->u.v6, &b->u.v6, sizeof(a->u.v6));
}

static bool addr_unspecified(const struct cfg_addr *a)
{
    static const uint8_t zero[16];
    return a->family == AF_INET ? a->u.v4.s_addr == 0 : !memcmp(&a->u.v6, zero, sizeof(zero));
}

bool cfg_failover_reset_active(const struct cfg *cfg, const struct cfg_vrrp_instance *vi)
{
    if (!vi->failover_reset)
        return false;
    for (size_t p = 0; p < cfg->nproxies; p++) {
        const struct cfg_proxy *px = &cfg->proxies[p];
        for (size_t b = 0; b < px->nbinds; b++) {
            const struct cfg_endpoint *e = &px->binds[b].addr;
            /* a wildcard (`*`, 0.0.0.0, ::, what haproxy's `bind *:P` is
             * imported as) or a host name may accept on a VIP */
            if (e->kind != CFG_HOST_ADDR || addr_unspecified(&e->addr))
                return true;
            for (size_t i = 0; i < vi->nvips; i++)
                if (addr_eq(&e->addr, &vi->vips[i].addr))
                    return true;
        }
    }
    return false;
}

bool cfg_failover_reset_any(const struct cfg *cfg)
{
    for (size_t i = 0; i < cfg->ninstances; i++)
        if (cfg_failover_reset_active(cfg, &cfg->instances[i]))
            return true;
    return false;
}
