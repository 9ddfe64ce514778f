/* Unit tests: server selection (proxy/balance.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "proxy/balance.h"

#define NCLIENTS 10000

/* n servers named s0, s1, ... with the given weights, all healthy. */
static void make_servers(struct px_srv_view *srv, size_t n, const uint32_t *weights)
{
    size_t i;

    memset(srv, 0, n * sizeof(*srv));
    for (i = 0; i < n; i++) {
        char name[16];
        int len = snprintf(name, sizeof(name), "s%zu", i);
        srv[i].key = px_balance_key(name, (size_t)len);
        srv[i].weight = weights ? weights[i] : 1;
        srv[i].healthy = true;
    }
}

/* Client i: 10.x.y.z (IPv4) or fd00::x:y (IPv6). */
static uint64_t client(size_t i, bool v6)
{
    uint8_t a[16] = {0};

    if (!v6) {
        uint32_t ip = htonl(0x0a000000u + (uint32_t)i);
        return px_balance_addr_hash(&ip, 4);
    }
    a[0] = 0xfd;
    a[14] = (uint8_t)(i >> 8);
    a[15] = (uint8_t)i;
    a[13] = (uint8_t)(i >> 16);
    return px_balance_addr_hash(a, 16);
}

static int pick(struct px_balance *b, const struct px_srv_view *srv, size_t n)
{
    return px_balance_pick(b, srv, n, 0, 0);
}

static void algo_names(void **state)
{
    enum px_balance_algo a;

    assert_string_equal(px_balance_algo_str(PX_BALANCE_ROUNDROBIN), "roundrobin");
    assert_string_equal(px_balance_algo_str(PX_BALANCE_LEASTCONN), "leastconn");
    assert_string_equal(px_balance_algo_str(PX_BALANCE_SOURCE), "source");
    assert_string_equal(px_balance_algo_str(PX_BALANCE_COUNT), "unknown");
    assert_int_equal(px_balance_algo_parse("leastconn", &a), 0);
    assert_int_equal(a, PX_BALANCE_LEASTCONN);
    assert_int_equal(px_balance_algo_parse("source", &a), 0);
    assert_int_equal(a, PX_BALANCE_SOURCE);
    assert_int_equal(px_balance_algo_parse("roundrobin", &a), 0);
    assert_int_equal(a, PX_BALANCE_ROUNDROBIN);
    assert_int_equal(px_balance_algo_parse("first", &a), -1);
    assert_int_equal(px_balance_algo_parse("LeastConn", &a), -1);
}

/* Smooth WRR: the nginx sequence for 5,1,1, and exact shares over many picks. */
static void roundrobin_exact(void **state)
{
    static const uint32_t w[] = {5, 1, 1};
    static const int want[] = {0, 0, 1, 0, 2, 0, 0};
    struct px_srv_view srv[3];
    struct px_balance b;
    int counts[3] = {0};
    size_t i;

    make_servers(srv, 3, w);
    px_balance_init(&b, PX_BALANCE_ROUNDROBIN, 0);
    for (i = 0; i < 7; i++)
        assert_int_equal(pick(&b, srv, 3), want[i]);
    for (i = 0; i < 7000; i++)
        counts[pick(&b, srv, 3)]++;
    assert_int_equal(counts[0], 5000);
    assert_int_equal(counts[1], 1000);
    assert_int_equal(counts[2], 1000);
}

/* Every window of sum(w) picks has exactly w_i of server i; weight 0 never. */
static void roundrobin_windows_and_weight_zero(void **state)
{
    static const uint32_t w[] = {3, 2, 0, 1, 4};
    struct px_srv_view srv[5];
    struct px_balance b;
    size_t win, i;

    make_servers(srv, 5, w);
    px_balance_init(&b, PX_BALANCE_ROUNDROBIN, 7);
    for (win = 0; win < 100; win++) {
        int counts[5] = {0};
        for (i = 0; i < 10; i++)
            counts[pick(&b, srv, 5)]++;
        for (i = 0; i < 5; i++)
            assert_int_equal(counts[i], (int)w[i]);
    }
    /* only weight 0 left: nothing to pick */
    for (i = 0; i < 5; i++)
        srv[i].healthy = i == 2;
    assert_int_equal(pick(&b, srv, 5), -1);
}

