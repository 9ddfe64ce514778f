/* Unit tests for src/vrrp/pkt.c: VRRP v2/v3 encode, decode, checksums.
 *
 * The known-good packets below were built from the RFC 3768 5.3 / RFC 5798
 * 5.2 layouts by an independent script and their checksums confirmed by
 * tshark 4.0 (Checksum Status: Good; the plain v3 IPv4 form is reported as
 * "incorrect, should be 0xfd43", i.e. the pseudo-header form).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "vrrp/pkt.h"

/* ---- helpers ---- */

static struct vrrp_addr A(const char *s) {
    struct vrrp_addr a;

    memset(&a, 0, sizeof(a));
    a.family = strchr(s, ':') ? AF_INET6 : AF_INET;
    assert_int_equal(inet_pton(a.family, s, a.u.b), 1);
    return a;
}

/* Independent RFC 1071 sum: high and low bytes added separately. */
static uint16_t
naive_csum(const uint8_t *p, size_t n)
{
    uint32_t hi = 0, lo = 0, s;
    size_t i;

    for (i = 0; i < n; i++) {
        if (i % 2 == 0)
            hi += p[i];
        else
            lo += p[i];
    }
    s = (hi << 8) + lo;
    while (s > 0xffff)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)(0xffff - s);
}

/* Checksum of pseudo-header || message, with the message's checksum zeroed,
 * computed on an explicitly laid-out buffer. */
static uint16_t naive_v3_csum(const uint8_t *msg, size_t n, const char *src, const char *dst)
{
    uint8_t buf[40 + 4096];
    struct vrrp_addr s = A(src), d = A(dst);
    size_t off = 0, alen = s.family == AF_INET ? 4 : 16;

    memcpy(buf, s.u.b, alen);
    memcpy(buf + alen, d.u.b, alen);
    off = 2 * alen;
    if (s.family == AF_INET) {
        buf[off++] = 0;
        buf[off++] = 112;
        buf[off++] = (uint8_t)(n >> 8);
        buf[off++] = (uint8_t)n;
    } else {
        buf[off++] = 0;
        buf[off++] = 0;
        buf[off++] = (uint8_t)(n >> 8);
        buf[off++] = (uint8_t)n;
        buf[off++] = 0;
        buf[off++] = 0;
        buf[off++] = 0;
        buf[off++] = 112;
    }
    memcpy(buf + off, msg, n);
    buf[off + 6] = buf[off + 7] = 0;
    return naive_csum(buf, off + n);
}

static struct vrrp_rx_meta meta4(const char *src, const char *dst)
{
    struct vrrp_rx_meta m = {.family = AF_INET, .src = A(src), .dst = A(dst), .ttl = 255};

    m.multicast = vrrp_addr_is_multicast(&m.dst);
    return m;
}

static struct vrrp_rx_meta meta6(const char *src, const char *dst)
{
    struct vrrp_rx_meta m = {.family = AF_INET6, .src = A(src), .dst = A(dst), .ttl = 255};

    m.multicast = vrrp_addr_is_multicast(&m.dst);
    return m;
}

/* ---- known-good packets ---- */

/* v2, VRID 51, prio 100, 1 address 192.168.200.154, no auth, 1 s.
 * Checksum by hand: 0x2133 + 0x6401 + 0x0001 + 0xc0a8 + 0xc89a = 0x20e77,
 * fold 0x0e79, complement 0xf186. */
static const uint8_t V2A[] = {0x21, 0x33, 0x64, 0x01, 0x00, 0x01, 0xf1, 0x86, 0xc0, 0xa8,
                              0xc8, 0x9a, 0,    0,    0,    0,    0,    0,    0,    0};
/* v2, VRID 51, prio 150, 198.18.0.100 + .101, PASS "secretpassword" -> "secretpa". */
static const uint8_t V2B[] = {0x21, 0x33, 0x96, 0x02, 0x01, 0x01, 0x0e, 0x2d,
                              0xc6, 0x12, 0x00, 0x64, 0xc6, 0x12, 0x00, 0x65,
                              's',  'e',  'c',  'r',  'e',  't',  'p',  'a'};
/* v3 IPv4, VRID 51, prio 100, 100 cs, 198.18.0.100, from 198.18.0.11 to 224.0.0.18,
 * with the pseudo-header (0xfd43) and without it (0xa3f0). */
static const uint8_t V3A[] = {0x31, 0x33, 0x64, 0x01, 0x00, 0x64,
                              0xfd, 0x43, 0xc6, 0x12, 0x00, 0x64};
static const uint8_t V3A_PLAIN[] = {0x31, 0x33, 0x64, 0x01, 0x00, 0x64,
                                    0xa3, 0xf0, 0xc6, 0x12, 0x00, 0x64};
/* Same, 10 cs, unicast to peer 198.18.0.12: the pseudo-header uses the peer. */
static const uint8_t V3U[] = {0x31, 0x33, 0x64, 0x01, 0x00, 0x0a,
                              0x17, 0x92, 0xc6, 0x12, 0x00, 0x64};
/* v3 IPv6, VRID 7, prio 200, 100 cs, fe80::100 and 2001:db8::100, fe80::1 -> ff02::12. */
static const uint8_t V36[] = {
    0x31, 0x07, 0xc8, 0x02, 0x00, 0x64, 0xda, 0x28, 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0,    0,
    0,    0,    0x01, 0x00, 0x20, 0x01, 0x0d, 0xb8, 0,    0,    0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x00};

