/* attach: binding an instance to its interface: the interface, its VIP
 * devices, a usable source address and a VRRP socket, an advert that fits
 * the MTU. An instance that cannot attach yet waits in FAULT and retries
 * (on every link change and every second); one whose interface is
 * re-created attaches to the new one. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_addr.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "vrrp/io-int.h"
#include "vrrp/vrrp-int.h"

struct src_search {
    const struct vrrp_inst *in;
    struct vrrp_addr want; /* configured source; unset: pick one */
    struct vrrp_addr found;
};

static int is_our_vip(const struct vrrp_inst *in, const struct vrrp_addr *a)
{
    for (size_t i = 0; i < in->c->nvips; i++)
        if (vrrp_addr_eq(&in->vips[i], a))
            return 1;
    return 0;
}

static void on_src_candidate(const struct nl_addr_info *info, void *arg)
{
    struct src_search *s = arg;
    struct vrrp_addr a;
    /* the kernel refuses to send from an IPv6 address that DAD has not
     * cleared (EINVAL): wait until it can be used */
    if (s->found.family || (info->flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED)))
        return;
    vrrp_addr_set(&a, info->a.family, info->a.addr);
    if (s->want.family) {
        if (vrrp_addr_eq(&a, &s->want))
            s->found = a;
        return;
    }
    if (is_our_vip(s->in, &a))
        return;
    if (a.family == AF_INET && !(info->flags & IFA_F_SECONDARY))
        s->found = a;
    else if (a.family == AF_INET6 && a.u.b[0] == 0xfe && (a.u.b[1] & 0xc0) == 0x80)
        s->found = a; /* link-local: RFC 5798 5.1.2.1 */
}

/* unicast_src_ip / mcast_src_ip once it is assigned to an interface of this
 * host, else the interface's primary IPv4 address or its IPv6 link-local
 * address (what keepalived uses). Returns 0, or -1 with err (none yet, or
 * the address list could not be read). */
static int find_source(struct vrrp_inst *in, char *err, size_t errlen)
{
    const struct cfg_vrrp_instance *c = in->c;
    struct src_search s = {.in = in};
    char a[INET6_ADDRSTRLEN];
    if (c->src_ip.family)
        vrrp_addr_from_cfg(&s.want, &c->src_ip);
    if (nl_addr_dump(&in->v->nl, s.want.family ? 0 : in->ifindex, c->family, on_src_candidate, &s,
                     err, errlen) < 0)
        return -1;
    if (s.want.family && !s.found.family) {
        snprintf(err, errlen, "source address %s is not assigned to an interface",
                 vrrp_addr_str(&s.want, a, sizeof(a)));
        return -1;
    }
    if (!s.found.family) {
        snprintf(err, errlen, "interface %s has no %s address to send adverts from", c->interface,
                 c->family == AF_INET ? "IPv4" : "IPv6 link-local");
        return -1;
    }
    in->src = s.found;
    return 0;
}

/* An instance whose advert cannot leave must never become master: the
 * others would not hear it and take the VIP too. Validation refuses what
 * does not fit 1500 bytes; this checks the interface's real MTU (a VXLAN
 * overlay has 1450). Returns 0, or -1 with err. */
static int advert_fits(struct vrrp_inst *in, char *err, size_t errlen)
{
    const struct cfg_vrrp_instance *c = in->c;
    size_t bytes = vrrp_pkt_len(c->version, c->family, c->nvips) +
                   (c->family == AF_INET6 ? CFG_IP6_HDR : CFG_IP4_HDR);
    struct ifreq ifr = {0};
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", c->interface);
    if (ioctl(in->sock->fd, SIOCGIFMTU, &ifr) < 0) {
        snprintf(err, errlen, "interface %s: MTU: %s", c->interface, strerror(errno));
        return -1;
    }
    if (bytes > (size_t)ifr.ifr_mtu || bytes > VRRP_PKT_MAX) {
        snprintf(err, errlen,
                 "the advert for %zu virtual addresses is %zu bytes, more than the MTU %d of "
                 "%s: it could not be sent (use fewer addresses per instance)",
                 c->nvips, bytes, ifr.ifr_mtu, c->interface);
        return -1;
    }
    return 0;
}

/* The ifindex of the interface and of each VIP's device, by name, now.
 * Returns 0, or -1 with err naming the one that does not exist (ifindex
 * left 0). */
static int resolve_links(struct vrrp_inst *in, char *err, size_t errlen)
{
    const struct cfg_vrrp_instance *c = in->c;
    in->ifindex = (int)if_nametoindex(c->interface);
    if (!in->ifindex) {
        snprintf(err, errlen, "interface %s does not exist", c->interface);
        return -1;
    }
    for (size_t i = 0; i < c->nvips; i++) {
        in->vip_ifindex[i] = c->vips[i].dev ? (int)if_nametoindex(c->vips[i].dev) : in->ifindex;
        if (!in->vip_ifindex[i]) {
            snprintf(err, errlen, "VIP device %s does not exist", c->vips[i].dev);
            in->ifindex = 0;
            return -1;
        }
    }
    return 0;
}

/* Get what running needs from the host: the interfaces, the source address
 * and the raw socket. Returns 0 (in->sock held), 1 when something does not
 * exist yet (why in err; nothing held), or -1 when the socket cannot be had
 * (err). */
