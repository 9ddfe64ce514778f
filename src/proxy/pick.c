/* px pick: choosing a server for a session from the servers' shared state,
 * and saying why none could be chosen. Worker threads. */
#include <stdio.h>

#include "check/state.h"
#include "proxy/proxy-int.h"

/* Snapshot the servers' shared state and let the balancer choose. */
int px_pick(struct px_wpx *wpx, uint64_t chash, uint64_t tried)
{
    struct px_gen *g = wpx->gen;
    struct px_srv_view v[PX_BALANCE_MAX_SERVERS];
    size_t n = g->nsrv < PX_BALANCE_MAX_SERVERS ? g->nsrv : PX_BALANCE_MAX_SERVERS;
    for (size_t i = 0; i < n; i++) {
        struct px_srv *s = g->srv[i].s;
        v[i].key = s->key;
        v[i].weight = g->srv[i].weight;
        v[i].active = atomic_load_explicit(&s->active, memory_order_relaxed);
        v[i].healthy = atomic_load_explicit(&s->healthy, memory_order_relaxed);
        v[i].backup = g->srv[i].backup;
        v[i].draining = atomic_load_explicit(&s->admin_drain, memory_order_relaxed);
    }
    return px_balance_pick(&wpx->bal, v, n, chash, tried);
}

/* "master1 down (refused), master2 draining, ..." for the logs. */
void px_servers_why(const struct px_gen *g, char *buf, size_t len)
{
    size_t off = 0;
    buf[0] = 0;
    for (size_t i = 0; i < g->nsrv && off < len; i++) {
        struct px_srv *s = g->srv[i].s;
        enum chk_health h = atomic_load(&s->health);
        enum chk_result r = atomic_load(&s->last);
        const char *sep = i ? ", " : "";
        int n;
        if (atomic_load(&s->admin_drain))
            n = snprintf(buf + off, len - off, "%s%s draining", sep, s->name);
        else if (g->srv[i].weight == 0)
            n = snprintf(buf + off, len - off, "%s%s weight 0", sep, s->name);
        else if (h == CHK_ST_INIT)
            n = snprintf(buf + off, len - off, "%s%s not checked yet", sep, s->name);
        else
            n = snprintf(buf + off, len - off, "%s%s %s (%s)", sep, s->name, chk_health_str(h),
                         chk_result_str(r));
        if (n < 0)
            break;
        off += (size_t)n;
    }
}
