/* Unit tests for src/vrrp/fence.c: the etcd-lease fence's state machine,
 * as tables of steps (what the shell does, what the machine must answer),
 * one table per scenario: bootstrap, denial, loss in both modes, the lease
 * deadline counted from the send time, release, restart within our own
 * lease, a raised TTL. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "vrrp/fence.h"

enum op { NEXT, RESULT, TICK };
#define ANY   0xff
#define NOV   (-1) /* verdict not checked */
#define OTHER 77   /* another member's lease */
#define OURS  42   /* the lease etcd grants us */

struct step {
    const char *what;
    enum op op;
    uint64_t now;
    bool wants;            /* NEXT */
    struct fence_reply r;  /* RESULT: req is the one in flight */
    enum fence_req req;    /* NEXT: expected request */
    unsigned bits;         /* RESULT/TICK: these bits must be set */
    unsigned nobits;       /* ... and these not */
    enum fence_state st;   /* expected state after the step */
    int v_master, v_other; /* fence_verdict(master / not), NOV: unchecked */
    int gate;              /* expected fence_gate, ANY: unchecked */
};

static const struct fence_params KEEP = {.ttl_s = 3, .retry_ms = 100, .keep = true};
static const struct fence_params RELEASE = {.ttl_s = 3, .retry_ms = 100, .keep = false};

#define OK(...)                                                                                    \
    {                                                                                              \
        .ok = true, __VA_ARGS__                                                                    \
    }
#define FAIL                                                                                       \
    {                                                                                              \
        .ok = false, .err = "connection refused"                                                   \
    }

static void run(const struct fence_params *p, const struct step *s, size_t n, struct fence *out)
{
    struct fence f;
    uint64_t sent = 0; /* when the request in flight was sent */
    fence_init(&f, p);
    for (size_t i = 0; i < n; i++) {
        char ctx[160];
        snprintf(ctx, sizeof(ctx), "step %zu: %s", i, s[i].what);
        uint64_t wake = 0;
        unsigned ch = 0;
        if (s[i].op == NEXT) {
            enum fence_req r = fence_next(&f, s[i].wants, false, s[i].now, &wake);
            sent = s[i].now;
            if (r != s[i].req)
                fail_msg("%s: request %s, expected %s", ctx, fence_req_name(r),
                         fence_req_name(s[i].req));
        } else if (s[i].op == RESULT) {
            struct fence_reply r = s[i].r;
            r.req = f.inflight;
            r.sent_ms = sent;
            ch = fence_result(&f, &r, s[i].now);
        } else {
            ch = fence_tick(&f, s[i].now);
        }
        if ((ch & s[i].bits) != s[i].bits || (ch & s[i].nobits))
            fail_msg("%s: bits %#x, expected %#x set and %#x clear", ctx, ch, s[i].bits,
                     s[i].nobits);
        if (f.state != s[i].st)
            fail_msg("%s: state %s, expected %s", ctx, fence_state_name(f.state),
                     fence_state_name(s[i].st));
        if (s[i].v_master != NOV && fence_verdict(&f, true, s[i].now) != s[i].v_master)
            fail_msg("%s: master verdict %d", ctx, fence_verdict(&f, true, s[i].now));
        if (s[i].v_other != NOV && fence_verdict(&f, false, s[i].now) != s[i].v_other)
            fail_msg("%s: backup verdict %d", ctx, fence_verdict(&f, false, s[i].now));
        if (s[i].gate != ANY && (int)fence_gate(&f, s[i].now) != s[i].gate)
            fail_msg("%s: gate %d, expected %d", ctx, fence_gate(&f, s[i].now), s[i].gate);
    }
    if (out)
        *out = f;
}

#define RUN(p, steps, out) run(p, steps, sizeof(steps) / sizeof(steps[0]), out)

