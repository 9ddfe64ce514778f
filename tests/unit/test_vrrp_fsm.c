/* Unit tests for src/vrrp/fsm.c: the VRRP state table, guards, timers.
 *
 * The expected table below is written out independently of fsm.c from
 * RFC 5798 6.4 plus the keepalived 2.2.7 behaviour documented in fsm.h, and
 * every (state, event) pair is driven through vrrp_fsm_step().
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "vrrp/fsm.h"

static struct vrrp_addr A(const char *s) {
    struct vrrp_addr a;

    memset(&a, 0, sizeof(a));
    a.family = strchr(s, ':') ? AF_INET6 : AF_INET;
    assert_int_equal(inet_pton(a.family, s, a.u.b), 1);
    return a;
}

static struct vrrp_fsm_params
params(uint8_t version, uint8_t prio, uint16_t adv_cs)
{
    struct vrrp_fsm_params p = {
        .version = version, .priority = prio, .adver_int_cs = adv_cs, .primary = A("198.18.0.11")};
    return p;
}

static void mk(struct vrrp_fsm *f, const struct vrrp_fsm_params *p)
{
    char err[128] = "";

    assert_int_equal(vrrp_fsm_init(f, p, err, sizeof(err)), 0);
    assert_string_equal(err, "");
    assert_int_equal(f->state, VRRP_STATE_INIT);
}

static struct vrrp_fsm_in adv_in(uint8_t prio, const char *src, uint16_t adv_cs)
{
    struct vrrp_fsm_in in = {.priority = prio, .adver_int_cs = adv_cs, .src = A(src)};
    return in;
}

static uint32_t step(struct vrrp_fsm *f, enum vrrp_event ev, const struct vrrp_fsm_in *in,
                     struct vrrp_fsm_result *r)
{
    return vrrp_fsm_step(f, ev, in, r);
}

/* ---- the table, independently ---- */

#define S_I VRRP_STATE_INIT
#define S_B VRRP_STATE_BACKUP
#define S_M VRRP_STATE_MASTER
#define S_F VRRP_STATE_FAULT

/* becoming master: reset interval, advert, VIPs, GARP, advert timer, notify */
#define BECOME_MASTER                                                                              \
    (VRRP_ACT_RESET_ADVER_INT | VRRP_ACT_SEND_ADVERT | VRRP_ACT_ADD_VIPS | VRRP_ACT_SEND_GARP |    \
     VRRP_ACT_START_ADVERT_TIMER | VRRP_ACT_NOTIFY)
/* leaving master for INIT or FAULT: stop advert timer, priority 0, drop VIPs, notify */
#define LEAVE_MASTER                                                                               \
    (VRRP_ACT_STOP_ADVERT_TIMER | VRRP_ACT_SEND_ADVERT_PRIO0 | VRRP_ACT_REMOVE_VIPS |              \
     VRRP_ACT_NOTIFY)

struct expect_row {
    enum vrrp_state from;
    enum vrrp_event ev;
    enum vrrp_state to;
    uint32_t act;
};