static void test_rfc1071_checksum(void **state)
{
    /* RFC 1071 4.1 example: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2. */
    static const uint8_t ex[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
    static const uint8_t odd[] = {0x01, 0x02, 0x03};
    uint64_t s;

    assert_int_equal(vrrp_csum(ex, sizeof(ex)), (uint16_t)~0xddf2);
    assert_int_equal(vrrp_csum(odd, sizeof(odd)), 0xfbfd); /* ~(0x0102 + 0x0300) */
    assert_int_equal(vrrp_csum(NULL, 0), 0xffff);
    s = vrrp_csum_add(0, ex, 4);
    s = vrrp_csum_add(s, ex + 4, 4);
    assert_int_equal(vrrp_csum_fold(s), (uint16_t)~0xddf2);
    /* A message with its checksum in place sums to zero. */
    assert_int_equal(vrrp_csum(V2A, sizeof(V2A)), 0);
    assert_int_equal(naive_csum(V2A, sizeof(V2A)), 0);
}

static void test_known_checksums_independent(void **state)
{
    uint8_t tmp[64];

    memcpy(tmp, V2B, sizeof(V2B));
    tmp[6] = tmp[7] = 0;
    assert_int_equal(naive_csum(tmp, sizeof(V2B)), 0x0e2d);
    assert_int_equal(naive_v3_csum(V3A, sizeof(V3A), "198.18.0.11", "224.0.0.18"), 0xfd43);
    memcpy(tmp, V3A, sizeof(V3A));
    tmp[6] = tmp[7] = 0;
    assert_int_equal(naive_csum(tmp, sizeof(V3A)), 0xa3f0);
    assert_int_equal(naive_v3_csum(V3U, sizeof(V3U), "198.18.0.11", "198.18.0.12"), 0x1792);
    assert_int_equal(naive_v3_csum(V36, sizeof(V36), "fe80::1", "ff02::12"), 0xda28);
}

static void test_encode_v2_known(void **state)
{
    struct vrrp_addr a1 = A("192.168.200.154"), ab[2] = {A("198.18.0.100"), A("198.18.0.101")};
    struct vrrp_pkt_tx tx = {.version = 2,
                             .vrid = 51,
                             .priority = 100,
                             .family = AF_INET,
                             .adver_int_cs = 100,
                             .addrs = &a1,
                             .naddrs = 1};
    uint8_t buf[64];
    char err[128];

    assert_int_equal(vrrp_pkt_encode(&tx, NULL, NULL, buf, sizeof(buf), err, sizeof(err)), 20);
    assert_memory_equal(buf, V2A, sizeof(V2A));

    tx.priority = 150;
    tx.addrs = ab;
    tx.naddrs = 2;
    tx.auth_type = VRRP_AUTH_PASS;
    tx.auth_pass = "secretpassword";
    assert_int_equal(vrrp_pkt_encode(&tx, NULL, NULL, buf, sizeof(buf), err, sizeof(err)), 24);
    assert_memory_equal(buf, V2B, sizeof(V2B));

    /* short password: zero padded */
    tx.auth_pass = "abc";
    assert_int_equal(vrrp_pkt_encode(&tx, NULL, NULL, buf, sizeof(buf), err, sizeof(err)), 24);
    assert_memory_equal(buf + 16, "abc\0\0\0\0\0", 8);
    assert_int_equal(naive_csum(buf, 24), 0);
}

static void test_encode_v3_known(void **state)
{
    struct vrrp_addr a = A("198.18.0.100"), s = A("198.18.0.11"), g = A("224.0.0.18");
    struct vrrp_addr p = A("198.18.0.12"), s6 = A("fe80::1"), g6 = A("ff02::12");
    struct vrrp_addr a6[2] = {A("fe80::100"), A("2001:db8::100")};
    struct vrrp_pkt_tx tx = {.version = 3,
                             .vrid = 51,
                             .priority = 100,
                             .family = AF_INET,
                             .adver_int_cs = 100,
                             .addrs = &a,
                             .naddrs = 1};
    uint8_t buf[64];
    char err[128];

    assert_int_equal(vrrp_pkt_encode(&tx, &s, &g, buf, sizeof(buf), err, sizeof(err)), 12);
    assert_memory_equal(buf, V3A, sizeof(V3A));
    tx.csum = VRRP_CSUM_PLAIN;
    assert_int_equal(vrrp_pkt_encode(&tx, NULL, NULL, buf, sizeof(buf), err, sizeof(err)), 12);
    assert_memory_equal(buf, V3A_PLAIN, sizeof(V3A_PLAIN));
    tx.csum = VRRP_CSUM_PSEUDO;
    tx.adver_int_cs = 10;
    assert_int_equal(vrrp_pkt_encode(&tx, &s, &p, buf, sizeof(buf), err, sizeof(err)), 12);
    assert_memory_equal(buf, V3U, sizeof(V3U));

    tx = (struct vrrp_pkt_tx){.version = 3,
                              .vrid = 7,
                              .priority = 200,
                              .family = AF_INET6,
                              .adver_int_cs = 100,
                              .addrs = a6,
                              .naddrs = 2,
                              .csum = VRRP_CSUM_PLAIN /* ignored for IPv6 */};
    assert_int_equal(vrrp_pkt_encode(&tx, &s6, &g6, buf, sizeof(buf), err, sizeof(err)), 40);
    assert_memory_equal(buf, V36, sizeof(V36));
}

/* One encode per unicast peer differs only in the checksum. */
static void test_set_checksum_per_peer(void **state)
{
    struct vrrp_addr a = A("198.18.0.100"), s = A("198.18.0.11");
    struct vrrp_addr p1 = A("198.18.0.12"), p2 = A("198.18.0.13");
    struct vrrp_pkt_tx tx = {.version = 3,
                             .vrid = 51,
                             .priority = 100,
                             .family = AF_INET,
                             .adver_int_cs = 10,
                             .addrs = &a,
                             .naddrs = 1};
    uint8_t buf[12];
    char err[64];

    assert_int_equal(vrrp_pkt_encode(&tx, &s, &p1, buf, sizeof(buf), err, sizeof(err)), 12);
    assert_memory_equal(buf, V3U, 12);
    assert_int_equal(vrrp_pkt_set_checksum(buf, 12, VRRP_CSUM_PSEUDO, &s, &p2), 0);
    assert_memory_equal(buf, V3U, 6);
    assert_memory_equal(buf + 8, V3U + 8, 4);
    assert_int_equal(buf[6] << 8 | buf[7], naive_v3_csum(buf, 12, "198.18.0.11", "198.18.0.13"));
    assert_int_not_equal(buf[6] << 8 | buf[7], 0x1792);
    /* errors */
    assert_int_equal(vrrp_pkt_set_checksum(buf, 7, VRRP_CSUM_PSEUDO, &s, &p2), -1);
    assert_int_equal(vrrp_pkt_set_checksum(buf, 12, VRRP_CSUM_PSEUDO, NULL, &p2), -1);
    buf[0] = 0x41;
    assert_int_equal(vrrp_pkt_set_checksum(buf, 12, VRRP_CSUM_PLAIN, NULL, NULL), -1);
}

static void test_encode_errors(void **state)
{
    struct vrrp_addr a = A("198.18.0.100"), a6 = A("2001:db8::1"), s = A("198.18.0.11");
    struct vrrp_addr g = A("224.0.0.18");
    struct vrrp_pkt_tx ok = {.version = 3,
                             .vrid = 51,
                             .priority = 100,
                             .family = AF_INET,
                             .adver_int_cs = 100,
                             .addrs = &a,
                             .naddrs = 1};
    struct vrrp_pkt_tx tx;
    uint8_t buf[64];
    char err[128];

#define BAD(mut, src, dst, blen)                                                                   \
    do {                                                                                           \
        tx = ok;                                                                                   \
        mut;                                                                                       \
        err[0] = 0;                                                                                \
        assert_int_equal(vrrp_pkt_encode(&tx, src, dst, buf, blen, err, sizeof(err)), -1);         \
        assert_true(err[0] != 0);                                                                  \
    } while (0)

    tx = ok;
    assert_int_equal(vrrp_pkt_encode(&tx, &s, &g, buf, 12, err, sizeof(err)), 12);
    BAD((void)0, &s, &g, 11);                      /* buffer too small */
    BAD(tx.version = 4, &s, &g, sizeof(buf));      /* version */
    BAD(tx.vrid = 0, &s, &g, sizeof(buf));         /* vrid 0 */
    BAD(tx.naddrs = 0, &s, &g, sizeof(buf));       /* v3 needs an address */
    BAD(tx.adver_int_cs = 0, &s, &g, sizeof(buf)); /* never 0 */
    BAD(tx.adver_int_cs = 4096, &s, &g, sizeof(buf));
    BAD(tx.addrs = &a6, &s, &g, sizeof(buf));                         /* family mixup */
    BAD((void)0, NULL, NULL, sizeof(buf));                            /* pseudo needs addresses */
    BAD((tx.version = 2, tx.family = AF_INET6), &s, &g, sizeof(buf)); /* v2 is IPv4 only */
    BAD((tx.version = 2, tx.adver_int_cs = 150), NULL, NULL, sizeof(buf)); /* v2 whole s */
    BAD((tx.version = 2, tx.adver_int_cs = 25600), NULL, NULL, sizeof(buf));
    BAD((tx.version = 2, tx.auth_type = VRRP_AUTH_AH), NULL, NULL, sizeof(buf));
#undef BAD
    /* v2 with no address is legal (keepalived warns only); 255 s is the maximum */
    tx = ok;
    tx.version = 2;
    tx.naddrs = 0;
    tx.adver_int_cs = 25500;
    assert_int_equal(vrrp_pkt_encode(&tx, NULL, NULL, buf, sizeof(buf), err, sizeof(err)), 16);
    assert_int_equal(buf[5], 255);
    tx = ok;
    tx.adver_int_cs = 4095;
    assert_int_equal(vrrp_pkt_encode(&tx, &s, &g, buf, sizeof(buf), err, sizeof(err)), 12);
    assert_int_equal(buf[4], 0x0f);
    assert_int_equal(buf[5], 0xff);
}

static void test_pkt_len_and_peek(void **state)
{
    assert_int_equal(vrrp_pkt_len(2, AF_INET, 1), 20);
    assert_int_equal(vrrp_pkt_len(2, AF_INET, 255), 16 + 4 * 255);
    assert_int_equal(vrrp_pkt_len(3, AF_INET, 3), 20);
    assert_int_equal(vrrp_pkt_len(3, AF_INET6, 2), 40);
    assert_int_equal(vrrp_pkt_len(2, AF_INET6, 1), 0);
    assert_int_equal(vrrp_pkt_len(4, AF_INET, 1), 0);
    assert_int_equal(vrrp_pkt_peek_vrid(V36, sizeof(V36)), 7);
    assert_int_equal(vrrp_pkt_peek_vrid(V36, 7), -1);
}

/* ---- decode ---- */

static const struct vrrp_addr *vips_v2b(void)
{
    static struct vrrp_addr v[2];

    v[0] = A("198.18.0.101"); /* any order */
    v[1] = A("198.18.0.100");
    return v;
}

static struct vrrp_rx_expect exp_v2b(void)
{
    struct vrrp_rx_expect e = {.version = 2,
                               .vrid = 51,
                               .family = AF_INET,
                               .auth_type = VRRP_AUTH_PASS,
                               .auth_pass = "secretpassword",
                               .adver_int_cs = 100,
                               .check_addrs = true,
                               .vips = vips_v2b(),
                               .nvips = 2};
    return e;
}

static void test_decode_known_v2(void **state)
{
    struct vrrp_rx_meta m = meta4("198.18.0.11", "224.0.0.18");
    struct vrrp_rx_expect e = exp_v2b();
    struct vrrp_advert adv;
    struct vrrp_addr x;

    assert_int_equal(vrrp_pkt_decode(V2B, sizeof(V2B), &m, &e, &adv), VRRP_RX_OK);
    assert_int_equal(adv.version, 2);
    assert_int_equal(adv.type, 1);
    assert_int_equal(adv.vrid, 51);
    assert_int_equal(adv.priority, 150);
    assert_int_equal(adv.naddrs, 2);
    assert_int_equal(adv.family, AF_INET);
    assert_int_equal(adv.adver_int_cs, 100);
    assert_int_equal(adv.auth_type, VRRP_AUTH_PASS);
    assert_memory_equal(adv.auth_data, "secretpa", 8);
    assert_int_equal(adv.checksum, 0x0e2d);
    assert_int_equal(adv.csum, VRRP_CSUM_PLAIN);
    vrrp_advert_addr(&adv, 1, &x);
    assert_true(vrrp_addr_eq(&x, &vips_v2b()[0]));
    /* the password compares after the cut to 8 */
    e.auth_pass = "secretpa";
    assert_int_equal(vrrp_pkt_decode(V2B, sizeof(V2B), &m, &e, &adv), VRRP_RX_OK);
}

static void test_decode_v3_both_checksum_forms(void **state)
{
    struct vrrp_rx_meta m = meta4("198.18.0.11", "224.0.0.18");
    struct vrrp_addr vip = A("198.18.0.100");
    struct vrrp_rx_expect e = {
        .version = 3, .vrid = 51, .family = AF_INET, .check_addrs = true, .vips = &vip, .nvips = 1};
    struct vrrp_advert adv;

    assert_int_equal(vrrp_pkt_decode(V3A, sizeof(V3A), &m, &e, &adv), VRRP_RX_OK);
    assert_int_equal(adv.csum, VRRP_CSUM_PSEUDO);
    assert_int_equal(adv.adver_int_cs, 100);
    assert_int_equal(adv.priority, 100);
    assert_int_equal(vrrp_pkt_decode(V3A_PLAIN, sizeof(V3A_PLAIN), &m, &e, &adv), VRRP_RX_OK);
    assert_int_equal(adv.csum, VRRP_CSUM_PLAIN);

    /* unicast: the pseudo-header destination is the receiving address */
    m = meta4("198.18.0.11", "198.18.0.12");
    e.mode = VRRP_RX_MODE_UCAST;
    assert_int_equal(vrrp_pkt_decode(V3U, sizeof(V3U), &m, &e, &adv), VRRP_RX_OK);
    assert_int_equal(adv.csum, VRRP_CSUM_PSEUDO);
    assert_int_equal(adv.adver_int_cs, 10);
    /* keepalived < 1.3.7 bug (#642): group address in a unicast pseudo-header */
    {
        uint8_t old[12];
        struct vrrp_addr s = A("198.18.0.11"), g = A("224.0.0.18");

        memcpy(old, V3U, sizeof(old));
        assert_int_equal(vrrp_pkt_set_checksum(old, 12, VRRP_CSUM_PSEUDO, &s, &g), 0);
        assert_int_equal(vrrp_pkt_decode(old, 12, &m, &e, &adv), VRRP_RX_BAD_CHECKSUM);
    }
}

static void test_decode_v3_ipv6(void **state)
{
    struct vrrp_rx_meta m = meta6("fe80::1", "ff02::12");
    struct vrrp_addr vips[2] = {A("2001:db8::100"), A("fe80::100")};
    struct vrrp_rx_expect e = {
        .version = 3, .vrid = 7, .family = AF_INET6, .check_addrs = true, .vips = vips, .nvips = 2};
    struct vrrp_advert adv;
    struct vrrp_addr x;
    uint8_t plain[sizeof(V36)];

    assert_int_equal(vrrp_pkt_decode(V36, sizeof(V36), &m, &e, &adv), VRRP_RX_OK);
    assert_int_equal(adv.family, AF_INET6);
    assert_int_equal(adv.priority, 200);
    assert_int_equal(adv.csum, VRRP_CSUM_PSEUDO);
    vrrp_advert_addr(&adv, 0, &x);
    assert_true(vrrp_addr_eq(&x, &vips[1]));
    /* no plain form over IPv6 */
    memcpy(plain, V36, sizeof(plain));
    assert_int_equal(vrrp_pkt_set_checksum(plain, sizeof(plain), VRRP_CSUM_PLAIN, NULL, NULL), 0);
    assert_int_equal(vrrp_pkt_decode(plain, sizeof(plain), &m, &e, &adv), VRRP_RX_BAD_CHECKSUM);
}

/* Reserved bits are ignored on reception (RFC 5798 5.2.6), but reported. */
static void test_decode_v3_reserved_bits(void **state)
{
    struct vrrp_rx_meta m = meta4("198.18.0.11", "224.0.0.18");
    struct vrrp_rx_expect e = {.version = 3, .vrid = 51, .family = AF_INET};
    struct vrrp_addr s = A("198.18.0.11"), g = A("224.0.0.18");
    struct vrrp_advert adv;
    uint8_t p[12];

    memcpy(p, V3A, sizeof(p));
    p[4] |= 0xa0;
    assert_int_equal(vrrp_pkt_set_checksum(p, 12, VRRP_CSUM_PSEUDO, &s, &g), 0);
    assert_int_equal(vrrp_pkt_decode(p, 12, &m, &e, &adv), VRRP_RX_OK);
    assert_int_equal(adv.rsvd, 0xa);
    assert_int_equal(adv.adver_int_cs, 100);
}

/* ---- every rejection reason ---- */

struct rx_case {
    uint8_t pkt[64];
    size_t len;
    struct vrrp_rx_meta m;
    struct vrrp_rx_expect e;
};

static void v2_case(struct rx_case *c)
{
    memset(c, 0, sizeof(*c));
    memcpy(c->pkt, V2B, sizeof(V2B));
    c->len = sizeof(V2B);
    c->m = meta4("198.18.0.11", "224.0.0.18");
    c->e = exp_v2b();
}

static void v3_case(struct rx_case *c)
{
    static struct vrrp_addr vip;

    vip = A("198.18.0.100");
    memset(c, 0, sizeof(*c));
    memcpy(c->pkt, V3A, sizeof(V3A));
    c->len = sizeof(V3A);
    c->m = meta4("198.18.0.11", "224.0.0.18");
    c->e = (struct vrrp_rx_expect){
        .version = 3, .vrid = 51, .family = AF_INET, .check_addrs = true, .vips = &vip, .nvips = 1};
}

static void fix_csum(struct rx_case *c)
{
    assert_int_equal(vrrp_pkt_set_checksum(c->pkt, c->len, VRRP_CSUM_PSEUDO, &c->m.src, &c->m.dst),
                     0);
}

static enum vrrp_rx_err run(struct rx_case *c)
{
    struct vrrp_advert adv;

    return vrrp_pkt_decode(c->pkt, c->len, &c->m, &c->e, &adv);
}

static void test_reject_length(void **state)
{
    struct rx_case c;

    v3_case(&c);
    assert_int_equal(run(&c), VRRP_RX_OK);
    c.len = 7;
    assert_int_equal(run(&c), VRRP_RX_TRUNCATED);
    v3_case(&c);
    c.pkt[3] = 2; /* count says 2, one present */
    fix_csum(&c);
    assert_int_equal(run(&c), VRRP_RX_TRUNCATED);
    v3_case(&c);
    c.len = 13; /* one trailing byte */
    assert_int_equal(run(&c), VRRP_RX_BAD_LENGTH);
    v2_case(&c);
    c.len = 23; /* auth data cut short */
    assert_int_equal(run(&c), VRRP_RX_TRUNCATED);
}

static void test_reject_header_fields(void **state)
{
    struct rx_case c;

    v3_case(&c);
    c.pkt[0] = 0x41; /* checked before the checksum */
    assert_int_equal(run(&c), VRRP_RX_BAD_VERSION);
    v3_case(&c);
    c.pkt[0] = 0x11;
    assert_int_equal(run(&c), VRRP_RX_BAD_VERSION);
    v3_case(&c);
    c.e.version = 2; /* a v3 advert for a v2 instance */
    assert_int_equal(run(&c), VRRP_RX_VERSION_MISMATCH);
    v2_case(&c);
    c.e.version = 3;
    assert_int_equal(run(&c), VRRP_RX_VERSION_MISMATCH);
    v3_case(&c);
    c.pkt[0] = 0x32;
    fix_csum(&c);
    assert_int_equal(run(&c), VRRP_RX_BAD_TYPE);
    v3_case(&c);
    c.pkt[0] = 0x30;
    fix_csum(&c);
    assert_int_equal(run(&c), VRRP_RX_BAD_TYPE);
    v3_case(&c);
    c.pkt[3] = 0;
    c.len = 8;
    fix_csum(&c);
    assert_int_equal(run(&c), VRRP_RX_ZERO_ADDRS);
}

static void test_reject_family(void **state)
{
    struct rx_case c;

    v2_case(&c); /* v2 over IPv6 */
    c.m = meta6("fe80::1", "ff02::12");
    c.e.family = AF_INET6;
    assert_int_equal(run(&c), VRRP_RX_BAD_FAMILY);
    v3_case(&c); /* IPv4 packet, IPv6 instance */
    c.e.family = AF_INET6;
    assert_int_equal(run(&c), VRRP_RX_BAD_FAMILY);
}

static void test_reject_ttl(void **state)
{
    struct rx_case c;

    v3_case(&c);
    c.m.ttl = 254;
    assert_int_equal(run(&c), VRRP_RX_BAD_TTL);
    c.e.ttl_check = VRRP_TTL_CHECK_NEVER;
    assert_int_equal(run(&c), VRRP_RX_OK);
    c.e.ttl_check = VRRP_TTL_CHECK_MCAST;
    c.m.ttl = -1; /* unknown: not checked */
    assert_int_equal(run(&c), VRRP_RX_OK);

    /* unicast: keepalived does not check TTL unless asked */
    v3_case(&c);
    c.m = meta4("198.18.0.11", "198.18.0.12");
    c.e.mode = VRRP_RX_MODE_UCAST;
    c.m.ttl = 64;
    fix_csum(&c);
    assert_int_equal(run(&c), VRRP_RX_OK);
    c.e.ttl_check = VRRP_TTL_CHECK_ALWAYS;
    assert_int_equal(run(&c), VRRP_RX_BAD_TTL);
    c.m.ttl = 255;
    assert_int_equal(run(&c), VRRP_RX_OK);
}

static void test_reject_checksum(void **state)
{
    struct rx_case c;

    v3_case(&c);
    c.pkt[7] ^= 1;
    assert_int_equal(run(&c), VRRP_RX_BAD_CHECKSUM);
    v3_case(&c);
    c.pkt[2] = 101; /* payload changed, checksum not */
    assert_int_equal(run(&c), VRRP_RX_BAD_CHECKSUM);
    v2_case(&c);
    c.pkt[23] ^= 0x20; /* auth data is covered by the v2 checksum */
    assert_int_equal(run(&c), VRRP_RX_BAD_CHECKSUM);
    v3_case(&c);
    c.m.src = A("198.18.0.99"); /* pseudo-header source differs */
    assert_int_equal(run(&c), VRRP_RX_BAD_CHECKSUM);
}

static void test_reject_vrid_mode_peer(void **state)
{
    struct rx_case c;
    struct vrrp_addr peers[2] = {A("198.18.0.13"), A("198.18.0.11")};

    v3_case(&c);
    c.e.vrid = 52;
    assert_int_equal(run(&c), VRRP_RX_UNKNOWN_VRID);
    v3_case(&c); /* VRID 0 never matches, even an unset expectation (fuzzer find) */
    c.pkt[1] = 0;
    c.e.vrid = 0;
    fix_csum(&c);
    assert_int_equal(run(&c), VRRP_RX_UNKNOWN_VRID);
    v3_case(&c);
    c.e.mode = VRRP_RX_MODE_UCAST; /* multicast advert, unicast instance */
    assert_int_equal(run(&c), VRRP_RX_MODE_MISMATCH);
    c.e.mode = VRRP_RX_MODE_ANY;
    assert_int_equal(run(&c), VRRP_RX_OK);

    v3_case(&c);
    memcpy(c.pkt, V3U, sizeof(V3U));
    c.m = meta4("198.18.0.11", "198.18.0.12");
    assert_int_equal(run(&c), VRRP_RX_MODE_MISMATCH); /* unicast advert, multicast instance */
    c.e.mode = VRRP_RX_MODE_UCAST;
    c.e.peers = peers;
    c.e.npeers = 2;
    assert_int_equal(run(&c), VRRP_RX_OK);
    c.e.npeers = 1;
    assert_int_equal(run(&c), VRRP_RX_UNKNOWN_PEER);
}

static void test_reject_auth(void **state)
{
    struct rx_case c;

    v2_case(&c);
    c.pkt[4] = VRRP_AUTH_AH;
    fix_csum(&c);
    assert_int_equal(run(&c), VRRP_RX_AUTH_AH);
    v2_case(&c);
    c.e.auth_type = VRRP_AUTH_NONE;
    assert_int_equal(run(&c), VRRP_RX_AUTH_TYPE_MISMATCH);
    v2_case(&c);
    c.pkt[4] = 7;
    fix_csum(&c);
    assert_int_equal(run(&c), VRRP_RX_AUTH_TYPE_MISMATCH);
    v2_case(&c);
    c.e.auth_pass = "secretpb";
    assert_int_equal(run(&c), VRRP_RX_AUTH_PASS_MISMATCH);
    c.e.auth_pass = "secretp"; /* 7 chars: padded with 0 != 'a' */
    assert_int_equal(run(&c), VRRP_RX_AUTH_PASS_MISMATCH);
    c.e.auth_pass = NULL;
    assert_int_equal(run(&c), VRRP_RX_AUTH_PASS_MISMATCH);
    /* v3 carries no auth: an instance's auth settings do not matter */
    v3_case(&c);
    c.e.auth_type = VRRP_AUTH_PASS;
    c.e.auth_pass = "x";
    assert_int_equal(run(&c), VRRP_RX_OK);
}

static void test_reject_interval(void **state)
{
    struct rx_case c;

    v2_case(&c);
    c.e.adver_int_cs = 200;
    assert_int_equal(run(&c), VRRP_RX_INTERVAL_MISMATCH);
    v2_case(&c);
    c.pkt[5] = 0;
    fix_csum(&c);
    assert_int_equal(run(&c), VRRP_RX_BAD_INTERVAL);
    v3_case(&c);
    c.pkt[4] = 0xf0; /* reserved bits set, interval 0 */
    c.pkt[5] = 0;
    fix_csum(&c);
    assert_int_equal(run(&c), VRRP_RX_BAD_INTERVAL);
    /* v3 intervals may differ (learned), never a mismatch */
    v3_case(&c);
    c.e.adver_int_cs = 5;
    assert_int_equal(run(&c), VRRP_RX_OK);
}

static void test_reject_addresses(void **state)
{
    struct rx_case c;
    struct vrrp_addr three[3] = {A("198.18.0.100"), A("198.18.0.101"), A("198.18.0.102")};
    struct vrrp_addr other[2] = {A("198.18.0.100"), A("198.18.0.102")};

    v2_case(&c);
    c.e.vips = three;
    c.e.nvips = 3;
    assert_int_equal(run(&c), VRRP_RX_ADDR_COUNT_MISMATCH);
    c.e.nvips = 1;
    assert_int_equal(run(&c), VRRP_RX_ADDR_COUNT_MISMATCH);
    c.e.vips = other;
    c.e.nvips = 2;
    assert_int_equal(run(&c), VRRP_RX_ADDR_LIST_MISMATCH);
    c.e.check_addrs = false; /* skip_check_adv_addr */
    assert_int_equal(run(&c), VRRP_RX_OK);
}

/* Unicast with peers: the source must be a peer and the TTL in its range
 * (any by default); IPv6 multicast must come from a link-local
 * address (issue 10: a host two routers away made a unicast master yield). */
static void test_unicast_peer_ttl_and_v6_source(void **state)
{
    struct rx_case c;
    struct vrrp_addr peers[2] = {A("198.18.0.13"), A("198.18.0.11")};
    struct vrrp_ttl_range ttl[2] = {{255, 255}, {250, 254}};

    v3_case(&c);
    memcpy(c.pkt, V3U, sizeof(V3U));
    c.m = meta4("198.18.0.11", "198.18.0.12");
    c.e.mode = VRRP_RX_MODE_UCAST;
    c.e.peers = peers;
    c.e.npeers = 2;
    c.m.ttl = 64; /* no range given: any TTL (keepalived) */
    assert_int_equal(run(&c), VRRP_RX_OK);
    c.m.ttl = 255;
    assert_int_equal(run(&c), VRRP_RX_OK);
    c.m.ttl = -1; /* unknown TTL: not checked */
    assert_int_equal(run(&c), VRRP_RX_OK);
    c.e.peer_ttl = ttl; /* .11 is peer 1: 250-254 */
    c.m.ttl = 255;
    assert_int_equal(run(&c), VRRP_RX_BAD_TTL);
    c.m.ttl = 250;
    assert_int_equal(run(&c), VRRP_RX_OK);
    c.m.ttl = 249;
    assert_int_equal(run(&c), VRRP_RX_BAD_TTL);
    c.e.ttl_check = VRRP_TTL_CHECK_NEVER;
    assert_int_equal(run(&c), VRRP_RX_OK);
    c.e.ttl_check = VRRP_TTL_CHECK_MCAST;
    c.m.src = A("198.18.0.99"); /* a stranger, whatever its TTL */
    c.m.ttl = 255;
    fix_csum(&c);
    assert_int_equal(run(&c), VRRP_RX_UNKNOWN_PEER);

    /* IPv6 multicast from a global address */
    struct vrrp_addr vips[2] = {A("2001:db8::100"), A("fe80::100")};
    struct vrrp_rx_expect e = {
        .version = 3, .vrid = 7, .family = AF_INET6, .check_addrs = true, .vips = vips, .nvips = 2};
    struct vrrp_rx_meta m = meta6("2001:db8::1", "ff02::12");
    struct vrrp_advert adv;
    uint8_t pkt[sizeof(V36)];
    memcpy(pkt, V36, sizeof(pkt));
    assert_int_equal(vrrp_pkt_set_checksum(pkt, sizeof(pkt), VRRP_CSUM_PSEUDO, &m.src, &m.dst), 0);
    assert_int_equal(vrrp_pkt_decode(pkt, sizeof(pkt), &m, &e, &adv), VRRP_RX_BAD_SOURCE);
    m.src = A("fe80::1");
    assert_int_equal(vrrp_pkt_decode(V36, sizeof(V36), &m, &e, &adv), VRRP_RX_OK);
}

static void test_rx_err_strings(void **state)
{
    int i, j;

    assert_string_equal(vrrp_rx_err_str(VRRP_RX_OK), "ok");
    assert_string_equal(vrrp_rx_err_str(VRRP_RX_BAD_CHECKSUM), "bad-checksum");
    assert_string_equal(vrrp_rx_err_str(VRRP_RX_AUTH_AH), "auth-ah-unsupported");
    assert_string_equal(vrrp_rx_err_str(VRRP_RX_ADDR_LIST_MISMATCH), "addr-list-mismatch");
    assert_string_equal(vrrp_rx_err_str(VRRP_RX_ERR_COUNT), "unknown");
    assert_string_equal(vrrp_rx_err_str((enum vrrp_rx_err) - 1), "unknown");
    for (i = 0; i < VRRP_RX_ERR_COUNT; i++) {
        assert_non_null(vrrp_rx_err_str((enum vrrp_rx_err)i));
        assert_string_not_equal(vrrp_rx_err_str((enum vrrp_rx_err)i), "unknown");
        for (j = 0; j < i; j++)
            assert_string_not_equal(vrrp_rx_err_str((enum vrrp_rx_err)i),
                                    vrrp_rx_err_str((enum vrrp_rx_err)j));
    }
}

/* ---- round trips ---- */

static void fill_addrs(struct vrrp_addr *addrs, int family, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        memset(&addrs[i], 0, sizeof(addrs[i]));
        addrs[i].family = family;
        addrs[i].u.b[0] = family == AF_INET ? 10 : 0x20;
        addrs[i].u.b[2] = (uint8_t)(i >> 8);
        addrs[i].u.b[vrrp_addr_len(family) - 1] = (uint8_t)i;
    }
}

