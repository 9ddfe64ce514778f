/* status: the engine's state for `haplane status`: who holds the VIP and
 * why, per instance, with every counter. */
#include <stdio.h>
#include <string.h>

#include "vrrp/vrrp-int.h"

static double secs_since(uint64_t ns)
{
    return (double)(ev_clock_ns() - ns) / NS_PER_S;
}

/* Why the instance is in FAULT, or NULL. */
static const char *fault_of(const struct vrrp_inst *in)
{
    if (in->waiting)
        return in->wait_reason;
    return in->track_faults ? in->fault_reason : NULL;
}

static void json_drops(struct sbuf *b, const uint64_t *drops)
{
    sbuf_puts(b, "{");
    int first = 1;
    for (int e = 1; e < VRRP_RX_ERR_COUNT; e++) {
        if (!drops[e])
            continue;
        sbuf_printf(b, "%s\"%s\":%llu", first ? "" : ",", vrrp_rx_err_str((enum vrrp_rx_err)e),
                    (unsigned long long)drops[e]);
        first = 0;
    }
    sbuf_puts(b, "}");
}

static void json_master(struct sbuf *b, const struct vrrp_inst *in)
{
    char a[INET6_ADDRSTRLEN];
    if (in->fsm.state == VRRP_STATE_MASTER) {
        sbuf_printf(b, "{\"self\":true,\"address\":\"%s\",\"priority\":%u}",
                    vrrp_addr_str(&in->src, a, sizeof(a)), in->fsm.priority);
    } else if (in->fsm.state == VRRP_STATE_BACKUP && in->fsm.master_addr.family) {
        sbuf_printf(b, "{\"self\":false,\"address\":\"%s\",\"priority\":%u}",
                    vrrp_addr_str(&in->fsm.master_addr, a, sizeof(a)), in->fsm.master_priority);
    } else {
        sbuf_puts(b, "null");
    }
}

/* Failover gaps measured here: bucket bounds, per-bucket counts (the last
 * one +Inf), their sum and the last one, in seconds; and the VIPs'
 * lifetime renewals. */
static void json_gaps(struct sbuf *b, const struct vrrp_inst *in)
{
    static const uint32_t bounds_ms[VRRP_GAP_NBUCKETS] = VRRP_GAP_BOUNDS_MS;
    sbuf_puts(b, ",\"failover_gaps\":{\"le_s\":[");
    for (int i = 0; i < VRRP_GAP_NBUCKETS; i++)
        sbuf_printf(b, "%s%g", i ? "," : "", bounds_ms[i] / 1e3);
    sbuf_puts(b, "],\"counts\":[");
    for (int i = 0; i <= VRRP_GAP_NBUCKETS; i++)
        sbuf_printf(b, "%s%llu", i ? "," : "", (unsigned long long)in->gap_counts[i]);
    sbuf_printf(b, "],\"sum_s\":%.6f,\"last_s\":%.6f},\"vip_refreshes\":%llu", in->gap_sum_us / 1e6,
                in->gap_last_us / 1e6, (unsigned long long)in->vip_refreshes);
}

