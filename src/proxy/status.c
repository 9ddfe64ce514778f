/* px status: the proxies as JSON (for `haplane status --json`, tests and
 * metrics) and as text. Main thread; counters are read with relaxed loads,
 * so a line may mix values a few connections apart. */
#include <stdio.h>
#include <string.h>

#include "check/state.h"
#include "proxy/manager-int.h"

/* Connect failures worth showing, in this order. */
static const enum chk_result fail_kinds[] = {CHK_R_REFUSED,         CHK_R_UNREACHABLE,
                                             CHK_R_CONNECT_TIMEOUT, CHK_R_SLOW_CONNECT,
                                             CHK_R_RESET,           CHK_R_INTERNAL_ERROR};
#define NFAIL (sizeof(fail_kinds) / sizeof(fail_kinds[0]))

#define PX_C_NAME_(n, s) [PX_C_##n] = s,
static const char *const counter_names[PX_C_COUNT] = {PX_PCOUNTERS(PX_C_NAME_)};
#undef PX_C_NAME_

static void json_fails(struct sbuf *o, px_ctr *v)
{
    sbuf_puts(o, "{");
    for (size_t i = 0; i < NFAIL; i++)
        sbuf_printf(o, "%s\"%s\":%llu", i ? "," : "", chk_result_str(fail_kinds[i]),
                    (unsigned long long)px_get(&v[fail_kinds[i]]));
    sbuf_puts(o, "}");
}

/* Completed checks by result (every result, zeros too) and the duration
 * histogram: bucket upper bounds and per-bucket counts, the last for +Inf. */
static void json_check_counts(struct sbuf *o, const struct chk_info *ci)
{
    sbuf_puts(o, ",\"check_results\":{");
    for (int r = 0; r < CHK_R_COUNT; r++)
        sbuf_printf(o, "%s\"%s\":%llu", r ? "," : "", chk_result_str((enum chk_result)r),
                    (unsigned long long)ci->results[r]);
    sbuf_puts(o, "},\"check_duration\":{\"le_s\":[");
    for (int b = 0; b < CHK_DUR_NBUCKETS; b++)
        sbuf_printf(o, "%s%g", b ? "," : "", chk_dur_bounds_us[b] / 1e6);
    sbuf_puts(o, "],\"counts\":[");
    for (int b = 0; b <= CHK_DUR_NBUCKETS; b++)
        sbuf_printf(o, "%s%llu", b ? "," : "", (unsigned long long)ci->dur_counts[b]);
    sbuf_printf(o, "],\"sum_s\":%.6f}", ci->dur_sum_us / 1e6);
}

static void json_check(struct sbuf *o, const struct px_srv *s)
{
    struct chk_info ci;
    const struct chk_state *st;
    if (!s->chk) {
        sbuf_puts(o, ",\"checked\":false");
        return;
    }
    chk_target_info(s->chk, &ci);
    st = chk_target_state(s->chk);
    sbuf_printf(o, ",\"checked\":true,\"last_result\":\"%s\",\"last_passive\":%s",
                chk_result_str(st->last), st->last_passive ? "true" : "false");
    sbuf_printf(o,
                ",\"last_check\":{\"result\":\"%s\",\"status\":%d,\"latency_ms\":%.3f,"
                "\"detail\":",
                chk_result_str(ci.last), ci.last_status, ci.last_latency_us / 1000.0);
    sbuf_json_str(o, ci.detail);
    sbuf_printf(o,
                "},\"checks\":%llu,\"check_failures\":%llu,\"passive_failures\":%llu,"
                "\"passive_failures_discounted\":%llu,"
                "\"consecutive_failures\":%u,\"consecutive_passes\":%u",
                (unsigned long long)ci.checks, (unsigned long long)ci.failures,
                (unsigned long long)ci.passive_failures, (unsigned long long)ci.passive_discounted,
                st->fails, st->passes);
    json_check_counts(o, &ci);
    if (ci.changed_ns)
        sbuf_printf(o, ",\"changed_s_ago\":%.3f",
                    (double)(ev_clock_ns() - ci.changed_ns) / NS_PER_S);
}

