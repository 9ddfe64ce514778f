/* instance: one virtual router on the event loop. It feeds the state
 * machine (fsm.c) with timer expiries, received adverts and tracking
 * changes, and carries out the actions the machine returns: adverts, VIPs
 * through netlink (with a kernel lifetime refreshed while master), GARP/NA
 * bursts, timers, notify scripts. It never decides a state itself.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_addr.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vrrp/io-int.h"
#include "vrrp/vrrp-int.h"

#define US_TO_NS 1000ULL

static void carry_out(struct vrrp_inst *in, const struct vrrp_fsm_result *r);

static void addr_from_cfg(struct vrrp_addr *out, const struct cfg_addr *a)
{
    vrrp_addr_set(out, a->family, a->family == AF_INET ? (const void *)&a->u.v4 : &a->u.v6);
}

static void nl_vip(const struct vrrp_inst *in, size_t i, struct nl_ifaddr *out)
{
    out->family = in->vips[i].family;
    memcpy(out->addr, in->vips[i].u.b, 16);
    out->prefix = in->c->vips[i].addr.prefix;
}

/* ---- finding our source address ---- */

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
        addr_from_cfg(&s.want, &c->src_ip);
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

/* ---- tracking ---- */

static void tracks_free(struct vrrp_inst *in)
{
    free(in->rows);
    free(in->row_script);
    free(in->effects);
    in->rows = NULL;
    in->row_script = NULL;
    in->effects = NULL;
    in->nrows = 0;
}

/* The instance's inputs, one row each (prio.h): its own interface first,
 * then track_script, track_interface and track_proxy in configuration
 * order. The rows' names point into the instance's cfg. */
static int tracks_build(struct vrrp_inst *in)
{
    const struct cfg_vrrp_instance *c = in->c;
    size_t n = 1 + c->ntrack_scripts + c->ntrack_ifs + c->ntrack_proxies, k = 1;
    struct vrrp_prio_input *r = calloc(n, sizeof(*r));
    size_t *script = calloc(n, sizeof(*script));
    enum vrrp_effect *eff = calloc(n, sizeof(*eff));
    if (!r || !script || !eff) {
        free(r), free(script), free(eff);
        return -1;
    }
    r[0] = (struct vrrp_prio_input){VRRP_IN_OWN_IFACE, c->interface, 0, 1};
    for (size_t i = 0; i < c->ntrack_scripts; i++, k++) {
        r[k] = (struct vrrp_prio_input){VRRP_IN_SCRIPT, c->track_scripts[i].name,
                                        c->track_scripts[i].weight, -1};
        script[k] = c->track_scripts[i].ref;
    }
    for (size_t i = 0; i < c->ntrack_ifs; i++, k++)
        r[k] = (struct vrrp_prio_input){VRRP_IN_IFACE, c->track_ifs[i].name, c->track_ifs[i].weight,
                                        1};
    for (size_t i = 0; i < c->ntrack_proxies; i++, k++)
        r[k] = (struct vrrp_prio_input){VRRP_IN_PROXY, c->track_proxies[i].name,
                                        c->track_proxies[i].weight, 1};
    /* keep the last verdicts across a rebuild (reload), so only real
     * changes are logged */
    for (size_t i = 1; i < n; i++)
        for (size_t j = 1; j < in->nrows; j++)
            if (r[i].kind == in->rows[j].kind && !strcmp(r[i].name, in->rows[j].name))
                r[i].verdict = in->rows[j].verdict;
    tracks_free(in);
    in->rows = r;
    in->row_script = script;
    in->effects = eff;
    in->nrows = n;
    return 0;
}

/* The verdict of row i now: 1 ok, 0 failing, -1 no verdict yet (a script
 * that has not run, a proxy that has not reported). */
static int row_verdict(struct vrrp_inst *in, size_t i)
{
    const struct vrrp_prio_input *r = &in->rows[i];
    switch (r->kind) {
    case VRRP_IN_OWN_IFACE:
        return in->if_up;
    case VRRP_IN_SCRIPT:
        return track_script_up(in->v->track, in->row_script[i]);
    case VRRP_IN_IFACE:
        return track_link_up(in->v->track, r->name);
    case VRRP_IN_PROXY:
        return vrrp_proxy_health_get(in->v, r->name);
    default:
        return r->verdict;
    }
}

/* Gather every row's verdict (logging each change of a tracked object),
 * then let prio.c decide the effective priority and the fault state. */
