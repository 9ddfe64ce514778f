/* garp: see net.h. */
#include "net/net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/if_arp.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

/* ARP over Ethernet for IPv4 (RFC 826). */
struct arp_eth4 {
    uint16_t htype, ptype;
    uint8_t hlen, plen;
    uint16_t oper;
    uint8_t sha[6], spa[4], tha[6], tpa[4];
} __attribute__((packed));

int garp_open(struct garp *g, char *err, size_t errlen)
{
    memset(g, 0, sizeof(*g));
    g->icmp_fd = -1;
    g->arp_fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(ETH_P_ARP));
    if (g->arp_fd < 0) {
        snprintf(err, errlen, "ARP socket: %s", strerror(errno));
        return -1;
    }
    /* We only send: receive nothing, so no ARP traffic queues up here. */
    shutdown(g->arp_fd, SHUT_RD);
    g->icmp_fd = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMPV6);
    int hops = 255;
    if (g->icmp_fd < 0 ||
        setsockopt(g->icmp_fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof(hops)) < 0) {
        snprintf(err, errlen, "ICMPv6 socket: %s", strerror(errno));
        garp_close(g);
        return -1;
    }
    struct icmp6_filter f;
    ICMP6_FILTER_SETBLOCKALL(&f);
    setsockopt(g->icmp_fd, IPPROTO_ICMPV6, ICMP6_FILTER, &f, sizeof(f));
    return 0;
}

void garp_close(struct garp *g)
{
    if (g->arp_fd >= 0)
        close(g->arp_fd);
    if (g->icmp_fd >= 0)
        close(g->icmp_fd);
    g->arp_fd = g->icmp_fd = -1;
}

static int if_mac(int fd, int ifindex, uint8_t mac[6])
{
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    if (!if_indextoname((unsigned)ifindex, ifr.ifr_name))
        return -1;
    if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0)
        return -1;
    memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
    return 0;
}

static int send_arp(struct garp *g, int ifindex, const struct nl_ifaddr *vip)
{
    struct arp_eth4 a = {
        .htype = htons(ARPHRD_ETHER),
        .ptype = htons(ETH_P_IP),
        .hlen = 6,
        .plen = 4,
        .oper = htons(1), /* request: every host updates its cache */
    };
    if (if_mac(g->arp_fd, ifindex, a.sha) < 0)
        return -1;
    memcpy(a.spa, vip->addr, 4);
    memcpy(a.tpa, vip->addr, 4);
    memset(a.tha, 0xff, 6);
    struct sockaddr_ll to = {
        .sll_family = AF_PACKET,
        .sll_protocol = htons(ETH_P_ARP),
        .sll_ifindex = ifindex,
        .sll_halen = 6,
    };
    memset(to.sll_addr, 0xff, 6);
    return sendto(g->arp_fd, &a, sizeof(a), 0, (struct sockaddr *)&to, sizeof(to)) < 0 ? -1 : 0;
}

static int send_na(struct garp *g, int ifindex, const struct nl_ifaddr *vip)
{
    struct {
        struct nd_neighbor_advert na;
        struct nd_opt_hdr opt;
        uint8_t mac[6];
    } __attribute__((packed)) m;
    memset(&m, 0, sizeof(m));
    if (if_mac(g->icmp_fd, ifindex, m.mac) < 0)
        return -1;
    m.na.nd_na_type = ND_NEIGHBOR_ADVERT;
    m.na.nd_na_flags_reserved = ND_NA_FLAG_OVERRIDE;
    memcpy(&m.na.nd_na_target, vip->addr, 16);
    m.opt.nd_opt_type = ND_OPT_TARGET_LINKADDR;
    m.opt.nd_opt_len = 1; /* units of 8 bytes */

    struct sockaddr_in6 to = {.sin6_family = AF_INET6, .sin6_scope_id = (uint32_t)ifindex};
    inet_pton(AF_INET6, "ff02::1", &to.sin6_addr);
    /* source = the VIP, on this interface */
    char cbuf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
    memset(cbuf, 0, sizeof(cbuf));
    struct iovec iov = {.iov_base = &m, .iov_len = sizeof(m)};
    struct msghdr mh = {.msg_name = &to,
                        .msg_namelen = sizeof(to),
                        .msg_iov = &iov,
                        .msg_iovlen = 1,
                        .msg_control = cbuf,
                        .msg_controllen = sizeof(cbuf)};
    struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
    c->cmsg_level = IPPROTO_IPV6;
    c->cmsg_type = IPV6_PKTINFO;
    c->cmsg_len = CMSG_LEN(sizeof(struct in6_pktinfo));
    struct in6_pktinfo pi = {.ipi6_ifindex = (unsigned)ifindex};
    memcpy(&pi.ipi6_addr, vip->addr, 16);
    memcpy(CMSG_DATA(c), &pi, sizeof(pi));
    return sendmsg(g->icmp_fd, &mh, 0) < 0 ? -1 : 0;
}

int garp_send(struct garp *g, int ifindex, const struct nl_ifaddr *vip, char *err, size_t errlen)
{
    int rc = vip->family == AF_INET ? send_arp(g, ifindex, vip) : send_na(g, ifindex, vip);
    if (rc < 0) {
        char s[64];
        nl_ifaddr_str(vip, s, sizeof(s));
        snprintf(err, errlen, "%s for %s: %s",
                 vip->family == AF_INET ? "gratuitous ARP" : "unsolicited NA", s, strerror(errno));
        g->failed++;
        return -1;
    }
    g->sent++;
    return 0;
}