/* etcd not there yet, then there: the master acquires without a gap. */
static const struct step bootstrap[] = {
    {"start", TICK, 0, .st = FENCE_WAITING, .v_master = 1, .v_other = 1, .gate = FENCE_GO},
    {"probe", NEXT, 0, .wants = true, .req = FENCE_REQ_RANGE, .st = FENCE_WAITING, .v_master = NOV,
     .v_other = NOV, .gate = ANY},
    {"refused", RESULT, 5, .r = FAIL, .nobits = FENCE_CH_STATE, .st = FENCE_WAITING, .v_master = 1,
     .v_other = 1, .gate = FENCE_GO},
    {"no new probe before ttl/3", NEXT, 900, .wants = true, .req = FENCE_REQ_NONE,
     .st = FENCE_WAITING, .v_master = NOV, .v_other = NOV, .gate = ANY},
    {"a long time without etcd is not a loss", TICK, 60000, .st = FENCE_WAITING, .v_master = 1,
     .v_other = 1, .gate = FENCE_GO},
    {"probe again after ttl/3", NEXT, 60000, .wants = true, .req = FENCE_REQ_RANGE,
     .st = FENCE_WAITING, .v_master = NOV, .v_other = NOV, .gate = ANY},
    {"etcd answers: key free", RESULT, 60010, .r = OK(.has_kv = false),
     .bits = FENCE_CH_FIRST | FENCE_CH_STATE, .st = FENCE_STANDBY, .v_master = 1, .v_other = 1,
     .gate = FENCE_WAIT},
    {"master: a lease", NEXT, 60010, .wants = true, .req = FENCE_REQ_GRANT, .st = FENCE_STANDBY,
     .v_master = 1, .v_other = NOV, .gate = ANY},
    {"granted", RESULT, 60020, .r = OK(.lease = OURS, .ttl = 3), .nobits = FENCE_CH_TTL,
     .st = FENCE_STANDBY, .v_master = 1, .v_other = 1, .gate = FENCE_WAIT},
    {"then the key", NEXT, 60020, .wants = true, .req = FENCE_REQ_ACQUIRE, .st = FENCE_STANDBY,
     .v_master = NOV, .v_other = NOV, .gate = ANY},
    {"acquired", RESULT, 60030, .r = OK(.succeeded = true),
     .bits = FENCE_CH_ACQUIRED | FENCE_CH_STATE, .st = FENCE_HELD, .v_master = 1, .v_other = 1,
     .gate = FENCE_GO},
    {"nothing to do before ttl/3", NEXT, 60500, .wants = true, .req = FENCE_REQ_NONE,
     .st = FENCE_HELD, .v_master = 1, .v_other = NOV, .gate = ANY},
    {"renew at ttl/3", NEXT, 61010, .wants = true, .req = FENCE_REQ_KEEPALIVE, .st = FENCE_HELD,
     .v_master = NOV, .v_other = NOV, .gate = ANY},
    {"renewed", RESULT, 61020, .r = OK(.ttl = 3), .nobits = FENCE_CH_STATE, .st = FENCE_HELD,
     .v_master = 1, .v_other = 1, .gate = FENCE_GO},
    {"still held just before the deadline", TICK, 64009, .st = FENCE_HELD, .v_master = 1,
     .v_other = NOV, .gate = FENCE_GO},
    {"deadline = keepalive sent + ttl, nothing failed (we were frozen): the key, not etcd, is lost",
     TICK, 64010, .bits = FENCE_CH_STATE | FENCE_CH_VERDICT, .st = FENCE_STANDBY, .v_master = 0,
     .v_other = 1, .gate = FENCE_WAIT},
};

static void test_bootstrap_and_renewal(void **state)
{
    (void)state;
    struct fence f;
    RUN(&KEEP, bootstrap, &f);
    assert_int_equal(f.acquired, 1);
    assert_int_equal(f.renewals, 1);
    assert_int_equal(f.losses, 0);
}

/* The key is another member's: stay backup; a master in grace gives up. */
static const struct step denied[] = {
    {"probe", NEXT, 0, .req = FENCE_REQ_RANGE, .st = FENCE_WAITING, .v_master = NOV, .v_other = NOV,
     .gate = ANY},
    {"held by another", RESULT, 1, .r = OK(.has_kv = true, .kv_lease = OTHER), .st = FENCE_STANDBY,
     .v_master = 1, .v_other = 1, .gate = FENCE_WAIT},
    {"wants: lease", NEXT, 2, .wants = true, .req = FENCE_REQ_GRANT, .st = FENCE_STANDBY,
     .v_master = NOV, .v_other = NOV, .gate = ANY},
    {"granted", RESULT, 3, .r = OK(.lease = OURS, .ttl = 3), .st = FENCE_STANDBY, .v_master = NOV,
     .v_other = NOV, .gate = ANY},
    {"try", NEXT, 3, .wants = true, .req = FENCE_REQ_ACQUIRE, .st = FENCE_STANDBY, .v_master = NOV,
     .v_other = NOV, .gate = ANY},
    {"denied", RESULT, 4, .r = OK(.succeeded = false, .has_kv = true, .kv_lease = OTHER),
     .bits = FENCE_CH_DENIED | FENCE_CH_VERDICT, .nobits = FENCE_CH_ACQUIRED, .st = FENCE_STANDBY,
     .v_master = 0, .v_other = 1, .gate = FENCE_WAIT},
    {"retry only after retry_ms", NEXT, 50, .wants = true, .req = FENCE_REQ_NONE,
     .st = FENCE_STANDBY, .v_master = NOV, .v_other = NOV, .gate = ANY},
    {"retry with the same young lease", NEXT, 104, .wants = true, .req = FENCE_REQ_ACQUIRE,
     .st = FENCE_STANDBY, .v_master = NOV, .v_other = NOV, .gate = ANY},
    {"denied again", RESULT, 105, .r = OK(.has_kv = true, .kv_lease = OTHER),
     .bits = FENCE_CH_DENIED, .st = FENCE_STANDBY, .v_master = 0, .v_other = 1, .gate = FENCE_WAIT},
    {"lease half gone: a new one", NEXT, 1600, .wants = true, .req = FENCE_REQ_GRANT,
     .st = FENCE_STANDBY, .v_master = NOV, .v_other = NOV, .gate = ANY},
};