static uint8_t compute_priority(struct vrrp_inst *in)
{
    struct vrrp_prio p;
    for (size_t i = 0; i < in->nrows; i++) {
        struct vrrp_prio_input *r = &in->rows[i];
        int ok = row_verdict(in, i);
        if (i > 0 && ok != r->verdict && ok >= 0)
            log_info("vrrp", in->name, "tracked %s %s is %s (weight %d)",
                     vrrp_input_kind_name(r->kind), r->name,
                     ok ? "ok" : vrrp_input_failing(r->kind), r->weight);
        r->verdict = ok;
    }
    vrrp_prio_compute(in->c->priority, in->rows, in->nrows, in->effects, &p);
    in->track_faults = (int)p.faults;
    in->fault_reason[0] = 0;
    if (p.faults)
        vrrp_prio_fault_text(&in->rows[p.first_fault], in->fault_reason, sizeof(in->fault_reason));
    return p.priority;
}

static void step(struct vrrp_inst *in, enum vrrp_event ev, const struct vrrp_fsm_in *fin)
{
    struct vrrp_fsm_result r;
    vrrp_fsm_step(&in->fsm, ev, fin, &r);
    carry_out(in, &r);
}

static void wait_retry(struct vrrp_inst *in);
static int reattach_if_recreated(struct vrrp_inst *in);

void vrrp_inst_retrack(struct vrrp_inst *in)
{
    if (in->fsm.state == VRRP_STATE_INIT)
        return;
    if (in->waiting) {
        wait_retry(in);
        return;
    }
    if (reattach_if_recreated(in))
        return;
    in->if_up = track_link_up(in->v->track, in->c->interface);
    uint8_t prio = compute_priority(in);
    if (in->track_faults && in->fsm.state != VRRP_STATE_FAULT) {
        struct vrrp_fsm_in f = {.detail = in->fault_reason};
        step(in, VRRP_EV_FAULT, &f);
    } else if (!in->track_faults && in->fsm.state == VRRP_STATE_FAULT) {
        step(in, VRRP_EV_FAULT_CLEARED, NULL);
    }
    if (prio != in->fsm.priority) {
        log_info("vrrp", in->name, "priority %u -> %u (base %u)", in->fsm.priority, prio,
                 in->c->priority);
        struct vrrp_fsm_in f = {.priority = prio};
        step(in, VRRP_EV_PRIORITY_CHANGED, &f);
    }
}

/* ---- adverts ---- */

/* Send one advert (to the group, or a copy per unicast peer). Nothing is
 * sent while the interface is down: the priority-0 advert of a link-down
 * FAULT cannot leave anyway, and a unicast one would park in an unresolved
 * neighbour entry whose next ARP retry comes up to a second after the link
 * returns, delaying the first adverts after recovery by as much (seen as a
 * 0.36 s double VIP against keepalived in unicast mode). */
static void send_advert(struct vrrp_inst *in, uint8_t prio)
{
    uint8_t buf[VRRP_PKT_MAX];
    char err[128];
    const struct cfg_vrrp_instance *c = in->c;
    if (!in->if_up) {
        log_debug("vrrp", in->name, "advert (priority %u) not sent: %s is down", prio,
                  c->interface);
        return;
    }
    struct vrrp_pkt_tx tx = {
        .version = c->version,
        .vrid = c->vrid,
        .priority = prio,
        .family = c->family,
        .adver_int_cs = in->adver_int_cs,
        .auth_type = c->auth_type == CFG_AUTH_PASS ? VRRP_AUTH_PASS : VRRP_AUTH_NONE,
        .auth_pass = c->auth_pass,
        .csum = VRRP_CSUM_PSEUDO,
        .addrs = in->vips,
        .naddrs = c->nvips,
    };
    struct vrrp_addr group;
    const struct cfg_addr *g =
        c->family == AF_INET ? &in->v->cfg->global.mcast_group4 : &in->v->cfg->global.mcast_group6;
    addr_from_cfg(&group, g);
    size_t ndst = in->peers ? c->npeers : 1;
    for (size_t i = 0; i < ndst; i++) {
        const struct vrrp_addr *dst = in->peers ? &in->peers[i] : &group;
        ssize_t n = vrrp_pkt_encode(&tx, &in->src, dst, buf, sizeof(buf), err, sizeof(err));
        if (n < 0 ||
            vrrp_io_send(in->sock->fd, in->ifindex, &in->src, dst, buf, (size_t)n, VRRP_TTL) < 0) {
            char d[INET6_ADDRSTRLEN];
            vrrp_addr_str(dst, d, sizeof(d));
            in->tx_errors++;
            log_rl(&in->rl_tx, ev_now(in->v->loop) / NS_PER_MS, LOG_WARN, "vrrp", in->name,
                   "advert to %s not sent: %s", d, n < 0 ? err : strerror(errno));
            continue;
        }
        in->tx_adverts++;
    }
}

