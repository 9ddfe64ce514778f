/* track link: see link.h. */
#include "track/link-int.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

#include "log.h"

#define MON_RCVBUF       (1 << 20)
#define MAX_READS_PER_CB 64

int track_link_flags_up(unsigned flags)
{
    return (flags & (IFF_UP | IFF_RUNNING)) == (IFF_UP | IFF_RUNNING);
}

/* One parsed RTM_NEWLINK / RTM_DELLINK. */
struct link_msg {
    int type;
    int ifindex;
    unsigned flags;
    const char *name; /* NULL when the message has no IFLA_IFNAME */
};

static int on_attr(const struct nlattr *a, void *data)
{
    struct link_msg *m = data;
    if (mnl_attr_get_type(a) == IFLA_IFNAME && mnl_attr_validate(a, MNL_TYPE_NUL_STRING) >= 0)
        m->name = mnl_attr_get_str(a);
    return MNL_CB_OK;
}

static int parse_link(const struct nlmsghdr *nlh, struct link_msg *m)
{
    if ((nlh->nlmsg_type != RTM_NEWLINK && nlh->nlmsg_type != RTM_DELLINK) ||
        mnl_nlmsg_get_payload_len(nlh) < sizeof(struct ifinfomsg))
        return -1;
    const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
    m->type = nlh->nlmsg_type;
    m->ifindex = ifi->ifi_index;
    m->flags = ifi->ifi_flags;
    m->name = NULL;
    mnl_attr_parse(nlh, sizeof(*ifi), on_attr, m);
    return 0;
}

static const char *why_down(const struct track_link *l)
{
    if (!l->present)
        return "absent";
    if (!(l->flags & IFF_UP))
        return "administratively down";
    return "no carrier";
}

/* Set a link's state; log and flag a change of its verdict. */
static int link_set(struct track_link *l, int present, int ifindex, unsigned flags,
                    const char *event)
{
    int up = present && track_link_flags_up(flags);
    l->present = present;
    l->ifindex = present ? ifindex : 0;
    l->flags = present ? flags : 0;
    if (up == l->up)
        return 0;
    l->up = up;
    l->changes++;
    if (up)
        log_info("track", l->name, "link down -> up (ifindex %d)", ifindex);
    else
        log_info("track", l->name, "link up -> down: %s", event ? event : why_down(l));
    return 1;
}

/* Apply one message to every watched name. Returns 1 if a verdict changed. */
static int link_apply(struct track_links *L, const struct link_msg *m)
{
    int changed = 0;
    for (size_t i = 0; i < L->n; i++) {
        struct track_link *l = &L->v[i];
        int named = m->name && strcmp(l->name, m->name) == 0;
        int same_index = l->present && l->ifindex == m->ifindex;
        if (m->type == RTM_DELLINK) {
            if (named || same_index)
                changed |= link_set(l, 0, 0, 0, "removed");
        } else if (named || (!m->name && same_index)) {
            changed |= link_set(l, 1, m->ifindex, m->flags, NULL);
        } else if (same_index) {
            changed |= link_set(l, 0, 0, 0, "renamed");
        }
    }
    return changed;
}

/* ---- the synchronous query ---- */

struct get_res {
    int found;
    int ifindex;
    unsigned flags;
};

static int on_get_msg(const struct nlmsghdr *nlh, void *data)
{
    struct get_res *r = data;
    struct link_msg m;
    if (parse_link(nlh, &m) == 0 && m.type == RTM_NEWLINK) {
        r->found = 1;
        r->ifindex = m.ifindex;
        r->flags = m.flags;
    }
    return MNL_CB_OK;
}

/* RTM_GETLINK by name. Returns 0 (r->found says whether it exists), or -1
 * with errno for a failure other than "no such device". */
static int link_get(struct track_links *L, const char *name, struct get_res *r)
{
    char *buf = L->buf;
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = RTM_GETLINK;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
    uint32_t seq = nlh->nlmsg_seq = ++L->seq;
    struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
    ifi->ifi_family = AF_UNSPEC;
    mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
    mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
    memset(r, 0, sizeof(*r));
    if (mnl_socket_sendto(L->req, nlh, nlh->nlmsg_len) < 0)
        return -1;
    for (;;) {
        ssize_t n = mnl_socket_recvfrom(L->req, buf, TRACK_LINK_BUF);
        if (n < 0)
            return -1;
        int rc = mnl_cb_run(buf, (size_t)n, seq, L->req_portid, on_get_msg, r);
        if (rc == MNL_CB_ERROR)
            return errno == ENODEV ? 0 : -1;
        if (rc == MNL_CB_STOP)
            return 0;
    }
}

/* Re-read every watched name (after an overrun lost events). */
static int links_resync(struct track_links *L)
{
    int changed = 0;
    for (size_t i = 0; i < L->n; i++) {
        struct get_res r;
        if (link_get(L, L->v[i].name, &r) < 0) {
            log_warn("track", L->v[i].name, "link query failed: %s", strerror(errno));
            continue;
        }
        changed |= link_set(&L->v[i], r.found, r.ifindex, r.flags, r.found ? NULL : "absent");
    }
    return changed;
}

