/* pkt: VRRP advertisement codec (pure: no I/O, no allocation, no logging).
 *
 *   VRRPv2, RFC 3768 5.3: IPv4 only, 16 + 4n bytes, auth none or simple text
 *   password (RFC 2338 type 1); checksum over the VRRP message only.
 *   VRRPv3, RFC 5798 5.2: IPv4 8 + 4n or IPv6 8 + 16n bytes; checksum with the
 *   IPv4/IPv6 pseudo-header (RFC 5798 5.2.8). keepalived 2.2.7 always sends
 *   the IPv4 pseudo-header form; RFC 9568 5.2.8 and Cisco-style peers omit
 *   it. We send either (struct vrrp_pkt_tx.csum) and accept both.
 *
 * Encoding writes into a caller buffer. Decoding validates a received message
 * against one instance's expectations and returns either a decoded advert
 * (which points into the caller's buffer) or one rejection reason from
 * enum vrrp_rx_err, whose names (vrrp_rx_err_str) are stable counter labels.
 */
#ifndef HAPLANE_VRRP_PKT_H
#define HAPLANE_VRRP_PKT_H

#include <sys/types.h>

#include "vrrp/vrrp-t.h"

enum vrrp_auth_type {
    VRRP_AUTH_NONE = 0,
    VRRP_AUTH_PASS = 1, /* RFC 2338 5.3.6 simple text password */
    VRRP_AUTH_AH = 2,   /* RFC 2338 IPsec AH: recognised, not supported */
};

/* Checksum form. v2 is always PLAIN, v3 over IPv6 always PSEUDO; v3 over
 * IPv4 may be either (VRRP-INTEROP.md 1). */
enum vrrp_csum_mode {
    VRRP_CSUM_PSEUDO = 0, /* with the IPv4/IPv6 pseudo-header */
    VRRP_CSUM_PLAIN = 1,  /* VRRP message only */
};

/* Why a received packet was dropped. Keep vrrp_rx_err_str in sync. */
enum vrrp_rx_err {
    VRRP_RX_OK = 0,
    VRRP_RX_TRUNCATED,           /* shorter than its header or its count says */
    VRRP_RX_BAD_LENGTH,          /* longer than its count says (keepalived: exact) */
    VRRP_RX_BAD_IP_HEADER,       /* IPv4 header: version, IHL or total length */
    VRRP_RX_BAD_PROTO,           /* IP protocol is not 112 */
    VRRP_RX_BAD_FAMILY,          /* v2 over IPv6, or not the instance's family */
    VRRP_RX_BAD_VERSION,         /* version field neither 2 nor 3 */
    VRRP_RX_VERSION_MISMATCH,    /* 2 or 3, but not the instance's */
    VRRP_RX_BAD_TYPE,            /* type != 1 (advertisement) */
    VRRP_RX_BAD_TTL,             /* TTL / hop limit != 255 (or outside a peer's range) */
    VRRP_RX_ZERO_ADDRS,          /* v3 count 0 (RFC 5798 5.2.5: at least 1) */
    VRRP_RX_BAD_CHECKSUM,        /* no accepted checksum form matches */
    VRRP_RX_UNKNOWN_VRID,        /* not the instance's VRID */
    VRRP_RX_MODE_MISMATCH,       /* unicast packet for a multicast instance, or vice versa */
    VRRP_RX_UNKNOWN_PEER,        /* unicast source not in the peer list */
    VRRP_RX_BAD_SOURCE,          /* IPv6 multicast advert not from a link-local address */
    VRRP_RX_AUTH_AH,             /* v2 auth type 2 / IP protocol 51 (AH): unsupported */
    VRRP_RX_AUTH_TYPE_MISMATCH,  /* v2 auth type differs from ours */
    VRRP_RX_AUTH_PASS_MISMATCH,  /* v2 password differs */
    VRRP_RX_BAD_INTERVAL,        /* advert interval 0 */
    VRRP_RX_INTERVAL_MISMATCH,   /* v2 interval differs (RFC 3768 7.1: MUST discard) */
    VRRP_RX_ADDR_COUNT_MISMATCH, /* count differs from our VIP count */
    VRRP_RX_ADDR_LIST_MISMATCH,  /* one of our VIPs is missing from the advert */
    VRRP_RX_RATE_LIMITED,        /* valid, but past what adverts may cause (instance.c) */
    VRRP_RX_ERR_COUNT
};