static void vips_set(struct vrrp_inst *in, const char *what);
static void garp_start(struct vrrp_inst *in);

/* A master whose advert timer fires more than two intervals late did not
 * run for that long (SIGSTOP, a paused VM, a stalled host). A backup may
 * have timed out meanwhile (last advert + 3 intervals + skew, RFC 5798
 * 6.4.2), installed the VIPs and announced its MAC, and the kernel may have
 * expired ours. The advert sent now makes that backup yield; re-install the
 * VIPs and announce them again, or hosts keep sending to the backup's MAC
 * until their neighbour entries time out (seconds). */
static void on_advert_timer(struct ev_loop *loop, struct ev_timer *t)
{
    struct vrrp_inst *in = t->arg;
    uint64_t due = t->node.when, now = ev_now(loop);
    uint64_t late = now > due ? now - due : 0;
    step(in, VRRP_EV_ADVERT_TIMER, NULL);
    if (in->fsm.state != VRRP_STATE_MASTER || !in->vips_installed ||
        late <= 2 * in->adver_int_cs * VRRP_CS_US * US_TO_NS)
        return;
    log_warn("vrrp", in->name,
             "advert timer ran %llu ms late (process stalled?): "
             "re-installing and re-announcing the VIPs",
             (unsigned long long)(late / NS_PER_MS));
    vips_set(in, "re-install");
    garp_start(in);
}

static void on_down_timer(struct ev_loop *loop, struct ev_timer *t)
{
    step(t->arg, VRRP_EV_MASTER_DOWN, NULL);
}

static void on_preempt_timer(struct ev_loop *loop, struct ev_timer *t)
{
    step(t->arg, VRRP_EV_PREEMPT_DELAY, NULL);
}

static enum vrrp_auth_type wire_auth(enum cfg_auth_type a)
{
    return a == CFG_AUTH_PASS ? VRRP_AUTH_PASS : a == CFG_AUTH_AH ? VRRP_AUTH_AH : VRRP_AUTH_NONE;
}

/* What a valid advert may make us do is bounded, so that a host on the
 * link cannot make an instance flap or flood (issue 10: alternating
 * priority 255 / 0 adverts made an instance change state without limit,
 * and a master answered a 1,000/s flood of lower adverts 988 times a
 * second):
 *   - a master answers lower or priority-0 adverts at most once per advert
 *     interval (its own timer keeps advertising anyway); the others are
 *     taken (counted as received) but not answered, and counted in
 *     replies_limited;
 *   - adverts that change the state (a master yields to a higher one, a
 *     backup cuts its master-down timer on a priority 0) are taken at most
 *     VRRP_FLAP_MAX times per VRRP_FLAP_WINDOW_MS; past that they are
 *     dropped and counted as rate-limited.
 * Returns RX_STEP (go on), RX_TAKEN (received, nothing to do) or RX_DROP. */
enum rx_verdict { RX_STEP, RX_TAKEN, RX_DROP };

static enum rx_verdict rx_limit(struct vrrp_inst *in, enum vrrp_event ev,
                                const struct vrrp_addr *src)
{
    uint64_t now_ms = ev_now(in->v->loop) / NS_PER_MS, skipped;
    enum vrrp_state st = in->fsm.state;
    char s[INET6_ADDRSTRLEN];
    if (st == VRRP_STATE_MASTER && (ev == VRRP_EV_ADV_LOWER || ev == VRRP_EV_ADV_PRIO0)) {
        if (now_ms < in->next_reply_ms) {
            in->replies_limited++;
            return RX_TAKEN;
        }
        in->next_reply_ms = now_ms + in->adver_int_cs * 10u;
        return RX_STEP;
    }
    if ((st == VRRP_STATE_MASTER && ev == VRRP_EV_ADV_HIGHER) ||
        (st == VRRP_STATE_BACKUP && ev == VRRP_EV_ADV_PRIO0)) {
        if (log_rl_allow(&in->lim_flap, now_ms, &skipped))
            return RX_STEP;
        in->rx_drops[VRRP_RX_RATE_LIMITED]++;
        log_rl(&in->rl_rx, now_ms, LOG_WARN, "vrrp", in->name,
               "dropped advert from %s: rate-limited (more than %d state changes from adverts "
               "in %d s)",
               vrrp_addr_str(src, s, sizeof(s)), VRRP_FLAP_MAX, VRRP_FLAP_WINDOW_MS / 1000);
        return RX_DROP;
    }
    return RX_STEP;
}

