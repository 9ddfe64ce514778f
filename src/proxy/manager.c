/* px manager: the main-thread side of the proxy. Builds generations from
 * the configuration (prepare: everything that can fail; commit: nothing
 * that can), owns the health checks and publishes their verdicts to the
 * workers, reports proxy health, drains and stops.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check/state.h"
#include "proxy/gen-int.h"
#include "conf/conf.h"
#include "proxy/manager-int.h"

/* ---- messages to and from workers ---- */

void px_post_main(struct px *px, struct px_msg *m)
{
    px_mq_push(&px->mq, m);
}

static void broadcast_drain(struct px *px, struct px_srv *s, uint64_t drain_ns)
{
    for (size_t i = 0; i < px->nw; i++) {
        struct px_msg *m = calloc(1, sizeof(*m));
        if (!m)
            continue;
        m->type = PX_M_DRAIN;
        m->srv = s;
        m->drain_ns = drain_ns;
        px_srv_ref(s);
        px_mq_push(&px->w[i]->mq, m);
    }
}

/* Can another server of s's proxy take new connections (healthy, weight
 * above 0, not draining)? If not, passive failures alone do not take s
 * down (chk_state_passive). */
static bool others_usable(struct px_srv *s)
{
    struct px_gen *g = s->prt ? s->prt->cur : NULL;
    for (size_t i = 0; g && i < g->nsrv; i++) {
        struct px_srv *o = g->srv[i].s;
        if (o != s && g->srv[i].weight > 0 && atomic_load(&o->healthy) &&
            !atomic_load(&o->admin_drain))
            return true;
    }
    return false;
}

static void on_main_mq(struct ev_loop *loop, struct ev_io *io, uint32_t events)
{
    struct px *px = io->arg;
    struct px_msg *m = px_mq_take(&px->mq);
    while (m) {
        struct px_msg *n = m->next;
        if (m->type == PX_M_PASSIVE && m->srv->chk)
            chk_target_passive(m->srv->chk, (enum chk_result)m->result, others_usable(m->srv));
        if (m->type == PX_M_DRAINED && ++px->drained == px->nw && px->done) {
            void (*done)(void *) = px->done;
            px->done = NULL;
            log_info("px", NULL, "every connection is closed");
            done(px->done_arg);
        }
        px_msg_free(m);
        m = n;
    }
}

/* ---- health ---- */

int px_prt_health(const struct px_prt *rt)
{
    struct px_srv_view v[PX_BALANCE_MAX_SERVERS];
    const struct px_gen *g = rt->cur;
    size_t n = 0;
    for (; g && n < g->nsrv && n < PX_BALANCE_MAX_SERVERS; n++) {
        struct px_srv *s = g->srv[n].s;
        memset(&v[n], 0, sizeof(v[n]));
        v[n].weight = g->srv[n].weight;
        v[n].healthy = atomic_load(&s->healthy);
        v[n].draining = atomic_load(&s->admin_drain);
    }
    return px_health_of(v, n);
}

/* Recompute a proxy's health; log and call back when it changed. */
void px_health_update(struct px *px, struct px_prt *rt)
{
    int h = px_prt_health(rt);
    if (h == rt->reported)
        return;
    if (rt->reported != -1) { /* not before the first verdicts are in */
        if (h)
            log_info("px", rt->name, "a server is available: accepting connections");
        else
            log_warn("px", rt->name, "no server available: new connections are closed at once");
    }
    rt->reported = h;
    if (px->hcb)
        px->hcb(rt->name, h, px->harg);
}

/* Every counted check result of a server, on the main loop. */
static void on_check(struct chk_target *t, const struct chk_event *ev, void *arg)
{
    struct px_srv *s = arg;
    const struct chk_state *st = chk_target_state(t);
    atomic_store(&s->health, (unsigned char)st->health);
    atomic_store(&s->last, (unsigned char)ev->result);
    if (!(ev->bits & CHK_STEP_ROUTING))
        return;
    bool up = chk_state_usable(st);
    atomic_store(&s->healthy, up);
    if (!up && atomic_load(&s->active)) {
        uint64_t d = px_down_drain_ns(ev->result, s->drain_ns);
        log_info("px", s->prt ? s->prt->name : NULL,
                 "server %s is down (%s%s): its %u connections move to other servers if it "
                 "has not answered them yet, else close over %llu ms (%s)",
                 s->name, chk_result_str(ev->result), ev->passive ? ", passive" : "",
                 atomic_load(&s->active), (unsigned long long)(d / NS_PER_MS),
                 d < s->drain_ns ? "it does not answer: cut fast" : "timeout drain");
        broadcast_drain(s->px, s, d);
    }
    if (s->prt)
        px_health_update(s->px, s->prt);
}

