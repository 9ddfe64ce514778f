/* Unit tests: check results and the fall/rise health state machine (check/state.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "check/state.h"

#define CH CHK_STEP_CHANGED
#define RT CHK_STEP_ROUTING

static const struct chk_params p32 = {.fall = 3, .rise = 2};

/* Feed one result, check the returned bits, the new state and the reason. */
static void step(struct chk_state *st, const struct chk_params *p, enum chk_result res,
                 bool passive, int want_bits, enum chk_health want, const char *want_reason)
{
    char reason[128];
    int bits;

    memset(reason, 'x', sizeof(reason));
    bits = chk_state_step(st, p, res, passive, reason, sizeof(reason));
    if (bits != want_bits || st->health != want || strcmp(reason, want_reason) != 0)
        fail_msg("%s%s: bits %d state %s reason \"%s\"; want %d %s \"%s\"", chk_result_str(res),
                 passive ? " (passive)" : "", bits, chk_health_str(st->health), reason, want_bits,
                 chk_health_str(want), want_reason);
}

static void result_table(void **state)
{
    unsigned i, j;
    enum chk_result r;

    assert_string_equal(chk_result_str(CHK_R_OK), "ok");
    assert_string_equal(chk_result_str(CHK_R_CONNECT_TIMEOUT), "connect-timeout");
    assert_string_equal(chk_result_str(CHK_R_TLS_VERIFY_FAILED), "tls-verify-failed");
    assert_string_equal(chk_result_str(CHK_R_INTERNAL_ERROR), "internal-error");
    assert_string_equal(chk_result_str(CHK_R_COUNT), "unknown");
    assert_string_equal(chk_result_str((enum chk_result) - 1), "unknown");
    for (i = 0; i < CHK_R_COUNT; i++) {
        const char *s = chk_result_str((enum chk_result)i);
        assert_non_null(s);
        assert_int_equal(chk_result_parse(s, &r), 0);
        assert_int_equal(r, i);
        for (j = 0; j < i; j++)
            assert_string_not_equal(s, chk_result_str((enum chk_result)j));
        /* only ok passes, only internal-error is neutral */
        if (i == CHK_R_OK)
            assert_int_equal(chk_result_class(i), CHK_CLASS_PASS);
        else if (i == CHK_R_INTERNAL_ERROR)
            assert_int_equal(chk_result_class(i), CHK_CLASS_NEUTRAL);
        else
            assert_int_equal(chk_result_class(i), CHK_CLASS_FAIL);
    }
    assert_int_equal(chk_result_parse("dns", &r), -1);
    assert_int_equal(chk_result_parse("", &r), -1);
    assert_int_equal(chk_result_class(CHK_R_COUNT), CHK_CLASS_NEUTRAL);
    assert_int_equal(CHK_R_COUNT, 13);
}

static void errno_mapping(void **state)
{
    assert_int_equal(chk_result_from_errno(ECONNREFUSED, true), CHK_R_REFUSED);
    assert_int_equal(chk_result_from_errno(ECONNREFUSED, false), CHK_R_REFUSED);
    assert_int_equal(chk_result_from_errno(ETIMEDOUT, true), CHK_R_CONNECT_TIMEOUT);
    assert_int_equal(chk_result_from_errno(ETIMEDOUT, false), CHK_R_TIMEOUT);
    assert_int_equal(chk_result_from_errno(ECONNRESET, false), CHK_R_RESET);
    assert_int_equal(chk_result_from_errno(EPIPE, false), CHK_R_RESET);
    assert_int_equal(chk_result_from_errno(EHOSTUNREACH, true), CHK_R_UNREACHABLE);
    assert_int_equal(chk_result_from_errno(ENETUNREACH, true), CHK_R_UNREACHABLE);
    assert_int_equal(chk_result_from_errno(EADDRNOTAVAIL, true), CHK_R_UNREACHABLE);
    assert_int_equal(chk_result_from_errno(EMFILE, true), CHK_R_INTERNAL_ERROR);
    assert_int_equal(chk_result_from_errno(ENOBUFS, true), CHK_R_INTERNAL_ERROR);
    assert_int_equal(chk_result_from_errno(0, true), CHK_R_INTERNAL_ERROR);
}