static void roundtrip(uint8_t version, int family, size_t n, enum vrrp_csum_mode mode)
{
    static struct vrrp_addr addrs[VRRP_MAX_ADDRS];
    struct vrrp_addr src = A(family == AF_INET ? "198.18.0.11" : "fe80::11");
    struct vrrp_addr dst = A(family == AF_INET ? "224.0.0.18" : "ff02::12");
    struct vrrp_pkt_tx tx = {.version = version,
                             .vrid = (uint8_t)(n % 255 + 1),
                             .priority = (uint8_t)(n * 7),
                             .family = family,
                             .adver_int_cs = version == 2 ? 300 : (uint16_t)(n * 13 % 4095 + 1),
                             .auth_type = version == 2 ? VRRP_AUTH_PASS : 0,
                             .auth_pass = "k8s",
                             .csum = mode,
                             .addrs = addrs,
                             .naddrs = n};
    struct vrrp_rx_meta m = {
        .family = family, .src = src, .dst = dst, .ttl = 255, .multicast = true};
    struct vrrp_rx_expect e = {.version = version,
                               .vrid = tx.vrid,
                               .family = family,
                               .auth_type = tx.auth_type,
                               .auth_pass = "k8s",
                               .adver_int_cs = tx.adver_int_cs,
                               .check_addrs = true,
                               .vips = addrs,
                               .nvips = n};
    uint8_t buf[4200], again[4200];
    struct vrrp_advert adv;
    struct vrrp_addr x;
    char err[128];
    ssize_t len;
    size_t i;

    fill_addrs(addrs, family, n);
    len = vrrp_pkt_encode(&tx, &src, &dst, buf, sizeof(buf), err, sizeof(err));
    assert_int_equal(len, vrrp_pkt_len(version, family, n));
    /* checksum, independently */
    if (version == 2 || (family == AF_INET && mode == VRRP_CSUM_PLAIN))
        assert_int_equal(naive_csum(buf, (size_t)len), 0);
    else
        assert_int_equal(buf[6] << 8 | buf[7],
                         naive_v3_csum(buf, (size_t)len,
                                       family == AF_INET ? "198.18.0.11" : "fe80::11",
                                       family == AF_INET ? "224.0.0.18" : "ff02::12"));
    assert_int_equal(vrrp_pkt_decode(buf, (size_t)len, &m, &e, &adv), VRRP_RX_OK);
    assert_int_equal(adv.version, version);
    assert_int_equal(adv.vrid, tx.vrid);
    assert_int_equal(adv.priority, tx.priority);
    assert_int_equal(adv.naddrs, n);
    assert_int_equal(adv.adver_int_cs, tx.adver_int_cs);
    assert_int_equal(adv.csum, version == 2         ? VRRP_CSUM_PLAIN
                               : family == AF_INET6 ? VRRP_CSUM_PSEUDO
                                                    : mode);
    for (i = 0; i < n; i++) {
        vrrp_advert_addr(&adv, i, &x);
        assert_true(vrrp_addr_eq(&x, &addrs[i]));
    }
    /* re-encoding what was decoded gives the same bytes */
    tx.priority = adv.priority;
    len = vrrp_pkt_encode(&tx, &src, &dst, again, sizeof(again), err, sizeof(err));
    assert_memory_equal(buf, again, (size_t)len);
}