/* ---- prepare: everything that can fail ---- */

struct px_prep {
    struct px_ent *ents;
    size_t n;
    int **fds;                 /* per entry: [worker * nbinds + bind], NULL: inherit */
    struct chk_target ***tgts; /* per entry: per server, NULL: not checked */
    uint32_t maxw;
};

static struct px_ent *find_ent(struct px *px, const char *name)
{
    for (size_t i = 0; i < px->nents; i++)
        if (strcmp(px->ents[i].gen->name, name) == 0)
            return &px->ents[i];
    return NULL;
}

static void prep_free(struct px_prep *p)
{
    for (size_t i = 0; i < p->n; i++) {
        struct px_gen *g = p->ents[i].gen;
        if (p->fds && p->fds[i]) {
            for (size_t k = 0; k < (size_t)g->nworkers * g->nbinds; k++)
                if (p->fds[i][k] >= 0)
                    close(p->fds[i][k]);
            free(p->fds[i]);
        }
        if (p->tgts && p->tgts[i]) {
            for (size_t k = 0; k < g->nsrv; k++)
                chk_target_free(p->tgts[i][k]);
            free(p->tgts[i]);
        }
        chk_spec_unref(p->ents[i].spec);
        px_gen_unref(g);
    }
    free(p->ents);
    free(p->fds);
    free(p->tgts);
    memset(p, 0, sizeof(*p));
}

/* Open nworkers x nbinds listening sockets for g. */
static int *open_listeners(const struct px_gen *g, char *err, size_t errlen)
{
    size_t n = (size_t)g->nworkers * g->nbinds;
    int *fds = malloc((n ? n : 1) * sizeof(int));
    char e[200];
    if (!fds) {
        snprintf(err, errlen, "proxy %s: out of memory", g->name);
        return NULL;
    }
    for (size_t k = 0; k < n; k++)
        fds[k] = -1;
    for (size_t k = 0; k < n; k++) {
        fds[k] = px_listen(&g->binds[k % g->nbinds], g, e, sizeof(e));
        if (fds[k] < 0) {
            snprintf(err, errlen, "proxy %s: %s", g->name, e);
            for (size_t j = 0; j < k; j++)
                close(fds[j]);
            free(fds);
            return NULL;
        }
    }
    return fds;
}

/* Health checks for the servers of entry i; a kept server's state goes on. */
static int prep_checks(struct px *px, struct px_prep *p, size_t i, char *err, size_t errlen)
{
    struct px_gen *g = p->ents[i].gen;
    p->tgts[i] = calloc(g->nsrv ? g->nsrv : 1, sizeof(struct chk_target *));
    if (!p->tgts[i]) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (size_t k = 0; k < g->nsrv; k++) {
        struct px_srv *s = g->srv[k].s;
        struct chk_state st, *init = NULL;
        char obj[256], e[200];
        if (!g->srv[k].checked)
            continue;
        if (s->chk) {
            st = *chk_target_state(s->chk);
            init = &st;
        } else if (s->px && atomic_load(&s->healthy)) {
            chk_state_init(&st, CHK_ST_UP); /* was not checked, was in use */
            init = &st;
        }
        snprintf(obj, sizeof(obj), "%s/%s", g->name, s->name);
        p->tgts[i][k] =
            chk_target_new(px->loop, p->ents[i].spec, obj, (struct sockaddr *)&s->sa, s->salen,
                           s->addrstr, s->ipstr, init, on_check, s, e, sizeof(e));
        if (!p->tgts[i][k]) {
            snprintf(err, errlen, "proxy %s: server %s: %s", g->name, s->name, e);
            return -1;
        }
    }
    return 0;
}

