/* Unit tests for src/vrrp/tuples.c: the tuple messages' codec (every
 * truncation, keys, bad fields), the set, the sender's deltas and full
 * syncs, the receiver's merge (replays, gaps, restarts, non-VIP entries,
 * the limit) and the reset segment's checksum. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "vrrp/tuples.h"

static const uint8_t KEY[] = "s3cret-key";
#define KLEN (sizeof(KEY) - 1)

static struct vrrp_tuple tup4(const char *vip, uint16_t lport, const char *cli, uint16_t rport)
{
    struct vrrp_tuple t = {.family = AF_INET, .lport = lport, .rport = rport};
    inet_pton(AF_INET, vip, t.laddr);
    inet_pton(AF_INET, cli, t.raddr);
    return t;
}

static struct vrrp_tuple tup6(const char *vip, uint16_t lport, const char *cli, uint16_t rport)
{
    struct vrrp_tuple t = {.family = AF_INET6, .lport = lport, .rport = rport};
    inet_pton(AF_INET6, vip, t.laddr);
    inet_pton(AF_INET6, cli, t.raddr);
    return t;
}

static struct vrrp_tp_msg tmpl(int family)
{
    struct vrrp_tp_msg m = {.vrid = 51, .family = family, .boot = 1000, .seq = 1};
    strcpy(m.name, "apiserver");
    return m;
}

/* the VIPs of the tests: 198.18.0.100 and fd18::100 */
static bool is_vip(const struct vrrp_tuple *t, void *arg)
{
    (void)arg;
    struct vrrp_tuple v4 = tup4("198.18.0.100", 1, "0.0.0.0", 1),
                      v6 = tup6("fd18::100", 1, "::", 1);
    return !memcmp(t->laddr, t->family == AF_INET ? v4.laddr : v6.laddr, 16);
}

static void test_roundtrip_both_families_with_and_without_key(void **state)
{
    (void)state;
    uint8_t buf[VRRP_TP_MAX];
    struct vrrp_tp_op ops[2] = {{VRRP_TP_ADD, tup4("198.18.0.100", 16443, "198.18.0.21", 40000)},
                                {VRRP_TP_DEL, tup4("198.18.0.100", 16443, "198.18.0.22", 40001)}};
    struct vrrp_tp_msg m = tmpl(AF_INET), out;
    m.full = true;
    size_t n = vrrp_tp_encode(&m, ops, 2, NULL, 0, buf, sizeof(buf));
    assert_int_equal(n, VRRP_TP_HDR + 9 + 2 * 13);
    assert_memory_equal(buf, "HPT1", 4);
    assert_int_equal(vrrp_tp_decode(buf, n, NULL, 0, &out), VRRP_TP_OK);
    assert_true(out.full && !out.req && out.vrid == 51 && out.family == AF_INET);
    assert_true(out.boot == 1000 && out.seq == 1 && out.nops == 2);
    assert_string_equal(out.name, "apiserver");
    struct vrrp_tp_op e;
    vrrp_tp_entry(buf, &out, 1, &e);
    assert_int_equal(e.op, VRRP_TP_DEL);
    assert_memory_equal(&e.t, &ops[1].t, sizeof(e.t));

    struct vrrp_tp_op o6 = {VRRP_TP_ADD, tup6("fd18::100", 16443, "fd18::21", 50000)};
    m = tmpl(AF_INET6);
    n = vrrp_tp_encode(&m, &o6, 1, KEY, KLEN, buf, sizeof(buf));
    assert_int_equal(n, VRRP_TP_HDR + 9 + 37 + VRRP_TP_TAG);
    assert_int_equal(vrrp_tp_decode(buf, n, KEY, KLEN, &out), VRRP_TP_OK);
    vrrp_tp_entry(buf, &out, 0, &e);
    assert_memory_equal(&e.t, &o6.t, sizeof(e.t));
}