/* A server that was down comes back without a burst or a backlog. */
static void roundrobin_server_returns(void **state)
{
    struct px_srv_view srv[3];
    struct px_balance b;
    int counts[3] = {0};
    size_t i;

    make_servers(srv, 3, NULL);
    px_balance_init(&b, PX_BALANCE_ROUNDROBIN, 0);
    srv[1].healthy = false;
    for (i = 0; i < 100; i++) {
        int p = pick(&b, srv, 3);
        assert_int_equal(p, i % 2 ? 2 : 0);
    }
    srv[1].healthy = true;
    for (i = 0; i < 3; i++)
        counts[pick(&b, srv, 3)]++;
    assert_int_equal(counts[0], 1);
    assert_int_equal(counts[1], 1);
    assert_int_equal(counts[2], 1);

    /* weights 3,1,1: server 1 leaves after two picks, holding a credit; it
     * comes back with none, so the next 5 picks have exactly the shares
     * (a stale credit would make it miss this whole round) */
    {
        static const uint32_t w[] = {3, 1, 1};
        static const int want[] = {0, 0, 1, 0, 2};

        make_servers(srv, 3, w);
        px_balance_init(&b, PX_BALANCE_ROUNDROBIN, 0);
        assert_int_equal(pick(&b, srv, 3), 0);
        assert_int_equal(pick(&b, srv, 3), 1);
        srv[1].healthy = false;
        for (i = 0; i < 10; i++)
            assert_int_not_equal(pick(&b, srv, 3), 1);
        srv[1].healthy = true;
        for (i = 0; i < 5; i++)
            assert_int_equal(pick(&b, srv, 3), want[i]);
    }
}

/* Weights above the maximum are clamped, not wrapped. */
static void weights_clamped(void **state)
{
    static const uint32_t w[] = {PX_BALANCE_MAX_WEIGHT, UINT32_MAX};
    struct px_srv_view srv[2];
    struct px_balance b;
    int counts[2] = {0};
    size_t i;

    make_servers(srv, 2, w);
    px_balance_init(&b, PX_BALANCE_ROUNDROBIN, 0);
    for (i = 0; i < 1000; i++)
        counts[pick(&b, srv, 2)]++;
    assert_int_equal(counts[0], 500);
    assert_int_equal(counts[1], 500);
}

/* Two workers' states never influence each other: interleaved, each one
 * produces exactly the sequence it would produce alone. */
static void per_worker_state(void **state)
{
    static const uint32_t w[] = {2, 1, 1};
    struct px_srv_view srv[3];
    struct px_balance solo, a, b;
    int seq[120];
    size_t i;

    make_servers(srv, 3, w);
    px_balance_init(&solo, PX_BALANCE_ROUNDROBIN, 0);
    for (i = 0; i < 120; i++)
        seq[i] = pick(&solo, srv, 3);
    px_balance_init(&a, PX_BALANCE_ROUNDROBIN, 0);
    px_balance_init(&b, PX_BALANCE_ROUNDROBIN, 0);
    for (i = 0; i < 60; i++) {
        assert_int_equal(pick(&b, srv, 3), seq[2 * i]);
        assert_int_equal(pick(&a, srv, 3), seq[i]);
        assert_int_equal(pick(&b, srv, 3), seq[2 * i + 1]);
    }
}

static void leastconn_fewest(void **state)
{
    struct px_srv_view srv[3];
    struct px_balance b;

    make_servers(srv, 3, NULL);
    px_balance_init(&b, PX_BALANCE_LEASTCONN, 0);
    srv[0].active = 5;
    srv[1].active = 2;
    srv[2].active = 7;
    assert_int_equal(pick(&b, srv, 3), 1);
    assert_int_equal(pick(&b, srv, 3), 1);
    /* relative to weight: (5+1)/3 = 2 < (2+1)/1 = 3 */
    srv[0].weight = 3;
    assert_int_equal(pick(&b, srv, 3), 0);
    /* fewest but draining, or weight 0: skipped */
    srv[0].draining = true;
    assert_int_equal(pick(&b, srv, 3), 1);
    srv[1].weight = 0;
    assert_int_equal(pick(&b, srv, 3), 2);
}

