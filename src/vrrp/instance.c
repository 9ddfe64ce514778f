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
static void arm(struct vrrp_inst *in, struct ev_timer *t, uint64_t us, ev_timer_cb cb);

void vrrp_addr_from_cfg(struct vrrp_addr *out, const struct cfg_addr *a)
{
    vrrp_addr_set(out, a->family, a->family == AF_INET ? (const void *)&a->u.v4 : &a->u.v6);
}

/* ---- finding our source address ---- */

/* ---- tracking ---- */

void vrrp_inst_step(struct vrrp_inst *in, enum vrrp_event ev, const struct vrrp_fsm_in *fin)
{
    struct vrrp_fsm_result r;
    vrrp_fsm_step(&in->fsm, ev, fin, &r);
    carry_out(in, &r);
}

void vrrp_inst_retrack(struct vrrp_inst *in)
{
    if (in->fsm.state == VRRP_STATE_INIT)
        return;
    if (in->waiting) {
        vrrp_wait_retry(in);
        return;
    }
    if (vrrp_reattach_if_recreated(in))
        return;
    in->if_up = track_link_up(in->v->track, in->c->interface);
    uint8_t prio = vrrp_inputs_priority(in);
    if (in->track_faults && in->fsm.state != VRRP_STATE_FAULT) {
        struct vrrp_fsm_in f = {.detail = in->fault_reason};
        vrrp_inst_step(in, VRRP_EV_FAULT, &f);
    } else if (!in->track_faults && in->fsm.state == VRRP_STATE_FAULT) {
        vrrp_inst_step(in, VRRP_EV_FAULT_CLEARED, NULL);
    }
    if (prio != in->fsm.priority) {
        log_info("vrrp", in->name, "priority %u -> %u (base %u)", in->fsm.priority, prio,
                 in->c->priority);
        struct vrrp_fsm_in f = {.priority = prio};
        vrrp_inst_step(in, VRRP_EV_PRIORITY_CHANGED, &f);
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
    vrrp_addr_from_cfg(&group, g);
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
    /* the fence first: after a stall its lease may have run out, and an
     * advert now would make the key's new holder yield */
    vrrp_fence_kick(in);
    vrrp_inst_step(in, VRRP_EV_ADVERT_TIMER, NULL);
    if (in->fsm.state != VRRP_STATE_MASTER || !in->vips_installed ||
        late <= 2 * in->adver_int_cs * VRRP_CS_US * US_TO_NS)
        return;
    log_warn("vrrp", in->name,
             "advert timer ran %llu ms late (process stalled?): "
             "re-installing and re-announcing the VIPs",
             (unsigned long long)(late / NS_PER_MS));
    vrrp_vips_set(in, "re-install");
    vrrp_garp_start(in);
}

/* With a fence, a backup takes over only when the fence lets it (it holds
 * the etcd key, or etcd never answered): vrrp_fence_hold_back. */
static void on_down_timer(struct ev_loop *loop, struct ev_timer *t)
{
    struct vrrp_inst *in = t->arg;
    int held = in->fsm.state == VRRP_STATE_BACKUP ? vrrp_fence_hold_back(in) : 0;
    if (held == 2)
        arm(in, &in->t_down,
            vrrp_master_down_us(in->c->version, in->fsm.priority, in->fsm.master_adver_int_cs, 0),
            on_down_timer);
    if (!held)
        vrrp_inst_step(in, VRRP_EV_MASTER_DOWN, NULL);
}

static void on_preempt_timer(struct ev_loop *loop, struct ev_timer *t)
{
    vrrp_inst_step(t->arg, VRRP_EV_PREEMPT_DELAY, NULL);
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
    enum vrrp_event cls = vrrp_fsm_classify(&in->fsm, VRRP_EV_ADV, &f);
    if (in->fsm.state == VRRP_STATE_BACKUP && cls == VRRP_EV_ADV_LOWER)
        in->lower_seen_ns = ev_now(in->v->loop); /* a live master we would preempt */
    enum rx_verdict v = rx_limit(in, cls, &rx->meta.src);
    if (v == RX_DROP)
        return;
    in->rx_adverts++;
    if (in->fsm.state == VRRP_STATE_BACKUP) /* from the master: a failover gap starts here */
        in->last_master_adv_ns = ev_now(in->v->loop);
    if (v == RX_STEP)
        vrrp_inst_step(in, VRRP_EV_ADV, &f);
}

/* Preemption under a fence: a backup that would preempt a live
 * lower-priority master cannot, because that master holds the etcd key.
 * It sends that master one advert with its own priority (at most one per
 * advert interval, and only while it hears the master's lower adverts): the
 * master yields as it would to a new master (RFC 5798 6.4.3), revokes its
 * lease, and this backup acquires the key and takes over. The fence still
 * decides: nothing becomes master without the key. */
void vrrp_inst_preempt_advert(struct vrrp_inst *in)
{
    uint64_t now = ev_now(in->v->loop), iv = in->adver_int_cs * VRRP_CS_US * US_TO_NS;
    if (in->fsm.state != VRRP_STATE_BACKUP || !in->lower_seen_ns ||
        now - in->lower_seen_ns > 3 * iv || now < in->next_preempt_ns)
        return;
    in->next_preempt_ns = now + iv;
    in->preempt_adverts++;
    log_info("vrrp", in->name,
             "fence: the key holder has a lower priority: asking it to yield (advert with "
             "priority %u)",
             in->fsm.priority);
    send_advert(in, in->fsm.priority);
}

/* ---- VIPs ---- */

/* ---- gratuitous ARP / NA ---- */

/* ---- state changes ---- */

static void on_state_change(struct vrrp_inst *in, const struct vrrp_fsm_result *r)
{
    in->transitions++;
    if ((unsigned)r->event < VRRP_EV_COUNT)
        in->transitions_by[r->event]++;
    in->since_ns = ev_clock_ns();
    snprintf(in->last_reason, sizeof(in->last_reason), "%s", r->reason);
    if (r->to == VRRP_STATE_MASTER)
        in->became_master++;
    log_info("vrrp", in->name, "%s -> %s: %s", vrrp_state_name(r->from), vrrp_state_name(r->to),
             r->reason);
    vrrp_notify(in, r->to, r->to == VRRP_STATE_INIT);
    vrrp_freset_state(in, r->from, r->to); /* a takeover resets the old holder's clients */
    vrrp_fence_kick(in); /* master or not: hold, acquire or release the key */
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
        vrrp_vips_remove(in);
    if (a & VRRP_ACT_ADD_VIPS)
        vrrp_vips_add(in);
    if (a & VRRP_ACT_SEND_GARP)
        vrrp_garp_start(in);
    if (a & VRRP_ACT_REANNOUNCE)
        vrrp_reannounce(in, r->reason);
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
    if (s < 2)
        s = 2;
    /* with a fence, the VIP must not outlive the etcd lease */
    if (c->fence.on && s > c->fence.ttl_ms / 1000)
        s = c->fence.ttl_ms / 1000;
    return (uint32_t)s;
}

/* (Re)initialise the machine in INIT with priority prio: the base, or at
 * start the effective priority tracking already gives. */
int vrrp_inst_init_fsm(struct vrrp_inst *in, uint8_t prio, char *err, size_t errlen)
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
        vrrp_inputs_build(in) < 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < c->nvips; i++)
        vrrp_addr_from_cfg(&in->vips[i], &c->vips[i].addr);
    for (size_t i = 0; i < c->npeers; i++) {
        vrrp_addr_from_cfg(&in->peers[i], &c->peers[i].addr);
        in->peer_ttl[i].min = c->peers[i].min_ttl ? c->peers[i].min_ttl : 1;
        in->peer_ttl[i].max = c->peers[i].max_ttl ? c->peers[i].max_ttl : 255;
    }
    return 0;
}

