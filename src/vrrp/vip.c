/* vip: an instance's VIPs in the kernel (added with a lifetime, refreshed
 * while master, removed on leaving, swept at start) and their gratuitous
 * ARP / unsolicited NA bursts. Carried out for instance.c. */
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

void vrrp_nl_vip(const struct vrrp_inst *in, size_t i, struct nl_ifaddr *out)
{
    out->family = in->vips[i].family;
    memcpy(out->addr, in->vips[i].u.b, 16);
    out->prefix = in->c->vips[i].addr.prefix;
}

void vrrp_vips_set(struct vrrp_inst *in, const char *what)
{
    char err[256];
    in->vips_failed = 0;
    uint32_t life = vrrp_fence_vip_lifetime(in, in->lifetime_s);
    for (size_t i = 0; i < in->c->nvips; i++) {
        struct nl_ifaddr a;
        vrrp_nl_vip(in, i, &a);
        if (nl_addr_set(&in->v->nl, in->vip_ifindex[i], &a, life, in->c->vips[i].label, err,
                        sizeof(err)) < 0) {
            in->vip_errors++;
            in->vips_failed++;
            log_error("vrrp", in->name, "%s VIP: %s", what, err);
        }
    }
}

static void on_refresh(struct ev_loop *loop, struct ev_timer *t)
{
    struct vrrp_inst *in = t->arg;
    vrrp_vips_set(in, "refresh");
    in->vip_refreshes++;
    ev_timer_start(loop, &in->t_refresh, (uint64_t)in->lifetime_s * NS_PER_S / 3, on_refresh, in);
}

/* A takeover after hearing a master: the gap from its last advert to our
 * VIPs installed, in the instance's histogram. */
static void gap_observe(struct vrrp_inst *in)
{
    static const uint32_t bounds_ms[VRRP_GAP_NBUCKETS] = VRRP_GAP_BOUNDS_MS;
    size_t b = 0;
    if (!in->last_master_adv_ns)
        return;
    uint64_t us = (ev_clock_ns() - in->last_master_adv_ns) / 1000;
    while (b < VRRP_GAP_NBUCKETS && us > (uint64_t)bounds_ms[b] * 1000)
        b++;
    in->gap_counts[b]++;
    in->gap_sum_us += us;
    in->gap_last_us = us;
    in->last_master_adv_ns = 0;
}

void vrrp_vips_add(struct vrrp_inst *in)
{
    vrrp_vips_set(in, "add");
    gap_observe(in);
    in->vips_installed = 1;
    if (in->lifetime_s != NL_LIFETIME_FOREVER)
        ev_timer_start(in->v->loop, &in->t_refresh, (uint64_t)in->lifetime_s * NS_PER_S / 3,
                       on_refresh, in);
}

void vrrp_vips_remove(struct vrrp_inst *in)
{
    char err[256];
    ev_timer_stop(in->v->loop, &in->t_refresh);
    ev_timer_stop(in->v->loop, &in->t_garp);
    for (size_t i = 0; i < in->c->nvips; i++) {
        struct nl_ifaddr a;
        vrrp_nl_vip(in, i, &a);
        if (nl_addr_del(&in->v->nl, in->vip_ifindex[i], &a, err, sizeof(err)) < 0) {
            in->vip_errors++;
            log_error("vrrp", in->name, "remove VIP: %s", err);
        }
    }
    in->vips_failed = 0;
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

static void garp_round(struct vrrp_inst *in)
{
    char err[256];
    for (size_t i = 0; i < in->c->nvips; i++) {
        struct nl_ifaddr a;
        vrrp_nl_vip(in, i, &a);
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

/* Two nodes that both took over (their master-down timers a fraction of a
 * millisecond apart) each sent their GARPs; the lower one steps back, but a
 * host whose ARP cache took its announcement last sends to it until the
 * next burst, seconds later. The master that stays answers the lower
 * master's adverts with one round of its own announcements. */
void vrrp_reannounce(struct vrrp_inst *in, const char *why)
{
    uint64_t now_ms = ev_now(in->v->loop) / NS_PER_MS;

    if (!in->vips_installed || now_ms < in->next_reannounce_ms)
        return;
    in->next_reannounce_ms = now_ms + VRRP_REANNOUNCE_MS;
    in->reannounces++;
    log_rl(&in->rl_tx, now_ms, LOG_INFO, "vrrp", in->name,
           "%s: announcing the VIPs again, so that hosts whose ARP/ND cache took a lower "
           "master's announcement point back here",
           why);
    garp_round(in);
}

void vrrp_garp_start(struct vrrp_inst *in)
{
    in->garp_rounds_left = in->c->garp_master_repeat ? in->c->garp_master_repeat : 1;
    in->garp_second_burst = in->c->garp_master_delay_ms > 0;
    on_garp(in->v->loop, &in->t_garp);
}