static void json_instance(struct sbuf *b, const struct vrrp_inst *in)
{
    const struct cfg_vrrp_instance *c = in->c;
    char a[64];
    sbuf_puts(b, "{\"name\":");
    sbuf_json_str(b, in->name);
    sbuf_printf(b,
                ",\"state\":\"%s\",\"priority\":%u,\"base_priority\":%u,\"vrid\":%u,"
                "\"version\":%u,\"interface\":",
                vrrp_state_name(in->fsm.state), in->fsm.priority, c->priority, c->vrid, c->version);
    sbuf_json_str(b, c->interface);
    sbuf_printf(b,
                ",\"source\":\"%s\",\"mode\":\"%s\",\"advert_int_ms\":%llu,"
                "\"master_adver_int_ms\":%u,\"master\":",
                vrrp_addr_str(&in->src, a, sizeof(a)), in->peers ? "unicast" : "multicast",
                (unsigned long long)c->advert_int_ms, in->fsm.master_adver_int_cs * 10u);
    json_master(b, in);
    sbuf_printf(b, ",\"vips_held\":%s,\"vips_failed\":%zu,\"vip_lifetime_s\":",
                in->vips_installed && !in->vips_failed ? "true" : "false", in->vips_failed);
    if (in->lifetime_s == NL_LIFETIME_FOREVER)
        sbuf_puts(b, "null");
    else
        sbuf_printf(b, "%u", in->lifetime_s);
    sbuf_puts(b, ",\"vips\":[");
    for (size_t i = 0; i < c->nvips; i++) {
        sbuf_puts(b, i ? "," : "");
        sbuf_json_str(b, cfg_format_addr(&c->vips[i].addr, 1, a, sizeof(a)));
    }
    sbuf_printf(b, "],\"since_s\":%.3f,\"reason\":", secs_since(in->since_ns));
    sbuf_json_str(b, in->last_reason);
    sbuf_puts(b, ",\"fault\":");
    if (fault_of(in))
        sbuf_json_str(b, fault_of(in));
    else
        sbuf_puts(b, "null");
    sbuf_puts(b, ",\"quorum\":");
    vrrp_quorum_json(in, b);
    sbuf_puts(b, ",\"failover_reset\":");
    vrrp_freset_json(in, b);
    sbuf_puts(b, ",\"fence\":");
    vrrp_fence_json(in, b);
    sbuf_puts(b, ",\"track_etcd\":");
    vrrp_etcdhealth_json(in, b);
    sbuf_puts(b, ",\"tracks\":[");
    for (size_t i = 1; i < in->nrows; i++) {
        const struct vrrp_prio_input *r = &in->rows[i];
        sbuf_printf(b, "%s{\"kind\":\"%s\",\"name\":", i > 1 ? "," : "",
                    vrrp_input_kind_name(r->kind));
        sbuf_json_str(b, r->name);
        sbuf_printf(b, ",\"weight\":%d,\"ok\":%s,\"effect\":\"%s\"}", r->weight,
                    r->verdict < 0 ? "null"
                    : r->verdict   ? "true"
                                   : "false",
                    vrrp_effect_name(in->effects[i]));
    }
    sbuf_printf(b,
                "],\"counters\":{\"adverts_rx\":%llu,\"adverts_tx\":%llu,\"tx_errors\":%llu,"
                "\"transitions\":%llu,\"became_master\":%llu,\"vip_errors\":%llu,"
                "\"garps_sent\":%llu,\"reannounces\":%llu,\"replies_limited\":%llu,"
                "\"notify_running\":%u,"
                "\"notify_coalesced\":%llu,\"preempt_adverts\":%llu,"
                "\"drops\":",
                (unsigned long long)in->rx_adverts, (unsigned long long)in->tx_adverts,
                (unsigned long long)in->tx_errors, (unsigned long long)in->transitions,
                (unsigned long long)in->became_master, (unsigned long long)in->vip_errors,
                (unsigned long long)in->garps_sent, (unsigned long long)in->reannounces,
                (unsigned long long)in->replies_limited,
                in->notify_running, (unsigned long long)in->notify_coalesced,
                (unsigned long long)in->preempt_adverts);
    json_drops(b, in->rx_drops);
    sbuf_puts(b, ",\"transitions_by_reason\":{");
    for (int e = 0, first = 1; e < VRRP_EV_COUNT; e++) {
        if (!in->transitions_by[e])
            continue;
        sbuf_printf(b, "%s\"%s\":%llu", first ? "" : ",", vrrp_event_name((enum vrrp_event)e),
                    (unsigned long long)in->transitions_by[e]);
        first = 0;
    }
    sbuf_puts(b, "}}");
    json_gaps(b, in);
    sbuf_puts(b, "}");
}

void vrrp_status_json(struct vrrp *v, struct sbuf *b)
{
    sbuf_puts(b, "{\"instances\":[");
    for (size_t i = 0; v && i < v->ninsts; i++) {
        sbuf_puts(b, i ? "," : "");
        json_instance(b, v->insts[i]);
    }
    static const uint64_t none[VRRP_HB_ERR_COUNT];
    sbuf_puts(b, "],\"quorum_drops\":");
    vrrp_quorum_drops_json(v ? v->hb_drops : none, b);
    static const uint64_t tnone[VRRP_TP_ERR_COUNT];
    sbuf_puts(b, ",\"failover_reset_drops\":");
    vrrp_freset_drops_json(v ? v->tp_drops : tnone, b);
    sbuf_puts(b, ",\"sockets\":[");
    int first = 1;
    for (struct vrrp_sock *s = v ? v->socks : NULL; s; s = s->next) {
        char ifname[IF_NAMESIZE] = "?";
        if_indextoname((unsigned)s->ifindex, ifname);
        sbuf_printf(b, "%s{\"interface\":\"%s\",\"family\":%d,\"unknown_vrid\":%llu,\"drops\":",
                    first ? "" : ",", ifname, s->family == AF_INET ? 4 : 6,
                    (unsigned long long)s->rx_unknown_vrid);
        json_drops(b, s->rx_ip_errors);
        sbuf_puts(b, "}");
        first = 0;
    }
    sbuf_puts(b, "]}");
}