static const struct expect_row expected[] = {
    /* INIT (RFC 5798 6.4.1) */
    {S_I, VRRP_EV_STARTUP_BACKUP, S_B,
     VRRP_ACT_RESET_ADVER_INT | VRRP_ACT_START_DOWN_TIMER | VRRP_ACT_NOTIFY},
    {S_I, VRRP_EV_STARTUP_OWNER, S_M, BECOME_MASTER},
    {S_I, VRRP_EV_STARTUP_WANT_MASTER, S_B,
     VRRP_ACT_RESET_ADVER_INT | VRRP_ACT_DOWN_TIMER_SHORT | VRRP_ACT_NOTIFY},
    {S_I, VRRP_EV_SHUTDOWN, S_I, 0},
    {S_I, VRRP_EV_FAULT, S_F, VRRP_ACT_NOTIFY},
    {S_I, VRRP_EV_FAULT_CLEARED_BACKUP, S_I, 0},
    {S_I, VRRP_EV_FAULT_CLEARED_OWNER, S_I, 0},
    {S_I, VRRP_EV_MASTER_DOWN, S_I, 0},
    {S_I, VRRP_EV_ADVERT_TIMER, S_I, 0},
    {S_I, VRRP_EV_PREEMPT_DELAY, S_I, 0},
    {S_I, VRRP_EV_PRIORITY_CHANGED, S_I, 0},
    {S_I, VRRP_EV_RESIGN, S_I, 0},
    {S_I, VRRP_EV_ADV_PRIO0, S_I, 0},
    {S_I, VRRP_EV_ADV_HIGHER, S_I, 0},
    {S_I, VRRP_EV_ADV_LOWER, S_I, 0},
    {S_I, VRRP_EV_ADV_LOWER_HOLD, S_I, 0},
    {S_I, VRRP_EV_ADV_LOWER_DELAY, S_I, 0},
    {S_I, VRRP_EV_ADV_SELF, S_I, 0},
    /* BACKUP (RFC 5798 6.4.2) */
    {S_B, VRRP_EV_STARTUP_BACKUP, S_B, 0},
    {S_B, VRRP_EV_STARTUP_OWNER, S_B, 0},
    {S_B, VRRP_EV_STARTUP_WANT_MASTER, S_B, 0},
    {S_B, VRRP_EV_SHUTDOWN, S_I,
     VRRP_ACT_STOP_DOWN_TIMER | VRRP_ACT_STOP_PREEMPT_DELAY | VRRP_ACT_NOTIFY},
    {S_B, VRRP_EV_FAULT, S_F,
     VRRP_ACT_STOP_DOWN_TIMER | VRRP_ACT_STOP_PREEMPT_DELAY | VRRP_ACT_NOTIFY},
    {S_B, VRRP_EV_FAULT_CLEARED_BACKUP, S_B, 0},
    {S_B, VRRP_EV_FAULT_CLEARED_OWNER, S_B, 0},
    {S_B, VRRP_EV_MASTER_DOWN, S_M, VRRP_ACT_STOP_PREEMPT_DELAY | BECOME_MASTER},
    {S_B, VRRP_EV_ADVERT_TIMER, S_B, 0},
    {S_B, VRRP_EV_PREEMPT_DELAY, S_B, VRRP_ACT_PREEMPT_ALLOW},
    {S_B, VRRP_EV_PRIORITY_CHANGED, S_B, VRRP_ACT_SHIFT_DOWN_TIMER},
    {S_B, VRRP_EV_RESIGN, S_B, 0},
    {S_B, VRRP_EV_ADV_PRIO0, S_B, VRRP_ACT_DOWN_TIMER_SKEW},
    {S_B, VRRP_EV_ADV_HIGHER, S_B,
     VRRP_ACT_STOP_PREEMPT_DELAY | VRRP_ACT_LEARN_ADVER_INT | VRRP_ACT_START_DOWN_TIMER},
    {S_B, VRRP_EV_ADV_LOWER, S_B, 0},
    {S_B, VRRP_EV_ADV_LOWER_HOLD, S_B, VRRP_ACT_LEARN_ADVER_INT | VRRP_ACT_START_DOWN_TIMER},
    {S_B, VRRP_EV_ADV_LOWER_DELAY, S_B,
     VRRP_ACT_LEARN_ADVER_INT | VRRP_ACT_START_DOWN_TIMER | VRRP_ACT_START_PREEMPT_DELAY},
    {S_B, VRRP_EV_ADV_SELF, S_B, 0},
    /* MASTER (RFC 5798 6.4.3) */
    {S_M, VRRP_EV_STARTUP_BACKUP, S_M, 0},
    {S_M, VRRP_EV_STARTUP_OWNER, S_M, 0},
    {S_M, VRRP_EV_STARTUP_WANT_MASTER, S_M, 0},
    {S_M, VRRP_EV_SHUTDOWN, S_I, LEAVE_MASTER},
    {S_M, VRRP_EV_FAULT, S_F, LEAVE_MASTER},
    {S_M, VRRP_EV_FAULT_CLEARED_BACKUP, S_M, 0},
    {S_M, VRRP_EV_FAULT_CLEARED_OWNER, S_M, 0},
    {S_M, VRRP_EV_MASTER_DOWN, S_M, 0},
    {S_M, VRRP_EV_ADVERT_TIMER, S_M, VRRP_ACT_SEND_ADVERT | VRRP_ACT_START_ADVERT_TIMER},
    {S_M, VRRP_EV_PREEMPT_DELAY, S_M, 0},
    {S_M, VRRP_EV_PRIORITY_CHANGED, S_M, 0},
    {S_M, VRRP_EV_RESIGN, S_B,
     VRRP_ACT_STOP_ADVERT_TIMER | VRRP_ACT_SEND_ADVERT_PRIO0 | VRRP_ACT_REMOVE_VIPS |
         VRRP_ACT_START_DOWN_TIMER | VRRP_ACT_NOTIFY},
    {S_M, VRRP_EV_ADV_PRIO0, S_M, VRRP_ACT_SEND_ADVERT | VRRP_ACT_START_ADVERT_TIMER},
    {S_M, VRRP_EV_ADV_HIGHER, S_B,
     VRRP_ACT_STOP_ADVERT_TIMER | VRRP_ACT_LEARN_ADVER_INT | VRRP_ACT_REMOVE_VIPS |
         VRRP_ACT_START_DOWN_TIMER | VRRP_ACT_NOTIFY},
    /* a lower master heard: answer it, and announce the VIPs again (hosts
     * may have taken its GARP last) */
    {S_M, VRRP_EV_ADV_LOWER, S_M, VRRP_ACT_SEND_ADVERT | VRRP_ACT_REANNOUNCE},
    {S_M, VRRP_EV_ADV_LOWER_HOLD, S_M, VRRP_ACT_REANNOUNCE},
    {S_M, VRRP_EV_ADV_LOWER_DELAY, S_M, 0},
    {S_M, VRRP_EV_ADV_SELF, S_M, 0},
    /* FAULT */
    {S_F, VRRP_EV_STARTUP_BACKUP, S_F, 0},
    {S_F, VRRP_EV_STARTUP_OWNER, S_F, 0},
    {S_F, VRRP_EV_STARTUP_WANT_MASTER, S_F, 0},
    {S_F, VRRP_EV_SHUTDOWN, S_I, VRRP_ACT_NOTIFY},
    {S_F, VRRP_EV_FAULT, S_F, 0},
    {S_F, VRRP_EV_FAULT_CLEARED_BACKUP, S_B,
     VRRP_ACT_RESET_ADVER_INT | VRRP_ACT_START_DOWN_TIMER | VRRP_ACT_NOTIFY},
    {S_F, VRRP_EV_FAULT_CLEARED_OWNER, S_M, BECOME_MASTER},
    {S_F, VRRP_EV_MASTER_DOWN, S_F, 0},
    {S_F, VRRP_EV_ADVERT_TIMER, S_F, 0},
    {S_F, VRRP_EV_PREEMPT_DELAY, S_F, 0},
    {S_F, VRRP_EV_PRIORITY_CHANGED, S_F, 0},
    {S_F, VRRP_EV_RESIGN, S_F, 0},
    {S_F, VRRP_EV_ADV_PRIO0, S_F, 0},
    {S_F, VRRP_EV_ADV_HIGHER, S_F, 0},
    {S_F, VRRP_EV_ADV_LOWER, S_F, 0},
    {S_F, VRRP_EV_ADV_LOWER_HOLD, S_F, 0},
    {S_F, VRRP_EV_ADV_LOWER_DELAY, S_F, 0},
    {S_F, VRRP_EV_ADV_SELF, S_F, 0},
};