/* Equal load: ties go round, starting where the seed says. */
static void leastconn_ties_rotate(void **state)
{
    struct px_srv_view srv[4];
    struct px_balance b;
    size_t i;

    make_servers(srv, 4, NULL);
    px_balance_init(&b, PX_BALANCE_LEASTCONN, 0);
    for (i = 0; i < 12; i++)
        assert_int_equal(pick(&b, srv, 4), (int)(i % 4));
    px_balance_init(&b, PX_BALANCE_LEASTCONN, 6);
    for (i = 0; i < 8; i++)
        assert_int_equal(pick(&b, srv, 4), (int)((i + 2) % 4));
    /* a tie between two of them alternates; the loaded ones are left out */
    srv[0].active = srv[2].active = 3;
    srv[1].active = srv[3].active = 1;
    px_balance_init(&b, PX_BALANCE_LEASTCONN, 0);
    for (i = 0; i < 10; i++)
        assert_int_equal(pick(&b, srv, 4), i % 2 ? 3 : 1);
}

/* The caller counts connections: load follows the weights. */
static void leastconn_weighted_load(void **state)
{
    static const uint32_t w[] = {3, 1, 2};
    struct px_srv_view srv[3];
    struct px_balance b;
    size_t i;

    make_servers(srv, 3, w);
    px_balance_init(&b, PX_BALANCE_LEASTCONN, 0);
    for (i = 0; i < 600; i++)
        srv[pick(&b, srv, 3)].active++;
    assert_int_equal(srv[0].active, 300);
    assert_int_equal(srv[1].active, 100);
    assert_int_equal(srv[2].active, 200);
    /* connections close on server 0: it gets the next ones */
    srv[0].active -= 30;
    for (i = 0; i < 30; i++) {
        int p = pick(&b, srv, 3);
        assert_int_equal(p, 0);
        srv[p].active++;
    }
}

/* Backups only when no primary is eligible, for every algorithm. */
static void backup_only_when_primaries_down(void **state)
{
    struct px_srv_view srv[4];
    struct px_balance b;
    enum px_balance_algo algo;
    size_t i;

    for (algo = 0; algo < PX_BALANCE_COUNT; algo++) {
        make_servers(srv, 4, NULL);
        srv[1].backup = srv[3].backup = true;
        px_balance_init(&b, algo, 0);
        for (i = 0; i < 100; i++) {
            int p = px_balance_pick(&b, srv, 4, client(i, false), 0);
            assert_true(p == 0 || p == 2);
        }
        srv[0].healthy = false;
        for (i = 0; i < 100; i++)
            assert_int_equal(px_balance_pick(&b, srv, 4, client(i, false), 0), 2);
        srv[2].draining = true; /* no primary left: backups share */
        {
            int counts[4] = {0};
            for (i = 0; i < 1000; i++)
                counts[px_balance_pick(&b, srv, 4, client(i, false), 0)]++;
            assert_int_equal(counts[0] + counts[2], 0);
            assert_true(counts[1] > 350 && counts[3] > 350);
        }
        srv[2].draining = false;
        srv[2].weight = 0; /* weight 0 counts as absent too */
        assert_true(px_balance_pick(&b, srv, 4, 0, 0) % 2 == 1);
        /* primary back: backups idle again */
        srv[0].healthy = true;
        for (i = 0; i < 100; i++)
            assert_int_equal(px_balance_pick(&b, srv, 4, client(i, false), 0), 0);
        /* all eligible primaries already tried: a retry may use a backup */
        assert_int_equal(px_balance_pick(&b, srv, 4, 0, 1ULL << 0) % 2, 1);
        srv[1].healthy = srv[3].healthy = false;
        assert_int_equal(px_balance_pick(&b, srv, 4, 0, 1ULL << 0), -1);
    }
}

static void draining_gets_nothing(void **state)
{
    struct px_srv_view srv[3];
    struct px_balance b;
    enum px_balance_algo algo;
    size_t i;

    for (algo = 0; algo < PX_BALANCE_COUNT; algo++) {
        make_servers(srv, 3, NULL);
        srv[1].draining = true;
        srv[1].active = 0;
        srv[0].active = srv[2].active = 100;
        px_balance_init(&b, algo, 1);
        for (i = 0; i < 3000; i++)
            assert_int_not_equal(px_balance_pick(&b, srv, 3, client(i, true), 0), 1);
        srv[0].draining = srv[2].draining = true;
        assert_int_equal(px_balance_pick(&b, srv, 3, client(0, true), 0), -1);
    }
}

/* A retry never goes back to a server already tried; when all were tried,
 * there is nothing. */