static int prep_entry(struct px *px, const struct cfg_proxy *cp, const struct px_names *names,
                      struct px_prep *p, char *err, size_t errlen)
{
    struct px_ent *old = find_ent(px, cp->name);
    struct px_limits lim = {px->nofile, px->ncpu, names};
    size_t i = p->n;
    struct px_gen *g = px_gen_build(cp, old ? old->gen : NULL, &lim, err, errlen);
    if (!g)
        return -1;
    p->ents[i].gen = g;
    p->n++;
    if (cp->check.kind != CFG_CHECK_NONE) {
        char e[300];
        p->ents[i].spec = chk_spec_new(&cp->check, e, sizeof(e));
        if (!p->ents[i].spec) {
            snprintf(err, errlen, "proxy %s: check: %s", cp->name, e);
            return -1;
        }
    }
    if (!(old && px_gen_same_listeners(old->gen, g)) &&
        !(p->fds[i] = open_listeners(g, err, errlen)))
        return -1;
    if (g->nworkers > p->maxw)
        p->maxw = g->nworkers;
    return prep_checks(px, p, i, err, errlen);
}

static int prepare(struct px *px, const struct cfg *cfg, const struct px_names *names,
                   struct px_prep *p, char *err, size_t errlen)
{
    size_t n = cfg->nproxies ? cfg->nproxies : 1;
    memset(p, 0, sizeof(*p));
    p->ents = calloc(n, sizeof(*p->ents));
    p->fds = calloc(n, sizeof(*p->fds));
    p->tgts = calloc(n, sizeof(*p->tgts));
    if (!p->ents || !p->fds || !p->tgts) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < cfg->nproxies; i++)
        if (prep_entry(px, &cfg->proxies[i], names, p, err, errlen) < 0)
            goto fail;
    while (px->nw < p->maxw) {
        struct px_worker *w = px_worker_new(px, (int)px->nw, err, errlen);
        if (!w)
            goto fail;
        if (px_worker_start(w, err, errlen) < 0) {
            px_worker_free(w);
            goto fail;
        }
        px->w[px->nw++] = w; /* an extra idle worker is harmless if we fail later */
    }
    return 0;
fail:
    prep_free(p);
    return -1;
}

/* ---- commit: nothing below fails (allocation failures only cost a
 * message, which px_msg_free-style cleanup tolerates) ---- */

static void send_config(struct px *px, struct px_prep *p, size_t wi)
{
    struct px_msg *m = calloc(1, sizeof(*m));
    if (!m || !(m->cfg = calloc(p->n ? p->n : 1, sizeof(*m->cfg)))) {
        free(m);
        log_error("px", NULL, "worker %zu: out of memory sending a configuration", wi);
        return;
    }
    m->type = PX_M_CONFIG;
    m->pool_pipes = px_pool_pipes_max((uint32_t)px->nw, PX_POOL_PIPES);
    for (size_t i = 0; i < p->n; i++) {
        struct px_gen *g = p->ents[i].gen;
        struct px_wcfg *c = &m->cfg[m->ncfg];
        if (wi >= g->nworkers)
            continue;
        c->inherit = p->fds[i] == NULL;
        if (!c->inherit) {
            c->fds = malloc(g->nbinds * sizeof(int));
            if (!c->fds)
                continue; /* the fds are closed with the plan */
            memcpy(c->fds, &p->fds[i][wi * g->nbinds], g->nbinds * sizeof(int));
            for (size_t b = 0; b < g->nbinds; b++)
                p->fds[i][wi * g->nbinds + b] = -1;
        }
        px_gen_ref(g);
        c->gen = g;
        m->ncfg++;
    }
    px_mq_push(&px->w[wi]->mq, m);
}

static bool in_gen(const struct px_gen *g, const struct px_srv *s)
{
    for (size_t k = 0; g && k < g->nsrv; k++)
        if (g->srv[k].s == s)
            return true;
    return false;
}

/* Servers of the old generations that are not in the new ones: stop
 * checking them, close their connections over their drain timeout. */