/* Drive a fresh fsm into `s` through ordinary events. */
static void reach(struct vrrp_fsm *f, enum vrrp_state s)
{
    struct vrrp_fsm_params p = params(3, 100, 100);
    struct vrrp_fsm_result r;

    mk(f, &p);
    if (s == S_B || s == S_M)
        step(f, VRRP_EV_STARTUP, NULL, &r);
    if (s == S_M)
        step(f, VRRP_EV_MASTER_DOWN, NULL, &r);
    if (s == S_F)
        step(f, VRRP_EV_FAULT, NULL, &r);
    assert_int_equal(f->state, s);
}

static void test_table_every_pair(void **state)
{
    struct vrrp_fsm_in in = adv_in(120, "198.18.0.12", 100);
    struct vrrp_fsm_result r;
    struct vrrp_fsm f;
    bool seen[VRRP_STATE_COUNT][VRRP_EV_COUNT] = {{false}};
    char got[256], want[256];
    size_t i;
    int s, e;

    for (i = 0; i < sizeof(expected) / sizeof(expected[0]); i++) {
        const struct expect_row *x = &expected[i];

        reach(&f, x->from);
        in.priority = x->ev == VRRP_EV_PRIORITY_CHANGED ? 90 : 120;
        step(&f, x->ev, &in, &r);
        vrrp_actions_fmt(r.actions, got, sizeof(got));
        vrrp_actions_fmt(x->act, want, sizeof(want));
        assert_int_equal(r.event, x->ev);
        assert_int_equal(r.from, x->from);
        assert_int_equal(r.to, x->to);
        assert_int_equal(f.state, x->to);
        assert_string_equal(got, want);
        assert_int_equal(r.actions, x->act);
        /* a state change always notifies, and only a state change */
        assert_int_equal(!!(r.actions & VRRP_ACT_NOTIFY), x->from != x->to);
        seen[x->from][x->ev] = true;
    }
    for (s = 0; s < VRRP_STATE_COUNT; s++)
        for (e = 0; e < VRRP_EV_COUNT; e++)
            assert_true(seen[s][e]);
}

/* ---- guards ---- */

static void test_classify_startup_and_fault_cleared(void **state)
{
    struct vrrp_fsm_params p = params(3, 100, 100);
    struct vrrp_fsm f;

    mk(&f, &p);
    assert_int_equal(vrrp_fsm_classify(&f, VRRP_EV_STARTUP, NULL), VRRP_EV_STARTUP_BACKUP);
    assert_int_equal(vrrp_fsm_classify(&f, VRRP_EV_FAULT_CLEARED, NULL),
                     VRRP_EV_FAULT_CLEARED_BACKUP);
    p.start_master = true; /* keepalived `state MASTER`, priority 100 */
    mk(&f, &p);
    assert_int_equal(vrrp_fsm_classify(&f, VRRP_EV_STARTUP, NULL), VRRP_EV_STARTUP_WANT_MASTER);
    assert_int_equal(vrrp_fsm_classify(&f, VRRP_EV_FAULT_CLEARED, NULL),
                     VRRP_EV_FAULT_CLEARED_BACKUP);
    p.priority = 255;
    mk(&f, &p);
    assert_int_equal(vrrp_fsm_classify(&f, VRRP_EV_STARTUP, NULL), VRRP_EV_STARTUP_OWNER);
    assert_int_equal(vrrp_fsm_classify(&f, VRRP_EV_FAULT_CLEARED, NULL),
                     VRRP_EV_FAULT_CLEARED_OWNER);
    p.start_master = false; /* keepalived `state BACKUP` + priority 255 */
    mk(&f, &p);
    assert_int_equal(vrrp_fsm_classify(&f, VRRP_EV_STARTUP, NULL), VRRP_EV_STARTUP_BACKUP);
    /* other events pass unchanged; ADV without input stays generic */
    assert_int_equal(vrrp_fsm_classify(&f, VRRP_EV_MASTER_DOWN, NULL), VRRP_EV_MASTER_DOWN);
    assert_int_equal(vrrp_fsm_classify(&f, VRRP_EV_ADV, NULL), VRRP_EV_ADV);
}

static enum vrrp_event cls(const struct vrrp_fsm *f, uint8_t prio, const char *src)
{
    struct vrrp_fsm_in in = adv_in(prio, src, 100);

    return vrrp_fsm_classify(f, VRRP_EV_ADV, &in);
}