void vrrp_inst_on_packet(struct vrrp_inst *in, const struct vrrp_rx *rx)
{
    const struct cfg_vrrp_instance *c = in->c;
    struct vrrp_rx_expect exp = {
        .version = c->version,
        .vrid = c->vrid,
        .family = c->family,
        .auth_type = c->version == 2 ? wire_auth(c->auth_type) : VRRP_AUTH_NONE,
        .auth_pass = c->auth_pass,
        .adver_int_cs = in->adver_int_cs,
        .ttl_check = VRRP_TTL_CHECK_MCAST,
        .mode = in->peers ? VRRP_RX_MODE_UCAST : VRRP_RX_MODE_MCAST,
        .check_addrs = true,
        .vips = in->vips,
        .nvips = c->nvips,
        .peers = in->peers,
        .peer_ttl = in->peer_ttl,
        .npeers = c->npeers,
    };
    struct vrrp_advert adv;
    enum vrrp_rx_err e = vrrp_pkt_decode(rx->payload, rx->len, &rx->meta, &exp, &adv);
    if (e != VRRP_RX_OK) {
        char s[INET6_ADDRSTRLEN];
        vrrp_addr_str(&rx->meta.src, s, sizeof(s));
        in->rx_drops[e]++;
        log_rl(&in->rl_rx, ev_now(in->v->loop) / NS_PER_MS, LOG_WARN, "vrrp", in->name,
               "dropped advert from %s: %s", s, vrrp_rx_err_str(e));
        return;
    }
    struct vrrp_fsm_in f = {
        .priority = adv.priority, .adver_int_cs = adv.adver_int_cs, .src = rx->meta.src};
    enum rx_verdict v = rx_limit(in, vrrp_fsm_classify(&in->fsm, VRRP_EV_ADV, &f), &rx->meta.src);
    if (v == RX_DROP)
        return;
    in->rx_adverts++;
    if (v == RX_STEP)
        step(in, VRRP_EV_ADV, &f);
}

/* ---- VIPs ---- */

static void vips_set(struct vrrp_inst *in, const char *what)
{
    char err[256];
    for (size_t i = 0; i < in->c->nvips; i++) {
        struct nl_ifaddr a;
        nl_vip(in, i, &a);
        if (nl_addr_set(&in->v->nl, in->vip_ifindex[i], &a, in->lifetime_s, in->c->vips[i].label,
                        err, sizeof(err)) < 0) {
            in->vip_errors++;
            log_error("vrrp", in->name, "%s VIP: %s", what, err);
        }
    }
}

static void on_refresh(struct ev_loop *loop, struct ev_timer *t)
{
    struct vrrp_inst *in = t->arg;
    vips_set(in, "refresh");
    ev_timer_start(loop, &in->t_refresh, (uint64_t)in->lifetime_s * NS_PER_S / 3, on_refresh, in);
}

static void vips_add(struct vrrp_inst *in)
{
    vips_set(in, "add");
    in->vips_installed = 1;
    if (in->lifetime_s != NL_LIFETIME_FOREVER)
        ev_timer_start(in->v->loop, &in->t_refresh, (uint64_t)in->lifetime_s * NS_PER_S / 3,
                       on_refresh, in);
}

static void vips_remove(struct vrrp_inst *in)
{
    char err[256];
    ev_timer_stop(in->v->loop, &in->t_refresh);
    ev_timer_stop(in->v->loop, &in->t_garp);
    for (size_t i = 0; i < in->c->nvips; i++) {
        struct nl_ifaddr a;
        nl_vip(in, i, &a);
        if (nl_addr_del(&in->v->nl, in->vip_ifindex[i], &a, err, sizeof(err)) < 0) {
            in->vip_errors++;
            log_error("vrrp", in->name, "remove VIP: %s", err);
        }
    }
    in->vips_installed = 0;
}

struct sweep {
    struct vrrp_inst *in;
    struct nl_ifaddr found[VRRP_MAX_ADDRS];
    int ifindex[VRRP_MAX_ADDRS];
    size_t n;
};

static void on_sweep_candidate(const struct nl_addr_info *info, void *arg)
{
    struct sweep *s = arg;
    struct vrrp_addr a;
    vrrp_addr_set(&a, info->a.family, info->a.addr);
    for (size_t i = 0; i < s->in->c->nvips && s->n < VRRP_MAX_ADDRS; i++) {
        if (vrrp_addr_eq(&s->in->vips[i], &a) && info->ifindex == s->in->vip_ifindex[i]) {
            s->found[s->n] = info->a;
            s->ifindex[s->n++] = info->ifindex;
        }
    }
}