static void test_denied(void **state)
{
    (void)state;
    struct fence f;
    RUN(&KEEP, denied, &f);
    assert_int_equal(f.denied, 2);
    assert_true(f.holder == OTHER);
}

/* etcd goes away: release mode takes the VIP from everyone. */
static const struct step lost_release[] = {
    {"probe", NEXT, 0, .req = FENCE_REQ_RANGE, .st = FENCE_WAITING, .v_master = NOV, .v_other = NOV,
     .gate = ANY},
    {"free", RESULT, 1, .r = OK(.has_kv = false), .st = FENCE_STANDBY, .v_master = 1, .v_other = 1,
     .gate = FENCE_WAIT},
    {"grant", NEXT, 1, .wants = true, .req = FENCE_REQ_GRANT, .st = FENCE_STANDBY, .v_master = NOV,
     .v_other = NOV, .gate = ANY},
    {"granted", RESULT, 2, .r = OK(.lease = OURS, .ttl = 3), .st = FENCE_STANDBY, .v_master = NOV,
     .v_other = NOV, .gate = ANY},
    {"acquire", NEXT, 2, .wants = true, .req = FENCE_REQ_ACQUIRE, .st = FENCE_STANDBY,
     .v_master = NOV, .v_other = NOV, .gate = ANY},
    {"held", RESULT, 3, .r = OK(.succeeded = true), .st = FENCE_HELD, .v_master = 1, .v_other = 1,
     .gate = FENCE_GO},
    {"renew", NEXT, 1002, .wants = true, .req = FENCE_REQ_KEEPALIVE, .st = FENCE_HELD,
     .v_master = NOV, .v_other = NOV, .gate = ANY},
    {"renewal fails: still ours until the deadline", RESULT, 1300, .r = FAIL,
     .nobits = FENCE_CH_STATE, .st = FENCE_HELD, .v_master = 1, .v_other = 1, .gate = FENCE_GO},
    {"retry after retry_ms", NEXT, 1400, .wants = true, .req = FENCE_REQ_KEEPALIVE,
     .st = FENCE_HELD, .v_master = NOV, .v_other = NOV, .gate = ANY},
    {"fails again", RESULT, 1500, .r = FAIL, .st = FENCE_HELD, .v_master = 1, .v_other = NOV,
     .gate = ANY},
    {"still ours at 3000", TICK, 3000, .st = FENCE_HELD, .v_master = 1, .v_other = 1,
     .gate = FENCE_GO},
    {"renewing at the deadline: a master may no longer hold", NEXT, 3001, .wants = true,
     .req = FENCE_REQ_KEEPALIVE, .st = FENCE_HELD, .v_master = 0, .v_other = 1, .gate = FENCE_WAIT},
    {"deadline: granted at 1 + 3 s (failed renewals renew nothing)", RESULT, 3001, .r = FAIL,
     .bits = FENCE_CH_STATE | FENCE_CH_VERDICT, .st = FENCE_LOST, .v_master = 0, .v_other = 0,
     .gate = FENCE_NO},
    {"probe while lost: polls keep the pace of ttl/3", NEXT, 4001, .wants = true,
     .req = FENCE_REQ_RANGE, .st = FENCE_LOST, .v_master = NOV, .v_other = NOV, .gate = ANY},
    {"etcd back: grace to re-acquire", RESULT, 4050, .r = OK(.has_kv = false),
     .bits = FENCE_CH_STATE, .nobits = FENCE_CH_FIRST, .st = FENCE_STANDBY, .v_master = 1,
     .v_other = 1, .gate = FENCE_WAIT},
};