static void test_every_truncation_extension_and_key_mismatch(void **state)
{
    (void)state;
    uint8_t buf[VRRP_TP_MAX + 8];
    struct vrrp_tp_op op = {VRRP_TP_ADD, tup4("198.18.0.100", 16443, "198.18.0.21", 40000)};
    struct vrrp_tp_msg m = tmpl(AF_INET), out;
    for (int keyed = 0; keyed < 2; keyed++) {
        const uint8_t *k = keyed ? KEY : NULL;
        size_t kl = keyed ? KLEN : 0;
        size_t n = vrrp_tp_encode(&m, &op, 1, k, kl, buf, sizeof(buf));
        for (size_t l = 0; l < n; l++)
            assert_int_equal(vrrp_tp_decode(buf, l, k, kl, &out), VRRP_TP_TRUNCATED);
        buf[n] = 0;
        assert_int_equal(vrrp_tp_decode(buf, n + 1, k, kl, &out), VRRP_TP_BAD_LENGTH);
    }
    size_t n = vrrp_tp_encode(&m, &op, 1, KEY, KLEN, buf, sizeof(buf));
    assert_int_equal(vrrp_tp_decode(buf, n, (const uint8_t *)"other", 5, &out), VRRP_TP_BAD_TAG);
    assert_int_equal(vrrp_tp_decode(buf, n, NULL, 0, &out), VRRP_TP_UNEXPECTED_TAG);
    buf[n - 20] ^= 1; /* a byte of the entry: the tag no longer matches */
    assert_int_equal(vrrp_tp_decode(buf, n, KEY, KLEN, &out), VRRP_TP_BAD_TAG);
    n = vrrp_tp_encode(&m, &op, 1, NULL, 0, buf, sizeof(buf));
    assert_int_equal(vrrp_tp_decode(buf, n, KEY, KLEN, &out), VRRP_TP_NO_TAG);
}

static void test_bad_fields(void **state)
{
    (void)state;
    uint8_t buf[VRRP_TP_MAX], b[VRRP_TP_MAX];
    struct vrrp_tp_op op = {VRRP_TP_ADD, tup4("198.18.0.100", 16443, "198.18.0.21", 40000)};
    struct vrrp_tp_msg m = tmpl(AF_INET), out;
    size_t n = vrrp_tp_encode(&m, &op, 1, NULL, 0, buf, sizeof(buf));
    memcpy(b, buf, n);
    b[0] = 'X';
    assert_int_equal(vrrp_tp_decode(b, n, NULL, 0, &out), VRRP_TP_BAD_MAGIC);
    memcpy(b, buf, n);
    b[7] = 5;
    assert_int_equal(vrrp_tp_decode(b, n, NULL, 0, &out), VRRP_TP_BAD_FAMILY);
    memcpy(b, buf, n);
    b[VRRP_TP_HDR + 9] = 3; /* the entry's op */
    assert_int_equal(vrrp_tp_decode(b, n, NULL, 0, &out), VRRP_TP_BAD_OP);
    memcpy(b, buf, n);
    b[6] = 0;
    assert_int_equal(vrrp_tp_decode(b, n, NULL, 0, &out), VRRP_TP_BAD_LENGTH);
    memcpy(b, buf, n);
    b[VRRP_TP_HDR + 3] = 0; /* a NUL inside the name */
    assert_int_equal(vrrp_tp_decode(b, n, NULL, 0, &out), VRRP_TP_BAD_LENGTH);
    memcpy(b, buf, n);
    b[4] |= 4; /* a REQ with an entry */
    assert_int_equal(vrrp_tp_decode(b, n, NULL, 0, &out), VRRP_TP_BAD_LENGTH);
    memcpy(b, buf, n);
    b[4] |= 0x80; /* an unknown flag */
    assert_int_equal(vrrp_tp_decode(b, n, NULL, 0, &out), VRRP_TP_BAD_LENGTH);
    /* the encoder refuses what it cannot send */
    m.family = 0;
    assert_int_equal(vrrp_tp_encode(&m, &op, 1, NULL, 0, buf, sizeof(buf)), 0);
    m = tmpl(AF_INET);
    m.name[0] = 0;
    assert_int_equal(vrrp_tp_encode(&m, &op, 1, NULL, 0, buf, sizeof(buf)), 0);
    m = tmpl(AF_INET);
    assert_int_equal(vrrp_tp_encode(&m, &op, 1, NULL, 0, buf, VRRP_TP_HDR + 9 + 12), 0);
}