static void test_roundtrips(void **state)
{
    static const size_t counts[] = {1, 2, 3, 17, 100, 255};
    size_t i;

    for (i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
        roundtrip(2, AF_INET, counts[i], VRRP_CSUM_PLAIN);
        roundtrip(3, AF_INET, counts[i], VRRP_CSUM_PSEUDO);
        roundtrip(3, AF_INET, counts[i], VRRP_CSUM_PLAIN);
        roundtrip(3, AF_INET6, counts[i], VRRP_CSUM_PSEUDO);
    }
}

/* ---- IPv4 header ---- */

static size_t ip4_pkt(uint8_t *b, uint8_t vihl, uint8_t proto, const uint8_t *pl, size_t plen)
{
    size_t ihl = (size_t)(vihl & 0x0f) * 4, tot = ihl + plen;

    memset(b, 0, ihl);
    b[0] = vihl;
    b[1] = 0xc0;
    b[2] = (uint8_t)(tot >> 8);
    b[3] = (uint8_t)tot;
    b[8] = 255;
    b[9] = proto;
    b[12] = 198, b[13] = 18, b[14] = 0, b[15] = 11;
    b[16] = 224, b[17] = 0, b[18] = 0, b[19] = 18;
    memcpy(b + ihl, pl, plen);
    return tot;
}

