/* pkt: VRRP v2/v3 advertisement encode, decode and checksum. See pkt.h. */
#include "vrrp/pkt.h"

#include <arpa/inet.h>
#include <stdio.h>

#include "util/wire.h"

/* Wire layout (RFC 3768 5.3, RFC 5798 5.2): offsets of the fixed header. */
enum {
    OFF_VERTYPE = 0,
    OFF_VRID = 1,
    OFF_PRIO = 2,
    OFF_COUNT = 3,
    OFF_V2_AUTH = 4, /* v2: auth type; v3: rsvd(4) + max adver int(12) */
    OFF_V2_INT = 5,
    OFF_CSUM = 6,
};

static const char *const rx_err_names[VRRP_RX_ERR_COUNT] = {
    [VRRP_RX_OK] = "ok",
    [VRRP_RX_TRUNCATED] = "truncated",
    [VRRP_RX_BAD_LENGTH] = "bad-length",
    [VRRP_RX_BAD_IP_HEADER] = "bad-ip-header",
    [VRRP_RX_BAD_PROTO] = "bad-proto",
    [VRRP_RX_BAD_FAMILY] = "bad-family",
    [VRRP_RX_BAD_VERSION] = "bad-version",
    [VRRP_RX_VERSION_MISMATCH] = "version-mismatch",
    [VRRP_RX_BAD_TYPE] = "bad-type",
    [VRRP_RX_BAD_TTL] = "bad-ttl",
    [VRRP_RX_ZERO_ADDRS] = "zero-addrs",
    [VRRP_RX_BAD_CHECKSUM] = "bad-checksum",
    [VRRP_RX_UNKNOWN_VRID] = "unknown-vrid",
    [VRRP_RX_MODE_MISMATCH] = "mode-mismatch",
    [VRRP_RX_UNKNOWN_PEER] = "unknown-peer",
    [VRRP_RX_BAD_SOURCE] = "bad-source",
    [VRRP_RX_AUTH_AH] = "auth-ah-unsupported",
    [VRRP_RX_AUTH_TYPE_MISMATCH] = "auth-type-mismatch",
    [VRRP_RX_AUTH_PASS_MISMATCH] = "auth-pass-mismatch",
    [VRRP_RX_BAD_INTERVAL] = "bad-interval",
    [VRRP_RX_INTERVAL_MISMATCH] = "interval-mismatch",
    [VRRP_RX_ADDR_COUNT_MISMATCH] = "addr-count-mismatch",
    [VRRP_RX_ADDR_LIST_MISMATCH] = "addr-list-mismatch",
    [VRRP_RX_RATE_LIMITED] = "rate-limited",
};

const char *vrrp_addr_str(const struct vrrp_addr *a, char *buf, size_t len)
{
    if (!vrrp_addr_len(a->family) || !inet_ntop(a->family, a->u.b, buf, (socklen_t)len))
        snprintf(buf, len, "-");
    return buf;
}

const char *vrrp_rx_err_str(enum vrrp_rx_err err)
{
    if ((unsigned)err >= VRRP_RX_ERR_COUNT)
        return "unknown";
    return rx_err_names[err];
}

size_t vrrp_pkt_len(uint8_t version, int family, size_t naddrs)
{
    size_t alen = vrrp_addr_len(family);

    if (alen == 0 || (version != 2 && version != 3) || (version == 2 && family != AF_INET))
        return 0;
    return VRRP_HDR_LEN + naddrs * alen + (version == 2 ? VRRP_AUTH_DATA_LEN : 0);
}

/* ---- checksum (RFC 1071) ---- */

uint64_t vrrp_csum_add(uint64_t sum, const void *data, size_t len)
{
    const uint8_t *p = data;
    size_t i;

    for (i = 0; i + 1 < len; i += 2)
        sum += (uint64_t)(p[i] << 8 | p[i + 1]);
    if (len & 1)
        sum += (uint64_t)p[len - 1] << 8;
    return sum;
}

