/* px_policy: see policy.h. */
#include "proxy/policy.h"

uint32_t px_maxconn_auto(uint64_t nofile)
{
    uint64_t n = nofile > PX_FD_RESERVE + 2 ? (nofile - PX_FD_RESERVE) / 2 : 1;
    return n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
}

unsigned px_pool_pipes_max(uint32_t nworkers, unsigned per_worker_max)
{
    unsigned n = PX_FD_RESERVE / 4 / 2 / (nworkers ? nworkers : 1);
    return n < per_worker_max ? n : per_worker_max;
}

uint32_t px_workers_resolve(uint32_t configured, long ncpu, uint32_t max)
{
    uint32_t n = configured ? configured : (ncpu > 0 ? (uint32_t)ncpu : 1);
    if (n > max)
        n = max;
    return n ? n : 1;
}

bool px_result_retryable(enum chk_result r)
{
    return r == CHK_R_REFUSED || r == CHK_R_UNREACHABLE || r == CHK_R_CONNECT_TIMEOUT ||
           r == CHK_R_SLOW_CONNECT || r == CHK_R_RESET;
}

bool px_result_passive(enum chk_result r)
{
    return r == CHK_R_REFUSED || r == CHK_R_UNREACHABLE || r == CHK_R_CONNECT_TIMEOUT ||
           r == CHK_R_SLOW_CONNECT;
}

void px_race_start(struct px_race *r, uint64_t now)
{
    r->p_start = now;
    r->h_start = 0;
    r->hedging = false;
    r->h_used = false;
}

static uint64_t add_sat(uint64_t a, uint64_t b)
{
    return a + b < a ? UINT64_MAX : a + b;
}

enum px_race_tick px_race_tick(const struct px_race *r, uint64_t now, uint64_t connect_ns,
                               uint64_t hedge_ns, bool may_hedge, uint64_t *next)
{
    uint64_t p_dl = add_sat(r->p_start, connect_ns);
    uint64_t h_dl = r->hedging ? add_sat(r->h_start, connect_ns) : UINT64_MAX;
    uint64_t h_at = UINT64_MAX;
    if (!r->hedging && !r->h_used && may_hedge && hedge_ns && hedge_ns < connect_ns)
        h_at = add_sat(r->p_start, hedge_ns);
    uint64_t first = p_dl < h_dl ? p_dl : h_dl;
    if (h_at < first)
        first = h_at;
    *next = first;
    if (now >= p_dl) {
        *next = now;
        return PX_RACE_PRIMARY_TIMEOUT;
    }
    if (now >= h_dl) {
        *next = now;
        return PX_RACE_HEDGE_TIMEOUT;
    }
    if (now >= h_at) {
        *next = now;
        return PX_RACE_HEDGE;
    }
    return PX_RACE_WAIT;
}

void px_race_hedged(struct px_race *r, uint64_t now, bool ok)
{
    r->h_used = true;
    r->hedging = ok;
    r->h_start = ok ? now : 0;
}

enum px_race_end px_race_done(struct px_race *r, bool hedge, bool ok)
{
    if (hedge) {
        r->hedging = false;
        return ok ? PX_RACE_USE_HEDGE : PX_RACE_GO_ON;
    }
    if (ok) {
        r->hedging = false;
        return PX_RACE_USE_PRIMARY;
    }
    if (!r->hedging)
        return PX_RACE_RETRY;
    r->p_start = r->h_start;
    r->h_start = 0;
    r->hedging = false;
    r->h_used = false;
    return PX_RACE_PROMOTE;
}

enum px_tmo px_timeout_check(uint64_t now, uint64_t last_active, uint64_t idle_ns,
                             uint64_t drain_at, uint64_t *next)
{
    uint64_t idle_at = last_active + idle_ns;
    if (idle_at < last_active)
        idle_at = UINT64_MAX;
    if (drain_at && now >= drain_at)
        return PX_TMO_DRAIN;
    if (now >= idle_at)
        return PX_TMO_IDLE;
    *next = (drain_at && drain_at < idle_at) ? drain_at : idle_at;
    return PX_TMO_NONE;
}

bool px_result_no_answer(enum chk_result r)
{
    return r == CHK_R_REFUSED || r == CHK_R_UNREACHABLE || r == CHK_R_CONNECT_TIMEOUT ||
           r == CHK_R_SLOW_CONNECT || r == CHK_R_RESET || r == CHK_R_TIMEOUT;
}

uint64_t px_down_drain_ns(enum chk_result why, uint64_t drain_ns)
{
    if (px_result_no_answer(why) && drain_ns > PX_CUT_NS)
        return PX_CUT_NS;
    return drain_ns;
}

uint64_t px_drain_deadline(uint64_t now, uint64_t drain_ns, uint64_t rnd, uint64_t cur)
{
    uint64_t at = now + (drain_ns == UINT64_MAX ? rnd : rnd % (drain_ns + 1));
    if (at < now)
        at = UINT64_MAX;
    return (cur && cur < at) ? cur : at;
}

int px_health_of(const struct px_srv_view *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (v[i].healthy && v[i].weight > 0 && !v[i].draining)
            return 1;
    return 0;
}