static void test_set_add_del_many(void **state)
{
    (void)state;
    struct vrrp_tpset s = {0};
    enum { N = 5000 };
    for (int i = 0; i < N; i++) {
        struct vrrp_tuple t = tup4("198.18.0.100", 16443, "198.18.0.21", (uint16_t)(1024 + i));
        assert_int_equal(vrrp_tpset_add(&s, &t), 1);
        assert_int_equal(vrrp_tpset_add(&s, &t), 0);
    }
    assert_int_equal(s.n, N);
    /* delete every third, then every one must be where it should */
    for (int i = 0; i < N; i += 3) {
        struct vrrp_tuple t = tup4("198.18.0.100", 16443, "198.18.0.21", (uint16_t)(1024 + i));
        assert_int_equal(vrrp_tpset_del(&s, &t), 1);
        assert_int_equal(vrrp_tpset_del(&s, &t), 0);
    }
    size_t left = 0, cur = 0;
    for (int i = 0; i < N; i++) {
        struct vrrp_tuple t = tup4("198.18.0.100", 16443, "198.18.0.21", (uint16_t)(1024 + i));
        assert_int_equal(vrrp_tpset_has(&s, &t), i % 3 != 0);
        left += i % 3 != 0;
    }
    assert_int_equal(s.n, left);
    size_t seen = 0;
    while (vrrp_tpset_next(&s, &cur))
        seen++;
    assert_int_equal(seen, left);
    vrrp_tpset_clear(&s);
    assert_int_equal(s.n, 0);
    vrrp_tpset_free(&s);
}

/* ---- sender -> receiver ---- */

struct wire {
    uint8_t msgs[400][VRRP_TP_MAX];
    size_t lens[400];
    size_t n;
};

static void capture(const uint8_t *buf, size_t len, void *arg)
{
    struct wire *w = arg;
    assert_true(w->n < 400);
    memcpy(w->msgs[w->n], buf, len);
    w->lens[w->n++] = len;
}

/* deliver messages [from, to) of w to p; returns how many took OK */
static size_t deliver(struct wire *w, size_t from, size_t to, struct vrrp_tp_peer *p,
                      uint64_t *drops, bool *resync_any)
{
    size_t ok = 0;
    for (size_t i = from; i < to; i++) {
        struct vrrp_tp_msg m;
        bool rs = false;
        assert_int_equal(vrrp_tp_decode(w->msgs[i], w->lens[i], KEY, KLEN, &m), VRRP_TP_OK);
        enum vrrp_tp_err e = vrrp_tp_take(p, w->msgs[i], &m, 1000, is_vip, NULL, drops, &rs);
        if (e == VRRP_TP_OK)
            ok++;
        else
            drops[e]++;
        if (resync_any)
            *resync_any |= rs;
    }
    return ok;
}

static bool same(const struct vrrp_tpset *a, const struct vrrp_tpset *b)
{
    size_t cur = 0;
    const struct vrrp_tuple *t;
    if (a->n != b->n)
        return false;
    while ((t = vrrp_tpset_next(a, &cur)))
        if (!vrrp_tpset_has(b, t))
            return false;
    return true;
}

