/* io: VRRP's raw sockets (IP protocol 112). One socket per (interface,
 * family, source address): it is bound to the interface, joins the VRRP
 * multicast group when asked, sends with TTL/hop limit 255 and TOS/traffic
 * class 0xC0 (as keepalived does), and reports for each received datagram
 * the addresses, TTL and interface the codec needs to validate it.
 */
#ifndef HAPLANE_VRRP_IO_INT_H
#define HAPLANE_VRRP_IO_INT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "vrrp/pkt.h"
#include "vrrp/vrrp-t.h"

/* What arrived with a datagram. */
struct vrrp_rx {
    const uint8_t *payload; /* the VRRP message (points into the caller's buffer) */
    size_t len;
    struct vrrp_rx_meta meta; /* addresses, TTL, multicast or not */
    int ifindex;              /* receiving interface, 0 if unknown */
    enum vrrp_rx_err err;     /* VRRP_RX_OK, or why the IP layer was rejected */
};

/* Open a socket for family on ifindex. The socket is not bound to an
 * address (so it receives multicast and unicast alike); the source of each
 * advert is given to vrrp_io_send. -1 with err. */
int vrrp_io_open(int family, int ifindex, char *err, size_t errlen);

/* Join the multicast group (224.0.0.18 / ff02::12 or as configured) on
 * ifindex. 0, or -1 with errno. */
int vrrp_io_join(int fd, int family, int ifindex, const struct vrrp_addr *group);

/* Receive one datagram into buf. IPv4 sockets deliver the IP header, which
 * is checked here (vrrp_pkt_ip4_parse); a bad one gives rx->err != OK so
 * the caller can count it. Returns 0 when a datagram was read, -1 with errno
 * (EAGAIN when nothing is pending). */
ssize_t vrrp_io_recv(int fd, int family, uint8_t *buf, size_t cap, struct vrrp_rx *rx);

/* Send msg from src to dst (multicast group or a unicast peer) on ifindex.
 * For unicast, ttl is the TTL/hop limit to use (255 unless configured). */
int vrrp_io_send(int fd, int ifindex, const struct vrrp_addr *src, const struct vrrp_addr *dst,
                 const uint8_t *msg, size_t len, int ttl);

#endif
