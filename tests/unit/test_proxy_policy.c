/* Unit tests: the proxy's small decisions (proxy/policy.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "check/state.h"
#include "proxy/policy.h"

static void maxconn_budget(void **state)
{
    assert_int_equal(px_maxconn_auto(20000), 9872); /* the 9,000 target fits */
    assert_int_equal(px_maxconn_auto(1024), 384);
    assert_int_equal(px_maxconn_auto(PX_FD_RESERVE + 4), 2);
    assert_int_equal(px_maxconn_auto(PX_FD_RESERVE + 2), 1);
    assert_int_equal(px_maxconn_auto(10), 1);
    assert_int_equal(px_maxconn_auto(0), 1);
    assert_int_equal(px_maxconn_auto(UINT64_MAX), UINT32_MAX);
}

/* The workers' idle pipes together fit in a quarter of the reserve, so a
 * full pool never takes the room of connections below maxconn. */
static void pool_pipes_in_budget(void **state)
{
    for (uint32_t nw = 1; nw <= 256; nw++) {
        unsigned n = px_pool_pipes_max(nw, 64);
        assert_true(2 * n * nw <= PX_FD_RESERVE / 4);
        assert_true(n <= 64);
    }
    assert_int_equal(px_pool_pipes_max(1, 64), 32);
    assert_int_equal(px_pool_pipes_max(2, 64), 16);
    assert_int_equal(px_pool_pipes_max(8, 64), 4);
    assert_int_equal(px_pool_pipes_max(64, 64), 0);
    assert_int_equal(px_pool_pipes_max(0, 64), 32); /* taken as 1 */
    assert_int_equal(px_pool_pipes_max(1, 8), 8);
}

static void workers(void **state)
{
    assert_int_equal(px_workers_resolve(0, 2, 256), 2);
    assert_int_equal(px_workers_resolve(0, -1, 256), 1);
    assert_int_equal(px_workers_resolve(4, 2, 256), 4);
    assert_int_equal(px_workers_resolve(0, 512, 256), 256);
    assert_int_equal(px_workers_resolve(300, 2, 256), 256);
}

static void retry_and_passive(void **state)
{
    for (int r = 0; r < CHK_R_COUNT; r++) {
        bool retry = r == CHK_R_REFUSED || r == CHK_R_UNREACHABLE || r == CHK_R_CONNECT_TIMEOUT ||
                     r == CHK_R_SLOW_CONNECT || r == CHK_R_RESET;
        bool passive = r == CHK_R_REFUSED || r == CHK_R_UNREACHABLE || r == CHK_R_CONNECT_TIMEOUT ||
                       r == CHK_R_SLOW_CONNECT;
        if (px_result_retryable(r) != retry || px_result_passive(r) != passive)
            fail_msg("%s: retry %d passive %d", chk_result_str(r), px_result_retryable(r),
                     px_result_passive(r));
        /* everything that counts against a server is retried elsewhere */
        if (passive)
            assert_true(retry);
    }
}

static void timeouts(void **state)
{
    uint64_t next = 0;
    /* idle 100, last activity at 1000: nothing before 1100 */
    assert_int_equal(px_timeout_check(1050, 1000, 100, 0, &next), PX_TMO_NONE);
    assert_int_equal(next, 1100);
    assert_int_equal(px_timeout_check(1099, 1000, 100, 0, &next), PX_TMO_NONE);
    assert_int_equal(next, 1100);
    assert_int_equal(px_timeout_check(1100, 1000, 100, 0, &next), PX_TMO_IDLE);
    /* bytes moved at 1080: the timer that fires at 1100 re-arms for 1180 */
    assert_int_equal(px_timeout_check(1100, 1080, 100, 0, &next), PX_TMO_NONE);
    assert_int_equal(next, 1180);
    /* a drain deadline before the idle one comes first */
    assert_int_equal(px_timeout_check(1050, 1000, 100, 1070, &next), PX_TMO_NONE);
    assert_int_equal(next, 1070);
    assert_int_equal(px_timeout_check(1070, 1000, 100, 1070, &next), PX_TMO_DRAIN);
    /* ... activity does not postpone a drain */
    assert_int_equal(px_timeout_check(1070, 1069, 100, 1070, &next), PX_TMO_DRAIN);
    /* a later drain deadline: idle first */
    assert_int_equal(px_timeout_check(1050, 1000, 100, 5000, &next), PX_TMO_NONE);
    assert_int_equal(next, 1100);
    /* both due: drain wins (it is the reason worth counting) */
    assert_int_equal(px_timeout_check(6000, 1000, 100, 5000, &next), PX_TMO_DRAIN);
    /* no overflow with a huge idle timeout */
    assert_int_equal(px_timeout_check(2000, 1000, UINT64_MAX, 0, &next), PX_TMO_NONE);
    assert_true(next == UINT64_MAX);
}