int vrrp_attach(struct vrrp_inst *in, char *err, size_t errlen)
{
    memset(&in->src, 0, sizeof(in->src));
    if (resolve_links(in, err, errlen) < 0)
        return 1;
    if (find_source(in, err, errlen) < 0) {
        in->ifindex = 0;
        return 1;
    }
    in->sock = vrrp_sock_get(in->v, in->ifindex, in->c->family, in->c->npeers == 0, err, errlen);
    if (in->sock && advert_fits(in, err, errlen) < 0) {
        vrrp_sock_put(in->v, in->sock);
        in->sock = NULL;
    }
    if (!in->sock) {
        in->ifindex = 0;
        memset(&in->src, 0, sizeof(in->src));
        return -1;
    }
    return 0;
}

static void on_wait_timer(struct ev_loop *loop, struct ev_timer *t)
{
    vrrp_wait_retry(t->arg);
}

/* Wait (again) because of why, an vrrp_attach() error: say so in status, and
 * in the log when the reason changes; retry in a second. */
static void wait_set(struct vrrp_inst *in, const char *why)
{
    char r[sizeof(in->wait_reason)];
    snprintf(r, sizeof(r), "%s (waiting for it)", why);
    if (in->waiting && strcmp(r, in->wait_reason) != 0)
        log_info("vrrp", in->name, "still in FAULT, now because %s", r);
    in->waiting = 1;
    in->if_up = 0; /* nothing may be sent: there is no socket */
    snprintf(in->wait_reason, sizeof(in->wait_reason), "%s", r);
    if (!ev_timer_active(&in->t_wait))
        ev_timer_start(in->v->loop, &in->t_wait, NS_PER_S, on_wait_timer, in);
}

/* A waiting instance tries to attach. Once it can, it starts from INIT as a
 * freshly started one does (leftover VIPs swept, priority from tracking,
 * then BACKUP, MASTER or FAULT); until then it stays in FAULT, touching
 * neither adverts nor VIPs, and only its tracking rows are refreshed. */
void vrrp_wait_retry(struct vrrp_inst *in)
{
    char why[128], s[INET6_ADDRSTRLEN];
    int rc = vrrp_attach(in, why, sizeof(why));
    if (rc == 0 && vrrp_inst_init_fsm(in, in->c->priority, why, sizeof(why)) < 0) {
        vrrp_sock_put(in->v, in->sock);
        in->sock = NULL;
        rc = -1;
    }
    if (rc != 0) {
        if (rc < 0)
            log_rl(&in->rl_tx, ev_now(in->v->loop) / NS_PER_MS, LOG_WARN, "vrrp", in->name,
                   "interface %s is there but the instance cannot start: %s", in->c->interface,
                   why);
        wait_set(in, why);
        vrrp_inputs_priority(in); /* for status; the fsm stays in FAULT */
        return;
    }
    ev_timer_stop(in->v->loop, &in->t_wait);
    in->waiting = 0;
    in->wait_reason[0] = 0;
    log_info("vrrp", in->name, "interface %s appeared (ifindex %d, source %s): starting",
             in->c->interface, in->ifindex, vrrp_addr_str(&in->src, s, sizeof(s)));
    vrrp_inst_start(in);
}

/* vrrp_inst_start of a waiting instance: INIT -> FAULT with the reason. */
void vrrp_wait_start(struct vrrp_inst *in)
{
    log_warn("vrrp", in->name,
             "not starting VRRPv%u vrid %u on %s yet: %s; FAULT until then (retrying on link "
             "changes and every second)",
             in->c->version, in->c->vrid, in->c->interface, in->wait_reason);
    in->since_ns = ev_clock_ns();
    track_link_up(in->v->track, in->c->interface); /* watch the name: link events retrack us */
    vrrp_inputs_priority(in);
    struct vrrp_fsm_in f = {.detail = in->wait_reason};
    vrrp_inst_step(in, VRRP_EV_FAULT, &f);
    if (!ev_timer_active(&in->t_wait))
        ev_timer_start(in->v->loop, &in->t_wait, NS_PER_S, on_wait_timer, in);
}

/* A running instance whose interface was deleted and made again (a new
 * ifindex) holds a socket and VIPs of the old one: leave the running state
 * as for a fault (it usually is in FAULT already: the link went away),
 * drop the socket and attach to the new interface as a waiting instance
 * does. Returns 1 if that happened. */
int vrrp_reattach_if_recreated(struct vrrp_inst *in)
{
    int now = (int)if_nametoindex(in->c->interface);
    char why[96];
    if (!now || now == in->ifindex)
        return 0;
    snprintf(why, sizeof(why), "interface %s was re-created (ifindex %d -> %d)", in->c->interface,
             in->ifindex, now);
    log_info("vrrp", in->name, "%s: attaching to the new one", why);
    in->if_up = 0; /* the old link is gone: nothing more is sent on it */
    if (in->fsm.state != VRRP_STATE_FAULT) {
        struct vrrp_fsm_in f = {.detail = why};
        vrrp_inst_step(in, VRRP_EV_FAULT, &f);
    }
    vrrp_sock_put(in->v, in->sock);
    in->sock = NULL;
    in->ifindex = 0;
    in->waiting = 1;
    snprintf(in->wait_reason, sizeof(in->wait_reason), "%s", why);
    vrrp_wait_retry(in);
    return 1;
}