static void health_names(void **state)
{
    assert_string_equal(chk_health_str(CHK_ST_INIT), "init");
    assert_string_equal(chk_health_str(CHK_ST_UP), "up");
    assert_string_equal(chk_health_str(CHK_ST_GOING_DOWN), "going-down");
    assert_string_equal(chk_health_str(CHK_ST_DOWN), "down");
    assert_string_equal(chk_health_str(CHK_ST_GOING_UP), "going-up");
    assert_string_equal(chk_health_str(CHK_ST_COUNT), "unknown");
}

/* INIT routes nothing; the first result decides at once, whatever rise is. */
static void initial_state(void **state)
{
    struct chk_params slow = {.fall = 5, .rise = 4};
    struct chk_state st;

    chk_state_init(&st, CHK_ST_INIT);
    assert_int_equal(st.health, CHK_ST_INIT);
    assert_false(chk_state_usable(&st));
    assert_true(chk_state_transitional(&st));
    step(&st, &slow, CHK_R_OK, false, CH | RT, CHK_ST_UP, "first check passed");
    assert_true(chk_state_usable(&st));
    assert_false(chk_state_transitional(&st));

    chk_state_init(&st, CHK_ST_INIT);
    step(&st, &slow, CHK_R_REFUSED, false, CH, CHK_ST_DOWN, "first check failed: refused");
    assert_false(chk_state_usable(&st));
    assert_false(chk_state_transitional(&st));
    /* from there on, the full rise is needed */
    step(&st, &slow, CHK_R_OK, false, CH, CHK_ST_GOING_UP, "pass 1 of 4");
    step(&st, &slow, CHK_R_OK, false, 0, CHK_ST_GOING_UP, "");
    step(&st, &slow, CHK_R_OK, false, 0, CHK_ST_GOING_UP, "");
    step(&st, &slow, CHK_R_OK, false, CH | RT, CHK_ST_UP, "4 consecutive passes");

    /* internal errors do not decide anything, not even the first time */
    chk_state_init(&st, CHK_ST_INIT);
    step(&st, &slow, CHK_R_INTERNAL_ERROR, false, 0, CHK_ST_INIT, "");
    step(&st, &slow, CHK_R_OK, true, 0, CHK_ST_INIT, "");
    step(&st, &slow, CHK_R_TIMEOUT, true, CH, CHK_ST_DOWN, "first check failed: timeout (passive)");
}

/* Reload carry-over: UP and DOWN are kept, anything else means INIT. */
static void init_carry_over(void **state)
{
    struct chk_state st;

    chk_state_init(&st, CHK_ST_UP);
    assert_int_equal(st.health, CHK_ST_UP);
    assert_true(chk_state_usable(&st));
    step(&st, &p32, CHK_R_TIMEOUT, false, CH, CHK_ST_GOING_DOWN, "failure 1 of 3: timeout");
    chk_state_init(&st, CHK_ST_DOWN);
    assert_int_equal(st.health, CHK_ST_DOWN);
    assert_int_equal(st.fails, 0);
    step(&st, &p32, CHK_R_OK, false, CH, CHK_ST_GOING_UP, "pass 1 of 2");
    chk_state_init(&st, CHK_ST_GOING_UP);
    assert_int_equal(st.health, CHK_ST_INIT);
    chk_state_init(&st, (enum chk_health)99);
    assert_int_equal(st.health, CHK_ST_INIT);
}