static void exclude_on_retry(void **state)
{
    struct px_srv_view srv[5];
    struct px_balance b;
    enum px_balance_algo algo;
    size_t c;

    for (algo = 0; algo < PX_BALANCE_COUNT; algo++) {
        make_servers(srv, 5, NULL);
        px_balance_init(&b, algo, 0);
        for (c = 0; c < 200; c++) {
            uint64_t tried = 0, h = client(c, c % 2);
            int k, p;
            for (k = 0; k < 5; k++) {
                p = px_balance_pick(&b, srv, 5, h, tried);
                assert_true(p >= 0 && p < 5);
                assert_false((tried >> p) & 1);
                tried |= 1ULL << p;
            }
            assert_int_equal(tried, 0x1f);
            assert_int_equal(px_balance_pick(&b, srv, 5, h, tried), -1);
        }
    }
}

static void nothing_to_pick(void **state)
{
    struct px_srv_view srv[PX_BALANCE_MAX_SERVERS + 1];
    struct px_balance b;

    make_servers(srv, PX_BALANCE_MAX_SERVERS + 1, NULL);
    px_balance_init(&b, PX_BALANCE_ROUNDROBIN, 0);
    assert_int_equal(px_balance_pick(&b, srv, 0, 0, 0), -1);
    assert_int_equal(px_balance_pick(&b, srv, PX_BALANCE_MAX_SERVERS + 1, 0, 0), -1);
    /* 64 servers work, and the last one can be excluded */
    assert_int_equal(px_balance_pick(&b, srv, PX_BALANCE_MAX_SERVERS, 0, ~0ULL >> 1), 63);
    assert_int_equal(px_balance_pick(&b, srv, PX_BALANCE_MAX_SERVERS, 0, ~0ULL), -1);
    srv[0].weight = 0;
    assert_int_equal(px_balance_pick(&b, srv, 1, 0, 0), -1);
    srv[0].weight = 1;
    srv[0].healthy = false;
    assert_int_equal(px_balance_pick(&b, srv, 1, 0, 0), -1);
}

/* Map NCLIENTS clients with the source algorithm. */
static void map_clients(const struct px_srv_view *srv, size_t n, bool v6, int *out)
{
    struct px_balance b;
    size_t c;

    px_balance_init(&b, PX_BALANCE_SOURCE, 0);
    for (c = 0; c < NCLIENTS; c++) {
        out[c] = px_balance_pick(&b, srv, n, client(c, v6), 0);
        assert_true(out[c] >= 0 && out[c] < (int)n);
    }
}

static void count_map(const int *map, int *counts, size_t n)
{
    size_t c;

    memset(counts, 0, n * sizeof(*counts));
    for (c = 0; c < NCLIENTS; c++)
        counts[map[c]]++;
}

/* Equal weights: each of 3 servers gets 1/3 of 10,000 clients, within
 * 200 (over 4 standard deviations of 47); same for IPv6. The exact counts
 * were computed independently (Python, floating-point -log2 and the same
 * hashes): they pin both the hash and the fixed-point logarithm. */
static void source_spreads_evenly(void **state)
{
    static int map[NCLIENTS];
    struct px_srv_view srv[3];
    int counts[3], v6;
    size_t i;

    static const int exact[2][3] = {{3234, 3426, 3340}, {3343, 3299, 3358}};

    make_servers(srv, 3, NULL);
    for (v6 = 0; v6 < 2; v6++) {
        map_clients(srv, 3, v6, map);
        count_map(map, counts, 3);
        for (i = 0; i < 3; i++) {
            if (counts[i] < 3333 - 200 || counts[i] > 3333 + 200)
                fail_msg("v6=%d server %zu: %d clients", v6, i, counts[i]);
            assert_int_equal(counts[i], exact[v6][i]);
        }
    }
}

/* Weights 1,2,3,0: shares 1/6, 2/6, 3/6 within 4 standard deviations. */
static void source_follows_weights(void **state)
{
    static const uint32_t w[] = {1, 2, 3, 0};
    static const int want[] = {1667, 3333, 5000, 0};
    static const int tol[] = {150, 190, 200, 0};
    static int map[NCLIENTS];
    struct px_srv_view srv[4];
    int counts[4];
    size_t i;

    make_servers(srv, 4, w);
    map_clients(srv, 4, false, map);
    count_map(map, counts, 4);
    for (i = 0; i < 4; i++)
        if (counts[i] < want[i] - tol[i] || counts[i] > want[i] + tol[i])
            fail_msg("server %zu (weight %u): %d clients", i, w[i], counts[i]);
    assert_int_equal(counts[0], 1685);
    assert_int_equal(counts[1], 3370);
    assert_int_equal(counts[2], 4945);
}