static void test_ip4_parse(void **state)
{
    uint8_t b[128];
    struct vrrp_ip4 ip;
    struct vrrp_addr s = A("198.18.0.11"), d = A("224.0.0.18");
    size_t n;

    n = ip4_pkt(b, 0x45, 112, V3A, sizeof(V3A));
    assert_int_equal(vrrp_pkt_ip4_parse(b, n, &ip), VRRP_RX_OK);
    assert_ptr_equal(ip.payload, b + 20);
    assert_int_equal(ip.payload_len, 12);
    assert_int_equal(ip.ttl, 255);
    assert_int_equal(ip.proto, 112);
    assert_true(vrrp_addr_eq(&ip.src, &s));
    assert_true(vrrp_addr_eq(&ip.dst, &d));
    /* with 4 bytes of options */
    n = ip4_pkt(b, 0x46, 112, V3A, sizeof(V3A));
    assert_int_equal(vrrp_pkt_ip4_parse(b, n, &ip), VRRP_RX_OK);
    assert_ptr_equal(ip.payload, b + 24);
    assert_int_equal(ip.payload_len, 12);

    n = ip4_pkt(b, 0x45, 112, V3A, sizeof(V3A));
    assert_int_equal(vrrp_pkt_ip4_parse(b, 19, &ip), VRRP_RX_TRUNCATED);
    assert_int_equal(vrrp_pkt_ip4_parse(b, n - 1, &ip), VRRP_RX_TRUNCATED); /* tot > read */
    b[3] -= 1;
    assert_int_equal(vrrp_pkt_ip4_parse(b, n, &ip), VRRP_RX_BAD_LENGTH); /* tot < read */
    b[2] = 0, b[3] = 19;
    assert_int_equal(vrrp_pkt_ip4_parse(b, n, &ip), VRRP_RX_BAD_IP_HEADER); /* tot < ihl */
    n = ip4_pkt(b, 0x65, 112, V3A, sizeof(V3A));
    assert_int_equal(vrrp_pkt_ip4_parse(b, n, &ip), VRRP_RX_BAD_IP_HEADER); /* version 6 */
    n = ip4_pkt(b, 0x45, 112, V3A, sizeof(V3A));
    b[0] = 0x44;
    assert_int_equal(vrrp_pkt_ip4_parse(b, n, &ip), VRRP_RX_BAD_IP_HEADER); /* IHL 4 */
    b[0] = 0x4f;
    assert_int_equal(vrrp_pkt_ip4_parse(b, n, &ip), VRRP_RX_BAD_IP_HEADER); /* IHL 60 > 32 */
    n = ip4_pkt(b, 0x45, 17, V3A, sizeof(V3A));
    assert_int_equal(vrrp_pkt_ip4_parse(b, n, &ip), VRRP_RX_BAD_PROTO);
    n = ip4_pkt(b, 0x45, 51, V3A, sizeof(V3A));
    assert_int_equal(vrrp_pkt_ip4_parse(b, n, &ip), VRRP_RX_AUTH_AH);
}