/* ---- waiting for the interface ---- */

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
    in->etcd_ok = -1;
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
    int rc = vrrp_attach(in, why, sizeof(why));
    if (rc < 0) {
        snprintf(err, errlen, "%s", why);
        goto fail;
    }
    if (rc > 0) { /* vrrp_inst_start puts it in FAULT */
        in->waiting = 1;
        snprintf(in->wait_reason, sizeof(in->wait_reason), "%s (waiting for it)", why);
    }
    if (vrrp_inst_init_fsm(in, c->priority, err, errlen) < 0)
        goto fail;
    return in;
fail:
    vrrp_inst_free(in);
    return NULL;
}

void vrrp_inst_start(struct vrrp_inst *in)
{
    char s[INET6_ADDRSTRLEN], life[24] = "forever";
    char why[160];
    if (vrrp_quorum_start(in) < 0)
        log_error("vrrp", in->name, "quorum heartbeat not started: out of memory");
    if (vrrp_freset_start(in) < 0)
        log_error("vrrp", in->name, "failover_reset not started: out of memory");
    if (vrrp_fence_start(in, why, sizeof(why)) < 0)
        log_error("vrrp", in->name, "fence etcd not started (VRRP alone decides): %s", why);
    if (vrrp_etcdhealth_start(in, why, sizeof(why)) < 0) {
        log_error("vrrp", in->name, "track_etcd not started (counts as unhealthy): %s", why);
        in->etcd_ok = 0;
    }
    if (in->waiting) {
        vrrp_wait_start(in);
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
    vrrp_inst_sweep_vips(in);
    in->since_ns = ev_clock_ns();
    in->if_up = track_link_up(in->v->track, in->c->interface);
    uint8_t prio = vrrp_inputs_priority(in);
    char err[128];
    if (prio != in->fsm.priority) {
        log_info("vrrp", in->name, "starting with priority %u (base %u, tracking)", prio,
                 in->c->priority);
        if (vrrp_inst_init_fsm(in, prio, err, sizeof(err)) < 0)
            log_error("vrrp", in->name, "priority %u: %s", prio, err);
    }
    if (in->track_faults) {
        struct vrrp_fsm_in f = {.detail = in->fault_reason};
        vrrp_inst_step(in, VRRP_EV_FAULT, &f);
    } else {
        vrrp_inst_step(in, VRRP_EV_STARTUP, NULL);
    }
}

void vrrp_inst_rebind(struct vrrp_inst *in)
{
    /* same settings, new model: the track list points into it now (script
     * indexes may have moved) */
    if (vrrp_inputs_build(in) < 0)
        log_error("vrrp", in->name, "out of memory rebuilding tracking after reload");
    vrrp_freset_rebind(in);
    vrrp_inst_retrack(in);
}

void vrrp_inst_free(struct vrrp_inst *in)
{
    if (!in)
        return;
    track_notify_forget(in->v->track, in);
    vrrp_quorum_stop(in);
    vrrp_freset_stop(in);
    vrrp_etcdhealth_stop(in);
    vrrp_fence_stop(in);
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
    vrrp_inputs_free(in);
    free(in);
}

void vrrp_inst_stop(struct vrrp_inst *in)
{
    if (in->fsm.state != VRRP_STATE_INIT)
        vrrp_inst_step(in, VRRP_EV_SHUTDOWN, NULL);
    if (in->vips_installed)
        vrrp_vips_remove(in);
    vrrp_inst_free(in);
}