static void json_server(struct sbuf *o, const struct px_gsrv *gs)
{
    struct px_srv *s = gs->s;
    sbuf_puts(o, "{\"name\":");
    sbuf_json_str(o, s->name);
    sbuf_printf(o, ",\"address\":\"%s\",\"weight\":%u,\"backup\":%s,\"draining\":%s", s->addrstr,
                gs->weight, gs->backup ? "true" : "false",
                atomic_load(&s->admin_drain) ? "true" : "false");
    sbuf_printf(o, ",\"health\":\"%s\",\"healthy\":%s",
                chk_health_str((enum chk_health)atomic_load(&s->health)),
                atomic_load(&s->healthy) ? "true" : "false");
    json_check(o, s);
    sbuf_printf(o, ",\"active\":%u,\"connects\":%llu,\"connected\":%llu,\"connect_failures\":",
                atomic_load(&s->active), (unsigned long long)px_get(&s->connects),
                (unsigned long long)px_get(&s->connected));
    json_fails(o, s->conn_fail);
    sbuf_printf(o, ",\"hedges\":{\"slow\":%llu,\"won\":%llu}}",
                (unsigned long long)px_get(&s->hedged), (unsigned long long)px_get(&s->hedge_wins));
}

static void json_proxy(struct sbuf *o, const struct px_ent *e)
{
    struct px_gen *g = e->gen;
    struct px_prt *rt = g->rt;
    sbuf_json_str(o, g->name);
    sbuf_puts(o, ":{\"binds\":[");
    for (size_t b = 0; b < g->nbinds; b++) {
        if (b)
            sbuf_puts(o, ",");
        sbuf_json_str(o, g->binds[b].str);
    }
    sbuf_printf(o, "],\"workers\":%u,\"balance\":\"%s\",\"relay\":\"%s\",\"healthy\":%s",
                g->nworkers, px_balance_algo_str(g->algo), g->splice ? "splice" : "copy",
                px_prt_health(rt) ? "true" : "false");
    sbuf_printf(o, ",\"connections\":%u,\"maxconn\":%u,\"retries\":%u", atomic_load(&rt->conns),
                g->maxconn, g->retries);
    sbuf_printf(
        o, ",\"timeouts_ms\":{\"connect\":%llu,\"hedge\":%llu,\"idle\":%llu,\"drain\":%llu}",
        (unsigned long long)(g->connect_ns / NS_PER_MS),
        (unsigned long long)(g->hedge_ns / NS_PER_MS), (unsigned long long)(g->idle_ns / NS_PER_MS),
        (unsigned long long)(g->drain_ns / NS_PER_MS));
    sbuf_puts(o, ",\"counters\":{");
    for (int c = 0; c < PX_C_COUNT; c++)
        sbuf_printf(o, "%s\"%s\":%llu", c ? "," : "", counter_names[c],
                    (unsigned long long)px_get(&rt->c[c]));
    sbuf_puts(o, "},\"connect_failures\":");
    json_fails(o, rt->conn_fail);
    sbuf_puts(o, ",\"servers\":[");
    for (size_t k = 0; k < g->nsrv; k++) {
        if (k)
            sbuf_puts(o, ",");
        json_server(o, &g->srv[k]);
    }
    sbuf_puts(o, "]}");
}

void px_status_json(struct px *px, struct sbuf *o)
{
    sbuf_puts(o, "{");
    for (size_t i = 0; px && i < px->nents; i++) {
        if (i)
            sbuf_puts(o, ",");
        json_proxy(o, &px->ents[i]);
    }
    sbuf_puts(o, "}");
}

void px_status_line(struct px *px, struct sbuf *o)
{
    for (size_t i = 0; px && i < px->nents; i++) {
        struct px_gen *g = px->ents[i].gen;
        unsigned up = 0;
        for (size_t k = 0; k < g->nsrv; k++)
            up += atomic_load(&g->srv[k].s->healthy) ? 1 : 0;
        sbuf_printf(o, "%s%s %u/%zu servers up", o->len ? ", " : "", g->name, up, g->nsrv);
    }
}

