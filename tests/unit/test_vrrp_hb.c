/* Unit tests for src/vrrp/hb.c: the quorum heartbeat codec (every
 * truncation, tags and keys), the per-peer rules (replay, freshness by
 * echoed nonce, first contact) and the majority. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "vrrp/hb.h"

static const uint8_t KEY[] = "s3cret-key";
#define KLEN (sizeof(KEY) - 1)

static struct vrrp_hb msg(void)
{
    struct vrrp_hb m = {
        .vrid = 51, .boot = 0x1122334455667788ULL, .seq = 7, .nonce = 99, .echo = 42};
    strcpy(m.name, "apiserver");
    return m;
}

static void test_roundtrip_with_and_without_key(void **state)
{
    (void)state;
    uint8_t buf[VRRP_HB_MAX];
    struct vrrp_hb m = msg(), out;
    size_t n = vrrp_hb_encode(&m, NULL, 0, buf, sizeof(buf));
    assert_int_equal(n, VRRP_HB_HDR + 9);
    assert_memory_equal(buf, "HPQ1", 4);
    assert_int_equal(vrrp_hb_decode(buf, n, NULL, 0, &out), VRRP_HB_OK);
    assert_string_equal(out.name, "apiserver");
    assert_int_equal(out.vrid, 51);
    assert_true(out.boot == m.boot && out.seq == 7 && out.nonce == 99 && out.echo == 42);

    n = vrrp_hb_encode(&m, KEY, KLEN, buf, sizeof(buf));
    assert_int_equal(n, VRRP_HB_HDR + 9 + VRRP_HB_TAG);
    assert_int_equal(vrrp_hb_decode(buf, n, KEY, KLEN, &out), VRRP_HB_OK);
    assert_int_equal(out.seq, 7);
}

static void test_every_truncation_and_extension(void **state)
{
    (void)state;
    uint8_t buf[VRRP_HB_MAX + 8];
    struct vrrp_hb m = msg(), out;
    for (int keyed = 0; keyed < 2; keyed++) {
        const uint8_t *k = keyed ? KEY : NULL;
        size_t kl = keyed ? KLEN : 0;
        size_t n = vrrp_hb_encode(&m, k, kl, buf, sizeof(buf));
        for (size_t l = 0; l < n; l++) {
            enum vrrp_hb_err e = vrrp_hb_decode(buf, l, k, kl, &out);
            assert_true(e == VRRP_HB_TRUNCATED);
        }
        buf[n] = 0;
        assert_int_equal(vrrp_hb_decode(buf, n + 1, k, kl, &out), VRRP_HB_BAD_LENGTH);
    }
}

static void test_bad_fields(void **state)
{
    (void)state;
    uint8_t buf[VRRP_HB_MAX];
    struct vrrp_hb m = msg(), out;
    size_t n = vrrp_hb_encode(&m, NULL, 0, buf, sizeof(buf));
    buf[0] = 'X';
    assert_int_equal(vrrp_hb_decode(buf, n, NULL, 0, &out), VRRP_HB_BAD_MAGIC);
    n = vrrp_hb_encode(&m, NULL, 0, buf, sizeof(buf));
    buf[6] = 0;
    assert_int_equal(vrrp_hb_decode(buf, n, NULL, 0, &out), VRRP_HB_BAD_LENGTH);
    buf[6] = VRRP_HB_NAME + 1;
    assert_int_equal(vrrp_hb_decode(buf, n, NULL, 0, &out), VRRP_HB_BAD_LENGTH);
    /* names: empty and too long are not encoded */
    m.name[0] = 0;
    assert_int_equal(vrrp_hb_encode(&m, NULL, 0, buf, sizeof(buf)), 0);
    memset(m.name, 'a', VRRP_HB_NAME);
    m.name[VRRP_HB_NAME] = 0;
    assert_int_not_equal(vrrp_hb_encode(&m, NULL, 0, buf, sizeof(buf)), 0);
    assert_int_equal(vrrp_hb_encode(&m, NULL, 0, buf, VRRP_HB_HDR + 10), 0); /* cap */
}

