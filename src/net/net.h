/* net: the two ways haplane changes the network: rtnetlink addresses
 * (nl_*) and VIP announcements (garp_*).
 *
 * nl: rtnetlink through libmnl. Adds, refreshes and removes the VIPs, and
 * lists addresses (link state is watched by src/track/link.c).
 *
 * Requests are synchronous: the kernel handles RTM_NEWADDR/DELADDR inside
 * the sendmsg call, so the acknowledgement is already queued when we read
 * it, and the event loop is not held up. Helpers never log: they return -1
 * and describe the failure in the caller's buffer.
 */
#ifndef HAPLANE_NET_NET_H
#define HAPLANE_NET_NET_H

#include <stddef.h>
#include <stdint.h>

struct mnl_socket;

struct nl {
    struct mnl_socket *sock;
    uint32_t portid;
    uint32_t seq;
};

/* An interface address: family AF_INET or AF_INET6, bytes in network order. */
struct nl_ifaddr {
    int family;
    unsigned char addr[16];
    unsigned prefix;
};

/* One address as the kernel reports it (nl_addr_dump). */
struct nl_addr_info {
    struct nl_ifaddr a;
    int ifindex;
    uint32_t flags;     /* IFA_F_* */
    uint32_t valid_lft; /* seconds; UINT32_MAX = forever */
    char label[16];
};

#define NL_LIFETIME_FOREVER 0xFFFFFFFFu

int nl_open(struct nl *nl, char *err, size_t errlen);
void nl_close(struct nl *nl);

/* Add a, or replace it if present (this is how a lifetime is refreshed).
 * lifetime_s bounds both the valid and the preferred lifetime
 * (NL_LIFETIME_FOREVER for none). IPv6 addresses get IFA_F_NODAD so they are
 * usable at once. label may be NULL (IPv4 only). */
int nl_addr_set(struct nl *nl, int ifindex, const struct nl_ifaddr *a, uint32_t lifetime_s,
                const char *label, char *err, size_t errlen);
/* Remove a; removing an address that is not there is not an error. */
int nl_addr_del(struct nl *nl, int ifindex, const struct nl_ifaddr *a, char *err, size_t errlen);

typedef void (*nl_addr_cb)(const struct nl_addr_info *info, void *arg);
/* Call cb for every address of family (AF_UNSPEC: all) on ifindex (0: all). */
int nl_addr_dump(struct nl *nl, int ifindex, int family, nl_addr_cb cb, void *arg, char *err,
                 size_t errlen);

/* "198.18.0.100/24" style text. */
void nl_ifaddr_str(const struct nl_ifaddr *a, char *buf, size_t len);

/* garp: tell the segment that a VIP moved. IPv4: a gratuitous ARP request
 * (broadcast; sender and target IP = the VIP, sender MAC = the interface's).
 * IPv6: an unsolicited neighbour advertisement to ff02::1 with the Override
 * flag and the target link-layer address option (RFC 4861 7.2.6). */

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
