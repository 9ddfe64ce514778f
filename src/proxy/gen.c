/* px_gen: turn one `proxy` block of the configuration into a generation:
 * settings resolved to nanoseconds and enums, binds and servers resolved
 * to socket addresses, servers matched with the previous generation's (by
 * name and address) so that they carry over. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/gen-int.h"

static enum px_balance_algo algo_of(enum cfg_balance b)
{
    switch (b) {
    case CFG_BALANCE_LEASTCONN:
        return PX_BALANCE_LEASTCONN;
    case CFG_BALANCE_SOURCE:
        return PX_BALANCE_SOURCE;
    default:
        return PX_BALANCE_ROUNDROBIN;
    }
}

static struct px_prt *prt_new(const char *name)
{
    struct px_prt *r = calloc(1, sizeof(*r));
    if (!r)
        return NULL;
    if (!(r->name = strdup(name))) {
        free(r);
        return NULL;
    }
    atomic_init(&r->refs, 1);
    r->reported = -1;
    return r;
}

static int bind_of(const struct cfg_bind *cb, struct px_bind *b, const struct px_names *names,
                   char *err, size_t errlen)
{
    memset(b, 0, sizeof(*b));
    if (cb->addr.kind == CFG_HOST_ANY) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&b->sa;
        s6->sin6_family = AF_INET6;
        s6->sin6_addr = in6addr_any;
        s6->sin6_port = htons(cb->addr.port);
        b->salen = sizeof(*s6);
        b->any = true;
        snprintf(b->str, sizeof(b->str), "*:%u", cb->addr.port);
        return 0;
    }
    if (px_resolve(&cb->addr, names, &b->sa, &b->salen, err, errlen) < 0)
        return -1;
    px_sockaddr_str((struct sockaddr *)&b->sa, true, b->str, sizeof(b->str));
    return 0;
}

static bool sa_equal(const struct sockaddr_storage *a, socklen_t al,
                     const struct sockaddr_storage *b, socklen_t bl)
{
    return al == bl && memcmp(a, b, al) == 0;
}

/* The previous generation's server of that name and address, or NULL. */
static struct px_srv *old_srv(const struct px_gen *old, const char *name,
                              const struct sockaddr_storage *sa, socklen_t salen)
{
    for (size_t i = 0; old && i < old->nsrv; i++) {
        struct px_srv *s = old->srv[i].s;
        if (strcmp(s->name, name) == 0 && sa_equal(&s->sa, s->salen, sa, salen))
            return s;
    }
    return NULL;
}

static struct px_srv *srv_new(const char *name, const struct sockaddr_storage *sa, socklen_t salen,
                              bool checked)
{
    struct px_srv *s = calloc(1, sizeof(*s));
    if (!s || !(s->name = strdup(name))) {
        free(s);
        return NULL;
    }
    atomic_init(&s->refs, 1);
    s->sa = *sa;
    s->salen = salen;
    s->key = px_balance_key(name, strlen(name));
    px_sockaddr_str((const struct sockaddr *)sa, true, s->addrstr, sizeof(s->addrstr));
    px_sockaddr_str((const struct sockaddr *)sa, false, s->ipstr, sizeof(s->ipstr));
    atomic_init(&s->healthy, !checked);
    atomic_init(&s->health, checked ? CHK_ST_INIT : CHK_ST_UP);
    atomic_init(&s->last, CHK_R_OK);
    return s;
}