static void test_keys(void **state)
{
    (void)state;
    uint8_t buf[VRRP_HB_MAX];
    struct vrrp_hb m = msg(), out;
    static const uint8_t OTHER[] = "other-key";
    size_t n = vrrp_hb_encode(&m, NULL, 0, buf, sizeof(buf));
    assert_int_equal(vrrp_hb_decode(buf, n, KEY, KLEN, &out), VRRP_HB_NO_TAG);
    n = vrrp_hb_encode(&m, KEY, KLEN, buf, sizeof(buf));
    assert_int_equal(vrrp_hb_decode(buf, n, NULL, 0, &out), VRRP_HB_UNEXPECTED_TAG);
    assert_int_equal(vrrp_hb_decode(buf, n, OTHER, sizeof(OTHER) - 1, &out), VRRP_HB_BAD_TAG);
    /* any changed byte, header, name or tag, fails the tag */
    for (size_t i = 0; i < n; i++) {
        if (i <= 4 || i == 6)
            continue; /* magic, flags and name length: other errors first */
        buf[i] ^= 0x01;
        assert_int_equal(vrrp_hb_decode(buf, n, KEY, KLEN, &out), VRRP_HB_BAD_TAG);
        buf[i] ^= 0x01;
    }
    assert_int_equal(vrrp_hb_decode(buf, n, KEY, KLEN, &out), VRRP_HB_OK);
}

/* Two nodes exchanging messages: first contact takes one round trip, then
 * every message is fresh; replays and old echoes do not count. */
static void test_exchange_replay_and_stale(void **state)
{
    (void)state;
    struct vrrp_hb_self a = {.boot = 10}, b = {.boot = 20};
    struct vrrp_hb_peer a_of_b = {0}, b_of_a = {0}; /* a's view of b, b's view of a */
    struct vrrp_hb m1, m2, m3;
    vrrp_hb_rotate(&a, 1001);
    vrrp_hb_rotate(&b, 2001);

    vrrp_hb_make(&a, &a_of_b, 51, "vi", &m1); /* a -> b: echo 0 */
    assert_int_equal(vrrp_hb_take(&b, &b_of_a, &m1, 100), VRRP_HB_STALE);
    assert_true(b_of_a.their_nonce == 1001);  /* learnt on first contact */
    vrrp_hb_make(&b, &b_of_a, 51, "vi", &m2); /* b -> a: echoes 1001 */
    assert_int_equal(vrrp_hb_take(&a, &a_of_b, &m2, 110), VRRP_HB_OK);
    assert_int_equal(a_of_b.last_fresh_ms, 110);
    vrrp_hb_make(&a, &a_of_b, 51, "vi", &m3); /* a -> b: echoes 2001 */
    assert_int_equal(vrrp_hb_take(&b, &b_of_a, &m3, 120), VRRP_HB_OK);

    /* the same message again, or an older one: replayed */
    assert_int_equal(vrrp_hb_take(&b, &b_of_a, &m3, 130), VRRP_HB_REPLAYED);
    assert_int_equal(vrrp_hb_take(&b, &b_of_a, &m1, 130), VRRP_HB_REPLAYED);

    /* b's nonces move on: an echo older than the window is stale */
    for (int i = 0; i < VRRP_HB_NONCES; i++)
        vrrp_hb_rotate(&b, 3000 + (uint64_t)i);
    struct vrrp_hb late = m3;
    late.seq = 1000;
    assert_true(vrrp_hb_evaluate(&b_of_a, 1, 130, 200) == 1); /* a is seen */
    assert_int_equal(vrrp_hb_take(&b, &b_of_a, &late, 140), VRRP_HB_STALE);
    /* while a is seen, a stale message teaches nothing (a replay cannot
     * poison the nonce b echoes) */
    assert_true(b_of_a.their_nonce == 1001 && b_of_a.seq == 2);
    /* an echo within the window counts */
    late.seq = 1001;
    late.echo = 3003;
    assert_int_equal(vrrp_hb_take(&b, &b_of_a, &late, 150), VRRP_HB_OK);
    /* zero is never a nonce */
    struct vrrp_hb_self z = {0};
    vrrp_hb_rotate(&z, 0);
    assert_true(z.nonces[0] != 0);
}