static void test_full_sync_then_deltas_converge(void **state)
{
    (void)state;
    static struct wire w;
    struct vrrp_tp_local l;
    struct vrrp_tp_peer p = {0};
    uint64_t drops[VRRP_TP_ERR_COUNT] = {0};
    struct vrrp_tp_msg t = tmpl(AF_INET);
    memset(&w, 0, sizeof(w));
    vrrp_tp_local_init(&l, 5000);
    for (int i = 0; i < 1000; i++) {
        struct vrrp_tuple x = tup4("198.18.0.100", 16443, "198.18.0.21", (uint16_t)(2000 + i));
        assert_int_equal(vrrp_tp_local_change(&l, VRRP_TP_ADD, &x), 0);
    }
    /* the first flush is a full sync, in several messages, the first FULL */
    size_t n = vrrp_tp_flush(&l, &t, KEY, KLEN, capture, &w);
    size_t room = vrrp_tp_room(AF_INET, 9, true);
    assert_int_equal(n, (1000 + room - 1) / room);
    assert_int_equal(deliver(&w, 0, w.n, &p, drops, NULL), n);
    assert_true(same(&l.set, &p.set));
    assert_int_equal(p.fulls, 1);

    /* deltas: closes and opens */
    size_t mark = w.n;
    for (int i = 0; i < 1000; i += 2) {
        struct vrrp_tuple x = tup4("198.18.0.100", 16443, "198.18.0.21", (uint16_t)(2000 + i));
        vrrp_tp_local_change(&l, VRRP_TP_DEL, &x);
    }
    struct vrrp_tuple y = tup4("198.18.0.100", 16443, "198.18.0.22", 3333);
    vrrp_tp_local_change(&l, VRRP_TP_ADD, &y);
    vrrp_tp_local_change(&l, VRRP_TP_ADD, &y); /* twice: one op */
    n = vrrp_tp_flush(&l, &t, KEY, KLEN, capture, &w);
    assert_int_equal(n, (501 + room - 1) / room);
    bool rs = false;
    assert_int_equal(deliver(&w, mark, w.n, &p, drops, &rs), n);
    assert_false(rs);
    assert_int_equal(p.set.n, 501);
    assert_true(same(&l.set, &p.set));

    /* nothing changed: one empty delta (a keepalive) */
    mark = w.n;
    assert_int_equal(vrrp_tp_flush(&l, &t, KEY, KLEN, capture, &w), 1);
    struct vrrp_tp_msg m;
    assert_int_equal(vrrp_tp_decode(w.msgs[mark], w.lens[mark], KEY, KLEN, &m), VRRP_TP_OK);
    assert_int_equal(m.nops, 0);
    assert_false(m.full);
    assert_int_equal(deliver(&w, mark, w.n, &p, drops, &rs), 1);
    for (int e = 1; e < VRRP_TP_ERR_COUNT; e++)
        assert_int_equal(drops[e], 0);
    vrrp_tp_local_free(&l);
    vrrp_tp_peer_free(&p);
}

