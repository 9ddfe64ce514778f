/* io: see io-int.h. */
#include "vrrp/io-int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define VRRP_TOS 0xc0 /* "network control" precedence, as keepalived sends */

static int setopt(int fd, int level, int name, int val)
{
    return setsockopt(fd, level, name, &val, sizeof(val));
}

static int open_v4(int fd, int ifindex)
{
    struct ip_mreqn mr = {.imr_ifindex = ifindex};
    if (setopt(fd, IPPROTO_IP, IP_TOS, VRRP_TOS) < 0 ||
        setopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, VRRP_TTL) < 0 ||
        setopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, 0) < 0 ||
        setopt(fd, IPPROTO_IP, IP_PKTINFO, 1) < 0 ||
        setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &mr, sizeof(mr)) < 0)
        return -1;
    return 0;
}

static int open_v6(int fd, int ifindex)
{
    if (setopt(fd, IPPROTO_IPV6, IPV6_TCLASS, VRRP_TOS) < 0 ||
        setopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, VRRP_TTL) < 0 ||
        setopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, 0) < 0 ||
        setopt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1) < 0 ||
        setopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1) < 0 ||
        setopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, ifindex) < 0)
        return -1;
    return 0;
}

int vrrp_io_join(int fd, int family, int ifindex, const struct vrrp_addr *group)
{
    if (family == AF_INET) {
        struct ip_mreqn mr = {.imr_ifindex = ifindex};
        memcpy(&mr.imr_multiaddr, group->u.b, 4);
        return setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mr, sizeof(mr));
    }
    struct ipv6_mreq mr = {.ipv6mr_interface = (unsigned)ifindex};
    memcpy(&mr.ipv6mr_multiaddr, group->u.b, 16);
    return setsockopt(fd, IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, &mr, sizeof(mr));
}

int vrrp_io_open(int family, int ifindex, char *err, size_t errlen)
{
    char ifname[IF_NAMESIZE] = "?";
    if_indextoname((unsigned)ifindex, ifname);
    int fd = socket(family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, VRRP_IPPROTO);
    if (fd < 0) {
        snprintf(err, errlen, "raw socket (protocol 112): %s", strerror(errno));
        return -1;
    }
    int rc = setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)strlen(ifname));
    if (rc == 0)
        rc = family == AF_INET ? open_v4(fd, ifindex) : open_v6(fd, ifindex);
    if (rc < 0) {
        snprintf(err, errlen, "VRRP socket on %s: %s", ifname, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

static void read_cmsgs(struct msghdr *mh, struct vrrp_rx *rx)
{
    for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
        if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT) {
            int h;
            memcpy(&h, CMSG_DATA(c), sizeof(h));
            rx->meta.ttl = h;
        } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
            struct in6_pktinfo pi;
            memcpy(&pi, CMSG_DATA(c), sizeof(pi));
            vrrp_addr_set(&rx->meta.dst, AF_INET6, &pi.ipi6_addr);
            rx->ifindex = (int)pi.ipi6_ifindex;
        } else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
            struct in_pktinfo pi;
            memcpy(&pi, CMSG_DATA(c), sizeof(pi));
            rx->ifindex = pi.ipi_ifindex;
        }
    }
}

ssize_t vrrp_io_recv(int fd, int family, uint8_t *buf, size_t cap, struct vrrp_rx *rx)
{
    struct sockaddr_storage from;
    char cbuf[256];
    struct iovec iov = {.iov_base = buf, .iov_len = cap};
    struct msghdr mh = {.msg_name = &from,
                        .msg_namelen = sizeof(from),
                        .msg_iov = &iov,
                        .msg_iovlen = 1,
                        .msg_control = cbuf,
                        .msg_controllen = sizeof(cbuf)};
    memset(rx, 0, sizeof(*rx));
    rx->meta.family = family;
    rx->meta.ttl = -1;
    ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT);
    if (n < 0)
        return -1;
    if (mh.msg_flags & MSG_TRUNC) { /* larger than any valid advert: never parse a part */
        rx->err = VRRP_RX_TRUNCATED;
        return 0;
    }
    read_cmsgs(&mh, rx);
    if (family == AF_INET) {
        struct vrrp_ip4 ip;
        rx->err = vrrp_pkt_ip4_parse(buf, (size_t)n, &ip);
        if (rx->err != VRRP_RX_OK)
            return 0;
        rx->meta.src = ip.src;
        rx->meta.dst = ip.dst;
        rx->meta.ttl = ip.ttl;
        rx->payload = ip.payload;
        rx->len = ip.payload_len;
    } else {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&from;
        vrrp_addr_set(&rx->meta.src, AF_INET6, &s6->sin6_addr);
        rx->payload = buf;
        rx->len = (size_t)n;
    }
    rx->meta.multicast = vrrp_addr_is_multicast(&rx->meta.dst);
    return 0;
}

int vrrp_io_send(int fd, int ifindex, const struct vrrp_addr *src, const struct vrrp_addr *dst,
                 const uint8_t *msg, size_t len, int ttl)
{
    struct sockaddr_storage to;
    union {
        char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
        struct cmsghdr align;
    } cm;
    struct iovec iov = {.iov_base = (void *)msg, .iov_len = len};
    struct msghdr mh = {.msg_name = &to, .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cm.buf};
    memset(&to, 0, sizeof(to));
    memset(&cm, 0, sizeof(cm));
    struct cmsghdr *c = &cm.align;
    if (dst->family == AF_INET) {
        struct sockaddr_in *s4 = (struct sockaddr_in *)&to;
        s4->sin_family = AF_INET;
        memcpy(&s4->sin_addr, dst->u.b, 4);
        mh.msg_namelen = sizeof(*s4);
        struct in_pktinfo pi = {.ipi_ifindex = ifindex};
        memcpy(&pi.ipi_spec_dst, src->u.b, 4);
        c->cmsg_level = IPPROTO_IP;
        c->cmsg_type = IP_PKTINFO;
        c->cmsg_len = CMSG_LEN(sizeof(pi));
        memcpy(CMSG_DATA(c), &pi, sizeof(pi));
        mh.msg_controllen = CMSG_SPACE(sizeof(pi));
        if (!vrrp_addr_is_multicast(dst))
            setopt(fd, IPPROTO_IP, IP_TTL, ttl);
    } else {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&to;
        s6->sin6_family = AF_INET6;
        memcpy(&s6->sin6_addr, dst->u.b, 16);
        s6->sin6_scope_id = (uint32_t)ifindex;
        mh.msg_namelen = sizeof(*s6);
        struct in6_pktinfo pi = {.ipi6_ifindex = (unsigned)ifindex};
        memcpy(&pi.ipi6_addr, src->u.b, 16);
        c->cmsg_level = IPPROTO_IPV6;
        c->cmsg_type = IPV6_PKTINFO;
        c->cmsg_len = CMSG_LEN(sizeof(pi));
        memcpy(CMSG_DATA(c), &pi, sizeof(pi));
        mh.msg_controllen = CMSG_SPACE(sizeof(pi));
        if (!vrrp_addr_is_multicast(dst))
            setopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, ttl);
    }
    ssize_t n = sendmsg(fd, &mh, 0);
    return n == (ssize_t)len ? 0 : -1;
}