/* Rendezvous property: when a server leaves, exactly its clients move (and
 * spread over the others); when it comes back, exactly they return. */
static void source_minimal_disruption(void **state)
{
    static int before[NCLIENTS], during[NCLIENTS], after[NCLIENTS];
    static const uint32_t w[] = {1, 1, 2, 1};
    struct px_srv_view srv[4];
    int moved = 0, stayed_wrongly = 0, lost, counts[4];
    size_t c;

    make_servers(srv, 4, w);
    map_clients(srv, 4, false, before);
    count_map(before, counts, 4);
    lost = counts[1];
    srv[1].healthy = false;
    map_clients(srv, 4, false, during);
    for (c = 0; c < NCLIENTS; c++) {
        if (before[c] == 1)
            moved++;
        else if (during[c] != before[c])
            stayed_wrongly++;
    }
    assert_int_equal(stayed_wrongly, 0);
    assert_int_equal(moved, lost);
    count_map(during, counts, 4);
    assert_int_equal(counts[1], 0);
    /* the moved clients split 1:2:1 over servers 0, 2, 3 (by weight) */
    {
        int to[4] = {0};
        for (c = 0; c < NCLIENTS; c++)
            if (before[c] == 1)
                to[during[c]]++;
        assert_true(lost > 2000 - 160 && lost < 2000 + 160);
        assert_true(to[0] > lost / 4 - 120 && to[0] < lost / 4 + 120);
        assert_true(to[2] > lost / 2 - 120 && to[2] < lost / 2 + 120);
        assert_true(to[3] > lost / 4 - 120 && to[3] < lost / 4 + 120);
        /* exact, from the independent reference */
        assert_int_equal(lost, 2052);
        assert_int_equal(to[0], 507);
        assert_int_equal(to[2], 1018);
        assert_int_equal(to[3], 527);
    }
    srv[1].healthy = true;
    map_clients(srv, 4, false, after);
    assert_memory_equal(before, after, sizeof(before));
}

/* A new server (or a heavier one) only takes clients; nobody else moves. */
static void source_add_server_and_weight(void **state)
{
    static int before[NCLIENTS], grown[NCLIENTS], heavier[NCLIENTS];
    struct px_srv_view srv[4];
    int to_new = 0;
    size_t c;

    make_servers(srv, 4, NULL);
    map_clients(srv, 3, false, before);
    map_clients(srv, 4, false, grown);
    for (c = 0; c < NCLIENTS; c++) {
        if (grown[c] != before[c]) {
            assert_int_equal(grown[c], 3);
            to_new++;
        }
    }
    assert_true(to_new > 2500 - 180 && to_new < 2500 + 180);
    assert_int_equal(to_new, 2521);
    srv[0].weight = 3;
    map_clients(srv, 4, false, heavier);
    for (c = 0; c < NCLIENTS; c++)
        if (heavier[c] != grown[c])
            assert_int_equal(heavier[c], 0);
}

/* The answer depends on the server keys, not on the array order. */
static void source_ignores_order(void **state)
{
    static int fwd[NCLIENTS], rev[NCLIENTS];
    struct px_srv_view srv[5], r[5];
    size_t c, i;

    make_servers(srv, 5, NULL);
    srv[2].weight = 4;
    for (i = 0; i < 5; i++)
        r[i] = srv[4 - i];
    map_clients(srv, 5, true, fwd);
    map_clients(r, 5, true, rev);
    for (c = 0; c < NCLIENTS; c++)
        assert_int_equal(fwd[c], 4 - rev[c]);
}

/* Two servers with the same key and weight tie on every client: the lower
 * index wins (only reachable with duplicate keys, e.g. duplicate names). */
static void source_exact_tie(void **state)
{
    struct px_srv_view srv[3];
    struct px_balance b;
    size_t c;

    make_servers(srv, 3, NULL);
    srv[2].key = srv[1].key;
    srv[0].healthy = false;
    px_balance_init(&b, PX_BALANCE_SOURCE, 0);
    for (c = 0; c < 100; c++)
        assert_int_equal(px_balance_pick(&b, srv, 3, client(c, false), 0), 1);
}