static void test_classify_backup(void **state)
{
    struct vrrp_fsm f;

    reach(&f, S_B); /* priority 100, primary 198.18.0.11 */
    assert_int_equal(cls(&f, 120, "198.18.0.12"), VRRP_EV_ADV_HIGHER);
    assert_int_equal(cls(&f, 100, "198.18.0.12"), VRRP_EV_ADV_HIGHER);
    /* RFC 5798 6.4.2: a backup accepts equal priority whatever the address */
    assert_int_equal(cls(&f, 100, "198.18.0.10"), VRRP_EV_ADV_HIGHER);
    assert_int_equal(cls(&f, 99, "198.18.0.12"), VRRP_EV_ADV_LOWER);
    assert_int_equal(cls(&f, 1, "198.18.0.12"), VRRP_EV_ADV_LOWER);
    assert_int_equal(cls(&f, 0, "198.18.0.12"), VRRP_EV_ADV_PRIO0);
    assert_int_equal(cls(&f, 255, "198.18.0.11"), VRRP_EV_ADV_SELF);
    assert_int_equal(cls(&f, 0, "198.18.0.11"), VRRP_EV_ADV_SELF);
}

/* RFC 5798 6.4.3: equal priority, the higher primary address wins
 * (unsigned, network order). */
static void test_classify_master_tiebreak(void **state)
{
    struct vrrp_fsm_params p = params(3, 100, 100);
    struct vrrp_fsm_result r;
    struct vrrp_fsm f;

    reach(&f, S_M);
    assert_int_equal(cls(&f, 101, "10.0.0.1"), VRRP_EV_ADV_HIGHER);
    assert_int_equal(cls(&f, 100, "198.18.0.12"), VRRP_EV_ADV_HIGHER);
    assert_int_equal(cls(&f, 100, "198.18.0.200"), VRRP_EV_ADV_HIGHER);
    assert_int_equal(cls(&f, 100, "198.18.1.0"), VRRP_EV_ADV_HIGHER);
    assert_int_equal(cls(&f, 100, "198.18.0.10"), VRRP_EV_ADV_LOWER);
    assert_int_equal(cls(&f, 100, "10.255.255.255"), VRRP_EV_ADV_LOWER);
    assert_int_equal(cls(&f, 99, "255.255.255.255"), VRRP_EV_ADV_LOWER);
    assert_int_equal(cls(&f, 0, "198.18.0.12"), VRRP_EV_ADV_PRIO0);
    assert_int_equal(cls(&f, 100, "198.18.0.11"), VRRP_EV_ADV_SELF);

    /* high bit set: unsigned compare (200.x > 10.x) */
    p.primary = A("10.0.0.1");
    mk(&f, &p);
    step(&f, VRRP_EV_STARTUP, NULL, &r);
    step(&f, VRRP_EV_MASTER_DOWN, NULL, &r);
    assert_int_equal(cls(&f, 100, "200.0.0.1"), VRRP_EV_ADV_HIGHER);
    assert_int_equal(cls(&f, 100, "9.255.255.255"), VRRP_EV_ADV_LOWER);

    /* IPv6: link-local addresses */
    p.primary = A("fe80::11");
    mk(&f, &p);
    step(&f, VRRP_EV_STARTUP, NULL, &r);
    step(&f, VRRP_EV_MASTER_DOWN, NULL, &r);
    assert_int_equal(cls(&f, 100, "fe80::12"), VRRP_EV_ADV_HIGHER);
    assert_int_equal(cls(&f, 100, "fe80::1:0"), VRRP_EV_ADV_HIGHER);
    assert_int_equal(cls(&f, 100, "fe80::10"), VRRP_EV_ADV_LOWER);

    /* RFC-strict: lower adverts are not answered */
    p = params(3, 100, 100);
    p.lower_prio_no_advert = true;
    mk(&f, &p);
    step(&f, VRRP_EV_STARTUP, NULL, &r);
    step(&f, VRRP_EV_MASTER_DOWN, NULL, &r);
    assert_int_equal(cls(&f, 50, "198.18.0.12"), VRRP_EV_ADV_LOWER_HOLD);
}

/* A whole election, through the generic ADV input. */
static void test_master_yields_with_reason(void **state)
{
    struct vrrp_fsm_in in = adv_in(120, "198.18.0.12", 50);
    struct vrrp_fsm_result r;
    struct vrrp_fsm f;

    reach(&f, S_M);
    assert_int_equal(step(&f, VRRP_EV_ADV, &in, &r),
                     VRRP_ACT_STOP_ADVERT_TIMER | VRRP_ACT_LEARN_ADVER_INT | VRRP_ACT_REMOVE_VIPS |
                         VRRP_ACT_START_DOWN_TIMER | VRRP_ACT_NOTIFY);
    assert_int_equal(r.event, VRRP_EV_ADV_HIGHER);
    assert_int_equal(f.state, S_B);
    assert_string_equal(r.reason, "higher priority 120 from 198.18.0.12");
    assert_int_equal(f.master_adver_int_cs, 50); /* learned (v3) */
    /* down = 3 * 500 ms + (156 * 500 ms) / 256 = 1500000 + 304687.5 */
    assert_int_equal(r.down_us, 1804687);
    assert_int_equal(f.master_priority, 120);
    assert_true(vrrp_addr_eq(&f.master_addr, &in.src));

    reach(&f, S_M);
    in = adv_in(100, "198.18.0.200", 100);
    step(&f, VRRP_EV_ADV, &in, &r);
    assert_int_equal(f.state, S_B);
    assert_string_equal(r.reason, "equal priority 100 from 198.18.0.200, higher address");

    reach(&f, S_M);
    in = adv_in(90, "198.18.0.12", 100);
    assert_int_equal(step(&f, VRRP_EV_ADV, &in, &r),
                     VRRP_ACT_SEND_ADVERT | VRRP_ACT_REANNOUNCE);
    assert_int_equal(f.state, S_M);
    assert_string_equal(r.reason, "lower priority 90 from 198.18.0.12, answering");
    assert_int_equal(r.advert_priority, 100);

    in = adv_in(0, "198.18.0.12", 100);
    step(&f, VRRP_EV_ADV, &in, &r);
    assert_string_equal(r.reason, "priority 0 received from 198.18.0.12");
    assert_int_equal(r.advert_us, 1000000);
}

