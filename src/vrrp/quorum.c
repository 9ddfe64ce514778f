/* quorum: the heartbeat on the wire and its effect (`quorum on`).
 *
 * The engine owns one UDP socket per address family, bound to the
 * wildcard address and global quorum_port, opened while an instance has
 * quorum on. Every half advert interval each such instance rotates its
 * nonce, sends one heartbeat (hb.h) to each unicast peer from its advert
 * source, and re-evaluates which peers it sees (a fresh heartbeat within
 * two advert intervals). Whether it sees a majority is one row of its
 * priority inputs (weight 0: without a majority the instance is in
 * FAULT), so it releases the VIP within one master-down interval of losing
 * the majority, and a backup without one never becomes master.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "vrrp/vrrp-int.h"

static uint64_t random64(void)
{
    uint64_t r = 0;
    if (getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r))
        r = ev_clock_ns() ^ ((uint64_t)getpid() << 32);
    return r;
}

static const uint8_t *key_of(const struct vrrp *v, size_t *len)
{
    const char *k = v->cfg->global.quorum_key;
    *len = k ? strlen(k) : 0;
    return (const uint8_t *)k;
}

static uint64_t period_ms(const struct vrrp_inst *in)
{
    uint64_t p = in->c->advert_int_ms / 2;
    return p < 10 ? 10 : p;
}

/* ---- receiving ---- */

static void from_sockaddr(const struct sockaddr_storage *ss, struct vrrp_addr *a)
{
    memset(a, 0, sizeof(*a));
    if (ss->ss_family == AF_INET) {
        vrrp_addr_set(a, AF_INET, &((const struct sockaddr_in *)ss)->sin_addr);
    } else if (ss->ss_family == AF_INET6) {
        const struct in6_addr *x = &((const struct sockaddr_in6 *)ss)->sin6_addr;
        if (IN6_IS_ADDR_V4MAPPED(x))
            vrrp_addr_set(a, AF_INET, &x->s6_addr[12]);
        else
            vrrp_addr_set(a, AF_INET6, x);
    }
}

static struct vrrp_inst *find_instance(struct vrrp *v, const struct vrrp_hb *m)
{
    for (size_t i = 0; i < v->ninsts; i++) {
        struct vrrp_inst *in = v->insts[i];
        if (in->q && in->c->vrid == m->vrid && !strcmp(in->name, m->name))
            return in;
    }
    return NULL;
}

static void hb_drop(struct vrrp *v, struct vrrp_inst *in, enum vrrp_hb_err e,
                    const struct vrrp_addr *src)
{
    char s[INET6_ADDRSTRLEN];
    if (in)
        in->q->drops[e]++;
    else
        v->hb_drops[e]++;
    /* a stale heartbeat is how every first contact looks: not worth a line */
    if (e == VRRP_HB_STALE)
        return;
    log_rl(in ? &in->q->rl : &v->hb_rl, ev_now(v->loop) / NS_PER_MS, LOG_WARN, "vrrp",
           in ? in->name : NULL, "dropped quorum heartbeat from %s: %s",
           vrrp_addr_str(src, s, sizeof(s)), vrrp_hb_err_str(e));
}

/* The slot of the peer at src, or -1 when it is not one. With
 * cluster_size, an address not known yet takes a free slot, or the slot of
 * a learnt peer unseen for a long while (a replaced node); it is logged. */
static long peer_slot(struct vrrp_inst *in, const struct vrrp_addr *src)
{
    struct vrrp_quorum *q = in->q;
    uint64_t now_ms = ev_now(in->v->loop) / NS_PER_MS, stale_ms = 20 * in->c->advert_int_ms;
    char a[INET6_ADDRSTRLEN];
    for (size_t i = 0; i < q->nknown; i++)
        if (vrrp_addr_eq(&q->addrs[i], src))
            return (long)i;
    if (!q->mcast || src->family != in->c->family)
        return -1;
    size_t slot = q->nknown;
    for (size_t i = 0; slot == q->n && i < q->nknown; i++) {
        const struct vrrp_hb_peer *p = &q->peers[i];
        if (!p->seen && (!p->last_fresh_ms || now_ms - p->last_fresh_ms > stale_ms))
            slot = i;
    }
    if (slot == q->n)
        return -1;
    log_info("vrrp", in->name, "quorum: %s joins the group as node %zu of %zu%s",
             vrrp_addr_str(src, a, sizeof(a)), slot + 2, q->n + 1,
             slot < q->nknown ? " (in place of a node unseen for a while)" : "");
    q->addrs[slot] = *src;
    memset(&q->peers[slot], 0, sizeof(q->peers[slot]));
    if (slot == q->nknown)
        q->nknown++;
    return (long)slot;
}