void vrrp_inst_sweep_vips(struct vrrp_inst *in)
{
    struct sweep *s = calloc(1, sizeof(*s));
    char err[256];
    if (!s)
        return;
    s->in = in;
    if (nl_addr_dump(&in->v->nl, 0, in->c->family, on_sweep_candidate, s, err, sizeof(err)) < 0)
        log_warn("vrrp", in->name, "looking for leftover VIPs: %s", err);
    for (size_t i = 0; i < s->n; i++) {
        char a[64];
        nl_ifaddr_str(&s->found[i], a, sizeof(a));
        if (nl_addr_del(&in->v->nl, s->ifindex[i], &s->found[i], err, sizeof(err)) < 0)
            log_warn("vrrp", in->name, "leftover VIP %s: %s", a, err);
        else
            log_info("vrrp", in->name, "removed leftover VIP %s (from an earlier run)", a);
    }
    free(s);
}

/* ---- gratuitous ARP / NA ---- */

static void garp_round(struct vrrp_inst *in)
{
    char err[256];
    for (size_t i = 0; i < in->c->nvips; i++) {
        struct nl_ifaddr a;
        nl_vip(in, i, &a);
        if (garp_send(&in->v->garp, in->vip_ifindex[i], &a, err, sizeof(err)) < 0)
            log_rl(&in->rl_tx, ev_now(in->v->loop) / NS_PER_MS, LOG_WARN, "vrrp", in->name, "%s",
                   err);
        else
            in->garps_sent++;
    }
}

/* One round per tick: `repeat` rounds spaced by the GARP/NA interval, then
 * the same again after garp_master_delay, then (if set) `refresh_repeat`
 * rounds every garp_master_refresh (keepalived's schedule). */
static void on_garp(struct ev_loop *loop, struct ev_timer *t)
{
    struct vrrp_inst *in = t->arg;
    const struct cfg_vrrp_instance *c = in->c;
    const struct cfg_global *g = &in->v->cfg->global;
    garp_round(in);
    uint64_t gap = c->family == AF_INET ? g->garp_interval_ms : g->gna_interval_ms;
    if (--in->garp_rounds_left > 0) {
        ev_timer_start(loop, t, gap * NS_PER_MS, on_garp, in);
    } else if (in->garp_second_burst) {
        in->garp_second_burst = 0;
        in->garp_rounds_left = c->garp_master_repeat;
        ev_timer_start(loop, t, c->garp_master_delay_ms * NS_PER_MS, on_garp, in);
    } else if (c->garp_master_refresh_ms) {
        in->garp_rounds_left = c->garp_master_refresh_repeat ? c->garp_master_refresh_repeat : 1;
        ev_timer_start(loop, t, c->garp_master_refresh_ms * NS_PER_MS, on_garp, in);
    }
}

static void garp_start(struct vrrp_inst *in)
{
    in->garp_rounds_left = in->c->garp_master_repeat ? in->c->garp_master_repeat : 1;
    in->garp_second_burst = in->c->garp_master_delay_ms > 0;
    on_garp(in->v->loop, &in->t_garp);
}

/* ---- state changes ---- */

static void notify_run(struct vrrp_inst *in, enum vrrp_state to, int stopping);

/* A notify command of this instance ended. When none is left, the latest
 * state that arrived meanwhile is notified (once). */
static void on_notify_done(void *arg)
{
    struct vrrp_inst *in = arg;
    if (in->notify_running)
        in->notify_running--;
    if (in->notify_running || !in->notify_pending)
        return;
    in->notify_pending = 0;
    if (in->notify_pending_to == in->notified_to) {
        in->notify_coalesced++;
        log_info("vrrp", in->name,
                 "notify: back in %s before the last command ended: not run again",
                 vrrp_state_name(in->notified_to));
        return;
    }
    notify_run(in, in->notify_pending_to, 0);
}

/* Notify scripts of a state change, at most one round at a time per
 * instance: a change while the last round's commands still run is kept
 * (the latest wins) and notified when they end, so a flapping instance
 * cannot start processes without limit. notify_stop (stopping) always
 * runs at once. */
static void notify(struct vrrp_inst *in, enum vrrp_state to, int stopping)
{
    if (!stopping && in->notify_running) {
        if (in->notify_pending)
            in->notify_coalesced++;
        in->notify_pending = 1;
        in->notify_pending_to = to;
        log_rl(&in->rl_notify, ev_now(in->v->loop) / NS_PER_MS, LOG_INFO, "vrrp", in->name,
               "notify for %s deferred: the last notify is still running", vrrp_state_name(to));
        return;
    }
    notify_run(in, to, stopping);
}