static int servers_of(const struct cfg_proxy *cp, const struct px_gen *old, struct px_gen *g,
                      const struct px_names *names, char *err, size_t errlen)
{
    if (cp->nservers > PX_BALANCE_MAX_SERVERS) {
        snprintf(err, errlen, "%zu servers, at most %d", cp->nservers, PX_BALANCE_MAX_SERVERS);
        return -1;
    }
    g->srv = calloc(cp->nservers ? cp->nservers : 1, sizeof(*g->srv));
    if (!g->srv) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < cp->nservers; i++) {
        const struct cfg_server *cs = &cp->servers[i];
        struct sockaddr_storage sa;
        socklen_t salen;
        char e[160];
        bool checked = cp->check.kind != CFG_CHECK_NONE && cs->check;
        if (px_resolve(&cs->addr, names, &sa, &salen, e, sizeof(e)) < 0) {
            snprintf(err, errlen, "server %s: %s", cs->name, e);
            return -1;
        }
        struct px_srv *s = old_srv(old, cs->name, &sa, salen);
        if (s)
            px_srv_ref(s);
        else if (!(s = srv_new(cs->name, &sa, salen, checked))) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        g->srv[i].s = s;
        g->srv[i].weight = cs->weight;
        g->srv[i].backup = cs->backup;
        g->srv[i].checked = checked;
        g->nsrv++;
    }
    return 0;
}

struct px_gen *px_gen_build(const struct cfg_proxy *cp, const struct px_gen *old,
                            const struct px_limits *lim, char *err, size_t errlen)
{
    struct px_gen *g = calloc(1, sizeof(*g));
    char e[200];
    if (!g || !(g->rt = old ? old->rt : prt_new(cp->name))) {
        free(g);
        snprintf(err, errlen, "proxy %s: out of memory", cp->name);
        return NULL;
    }
    atomic_init(&g->refs, 1);
    if (old)
        px_prt_ref(g->rt);
    g->name = g->rt->name;
    g->algo = algo_of(cp->balance);
    g->connect_ns = cp->connect_timeout_ms * NS_PER_MS;
    g->hedge_ns = cp->hedge_timeout_ms * NS_PER_MS;
    g->idle_ns = cp->idle_timeout_ms * NS_PER_MS;
    g->drain_ns = cp->drain_timeout_ms * NS_PER_MS;
    g->silent_ms = cp->silent_timeout_ms ? (uint32_t)cp->silent_timeout_ms
                                         : PX_SRV_USER_TIMEOUT_MS;
    g->retries = cp->retries;
    g->maxconn_auto = cp->maxconn == 0;
    g->maxconn = cp->maxconn ? cp->maxconn : px_maxconn_auto(lim->nofile);
    g->nworkers = px_workers_resolve(cp->workers, lim->ncpu, PX_MAX_WORKERS);
    g->backlog = cp->backlog ? cp->backlog : 1024;
    g->splice = cp->relay == CFG_RELAY_SPLICE;
    g->keepalive = cp->keepalive;
    g->nodelay = cp->nodelay;
    g->binds = calloc(cp->nbinds ? cp->nbinds : 1, sizeof(*g->binds));
    if (!g->binds) {
        snprintf(err, errlen, "proxy %s: out of memory", cp->name);
        goto fail;
    }
    for (size_t i = 0; i < cp->nbinds; i++, g->nbinds++)
        if (bind_of(&cp->binds[i], &g->binds[i], lim->names, e, sizeof(e)) < 0) {
            snprintf(err, errlen, "proxy %s: bind: %s", cp->name, e);
            goto fail;
        }
    if (servers_of(cp, old, g, lim->names, e, sizeof(e)) < 0) {
        snprintf(err, errlen, "proxy %s: %s", cp->name, e);
        goto fail;
    }
    return g;
fail:
    px_gen_unref(g);
    return NULL;
}

bool px_gen_same_listeners(const struct px_gen *a, const struct px_gen *b)
{
    if (a->nbinds != b->nbinds || a->nworkers != b->nworkers || a->keepalive != b->keepalive ||
        a->nodelay != b->nodelay || a->backlog != b->backlog)
        return false;
    for (size_t i = 0; i < a->nbinds; i++)
        if (a->binds[i].any != b->binds[i].any ||
            !sa_equal(&a->binds[i].sa, a->binds[i].salen, &b->binds[i].sa, b->binds[i].salen))
            return false;
    return true;
}