static void test_addr_helpers(void **state)
{
    struct vrrp_addr a = A("198.18.0.12"), b = A("198.18.0.11"), c = A("10.0.0.1");
    struct vrrp_addr d = A("fe80::2"), e = A("fe80::10");

    assert_true(vrrp_addr_cmp(&a, &b) > 0);
    assert_true(vrrp_addr_cmp(&c, &b) < 0);
    assert_true(vrrp_addr_cmp(&d, &e) < 0);
    assert_true(vrrp_addr_eq(&a, &a));
    /* unsigned compare: 200.x > 10.x */
    b = A("200.0.0.1");
    assert_true(vrrp_addr_cmp(&b, &c) > 0);
    assert_true(vrrp_addr_is_multicast(&(struct vrrp_addr){0}) == false);
    c = A("224.0.0.18");
    assert_true(vrrp_addr_is_multicast(&c));
    c = A("239.255.255.255");
    assert_true(vrrp_addr_is_multicast(&c));
    c = A("240.0.0.1");
    assert_false(vrrp_addr_is_multicast(&c));
    d = A("ff02::12");
    assert_true(vrrp_addr_is_multicast(&d));
    assert_false(vrrp_addr_is_multicast(&e));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc1071_checksum),
        cmocka_unit_test(test_known_checksums_independent),
        cmocka_unit_test(test_encode_v2_known),
        cmocka_unit_test(test_encode_v3_known),
        cmocka_unit_test(test_set_checksum_per_peer),
        cmocka_unit_test(test_encode_errors),
        cmocka_unit_test(test_pkt_len_and_peek),
        cmocka_unit_test(test_decode_known_v2),
        cmocka_unit_test(test_decode_v3_both_checksum_forms),
        cmocka_unit_test(test_decode_v3_ipv6),
        cmocka_unit_test(test_decode_v3_reserved_bits),
        cmocka_unit_test(test_reject_length),
        cmocka_unit_test(test_reject_header_fields),
        cmocka_unit_test(test_reject_family),
        cmocka_unit_test(test_reject_ttl),
        cmocka_unit_test(test_reject_checksum),
        cmocka_unit_test(test_reject_vrid_mode_peer),
        cmocka_unit_test(test_reject_auth),
        cmocka_unit_test(test_reject_interval),
        cmocka_unit_test(test_reject_addresses),
        cmocka_unit_test(test_unicast_peer_ttl_and_v6_source),
        cmocka_unit_test(test_rx_err_strings),
        cmocka_unit_test(test_roundtrips),
        cmocka_unit_test(test_ip4_parse),
        cmocka_unit_test(test_addr_helpers),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