static void notify_run(struct vrrp_inst *in, enum vrrp_state to, int stopping)
{
    const struct cfg_vrrp_instance *c = in->c;
    const struct cfg_cmd *cmd = NULL;
    const char *state = stopping ? "STOP" : vrrp_state_name(to);
    if (stopping)
        cmd = &c->notify_stop;
    else if (to == VRRP_STATE_MASTER)
        cmd = &c->notify_master;
    else if (to == VRRP_STATE_BACKUP)
        cmd = &c->notify_backup;
    else if (to == VRRP_STATE_FAULT)
        cmd = &c->notify_fault;
    in->notified_to = to;
    if (cmd && cmd->argv && track_notify(in->v->track, cmd, NULL, on_notify_done, in) > 0)
        in->notify_running++;
    if (c->notify.argv) {
        char prio[8];
        snprintf(prio, sizeof(prio), "%u", in->fsm.priority);
        const char *const extra[] = {"INSTANCE", in->name, state, prio, NULL};
        if (track_notify(in->v->track, &c->notify, extra, on_notify_done, in) > 0)
            in->notify_running++;
    }
}

static void on_state_change(struct vrrp_inst *in, const struct vrrp_fsm_result *r)
{
    in->transitions++;
    in->since_ns = ev_clock_ns();
    snprintf(in->last_reason, sizeof(in->last_reason), "%s", r->reason);
    if (r->to == VRRP_STATE_MASTER)
        in->became_master++;
    log_info("vrrp", in->name, "%s -> %s: %s", vrrp_state_name(r->from), vrrp_state_name(r->to),
             r->reason);
    notify(in, r->to, r->to == VRRP_STATE_INIT);
}

static void arm(struct vrrp_inst *in, struct ev_timer *t, uint64_t us, ev_timer_cb cb)
{
    ev_timer_start(in->v->loop, t, us * US_TO_NS, cb, in);
}

/* Carry out r's actions in bit order (fsm.h: advert before VIPs before
 * GARP when taking over; priority 0 before removing VIPs when leaving). */
static void carry_out(struct vrrp_inst *in, const struct vrrp_fsm_result *r)
{
    uint32_t a = r->actions;
    struct ev_loop *loop = in->v->loop;
    if (a & VRRP_ACT_STOP_ADVERT_TIMER)
        ev_timer_stop(loop, &in->t_advert);
    if (a & VRRP_ACT_STOP_DOWN_TIMER)
        ev_timer_stop(loop, &in->t_down);
    if (a & VRRP_ACT_STOP_PREEMPT_DELAY)
        ev_timer_stop(loop, &in->t_preempt);
    if (a & VRRP_ACT_SEND_ADVERT_PRIO0)
        send_advert(in, VRRP_PRIO_STOP);
    if (a & VRRP_ACT_SEND_ADVERT)
        send_advert(in, r->advert_priority);
    if (a & VRRP_ACT_REMOVE_VIPS)
        vips_remove(in);
    if (a & VRRP_ACT_ADD_VIPS)
        vips_add(in);
    if (a & VRRP_ACT_SEND_GARP)
        garp_start(in);
    if (a & VRRP_ACT_START_ADVERT_TIMER)
        arm(in, &in->t_advert, r->advert_us, on_advert_timer);
    if (a & VRRP_ACT_DOWN_TIMER_ANY)
        arm(in, &in->t_down, r->down_us, on_down_timer);
    if ((a & VRRP_ACT_SHIFT_DOWN_TIMER) && ev_timer_active(&in->t_down)) {
        int64_t when = (int64_t)in->t_down.node.when + r->down_shift_us * (int64_t)US_TO_NS;
        ev_timer_start_at(loop, &in->t_down, (uint64_t)(when > 0 ? when : 0), on_down_timer, in);
    }
    if (a & VRRP_ACT_START_PREEMPT_DELAY)
        arm(in, &in->t_preempt, r->preempt_delay_us, on_preempt_timer);
    if (a & VRRP_ACT_NOTIFY)
        on_state_change(in, r);
}

/* ---- life cycle ---- */

static uint32_t lifetime_s(const struct cfg_vrrp_instance *c)
{
    if (c->vip_lifetime_ms == CFG_LIFETIME_FOREVER)
        return NL_LIFETIME_FOREVER;
    if (c->vip_lifetime_ms)
        return (uint32_t)((c->vip_lifetime_ms + 999) / 1000);
    /* auto: four advert intervals, at least 2 s (the kernel counts whole
     * seconds): a backup takes over after ~3 intervals + skew, and the VIP
     * of a killed or frozen master is gone soon after. */
    uint64_t s = (4 * c->advert_int_ms + 999) / 1000;
    return (uint32_t)(s < 2 ? 2 : s);
}