static void test_replay_gap_and_restart(void **state)
{
    (void)state;
    static struct wire w;
    struct vrrp_tp_local l;
    struct vrrp_tp_peer p = {0};
    uint64_t drops[VRRP_TP_ERR_COUNT] = {0};
    struct vrrp_tp_msg t = tmpl(AF_INET);
    struct vrrp_tuple a = tup4("198.18.0.100", 16443, "198.18.0.21", 1111),
                      b = tup4("198.18.0.100", 16443, "198.18.0.21", 2222);
    memset(&w, 0, sizeof(w));
    vrrp_tp_local_init(&l, 5000);
    vrrp_tp_local_change(&l, VRRP_TP_ADD, &a);
    vrrp_tp_flush(&l, &t, KEY, KLEN, capture, &w); /* 0: full {a} */
    vrrp_tp_local_change(&l, VRRP_TP_ADD, &b);
    vrrp_tp_flush(&l, &t, KEY, KLEN, capture, &w); /* 1: +b */
    vrrp_tp_local_change(&l, VRRP_TP_DEL, &a);
    vrrp_tp_flush(&l, &t, KEY, KLEN, capture, &w); /* 2: -a */
    assert_int_equal(w.n, 3);

    /* a delta before any full sync: out of sync, a full sync is asked for */
    bool rs = false;
    assert_int_equal(deliver(&w, 1, 2, &p, drops, &rs), 0);
    assert_int_equal(drops[VRRP_TP_OUT_OF_SYNC], 1);
    assert_true(rs);
    assert_int_equal(p.set.n, 0);

    assert_int_equal(deliver(&w, 0, 1, &p, drops, NULL), 1);
    /* replaying message 0 changes nothing */
    assert_int_equal(deliver(&w, 0, 1, &p, drops, NULL), 0);
    assert_int_equal(drops[VRRP_TP_REPLAYED], 1);
    /* message 1 lost: message 2 is a gap, taken, and a full sync asked */
    rs = false;
    assert_int_equal(deliver(&w, 2, 3, &p, drops, &rs), 1);
    assert_true(rs);
    assert_int_equal(p.gaps, 1);
    assert_int_equal(p.set.n, 0);
    /* the late message 1 is now a replay */
    assert_int_equal(deliver(&w, 1, 2, &p, drops, NULL), 0);
    assert_int_equal(drops[VRRP_TP_REPLAYED], 2);
    /* the asked full sync brings the set back */
    l.full_pending = true;
    size_t mark = w.n;
    vrrp_tp_flush(&l, &t, KEY, KLEN, capture, &w);
    assert_int_equal(deliver(&w, mark, w.n, &p, drops, NULL), 1);
    assert_true(same(&l.set, &p.set) && p.set.n == 1 && vrrp_tpset_has(&p.set, &b));

    /* the sender restarts (a larger boot id): its first (full) message
     * replaces what it had sent; the old boot's messages are replays */
    struct vrrp_tp_local l2;
    vrrp_tp_local_init(&l2, 6000);
    mark = w.n;
    vrrp_tp_flush(&l2, &t, KEY, KLEN, capture, &w);
    assert_int_equal(deliver(&w, mark, w.n, &p, drops, NULL), 1);
    assert_int_equal(p.set.n, 0);
    assert_int_equal(deliver(&w, 0, 1, &p, drops, NULL), 0);
    assert_int_equal(drops[VRRP_TP_REPLAYED], 3);
    assert_int_equal(p.set.n, 0);
    vrrp_tp_local_free(&l);
    vrrp_tp_local_free(&l2);
    vrrp_tp_peer_free(&p);
}

/* A sender whose clock went back across a restart (a smaller boot id) is
 * taken only after VRRP_TP_FORGET_MS of silence, and only with a full sync. */
static void test_smaller_boot_after_silence(void **state)
{
    (void)state;
    uint8_t buf[VRRP_TP_MAX];
    struct vrrp_tp_peer p = {0};
    uint64_t drops[VRRP_TP_ERR_COUNT] = {0};
    struct vrrp_tp_op op = {VRRP_TP_ADD, tup4("198.18.0.100", 16443, "198.18.0.21", 5555)};
    struct vrrp_tp_msg m = tmpl(AF_INET), out;
    bool rs;
    m.boot = 9000;
    m.full = true;
    size_t n = vrrp_tp_encode(&m, &op, 1, NULL, 0, buf, sizeof(buf));
    assert_int_equal(vrrp_tp_decode(buf, n, NULL, 0, &out), VRRP_TP_OK);
    assert_int_equal(vrrp_tp_take(&p, buf, &out, 1000, is_vip, NULL, drops, &rs), VRRP_TP_OK);
    m.boot = 100; /* restarted with its clock behind */
    m.full = true;
    n = vrrp_tp_encode(&m, NULL, 0, NULL, 0, buf, sizeof(buf));
    assert_int_equal(vrrp_tp_decode(buf, n, NULL, 0, &out), VRRP_TP_OK);
    assert_int_equal(
        vrrp_tp_take(&p, buf, &out, 1000 + VRRP_TP_FORGET_MS, is_vip, NULL, drops, &rs),
        VRRP_TP_REPLAYED);
    assert_int_equal(p.set.n, 1);
    /* silent long enough: a delta is still not enough, a full sync is */
    m.full = false;
    n = vrrp_tp_encode(&m, NULL, 0, NULL, 0, buf, sizeof(buf));
    assert_int_equal(vrrp_tp_decode(buf, n, NULL, 0, &out), VRRP_TP_OK);
    assert_int_equal(
        vrrp_tp_take(&p, buf, &out, 1001 + VRRP_TP_FORGET_MS, is_vip, NULL, drops, &rs),
        VRRP_TP_OUT_OF_SYNC);
    assert_true(rs);
    m.full = true;
    m.seq = 2;
    n = vrrp_tp_encode(&m, NULL, 0, NULL, 0, buf, sizeof(buf));
    assert_int_equal(vrrp_tp_decode(buf, n, NULL, 0, &out), VRRP_TP_OK);
    assert_int_equal(
        vrrp_tp_take(&p, buf, &out, 1001 + VRRP_TP_FORGET_MS, is_vip, NULL, drops, &rs),
        VRRP_TP_OK);
    assert_int_equal(p.boot, 100);
    assert_int_equal(p.set.n, 0);
    vrrp_tp_peer_free(&p);
}