static void test_backup_prio0_and_master_down(void **state)
{
    struct vrrp_fsm_in in = adv_in(0, "198.18.0.12", 100);
    struct vrrp_fsm_result r;
    struct vrrp_fsm f;

    reach(&f, S_B);
    assert_int_equal(step(&f, VRRP_EV_ADV, &in, &r), VRRP_ACT_DOWN_TIMER_SKEW);
    assert_int_equal(r.down_us, 609375); /* skew, priority 100, 1 s */
    assert_string_equal(r.reason, "priority 0 received from 198.18.0.12");
    step(&f, VRRP_EV_MASTER_DOWN, NULL, &r);
    assert_int_equal(f.state, S_M);
    assert_string_equal(r.reason, "master down timer expired");
    assert_int_equal(r.advert_us, 1000000);
    assert_int_equal(r.advert_priority, 100);
    assert_true(vrrp_addr_eq(&f.master_addr, &f.p.primary));
}

/* A backup with nopreempt never takes over from a lower-priority master. */
static void test_nopreempt(void **state)
{
    struct vrrp_fsm_params p = params(3, 200, 100);
    struct vrrp_fsm_in in = adv_in(100, "198.18.0.12", 100);
    struct vrrp_fsm_result r;
    struct vrrp_fsm f;
    int i;

    p.nopreempt = true;
    mk(&f, &p);
    step(&f, VRRP_EV_STARTUP, NULL, &r);
    for (i = 0; i < 5; i++) {
        assert_int_equal(step(&f, VRRP_EV_ADV, &in, &r),
                         VRRP_ACT_LEARN_ADVER_INT | VRRP_ACT_START_DOWN_TIMER);
        assert_int_equal(r.event, VRRP_EV_ADV_LOWER_HOLD);
        assert_int_equal(f.state, S_B);
        assert_string_equal(r.reason, "lower priority 100 from 198.18.0.12, nopreempt");
    }
    /* without nopreempt the same advert is discarded (no timer reset) */
    p.nopreempt = false;
    mk(&f, &p);
    step(&f, VRRP_EV_STARTUP, NULL, &r);
    assert_int_equal(step(&f, VRRP_EV_ADV, &in, &r), 0);
    assert_int_equal(r.event, VRRP_EV_ADV_LOWER);
    assert_string_equal(r.reason, "lower priority 100 from 198.18.0.12, discarded");
    /* but a dead master is still replaced */
    p.nopreempt = true;
    mk(&f, &p);
    step(&f, VRRP_EV_STARTUP, NULL, &r);
    step(&f, VRRP_EV_MASTER_DOWN, NULL, &r);
    assert_int_equal(f.state, S_M);
}

/* keepalived preempt_delay: accept the lower master for the delay, counted
 * from its first advert, then discard its adverts. */
static void test_preempt_delay(void **state)
{
    struct vrrp_fsm_params p = params(2, 200, 100);
    struct vrrp_fsm_in low = adv_in(100, "198.18.0.12", 100);
    struct vrrp_fsm_in high = adv_in(250, "198.18.0.13", 100);
    struct vrrp_fsm_result r;
    struct vrrp_fsm f;

    p.preempt_delay_us = 30000000;
    mk(&f, &p);
    step(&f, VRRP_EV_STARTUP, NULL, &r);
    assert_int_equal(f.preempt, VRRP_PREEMPT_IDLE);
    assert_int_equal(step(&f, VRRP_EV_ADV, &low, &r), VRRP_ACT_LEARN_ADVER_INT |
                                                          VRRP_ACT_START_DOWN_TIMER |
                                                          VRRP_ACT_START_PREEMPT_DELAY);
    assert_int_equal(r.event, VRRP_EV_ADV_LOWER_DELAY);
    assert_int_equal(r.preempt_delay_us, 30000000);
    assert_string_equal(r.reason, "lower priority 100 from 198.18.0.12, preempt delay started");
    assert_int_equal(f.preempt, VRRP_PREEMPT_RUNNING);
    /* while running: accepted, timer not restarted */
    assert_int_equal(step(&f, VRRP_EV_ADV, &low, &r),
                     VRRP_ACT_LEARN_ADVER_INT | VRRP_ACT_START_DOWN_TIMER);
    assert_int_equal(r.event, VRRP_EV_ADV_LOWER_HOLD);
    assert_string_equal(r.reason, "lower priority 100 from 198.18.0.12, preempt delay running");
    /* expiry: from now on discarded, so the down timer runs out */
    assert_int_equal(step(&f, VRRP_EV_PREEMPT_DELAY, NULL, &r), VRRP_ACT_PREEMPT_ALLOW);
    assert_int_equal(f.preempt, VRRP_PREEMPT_EXPIRED);
    assert_int_equal(step(&f, VRRP_EV_ADV, &low, &r), 0);
    assert_int_equal(r.event, VRRP_EV_ADV_LOWER);
    step(&f, VRRP_EV_MASTER_DOWN, NULL, &r);
    assert_int_equal(f.state, S_M);
    assert_int_equal(f.preempt, VRRP_PREEMPT_IDLE);

    /* a higher master in between cancels the delay; the next lower master
     * starts it again */
    mk(&f, &p);
    step(&f, VRRP_EV_STARTUP, NULL, &r);
    step(&f, VRRP_EV_ADV, &low, &r);
    assert_true(step(&f, VRRP_EV_ADV, &high, &r) & VRRP_ACT_STOP_PREEMPT_DELAY);
    assert_int_equal(f.preempt, VRRP_PREEMPT_IDLE);
    assert_int_equal(step(&f, VRRP_EV_ADV, &low, &r) & VRRP_ACT_START_PREEMPT_DELAY,
                     VRRP_ACT_START_PREEMPT_DELAY);
    /* a stale expiry when no delay runs changes nothing */
    mk(&f, &p);
    step(&f, VRRP_EV_STARTUP, NULL, &r);
    step(&f, VRRP_EV_PREEMPT_DELAY, NULL, &r);
    assert_int_equal(f.preempt, VRRP_PREEMPT_IDLE);
    assert_int_equal(vrrp_fsm_classify(&f, VRRP_EV_ADV, &low), VRRP_EV_ADV_LOWER_DELAY);
    /* FAULT and back restarts the delay bookkeeping */
    step(&f, VRRP_EV_ADV, &low, &r);
    step(&f, VRRP_EV_FAULT, NULL, &r);
    assert_int_equal(f.preempt, VRRP_PREEMPT_IDLE);
}