static void drain_spread(void **state)
{
    /* deadlines fall in [now, now + drain] */
    assert_int_equal(px_drain_deadline(1000, 10, 0, 0), 1000);
    assert_int_equal(px_drain_deadline(1000, 10, 10, 0), 1010);
    assert_int_equal(px_drain_deadline(1000, 10, 11, 0), 1000);
    assert_int_equal(px_drain_deadline(1000, 10, 25, 0), 1003);
    assert_int_equal(px_drain_deadline(1000, 0, 12345, 0), 1000);
    /* an earlier deadline already set stays; a later one is replaced */
    assert_int_equal(px_drain_deadline(1000, 10, 10, 1002), 1002);
    assert_int_equal(px_drain_deadline(1000, 10, 3, 2000), 1003);
    /* spread: 11 consecutive random values cover all 11 slots once */
    int seen[11];
    memset(seen, 0, sizeof(seen));
    for (uint64_t r = 77; r < 77 + 11; r++)
        seen[px_drain_deadline(0, 10, r, 0)]++;
    for (int i = 0; i <= 10; i++)
        assert_int_equal(seen[i], 1);
    assert_true(px_drain_deadline(UINT64_MAX - 5, 100, 50, 0) == UINT64_MAX);
}

static void health(void **state)
{
    struct px_srv_view v[3];
    memset(v, 0, sizeof(v));
    for (int i = 0; i < 3; i++)
        v[i].weight = 1;
    assert_int_equal(px_health_of(v, 0), 0);
    assert_int_equal(px_health_of(v, 3), 0);
    v[1].healthy = true;
    assert_int_equal(px_health_of(v, 3), 1);
    v[1].draining = true; /* a draining server takes no new connections */
    assert_int_equal(px_health_of(v, 3), 0);
    v[1].draining = false;
    v[1].weight = 0;
    assert_int_equal(px_health_of(v, 3), 0);
    v[2].healthy = true;
    v[2].backup = true; /* a backup counts */
    assert_int_equal(px_health_of(v, 3), 1);
}

/* A server marked down for not answering is cut within a second; one
 * that answers "not ready" keeps the drain timeout. */
static void down_drain(void **state)
{
    const uint64_t s = 1000000000ULL;
    for (int r = 0; r < CHK_R_COUNT; r++) {
        bool silent = r == CHK_R_REFUSED || r == CHK_R_UNREACHABLE || r == CHK_R_CONNECT_TIMEOUT ||
                      r == CHK_R_SLOW_CONNECT || r == CHK_R_RESET || r == CHK_R_TIMEOUT;
        assert_int_equal(px_result_no_answer(r), silent);
        assert_int_equal(px_down_drain_ns(r, 10 * s), silent ? PX_CUT_NS : 10 * s);
        /* a drain timeout shorter than the cut stays as it is */
        assert_int_equal(px_down_drain_ns(r, s / 2), s / 2);
        assert_int_equal(px_down_drain_ns(r, 0), 0);
    }
    assert_int_equal(px_down_drain_ns(CHK_R_BAD_STATUS, 10 * s), 10 * s);
    assert_int_equal(px_down_drain_ns(CHK_R_CONNECT_TIMEOUT, 10 * s), s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(maxconn_budget), cmocka_unit_test(pool_pipes_in_budget),
        cmocka_unit_test(workers),        cmocka_unit_test(retry_and_passive),
        cmocka_unit_test(timeouts),       cmocka_unit_test(drain_spread),
        cmocka_unit_test(health),         cmocka_unit_test(down_drain),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