static void test_not_vip_bad_tuple_and_limit(void **state)
{
    (void)state;
    uint8_t buf[VRRP_TP_MAX];
    struct vrrp_tp_peer p = {0};
    uint64_t drops[VRRP_TP_ERR_COUNT] = {0};
    struct vrrp_tp_op ops[3] = {
        {VRRP_TP_ADD, tup4("198.18.0.100", 16443, "198.18.0.21", 1)},
        {VRRP_TP_ADD, tup4("198.18.0.11", 22, "198.18.0.21", 2)}, /* not a VIP */
        {VRRP_TP_ADD, tup4("198.18.0.100", 0, "198.18.0.21", 3)}, /* port 0 */
    };
    struct vrrp_tp_msg m = tmpl(AF_INET), out;
    m.full = true;
    size_t n = vrrp_tp_encode(&m, ops, 3, NULL, 0, buf, sizeof(buf));
    assert_int_equal(vrrp_tp_decode(buf, n, NULL, 0, &out), VRRP_TP_OK);
    bool rs;
    assert_int_equal(vrrp_tp_take(&p, buf, &out, 1, is_vip, NULL, drops, &rs), VRRP_TP_OK);
    assert_int_equal(p.set.n, 1);
    assert_int_equal(drops[VRRP_TP_NOT_VIP], 1);
    assert_int_equal(drops[VRRP_TP_BAD_TUPLE], 1);

    /* the limit: fill the set, then one more is dropped and counted */
    for (uint32_t i = 0; p.set.n < VRRP_TP_PEER_MAX; i++) {
        struct vrrp_tuple t = tup4("198.18.0.100", (uint16_t)(1 + i / 60000), "198.18.0.21",
                                   (uint16_t)(1 + i % 60000));
        vrrp_tpset_add(&p.set, &t);
    }
    struct vrrp_tp_op more = {VRRP_TP_ADD, tup4("198.18.0.100", 9, "198.18.0.99", 9)};
    m = tmpl(AF_INET);
    m.seq = 2;
    n = vrrp_tp_encode(&m, &more, 1, NULL, 0, buf, sizeof(buf));
    assert_int_equal(vrrp_tp_decode(buf, n, NULL, 0, &out), VRRP_TP_OK);
    assert_int_equal(vrrp_tp_take(&p, buf, &out, 1, is_vip, NULL, drops, &rs), VRRP_TP_OK);
    assert_int_equal(drops[VRRP_TP_OVER_LIMIT], 1);
    assert_int_equal(p.set.n, VRRP_TP_PEER_MAX);
    vrrp_tp_peer_free(&p);
}