static void fall_and_rise(void **state)
{
    struct chk_state st;

    chk_state_init(&st, CHK_ST_UP);
    step(&st, &p32, CHK_R_OK, false, 0, CHK_ST_UP, "");
    step(&st, &p32, CHK_R_TIMEOUT, false, CH, CHK_ST_GOING_DOWN, "failure 1 of 3: timeout");
    assert_true(chk_state_usable(&st));
    assert_true(chk_state_transitional(&st));
    step(&st, &p32, CHK_R_BAD_STATUS, false, 0, CHK_ST_GOING_DOWN, "");
    assert_int_equal(st.fails, 2);
    step(&st, &p32, CHK_R_TIMEOUT, false, CH | RT, CHK_ST_DOWN, "3 consecutive failures: timeout");
    assert_false(chk_state_usable(&st));
    step(&st, &p32, CHK_R_TIMEOUT, false, 0, CHK_ST_DOWN, "");
    assert_int_equal(st.fails, 4);
    step(&st, &p32, CHK_R_OK, false, CH, CHK_ST_GOING_UP, "pass 1 of 2");
    assert_false(chk_state_usable(&st));
    assert_true(chk_state_transitional(&st));
    assert_int_equal(st.fails, 0);
    step(&st, &p32, CHK_R_OK, false, CH | RT, CHK_ST_UP, "2 consecutive passes");
    assert_int_equal(st.passes, 2);
    assert_int_equal(st.last, CHK_R_OK);
}

/* Alternating results never cross either threshold. */
static void flapping(void **state)
{
    struct chk_state st;
    int i, routing = 0;
    char reason[64];

    chk_state_init(&st, CHK_ST_UP);
    step(&st, &p32, CHK_R_RESET, false, CH, CHK_ST_GOING_DOWN, "failure 1 of 3: reset");
    step(&st, &p32, CHK_R_OK, false, CH, CHK_ST_UP, "passed after 1 of 3 failures");
    step(&st, &p32, CHK_R_RESET, false, CH, CHK_ST_GOING_DOWN, "failure 1 of 3: reset");
    step(&st, &p32, CHK_R_RESET, false, 0, CHK_ST_GOING_DOWN, "");
    step(&st, &p32, CHK_R_OK, false, CH, CHK_ST_UP, "passed after 2 of 3 failures");
    /* two failures, one pass, ...: ends on a pass */
    for (i = 0; i < 999; i++)
        routing += chk_state_step(&st, &p32, i % 3 == 2 ? CHK_R_OK : CHK_R_TIMEOUT, false, reason,
                                  sizeof(reason)) &
                   RT;
    assert_int_equal(routing, 0);
    assert_int_equal(st.health, CHK_ST_UP);

    chk_state_init(&st, CHK_ST_DOWN);
    step(&st, &p32, CHK_R_OK, false, CH, CHK_ST_GOING_UP, "pass 1 of 2");
    step(&st, &p32, CHK_R_BAD_RESPONSE, false, CH, CHK_ST_DOWN,
         "failed after 1 of 2 passes: bad-response");
    /* failure, pass, ...: ends on a pass */
    for (i = 0; i < 1000; i++)
        routing += chk_state_step(&st, &p32, i % 2 ? CHK_R_OK : CHK_R_TIMEOUT, false, reason,
                                  sizeof(reason)) &
                   RT;
    assert_int_equal(routing, 0);
    assert_int_equal(st.health, CHK_ST_GOING_UP);
}

/* Passive failures count like active ones (and mix with them); passive
 * passes count for nothing. */
static void passive_results(void **state)
{
    struct chk_state st;

    chk_state_init(&st, CHK_ST_UP);
    step(&st, &p32, CHK_R_REFUSED, true, CH, CHK_ST_GOING_DOWN,
         "failure 1 of 3: refused (passive)");
    step(&st, &p32, CHK_R_REFUSED, true, 0, CHK_ST_GOING_DOWN, "");
    step(&st, &p32, CHK_R_REFUSED, true, CH | RT, CHK_ST_DOWN,
         "3 consecutive failures: refused (passive)");
    assert_true(st.last_passive);

    chk_state_init(&st, CHK_ST_UP);
    step(&st, &p32, CHK_R_TIMEOUT, false, CH, CHK_ST_GOING_DOWN, "failure 1 of 3: timeout");
    step(&st, &p32, CHK_R_OK, true, 0, CHK_ST_GOING_DOWN, "");
    assert_int_equal(st.fails, 1);
    step(&st, &p32, CHK_R_CONNECT_TIMEOUT, true, 0, CHK_ST_GOING_DOWN, "");
    step(&st, &p32, CHK_R_OK, true, 0, CHK_ST_GOING_DOWN, "");
    step(&st, &p32, CHK_R_BAD_STATUS, false, CH | RT, CHK_ST_DOWN,
         "3 consecutive failures: bad-status");
    assert_false(st.last_passive);
    /* passive passes never bring a server up */
    step(&st, &p32, CHK_R_OK, true, 0, CHK_ST_DOWN, "");
    step(&st, &p32, CHK_R_OK, true, 0, CHK_ST_DOWN, "");
    step(&st, &p32, CHK_R_OK, true, 0, CHK_ST_DOWN, "");
    /* a passive failure while rising starts the rise over */
    step(&st, &p32, CHK_R_OK, false, CH, CHK_ST_GOING_UP, "pass 1 of 2");
    step(&st, &p32, CHK_R_REFUSED, true, CH, CHK_ST_DOWN,
         "failed after 1 of 2 passes: refused (passive)");
    step(&st, &p32, CHK_R_OK, false, CH, CHK_ST_GOING_UP, "pass 1 of 2");
    step(&st, &p32, CHK_R_OK, false, CH | RT, CHK_ST_UP, "2 consecutive passes");
}