static void test_lost_release(void **state)
{
    (void)state;
    RUN(&RELEASE, lost_release, NULL);
}

/* A standby node that hears nothing for a ttl is LOST; keep lets it act. */
static const struct step standby_lost[] = {
    {"probe", NEXT, 0, .req = FENCE_REQ_RANGE, .st = FENCE_WAITING, .v_master = NOV, .v_other = NOV,
     .gate = ANY},
    {"held by another", RESULT, 10, .r = OK(.has_kv = true, .kv_lease = OTHER), .st = FENCE_STANDBY,
     .v_master = NOV, .v_other = 1, .gate = FENCE_WAIT},
    {"poll", NEXT, 1010, .req = FENCE_REQ_RANGE, .st = FENCE_STANDBY, .v_master = NOV,
     .v_other = NOV, .gate = ANY},
    {"no answer", RESULT, 1100, .r = FAIL, .st = FENCE_STANDBY, .v_master = NOV, .v_other = 1,
     .gate = FENCE_WAIT},
    {"not yet a ttl", TICK, 3009, .st = FENCE_STANDBY, .v_master = NOV, .v_other = 1,
     .gate = FENCE_WAIT},
    {"a ttl since the last answer", TICK, 3010, .bits = FENCE_CH_STATE, .st = FENCE_LOST,
     .v_master = 1, .v_other = 1, .gate = FENCE_GO},
};

static void test_standby_lost_keep(void **state)
{
    (void)state;
    RUN(&KEEP, standby_lost, NULL);
}

/* Leaving MASTER revokes; etcd saying the lease is gone ends holding. */
static const struct step release_and_gone[] = {
    {"probe", NEXT, 0, .req = FENCE_REQ_RANGE, .st = FENCE_WAITING, .v_master = NOV, .v_other = NOV,
     .gate = ANY},
    {"free", RESULT, 1, .r = OK(.has_kv = false), .st = FENCE_STANDBY, .v_master = NOV,
     .v_other = NOV, .gate = ANY},
    {"grant", NEXT, 1, .wants = true, .req = FENCE_REQ_GRANT, .st = FENCE_STANDBY, .v_master = NOV,
     .v_other = NOV, .gate = ANY},
    {"granted", RESULT, 2, .r = OK(.lease = OURS, .ttl = 3), .st = FENCE_STANDBY, .v_master = NOV,
     .v_other = NOV, .gate = ANY},
    {"acquire", NEXT, 2, .wants = true, .req = FENCE_REQ_ACQUIRE, .st = FENCE_STANDBY,
     .v_master = NOV, .v_other = NOV, .gate = ANY},
    {"held", RESULT, 3, .r = OK(.succeeded = true), .st = FENCE_HELD, .v_master = 1, .v_other = NOV,
     .gate = ANY},
    {"renew", NEXT, 1003, .wants = true, .req = FENCE_REQ_KEEPALIVE, .st = FENCE_HELD,
     .v_master = NOV, .v_other = NOV, .gate = ANY},
    {"etcd: lease gone (TTL 0)", RESULT, 1010, .r = OK(.ttl = 0),
     .bits = FENCE_CH_STATE | FENCE_CH_VERDICT, .st = FENCE_STANDBY, .v_master = 0, .v_other = 1,
     .gate = FENCE_WAIT},
    {"want again: grant", NEXT, 1010, .wants = true, .req = FENCE_REQ_GRANT, .st = FENCE_STANDBY,
     .v_master = NOV, .v_other = NOV, .gate = ANY},
    {"granted", RESULT, 1011, .r = OK(.lease = OURS + 1, .ttl = 3), .st = FENCE_STANDBY,
     .v_master = NOV, .v_other = NOV, .gate = ANY},
    {"acquire", NEXT, 1011, .wants = true, .req = FENCE_REQ_ACQUIRE, .st = FENCE_STANDBY,
     .v_master = NOV, .v_other = NOV, .gate = ANY},
    {"held", RESULT, 1012, .r = OK(.succeeded = true), .st = FENCE_HELD, .v_master = 1,
     .v_other = NOV, .gate = ANY},
    {"no longer master: revoke", NEXT, 1100, .wants = false, .req = FENCE_REQ_REVOKE,
     .st = FENCE_HELD, .v_master = NOV, .v_other = NOV, .gate = ANY},
    {"revoked", RESULT, 1110, .r = OK(), .bits = FENCE_CH_STATE, .st = FENCE_STANDBY, .v_master = 0,
     .v_other = 1, .gate = FENCE_WAIT},
    {"standby polls", NEXT, 2110, .req = FENCE_REQ_RANGE, .st = FENCE_STANDBY, .v_master = NOV,
     .v_other = NOV, .gate = ANY},
};

