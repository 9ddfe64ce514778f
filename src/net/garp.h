/* garp: tell the segment that a VIP moved. IPv4: a gratuitous ARP request
 * (broadcast; sender and target IP = the VIP, sender MAC = the interface's).
 * IPv6: an unsolicited neighbour advertisement to ff02::1 with the Override
 * flag and the target link-layer address option (RFC 4861 7.2.6). */
#ifndef HAPLANE_NET_GARP_H
#define HAPLANE_NET_GARP_H

#include <stddef.h>

#include "net/nl.h"

struct garp {
    int arp_fd;  /* AF_PACKET, ETH_P_ARP */
    int icmp_fd; /* raw ICMPv6 */
    unsigned long sent, failed;
};

/* Open both sockets (needs CAP_NET_RAW). -1 with err. */
int garp_open(struct garp *g, char *err, size_t errlen);
void garp_close(struct garp *g);
/* Send one announcement for vip on ifindex. -1 with err. */
int garp_send(struct garp *g, int ifindex, const struct nl_ifaddr *vip, char *err, size_t errlen);

#endif