/* ---- passive failures through chk_state_passive ---- */

#define HD CHK_STEP_HELD
#define DC CHK_STEP_DISCOUNTED
#define IV 500000000ULL /* a check interval of 500 ms, in the caller's ns */

/* Feed one passive failure at `now`; check bits, state and reason. */
static void pstep(struct chk_state *st, const struct chk_params *p, enum chk_result res,
                  uint64_t now, bool others, int want_bits, enum chk_health want,
                  const char *want_reason)
{
    struct chk_passive ctx = {.now_ns = now, .interval_ns = IV, .others_usable = others};
    char reason[160];
    int bits;

    memset(reason, 'x', sizeof(reason));
    bits = chk_state_passive(st, p, res, &ctx, reason, sizeof(reason));
    if (bits != want_bits || st->health != want || strcmp(reason, want_reason) != 0)
        fail_msg("%s at %llu%s: bits %d state %s reason \"%s\"; want %d %s \"%s\"",
                 chk_result_str(res), (unsigned long long)now, others ? "" : " (last)", bits,
                 chk_health_str(st->health), reason, want_bits, chk_health_str(want), want_reason);
}

/* A burst of failed connects (a listen queue overflowed) is one piece of
 * evidence: at most one passive failure counts per check interval. */
static void passive_burst_counts_once(void **state)
{
    struct chk_state st;
    uint64_t t = 7 * IV;

    chk_state_init(&st, CHK_ST_UP);
    pstep(&st, &p32, CHK_R_CONNECT_TIMEOUT, t, true, CH, CHK_ST_GOING_DOWN,
          "failure 1 of 3: connect-timeout (passive)");
    for (int i = 0; i < 172; i++)
        pstep(&st, &p32, CHK_R_CONNECT_TIMEOUT, t + (uint64_t)i * 1000, true, DC, CHK_ST_GOING_DOWN,
              "");
    assert_int_equal(st.fails, 1);
    /* the boundary: one ns short of the interval, then the interval */
    pstep(&st, &p32, CHK_R_REFUSED, t + IV - 1, true, DC, CHK_ST_GOING_DOWN, "");
    pstep(&st, &p32, CHK_R_REFUSED, t + IV, true, 0, CHK_ST_GOING_DOWN, "");
    assert_int_equal(st.fails, 2);
    /* an active pass in between clears the streak as always */
    step(&st, &p32, CHK_R_OK, false, CH, CHK_ST_UP, "passed after 2 of 3 failures");
    pstep(&st, &p32, CHK_R_REFUSED, t + IV + 1, true, DC, CHK_ST_UP, "");
    pstep(&st, &p32, CHK_R_REFUSED, t + 2 * IV, true, CH, CHK_ST_GOING_DOWN,
          "failure 1 of 3: refused (passive)");
    /* spaced one interval apart, passive failures alone take a server down
     * when others can take its connections */
    pstep(&st, &p32, CHK_R_REFUSED, t + 3 * IV, true, 0, CHK_ST_GOING_DOWN, "");
    pstep(&st, &p32, CHK_R_REFUSED, t + 4 * IV, true, CH | RT, CHK_ST_DOWN,
          "3 consecutive failures: refused (passive)");
    /* passes and neutral results are not passive failures */
    pstep(&st, &p32, CHK_R_OK, t + 9 * IV, true, 0, CHK_ST_DOWN, "");
    pstep(&st, &p32, CHK_R_INTERNAL_ERROR, t + 9 * IV, true, 0, CHK_ST_DOWN, "");
    assert_int_equal(st.passive_ns, t + 4 * IV);
}