static void hb_take(struct vrrp *v, const uint8_t *buf, size_t len, const struct vrrp_addr *src)
{
    size_t klen;
    const uint8_t *key = key_of(v, &klen);
    struct vrrp_hb m;
    enum vrrp_hb_err e = vrrp_hb_decode(buf, len, key, klen, &m);
    struct vrrp_inst *in = e == VRRP_HB_OK ? find_instance(v, &m) : NULL;
    if (e == VRRP_HB_OK && !in)
        e = VRRP_HB_UNKNOWN_INSTANCE;
    if (e != VRRP_HB_OK) {
        hb_drop(v, NULL, e, src);
        return;
    }
    struct vrrp_quorum *q = in->q;
    if (m.boot == q->self.boot)
        return; /* our own announcement, looped back */
    long i = peer_slot(in, src);
    if (i < 0) {
        hb_drop(v, in, VRRP_HB_UNKNOWN_PEER, src);
        return;
    }
    if (m.announce) {
        vrrp_hb_take_announce(&q->peers[i], &m);
        q->announces++;
        return;
    }
    e = vrrp_hb_take(&q->self, &q->peers[i], &m, ev_now(v->loop) / NS_PER_MS);
    if (e != VRRP_HB_OK) {
        hb_drop(v, in, e, src);
        return;
    }
    in->q->received++;
}

static void on_hb_readable(struct ev_loop *loop, struct ev_io *io, uint32_t events)
{
    struct vrrp *v = io->arg;
    uint8_t buf[(VRRP_TP_MAX > VRRP_HB_MAX ? VRRP_TP_MAX : VRRP_HB_MAX) + 1];
    for (int n = 0; n < 64; n++) {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof(ss);
        ssize_t r = recvfrom(io->fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&ss, &sl);
        if (r < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                log_rl(&v->hb_rl, ev_now(loop) / NS_PER_MS, LOG_WARN, "vrrp", NULL,
                       "quorum socket: %s", strerror(errno));
            return;
        }
        struct vrrp_addr src;
        from_sockaddr(&ss, &src);
        if (r >= 4 && !memcmp(buf, "HPT1", 4))
            vrrp_freset_rx(v, buf, (size_t)r, &src); /* failover_reset (freset.c) */
        else
            hb_take(v, buf, (size_t)r, &src);
    }
}

/* ---- the engine's sockets ---- */