/* What to encode. Addresses must all be of `family`. */
struct vrrp_pkt_tx {
    uint8_t version;          /* 2 or 3 */
    uint8_t vrid;             /* 1-255 */
    uint8_t priority;         /* 0-255 */
    int family;               /* AF_INET, or AF_INET6 (v3 only) */
    uint16_t adver_int_cs;    /* v2: 100-25500 in whole seconds; v3: 1-4095 */
    uint8_t auth_type;        /* v2: VRRP_AUTH_NONE or VRRP_AUTH_PASS; v3: ignored */
    const char *auth_pass;    /* v2 PASS: cut to 8 bytes, zero padded; may be NULL */
    enum vrrp_csum_mode csum; /* v3 IPv4 only; v2 PLAIN and v3 IPv6 PSEUDO regardless */
    const struct vrrp_addr *addrs;
    size_t naddrs; /* v2: 0-255; v3: 1-255 */
};

/* IP-layer facts about a received packet, supplied by the I/O layer. */
struct vrrp_rx_meta {
    int family;           /* AF_INET or AF_INET6 */
    struct vrrp_addr src; /* IP source */
    struct vrrp_addr dst; /* IP destination as received (group or our unicast address) */
    int ttl;              /* TTL / hop limit, -1 if unknown (then never checked) */
    bool multicast;       /* dst is a multicast address */
};

enum vrrp_ttl_check {
    VRRP_TTL_CHECK_MCAST = 0, /* 255 for multicast packets; unicast: the peer's range */
    VRRP_TTL_CHECK_ALWAYS,    /* 255 required for unicast packets too (RFC 7.1) */
    VRRP_TTL_CHECK_NEVER,
};

/* TTL / hop limit a unicast peer's adverts may arrive with (both
 * inclusive): keepalived's min_ttl / max_ttl. Unset, any (1-255), as in
 * keepalived, whose IPv6 unicast adverts leave with the kernel's default
 * hop limit; `min_ttl 255` proves an IPv4 peer is on the link. */
struct vrrp_ttl_range {
    uint8_t min, max;
};

enum vrrp_rx_mode {
    VRRP_RX_MODE_MCAST = 0, /* multicast instance: drop unicast-received adverts */
    VRRP_RX_MODE_UCAST,     /* unicast instance: drop multicast-received adverts */
    VRRP_RX_MODE_ANY,
};

/* One instance's expectations. Zero-initialised fields mean: multicast,
 * TTL checked for multicast, no auth, no address check, no peer check. */
struct vrrp_rx_expect {
    uint8_t version;
    uint8_t vrid;
    int family;
    uint8_t auth_type;     /* v2 */
    const char *auth_pass; /* v2 PASS; compared as 8 bytes, cut and zero padded */
    uint16_t adver_int_cs; /* v2: must equal the advert's */
    enum vrrp_ttl_check ttl_check;
    enum vrrp_rx_mode mode;
    bool check_addrs; /* count must equal nvips and every VIP appear (any order) */
    const struct vrrp_addr *vips;
    size_t nvips;
    const struct vrrp_addr *peers;         /* non-NULL: unicast source must be one of them */
    const struct vrrp_ttl_range *peer_ttl; /* per peer; NULL: 255 only */
    size_t npeers;
};

/* A validated advertisement. addr_bytes points into the caller's packet
 * buffer and is valid as long as that buffer is. */
struct vrrp_advert {
    uint8_t version;
    uint8_t type;
    uint8_t vrid;
    uint8_t priority;
    uint8_t naddrs;
    int family;
    uint16_t adver_int_cs; /* v2 seconds * 100, v3 as received */
    uint8_t rsvd;          /* v3 reserved nibble as received (ignored, RFC 5798 5.2.6) */
    uint8_t auth_type;     /* v2 */
    uint8_t auth_data[VRRP_AUTH_DATA_LEN]; /* v2 */
    uint16_t checksum;                     /* as received */
    enum vrrp_csum_mode csum;              /* the form that matched */
    const uint8_t *addr_bytes;
};

/* Parsed IPv4 header of a raw-socket read. payload points into the buffer. */
struct vrrp_ip4 {
    const uint8_t *payload;
    size_t payload_len;
    struct vrrp_addr src, dst;
    uint8_t ttl;
    uint8_t proto;
};