/* keepalived vrrp_complete_instance normalisation. */
static void test_init_normalisation_and_errors(void **state)
{
    struct vrrp_fsm_params p = params(3, 255, 100);
    struct vrrp_fsm f;
    char err[128];

    p.nopreempt = true;
    p.preempt_delay_us = 5;
    mk(&f, &p);
    assert_false(f.p.nopreempt);
    assert_int_equal(f.p.preempt_delay_us, 0);
    assert_int_equal(f.p.down_timer_adverts, 3);
    p = params(3, 100, 100);
    p.start_master = true;
    p.nopreempt = true;
    p.preempt_delay_us = 5;
    mk(&f, &p);
    assert_false(f.p.nopreempt);
    assert_int_equal(f.p.preempt_delay_us, 0);
    p = params(3, 100, 100);
    p.nopreempt = true;
    p.preempt_delay_us = 5;
    mk(&f, &p);
    assert_true(f.p.nopreempt);
    assert_int_equal(f.p.preempt_delay_us, 0);

#define BAD(mut)                                                                                   \
    do {                                                                                           \
        p = params(3, 100, 100);                                                                   \
        mut;                                                                                       \
        err[0] = 0;                                                                                \
        assert_int_equal(vrrp_fsm_init(&f, &p, err, sizeof(err)), -1);                             \
        assert_true(err[0] != 0);                                                                  \
    } while (0)
    BAD(p.version = 1);
    BAD(p.priority = 0);
    BAD(p.adver_int_cs = 0);
    BAD(p.adver_int_cs = 4096);
    BAD((p.version = 2, p.adver_int_cs = 150));
    BAD((p.version = 2, p.adver_int_cs = 25600));
    BAD(p.down_timer_adverts = 101);
    BAD((p.version = 2, p.primary = A("fe80::1")));
#undef BAD
}

static void test_startup_paths(void **state)
{
    struct vrrp_fsm_params p = params(3, 255, 100);
    struct vrrp_fsm_result r;
    struct vrrp_fsm f;

    p.start_master = true;
    mk(&f, &p);
    step(&f, VRRP_EV_STARTUP, NULL, &r);
    assert_int_equal(f.state, S_M);
    assert_string_equal(r.reason, "startup as address owner (priority 255)");
    assert_int_equal(r.advert_priority, 255);

    /* state MASTER, priority 100: backup, master after 1 interval + 1/256 */
    p.priority = 100;
    mk(&f, &p);
    step(&f, VRRP_EV_STARTUP, NULL, &r);
    assert_int_equal(f.state, S_B);
    assert_int_equal(r.actions & VRRP_ACT_DOWN_TIMER_ANY, VRRP_ACT_DOWN_TIMER_SHORT);
    assert_int_equal(r.down_us, 1003906);
    p.version = 2;
    p.adver_int_cs = 300;
    mk(&f, &p);
    step(&f, VRRP_EV_STARTUP, NULL, &r);
    assert_int_equal(r.down_us, 3003906); /* 3 s + 1 s / 256 */

    /* plain backup: full master down interval */
    p = params(2, 100, 100);
    mk(&f, &p);
    step(&f, VRRP_EV_STARTUP, NULL, &r);
    assert_int_equal(r.down_us, 3609375);
    assert_string_equal(r.reason, "startup");

    /* fault at startup, then cleared */
    mk(&f, &p);
    step(&f, VRRP_EV_FAULT, &(struct vrrp_fsm_in){.detail = "interface eth0 down"}, &r);
    assert_int_equal(f.state, S_F);
    assert_string_equal(r.reason, "fault: interface eth0 down");
    step(&f, VRRP_EV_FAULT_CLEARED, NULL, &r);
    assert_int_equal(f.state, S_B);
    assert_int_equal(r.down_us, 3609375);
}

