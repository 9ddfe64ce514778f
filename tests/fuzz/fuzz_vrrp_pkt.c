/* libFuzzer harness for the VRRP decoder (src/vrrp/pkt.c), with the state
 * machine fed from whatever decodes.
 *
 *   clang -std=c11 -D_GNU_SOURCE -Isrc -g -O1 -fsanitize=fuzzer,address,undefined \
 *       src/vrrp/pkt.c src/vrrp/fsm.c tests/fuzz/fuzz_vrrp_pkt.c -o /tmp/fuzz_vrrp_pkt
 *   /tmp/fuzz_vrrp_pkt -max_total_time=60 CORPUS_DIR
 *
 * Input: 4 control bytes, then the packet.
 *   c[0] bit 0: v3 (else v2)        bit 1: IPv6 (v3 only)
 *        bit 2: fix the checksum first, so later checks are reached
 *        bit 3: packet starts with an IPv4 header (raw socket read)
 *        bit 4: check addresses     bits 5-6: TTL policy    bit 7: unicast
 *   c[1] TTL / hop limit   c[2] expected VRID   c[3] bit 0: auth PASS, bit 2: RX mode ANY,
 *   bits 4-7: VIP count
 * Oracles besides the sanitizers: a decoded advert re-encodes to exactly
 * the bytes received (reserved bits aside), and the fsm stays in range.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vrrp/fsm.h"
#include "vrrp/pkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PASS "k8s-pass"

static uint8_t pkt[65536 + 64];

static void set_addr(struct vrrp_addr *a, int family, uint8_t first, uint8_t last)
{
    memset(a, 0, sizeof(*a));
    a->family = family;
    a->u.b[0] = first;
    a->u.b[vrrp_addr_len(family) - 1] = last;
}

/* A decoded advert must re-encode to the same bytes. */
static void check_reencode(const uint8_t *p, size_t len, const struct vrrp_rx_meta *m,
                           const struct vrrp_advert *adv, const char *pass)
{
    static struct vrrp_addr addrs[VRRP_MAX_ADDRS];
    static uint8_t again[sizeof(pkt)];
    struct vrrp_pkt_tx tx = {.version = adv->version,
                             .vrid = adv->vrid,
                             .priority = adv->priority,
                             .family = adv->family,
                             .adver_int_cs = adv->adver_int_cs,
                             .auth_type = adv->auth_type,
                             .auth_pass = pass,
                             .csum = adv->csum,
                             .addrs = addrs,
                             .naddrs = adv->naddrs};
    char err[128];
    bool exact;
    ssize_t n;
    size_t i;

    for (i = 0; i < adv->naddrs; i++)
        vrrp_advert_addr(adv, i, &addrs[i]);
    n = vrrp_pkt_encode(&tx, &m->src, &m->dst, again, sizeof(again), err, sizeof(err));
    if (n != (ssize_t)len)
        abort();
    /* Not reproduced: v3 reserved bits, v2 auth data without PASS; both
     * also change the checksum. */
    exact = adv->rsvd == 0 && !(adv->version == 2 && adv->auth_type != VRRP_AUTH_PASS);
    if (memcmp(again, p, 4) != 0 || (again[4] & 0x0f) != (p[4] & 0x0f) || again[5] != p[5])
        abort();
    if (adv->rsvd == 0 && again[4] != p[4])
        abort();
    if (exact && memcmp(again + 6, p + 6, 2) != 0)
        abort();
    if (adv->version == 2 && adv->auth_type != VRRP_AUTH_PASS)
        len -= VRRP_AUTH_DATA_LEN;
    if (memcmp(again + 8, p + 8, len - 8) != 0)
        abort();
}

static void feed_fsm(const struct vrrp_advert *adv, const struct vrrp_rx_meta *m, uint8_t c)
{
    struct vrrp_fsm_params p = {.version = adv->version,
                                .priority = (uint8_t)(c | 1),
                                .adver_int_cs = 100,
                                .nopreempt = c & 2,
                                .preempt_delay_us = (c & 4) ? 1000 : 0,
                                .start_master = c & 8};
    struct vrrp_fsm_in in = {
        .priority = adv->priority, .adver_int_cs = adv->adver_int_cs, .src = m->src};
    struct vrrp_fsm_result r;
    struct vrrp_fsm f;
    char err[128];

    set_addr(&p.primary, adv->family, 198, 11);
    if (vrrp_fsm_init(&f, &p, err, sizeof(err)) < 0)
        abort();
    vrrp_fsm_step(&f, VRRP_EV_STARTUP, NULL, &r);
    vrrp_fsm_step(&f, VRRP_EV_ADV, &in, &r);
    if (f.state >= VRRP_STATE_COUNT || r.event >= VRRP_EV_COUNT || !r.reason[0])
        abort();
    vrrp_fsm_step(&f, VRRP_EV_MASTER_DOWN, NULL, &r);
    vrrp_fsm_step(&f, VRRP_EV_ADV, &in, &r);
    if (f.state >= VRRP_STATE_COUNT || f.master_adver_int_cs == 0)
        abort();
}