static void retire_servers(struct px *px, struct px_prep *p)
{
    for (size_t i = 0; i < px->nents; i++) {
        struct px_gen *og = px->ents[i].gen;
        struct px_ent *ne = NULL;
        for (size_t j = 0; j < p->n; j++)
            if (strcmp(p->ents[j].gen->name, og->name) == 0)
                ne = &p->ents[j];
        for (size_t k = 0; k < og->nsrv; k++) {
            struct px_srv *s = og->srv[k].s;
            chk_target_free(s->chk);
            s->chk = NULL;
            if (ne && in_gen(ne->gen, s))
                continue;
            atomic_store(&s->healthy, false);
            if (atomic_load(&s->active))
                broadcast_drain(px, s, og->drain_ns);
        }
    }
}

static void adopt_servers(struct px *px, struct px_prep *p, const struct cfg *cfg)
{
    for (size_t i = 0; i < p->n; i++) {
        struct px_gen *g = p->ents[i].gen;
        const struct cfg_proxy *cp = &cfg->proxies[i];
        g->rt->cur = g;
        for (size_t k = 0; k < g->nsrv; k++) {
            struct px_srv *s = g->srv[k].s;
            s->px = px;
            s->prt = g->rt;
            s->drain_ns = g->drain_ns;
            s->chk = p->tgts[i][k];
            p->tgts[i][k] = NULL;
            /* A drain set by command outlives a reload that leaves the
             * server's `drain` flag as it was: a reload for another reason
             * must not put a server under maintenance back in service. */
            bool want = cp->servers[k].drain;
            if (!s->adopted || want != s->file_drain)
                atomic_store(&s->admin_drain, want);
            else if (atomic_load(&s->admin_drain) != want)
                log_info("px", g->name, "server %s stays %s as set by command (reload)", s->name,
                         want ? "in service" : "draining");
            s->file_drain = want;
            s->adopted = true;
            if (!s->chk) {
                atomic_store(&s->healthy, true);
                atomic_store(&s->health, CHK_ST_UP);
                continue;
            }
            const struct chk_state *st = chk_target_state(s->chk);
            atomic_store(&s->health, (unsigned char)st->health);
            atomic_store(&s->healthy, chk_state_usable(st));
        }
    }
}

static void commit(struct px *px, struct px_prep *p, const struct cfg *cfg)
{
    for (size_t wi = 0; wi < px->nw; wi++)
        send_config(px, p, wi);
    retire_servers(px, p);
    adopt_servers(px, p, cfg);
    for (size_t i = 0; i < px->nents; i++) {
        chk_spec_unref(px->ents[i].spec);
        px_gen_unref(px->ents[i].gen);
    }
    free(px->ents);
    px->ents = p->ents;
    px->nents = p->n;
    for (size_t i = 0; i < p->n; i++) { /* handed over: only the arrays are left */
        free(p->fds[i]);
        free(p->tgts[i]);
    }
    p->ents = NULL;
    p->n = 0;
    prep_free(p);
    for (size_t i = 0; i < px->nents; i++)
        px_health_update(px, px->ents[i].gen->rt);
}

/* ---- the API ---- */

static void log_proxies(struct px *px)
{
    for (size_t i = 0; i < px->nents; i++) {
        struct px_gen *g = px->ents[i].gen;
        char binds[256] = "";
        size_t off = 0;
        for (size_t b = 0; b < g->nbinds && off < sizeof(binds); b++)
            off += (size_t)snprintf(binds + off, sizeof(binds) - off, "%s%s", b ? " " : "",
                                    g->binds[b].str);
        log_info("px", g->name,
                 "listening on %s: %u workers, %s, %s relay, %zu servers, "
                 "maxconn %u",
                 binds, g->nworkers, px_balance_algo_str(g->algo), g->splice ? "splice" : "copy",
                 g->nsrv, g->maxconn);
    }
}

int px_reload(struct px *px, const struct cfg *cfg, const struct px_names *names, char *err,
              size_t errlen)
{
    struct px_prep p;
    if (px->draining) {
        snprintf(err, errlen, "the proxy is shutting down");
        return -1;
    }
    if (prepare(px, cfg, names, &p, err, errlen) < 0)
        return -1;
    commit(px, &p, cfg);
    atomic_store(&px->conns.on, cfg_failover_reset_any(cfg));
    log_proxies(px);
    return 0;
}

