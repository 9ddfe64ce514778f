/* freset: failover_reset on the wire (tuples.h is the pure part).
 *
 * Every second, an instance with failover_reset in effect
 * (cfg_failover_reset_active) takes the proxy's connection reports,
 * keeps those on its VIPs and sends the changes to its peers on the
 * quorum port (the heartbeat's sockets, opened for this too): to each
 * unicast_peer, or with multicast VRRP to the VRRP group address on the
 * instance's interface (peers are learnt from what they send). Received
 * messages are validated and applied per peer (tuples.h); every drop is
 * counted by reason.
 *
 * On becoming MASTER, the instance sends one TCP ACK with a random
 * sequence and acknowledgement number from VIP:port to every client its
 * peers reported on one of its VIPs (not its own: they are alive here),
 * paced at failover_reset_rate per second with a 10 ms timer, through a
 * raw socket (IPPROTO_RAW, the IP header built here), and a second one
 * 0.6 s later for answers that were lost (IPv6: the first round starts
 * 100 ms after the takeover, once the kernel delivers to the new VIP). The client answers
 * with its real numbers; this node's kernel has no such connection and
 * resets it; the client reconnects, now to this node. Only tuples whose
 * local address is one of the instance's VIPs are ever kept, and while
 * this node holds the VIP, a connection to VIP:port its kernel does not
 * know is dead anyway: a reset cannot hurt a live connection.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "vrrp/vrrp-int.h"

#define FR_TICK_MS     1000
#define FR_PACE_MS     10
#define FR_SECOND_MS   600 /* the second reset segment to each client */
#define FR_V6_DELAY_MS 100 /* IPv6: the first one after the VIP is local (takeover()) */

static uint64_t rnd64(void)
{
    uint64_t r = 0;
    if (getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r))
        r = ev_clock_ns() ^ ((uint64_t)getpid() << 32);
    return r;
}