static int open_one(struct vrrp *v, int family, char *err, size_t errlen)
{
    int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    struct sockaddr_storage ss = {0};
    socklen_t sl;
    if (family == AF_INET) {
        struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
        s4->sin_family = AF_INET;
        s4->sin_port = htons((uint16_t)v->hb_port);
        sl = sizeof(*s4);
    } else {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons((uint16_t)v->hb_port);
        sl = sizeof(*s6);
    }
    if (fd < 0 ||
        (family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0) ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
        bind(fd, (struct sockaddr *)&ss, sl) < 0) {
        snprintf(err, errlen, "quorum heartbeat socket (UDP port %u, %s): %s", v->hb_port,
                 family == AF_INET ? "IPv4" : "IPv6", strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    /* failover_reset's full syncs come in bursts: room for thousands of
     * connections (root may exceed the sysctl limits; best effort) */
    int big = 4 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
    setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof(big));
    struct ev_io *io = family == AF_INET ? &v->hb_io4 : &v->hb_io6;
    if (ev_io_start(v->loop, io, fd, EPOLLIN, on_hb_readable, v) < 0) {
        snprintf(err, errlen, "watch the quorum socket: %s", strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

static void close_one(struct vrrp *v, int *fd, struct ev_io *io)
{
    if (*fd < 0)
        return;
    ev_io_stop(v->loop, io);
    close(*fd);
    *fd = -1;
}

static void close_sockets(struct vrrp *v)
{
    close_one(v, &v->hb_fd4, &v->hb_io4);
    close_one(v, &v->hb_fd6, &v->hb_io6);
}

int vrrp_quorum_sockets(struct vrrp *v, const struct cfg *cfg, char *err, size_t errlen)
{
    bool want4 = false, want6 = false;
    for (size_t i = 0; i < cfg->ninstances; i++) {
        const struct cfg_vrrp_instance *c = &cfg->instances[i];
        if (c->quorum || cfg_failover_reset_active(cfg, c)) {
            want4 |= c->family == AF_INET;
            want6 |= c->family == AF_INET6;
        }
    }
    if (v->hb_port != cfg->global.quorum_port)
        close_sockets(v);
    v->hb_port = cfg->global.quorum_port;
    v->hb_rl = (struct log_ratelimit){.interval_ms = 10000, .burst = 5};
    if (want4 && v->hb_fd4 < 0 && (v->hb_fd4 = open_one(v, AF_INET, err, errlen)) < 0)
        return -1;
    if (want6 && v->hb_fd6 < 0 && (v->hb_fd6 = open_one(v, AF_INET6, err, errlen)) < 0)
        return -1;
    if (!want4)
        close_one(v, &v->hb_fd4, &v->hb_io4);
    if (!want6)
        close_one(v, &v->hb_fd6, &v->hb_io6);
    return 0;
}

void vrrp_quorum_close(struct vrrp *v)
{
    close_sockets(v);
}

/* ---- sending, and what it means ---- */

/* Send buf to dst from src (when set): peers know this node by its advert
 * source, and left to itself the kernel may pick the VIP (an IPv6 VIP on
 * the same /64 is chosen as soon as it is installed). */
static ssize_t send_from(int fd, const uint8_t *buf, size_t n, const struct sockaddr *to,
                         socklen_t tolen, const struct vrrp_addr *src, int ifindex)
{
    struct iovec iov = {.iov_base = (void *)buf, .iov_len = n};
    union {
        char b[CMSG_SPACE(sizeof(struct in6_pktinfo))];
        struct cmsghdr align;
    } cb;
    struct msghdr mh = {
        .msg_name = (void *)to, .msg_namelen = tolen, .msg_iov = &iov, .msg_iovlen = 1};
    struct in_pktinfo pi4 = {0};
    struct in6_pktinfo pi6 = {0};
    const void *pi = NULL;
    size_t len = 0;
    int level = 0, type = 0;
    if (to->sa_family == AF_INET && (src->family == AF_INET || ifindex)) {
        if (src->family == AF_INET)
            memcpy(&pi4.ipi_spec_dst, src->u.b, 4);
        pi4.ipi_ifindex = ifindex;
        pi = &pi4, len = sizeof(pi4), level = IPPROTO_IP, type = IP_PKTINFO;
    } else if (to->sa_family == AF_INET6 && (src->family == AF_INET6 || ifindex)) {
        if (src->family == AF_INET6)
            memcpy(&pi6.ipi6_addr, src->u.b, 16);
        pi6.ipi6_ifindex = (unsigned)ifindex;
        pi = &pi6, len = sizeof(pi6), level = IPPROTO_IPV6, type = IPV6_PKTINFO;
    }
    if (pi) {
        memset(&cb, 0, sizeof(cb));
        mh.msg_control = cb.b;
        mh.msg_controllen = CMSG_SPACE(len);
        struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
        c->cmsg_level = level;
        c->cmsg_type = type;
        c->cmsg_len = CMSG_LEN(len);
        memcpy(CMSG_DATA(c), pi, len);
    }
    return sendmsg(fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
}

ssize_t vrrp_hb_send(struct vrrp *v, int fd, const uint8_t *buf, size_t len,
                     const struct vrrp_addr *dst, const struct vrrp_inst *in, int ifindex)
{
    struct sockaddr_storage ss = {0};
    socklen_t sl;
    if (dst->family == AF_INET) {
        struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
        s4->sin_family = AF_INET;
        s4->sin_port = htons((uint16_t)v->hb_port);
        memcpy(&s4->sin_addr, dst->u.b, 4);
        sl = sizeof(*s4);
    } else {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons((uint16_t)v->hb_port);
        memcpy(&s6->sin6_addr, dst->u.b, 16);
        if (IN6_IS_ADDR_LINKLOCAL(&s6->sin6_addr)) /* a learnt peer: on our link */
            s6->sin6_scope_id = (uint32_t)in->ifindex;
        sl = sizeof(*s6);
    }
    return send_from(fd, buf, len, (struct sockaddr *)&ss, sl, &in->src, ifindex);
}

/* Encode m and send it to dst (ifindex: the interface for a multicast
 * destination, else 0). */
static void send_hb(struct vrrp_inst *in, const struct vrrp_hb *m, const struct vrrp_addr *dst,
                    int ifindex)
{
    struct vrrp *v = in->v;
    uint8_t buf[VRRP_HB_MAX];
    size_t klen;
    const uint8_t *key = key_of(v, &klen);
    size_t n = vrrp_hb_encode(m, key, klen, buf, sizeof(buf));
    int fd = dst->family == AF_INET ? v->hb_fd4 : v->hb_fd6;
    if (n && fd >= 0 && vrrp_hb_send(v, fd, buf, n, dst, in, ifindex) == (ssize_t)n) {
        in->q->sent++;
        return;
    }
    char d[INET6_ADDRSTRLEN];
    in->q->send_errors++;
    log_rl(&in->q->rl, ev_now(v->loop) / NS_PER_MS, LOG_WARN, "vrrp", in->name,
           "quorum heartbeat to %s not sent: %s", vrrp_addr_str(dst, d, sizeof(d)),
           fd < 0 ? "no socket" : strerror(errno));
}

static void send_one(struct vrrp_inst *in, size_t i)
{
    struct vrrp_hb m;
    vrrp_hb_make(&in->q->self, &in->q->peers[i], in->c->vrid, in->name, &m);
    send_hb(in, &m, &in->q->addrs[i], 0);
}

/* cluster_size: the VRRP group address of the instance's family. */
static void group_of(const struct vrrp_inst *in, struct vrrp_addr *g)
{
    const struct cfg_addr *c = in->c->family == AF_INET ? &in->v->cfg->global.mcast_group4
                                                        : &in->v->cfg->global.mcast_group6;
    vrrp_addr_from_cfg(g, c);
}

/* Join (or leave, join 0) the VRRP group on ifindex with the heartbeat
 * socket of the instance's family. */
static int group_join(struct vrrp_inst *in, int ifindex, int join)
{
    struct vrrp_addr g;
    group_of(in, &g);
    if (in->c->family == AF_INET) {
        struct ip_mreqn mr = {.imr_ifindex = ifindex};
        memcpy(&mr.imr_multiaddr, g.u.b, 4);
        return setsockopt(in->v->hb_fd4, IPPROTO_IP, join ? IP_ADD_MEMBERSHIP : IP_DROP_MEMBERSHIP,
                          &mr, sizeof(mr));
    }
    struct ipv6_mreq mr = {.ipv6mr_interface = (unsigned)ifindex};
    memcpy(&mr.ipv6mr_multiaddr, g.u.b, 16);
    return setsockopt(in->v->hb_fd6, IPPROTO_IPV6, join ? IPV6_JOIN_GROUP : IPV6_LEAVE_GROUP, &mr,
                      sizeof(mr));
}

static void group_leave(struct vrrp_inst *in)
{
    if (in->q->joined_ifindex)
        group_join(in, in->q->joined_ifindex, 0);
    in->q->joined_ifindex = 0;
}

/* cluster_size: say who we are to the group on the instance's interface
 * (joining it first, again when the interface changed), so that the
 * others learn this node; they then exchange unicast heartbeats with it. */
static void announce(struct vrrp_inst *in)
{
    struct vrrp_quorum *q = in->q;
    char e[64];
    if (!in->ifindex)
        return; /* waiting for the interface */
    if (q->joined_ifindex != in->ifindex) {
        group_leave(in);
        if (group_join(in, in->ifindex, 1) < 0) {
            snprintf(e, sizeof(e), "%s", strerror(errno));
            log_rl(&q->rl, ev_now(in->v->loop) / NS_PER_MS, LOG_WARN, "vrrp", in->name,
                   "quorum: joining the VRRP group on %s: %s", in->c->interface, e);
            return;
        }
        q->joined_ifindex = in->ifindex;
    }
    struct vrrp_hb m = {.announce = true,
                        .vrid = in->c->vrid,
                        .boot = q->self.boot,
                        .seq = 0,
                        .nonce = q->self.nonces[0]};
    strncpy(m.name, in->name, VRRP_HB_NAME);
    struct vrrp_addr g;
    group_of(in, &g);
    send_hb(in, &m, &g, in->ifindex);
}

/* Which peers are seen now; a change of majority is logged with the
 * count and fed to the instance's inputs. */
static void evaluate(struct vrrp_inst *in, uint64_t now_ms)
{
    struct vrrp_quorum *q = in->q;
    size_t n = q->n;
    q->nseen = vrrp_hb_evaluate(q->peers, q->nknown, now_ms, 2 * in->c->advert_int_ms);
    bool maj = vrrp_hb_majority(q->nseen, n);
    if (maj == q->majority)
        return;
    q->majority = maj;
    q->since_ms = now_ms;
    q->changes++;
    log_info("vrrp", in->name, "quorum %s: %zu of %zu nodes seen (this one included), %zu needed",
             maj ? "gained" : "lost", q->nseen + 1, n + 1, (n + 1) / 2 + 1);
    vrrp_inst_retrack(in);
}

static void on_hb_timer(struct ev_loop *loop, struct ev_timer *t)
{
    struct vrrp_inst *in = t->arg;
    vrrp_hb_rotate(&in->q->self, random64());
    for (size_t i = 0; i < in->q->nknown; i++)
        send_one(in, i);
    if (in->q->mcast)
        announce(in);
    evaluate(in, ev_now(loop) / NS_PER_MS);
    ev_timer_start(loop, t, period_ms(in) * NS_PER_MS, on_hb_timer, in);
}

int vrrp_quorum_start(struct vrrp_inst *in)
{
    if (!in->c->quorum || in->q)
        return 0;
    struct vrrp_quorum *q = calloc(1, sizeof(*q));
    size_t n = in->c->npeers ? in->c->npeers : in->c->cluster_size - 1;
    struct vrrp_hb_peer *p = calloc(n ? n : 1, sizeof(*p));
    struct vrrp_addr *a = calloc(n ? n : 1, sizeof(*a));
    if (!q || !p || !a) {
        free(q), free(p), free(a);
        return -1;
    }
    q->peers = p;
    q->addrs = a;
    q->n = n;
    q->mcast = !in->c->npeers;
    for (size_t i = 0; !q->mcast && i < n; i++)
        q->addrs[q->nknown++] = in->peers[i];
    q->self.boot = random64();
    q->rl = (struct log_ratelimit){.interval_ms = 10000, .burst = 5};
    vrrp_hb_rotate(&q->self, random64());
    in->q = q;
    q->t_hb.arg = in;
    on_hb_timer(in->v->loop, &q->t_hb);
    return 0;
}

void vrrp_quorum_stop(struct vrrp_inst *in)
{
    if (!in->q)
        return;
    ev_timer_stop(in->v->loop, &in->q->t_hb);
    group_leave(in);
    free(in->q->addrs);
    free(in->q->peers);
    free(in->q);
    in->q = NULL;
}

void vrrp_quorum_json(const struct vrrp_inst *in, struct sbuf *b)
{
    const struct vrrp_quorum *q = in->q;
    uint64_t now_ms = ev_now(in->v->loop) / NS_PER_MS;
    char a[INET6_ADDRSTRLEN];
    if (!q) {
        sbuf_puts(b, "null");
        return;
    }
    sbuf_printf(b,
                "{\"majority\":%s,\"nodes\":%zu,\"seen\":%zu,\"needed\":%zu,\"since_s\":%.3f,"
                "\"sent\":%llu,\"received\":%llu,\"send_errors\":%llu,\"peers\":[",
                q->majority ? "true" : "false", q->n + 1, q->nseen + 1, (q->n + 1) / 2 + 1,
                q->since_ms ? (now_ms - q->since_ms) / 1e3 : -1.0, (unsigned long long)q->sent,
                (unsigned long long)q->received, (unsigned long long)q->send_errors);
    for (size_t i = 0; i < q->nknown; i++) {
        const struct vrrp_hb_peer *p = &q->peers[i];
        sbuf_printf(b, "%s{\"address\":\"%s\",\"seen\":%s,\"since_s\":", i ? "," : "",
                    vrrp_addr_str(&q->addrs[i], a, sizeof(a)), p->seen ? "true" : "false");
        if (p->since_ms)
            sbuf_printf(b, "%.3f", (now_ms - p->since_ms) / 1e3);
        else
            sbuf_puts(b, "null");
        sbuf_puts(b, "}");
    }
    sbuf_printf(b, "],\"mode\":\"%s\",\"announces\":%llu,\"drops\":",
                q->mcast ? "multicast" : "unicast", (unsigned long long)q->announces);
    vrrp_quorum_drops_json(q->drops, b);
    sbuf_puts(b, "}");
}

void vrrp_quorum_drops_json(const uint64_t *drops, struct sbuf *b)
{
    int first = 1;
    sbuf_puts(b, "{");
    for (int e = 1; e < VRRP_HB_ERR_COUNT; e++) {
        if (!drops[e])
            continue;
        sbuf_printf(b, "%s\"%s\":%llu", first ? "" : ",", vrrp_hb_err_str((enum vrrp_hb_err)e),
                    (unsigned long long)drops[e]);
        first = 0;
    }
    sbuf_puts(b, "}");
}