/* Passive failures alone never take the last usable server down: it waits
 * at going-down for an active check; a failed one takes it down, a passed
 * one brings it back. */
static void passive_never_downs_last_server_alone(void **state)
{
    struct chk_state st;
    uint64_t t = IV;
    const char *held = "the last usable server stays in service until a check fails too";
    char want[160];

    chk_state_init(&st, CHK_ST_UP);
    pstep(&st, &p32, CHK_R_CONNECT_TIMEOUT, t, false, CH, CHK_ST_GOING_DOWN,
          "failure 1 of 3: connect-timeout (passive)");
    pstep(&st, &p32, CHK_R_CONNECT_TIMEOUT, t + IV, false, 0, CHK_ST_GOING_DOWN, "");
    snprintf(want, sizeof(want), "failure 3 of 3: connect-timeout (passive); %s", held);
    pstep(&st, &p32, CHK_R_CONNECT_TIMEOUT, t + 2 * IV, false, HD, CHK_ST_GOING_DOWN, want);
    assert_true(chk_state_usable(&st));
    snprintf(want, sizeof(want), "failure 4 of 3: refused (passive); %s", held);
    pstep(&st, &p32, CHK_R_REFUSED, t + 3 * IV, false, HD, CHK_ST_GOING_DOWN, want);
    /* an active check agrees: down */
    step(&st, &p32, CHK_R_TIMEOUT, false, CH | RT, CHK_ST_DOWN, "5 consecutive failures: timeout");

    /* held, then an active check passes: up again */
    chk_state_init(&st, CHK_ST_UP);
    pstep(&st, &p32, CHK_R_REFUSED, t, false, CH, CHK_ST_GOING_DOWN,
          "failure 1 of 3: refused (passive)");
    pstep(&st, &p32, CHK_R_REFUSED, t + IV, false, 0, CHK_ST_GOING_DOWN, "");
    snprintf(want, sizeof(want), "failure 3 of 3: refused (passive); %s", held);
    pstep(&st, &p32, CHK_R_REFUSED, t + 2 * IV, false, HD, CHK_ST_GOING_DOWN, want);
    step(&st, &p32, CHK_R_OK, false, CH, CHK_ST_UP, "passed after 3 of 3 failures");

    /* a failed active check earlier in the streak has agreed already */
    chk_state_init(&st, CHK_ST_UP);
    step(&st, &p32, CHK_R_BAD_STATUS, false, CH, CHK_ST_GOING_DOWN, "failure 1 of 3: bad-status");
    pstep(&st, &p32, CHK_R_REFUSED, t, false, 0, CHK_ST_GOING_DOWN, "");
    pstep(&st, &p32, CHK_R_REFUSED, t + IV, false, CH | RT, CHK_ST_DOWN,
          "3 consecutive failures: refused (passive)");

    /* ... but a pass clears it: the next streak needs its own */
    step(&st, &p32, CHK_R_OK, false, CH, CHK_ST_GOING_UP, "pass 1 of 2");
    step(&st, &p32, CHK_R_OK, false, CH | RT, CHK_ST_UP, "2 consecutive passes");
    assert_false(st.active_fail);
    pstep(&st, &p32, CHK_R_REFUSED, t + 2 * IV, false, CH, CHK_ST_GOING_DOWN,
          "failure 1 of 3: refused (passive)");
    pstep(&st, &p32, CHK_R_REFUSED, t + 3 * IV, false, 0, CHK_ST_GOING_DOWN, "");
    snprintf(want, sizeof(want), "failure 3 of 3: refused (passive); %s", held);
    pstep(&st, &p32, CHK_R_REFUSED, t + 4 * IV, false, HD, CHK_ST_GOING_DOWN, want);

    /* fall 1: the first passive failure of the last server is held too */
    struct chk_params f1 = {.fall = 1, .rise = 1};
    chk_state_init(&st, CHK_ST_UP);
    snprintf(want, sizeof(want), "failure 1 of 1: refused (passive); %s", held);
    pstep(&st, &f1, CHK_R_REFUSED, t, false, CH | HD, CHK_ST_GOING_DOWN, want);

    /* a server that is not usable is not the last usable one */
    chk_state_init(&st, CHK_ST_INIT);
    pstep(&st, &p32, CHK_R_REFUSED, t, false, CH, CHK_ST_DOWN,
          "first check failed: refused (passive)");
}