uint16_t vrrp_csum_fold(uint64_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

uint16_t vrrp_csum(const void *data, size_t len)
{
    return vrrp_csum_fold(vrrp_csum_add(0, data, len));
}

/* Sum of the pseudo-header (RFC 5798 5.2.8; RFC 8200 8.1 for IPv6). */
static uint64_t csum_pseudo(uint64_t sum, const struct vrrp_addr *src, const struct vrrp_addr *dst,
                            size_t len)
{
    size_t alen = vrrp_addr_len(src->family);

    sum = vrrp_csum_add(sum, src->u.b, alen);
    sum = vrrp_csum_add(sum, dst->u.b, alen);
    if (src->family == AF_INET6)
        sum += (len >> 16) & 0xffff; /* upper half of the 32-bit length */
    return sum + (len & 0xffff) + VRRP_IPPROTO;
}

uint16_t vrrp_pkt_checksum(const uint8_t *pkt, size_t len, enum vrrp_csum_mode mode,
                           const struct vrrp_addr *src, const struct vrrp_addr *dst)
{
    uint64_t sum = 0;

    if (mode == VRRP_CSUM_PSEUDO)
        sum = csum_pseudo(sum, src, dst, len);
    if (len < VRRP_HDR_LEN)
        return vrrp_csum_fold(vrrp_csum_add(sum, pkt, len));
    sum = vrrp_csum_add(sum, pkt, OFF_CSUM); /* skip the checksum field itself */
    sum = vrrp_csum_add(sum, pkt + OFF_CSUM + 2, len - OFF_CSUM - 2);
    return vrrp_csum_fold(sum);
}

static bool pseudo_ok(const struct vrrp_addr *src, const struct vrrp_addr *dst)
{
    return src && dst && vrrp_addr_len(src->family) && src->family == dst->family;
}

int vrrp_pkt_set_checksum(uint8_t *pkt, size_t len, enum vrrp_csum_mode mode,
                          const struct vrrp_addr *src, const struct vrrp_addr *dst)
{
    uint8_t version;

    if (len < VRRP_HDR_LEN)
        return -1;
    version = pkt[OFF_VERTYPE] >> 4;
    if (version == 2)
        mode = VRRP_CSUM_PLAIN;
    else if (version != 3)
        return -1;
    else if (src && src->family == AF_INET6)
        mode = VRRP_CSUM_PSEUDO;
    if (mode == VRRP_CSUM_PSEUDO && !pseudo_ok(src, dst))
        return -1;
    wire_put16(pkt + OFF_CSUM, vrrp_pkt_checksum(pkt, len, mode, src, dst));
    return 0;
}

/* ---- encode ---- */

/* RFC 2338 5.3.10: the password, cut to 8 bytes and zero padded. */
static void pass_pad(uint8_t out[VRRP_AUTH_DATA_LEN], const char *pass)
{
    size_t i;

    memset(out, 0, VRRP_AUTH_DATA_LEN);
    for (i = 0; pass && i < VRRP_AUTH_DATA_LEN && pass[i]; i++)
        out[i] = (uint8_t)pass[i];
}

static int tx_check(const struct vrrp_pkt_tx *tx, char *err, size_t errlen)
{
    size_t i;

    if (tx->version != 2 && tx->version != 3)
        return snprintf(err, errlen, "version %u: must be 2 or 3", tx->version), -1;
    if (tx->family != AF_INET && !(tx->family == AF_INET6 && tx->version == 3))
        return snprintf(err, errlen, "VRRPv%u cannot carry this address family", tx->version), -1;
    if (tx->vrid == 0)
        return snprintf(err, errlen, "vrid 0 is invalid (1-255)"), -1;
    if (tx->naddrs > VRRP_MAX_ADDRS || (tx->version == 3 && tx->naddrs == 0) ||
        (tx->naddrs && !tx->addrs))
        return snprintf(err, errlen, "address count %zu out of range", tx->naddrs), -1;
    for (i = 0; i < tx->naddrs; i++)
        if (tx->addrs[i].family != tx->family)
            return snprintf(err, errlen, "address %zu: wrong family", i), -1;
    if (tx->version == 2) {
        if (tx->adver_int_cs == 0 || tx->adver_int_cs % 100 ||
            tx->adver_int_cs / 100 > VRRP_V2_MAX_INT_S)
            return snprintf(err, errlen, "VRRPv2 interval %u cs: whole seconds 1-255",
                            tx->adver_int_cs),
                   -1;
        if (tx->auth_type != VRRP_AUTH_NONE && tx->auth_type != VRRP_AUTH_PASS)
            return snprintf(err, errlen, "auth type %u not supported", tx->auth_type), -1;
    } else if (tx->adver_int_cs == 0 || tx->adver_int_cs > VRRP_V3_MAX_INT_CS) {
        return snprintf(err, errlen, "VRRPv3 interval %u cs: 1-4095", tx->adver_int_cs), -1;
    }
    return 0;
}

ssize_t vrrp_pkt_encode(const struct vrrp_pkt_tx *tx, const struct vrrp_addr *src,
                        const struct vrrp_addr *dst, uint8_t *buf, size_t buflen, char *err,
                        size_t errlen)
{
    enum vrrp_csum_mode mode;
    size_t len, alen, i;
    uint8_t *p;

    if (tx_check(tx, err, errlen) < 0)
        return -1;
    len = vrrp_pkt_len(tx->version, tx->family, tx->naddrs);
    if (len > buflen)
        return snprintf(err, errlen, "buffer %zu < %zu bytes", buflen, len), -1;
    memset(buf, 0, len);
    buf[OFF_VERTYPE] = (uint8_t)(tx->version << 4 | VRRP_TYPE_ADVERT);
    buf[OFF_VRID] = tx->vrid;
    buf[OFF_PRIO] = tx->priority;
    buf[OFF_COUNT] = (uint8_t)tx->naddrs;
    if (tx->version == 2) {
        buf[OFF_V2_AUTH] = tx->auth_type;
        buf[OFF_V2_INT] = (uint8_t)(tx->adver_int_cs / 100);
    } else {
        wire_put16(buf + OFF_V2_AUTH, tx->adver_int_cs); /* reserved nibble stays 0 */
    }
    alen = vrrp_addr_len(tx->family);
    p = buf + VRRP_HDR_LEN;
    for (i = 0; i < tx->naddrs; i++, p += alen)
        memcpy(p, tx->addrs[i].u.b, alen);
    if (tx->version == 2 && tx->auth_type == VRRP_AUTH_PASS)
        pass_pad(p, tx->auth_pass); /* cut to 8, zero padded */
    mode = tx->family == AF_INET6 ? VRRP_CSUM_PSEUDO : tx->csum;
    if (vrrp_pkt_set_checksum(buf, len, mode, src, dst) < 0)
        return snprintf(err, errlen, "checksum needs source and destination addresses"), -1;
    return (ssize_t)len;
}

/* ---- decode ---- */

int vrrp_pkt_peek_vrid(const uint8_t *pkt, size_t len)
{
    return len < VRRP_HDR_LEN ? -1 : pkt[OFF_VRID];
}

void vrrp_advert_addr(const struct vrrp_advert *adv, size_t i, struct vrrp_addr *out)
{
    vrrp_addr_set(out, adv->family, adv->addr_bytes + i * vrrp_addr_len(adv->family));
}

/* Header fields, no validation beyond what is needed to read them. */
static void parse_fixed(const uint8_t *pkt, int family, struct vrrp_advert *a)
{
    memset(a, 0, sizeof(*a));
    a->version = pkt[OFF_VERTYPE] >> 4;
    a->type = pkt[OFF_VERTYPE] & 0x0f;
    a->vrid = pkt[OFF_VRID];
    a->priority = pkt[OFF_PRIO];
    a->naddrs = pkt[OFF_COUNT];
    a->family = family;
    a->checksum = wire_get16(pkt + OFF_CSUM);
    a->addr_bytes = pkt + VRRP_HDR_LEN;
    if (a->version == 2) {
        a->auth_type = pkt[OFF_V2_AUTH];
        a->adver_int_cs = (uint16_t)(pkt[OFF_V2_INT] * 100);
    } else {
        a->rsvd = pkt[OFF_V2_AUTH] >> 4;
        a->adver_int_cs = wire_get16(pkt + OFF_V2_AUTH) & 0x0fff;
    }
}

static bool ttl_ok(const struct vrrp_rx_meta *m, const struct vrrp_rx_expect *e)
{
    if (m->ttl < 0 || e->ttl_check == VRRP_TTL_CHECK_NEVER)
        return true;
    if (!m->multicast && e->ttl_check == VRRP_TTL_CHECK_MCAST)
        return true;
    return m->ttl == VRRP_TTL;
}

/* RFC 5798 5.2.8; for IPv4 accept the plain form too and record which. */
static enum vrrp_rx_err check_csum(const uint8_t *pkt, size_t len, const struct vrrp_rx_meta *m,
                                   struct vrrp_advert *a)
{
    uint16_t want = a->checksum;

    if (a->version == 2) {
        a->csum = VRRP_CSUM_PLAIN;
        return vrrp_pkt_checksum(pkt, len, VRRP_CSUM_PLAIN, NULL, NULL) == want
                   ? VRRP_RX_OK
                   : VRRP_RX_BAD_CHECKSUM;
    }
    a->csum = VRRP_CSUM_PSEUDO;
    if (pseudo_ok(&m->src, &m->dst) && m->src.family == a->family &&
        vrrp_pkt_checksum(pkt, len, VRRP_CSUM_PSEUDO, &m->src, &m->dst) == want)
        return VRRP_RX_OK;
    a->csum = VRRP_CSUM_PLAIN;
    if (a->family == AF_INET && vrrp_pkt_checksum(pkt, len, VRRP_CSUM_PLAIN, NULL, NULL) == want)
        return VRRP_RX_OK;
    return VRRP_RX_BAD_CHECKSUM;
}

/* Structure: everything that does not depend on the instance but its
 * version/family, in RFC 7.1 order where it has one. */
static enum vrrp_rx_err check_structure(const uint8_t *pkt, size_t len,
                                        const struct vrrp_rx_meta *m,
                                        const struct vrrp_rx_expect *e, struct vrrp_advert *a)
{
    size_t want;

    if (len < VRRP_HDR_LEN)
        return VRRP_RX_TRUNCATED;
    parse_fixed(pkt, m->family, a);
    if (a->version != 2 && a->version != 3)
        return VRRP_RX_BAD_VERSION;
    if (a->version != e->version)
        return VRRP_RX_VERSION_MISMATCH;
    if (m->family != e->family || vrrp_pkt_len(a->version, m->family, 0) == 0)
        return VRRP_RX_BAD_FAMILY;
    if (a->type != VRRP_TYPE_ADVERT)
        return VRRP_RX_BAD_TYPE;
    if (!ttl_ok(m, e))
        return VRRP_RX_BAD_TTL;
    if (a->version == 3 && a->naddrs == 0)
        return VRRP_RX_ZERO_ADDRS;
    want = vrrp_pkt_len(a->version, a->family, a->naddrs);
    if (len < want)
        return VRRP_RX_TRUNCATED;
    if (len > want)
        return VRRP_RX_BAD_LENGTH;
    return check_csum(pkt, len, m, a);
}

static long addr_index(const struct vrrp_addr *list, size_t n, const struct vrrp_addr *x)
{
    for (size_t i = 0; i < n; i++)
        if (vrrp_addr_eq(&list[i], x))
            return (long)i;
    return -1;
}

/* Who may have sent it. Multicast over IPv6: a link-local source (RFC 5798
 * 5.1.2.1; the TTL check already proved it on the link). Unicast with peers:
 * a configured peer, arriving with a TTL in that peer's range (any unless
 * configured; a packet whose TTL the I/O layer could not read is not
 * TTL-checked). */
static enum vrrp_rx_err check_source(const struct vrrp_rx_meta *m, const struct vrrp_rx_expect *e)
{
    if (m->multicast) {
        bool ll = m->src.u.b[0] == 0xfe && (m->src.u.b[1] & 0xc0) == 0x80;
        return m->family == AF_INET6 && !ll ? VRRP_RX_BAD_SOURCE : VRRP_RX_OK;
    }
    if (!e->peers)
        return VRRP_RX_OK;
    long i = addr_index(e->peers, e->npeers, &m->src);
    if (i < 0)
        return VRRP_RX_UNKNOWN_PEER;
    struct vrrp_ttl_range r = e->peer_ttl ? e->peer_ttl[i] : (struct vrrp_ttl_range){1, 255};
    if (m->ttl >= 0 && e->ttl_check != VRRP_TTL_CHECK_NEVER && (m->ttl < r.min || m->ttl > r.max))
        return VRRP_RX_BAD_TTL;
    return VRRP_RX_OK;
}

/* Constant-time compare of the 8 auth bytes with the padded password. */
static bool pass_ok(const uint8_t *got, const char *pass)
{
    uint8_t want[VRRP_AUTH_DATA_LEN];
    unsigned diff = 0;
    size_t i;

    pass_pad(want, pass);
    for (i = 0; i < sizeof(want); i++)
        diff |= (unsigned)(got[i] ^ want[i]);
    return diff == 0;
}

static enum vrrp_rx_err check_v2_auth(const uint8_t *pkt, size_t len,
                                      const struct vrrp_rx_expect *e, struct vrrp_advert *a)
{
    memcpy(a->auth_data, pkt + len - VRRP_AUTH_DATA_LEN, VRRP_AUTH_DATA_LEN);
    if (a->auth_type == VRRP_AUTH_AH)
        return VRRP_RX_AUTH_AH;
    if (a->auth_type != e->auth_type)
        return VRRP_RX_AUTH_TYPE_MISMATCH;
    if (a->auth_type == VRRP_AUTH_PASS && !pass_ok(a->auth_data, e->auth_pass))
        return VRRP_RX_AUTH_PASS_MISMATCH;
    return VRRP_RX_OK;
}

/* keepalived vrrp_check_packet: count equal and every VIP present. */
static enum vrrp_rx_err check_addrs(const struct vrrp_rx_expect *e, const struct vrrp_advert *a)
{
    struct vrrp_addr x;
    size_t i, j, alen = vrrp_addr_len(a->family);
    bool found;

    if (a->naddrs != e->nvips)
        return VRRP_RX_ADDR_COUNT_MISMATCH;
    for (i = 0; i < e->nvips; i++) {
        found = false;
        for (j = 0; j < a->naddrs && !found; j++) {
            vrrp_addr_set(&x, a->family, a->addr_bytes + j * alen);
            found = vrrp_addr_eq(&x, &e->vips[i]);
        }
        if (!found)
            return VRRP_RX_ADDR_LIST_MISMATCH;
    }
    return VRRP_RX_OK;
}

enum vrrp_rx_err vrrp_pkt_decode(const uint8_t *pkt, size_t len, const struct vrrp_rx_meta *m,
                                 const struct vrrp_rx_expect *e, struct vrrp_advert *a)
{
    enum vrrp_rx_err r;

    r = check_structure(pkt, len, m, e, a);
    if (r != VRRP_RX_OK)
        return r;
    if (a->vrid == 0 || a->vrid != e->vrid) /* VRID is 1-255 (RFC 5798 5.2.3) */
        return VRRP_RX_UNKNOWN_VRID;
    if ((e->mode == VRRP_RX_MODE_MCAST && !m->multicast) ||
        (e->mode == VRRP_RX_MODE_UCAST && m->multicast))
        return VRRP_RX_MODE_MISMATCH;
    if ((r = check_source(m, e)) != VRRP_RX_OK)
        return r;
    if (a->version == 2 && (r = check_v2_auth(pkt, len, e, a)) != VRRP_RX_OK)
        return r;
    if (a->adver_int_cs == 0)
        return VRRP_RX_BAD_INTERVAL;
    if (a->version == 2 && a->adver_int_cs != e->adver_int_cs)
        return VRRP_RX_INTERVAL_MISMATCH;
    if (e->check_addrs)
        return check_addrs(e, a);
    return VRRP_RX_OK;
}

/* ---- IPv4 header of a raw-socket read ---- */

enum vrrp_rx_err vrrp_pkt_ip4_parse(const uint8_t *buf, size_t len, struct vrrp_ip4 *out)
{
    size_t ihl, tot;

    memset(out, 0, sizeof(*out));
    if (len < 20)
        return VRRP_RX_TRUNCATED;
    ihl = (size_t)(buf[0] & 0x0f) * 4;
    tot = wire_get16(buf + 2);
    if (buf[0] >> 4 != 4 || ihl < 20 || ihl > len || tot < ihl)
        return VRRP_RX_BAD_IP_HEADER;
    if (tot > len)
        return VRRP_RX_TRUNCATED;
    if (tot < len)
        return VRRP_RX_BAD_LENGTH;
    out->ttl = buf[8];
    out->proto = buf[9];
    vrrp_addr_set(&out->src, AF_INET, buf + 12);
    vrrp_addr_set(&out->dst, AF_INET, buf + 16);
    out->payload = buf + ihl;
    out->payload_len = tot - ihl;
    if (out->proto == VRRP_IPPROTO_AH)
        return VRRP_RX_AUTH_AH;
    if (out->proto != VRRP_IPPROTO)
        return VRRP_RX_BAD_PROTO;
    return VRRP_RX_OK;
}
