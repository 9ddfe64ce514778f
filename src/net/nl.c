/* nl: see nl.h. */
#include "net/net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* MNL_SOCKET_BUFFER_SIZE is a run-time value (a VLA); this is its usual
 * size, large enough for one dump batch. */
#define NL_BUF 8192

int nl_open(struct nl *nl, char *err, size_t errlen)
{
    memset(nl, 0, sizeof(*nl));
    nl->sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
    if (!nl->sock || mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
        snprintf(err, errlen, "netlink: %s", strerror(errno));
        if (nl->sock)
            mnl_socket_close(nl->sock);
        nl->sock = NULL;
        return -1;
    }
    nl->portid = mnl_socket_get_portid(nl->sock);
    nl->seq = (uint32_t)time(NULL);
    return 0;
}

void nl_close(struct nl *nl)
{
    if (nl->sock)
        mnl_socket_close(nl->sock);
    nl->sock = NULL;
}

void nl_ifaddr_str(const struct nl_ifaddr *a, char *buf, size_t len)
{
    char ip[INET6_ADDRSTRLEN];
    inet_ntop(a->family, a->addr, ip, sizeof(ip));
    snprintf(buf, len, "%s/%u", ip, a->prefix);
}

/* Send nlh and read replies until the ack (or DONE for dumps), calling cb
 * for data messages. Returns 0, or -1 with errno from the kernel's ack. */
static int transact(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *arg)
{
    char buf[NL_BUF];
    uint32_t seq = nlh->nlmsg_seq = ++nl->seq;
    if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
        return -1;
    for (;;) {
        ssize_t n = mnl_socket_recvfrom(nl->sock, buf, sizeof(buf));
        if (n < 0)
            return -1;
        int rc = mnl_cb_run(buf, (size_t)n, seq, nl->portid, cb, arg);
        if (rc <= MNL_CB_STOP)
            return rc == MNL_CB_ERROR ? -1 : 0;
    }
}

static struct nlmsghdr *addr_msg(char *buf, uint16_t type, uint16_t flags, int ifindex,
                                 const struct nl_ifaddr *a)
{
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = type;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
    struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
    ifa->ifa_family = (unsigned char)a->family;
    ifa->ifa_prefixlen = (unsigned char)a->prefix;
    ifa->ifa_scope = RT_SCOPE_UNIVERSE;
    ifa->ifa_index = (unsigned)ifindex;
    size_t alen = a->family == AF_INET ? 4 : 16;
    mnl_attr_put(nlh, IFA_LOCAL, alen, a->addr);
    mnl_attr_put(nlh, IFA_ADDRESS, alen, a->addr);
    return nlh;
}

static int fail(const char *what, const struct nl_ifaddr *a, char *err, size_t errlen)
{
    char s[64];
    nl_ifaddr_str(a, s, sizeof(s));
    snprintf(err, errlen, "%s %s: %s", what, s, strerror(errno));
    return -1;
}

int nl_addr_set(struct nl *nl, int ifindex, const struct nl_ifaddr *a, uint32_t lifetime_s,
                const char *label, char *err, size_t errlen)
{
    char buf[NL_BUF];
    struct nlmsghdr *nlh = addr_msg(buf, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE, ifindex, a);
    uint32_t flags = a->family == AF_INET6 ? IFA_F_NODAD : 0;
    mnl_attr_put_u32(nlh, IFA_FLAGS, flags);
    if (label && *label && a->family == AF_INET)
        mnl_attr_put_strz(nlh, IFA_LABEL, label);
    if (lifetime_s != NL_LIFETIME_FOREVER) {
        struct ifa_cacheinfo ci = {.ifa_prefered = lifetime_s, .ifa_valid = lifetime_s};
        mnl_attr_put(nlh, IFA_CACHEINFO, sizeof(ci), &ci);
    }
    if (transact(nl, nlh, NULL, NULL) < 0)
        return fail("add", a, err, errlen);
    return 0;
}

int nl_addr_del(struct nl *nl, int ifindex, const struct nl_ifaddr *a, char *err, size_t errlen)
{
    char buf[NL_BUF];
    struct nlmsghdr *nlh = addr_msg(buf, RTM_DELADDR, 0, ifindex, a);
    if (transact(nl, nlh, NULL, NULL) < 0 && errno != EADDRNOTAVAIL && errno != ENODEV)
        return fail("remove", a, err, errlen);
    return 0;
}

struct dump_ctx {
    int ifindex;
    nl_addr_cb cb;
    void *arg;
};

static int on_addr(const struct nlmsghdr *nlh, void *data)
{
    struct dump_ctx *d = data;
    const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
    if (d->ifindex && (int)ifa->ifa_index != d->ifindex)
        return MNL_CB_OK;
    struct nl_addr_info info;
    memset(&info, 0, sizeof(info));
    info.a.family = ifa->ifa_family;
    info.a.prefix = ifa->ifa_prefixlen;
    info.ifindex = (int)ifa->ifa_index;
    info.flags = ifa->ifa_flags;
    info.valid_lft = NL_LIFETIME_FOREVER;
    int have_local = 0;
    const struct nlattr *at;
    mnl_attr_for_each(at, nlh, sizeof(*ifa))
    {
        uint16_t t = mnl_attr_get_type(at);
        size_t alen = ifa->ifa_family == AF_INET ? 4 : 16;
        if ((t == IFA_LOCAL || (t == IFA_ADDRESS && !have_local)) &&
            mnl_attr_get_payload_len(at) == alen) {
            memcpy(info.a.addr, mnl_attr_get_payload(at), alen);
            have_local |= t == IFA_LOCAL;
        } else if (t == IFA_FLAGS && mnl_attr_get_payload_len(at) == 4) {
            info.flags = mnl_attr_get_u32(at);
        } else if (t == IFA_CACHEINFO &&
                   mnl_attr_get_payload_len(at) >= sizeof(struct ifa_cacheinfo)) {
            const struct ifa_cacheinfo *ci = mnl_attr_get_payload(at);
            info.valid_lft = ci->ifa_valid;
        } else if (t == IFA_LABEL) {
            snprintf(info.label, sizeof(info.label), "%s", mnl_attr_get_str(at));
        }
    }
    d->cb(&info, d->arg);
    return MNL_CB_OK;
}

int nl_addr_dump(struct nl *nl, int ifindex, int family, nl_addr_cb cb, void *arg, char *err,
                 size_t errlen)
{
    char buf[NL_BUF];
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = RTM_GETADDR;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
    ifa->ifa_family = (unsigned char)family;
    struct dump_ctx d = {.ifindex = ifindex, .cb = cb, .arg = arg};
    if (transact(nl, nlh, on_addr, &d) < 0) {
        snprintf(err, errlen, "list addresses: %s", strerror(errno));
        return -1;
    }
    return 0;
}