static uint64_t xorshift(uint64_t *s)
{
    uint64_t x = *s ? *s : 0x9e3779b97f4a7c15ULL;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

static const uint8_t *key_of(const struct vrrp *v, size_t *len)
{
    const char *k = v->cfg->global.quorum_key;
    *len = k ? strlen(k) : 0;
    return (const uint8_t *)k;
}

static uint64_t now_ms(const struct vrrp *v)
{
    return ev_now(v->loop) / NS_PER_MS;
}

static bool is_vip_of(const struct vrrp_inst *in, const struct vrrp_tuple *t)
{
    if (t->family != in->c->family)
        return false;
    for (size_t i = 0; i < in->c->nvips; i++)
        if (in->vips[i].family == t->family &&
            !memcmp(in->vips[i].u.b, t->laddr, t->family == AF_INET ? 4 : 16))
            return true;
    return false;
}

static bool is_vip_cb(const struct vrrp_tuple *t, void *arg)
{
    return is_vip_of(arg, t);
}

/* ---- the proxy's reports ---- */

static void on_conn(uint8_t op, const struct vrrp_tuple *t, void *arg)
{
    struct vrrp *v = arg;
    for (size_t i = 0; i < v->ninsts; i++) {
        struct vrrp_inst *in = v->insts[i];
        if (in->fr && is_vip_of(in, t) && vrrp_tp_local_change(&in->fr->local, op, t) < 0)
            log_rl(&in->fr->rl, now_ms(v), LOG_WARN, "vrrp", in->name,
                   "failover_reset: out of memory for the connection list: a full sync follows");
    }
}

/* Take the proxy's reports gathered since the last call. */
static void pull(struct vrrp *v)
{
    uint64_t lost = 0;
    if (!v->conns_fn)
        return;
    v->conns_fn(on_conn, v, v->conns_arg, &lost);
    if (lost > v->conns_lost) {
        log_rl(&v->hb_rl, now_ms(v), LOG_WARN, "vrrp", NULL,
               "failover_reset: %llu connection reports lost (the proxy's list was full)",
               (unsigned long long)(lost - v->conns_lost));
        v->conns_lost = lost;
    }
}

void vrrp_set_conns_source(struct vrrp *v, vrrp_conns_fn fn, void *arg)
{
    if (!v)
        return;
    v->conns_fn = fn;
    v->conns_arg = arg;
}

/* ---- peers ---- */

static long peer_index(struct vrrp_inst *in, const struct vrrp_addr *src, bool learn)
{
    struct vrrp_freset *f = in->fr;
    char a[INET6_ADDRSTRLEN];
    for (size_t i = 0; i < f->npeers; i++)
        if (vrrp_addr_eq(&f->addrs[i], src))
            return (long)i;
    if (!f->mcast || !learn || src->family != in->c->family || f->npeers == VRRP_FR_MAX_PEERS)
        return -1;
    f->addrs[f->npeers] = *src;
    memset(&f->peers[f->npeers], 0, sizeof(f->peers[0]));
    log_info("vrrp", in->name, "failover_reset: learnt peer %s", vrrp_addr_str(src, a, sizeof(a)));
    return (long)f->npeers++;
}

/* ---- sending messages ---- */

static int group_of(const struct vrrp_inst *in, struct vrrp_addr *g)
{
    const struct cfg_addr *c = in->c->family == AF_INET ? &in->v->cfg->global.mcast_group4
                                                        : &in->v->cfg->global.mcast_group6;
    vrrp_addr_from_cfg(g, c);
    return 0;
}

struct fr_emit {
    struct vrrp_inst *in;
};

static void send_to(struct vrrp_inst *in, const uint8_t *buf, size_t len,
                    const struct vrrp_addr *dst, int ifindex)
{
    struct vrrp *v = in->v;
    char d[INET6_ADDRSTRLEN];
    int fd = dst->family == AF_INET ? v->hb_fd4 : v->hb_fd6;
    if (fd >= 0 && vrrp_hb_send(v, fd, buf, len, dst, in, ifindex) == (ssize_t)len) {
        in->fr->sent++;
        return;
    }
    in->fr->send_errors++;
    log_rl(&in->fr->rl, now_ms(v), LOG_WARN, "vrrp", in->name,
           "failover_reset: message to %s not sent: %s", vrrp_addr_str(dst, d, sizeof(d)),
           fd < 0 ? "no socket" : strerror(errno));
}

static void emit(const uint8_t *buf, size_t len, void *arg)
{
    struct vrrp_inst *in = arg;
    struct vrrp_freset *f = in->fr;
    if (f->mcast) {
        struct vrrp_addr g;
        group_of(in, &g);
        if (in->ifindex)
            send_to(in, buf, len, &g, in->ifindex);
        return;
    }
    for (size_t i = 0; i < f->npeers; i++)
        send_to(in, buf, len, &f->addrs[i], 0);
}

static void tmpl_of(const struct vrrp_inst *in, struct vrrp_tp_msg *m)
{
    memset(m, 0, sizeof(*m));
    m->vrid = in->c->vrid;
    m->family = in->c->family;
    snprintf(m->name, sizeof(m->name), "%s", in->name);
}

static void send_req(struct vrrp_inst *in, size_t i)
{
    struct vrrp_tp_msg m;
    uint8_t buf[VRRP_TP_MAX];
    size_t klen;
    const uint8_t *key = key_of(in->v, &klen);
    tmpl_of(in, &m);
    m.req = true;
    m.boot = in->fr->local.boot;
    m.seq = ++in->fr->local.req_seq;
    size_t n = vrrp_tp_encode(&m, NULL, 0, key, klen, buf, sizeof(buf));
    if (n) {
        send_to(in, buf, n, &in->fr->addrs[i], 0);
        in->fr->reqs_sent++;
    }
}

/* cluster membership for multicast: the group on the instance's interface,
 * joined with the heartbeat socket unless quorum (cluster_size) did */
static void mcast_join(struct vrrp_inst *in)
{
    struct vrrp_freset *f = in->fr;
    struct vrrp_addr g;
    if (!f->mcast || !in->ifindex || f->joined_ifindex == in->ifindex || (in->q && in->q->mcast))
        return;
    group_of(in, &g);
    int r;
    if (in->c->family == AF_INET) {
        struct ip_mreqn mr = {.imr_ifindex = in->ifindex};
        memcpy(&mr.imr_multiaddr, g.u.b, 4);
        if (f->joined_ifindex) {
            mr.imr_ifindex = f->joined_ifindex;
            setsockopt(in->v->hb_fd4, IPPROTO_IP, IP_DROP_MEMBERSHIP, &mr, sizeof(mr));
            mr.imr_ifindex = in->ifindex;
        }
        r = setsockopt(in->v->hb_fd4, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mr, sizeof(mr));
    } else {
        struct ipv6_mreq mr = {.ipv6mr_interface = (unsigned)in->ifindex};
        memcpy(&mr.ipv6mr_multiaddr, g.u.b, 16);
        if (f->joined_ifindex) {
            mr.ipv6mr_interface = (unsigned)f->joined_ifindex;
            setsockopt(in->v->hb_fd6, IPPROTO_IPV6, IPV6_LEAVE_GROUP, &mr, sizeof(mr));
            mr.ipv6mr_interface = (unsigned)in->ifindex;
        }
        r = setsockopt(in->v->hb_fd6, IPPROTO_IPV6, IPV6_JOIN_GROUP, &mr, sizeof(mr));
    }
    if (r < 0 && errno != EADDRINUSE) {
        log_rl(&f->rl, now_ms(in->v), LOG_WARN, "vrrp", in->name,
               "failover_reset: joining the VRRP group on %s: %s", in->c->interface,
               strerror(errno));
        f->joined_ifindex = 0;
        return;
    }
    f->joined_ifindex = in->ifindex;
}

static void mcast_leave(struct vrrp_inst *in)
{
    struct vrrp_freset *f = in->fr;
    struct vrrp_addr g;
    if (!f->joined_ifindex)
        return;
    group_of(in, &g);
    if (in->c->family == AF_INET && in->v->hb_fd4 >= 0) {
        struct ip_mreqn mr = {.imr_ifindex = f->joined_ifindex};
        memcpy(&mr.imr_multiaddr, g.u.b, 4);
        setsockopt(in->v->hb_fd4, IPPROTO_IP, IP_DROP_MEMBERSHIP, &mr, sizeof(mr));
    } else if (in->c->family == AF_INET6 && in->v->hb_fd6 >= 0) {
        struct ipv6_mreq mr = {.ipv6mr_interface = (unsigned)f->joined_ifindex};
        memcpy(&mr.ipv6mr_multiaddr, g.u.b, 16);
        setsockopt(in->v->hb_fd6, IPPROTO_IPV6, IPV6_LEAVE_GROUP, &mr, sizeof(mr));
    }
    f->joined_ifindex = 0;
}

static void on_tick(struct ev_loop *loop, struct ev_timer *t)
{
    struct vrrp_inst *in = t->arg;
    struct vrrp_freset *f = in->fr;
    size_t klen;
    const uint8_t *key = key_of(in->v, &klen);
    struct vrrp_tp_msg m;
    pull(in->v);
    mcast_join(in);
    if (!in->waiting) {
        tmpl_of(in, &m);
        vrrp_tp_flush(&f->local, &m, key, klen, emit, in);
        for (size_t i = 0; i < f->npeers; i++)
            if (f->req_due[i]) {
                f->req_due[i] = false;
                send_req(in, i);
            }
    }
    ev_timer_start(loop, t, FR_TICK_MS * NS_PER_MS, on_tick, in);
}

/* ---- receiving ---- */

static void tp_drop(struct vrrp *v, struct vrrp_inst *in, enum vrrp_tp_err e,
                    const struct vrrp_addr *src)
{
    char s[INET6_ADDRSTRLEN];
    if (in)
        in->fr->drops[e]++;
    else
        v->tp_drops[e]++;
    log_rl(in ? &in->fr->rl : &v->hb_rl, now_ms(v), LOG_WARN, "vrrp", in ? in->name : NULL,
           "dropped failover_reset message from %s: %s", vrrp_addr_str(src, s, sizeof(s)),
           vrrp_tp_err_str(e));
}

void vrrp_freset_rx(struct vrrp *v, const uint8_t *buf, size_t len, const struct vrrp_addr *src)
{
    size_t klen;
    const uint8_t *key = key_of(v, &klen);
    struct vrrp_tp_msg m;
    struct vrrp_inst *in = NULL;
    enum vrrp_tp_err e = vrrp_tp_decode(buf, len, key, klen, &m);
    for (size_t i = 0; e == VRRP_TP_OK && !in && i < v->ninsts; i++)
        if (v->insts[i]->fr && v->insts[i]->c->vrid == m.vrid && !strcmp(v->insts[i]->name, m.name))
            in = v->insts[i];
    if (e == VRRP_TP_OK && !in)
        e = VRRP_TP_UNKNOWN_INSTANCE;
    if (e != VRRP_TP_OK) {
        tp_drop(v, NULL, e, src);
        return;
    }
    struct vrrp_freset *f = in->fr;
    if (m.boot == f->local.boot)
        return; /* our own, looped back (multicast) */
    if (m.family != in->c->family) {
        tp_drop(v, in, VRRP_TP_BAD_FAMILY, src);
        return;
    }
    long i = peer_index(in, src, !m.req);
    if (i < 0) {
        tp_drop(v, in, VRRP_TP_UNKNOWN_PEER, src);
        return;
    }
    struct vrrp_tp_peer *p = &f->peers[i];
    char a[INET6_ADDRSTRLEN];
    if (m.req) {
        e = vrrp_tp_take_req(p, &m);
        if (e != VRRP_TP_OK) {
            tp_drop(v, in, e, src);
            return;
        }
        f->reqs_taken++;
        f->local.full_pending = true;
        log_info("vrrp", in->name, "failover_reset: %s asks for a full sync",
                 vrrp_addr_str(src, a, sizeof(a)));
        return;
    }
    bool resync = false;
    uint64_t before = p->boot;
    e = vrrp_tp_take(p, buf, &m, now_ms(v), is_vip_cb, in, f->drops, &resync);
    if (resync && !f->req_due[i]) {
        f->req_due[i] = true;
        log_info("vrrp", in->name, "failover_reset: asking %s for a full sync: %s",
                 vrrp_addr_str(src, a, sizeof(a)),
                 e == VRRP_TP_OK ? "messages were lost" : "its messages began before ours");
    }
    if (e != VRRP_TP_OK) {
        if (e != VRRP_TP_OUT_OF_SYNC || before) /* first contact is not worth a line */
            tp_drop(v, in, e, src);
        else
            f->drops[e]++;
        return;
    }
    f->received++;
    if (m.full && before != m.boot)
        log_info("vrrp", in->name, "failover_reset: %s (re)started: %zu connections known",
                 vrrp_addr_str(src, a, sizeof(a)), p->set.n);
}

/* ---- the resets ---- */

static int raw_socket(struct vrrp *v, int family)
{
    int *fd = family == AF_INET ? &v->raw_fd4 : &v->raw_fd6;
    if (*fd >= 0)
        return *fd;
    *fd = socket(family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_RAW);
    if (*fd >= 0) {
        int big = 4 << 20;
        setsockopt(*fd, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof(big));
    }
    return *fd;
}

static int send_reset(struct vrrp_inst *in, const struct vrrp_tuple *t)
{
    struct vrrp *v = in->v;
    uint8_t pkt[60] = {0};
    size_t hl = t->family == AF_INET ? 20 : 40;
    uint64_t r = xorshift(&v->raw_rnd);
    vrrp_tp_segment(t, (uint32_t)r, (uint32_t)(r >> 32), pkt + hl);
    struct sockaddr_storage ss = {0};
    socklen_t sl;
    if (t->family == AF_INET) {
        pkt[0] = 0x45;
        pkt[2] = 0;
        pkt[3] = 40; /* total length */
        pkt[8] = 64; /* TTL */
        pkt[9] = IPPROTO_TCP;
        memcpy(pkt + 12, t->laddr, 4);
        memcpy(pkt + 16, t->raddr, 4); /* id and checksum: filled in by the kernel */
        struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
        s4->sin_family = AF_INET;
        memcpy(&s4->sin_addr, t->raddr, 4);
        sl = sizeof(*s4);
    } else {
        pkt[0] = 0x60;
        pkt[5] = 20; /* payload length */
        pkt[6] = IPPROTO_TCP;
        pkt[7] = 64; /* hop limit */
        memcpy(pkt + 8, t->laddr, 16);
        memcpy(pkt + 24, t->raddr, 16);
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
        s6->sin6_family = AF_INET6;
        memcpy(&s6->sin6_addr, t->raddr, 16);
        if (IN6_IS_ADDR_LINKLOCAL(&s6->sin6_addr))
            s6->sin6_scope_id = (uint32_t)in->ifindex;
        sl = sizeof(*s6);
    }
    int fd = raw_socket(v, t->family);
    if (fd < 0)
        return -1;
    return sendto(fd, pkt, hl + 20, MSG_DONTWAIT, (struct sockaddr *)&ss, sl) == (ssize_t)(hl + 20)
               ? 0
               : -1;
}

static void burst_end(struct vrrp_inst *in, const char *why)
{
    struct vrrp_freset *f = in->fr;
    uint64_t ms = (ev_clock_ns() - f->burst_start_ns) / NS_PER_MS;
    if (f->round == 1)
        f->last_burst_ms = ms;
    log_info("vrrp", in->name,
             "failover_reset: %s: %zu of %zu clients of the previous holder reset in %llu ms "
             "(round %u of 2, %llu send errors)",
             why, f->qpos, f->nq, (unsigned long long)ms, f->round,
             (unsigned long long)f->burst_errors);
    ev_timer_stop(in->v->loop, &f->t_reset);
    free(f->queue);
    f->queue = NULL;
    f->nq = f->qpos = 0;
    f->round = 0;
}

static void on_pace(struct ev_loop *loop, struct ev_timer *t)
{
    struct vrrp_inst *in = t->arg;
    struct vrrp_freset *f = in->fr;
    if (in->fsm.state != VRRP_STATE_MASTER) {
        burst_end(in, "stopped, no longer master");
        return;
    }
    /* the rate over the whole burst: what is due by now, minus what was sent */
    uint64_t rate = in->v->cfg->global.failover_reset_rate;
    uint64_t now = ev_clock_ns();
    uint64_t el_us = now > f->burst_start_ns ? (now - f->burst_start_ns) / 1000 : 0;
    uint64_t due = rate * el_us / 1000000 + 1;
    while (f->qpos < f->nq && f->qpos < due) {
        if (send_reset(in, &f->queue[f->qpos]) < 0) {
            f->reset_errors++;
            f->burst_errors++;
            char e[64];
            snprintf(e, sizeof(e), "%s", strerror(errno));
            log_rl(&f->rl, now_ms(in->v), LOG_WARN, "vrrp", in->name,
                   "failover_reset: reset segment not sent: %s", e);
            if (errno == EAGAIN || errno == ENOBUFS)
                break; /* try again at the next turn */
        } else {
            f->resets_sent++;
        }
        f->qpos++;
    }
    if (f->qpos < f->nq) {
        ev_timer_start(loop, t, FR_PACE_MS * NS_PER_MS, on_pace, in);
        return;
    }
    if (f->round == 2) {
        burst_end(in, "done");
        return;
    }
    /* A second segment to every client, for those whose answer to the
     * first was lost (its neighbour cache still pointing at the old
     * holder, a dropped packet). A client answers an out-of-window segment
     * at most every 0.5 s (tcp_invalid_ratelimit): after that. */
    f->last_burst_ms = (ev_clock_ns() - f->burst_start_ns) / NS_PER_MS;
    log_info("vrrp", in->name,
             "failover_reset: %zu clients of the previous holder sent a reset segment in %llu ms; "
             "a second one follows in %u ms",
             f->nq, (unsigned long long)f->last_burst_ms, FR_SECOND_MS);
    f->round = 2;
    f->qpos = 0;
    f->burst_start_ns = ev_clock_ns() + FR_SECOND_MS * NS_PER_MS;
    ev_timer_start(loop, t, FR_SECOND_MS * NS_PER_MS, on_pace, in);
}

/* The instance became MASTER: reset the clients its peers reported. */
static void takeover(struct vrrp_inst *in)
{
    struct vrrp_freset *f = in->fr;
    size_t total = 0;
    pull(in->v); /* our own connections, up to now */
    if (f->queue)
        burst_end(in, "superseded by a new takeover");
    for (size_t i = 0; i < f->npeers; i++)
        total += f->peers[i].set.n;
    f->takeovers++;
    if (!total) {
        log_info("vrrp", in->name, "failover_reset: taking over: no client of a peer to reset");
        return;
    }
    f->queue = malloc(total * sizeof(*f->queue));
    if (!f->queue) {
        log_error("vrrp", in->name, "failover_reset: out of memory: %zu clients not reset", total);
        return;
    }
    f->nq = f->qpos = 0;
    f->round = 1;
    f->burst_errors = 0;
    for (size_t i = 0; i < f->npeers; i++) {
        size_t cur = 0;
        const struct vrrp_tuple *t;
        while ((t = vrrp_tpset_next(&f->peers[i].set, &cur)))
            if (is_vip_of(in, t) && !vrrp_tpset_has(&f->local.set, t))
                f->queue[f->nq++] = *t;
        /* they are being reset: a later takeover need not do it again */
        vrrp_tpset_clear(&f->peers[i].set);
    }
    f->last_burst_n = f->nq;
    if (!f->nq) {
        free(f->queue);
        f->queue = NULL;
        f->round = 0;
        log_info("vrrp", in->name,
                 "failover_reset: taking over: the %zu connections the peers reported are not "
                 "on a VIP of this instance or are this node's own: none to reset",
                 total);
        return;
    }
    log_info("vrrp", in->name,
             "failover_reset: taking over: resetting %zu clients of the previous holder at "
             "%u/s",
             f->nq, in->v->cfg->global.failover_reset_rate);
    f->t_reset.arg = in;
    if (in->c->family == AF_INET6) {
        /* The kernel makes an IPv6 address local (its route) from a work
         * queue after the address is added, even with nodad: until then a
         * client's answer to the VIP is lost (measured: one run in a few
         * waited for the neighbour solicitation's 1 s retransmit). */
        f->burst_start_ns = ev_clock_ns() + FR_V6_DELAY_MS * NS_PER_MS;
        ev_timer_start(in->v->loop, &f->t_reset, FR_V6_DELAY_MS * NS_PER_MS, on_pace, in);
        return;
    }
    f->burst_start_ns = ev_clock_ns();
    on_pace(in->v->loop, &f->t_reset);
}

void vrrp_freset_state(struct vrrp_inst *in, enum vrrp_state from, enum vrrp_state to)
{
    if (!in->fr || from == to)
        return;
    if (to == VRRP_STATE_MASTER)
        takeover(in);
}

/* ---- life cycle ---- */

int vrrp_freset_start(struct vrrp_inst *in)
{
    if (in->fr || !cfg_failover_reset_active(in->v->cfg, in->c))
        return 0;
    struct vrrp_freset *f = calloc(1, sizeof(*f));
    if (!f)
        return -1;
    f->mcast = !in->c->npeers;
    for (size_t i = 0; !f->mcast && i < in->c->npeers && i < VRRP_FR_MAX_PEERS; i++)
        f->addrs[f->npeers++] = in->peers[i];
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    /* later starts have larger boot ids (tuples.h): the wall clock, with
     * random low bits for two starts in the same microsecond */
    vrrp_tp_local_init(&f->local, ((uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000)
                                          << 10 |
                                      (rnd64() & 1023));
    f->rl = (struct log_ratelimit){.interval_ms = 10000, .burst = 5};
    in->fr = f;
    if (!in->v->raw_rnd)
        in->v->raw_rnd = rnd64();
    log_info("vrrp", in->name,
             "failover_reset on: sharing the proxy's client connections on the VIPs with %s "
             "(UDP port %u%s)",
             f->mcast ? "the VRRP group" : "the unicast peers", in->v->hb_port,
             in->v->cfg->global.quorum_key ? ", authenticated with quorum_key" : ", no quorum_key");
    f->t_tick.arg = in;
    on_tick(in->v->loop, &f->t_tick);
    return 0;
}

void vrrp_freset_stop(struct vrrp_inst *in)
{
    struct vrrp_freset *f = in->fr;
    if (!f)
        return;
    if (f->queue)
        burst_end(in, "stopped");
    ev_timer_stop(in->v->loop, &f->t_tick);
    mcast_leave(in);
    for (size_t i = 0; i < f->npeers; i++)
        vrrp_tp_peer_free(&f->peers[i]);
    vrrp_tp_local_free(&f->local);
    free(f);
    in->fr = NULL;
}

/* A reload kept the instance: the proxies may have changed. */
void vrrp_freset_rebind(struct vrrp_inst *in)
{
    bool want = cfg_failover_reset_active(in->v->cfg, in->c);
    if (want && !in->fr)
        vrrp_freset_start(in);
    else if (!want && in->fr) {
        log_info("vrrp", in->name, "failover_reset off: no proxy accepts on the VIPs now");
        vrrp_freset_stop(in);
    }
}

void vrrp_freset_close(struct vrrp *v)
{
    if (v->raw_fd4 >= 0)
        close(v->raw_fd4);
    if (v->raw_fd6 >= 0)
        close(v->raw_fd6);
    v->raw_fd4 = v->raw_fd6 = -1;
}

/* ---- status ---- */

void vrrp_freset_drops_json(const uint64_t *drops, struct sbuf *b)
{
    int first = 1;
    sbuf_puts(b, "{");
    for (int e = 1; e < VRRP_TP_ERR_COUNT; e++) {
        if (!drops[e])
            continue;
        sbuf_printf(b, "%s\"%s\":%llu", first ? "" : ",", vrrp_tp_err_str((enum vrrp_tp_err)e),
                    (unsigned long long)drops[e]);
        first = 0;
    }
    sbuf_puts(b, "}");
}

void vrrp_freset_json(const struct vrrp_inst *in, struct sbuf *b)
{
    const struct vrrp_freset *f = in->fr;
    char a[INET6_ADDRSTRLEN];
    if (!f) {
        sbuf_puts(b, "null");
        return;
    }
    sbuf_printf(b,
                "{\"mode\":\"%s\",\"rate\":%u,\"connections\":%zu,\"messages_sent\":%llu,"
                "\"send_errors\":%llu,\"messages_received\":%llu,\"full_syncs_sent\":%llu,"
                "\"resyncs_asked\":%llu,\"resyncs_answered\":%llu,\"takeovers\":%llu,"
                "\"resets_sent\":%llu,\"reset_errors\":%llu,\"resetting\":%zu,"
                "\"last_burst\":{\"clients\":%llu,\"ms\":%llu},\"peers\":[",
                f->mcast ? "multicast" : "unicast", in->v->cfg->global.failover_reset_rate,
                f->local.set.n, (unsigned long long)f->sent, (unsigned long long)f->send_errors,
                (unsigned long long)f->received, (unsigned long long)f->local.fulls,
                (unsigned long long)f->reqs_sent, (unsigned long long)f->reqs_taken,
                (unsigned long long)f->takeovers, (unsigned long long)f->resets_sent,
                (unsigned long long)f->reset_errors,
                (f->nq - f->qpos) + (f->round == 1 ? f->nq : 0),
                (unsigned long long)f->last_burst_n, (unsigned long long)f->last_burst_ms);
    for (size_t i = 0; i < f->npeers; i++) {
        const struct vrrp_tp_peer *p = &f->peers[i];
        sbuf_printf(b,
                    "%s{\"address\":\"%s\",\"connections\":%zu,\"messages\":%llu,"
                    "\"full_syncs\":%llu,\"gaps\":%llu}",
                    i ? "," : "", vrrp_addr_str(&f->addrs[i], a, sizeof(a)), p->set.n,
                    (unsigned long long)p->messages, (unsigned long long)p->fulls,
                    (unsigned long long)p->gaps);
    }
    sbuf_puts(b, "],\"drops\":");
    vrrp_freset_drops_json(f->drops, b);
    sbuf_puts(b, "}");
}

void vrrp_freset_text(const struct vrrp_inst *in, struct sbuf *b)
{
    const struct vrrp_freset *f = in->fr;
    char a[INET6_ADDRSTRLEN];
    if (!f)
        return;
    sbuf_printf(b, "  failover_reset: %zu client connections here;", f->local.set.n);
    for (size_t i = 0; i < f->npeers; i++)
        sbuf_printf(b, " %s reported %zu;", vrrp_addr_str(&f->addrs[i], a, sizeof(a)),
                    f->peers[i].set.n);
    sbuf_printf(b, " resets sent %llu in %llu takeovers (last: %llu clients in %llu ms)",
                (unsigned long long)f->resets_sent, (unsigned long long)f->takeovers,
                (unsigned long long)f->last_burst_n, (unsigned long long)f->last_burst_ms);
    uint64_t d = 0;
    for (int e = 1; e < VRRP_TP_ERR_COUNT; e++)
        d += f->drops[e];
    if (d) {
        sbuf_puts(b, "; messages dropped:");
        for (int e = 1; e < VRRP_TP_ERR_COUNT; e++)
            if (f->drops[e])
                sbuf_printf(b, " %s %llu", vrrp_tp_err_str((enum vrrp_tp_err)e),
                            (unsigned long long)f->drops[e]);
    }
    sbuf_puts(b, "\n");
}
