/* px_balance: server selection (see balance.h). */
#include "proxy/balance.h"

#include <netinet/in.h>
#include <string.h>

static const char *const px_balance_algo_names[PX_BALANCE_COUNT] = {
    [PX_BALANCE_ROUNDROBIN] = "roundrobin",
    [PX_BALANCE_LEASTCONN] = "leastconn",
    [PX_BALANCE_SOURCE] = "source",
};

const char *px_balance_algo_str(enum px_balance_algo algo)
{
    if ((unsigned)algo >= PX_BALANCE_COUNT)
        return "unknown";
    return px_balance_algo_names[algo];
}

int px_balance_algo_parse(const char *s, enum px_balance_algo *out)
{
    unsigned i;

    for (i = 0; i < PX_BALANCE_COUNT; i++) {
        if (strcmp(s, px_balance_algo_names[i]) == 0) {
            *out = (enum px_balance_algo)i;
            return 0;
        }
    }
    return -1;
}

void px_balance_init(struct px_balance *b, enum px_balance_algo algo, unsigned seed)
{
    memset(b, 0, sizeof(*b));
    b->algo = algo;
    b->next = seed;
}

/* ---- hashing ---------------------------------------------------------- */

/* MurmurHash3's 64-bit finalizer: a bijection with full avalanche. */
static uint64_t fmix64(uint64_t k)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    k *= 0xc4ceb9fe1a85ec53ULL;
    k ^= k >> 33;
    return k;
}

/* FNV-1a 64 (fixed offset basis: the same everywhere, by design). */
static uint64_t fnv1a(const unsigned char *p, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    size_t i;

    for (i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

uint64_t px_balance_key(const void *data, size_t len)
{
    return fmix64(fnv1a(data, len));
}

uint64_t px_balance_addr_hash(const void *addr, size_t len)
{
    static const unsigned char v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    const unsigned char *p = addr;

    if (len == 16 && memcmp(p, v4mapped, sizeof(v4mapped)) == 0) {
        p += 12;
        len = 4;
    }
    /* The length goes in too, so that 4 and 16 byte addresses never mix. */
    return fmix64(fnv1a(p, len) ^ (uint64_t)len);
}

uint64_t px_balance_client_hash(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
        return px_balance_addr_hash(&in->sin_addr, 4);
    }
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
        return px_balance_addr_hash(&in6->sin6_addr, 16);
    }
    return 0;
}

/* log2(x) for x >= 1 in Q32 fixed point (32 fractional bits), by repeated
 * squaring of the Q31 mantissa. Exact integer arithmetic: the same on every
 * machine, which a libm log() is not guaranteed to be. */
static uint64_t log2_q32(uint64_t x)
{
    unsigned n = 63u - (unsigned)__builtin_clzll(x);
    uint64_t r = (uint64_t)n << 32;
    uint64_t m = n >= 31 ? x >> (n - 31) : x << (31 - n); /* [2^31, 2^32) */
    int bit;

    for (bit = 31; bit >= 0; bit--) {
        m = (m * m) >> 31; /* [2^31, 2^33) */
        if (m >= (1ULL << 32)) {
            m >>= 1;
            r |= 1ULL << bit;
        }
    }
    return r;
}

/* HRW cost of (client, server): -log2(u) in Q32 with u = hash/2^53 in (0, 1],
 * an Exp(1)-like variable (times ln 2). The server with the smallest
 * cost / weight wins, which makes P(server i) = w_i / sum(w)
 * (minimum of independent exponentials). Bounded by 53 << 32 < 2^38. */
static uint64_t hrw_cost(uint64_t client_hash, uint64_t key)
{
    uint64_t k = fmix64(key ^ 0x9e3779b97f4a7c15ULL);
    uint64_t h = fmix64(fmix64(client_hash ^ k) + k);
    uint64_t x = (h >> 11) + 1; /* [1, 2^53] */

    return (53ULL << 32) - log2_q32(x);
}

/* ---- eligibility ------------------------------------------------------ */

static uint32_t weight_of(const struct px_srv_view *s)
{
    return s->weight > PX_BALANCE_MAX_WEIGHT ? PX_BALANCE_MAX_WEIGHT : s->weight;
}