static void test_release_and_lease_gone(void **state)
{
    (void)state;
    struct fence f;
    RUN(&KEEP, release_and_gone, &f);
    assert_true(f.lease == 0);
}

/* Restarted within our own old lease: the key carries our identity. */
static const struct step own_key[] = {
    {"probe", NEXT, 0, .req = FENCE_REQ_RANGE, .st = FENCE_WAITING, .v_master = NOV, .v_other = NOV,
     .gate = ANY},
    {"ours from before", RESULT, 1, .r = OK(.has_kv = true, .kv_lease = OTHER, .kv_ours = true),
     .st = FENCE_STANDBY, .v_master = NOV, .v_other = NOV, .gate = ANY},
    {"grant", NEXT, 1, .wants = true, .req = FENCE_REQ_GRANT, .st = FENCE_STANDBY, .v_master = NOV,
     .v_other = NOV, .gate = ANY},
    {"granted", RESULT, 2, .r = OK(.lease = OURS, .ttl = 3), .st = FENCE_STANDBY, .v_master = NOV,
     .v_other = NOV, .gate = ANY},
    {"take our own key over", NEXT, 2, .wants = true, .req = FENCE_REQ_TAKE_OWN,
     .st = FENCE_STANDBY, .v_master = NOV, .v_other = NOV, .gate = ANY},
    {"held", RESULT, 3, .r = OK(.succeeded = true), .bits = FENCE_CH_ACQUIRED, .st = FENCE_HELD,
     .v_master = 1, .v_other = NOV, .gate = FENCE_GO},
};

static void test_own_key_after_restart(void **state)
{
    (void)state;
    RUN(&KEEP, own_key, NULL);
}

/* etcd raises a TTL below its minimum: reported, and we count ours. */
static const struct step raised[] = {
    {"probe", NEXT, 0, .req = FENCE_REQ_RANGE, .st = FENCE_WAITING, .v_master = NOV, .v_other = NOV,
     .gate = ANY},
    {"free", RESULT, 1, .r = OK(.has_kv = false), .st = FENCE_STANDBY, .v_master = NOV,
     .v_other = NOV, .gate = ANY},
    {"grant", NEXT, 1, .wants = true, .req = FENCE_REQ_GRANT, .st = FENCE_STANDBY, .v_master = NOV,
     .v_other = NOV, .gate = ANY},
    {"granted 5 for 3", RESULT, 2, .r = OK(.lease = OURS, .ttl = 5), .bits = FENCE_CH_TTL,
     .st = FENCE_STANDBY, .v_master = NOV, .v_other = NOV, .gate = ANY},
    {"acquire", NEXT, 2, .wants = true, .req = FENCE_REQ_ACQUIRE, .st = FENCE_STANDBY,
     .v_master = NOV, .v_other = NOV, .gate = ANY},
    {"held", RESULT, 3, .r = OK(.succeeded = true), .st = FENCE_HELD, .v_master = 1, .v_other = NOV,
     .gate = ANY},
    {"our 3 s count, not etcd's 5", TICK, 3001, .bits = FENCE_CH_STATE, .st = FENCE_STANDBY,
     .v_master = 0, .v_other = NOV, .gate = ANY},
};

static void test_raised_ttl(void **state)
{
    (void)state;
    struct fence f;
    RUN(&KEEP, raised, &f);
    assert_int_equal(f.granted_ttl, 5);
}

/* One request at a time, whatever the caller asks. */
static void test_one_in_flight(void **state)
{
    (void)state;
    struct fence f;
    uint64_t wake;
    fence_init(&f, &KEEP);
    assert_int_equal(fence_next(&f, true, true, 0, &wake), FENCE_REQ_RANGE);
    assert_int_equal(fence_next(&f, true, true, 0, &wake), FENCE_REQ_NONE);
    assert_int_equal(f.inflight, FENCE_REQ_RANGE);
    assert_true(wake > 0);
    assert_string_equal(fence_state_name(FENCE_LOST), "lost");
    assert_string_equal(fence_req_name(FENCE_REQ_TAKE_OWN), "take-own");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bootstrap_and_renewal),
        cmocka_unit_test(test_denied),
        cmocka_unit_test(test_lost_release),
        cmocka_unit_test(test_standby_lost_keep),
        cmocka_unit_test(test_release_and_lease_gone),
        cmocka_unit_test(test_own_key_after_restart),
        cmocka_unit_test(test_raised_ttl),
        cmocka_unit_test(test_one_in_flight),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