/* The burst of the issue: two servers, a few hundred connect timeouts each
 * within milliseconds, as the proxy reports them (each server is "the
 * last" once the other looks unusable). Neither goes down. */
static void passive_burst_two_servers(void **state)
{
    struct chk_state a, b;
    uint64_t t = 3 * IV;

    chk_state_init(&a, CHK_ST_UP);
    chk_state_init(&b, CHK_ST_UP);
    for (int i = 0; i < 200; i++) {
        struct chk_passive ca = {t + (uint64_t)i * 10000, IV, chk_state_usable(&b)};
        struct chk_passive cb = {t + (uint64_t)i * 10000 + 5000, IV, chk_state_usable(&a)};
        chk_state_passive(&a, &p32, CHK_R_CONNECT_TIMEOUT, &ca, NULL, 0);
        chk_state_passive(&b, &p32, CHK_R_CONNECT_TIMEOUT, &cb, NULL, 0);
    }
    assert_int_equal(a.fails, 1);
    assert_int_equal(b.fails, 1);
    assert_true(chk_state_usable(&a) && chk_state_usable(&b));
}

static void neutral_results(void **state)
{
    struct chk_state st;

    chk_state_init(&st, CHK_ST_UP);
    step(&st, &p32, CHK_R_TIMEOUT, false, CH, CHK_ST_GOING_DOWN, "failure 1 of 3: timeout");
    step(&st, &p32, CHK_R_TIMEOUT, false, 0, CHK_ST_GOING_DOWN, "");
    step(&st, &p32, CHK_R_INTERNAL_ERROR, false, 0, CHK_ST_GOING_DOWN, "");
    assert_int_equal(st.fails, 2);
    assert_int_equal(st.last, CHK_R_TIMEOUT);
    step(&st, &p32, CHK_R_TIMEOUT, false, CH | RT, CHK_ST_DOWN, "3 consecutive failures: timeout");
    step(&st, &p32, CHK_R_OK, false, CH, CHK_ST_GOING_UP, "pass 1 of 2");
    step(&st, &p32, CHK_R_INTERNAL_ERROR, true, 0, CHK_ST_GOING_UP, "");
    step(&st, &p32, (enum chk_result)99, false, 0, CHK_ST_GOING_UP, "");
    step(&st, &p32, CHK_R_OK, false, CH | RT, CHK_ST_UP, "2 consecutive passes");
}

/* fall 1 / rise 1 skip the transitional states; 0 is taken as 1. */
static void thresholds_of_one(void **state)
{
    struct chk_params one = {.fall = 1, .rise = 1}, zero = {0, 0};
    struct chk_state st;

    chk_state_init(&st, CHK_ST_UP);
    step(&st, &one, CHK_R_TLS_FAILED, false, CH | RT, CHK_ST_DOWN,
         "1 consecutive failure: tls-failed");
    step(&st, &one, CHK_R_OK, false, CH | RT, CHK_ST_UP, "1 consecutive pass");
    step(&st, &zero, CHK_R_TLS_VERIFY_FAILED, false, CH | RT, CHK_ST_DOWN,
         "1 consecutive failure: tls-verify-failed");
    step(&st, &zero, CHK_R_OK, false, CH | RT, CHK_ST_UP, "1 consecutive pass");
}

