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
           r == CHK_R_RESET;
}

bool px_result_passive(enum chk_result r)
{
    return r == CHK_R_REFUSED || r == CHK_R_UNREACHABLE || r == CHK_R_CONNECT_TIMEOUT;
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
