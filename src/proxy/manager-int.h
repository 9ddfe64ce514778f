/* px manager internals shared by manager.c and status.c. */
#ifndef HAPLANE_PROXY_MANAGER_INT_H
#define HAPLANE_PROXY_MANAGER_INT_H

#include "proxy/proxy-int.h"

/* One proxy of the running configuration. */
struct px_ent {
    struct px_gen *gen;    /* a reference */
    struct chk_spec *spec; /* NULL: check none */
};

struct px {
    struct ev_loop *loop;
    struct px_worker *w[PX_MAX_WORKERS];
    size_t nw;
    struct px_ent *ents;
    size_t nents;
    struct px_mq mq; /* from the workers */
    struct ev_io mq_io;
    px_health_cb hcb;
    void *harg;
    bool draining;
    size_t drained;
    void (*done)(void *arg);
    void *done_arg;
    uint64_t nofile;
    long ncpu;
    struct px_conns conns; /* failover_reset (conns.c) */
};

/* 1 if the proxy's current generation has a usable server. */
int px_prt_health(const struct px_prt *rt);
/* Recompute, log and report (callback) a change of a proxy's health. */
void px_health_update(struct px *px, struct px_prt *rt);

#endif