/* Length in bytes of a VRRP message, 0 for an invalid version/family. */
size_t vrrp_pkt_len(uint8_t version, int family, size_t naddrs);

/* Encode tx into buf, checksum included, using src and dst (the real IP
 * destination: the group, or this unicast peer) for a v3 pseudo-header; src
 * and dst may be NULL for v2 or for v3 IPv4 PLAIN. Returns the message length,
 * or -1 with a message in err (buffer too small, field out of range). */
ssize_t vrrp_pkt_encode(const struct vrrp_pkt_tx *tx, const struct vrrp_addr *src,
                        const struct vrrp_addr *dst, uint8_t *buf, size_t buflen, char *err,
                        size_t errlen);

/* Recompute and store the checksum of an encoded message (bytes 6-7), e.g.
 * once per unicast peer: v3 checksums depend on the destination. The version
 * is read from the message. Returns 0, or -1 if len is too short, the
 * version is unknown, or a pseudo-header address is missing. */
int vrrp_pkt_set_checksum(uint8_t *pkt, size_t len, enum vrrp_csum_mode mode,
                          const struct vrrp_addr *src, const struct vrrp_addr *dst);

/* RFC 1071 Internet checksum, in pieces: add bytes to a running sum (only
 * the last piece may have an odd length), then fold and complement. The
 * 16-bit result is in host order; store it big-endian. */
uint64_t vrrp_csum_add(uint64_t sum, const void *data, size_t len);
uint16_t vrrp_csum_fold(uint64_t sum);
uint16_t vrrp_csum(const void *data, size_t len);

/* Checksum of a VRRP message (len bytes, whose bytes 6-7 are treated as
 * zero), with or without the pseudo-header for src/dst (RFC 5798 5.2.8:
 * IPv4 src, dst, 0, 112, len16; IPv6 src, dst, len32, 0,0,0, 112).
 * src/dst are only read for PSEUDO. */
uint16_t vrrp_pkt_checksum(const uint8_t *pkt, size_t len, enum vrrp_csum_mode mode,
                           const struct vrrp_addr *src, const struct vrrp_addr *dst);

/* Validate and decode one received VRRP message (the IP payload) for one
 * instance. Checks, in order: length of the fixed header, version, family,
 * type, TTL, v3 count, exact length, checksum, VRID, uni/multicast mode,
 * unicast peer, v2 auth, interval, addresses (RFC 3768 7.1, RFC 5798 7.1,
 * keepalived 2.2.7). Returns VRRP_RX_OK and fills *out, or the first failed
 * check (out then holds what was parsed so far). */
enum vrrp_rx_err vrrp_pkt_decode(const uint8_t *pkt, size_t len, const struct vrrp_rx_meta *meta,
                                 const struct vrrp_rx_expect *exp, struct vrrp_advert *out);

/* The i-th address of a decoded advert (i < naddrs). */
void vrrp_advert_addr(const struct vrrp_advert *adv, size_t i, struct vrrp_addr *out);

/* VRID of a message, for dispatching to an instance before decoding; -1 if
 * too short. */
int vrrp_pkt_peek_vrid(const uint8_t *pkt, size_t len);

/* Parse the IPv4 header an IPv4 raw socket delivers in front of the VRRP
 * message. Rejects: short reads (TRUNCATED), version != 4, IHL < 5 or beyond
 * the read, total length below the header (BAD_IP_HEADER), total length
 * above the read (TRUNCATED) or below it (BAD_LENGTH), protocol 51
 * (AUTH_AH) and any protocol but 112 (BAD_PROTO). IPv6 raw sockets deliver no
 * header: the I/O layer takes the hop limit and destination from
 * IPV6_HOPLIMIT / IPV6_PKTINFO ancillary data instead. */
enum vrrp_rx_err vrrp_pkt_ip4_parse(const uint8_t *buf, size_t len, struct vrrp_ip4 *out);

/* "ok", "truncated", "bad-checksum", ... (stable: used as counter labels). */
const char *vrrp_rx_err_str(enum vrrp_rx_err err);

/* a as text ("198.18.0.12", "fe80::1"), or "-" when it is unset. Returns
 * buf. */
const char *vrrp_addr_str(const struct vrrp_addr *a, char *buf, size_t len);

#endif