static void text_server(struct sbuf *o, const struct px_gsrv *gs)
{
    struct px_srv *s = gs->s;
    char chk[160] = "not checked";
    if (s->chk) {
        struct chk_info ci;
        const struct chk_state *st = chk_target_state(s->chk);
        chk_target_info(s->chk, &ci);
        snprintf(chk, sizeof(chk), "%s%s, last check %s%s%s%s %.1f ms", chk_result_str(st->last),
                 st->last_passive ? " (passive)" : "", chk_result_str(ci.last),
                 ci.detail[0] ? " (" : "", ci.detail, ci.detail[0] ? ")" : "",
                 ci.last_latency_us / 1000.0);
    }
    uint64_t failed = 0;
    for (size_t i = 0; i < NFAIL; i++) /* a hedged connect is shown apart: it may have won */
        if (fail_kinds[i] != CHK_R_SLOW_CONNECT)
            failed += px_get(&s->conn_fail[fail_kinds[i]]);
    sbuf_printf(o,
                "  %-12s %-22s %-10s%s%s %s; %u active, %llu connects, %llu failed, "
                "%llu slow (hedged), %llu hedges won\n",
                s->name, s->addrstr, chk_health_str((enum chk_health)atomic_load(&s->health)),
                atomic_load(&s->admin_drain) ? " DRAIN" : "", gs->backup ? " backup" : "", chk,
                atomic_load(&s->active), (unsigned long long)px_get(&s->connects),
                (unsigned long long)failed, (unsigned long long)px_get(&s->hedged),
                (unsigned long long)px_get(&s->hedge_wins));
}

void px_status_text(struct px *px, struct sbuf *o)
{
    for (size_t i = 0; px && i < px->nents; i++) {
        struct px_gen *g = px->ents[i].gen;
        struct px_prt *rt = g->rt;
        sbuf_printf(o, "proxy %s:", g->name);
        for (size_t b = 0; b < g->nbinds; b++)
            sbuf_printf(o, " %s", g->binds[b].str);
        sbuf_printf(o, ", %s, %s, %u workers, %s, %u connections (max %u)\n",
                    px_balance_algo_str(g->algo), g->splice ? "splice" : "copy", g->nworkers,
                    px_prt_health(rt) ? "healthy" : "NO SERVER AVAILABLE", atomic_load(&rt->conns),
                    g->maxconn);
        for (size_t k = 0; k < g->nsrv; k++)
            text_server(o, &g->srv[k]);
        sbuf_printf(o,
                    "  accepted %llu; dropped: maxconn %llu, out of fds %llu, no server %llu, "
                    "connect failed %llu, internal %llu; accept errors %llu; retries %llu; "
                    "hedges %llu (won %llu); closed: idle %llu, drain %llu\n",
                    (unsigned long long)px_get(&rt->c[PX_C_accepted]),
                    (unsigned long long)px_get(&rt->c[PX_C_drop_maxconn]),
                    (unsigned long long)px_get(&rt->c[PX_C_drop_no_fd]),
                    (unsigned long long)px_get(&rt->c[PX_C_drop_no_server]),
                    (unsigned long long)px_get(&rt->c[PX_C_drop_connect]),
                    (unsigned long long)px_get(&rt->c[PX_C_drop_internal]),
                    (unsigned long long)px_get(&rt->c[PX_C_accept_errors]),
                    (unsigned long long)px_get(&rt->c[PX_C_retries]),
                    (unsigned long long)px_get(&rt->c[PX_C_hedges]),
                    (unsigned long long)px_get(&rt->c[PX_C_hedges_won]),
                    (unsigned long long)px_get(&rt->c[PX_C_closed_idle]),
                    (unsigned long long)px_get(&rt->c[PX_C_closed_drain]));
    }
}