static void on_mon(struct ev_loop *loop, struct ev_io *io, uint32_t events)
{
    struct track_links *L = io->arg;
    int changed = 0, resync = 0;
    for (int i = 0; i < MAX_READS_PER_CB; i++) {
        ssize_t n = mnl_socket_recvfrom(L->mon, L->buf, TRACK_LINK_BUF);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == ENOBUFS) {
                L->overruns++;
                resync = 1;
                continue;
            }
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                log_warn("track", NULL, "link monitor: %s", strerror(errno));
            break;
        }
        const struct nlmsghdr *nlh = (const struct nlmsghdr *)L->buf;
        int len = (int)n;
        for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
            struct link_msg m;
            if (parse_link(nlh, &m) == 0)
                changed |= link_apply(L, &m);
        }
    }
    if (resync) {
        log_warn("track", NULL, "link monitor overrun: re-reading %zu links", L->n);
        changed |= links_resync(L);
    }
    if (changed && L->cb)
        L->cb(L->arg);
}

static struct mnl_socket *sock_open(int flags, unsigned groups, char *err, size_t errlen)
{
    struct mnl_socket *s = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC | flags);
    if (!s || mnl_socket_bind(s, groups, MNL_SOCKET_AUTOPID) < 0) {
        snprintf(err, errlen, "netlink: %s", strerror(errno));
        if (s)
            mnl_socket_close(s);
        return NULL;
    }
    return s;
}

int track_links_open(struct track_links *L, struct ev_loop *loop, track_links_cb cb, void *arg,
                     char *err, size_t errlen)
{
    memset(L, 0, sizeof(*L));
    L->loop = loop;
    L->cb = cb;
    L->arg = arg;
    L->seq = (uint32_t)time(NULL);
    L->buf = malloc(TRACK_LINK_BUF);
    if (!L->buf) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    L->mon = sock_open(SOCK_NONBLOCK, RTMGRP_LINK, err, errlen);
    L->req = L->mon ? sock_open(0, 0, err, errlen) : NULL;
    if (!L->req)
        goto fail;
    L->req_portid = mnl_socket_get_portid(L->req);
    int sz = MON_RCVBUF;
    setsockopt(mnl_socket_get_fd(L->mon), SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
    struct timeval tv = {.tv_sec = 1};
    setsockopt(mnl_socket_get_fd(L->req), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    if (ev_io_start(loop, &L->io, mnl_socket_get_fd(L->mon), EPOLLIN, on_mon, L) < 0) {
        snprintf(err, errlen, "link monitor: %s", strerror(errno));
        goto fail;
    }
    return 0;
fail:
    track_links_close(L);
    return -1;
}

void track_links_close(struct track_links *L)
{
    if (L->loop)
        ev_io_stop(L->loop, &L->io);
    if (L->mon)
        mnl_socket_close(L->mon);
    if (L->req)
        mnl_socket_close(L->req);
    free(L->v);
    free(L->buf);
    memset(L, 0, sizeof(*L));
}

int track_links_up(struct track_links *L, const char *name)
{
    for (size_t i = 0; i < L->n; i++)
        if (strcmp(L->v[i].name, name) == 0)
            return L->v[i].up;
    if (strlen(name) >= IF_NAMESIZE || !L->req)
        return 0;
    if (L->n == L->cap) {
        size_t cap = L->cap ? 2 * L->cap : 8;
        struct track_link *v = realloc(L->v, cap * sizeof(*v));
        if (!v)
            return 0;
        L->v = v;
        L->cap = cap;
    }
    struct track_link *l = &L->v[L->n++];
    memset(l, 0, sizeof(*l));
    snprintf(l->name, sizeof(l->name), "%s", name);
    struct get_res r;
    if (link_get(L, name, &r) < 0) {
        log_warn("track", name, "link query failed: %s (watching for changes)", strerror(errno));
        return 0;
    }
    l->present = r.found;
    l->ifindex = r.found ? r.ifindex : 0;
    l->flags = r.found ? r.flags : 0;
    l->up = r.found && track_link_flags_up(r.flags);
    log_debug("track", name, "watching link: %s", l->up ? "up" : why_down(l));
    return l->up;
}

void track_links_json(const struct track_links *L, struct sbuf *out)
{
    sbuf_puts(out, "[");
    for (size_t i = 0; i < L->n; i++) {
        const struct track_link *l = &L->v[i];
        sbuf_puts(out, i ? ",{\"name\":" : "{\"name\":");
        sbuf_json_str(out, l->name);
        sbuf_printf(out,
                    ",\"state\":\"%s\",\"present\":%s,\"ifindex\":%d,\"flags\":%u,"
                    "\"changes\":%llu}",
                    l->up ? "up" : "down", l->present ? "true" : "false", l->ifindex, l->flags,
                    (unsigned long long)l->changes);
    }
    sbuf_puts(out, "]");
}