/* A retry goes to the client's second choice: the server it would get if
 * its first choice were down. */
static void source_retry_is_second_choice(void **state)
{
    struct px_srv_view srv[4];
    struct px_balance b;
    size_t c;

    make_servers(srv, 4, NULL);
    px_balance_init(&b, PX_BALANCE_SOURCE, 0);
    for (c = 0; c < NCLIENTS; c++) {
        uint64_t h = client(c, false);
        int first = px_balance_pick(&b, srv, 4, h, 0);
        int retry = px_balance_pick(&b, srv, 4, h, 1ULL << first);
        srv[first].healthy = false;
        assert_int_equal(px_balance_pick(&b, srv, 4, h, 0), retry);
        srv[first].healthy = true;
        assert_int_equal(px_balance_pick(&b, srv, 4, h, 0), first);
    }
}

/* Address hashing: port ignored, v4-mapped IPv6 = IPv4, v4 != v6, and the
 * values are fixed (every process and every node must agree: if this test
 * breaks, source affinity changes across an upgrade). */
static void address_hashing(void **state)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(1234)};
    struct sockaddr_in a2 = {.sin_family = AF_INET, .sin_port = htons(4321)};
    struct sockaddr_in6 m = {.sin6_family = AF_INET6, .sin6_port = htons(9)};
    struct sockaddr_in6 v6 = {.sin6_family = AF_INET6};
    struct sockaddr_un_like {
        sa_family_t family;
        char path[20];
    } u = {AF_UNIX, "x"};
    struct px_srv_view srv[3];
    struct px_balance b;

    inet_pton(AF_INET, "198.18.0.21", &a.sin_addr);
    inet_pton(AF_INET, "198.18.0.21", &a2.sin_addr);
    inet_pton(AF_INET6, "::ffff:198.18.0.21", &m.sin6_addr);
    inet_pton(AF_INET6, "fd00::21", &v6.sin6_addr);
    assert_true(px_balance_client_hash((struct sockaddr *)&a) ==
                px_balance_client_hash((struct sockaddr *)&a2));
    assert_true(px_balance_client_hash((struct sockaddr *)&a) ==
                px_balance_client_hash((struct sockaddr *)&m));
    assert_true(px_balance_client_hash((struct sockaddr *)&a) !=
                px_balance_client_hash((struct sockaddr *)&v6));
    assert_true(px_balance_client_hash((struct sockaddr *)&u) == 0);
    /* pinned values (checked against an independent Python implementation) */
    assert_true(px_balance_client_hash((struct sockaddr *)&v6) == 0xc0f3f9ef339a5a1eULL);
    assert_true(px_balance_key("master1", 7) == 0x9ac70ee1558185c4ULL);
    assert_true(px_balance_client_hash((struct sockaddr *)&a) == 0x31d6054183f060faULL);
    make_servers(srv, 3, NULL);
    px_balance_init(&b, PX_BALANCE_SOURCE, 0);
    assert_int_equal(px_balance_pick(&b, srv, 3, px_balance_client_hash((struct sockaddr *)&a), 0),
                     0);
    assert_int_equal(px_balance_pick(&b, srv, 3, px_balance_client_hash((struct sockaddr *)&v6), 0),
                     2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(algo_names),
        cmocka_unit_test(roundrobin_exact),
        cmocka_unit_test(roundrobin_windows_and_weight_zero),
        cmocka_unit_test(roundrobin_server_returns),
        cmocka_unit_test(weights_clamped),
        cmocka_unit_test(per_worker_state),
        cmocka_unit_test(leastconn_fewest),
        cmocka_unit_test(leastconn_ties_rotate),
        cmocka_unit_test(leastconn_weighted_load),
        cmocka_unit_test(backup_only_when_primaries_down),
        cmocka_unit_test(draining_gets_nothing),
        cmocka_unit_test(exclude_on_retry),
        cmocka_unit_test(nothing_to_pick),
        cmocka_unit_test(source_spreads_evenly),
        cmocka_unit_test(source_follows_weights),
        cmocka_unit_test(source_minimal_disruption),
        cmocka_unit_test(source_add_server_and_weight),
        cmocka_unit_test(source_ignores_order),
        cmocka_unit_test(source_exact_tie),
        cmocka_unit_test(source_retry_is_second_choice),
        cmocka_unit_test(address_hashing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