struct px *px_start(struct ev_loop *loop, const struct cfg *cfg, char *err, size_t errlen)
{
    struct px *px = calloc(1, sizeof(*px));
    if (!px) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    px->loop = loop;
    px->mq.efd = -1;
    px->nofile = px_raise_nofile();
    px->ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    if (px_conns_init(&px->conns) < 0) {
        snprintf(err, errlen, "out of memory");
        free(px);
        return NULL;
    }
    if (px_mq_init(&px->mq) < 0 ||
        ev_io_start(loop, &px->mq_io, px->mq.efd, EPOLLIN, on_main_mq, px) < 0) {
        snprintf(err, errlen, "proxy message queue: %s", strerror(errno));
        px_stop(px);
        return NULL;
    }
    if (px_reload(px, cfg, NULL, err, errlen) < 0) {
        px_stop(px);
        return NULL;
    }
    return px;
}

int px_drain(struct px *px, void (*done)(void *arg), void *arg)
{
    if (!px || px->nw == 0 || px->draining)
        return 1;
    px->draining = true;
    px->done = done;
    px->done_arg = arg;
    px->drained = 0;
    log_info("px", NULL, "draining: listeners closed, connections close over the drain timeout");
    for (size_t i = 0; i < px->nw; i++) {
        struct px_msg *m = calloc(1, sizeof(*m));
        if (!m)
            return 1; /* cannot drain: stop at once */
        m->type = PX_M_SHUTDOWN;
        px_mq_push(&px->w[i]->mq, m);
    }
    return 0;
}

void px_stop(struct px *px)
{
    if (!px)
        return;
    for (size_t i = 0; i < px->nw; i++)
        px_worker_free(px->w[i]);
    px->nw = 0;
    for (size_t i = 0; i < px->nents; i++) {
        struct px_gen *g = px->ents[i].gen;
        for (size_t k = 0; k < g->nsrv; k++) {
            chk_target_free(g->srv[k].s->chk);
            g->srv[k].s->chk = NULL;
        }
        chk_spec_unref(px->ents[i].spec);
        px_gen_unref(g);
    }
    free(px->ents);
    if (px->mq.efd >= 0)
        ev_io_stop(px->loop, &px->mq_io);
    px_mq_destroy(&px->mq);
    px_conns_destroy(&px->conns);
    free(px);
}

void px_set_health_cb(struct px *px, px_health_cb cb, void *arg)
{
    px->hcb = cb;
    px->harg = arg;
    for (size_t i = 0; cb && i < px->nents; i++) {
        struct px_prt *rt = px->ents[i].gen->rt;
        rt->reported = px_prt_health(rt);
        cb(rt->name, rt->reported, arg);
    }
}

int px_ctl(struct px *px, const char *cmd, struct sbuf *reply)
{
    char verb[16], pname[128], sname[128];
    if (sscanf(cmd, "%15s %127s %127s", verb, pname, sname) != 3 ||
        (strcmp(verb, "drain") != 0 && strcmp(verb, "undrain") != 0))
        return 0;
    struct px_ent *e = px ? find_ent(px, pname) : NULL;
    if (!e) {
        sbuf_printf(reply, "error: no proxy '%s'\n", pname);
        return 1;
    }
    for (size_t k = 0; k < e->gen->nsrv; k++) {
        struct px_srv *s = e->gen->srv[k].s;
        if (strcmp(s->name, sname) != 0)
            continue;
        bool on = verb[0] == 'd';
        atomic_store(&s->admin_drain, on);
        log_info("px", e->gen->name, "server %s: %s by command (%u connections open)", s->name,
                 on ? "draining, no new connections" : "taking new connections again",
                 atomic_load(&s->active));
        px_health_update(px, e->gen->rt);
        sbuf_printf(reply, "ok: %s/%s %s\n", pname, sname, on ? "draining" : "in service");
        return 1;
    }
    sbuf_printf(reply, "error: proxy '%s' has no server '%s'\n", pname, sname);
    return 1;
}