/* (Re)initialise the machine in INIT with priority prio: the base, or at
 * start the effective priority tracking already gives. */
static int init_fsm(struct vrrp_inst *in, uint8_t prio, char *err, size_t errlen)
{
    const struct cfg_vrrp_instance *c = in->c;
    struct vrrp_fsm_params p = {
        .version = c->version,
        .priority = prio,
        .adver_int_cs = in->adver_int_cs,
        .start_master = c->state == CFG_STATE_MASTER || c->priority == VRRP_PRIO_OWNER,
        .nopreempt = !c->preempt,
        .preempt_delay_us = c->preempt_delay_ms * 1000,
        .primary = in->src,
    };
    return vrrp_fsm_init(&in->fsm, &p, err, errlen);
}

/* The wire forms of the VIPs and peers, and the tracking rows. Returns 0,
 * or -1 with err (out of memory). */
static int resolve(struct vrrp_inst *in, char *err, size_t errlen)
{
    const struct cfg_vrrp_instance *c = in->c;
    in->vips = calloc(c->nvips, sizeof(*in->vips));
    in->vip_ifindex = calloc(c->nvips, sizeof(*in->vip_ifindex));
    in->peers = c->npeers ? calloc(c->npeers, sizeof(*in->peers)) : NULL;
    in->peer_ttl = c->npeers ? calloc(c->npeers, sizeof(*in->peer_ttl)) : NULL;
    if (!in->vips || !in->vip_ifindex || (c->npeers && (!in->peers || !in->peer_ttl)) ||
        tracks_build(in) < 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < c->nvips; i++)
        addr_from_cfg(&in->vips[i], &c->vips[i].addr);
    for (size_t i = 0; i < c->npeers; i++) {
        addr_from_cfg(&in->peers[i], &c->peers[i].addr);
        in->peer_ttl[i].min = c->peers[i].min_ttl ? c->peers[i].min_ttl : 1;
        in->peer_ttl[i].max = c->peers[i].max_ttl ? c->peers[i].max_ttl : 255;
    }
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
static int attach(struct vrrp_inst *in, char *err, size_t errlen)
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

/* ---- waiting for the interface ---- */

static void on_wait_timer(struct ev_loop *loop, struct ev_timer *t)
{
    wait_retry(t->arg);
}

/* Wait (again) because of why, an attach() error: say so in status, and
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
static void wait_retry(struct vrrp_inst *in)
{
    char why[128], s[INET6_ADDRSTRLEN];
    int rc = attach(in, why, sizeof(why));
    if (rc == 0 && init_fsm(in, in->c->priority, why, sizeof(why)) < 0) {
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
        compute_priority(in); /* for status; the fsm stays in FAULT */
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
static void wait_start(struct vrrp_inst *in)
{
    log_warn("vrrp", in->name,
             "not starting VRRPv%u vrid %u on %s yet: %s; FAULT until then (retrying on link "
             "changes and every second)",
             in->c->version, in->c->vrid, in->c->interface, in->wait_reason);
    in->since_ns = ev_clock_ns();
    track_link_up(in->v->track, in->c->interface); /* watch the name: link events retrack us */
    compute_priority(in);
    struct vrrp_fsm_in f = {.detail = in->wait_reason};
    step(in, VRRP_EV_FAULT, &f);
    if (!ev_timer_active(&in->t_wait))
        ev_timer_start(in->v->loop, &in->t_wait, NS_PER_S, on_wait_timer, in);
}

/* A running instance whose interface was deleted and made again (a new
 * ifindex) holds a socket and VIPs of the old one: leave the running state
 * as for a fault (it usually is in FAULT already: the link went away),
 * drop the socket and attach to the new interface as a waiting instance
 * does. Returns 1 if that happened. */
static int reattach_if_recreated(struct vrrp_inst *in)
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
        step(in, VRRP_EV_FAULT, &f);
    }
    vrrp_sock_put(in->v, in->sock);
    in->sock = NULL;
    in->ifindex = 0;
    in->waiting = 1;
    snprintf(in->wait_reason, sizeof(in->wait_reason), "%s", why);
    wait_retry(in);
    return 1;
}

/* ---- new, start, rebind, free, stop ---- */