static void test_restart_of_a_peer(void **state)
{
    (void)state;
    struct vrrp_hb_self b = {.boot = 20};
    struct vrrp_hb_peer a = {
        .boot = 10, .seq = 500, .their_nonce = 7, .last_fresh_ms = 100, .seen = true};
    vrrp_hb_rotate(&b, 2001);
    /* a restarted: new boot, seq 1, echo 0. Seen still: nothing learnt. */
    struct vrrp_hb m = {.vrid = 51, .boot = 11, .seq = 1, .nonce = 8, .echo = 0};
    strcpy(m.name, "vi");
    assert_int_equal(vrrp_hb_take(&b, &a, &m, 110), VRRP_HB_STALE);
    /* once a times out, its new boot is taken, and then its fresh message */
    assert_int_equal(vrrp_hb_evaluate(&a, 1, 1000, 200), 0);
    m.seq = 2;
    assert_int_equal(vrrp_hb_take(&b, &a, &m, 1000), VRRP_HB_STALE);
    assert_true(a.boot == 11 && a.their_nonce == 8);
    m.seq = 3;
    m.echo = 2001;
    assert_int_equal(vrrp_hb_take(&b, &a, &m, 1010), VRRP_HB_OK);
}

static void test_evaluate_and_majority(void **state)
{
    (void)state;
    struct vrrp_hb_peer p[4] = {
        {.last_fresh_ms = 1000}, {.last_fresh_ms = 500}, {0}, {.last_fresh_ms = 1100}};
    assert_int_equal(vrrp_hb_evaluate(p, 4, 1200, 400), 2);
    assert_true(p[0].seen && !p[1].seen && !p[2].seen && p[3].seen);
    assert_int_equal(p[0].since_ms, 1200);
    assert_int_equal(p[1].since_ms, 0); /* never changed */
    assert_int_equal(vrrp_hb_evaluate(p, 4, 1450, 400), 1);
    assert_int_equal(p[0].since_ms, 1450);
    /* majority of n peers + self */
    assert_false(vrrp_hb_majority(0, 1)); /* 1 of 2 */
    assert_true(vrrp_hb_majority(1, 1));  /* 2 of 2 */
    assert_false(vrrp_hb_majority(0, 2)); /* 1 of 3 */
    assert_true(vrrp_hb_majority(1, 2));  /* 2 of 3 */
    assert_false(vrrp_hb_majority(1, 3)); /* 2 of 4 */
    assert_true(vrrp_hb_majority(2, 3));  /* 3 of 4 */
    assert_true(vrrp_hb_majority(2, 4));  /* 3 of 5 */
    assert_false(vrrp_hb_majority(1, 4));
}

/* An announcement (multicast discovery) teaches the nonce while the peer
 * is not seen, round-trips its flag, and is never fresh by itself. */
static void test_announce(void **state)
{
    (void)state;
    uint8_t buf[VRRP_HB_MAX];
    struct vrrp_hb m = msg(), out;
    m.announce = true;
    m.echo = 0;
    size_t n = vrrp_hb_encode(&m, KEY, KLEN, buf, sizeof(buf));
    assert_int_equal(vrrp_hb_decode(buf, n, KEY, KLEN, &out), VRRP_HB_OK);
    assert_true(out.announce);
    m.announce = false;
    n = vrrp_hb_encode(&m, KEY, KLEN, buf, sizeof(buf));
    assert_int_equal(vrrp_hb_decode(buf, n, KEY, KLEN, &out), VRRP_HB_OK);
    assert_false(out.announce);

    struct vrrp_hb_peer p = {0};
    struct vrrp_hb a = {.announce = true, .boot = 5, .seq = 9, .nonce = 77};
    vrrp_hb_take_announce(&p, &a);
    assert_true(p.their_nonce == 77 && p.boot == 5 && p.last_fresh_ms == 0);
    p.seen = true; /* a seen peer learns nothing from one */
    a.nonce = 78;
    vrrp_hb_take_announce(&p, &a);
    assert_true(p.their_nonce == 77);
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(vrrp_hb_err_str(VRRP_HB_BAD_TAG), "bad-tag");
    assert_string_equal(vrrp_hb_err_str(VRRP_HB_ERR_COUNT), "unknown");
    for (int e = 0; e < VRRP_HB_ERR_COUNT; e++)
        assert_string_not_equal(vrrp_hb_err_str((enum vrrp_hb_err)e), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip_with_and_without_key),
        cmocka_unit_test(test_every_truncation_and_extension),
        cmocka_unit_test(test_bad_fields),
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_exchange_replay_and_stale),
        cmocka_unit_test(test_restart_of_a_peer),
        cmocka_unit_test(test_evaluate_and_majority),
        cmocka_unit_test(test_announce),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