static void reason_buffer(void **state)
{
    struct chk_state st;
    char small[8];

    chk_state_init(&st, CHK_ST_UP);
    assert_int_equal(chk_state_step(&st, &p32, CHK_R_TIMEOUT, false, NULL, 0), CH);
    assert_int_equal(chk_state_step(&st, &p32, CHK_R_TIMEOUT, false, NULL, 99), 0);
    assert_int_equal(chk_state_step(&st, &p32, CHK_R_TIMEOUT, false, small, sizeof(small)),
                     CH | RT);
    assert_string_equal(small, "3 conse");
    assert_int_equal(chk_state_step(&st, &p32, CHK_R_TIMEOUT, false, small, 0), 0);
}

static void counters_saturate(void **state)
{
    struct chk_state st;

    chk_state_init(&st, CHK_ST_DOWN);
    st.fails = UINT_MAX - 1;
    step(&st, &p32, CHK_R_REFUSED, false, 0, CHK_ST_DOWN, "");
    assert_int_equal(st.fails, UINT_MAX);
    step(&st, &p32, CHK_R_REFUSED, false, 0, CHK_ST_DOWN, "");
    assert_int_equal(st.fails, UINT_MAX);
}

/* A long pseudo-random run against a model that works from the history of
 * counted results instead of counters: a server goes down when the last
 * `fall` counted results were failures, up when the last `rise` were passes. */
static void random_run_matches_history_model(void **state)
{
    enum { N = 20000 };
    static bool hist[N]; /* true = pass */
    struct chk_params p = {.fall = 3, .rise = 4};
    struct chk_state st;
    uint32_t seed = 12345;
    size_t n = 0, i;
    bool up = false, init = true;
    char reason[64];

    chk_state_init(&st, CHK_ST_INIT);
    for (i = 0; i < N; i++) {
        uint32_t r;
        enum chk_result res;
        bool passive, pass, counted;
        int bits;
        bool was_usable = chk_state_usable(&st);

        seed = seed * 1103515245u + 12345u;
        r = seed >> 16;
        /* passes are likelier, so both thresholds get crossed often */
        res = (r % 10) < 6 ? CHK_R_OK : ((r % 10) == 9 ? CHK_R_INTERNAL_ERROR : CHK_R_TIMEOUT);
        passive = (r >> 8) % 4 == 0;
        pass = res == CHK_R_OK;
        counted = res != CHK_R_INTERNAL_ERROR && !(pass && passive);
        bits = chk_state_step(&st, &p, res, passive, reason, sizeof(reason));
        if (counted) {
            size_t k, run = 0;
            hist[n++] = pass;
            for (k = n; k > 0 && hist[k - 1] == pass; k--)
                run++;
            if (init)
                up = pass;
            else if (up && !pass && run >= p.fall)
                up = false;
            else if (!up && pass && run >= p.rise)
                up = true;
            init = false;
        }
        assert_int_equal(chk_state_usable(&st), !init && up);
        if (!init && up)
            assert_int_equal(st.health, hist[n - 1] ? CHK_ST_UP : CHK_ST_GOING_DOWN);
        else if (!init)
            assert_int_equal(st.health, hist[n - 1] ? CHK_ST_GOING_UP : CHK_ST_DOWN);
        assert_int_equal((bits & RT) != 0, was_usable != chk_state_usable(&st));
        assert_int_equal((bits & CH) != 0, reason[0] != '\0');
    }
    assert_true(n > N / 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(result_table),
        cmocka_unit_test(errno_mapping),
        cmocka_unit_test(health_names),
        cmocka_unit_test(initial_state),
        cmocka_unit_test(init_carry_over),
        cmocka_unit_test(fall_and_rise),
        cmocka_unit_test(flapping),
        cmocka_unit_test(passive_results),
        cmocka_unit_test(passive_burst_counts_once),
        cmocka_unit_test(passive_never_downs_last_server_alone),
        cmocka_unit_test(passive_burst_two_servers),
        cmocka_unit_test(neutral_results),
        cmocka_unit_test(thresholds_of_one),
        cmocka_unit_test(reason_buffer),
        cmocka_unit_test(counters_saturate),
        cmocka_unit_test(random_run_matches_history_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