static void test_req_replay_guard(void **state)
{
    (void)state;
    struct vrrp_tp_peer p = {0};
    struct vrrp_tp_msg m = tmpl(AF_INET);
    m.req = true;
    m.seq = 1;
    assert_int_equal(vrrp_tp_take_req(&p, &m), VRRP_TP_OK);
    assert_int_equal(vrrp_tp_take_req(&p, &m), VRRP_TP_REPLAYED);
    m.seq = 2;
    assert_int_equal(vrrp_tp_take_req(&p, &m), VRRP_TP_OK);
    m.boot = 999; /* an older boot */
    m.seq = 50;
    assert_int_equal(vrrp_tp_take_req(&p, &m), VRRP_TP_REPLAYED);
}

static void test_journal_overflow_becomes_full_sync(void **state)
{
    (void)state;
    static struct wire w;
    struct vrrp_tp_local l;
    struct vrrp_tp_msg t = tmpl(AF_INET);
    memset(&w, 0, sizeof(w));
    vrrp_tp_local_init(&l, 1);
    vrrp_tp_flush(&l, &t, NULL, 0, capture, &w); /* the initial full sync */
    assert_false(l.full_pending);
    /* open and close one connection many times: the journal overflows */
    struct vrrp_tuple x = tup4("198.18.0.100", 16443, "198.18.0.21", 4444);
    for (int i = 0; i < VRRP_TP_JOURNAL_MAX; i++) {
        vrrp_tp_local_change(&l, VRRP_TP_ADD, &x);
        vrrp_tp_local_change(&l, VRRP_TP_DEL, &x);
    }
    assert_true(l.full_pending);
    w.n = 0;
    assert_int_equal(vrrp_tp_flush(&l, &t, NULL, 0, capture, &w), 1);
    struct vrrp_tp_msg m;
    assert_int_equal(vrrp_tp_decode(w.msgs[0], w.lens[0], NULL, 0, &m), VRRP_TP_OK);
    assert_true(m.full && m.nops == 0);
    vrrp_tp_local_free(&l);
}

/* The checksum: summing the pseudo-header and the segment gives 0xffff. */
static void test_segment_checksum(void **state)
{
    (void)state;
    struct vrrp_tuple ts[2] = {tup4("198.18.0.100", 16443, "198.18.0.21", 40000),
                               tup6("fd18::100", 16443, "fd18::21", 40001)};
    for (int k = 0; k < 2; k++) {
        uint8_t s[20];
        vrrp_tp_segment(&ts[k], 0x12345678, 0x9abcdef0, s);
        assert_int_equal(s[0] << 8 | s[1], ts[k].lport);
        assert_int_equal(s[2] << 8 | s[3], ts[k].rport);
        assert_int_equal(s[13], 0x10);
        size_t a = ts[k].family == AF_INET ? 4 : 16;
        uint32_t sum = 6 + 20;
        for (size_t i = 0; i < a; i += 2)
            sum += (uint32_t)(ts[k].laddr[i] << 8 | ts[k].laddr[i + 1]) +
                   (uint32_t)(ts[k].raddr[i] << 8 | ts[k].raddr[i + 1]);
        for (size_t i = 0; i < 20; i += 2)
            sum += (uint32_t)(s[i] << 8 | s[i + 1]);
        while (sum >> 16)
            sum = (sum & 0xffff) + (sum >> 16);
        assert_int_equal(sum, 0xffff);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip_both_families_with_and_without_key),
        cmocka_unit_test(test_every_truncation_extension_and_key_mismatch),
        cmocka_unit_test(test_bad_fields),
        cmocka_unit_test(test_set_add_del_many),
        cmocka_unit_test(test_full_sync_then_deltas_converge),
        cmocka_unit_test(test_replay_gap_and_restart),
        cmocka_unit_test(test_smaller_boot_after_silence),
        cmocka_unit_test(test_not_vip_bad_tuple_and_limit),
        cmocka_unit_test(test_req_replay_guard),
        cmocka_unit_test(test_journal_overflow_becomes_full_sync),
        cmocka_unit_test(test_segment_checksum),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
