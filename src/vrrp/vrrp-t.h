/* vrrp-t.h: types and constants shared by the VRRP packet codec (pkt.h) and
 * the state machine (fsm.h). No functions beyond tiny address helpers.
 *
 * Units used across src/vrrp: advertisement intervals travel in centiseconds
 * (VRRPv3's wire unit; a v2 interval of N seconds is N * 100), every timer
 * duration the cores compute is in microseconds.
 */
#ifndef HAPLANE_VRRP_VRRP_T_H
#define HAPLANE_VRRP_VRRP_T_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#define VRRP_IPPROTO          112 /* RFC 5798 5.1.1.4, RFC 3768 5.2.4 */
#define VRRP_IPPROTO_AH       51  /* RFC 2338 v2 with IPsec AH: not supported */
#define VRRP_TTL              255 /* RFC 5798 5.1.1.3: TTL / hop limit */
#define VRRP_MCAST4           "224.0.0.18"
#define VRRP_MCAST6           "ff02::12"
#define VRRP_TYPE_ADVERT      1
#define VRRP_PRIO_STOP        0        /* "the master stops participating" */
#define VRRP_PRIO_DFL         100      /* RFC 5798 5.2.4 default for backups */
#define VRRP_PRIO_OWNER       255      /* address owner */
#define VRRP_MAX_ADDRS        255      /* the count field is 8 bits */
#define VRRP_AUTH_DATA_LEN    8        /* v2 authentication data (RFC 3768 5.3.10) */
#define VRRP_HDR_LEN          8        /* fixed part before the addresses, v2 and v3 */
#define VRRP_V3_MAX_INT_CS    4095     /* 12-bit Max Adver Int (RFC 5798 5.2.7) */
#define VRRP_V2_MAX_INT_S     255      /* 8-bit Adver Int in seconds (RFC 3768 5.3.7) */
#define VRRP_DOWN_ADVERTS     3        /* RFC factor in Master_Down_Interval */
#define VRRP_DOWN_ADVERTS_MAX 100      /* keepalived down_timer_adverts range 1-100 */
#define VRRP_CS_US            10000ULL /* microseconds per centisecond */

/* An IPv4 or IPv6 address in network byte order. family is AF_INET or
 * AF_INET6 (0 = unset). Compare with vrrp_addr_cmp, never memcmp the struct. */
struct vrrp_addr {
    int family;
    union {
        struct in_addr v4;
        struct in6_addr v6;
        uint8_t b[16];
    } u;
};

/* Bytes of an address of this family on the wire: 4, 16, or 0 if unknown. */
static inline size_t vrrp_addr_len(int family)
{
    return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

/* Unsigned network-order comparison (RFC 5798 6.4.3 tie-break): <0, 0, >0.
 * Addresses of different families order by family. */
static inline int vrrp_addr_cmp(const struct vrrp_addr *a, const struct vrrp_addr *b)
{
    if (a->family != b->family)
        return a->family < b->family ? -1 : 1;
    return memcmp(a->u.b, b->u.b, vrrp_addr_len(a->family));
}

static inline bool vrrp_addr_eq(const struct vrrp_addr *a, const struct vrrp_addr *b)
{
    return vrrp_addr_cmp(a, b) == 0;
}

/* Fill an address from raw network-order bytes (4 or 16 of them). */
static inline void vrrp_addr_set(struct vrrp_addr *a, int family, const void *bytes)
{
    memset(a, 0, sizeof(*a));
    a->family = family;
    memcpy(a->u.b, bytes, vrrp_addr_len(family));
}

/* 224.0.0.0/4 or ff00::/8. */
static inline bool vrrp_addr_is_multicast(const struct vrrp_addr *a)
{
    if (a->family == AF_INET)
        return (a->u.b[0] & 0xf0) == 0xe0;
    return a->family == AF_INET6 && a->u.b[0] == 0xff;
}

#endif