static bool usable(const struct px_srv_view *s)
{
    return s->healthy && s->weight > 0 && !s->draining;
}

/* Mask of the servers this pick may choose from: eligible primaries, or
 * eligible backups when there is none. */
static uint64_t candidates(const struct px_srv_view *srv, size_t n, uint64_t exclude)
{
    uint64_t prim = 0, back = 0;
    size_t i;

    for (i = 0; i < n; i++) {
        if (!usable(&srv[i]) || (exclude >> i) & 1)
            continue;
        if (srv[i].backup)
            back |= 1ULL << i;
        else
            prim |= 1ULL << i;
    }
    return prim != 0 ? prim : back;
}

/* ---- algorithms ------------------------------------------------------- */

/* Smooth weighted round robin: every candidate gains its weight, the richest
 * (lowest index on ties) is picked and pays the total. Servers that cannot be
 * picked at all restart from zero, so one that comes back does not arrive
 * with a stale credit; excluded-but-usable ones keep theirs for next time. */
static int pick_roundrobin(struct px_balance *b, const struct px_srv_view *srv, size_t n,
                           uint64_t cand, uint64_t exclude)
{
    int32_t total = 0;
    int best = -1;
    size_t i;

    for (i = 0; i < n; i++) {
        if (!((cand >> i) & 1)) {
            if (!((exclude >> i) & 1))
                b->cw[i] = 0;
            continue;
        }
        b->cw[i] += (int32_t)weight_of(&srv[i]);
        total += (int32_t)weight_of(&srv[i]);
        if (best < 0 || b->cw[i] > b->cw[best])
            best = (int)i;
    }
    b->cw[best] -= total;
    return best;
}

/* Least connections relative to weight: smallest (active + 1) / weight,
 * compared by cross-multiplication (< 2^49, no overflow). The scan starts at
 * b->next and keeps the first minimum, so ties rotate. */
static int pick_leastconn(struct px_balance *b, const struct px_srv_view *srv, size_t n,
                          uint64_t cand)
{
    int best = -1;
    size_t k;

    for (k = 0; k < n; k++) {
        size_t i = (b->next + k) % n;
        uint64_t li, lb;

        if (!((cand >> i) & 1))
            continue;
        if (best < 0) {
            best = (int)i;
            continue;
        }
        li = ((uint64_t)srv[i].active + 1) * weight_of(&srv[best]);
        lb = ((uint64_t)srv[best].active + 1) * weight_of(&srv[i]);
        if (li < lb)
            best = (int)i;
    }
    b->next = (uint32_t)(((size_t)best + 1) % n);
    return best;
}

/* Weighted rendezvous hashing: smallest cost_i / w_i, compared as
 * cost_i * w_b < cost_b * w_i (< 2^54). Exact ties go to the smaller key,
 * then the lower index, so the answer never depends on array order. */
static int pick_source(const struct px_srv_view *srv, size_t n, uint64_t cand, uint64_t client_hash)
{
    uint64_t best_cost = 0;
    int best = -1;
    size_t i;

    for (i = 0; i < n; i++) {
        uint64_t cost, l, r;

        if (!((cand >> i) & 1))
            continue;
        cost = hrw_cost(client_hash, srv[i].key);
        if (best >= 0) {
            l = cost * weight_of(&srv[best]);
            r = best_cost * weight_of(&srv[i]);
            if (l > r || (l == r && srv[i].key >= srv[best].key))
                continue;
        }
        best = (int)i;
        best_cost = cost;
    }
    return best;
}

int px_balance_pick(struct px_balance *b, const struct px_srv_view *srv, size_t n,
                    uint64_t client_hash, uint64_t exclude)
{
    uint64_t cand;

    if (n == 0 || n > PX_BALANCE_MAX_SERVERS)
        return -1;
    cand = candidates(srv, n, exclude);
    if (cand == 0)
        return -1;
    switch (b->algo) {
    case PX_BALANCE_LEASTCONN:
        return pick_leastconn(b, srv, n, cand);
    case PX_BALANCE_SOURCE:
        return pick_source(srv, n, cand, client_hash);
    case PX_BALANCE_ROUNDROBIN:
    default:
        return pick_roundrobin(b, srv, n, cand, exclude);
    }
}
