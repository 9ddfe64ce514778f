/* Unit tests: hedged connects (px_race in proxy/policy.c): when to hedge,
 * which server, who wins. Times are plain numbers (ns); no clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "proxy/balance.h"
#include "proxy/policy.h"

#define CONNECT 2000
#define HEDGE   100

static enum px_race_tick tick(const struct px_race *r, uint64_t now, uint64_t *next)
{
    return px_race_tick(r, now, CONNECT, HEDGE, true, next);
}

/* No answer within the hedge delay: hedge, once, then wait for the first
 * connect deadline. */
static void hedge_after_delay(void **state)
{
    struct px_race r;
    uint64_t next = 0;
    px_race_start(&r, 1000);
    assert_int_equal(tick(&r, 1000, &next), PX_RACE_WAIT);
    assert_int_equal(next, 1000 + HEDGE); /* the one timer: hedge first */
    assert_int_equal(tick(&r, 1099, &next), PX_RACE_WAIT);
    assert_int_equal(tick(&r, 1100, &next), PX_RACE_HEDGE);
    assert_int_equal(next, 1100);
    px_race_hedged(&r, 1100, true);
    assert_true(r.hedging);
    assert_int_equal(tick(&r, 1100, &next), PX_RACE_WAIT);
    assert_int_equal(next, 1000 + CONNECT); /* the primary's deadline comes first */
    /* the primary times out first; the hedge keeps its own deadline */
    assert_int_equal(tick(&r, 3000, &next), PX_RACE_PRIMARY_TIMEOUT);
    assert_int_equal(px_race_done(&r, false, false), PX_RACE_PROMOTE);
    assert_int_equal(r.p_start, 1100);
    assert_false(r.hedging);
    /* the promoted connect may be hedged in its turn: it is overdue */
    assert_int_equal(tick(&r, 3000, &next), PX_RACE_HEDGE);
    px_race_hedged(&r, 3000, false); /* nobody left to race */
    assert_int_equal(tick(&r, 3000, &next), PX_RACE_WAIT);
    assert_int_equal(next, 1100 + CONNECT);
    assert_int_equal(tick(&r, 3100, &next), PX_RACE_PRIMARY_TIMEOUT);
    assert_int_equal(px_race_done(&r, false, false), PX_RACE_RETRY);
}

/* Off with 0, with a delay not shorter than the connect timeout, and
 * without an attempt left (retries): only the connect deadline. */
static void hedge_off(void **state)
{
    struct px_race r;
    uint64_t next = 0;
    px_race_start(&r, 0);
    assert_int_equal(px_race_tick(&r, 500, CONNECT, 0, true, &next), PX_RACE_WAIT);
    assert_int_equal(next, CONNECT);
    assert_int_equal(px_race_tick(&r, 500, CONNECT, CONNECT, true, &next), PX_RACE_WAIT);
    assert_int_equal(next, CONNECT);
    assert_int_equal(px_race_tick(&r, 500, CONNECT, HEDGE, false, &next), PX_RACE_WAIT);
    assert_int_equal(next, CONNECT);
    assert_int_equal(px_race_tick(&r, CONNECT, CONNECT, 0, true, &next), PX_RACE_PRIMARY_TIMEOUT);
    /* deadlines saturate instead of wrapping */
    px_race_start(&r, UINT64_MAX - 10);
    assert_int_equal(px_race_tick(&r, UINT64_MAX - 10, CONNECT, HEDGE, true, &next), PX_RACE_WAIT);
    assert_int_equal(next, UINT64_MAX);
}

/* A primary is hedged at most once: after a hedge that failed (or could
 * not start) it goes on alone until its deadline. */
static void hedge_once_per_primary(void **state)
{
    struct px_race r;
    uint64_t next = 0;
    px_race_start(&r, 0);
    assert_int_equal(tick(&r, HEDGE, &next), PX_RACE_HEDGE);
    px_race_hedged(&r, HEDGE, true);
    assert_int_equal(px_race_done(&r, true, false), PX_RACE_GO_ON); /* refused, say */
    assert_int_equal(tick(&r, 2 * HEDGE, &next), PX_RACE_WAIT);
    assert_int_equal(next, CONNECT);
    /* a hedge that itself times out (the primary started earlier, so its
     * deadline would come first: make the hedge's come first) */
    px_race_start(&r, 0);
    px_race_hedged(&r, 50, true);
    r.p_start = 100; /* as after a promotion race: only the order matters */
    assert_int_equal(tick(&r, 50 + CONNECT, &next), PX_RACE_HEDGE_TIMEOUT);
    /* the timer is armed for the hedge's deadline when it is the earliest */
    assert_int_equal(tick(&r, 60, &next), PX_RACE_WAIT);
    assert_int_equal(next, 50 + CONNECT);
}

/* Who wins: the first to connect; the other is closed. */
static void first_to_connect_wins(void **state)
{
    struct px_race r;
    px_race_start(&r, 0);
    px_race_hedged(&r, HEDGE, true);
    assert_int_equal(px_race_done(&r, true, true), PX_RACE_USE_HEDGE);
    assert_false(r.hedging);
    px_race_start(&r, 0);
    px_race_hedged(&r, HEDGE, true);
    assert_int_equal(px_race_done(&r, false, true), PX_RACE_USE_PRIMARY);
    assert_false(r.hedging);
    /* no hedge: connected is connected, failed is a retry */
    px_race_start(&r, 0);
    assert_int_equal(px_race_done(&r, false, true), PX_RACE_USE_PRIMARY);
    px_race_start(&r, 0);
    assert_int_equal(px_race_done(&r, false, false), PX_RACE_RETRY);
}

/* Which server: the balancer's pick with the slow one excluded, for every
 * algorithm; nobody eligible (-1) means no hedge. */
static void hedge_goes_to_the_next_healthy_server(void **state)
{
    struct px_srv_view v[3];
    memset(v, 0, sizeof(v));
    for (int i = 0; i < 3; i++) {
        v[i].key = px_balance_key(&i, sizeof(i));
        v[i].weight = 1;
        v[i].healthy = true;
    }
    v[2].healthy = false;
    for (int a = 0; a < PX_BALANCE_COUNT; a++) {
        struct px_balance b;
        px_balance_init(&b, (enum px_balance_algo)a, 0);
        for (int k = 0; k < 8; k++) {
            int first = px_balance_pick(&b, v, 3, (uint64_t)k * 7919, 0);
            assert_true(first == 0 || first == 1);
            int hedge = px_balance_pick(&b, v, 3, (uint64_t)k * 7919, 1ULL << first);
            assert_int_equal(hedge, 1 - first); /* not the slow one, not the down one */
            assert_int_equal(px_balance_pick(&b, v, 3, 0, 3), -1);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hedge_after_delay),
        cmocka_unit_test(hedge_off),
        cmocka_unit_test(hedge_once_per_primary),
        cmocka_unit_test(first_to_connect_wins),
        cmocka_unit_test(hedge_goes_to_the_next_healthy_server),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