/* One line per tracked row that counts: what it adds, or that it faults,
 * or that it has no verdict yet. */
static void text_row(struct sbuf *b, const struct vrrp_prio_input *r, enum vrrp_effect e)
{
    const char *kind = vrrp_input_kind_name(r->kind);
    if (e == VRRP_EFF_WEIGHT)
        sbuf_printf(b, "  tracked %s %s %s: priority %+d\n", kind, r->name,
                    r->verdict ? "ok" : vrrp_input_failing(r->kind), r->weight);
    else if (e == VRRP_EFF_FAULT)
        sbuf_printf(b, "  tracked %s %s %s: FAULT\n", kind, r->name, vrrp_input_failing(r->kind));
    else if (e == VRRP_EFF_PENDING)
        sbuf_printf(b, "  tracked %s %s: no verdict yet\n", kind, r->name);
}

static void text_instance(struct sbuf *b, const struct vrrp_inst *in)
{
    const struct cfg_vrrp_instance *c = in->c;
    char a[64], m[INET6_ADDRSTRLEN];
    sbuf_printf(b, "vrrp %-12s %-6s prio %u", in->name, vrrp_state_name(in->fsm.state),
                in->fsm.priority);
    if (in->fsm.priority != c->priority)
        sbuf_printf(b, " (base %u)", c->priority);
    sbuf_printf(b, ", vrid %u on %s, v%u %s\n", c->vrid, c->interface, c->version,
                in->peers ? "unicast" : "multicast");
    for (size_t i = 0; i < c->nvips; i++)
        sbuf_printf(b, "  VIP %s %s\n", cfg_format_addr(&c->vips[i].addr, 1, a, sizeof(a)),
                    !in->vips_installed ? "not here"
                    : in->vips_failed   ? "should be here, but adding it failed (see the log)"
                                        : "held here");
    if (in->fsm.state == VRRP_STATE_MASTER)
        sbuf_printf(b, "  master: this node (%s)\n", vrrp_addr_str(&in->src, m, sizeof(m)));
    else if (in->fsm.state == VRRP_STATE_BACKUP && in->fsm.master_addr.family)
        sbuf_printf(b, "  master: %s, priority %u\n",
                    vrrp_addr_str(&in->fsm.master_addr, m, sizeof(m)), in->fsm.master_priority);
    sbuf_printf(b, "  since %.1f s: %s\n", secs_since(in->since_ns), in->last_reason);
    if (fault_of(in))
        sbuf_printf(b, "  FAULT: %s\n", fault_of(in));
    if (in->q) {
        sbuf_printf(b, "  quorum: %zu of %zu nodes seen, %zu needed: %s;", in->q->nseen + 1,
                    in->q->n + 1, (in->q->n + 1) / 2 + 1,
                    in->q->majority ? "majority" : "NO MAJORITY");
        for (size_t i = 0; i < in->q->nknown; i++)
            sbuf_printf(b, " %s %s", vrrp_addr_str(&in->q->addrs[i], m, sizeof(m)),
                        in->q->peers[i].seen ? "seen" : "unseen");
        if (in->q->nknown < in->q->n)
            sbuf_printf(b, " (%zu not heard from yet)", in->q->n - in->q->nknown);
        sbuf_puts(b, "\n");
    }
    vrrp_fence_text(in, b);
    vrrp_freset_text(in, b);
    for (size_t i = 1; i < in->nrows; i++)
        text_row(b, &in->rows[i], in->effects[i]);
    sbuf_printf(b, "  adverts rx %llu tx %llu, transitions %llu",
                (unsigned long long)in->rx_adverts, (unsigned long long)in->tx_adverts,
                (unsigned long long)in->transitions);
    for (int e = 1; e < VRRP_RX_ERR_COUNT; e++)
        if (in->rx_drops[e])
            sbuf_printf(b, ", dropped %s %llu", vrrp_rx_err_str((enum vrrp_rx_err)e),
                        (unsigned long long)in->rx_drops[e]);
    sbuf_puts(b, "\n");
}

void vrrp_status_text(struct vrrp *v, struct sbuf *b)
{
    for (size_t i = 0; v && i < v->ninsts; i++)
        text_instance(b, v->insts[i]);
}

void vrrp_status_line(struct vrrp *v, struct sbuf *b)
{
    for (size_t i = 0; v && i < v->ninsts; i++)
        sbuf_printf(b, "%s%s %s", b->len ? ", " : "", v->insts[i]->name,
                    vrrp_state_name(v->insts[i]->fsm.state));
}