/* IP-layer metadata from the control bytes. */
static void make_meta(const uint8_t *c, int family, struct vrrp_rx_meta *m)
{
    memset(m, 0, sizeof(*m));
    m->family = family;
    set_addr(&m->src, family, family == AF_INET ? 198 : 0xfe, c[1]);
    set_addr(&m->dst, family, family == AF_INET ? 224 : 0xff, 18);
    m->ttl = c[1];
    if (c[0] & 0x80)
        set_addr(&m->dst, family, family == AF_INET ? 198 : 0x20, 12);
    m->multicast = vrrp_addr_is_multicast(&m->dst);
}

/* Instance expectations from the control bytes. */
static void make_expect(const uint8_t *c, int family, struct vrrp_addr vips[4],
                        struct vrrp_rx_expect *e)
{
    size_t i;

    for (i = 0; i < 4; i++)
        set_addr(&vips[i], family, family == AF_INET ? 10 : 0x20, (uint8_t)i);
    memset(e, 0, sizeof(*e));
    e->version = (c[0] & 1) ? 3 : 2;
    e->vrid = c[2];
    e->family = family;
    e->auth_type = c[3] & 1; /* NONE or PASS; AH never decodes */
    e->auth_pass = PASS;
    e->adver_int_cs = 100;
    e->ttl_check = (enum vrrp_ttl_check)((c[0] >> 5) % 3);
    e->mode = (c[3] & 4)      ? VRRP_RX_MODE_ANY
              : (c[0] & 0x80) ? VRRP_RX_MODE_UCAST
                              : VRRP_RX_MODE_MCAST;
    e->check_addrs = c[0] & 0x10;
    e->vips = vips;
    e->nvips = (size_t)(c[3] >> 4) % 5;
}

/* Raw-socket mode: strip (and check) the IPv4 header; false if rejected. */
static bool strip_ip4(const uint8_t **p, size_t *len, struct vrrp_rx_meta *m)
{
    struct vrrp_ip4 ip;
    enum vrrp_rx_err r = vrrp_pkt_ip4_parse(*p, *len, &ip);

    if (vrrp_rx_err_str(r) == NULL)
        abort();
    if (r != VRRP_RX_OK)
        return false;
    if (ip.payload < *p || ip.payload + ip.payload_len > *p + *len)
        abort();
    m->src = ip.src;
    m->dst = ip.dst;
    m->ttl = ip.ttl;
    m->multicast = vrrp_addr_is_multicast(&m->dst);
    *p = ip.payload;
    *len = ip.payload_len;
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct vrrp_addr vips[4];
    struct vrrp_rx_meta m;
    struct vrrp_rx_expect e;
    struct vrrp_advert adv;
    const uint8_t *p = pkt;
    size_t len;
    int family;
    enum vrrp_rx_err r;

    if (size < 4 || size - 4 > sizeof(pkt) - 64)
        return 0;
    family = (data[0] & 1) && (data[0] & 2) ? AF_INET6 : AF_INET;
    len = size - 4;
    memcpy(pkt, data + 4, len);
    make_meta(data, family, &m);
    if ((data[0] & 8) && family == AF_INET && !strip_ip4(&p, &len, &m))
        return 0;
    if ((data[0] & 4) && len >= VRRP_HDR_LEN)
        (void)vrrp_pkt_set_checksum((uint8_t *)p, len, VRRP_CSUM_PSEUDO, &m.src, &m.dst);
    make_expect(data, family, vips, &e);

    r = vrrp_pkt_decode(p, len, &m, &e, &adv);
    if (vrrp_rx_err_str(r) == NULL || (unsigned)r >= VRRP_RX_ERR_COUNT)
        abort();
    (void)vrrp_pkt_peek_vrid(p, len);
    if (r != VRRP_RX_OK)
        return 0;
    if (adv.vrid != e.vrid || adv.version != e.version || adv.adver_int_cs == 0 ||
        adv.addr_bytes + (size_t)adv.naddrs * vrrp_addr_len(family) > p + len)
        abort();
    check_reencode(p, len, &m, &adv, PASS);
    feed_fsm(&adv, &m, data[2]);
    return 0;
}