/* v3 backups learn the master's interval; v2 does not; masters use their own. */
static void test_learn_interval(void **state)
{
    struct vrrp_fsm_params p = params(3, 100, 100);
    struct vrrp_fsm_in in = adv_in(150, "198.18.0.12", 10);
    struct vrrp_fsm_result r;
    struct vrrp_fsm f;

    mk(&f, &p);
    step(&f, VRRP_EV_STARTUP, NULL, &r);
    step(&f, VRRP_EV_ADV, &in, &r);
    assert_int_equal(f.master_adver_int_cs, 10);
    assert_int_equal(r.down_us, 360937); /* 3 * 100 ms + 156 * 100 ms / 256 */
    in.priority = 0;
    step(&f, VRRP_EV_ADV, &in, &r);
    assert_int_equal(r.down_us, 60937); /* skew from the learned interval */
    step(&f, VRRP_EV_MASTER_DOWN, NULL, &r);
    assert_int_equal(f.master_adver_int_cs, 100);
    assert_int_equal(r.advert_us, 1000000);
    /* a discarded advert teaches nothing */
    mk(&f, &p);
    step(&f, VRRP_EV_STARTUP, NULL, &r);
    in = adv_in(50, "198.18.0.12", 10);
    step(&f, VRRP_EV_ADV, &in, &r);
    assert_int_equal(f.master_adver_int_cs, 100);

    p = params(2, 100, 100);
    mk(&f, &p);
    step(&f, VRRP_EV_STARTUP, NULL, &r);
    in = adv_in(150, "198.18.0.12", 300);
    step(&f, VRRP_EV_ADV, &in, &r);
    assert_int_equal(f.master_adver_int_cs, 100);
    assert_int_equal(r.down_us, 3609375);
}

static void test_priority_changes(void **state)
{
    struct vrrp_fsm_params p = params(2, 100, 100);
    struct vrrp_fsm_in in = {.priority = 200};
    struct vrrp_fsm_result r;
    struct vrrp_fsm f;

    mk(&f, &p);
    step(&f, VRRP_EV_STARTUP, NULL, &r);
    assert_int_equal(step(&f, VRRP_EV_PRIORITY_CHANGED, &in, &r), VRRP_ACT_SHIFT_DOWN_TIMER);
    assert_int_equal(f.priority, 200);
    /* skew 609375 -> 218750 */
    assert_int_equal(r.down_shift_us, -390625);
    assert_string_equal(r.reason, "priority 100 -> 200");
    in.priority = 0; /* clamped to 1 */
    step(&f, VRRP_EV_PRIORITY_CHANGED, &in, &r);
    assert_int_equal(f.priority, 1);
    assert_int_equal(r.down_shift_us, 996093 - 218750);
    in.priority = 255; /* clamped to 254 */
    step(&f, VRRP_EV_PRIORITY_CHANGED, &in, &r);
    assert_int_equal(f.priority, 254);
    /* a backup whose priority rose preempts on the master's next advert */
    in = adv_in(200, "198.18.0.12", 100);
    assert_int_equal(vrrp_fsm_classify(&f, VRRP_EV_ADV, &in), VRRP_EV_ADV_LOWER);

    /* master: priority recorded, nothing else (RFC) */
    step(&f, VRRP_EV_MASTER_DOWN, NULL, &r);
    in = (struct vrrp_fsm_in){.priority = 50};
    assert_int_equal(step(&f, VRRP_EV_PRIORITY_CHANGED, &in, &r), 0);
    assert_int_equal(f.state, S_M);
    step(&f, VRRP_EV_ADVERT_TIMER, NULL, &r);
    assert_int_equal(r.advert_priority, 50);
    in = adv_in(60, "198.18.0.12", 100);
    step(&f, VRRP_EV_ADV, &in, &r);
    assert_int_equal(f.state, S_B);

    /* owner ignores tracking */
    p = params(2, 255, 100);
    mk(&f, &p);
    in = (struct vrrp_fsm_in){.priority = 10};
    step(&f, VRRP_EV_PRIORITY_CHANGED, &in, &r);
    assert_int_equal(f.priority, 255);
}

static void test_owner_yields_only_to_higher_owner(void **state)
{
    struct vrrp_fsm_params p = params(3, 255, 100);
    struct vrrp_fsm_in in = adv_in(254, "198.18.0.250", 100);
    struct vrrp_fsm_result r;
    struct vrrp_fsm f;

    p.start_master = true;
    mk(&f, &p);
    step(&f, VRRP_EV_STARTUP, NULL, &r);
    assert_int_equal(f.state, S_M);
    step(&f, VRRP_EV_ADV, &in, &r);
    assert_int_equal(f.state, S_M);
    in = adv_in(255, "198.18.0.10", 100);
    step(&f, VRRP_EV_ADV, &in, &r);
    assert_int_equal(f.state, S_M);
    in = adv_in(255, "198.18.0.12", 100);
    step(&f, VRRP_EV_ADV, &in, &r);
    assert_int_equal(f.state, S_B);
}

static void test_resign_and_shutdown(void **state)
{
    struct vrrp_fsm_result r;
    struct vrrp_fsm f;

    reach(&f, S_M);
    step(&f, VRRP_EV_RESIGN, &(struct vrrp_fsm_in){.detail = "no healthy backend"}, &r);
    assert_int_equal(f.state, S_B);
    assert_string_equal(r.reason, "resign: no healthy backend");
    assert_int_equal(r.down_us, 3609375);
    reach(&f, S_M);
    step(&f, VRRP_EV_SHUTDOWN, NULL, &r);
    assert_int_equal(f.state, S_I);
    assert_true(r.actions & VRRP_ACT_SEND_ADVERT_PRIO0);
    /* restart after shutdown */
    step(&f, VRRP_EV_STARTUP, NULL, &r);
    assert_int_equal(f.state, S_B);
}