struct vrrp_inst *vrrp_inst_new(struct vrrp *v, const struct cfg_vrrp_instance *c, char *err,
                                size_t errlen)
{
    struct vrrp_inst *in = calloc(1, sizeof(*in));
    char why[128];
    if (!in) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    in->v = v;
    in->c = c;
    snprintf(in->name, sizeof(in->name), "%s", c->name);
    in->adver_int_cs = (uint16_t)(c->advert_int_ms / 10);
    in->lifetime_s = lifetime_s(c);
    in->rl_rx = (struct log_ratelimit){.interval_ms = 10000, .burst = 5};
    in->rl_tx = (struct log_ratelimit){.interval_ms = 10000, .burst = 5};
    in->rl_notify = (struct log_ratelimit){.interval_ms = 10000, .burst = 3};
    in->lim_flap =
        (struct log_ratelimit){.interval_ms = VRRP_FLAP_WINDOW_MS, .burst = VRRP_FLAP_MAX};
    in->t_advert.arg = in->t_down.arg = in->t_preempt.arg = in->t_refresh.arg = in;
    in->t_garp.arg = in->t_wait.arg = in;
    if (resolve(in, err, errlen) < 0)
        goto fail;
    int rc = attach(in, why, sizeof(why));
    if (rc < 0) {
        snprintf(err, errlen, "%s", why);
        goto fail;
    }
    if (rc > 0) { /* vrrp_inst_start puts it in FAULT */
        in->waiting = 1;
        snprintf(in->wait_reason, sizeof(in->wait_reason), "%s (waiting for it)", why);
    }
    if (init_fsm(in, c->priority, err, errlen) < 0)
        goto fail;
    return in;
fail:
    vrrp_inst_free(in);
    return NULL;
}

void vrrp_inst_start(struct vrrp_inst *in)
{
    char s[INET6_ADDRSTRLEN], life[24] = "forever";
    if (in->waiting) {
        wait_start(in);
        return;
    }
    vrrp_addr_str(&in->src, s, sizeof(s));
    if (in->lifetime_s != NL_LIFETIME_FOREVER)
        snprintf(life, sizeof(life), "%u s", in->lifetime_s);
    log_info("vrrp", in->name,
             "starting: VRRPv%u vrid %u on %s from %s, priority %u, advert %llu ms, %s, "
             "VIP lifetime %s",
             in->c->version, in->c->vrid, in->c->interface, s, in->c->priority,
             (unsigned long long)in->c->advert_int_ms, in->peers ? "unicast" : "multicast", life);
    if (in->c->quorum)
        log_warn("vrrp", in->name, "quorum is not implemented yet: ignored");
    vrrp_inst_sweep_vips(in);
    in->since_ns = ev_clock_ns();
    in->if_up = track_link_up(in->v->track, in->c->interface);
    uint8_t prio = compute_priority(in);
    char err[128];
    if (prio != in->fsm.priority) {
        log_info("vrrp", in->name, "starting with priority %u (base %u, tracking)", prio,
                 in->c->priority);
        if (init_fsm(in, prio, err, sizeof(err)) < 0)
            log_error("vrrp", in->name, "priority %u: %s", prio, err);
    }
    if (in->track_faults) {
        struct vrrp_fsm_in f = {.detail = in->fault_reason};
        step(in, VRRP_EV_FAULT, &f);
    } else {
        step(in, VRRP_EV_STARTUP, NULL);
    }
}

void vrrp_inst_rebind(struct vrrp_inst *in)
{
    /* same settings, new model: the track list points into it now (script
     * indexes may have moved) */
    if (tracks_build(in) < 0)
        log_error("vrrp", in->name, "out of memory rebuilding tracking after reload");
    vrrp_inst_retrack(in);
}

void vrrp_inst_free(struct vrrp_inst *in)
{
    if (!in)
        return;
    track_notify_forget(in->v->track, in);
    struct ev_loop *loop = in->v->loop;
    ev_timer_stop(loop, &in->t_advert);
    ev_timer_stop(loop, &in->t_down);
    ev_timer_stop(loop, &in->t_preempt);
    ev_timer_stop(loop, &in->t_refresh);
    ev_timer_stop(loop, &in->t_garp);
    ev_timer_stop(loop, &in->t_wait);
    if (in->sock)
        vrrp_sock_put(in->v, in->sock);
    free(in->vips);
    free(in->vip_ifindex);
    free(in->peers);
    free(in->peer_ttl);
    tracks_free(in);
    free(in);
}

void vrrp_inst_stop(struct vrrp_inst *in)
{
    if (in->fsm.state != VRRP_STATE_INIT)
        step(in, VRRP_EV_SHUTDOWN, NULL);
    if (in->vips_installed)
        vips_remove(in);
    vrrp_inst_free(in);
}