static void test_invalid_events(void **state)
{
    struct vrrp_fsm_result r;
    struct vrrp_fsm f;

    reach(&f, S_B);
    assert_int_equal(step(&f, VRRP_EV_ADV, NULL, &r), 0);
    assert_int_equal(f.state, S_B);
    assert_int_equal(step(&f, VRRP_EV_ADV_HIGHER, NULL, &r), 0);
    assert_int_equal(step(&f, VRRP_EV_PRIORITY_CHANGED, NULL, &r), 0);
    assert_int_equal(step(&f, (enum vrrp_event)99, NULL, &r), 0);
    assert_int_equal(step(&f, (enum vrrp_event) - 1, NULL, &r), 0);
    assert_int_equal(f.state, S_B);
    assert_int_equal(r.from, S_B);
    assert_int_equal(r.to, S_B);
    assert_int_equal(f.priority, 100);
}

/* ---- timers ---- */

static void test_timer_arithmetic(void **state)
{
    /* v2: (256 - prio) / 256 s, independent of the interval */
    assert_int_equal(vrrp_skew_us(2, 100, 100), 609375);
    assert_int_equal(vrrp_master_down_us(2, 100, 100, 3), 3609375);
    assert_int_equal(vrrp_skew_us(2, 100, 300), 609375);
    assert_int_equal(vrrp_master_down_us(2, 100, 300, 3), 9609375);
    assert_int_equal(vrrp_skew_us(2, 255, 100), 3906); /* 3906.25 */
    assert_int_equal(vrrp_master_down_us(2, 255, 100, 3), 3003906);
    assert_int_equal(vrrp_skew_us(2, 1, 100), 996093); /* 996093.75 */
    assert_int_equal(vrrp_master_down_us(2, 1, 100, 0), 3996093);
    /* v3: (256 - prio) * interval / 256, exact then truncated to us */
    assert_int_equal(vrrp_skew_us(3, 100, 100), 609375); /* RFC integer cs would say 60 cs */
    assert_int_equal(vrrp_master_down_us(3, 100, 100, 3), 3609375);
    assert_int_equal(vrrp_skew_us(3, 100, 10), 60937); /* 60937.5 */
    assert_int_equal(vrrp_master_down_us(3, 100, 10, 3), 360937);
    assert_int_equal(vrrp_skew_us(3, 200, 5), 10937); /* 10937.5 */
    assert_int_equal(vrrp_master_down_us(3, 200, 5, 3), 160937);
    assert_int_equal(vrrp_skew_us(3, 1, 1), 9960);        /* 9960.9375 */
    assert_int_equal(vrrp_skew_us(3, 254, 4095), 319921); /* 319921.875 */
    assert_int_equal(vrrp_master_down_us(3, 254, 4095, 3), 123169921);
    assert_int_equal(vrrp_skew_us(3, 255, 100), 3906);
    /* keepalived down_timer_adverts */
    assert_int_equal(vrrp_master_down_us(3, 100, 100, 1), 1609375);
    assert_int_equal(vrrp_master_down_us(3, 100, 100, 0), 3609375);
    assert_int_equal(vrrp_master_down_us(3, 100, 100, 100), 100609375);
}

static void test_down_timer_adverts_param(void **state)
{
    struct vrrp_fsm_params p = params(3, 100, 20);
    struct vrrp_fsm_result r;
    struct vrrp_fsm f;

    p.down_timer_adverts = 2;
    mk(&f, &p);
    step(&f, VRRP_EV_STARTUP, NULL, &r);
    assert_int_equal(r.down_us, 2 * 200000 + 121875); /* 156 * 200 ms / 256 */
}

static void test_names(void **state)
{
    char buf[256];

    assert_string_equal(vrrp_state_name(S_I), "INIT");
    assert_string_equal(vrrp_state_name(S_B), "BACKUP");
    assert_string_equal(vrrp_state_name(S_M), "MASTER");
    assert_string_equal(vrrp_state_name(S_F), "FAULT");
    assert_string_equal(vrrp_state_name(VRRP_STATE_COUNT), "?");
    assert_string_equal(vrrp_event_name(VRRP_EV_MASTER_DOWN), "master-down");
    assert_string_equal(vrrp_event_name(VRRP_EV_ADV), "adv?");
    assert_string_equal(vrrp_event_name((enum vrrp_event)200), "?");
    assert_string_equal(vrrp_action_name(VRRP_ACT_SEND_GARP), "send-garp");
    assert_string_equal(vrrp_action_name(3), "?");
    assert_string_equal(vrrp_actions_fmt(VRRP_ACT_NOTIFY | VRRP_ACT_SEND_ADVERT, buf, sizeof(buf)),
                        "send-advert,notify");
    assert_string_equal(vrrp_actions_fmt(0, buf, sizeof(buf)), "");
    vrrp_actions_fmt(0x3ffff, buf, 10);
    assert_int_equal(strlen(buf), 9);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_every_pair),
        cmocka_unit_test(test_classify_startup_and_fault_cleared),
        cmocka_unit_test(test_classify_backup),
        cmocka_unit_test(test_classify_master_tiebreak),
        cmocka_unit_test(test_master_yields_with_reason),
        cmocka_unit_test(test_backup_prio0_and_master_down),
        cmocka_unit_test(test_nopreempt),
        cmocka_unit_test(test_preempt_delay),
        cmocka_unit_test(test_init_normalisation_and_errors),
        cmocka_unit_test(test_startup_paths),
        cmocka_unit_test(test_learn_interval),
        cmocka_unit_test(test_priority_changes),
        cmocka_unit_test(test_owner_yields_only_to_higher_owner),
        cmocka_unit_test(test_resign_and_shutdown),
        cmocka_unit_test(test_invalid_events),
        cmocka_unit_test(test_timer_arithmetic),
        cmocka_unit_test(test_down_timer_adverts_param),
        cmocka_unit_test(test_names),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
