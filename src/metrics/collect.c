/* collect: the metrics, read from the status document that `haplane status
 * --json` prints (built by vrrp/status.c, proxy/status.c and daemon.c), so
 * that the two never disagree and no module keeps a second set of
 * counters for them. Pure: a parsed document in, exposition text out.
 *
 * Families are written whole (every object's samples together). A family
 * none of whose objects has the value is left out (e.g. quorum metrics
 * when no instance has `quorum on`). Label sets that come from an enum
 * (drop reasons, check results, states) are written in full, zeros too,
 * so that rate() sees the first increment.
 *
 * The VRRP instance is labelled `vrrp_instance`, not `instance`: Prometheus
 * sets `instance` on every scraped sample (the target) and would rename
 * ours to exported_instance.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/check.h"
#include "check/state.h"
#include "metrics/expo.h"
#include "metrics/metrics-int.h"
#include "vrrp/fsm.h"
#include "vrrp/hb.h"
#include "vrrp/pkt.h"
#include "vrrp/tuples.h"

#ifndef HAPLANE_GITREV
#define HAPLANE_GITREV "unknown"
#endif

#define MX_MAX_LABELS 4

/* An object metrics are read from (an instance, a proxy, a server) and
 * the labels that name it. */
struct obj {
    int node;
    struct mx_label l[MX_MAX_LABELS]; /* ends at a NULL name */
};

struct objs {
    struct obj *v;
    size_t n, cap;
};

/* A number (or boolean) at path under node, scaled. */
struct simple {
    const char *name;
    enum mx_type type;
    const char *help;
    const char *path;
    double scale; /* 0 means 1 */
};

static struct obj *objs_add(struct objs *s, int node)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        struct obj *v = realloc(s->v, cap * sizeof(*v));
        if (!v)
            return NULL;
        s->v = v;
        s->cap = cap;
    }
    struct obj *o = &s->v[s->n++];
    memset(o, 0, sizeof(*o));
    o->node = node;
    return o;
}

static bool has_num(const struct mx_json *j, int node, const char *path)
{
    int n = mx_json_get(j, node, path);
    return n >= 0 &&
           (j->v[n].type == MX_J_NUM || j->v[n].type == MX_J_TRUE || j->v[n].type == MX_J_FALSE);
}

static void emit_simple(struct sbuf *o, const struct mx_json *j, const struct objs *s,
                        const struct simple *d)
{
    bool any = false;
    for (size_t i = 0; i < s->n && !any; i++)
        any = has_num(j, s->v[i].node, d->path);
    if (!any)
        return;
    mx_family(o, d->name, d->type, d->help);
    for (size_t i = 0; i < s->n; i++)
        if (has_num(j, s->v[i].node, d->path))
            mx_sample(o, d->name, s->v[i].l,
                      mx_json_num(j, s->v[i].node, d->path, 0) * (d->scale ? d->scale : 1));
}

static void emit_table(struct sbuf *o, const struct mx_json *j, const struct objs *s,
                       const struct simple *t, size_t n)
{
    for (size_t i = 0; i < n; i++)
        emit_simple(o, j, s, &t[i]);
}

/* name{...,label=str(e)} = the number at path.str(e) (0 when absent), for
 * e in [from, to). Objects without `path` are skipped. */
static void emit_enum(struct sbuf *o, const struct mx_json *j, const struct objs *s,
                      const struct simple *d, const char *label, const char *(*str)(int), int from,
                      int to)
{
    bool any = false;
    for (size_t i = 0; i < s->n && !any; i++)
        any = mx_json_get(j, s->v[i].node, d->path) >= 0;
    if (!any)
        return;
    mx_family(o, d->name, d->type, d->help);
    for (size_t i = 0; i < s->n; i++) {
        int sub = mx_json_get(j, s->v[i].node, d->path);
        for (int e = from; sub >= 0 && e < to; e++)
            mx_sample_x(o, d->name, s->v[i].l, label, str(e), mx_json_num(j, sub, str(e), 0));
    }
}

/* name{...,label=KEY} for each numeric member of the object at path. */
static void emit_keys(struct sbuf *o, const struct mx_json *j, const struct objs *s,
                      const struct simple *d, const char *label)
{
    bool header = false;
    for (size_t i = 0; i < s->n; i++) {
        int sub = mx_json_get(j, s->v[i].node, d->path);
        for (int c = mx_json_first(j, sub); c >= 0; c = j->v[c].next) {
            if (j->v[c].type != MX_J_NUM || !j->v[c].key)
                continue;
            if (!header)
                mx_family(o, d->name, d->type, d->help);
            header = true;
            mx_sample_x(o, d->name, s->v[i].l, label, j->v[c].key, j->v[c].num);
        }
    }
}

/* ---- the objects ------------------------------------------------------- */

static void find_objects(const struct mx_json *j, struct objs *in, struct objs *px,
                         struct objs *srv)
{
    struct obj *ob;
    int insts = mx_json_get(j, 0, "vrrp.instances");
    for (int c = mx_json_first(j, insts); c >= 0; c = j->v[c].next)
        if ((ob = objs_add(in, c)))
            ob->l[0] = (struct mx_label){"vrrp_instance", mx_json_str(j, c, "name", "")};
    int pxs = mx_json_get(j, 0, "proxies");
    for (int p = mx_json_first(j, pxs); p >= 0; p = j->v[p].next) {
        const char *pname = j->v[p].key ? j->v[p].key : "";
        if ((ob = objs_add(px, p)))
            ob->l[0] = (struct mx_label){"proxy", pname};
        for (int s = mx_json_first(j, mx_json_get(j, p, "servers")); s >= 0; s = j->v[s].next) {
            if (!(ob = objs_add(srv, s)))
                continue;
            ob->l[0] = (struct mx_label){"proxy", pname};
            ob->l[1] = (struct mx_label){"server", mx_json_str(j, s, "name", "")};
        }
    }
}

static const char *state_str(int s)
{
    return vrrp_state_name((enum vrrp_state)s);
}

/* The state machine's table column that made the change: "master-down",
 * "adv-higher", "priority-changed", ... (vrrp/fsm.c), the same word the
 * "FROM -> TO: why" log line's event has. */
static const char *ev_str(int e)
{
    return vrrp_event_name((enum vrrp_event)e);
}

static const char *rx_err_str(int e)
{
    return vrrp_rx_err_str((enum vrrp_rx_err)e);
}

static const char *hb_err_str(int e)
{
    return vrrp_hb_err_str((enum vrrp_hb_err)e);
}

static const char *tp_err_str(int e)
{
    return vrrp_tp_err_str((enum vrrp_tp_err)e);
}

static const char *result_str(int r)
{
    return chk_result_str((enum chk_result)r);
}

static const char *health_str(int h)
{
    return chk_health_str((enum chk_health)h);
}

/* name{...,label=str(e)} = 1 when the string at d->path is str(e), else 0. */
static void emit_match(struct sbuf *o, const struct mx_json *j, const struct objs *s,
                       const struct simple *d, const char *label, const char *(*str)(int), int to)
{
    if (!s->n)
        return;
    mx_family(o, d->name, d->type, d->help);
    for (size_t i = 0; i < s->n; i++) {
        const char *cur = mx_json_str(j, s->v[i].node, d->path, "");
        for (int e = 0; e < to; e++)
            mx_sample_x(o, d->name, s->v[i].l, label, str(e), strcmp(cur, str(e)) == 0);
    }
}

/* A histogram family from the objects' `path` (bucket bounds le_s,
 * per-bucket counts with the last for +Inf, sum_s), as check_duration in
 * the proxy status and failover_gaps in the VRRP status hold it. */
static void emit_hist(struct sbuf *o, const struct mx_json *j, const struct objs *s,
                      const char *name, const char *help, const char *path)
{
    char bucket[128], sum[128], count[128], bound[32];
    bool header = false;
    snprintf(bucket, sizeof(bucket), "%s_bucket", name);
    snprintf(sum, sizeof(sum), "%s_sum", name);
    snprintf(count, sizeof(count), "%s_count", name);
    for (size_t i = 0; i < s->n; i++) {
        int h = mx_json_get(j, s->v[i].node, path);
        int le = mx_json_first(j, mx_json_get(j, h, "le_s"));
        int cnt = mx_json_first(j, mx_json_get(j, h, "counts"));
        if (h < 0 || cnt < 0)
            continue;
        if (!header)
            mx_family(o, name, MX_HISTOGRAM, help);
        header = true;
        double cum = 0;
        for (; cnt >= 0 && le >= 0; cnt = j->v[cnt].next, le = j->v[le].next) {
            cum += j->v[cnt].num;
            snprintf(bound, sizeof(bound), "%g", j->v[le].num);
            mx_sample_x(o, bucket, s->v[i].l, "le", bound, cum);
        }
        for (; cnt >= 0; cnt = j->v[cnt].next) /* the +Inf count (and any extra) */
            cum += j->v[cnt].num;
        mx_sample_x(o, bucket, s->v[i].l, "le", "+Inf", cum);
        mx_sample(o, sum, s->v[i].l, mx_json_num(j, h, "sum_s", 0));
        mx_sample(o, count, s->v[i].l, cum);
    }
}

/* ---- VRRP -------------------------------------------------------------- */

static const struct simple vrrp_simple[] = {
    {"haplane_vrrp_priority", MX_GAUGE,
     "Effective VRRP priority: the base priority plus the weights of tracked inputs.", "priority",
     1},
    {"haplane_vrrp_base_priority", MX_GAUGE, "Configured VRRP priority.", "base_priority", 1},
    {"haplane_vrrp_state_duration_seconds", MX_GAUGE, "Time spent in the current VRRP state.",
     "since_s", 1},
    {"haplane_vrrp_vips_held", MX_GAUGE, "1 when this node holds every VIP of the instance.",
     "vips_held", 1},
    {"haplane_vrrp_vips_failed", MX_GAUGE, "VIPs that should be installed here but are not.",
     "vips_failed", 1},
    {"haplane_vrrp_became_master_total", MX_COUNTER, "Transitions to MASTER.",
     "counters.became_master", 1},
    {"haplane_vrrp_adverts_sent_total", MX_COUNTER, "VRRP advertisements sent.",
     "counters.adverts_tx", 1},
    {"haplane_vrrp_adverts_received_total", MX_COUNTER, "Valid VRRP advertisements received.",
     "counters.adverts_rx", 1},
    {"haplane_vrrp_advert_send_errors_total", MX_COUNTER,
     "VRRP advertisements that failed to send.", "counters.tx_errors", 1},
    {"haplane_vrrp_vip_errors_total", MX_COUNTER,
     "Failed VIP netlink operations (add, refresh, remove).", "counters.vip_errors", 1},
    {"haplane_vrrp_vip_refreshes_total", MX_COUNTER,
     "Renewals of the VIPs' kernel lifetime while master (none when vip_lifetime is forever).",
     "vip_refreshes", 1},
    {"haplane_vrrp_garps_sent_total", MX_COUNTER, "Gratuitous ARPs and unsolicited NAs sent.",
     "counters.garps_sent", 1},
    {"haplane_vrrp_reannounces_total", MX_COUNTER,
     "GARP/NA rounds a master sent on hearing a lower-priority master.", "counters.reannounces",
     1},
    {"haplane_vrrp_replies_limited_total", MX_COUNTER,
     "Lower-priority adverts taken but not answered (rate limit).", "counters.replies_limited", 1},
    {"haplane_vrrp_notify_running", MX_GAUGE, "Notify scripts running now.",
     "counters.notify_running", 1},
    {"haplane_vrrp_notify_coalesced_total", MX_COUNTER,
     "Notify runs merged into a later one because one was still running.",
     "counters.notify_coalesced", 1},
    {"haplane_vrrp_quorum_majority", MX_GAUGE,
     "1 when this node sees a majority of the quorum (quorum on only).", "quorum.majority", 1},
    {"haplane_vrrp_quorum_nodes", MX_GAUGE, "Nodes in the quorum, this one included.",
     "quorum.nodes", 1},
    {"haplane_vrrp_quorum_seen_nodes", MX_GAUGE, "Quorum nodes seen now, this one included.",
     "quorum.seen", 1},
    {"haplane_vrrp_quorum_needed_nodes", MX_GAUGE, "Nodes needed for a majority.", "quorum.needed",
     1},
    {"haplane_vrrp_quorum_heartbeats_sent_total", MX_COUNTER, "Quorum heartbeats sent.",
     "quorum.sent", 1},
    {"haplane_vrrp_quorum_heartbeats_received_total", MX_COUNTER,
     "Valid quorum heartbeats received.", "quorum.received", 1},
    {"haplane_vrrp_quorum_heartbeat_send_errors_total", MX_COUNTER,
     "Quorum heartbeats that failed to send.", "quorum.send_errors", 1},
    {"haplane_vrrp_failover_reset_connections", MX_GAUGE,
     "This node's proxy client connections on the instance's VIPs (failover_reset).",
     "failover_reset.connections", 1},
    {"haplane_vrrp_failover_reset_resets_sent_total", MX_COUNTER,
     "Reset segments sent to the previous holder's clients after taking over.",
     "failover_reset.resets_sent", 1},
    {"haplane_vrrp_failover_reset_reset_errors_total", MX_COUNTER,
     "Reset segments that failed to send.", "failover_reset.reset_errors", 1},
    {"haplane_vrrp_failover_reset_messages_sent_total", MX_COUNTER,
     "failover_reset messages sent to the peers.", "failover_reset.messages_sent", 1},
    {"haplane_vrrp_failover_reset_messages_received_total", MX_COUNTER,
     "Valid failover_reset messages taken from the peers.", "failover_reset.messages_received", 1},
    {"haplane_vrrp_failover_reset_send_errors_total", MX_COUNTER,
     "failover_reset messages that failed to send.", "failover_reset.send_errors", 1},
};

/* failover_reset: the connections each peer reported. */
static void emit_fr_peers(struct sbuf *o, const struct mx_json *j, const struct objs *in)
{
    static const char *const name = "haplane_vrrp_failover_reset_peer_connections";
    bool header = false;
    for (size_t i = 0; i < in->n; i++) {
        int ps = mx_json_get(j, in->v[i].node, "failover_reset.peers");
        for (int c = mx_json_first(j, ps); c >= 0; c = j->v[c].next) {
            if (!header)
                mx_family(o, name, MX_GAUGE,
                          "Client connections on the instance's VIPs that a peer reported "
                          "(failover_reset: reset when this node takes over).");
            header = true;
            struct mx_label l[] = {
                in->v[i].l[0], {"peer", mx_json_str(j, c, "address", "")}, {NULL, NULL}};
            mx_sample(o, name, l, mx_json_num(j, c, "connections", 0));
        }
    }
}

/* One row per tracked input: whether it is ok and its weight. */
static void emit_tracks(struct sbuf *o, const struct mx_json *j, const struct objs *in)
{
    static const char *const names[] = {"haplane_vrrp_track_up", "haplane_vrrp_track_weight"};
    static const char *const helps[] = {
        "1 when the tracked input is ok, 0 when failing (no sample before its first verdict).",
        "Configured weight of the tracked input (0: its failure puts the instance in FAULT)."};
    for (int k = 0; k < 2; k++) {
        bool header = false;
        for (size_t i = 0; i < in->n; i++) {
            int tr = mx_json_get(j, in->v[i].node, "tracks");
            for (int c = mx_json_first(j, tr); c >= 0; c = j->v[c].next) {
                if (k == 0 && !has_num(j, c, "ok"))
                    continue;
                if (!header)
                    mx_family(o, names[k], MX_GAUGE, helps[k]);
                header = true;
                struct mx_label l[] = {in->v[i].l[0],
                                       {"kind", mx_json_str(j, c, "kind", "")},
                                       {"name", mx_json_str(j, c, "name", "")},
                                       {NULL, NULL}};
                mx_sample(o, names[k], l, mx_json_num(j, c, k == 0 ? "ok" : "weight", 0));
            }
        }
    }
}

/* The engine-wide drops: heartbeats and the raw sockets' own. */
static void emit_vrrp_engine(struct sbuf *o, const struct mx_json *j, bool any_instance)
{
    struct objs eng = {0}, socks = {0};
    struct obj *ob = objs_add(&eng, mx_json_get(j, 0, "vrrp"));
    (void)ob;
    if (any_instance && mx_json_get(j, 0, "vrrp.quorum_drops") >= 0 && eng.n)
        emit_enum(o, j, &eng,
                  &(struct simple){"haplane_vrrp_quorum_dropped_total", MX_COUNTER,
                                   "Quorum heartbeats dropped, by reason.", "quorum_drops", 0},
                  "reason", hb_err_str, 1, VRRP_HB_ERR_COUNT);
    if (any_instance && mx_json_get(j, 0, "vrrp.failover_reset_drops") >= 0 && eng.n)
        emit_enum(o, j, &eng,
                  &(struct simple){"haplane_vrrp_failover_reset_engine_dropped_total", MX_COUNTER,
                                   "failover_reset messages dropped before an instance was "
                                   "known, by reason.",
                                   "failover_reset_drops", 0},
                  "reason", tp_err_str, 1, VRRP_TP_ERR_COUNT);
    for (int c = mx_json_first(j, mx_json_get(j, 0, "vrrp.sockets")); c >= 0; c = j->v[c].next) {
        if (!(ob = objs_add(&socks, c)))
            continue;
        ob->l[0] = (struct mx_label){"interface", mx_json_str(j, c, "interface", "")};
        ob->l[1] = (struct mx_label){"family", mx_json_num(j, c, "family", 4) == 6 ? "6" : "4"};
    }
    emit_simple(o, j, &socks,
                &(struct simple){"haplane_vrrp_socket_unknown_vrid_total", MX_COUNTER,
                                 "Adverts received for a virtual router not configured here.",
                                 "unknown_vrid", 0});
    emit_enum(o, j, &socks,
              &(struct simple){"haplane_vrrp_socket_dropped_total", MX_COUNTER,
                               "Packets a VRRP socket dropped before any instance, by reason.",
                               "drops", 0},
              "reason", rx_err_str, 1, VRRP_RX_ERR_COUNT);
    free(eng.v);
    free(socks.v);
}

static void emit_vrrp(struct sbuf *o, const struct mx_json *j, const struct objs *in)
{
    emit_match(o, j, in,
               &(struct simple){"haplane_vrrp_state", MX_GAUGE,
                                "VRRP state of the instance: 1 for the current state, 0 others.",
                                "state", 0},
               "state", state_str, VRRP_STATE_COUNT);
    emit_table(o, j, in, vrrp_simple, sizeof(vrrp_simple) / sizeof(vrrp_simple[0]));
    emit_enum(o, j, in,
              &(struct simple){"haplane_vrrp_transitions_total", MX_COUNTER,
                               "VRRP state changes, by reason: the state machine event that made "
                               "the change (master-down, adv-higher, priority-changed, ...).",
                               "counters.transitions_by_reason", 0},
              "reason", ev_str, 0, VRRP_EV_COUNT);
    emit_enum(o, j, in,
              &(struct simple){"haplane_vrrp_adverts_dropped_total", MX_COUNTER,
                               "VRRP packets for this instance dropped, by reason.",
                               "counters.drops", 0},
              "reason", rx_err_str, 1, VRRP_RX_ERR_COUNT);
    emit_tracks(o, j, in);
    emit_fr_peers(o, j, in);
    emit_enum(o, j, in,
              &(struct simple){"haplane_vrrp_failover_reset_dropped_total", MX_COUNTER,
                               "failover_reset messages (or their entries) dropped, by reason.",
                               "failover_reset.drops", 0},
              "reason", tp_err_str, 1, VRRP_TP_ERR_COUNT);
    emit_hist(o, j, in, "haplane_vrrp_failover_gap_seconds",
              "Takeovers by this node: time from the last advert heard from the old master to "
              "this node's VIPs installed.",
              "failover_gaps");
    emit_vrrp_engine(o, j, in->n > 0);
}

/* ---- proxies ----------------------------------------------------------- */

/* The proxy's "counters" keys (px/proxy-int.h PX_PCOUNTERS) as metrics: a
 * family, and the value of its extra label when several keys share one.
 * A key not listed here (a counter added later) is exported as
 * haplane_proxy_KEY_total, so that it is never silently left out. */
struct pcounter {
    const char *key, *name, *label, *value, *help;
};

static const struct pcounter pcounters[] = {
    {"accepted", "haplane_proxy_accepted_connections_total", NULL, NULL,
     "Client connections accepted."},
    {"accept_errors", "haplane_proxy_accept_errors_total", NULL, NULL,
     "accept() failures (EMFILE, ENFILE, ...)."},
    {"dropped_out_of_fds", "haplane_proxy_dropped_connections_total", "reason", "out_of_fds",
     "Client connections closed without being served, by reason (maxconn is a maxconn "
     "refusal, no_server a drop for want of a healthy server)."},
    {"dropped_maxconn", "haplane_proxy_dropped_connections_total", "reason", "maxconn", NULL},
    {"dropped_no_server", "haplane_proxy_dropped_connections_total", "reason", "no_server", NULL},
    {"dropped_connect_failed", "haplane_proxy_dropped_connections_total", "reason",
     "connect_failed", NULL},
    {"dropped_internal_error", "haplane_proxy_dropped_connections_total", "reason",
     "internal_error", NULL},
    {"retries", "haplane_proxy_retries_total", NULL, NULL,
     "Connects retried on another server after a failure."},
    {"replayed_after_reset", "haplane_proxy_replays_total", NULL, NULL,
     "Requests replayed to another server after a reset before any answer."},
    {"closed_idle_timeout", "haplane_proxy_closed_connections_total", "reason", "idle_timeout",
     "Sessions closed by the proxy or by an error, by reason."},
    {"closed_drain", "haplane_proxy_closed_connections_total", "reason", "drain", NULL},
    {"closed_client_error", "haplane_proxy_closed_connections_total", "reason", "client_error",
     NULL},
    {"closed_server_error", "haplane_proxy_closed_connections_total", "reason", "server_error",
     NULL},
    {"pipe_unavailable", "haplane_proxy_pipe_fallbacks_total", NULL, NULL,
     "Sessions relayed by copy because no splice pipe could be had."},
    {"bytes_client_to_server", "haplane_proxy_bytes_total", "direction", "client_to_server",
     "Bytes relayed, by direction."},
    {"bytes_server_to_client", "haplane_proxy_bytes_total", "direction", "server_to_client", NULL},
};
#define NPCOUNTERS (sizeof(pcounters) / sizeof(pcounters[0]))

static const struct pcounter *pcounter_of(const char *key)
{
    for (size_t i = 0; i < NPCOUNTERS; i++)
        if (!strcmp(pcounters[i].key, key))
            return &pcounters[i];
    return NULL;
}

/* A counter key not in the table: haplane_proxy_KEY_total, the key
 * reduced to [a-z0-9_]. */
static void emit_other_counter(struct sbuf *o, const struct mx_json *j, const struct objs *px,
                               const char *key)
{
    char name[128];
    size_t n = (size_t)snprintf(name, sizeof(name), "haplane_proxy_");
    for (const char *k = key; *k && n < sizeof(name) - 8; k++)
        name[n++] = (*k >= 'a' && *k <= 'z') || (*k >= '0' && *k <= '9') ? *k : '_';
    snprintf(name + n, sizeof(name) - n, "_total");
    char path[160];
    snprintf(path, sizeof(path), "counters.%s", key);
    emit_simple(o, j, px, &(struct simple){name, MX_COUNTER, "A proxy counter.", path, 0});
}

static void emit_pcounters(struct sbuf *o, const struct mx_json *j, const struct objs *px)
{
    if (!px->n)
        return;
    for (size_t f = 0; f < NPCOUNTERS; f++) {
        const struct pcounter *d = &pcounters[f];
        if (!d->help)
            continue; /* written with the first key of its family */
        mx_family(o, d->name, MX_COUNTER, d->help);
        for (size_t i = 0; i < px->n; i++)
            for (size_t k = f; k < NPCOUNTERS && !strcmp(pcounters[k].name, d->name); k++) {
                char path[160];
                snprintf(path, sizeof(path), "counters.%s", pcounters[k].key);
                mx_sample_x(o, d->name, px->v[i].l, pcounters[k].label, pcounters[k].value,
                            mx_json_num(j, px->v[i].node, path, 0));
            }
    }
    int cs = mx_json_get(j, px->v[0].node, "counters");
    for (int c = mx_json_first(j, cs); c >= 0; c = j->v[c].next)
        if (j->v[c].key && !pcounter_of(j->v[c].key))
            emit_other_counter(o, j, px, j->v[c].key);
}

static const struct simple proxy_simple[] = {
    {"haplane_proxy_up", MX_GAUGE, "1 when the proxy has a usable (healthy) server.", "healthy", 1},
    {"haplane_proxy_connections", MX_GAUGE, "Client connections open now.", "connections", 1},
    {"haplane_proxy_maxconn", MX_GAUGE, "Configured connection limit.", "maxconn", 1},
    {"haplane_proxy_workers", MX_GAUGE, "Proxy worker threads.", "workers", 1},
};

static const struct simple server_simple[] = {
    {"haplane_server_up", MX_GAUGE, "1 when the server takes new connections (healthy).", "healthy",
     1},
    {"haplane_server_draining", MX_GAUGE, "1 when the server is administratively draining.",
     "draining", 1},
    {"haplane_server_weight", MX_GAUGE, "Configured balancing weight.", "weight", 1},
    {"haplane_server_active_connections", MX_GAUGE, "Connections open to the server now.", "active",
     1},
    {"haplane_server_connect_attempts_total", MX_COUNTER, "Connects to the server attempted.",
     "connects", 1},
    {"haplane_server_connections_total", MX_COUNTER, "Connects to the server that succeeded.",
     "connected", 1},
    {"haplane_server_checks_total", MX_COUNTER, "Completed active health checks.", "checks", 1},
    {"haplane_server_check_failures_total", MX_COUNTER, "Active health checks that failed.",
     "check_failures", 1},
    {"haplane_server_passive_failures_total", MX_COUNTER,
     "Failures seen on proxied traffic and reported to the checker.", "passive_failures", 1},
    {"haplane_server_last_check_duration_seconds", MX_GAUGE,
     "Duration of the last completed active check.", "last_check.latency_ms", 0.001},
};

static void emit_proxies(struct sbuf *o, const struct mx_json *j, const struct objs *px,
                         const struct objs *srv)
{
    emit_table(o, j, px, proxy_simple, sizeof(proxy_simple) / sizeof(proxy_simple[0]));
    emit_pcounters(o, j, px);
    emit_keys(o, j, px,
              &(struct simple){"haplane_proxy_connect_failures_total", MX_COUNTER,
                               "Failed connects to servers, by result.", "connect_failures", 0},
              "result");
    emit_table(o, j, srv, server_simple, sizeof(server_simple) / sizeof(server_simple[0]));
    emit_match(o, j, srv,
               &(struct simple){"haplane_server_health", MX_GAUGE,
                                "Checker state of the server: 1 for the current one, 0 others.",
                                "health", 0},
               "state", health_str, CHK_ST_COUNT);
    emit_keys(o, j, srv,
              &(struct simple){"haplane_server_connect_failures_total", MX_COUNTER,
                               "Failed connects to the server, by result.", "connect_failures", 0},
              "result");
    emit_enum(o, j, srv,
              &(struct simple){"haplane_server_check_results_total", MX_COUNTER,
                               "Completed active health checks, by result.", "check_results", 0},
              "result", result_str, 0, CHK_R_COUNT);
    emit_hist(o, j, srv, "haplane_server_check_duration_seconds",
              "Duration of completed active health checks.", "check_duration");
}

/* ---- node-local ----------------------------------------------------------- */

static const struct simple discover_simple[] = {
    {"haplane_nodelocal_discover_fetches_total", MX_COUNTER,
     "node-local --discover: fetches of the kubernetes Endpoints started.", "fetches", 0},
    {"haplane_nodelocal_discover_ok_total", MX_COUNTER,
     "node-local --discover: fetches that gave a usable server list.", "ok", 0},
    {"haplane_nodelocal_discover_changes_total", MX_COUNTER,
     "node-local --discover: server lists that differed from the last (each a reload).",
     "changes", 0},
};

/* node_local.discover of the status document, when discovery runs. */
static void emit_nodelocal(struct sbuf *o, const struct mx_json *j)
{
    int d = mx_json_get(j, 0, "node_local.discover");
    if (d < 0 || j->v[d].type != MX_J_OBJ)
        return;
    struct obj one = {.node = d};
    struct objs s = {.v = &one, .n = 1, .cap = 1};
    emit_table(o, j, &s, discover_simple, sizeof(discover_simple) / sizeof(discover_simple[0]));
    const struct simple errs = {"haplane_nodelocal_discover_errors_total", MX_COUNTER,
                                "node-local --discover: failed fetches, by what failed (the "
                                "last good list stays).",
                                "errors", 0};
    emit_keys(o, j, &s, &errs, "reason");
    int n = 0;
    for (int c = mx_json_first(j, mx_json_get(j, d, "servers")); c >= 0; c = j->v[c].next)
        n++;
    mx_family(o, "haplane_nodelocal_discover_servers", MX_GAUGE,
              "node-local --discover: servers in the list in use.");
    mx_sample(o, "haplane_nodelocal_discover_servers", NULL, n);
    mx_family(o, "haplane_nodelocal_discover_seed_only", MX_GAUGE,
              "node-local --discover: 1 while no fetch has succeeded yet (the --server seed).");
    mx_sample(o, "haplane_nodelocal_discover_seed_only", NULL,
              mx_json_true(j, d, "seed_only") ? 1 : 0);
}

/* ---- the process ------------------------------------------------------- */

static void emit_process(struct sbuf *o, const struct mx_json *j, const struct mx_self *self)
{
    struct mx_label bi[] = {
        {"version", mx_json_str(j, 0, "version", "")}, {"commit", HAPLANE_GITREV}, {NULL, NULL}};
    double gen = mx_json_num(j, 0, "config.generation", 1);
    mx_family(o, "haplane_build_info", MX_GAUGE, "Version and commit of the running binary.");
    mx_sample(o, "haplane_build_info", bi, 1);
    mx_family(o, "haplane_start_time_seconds", MX_GAUGE, "Start of the daemon, Unix time.");
    mx_sample(o, "haplane_start_time_seconds", NULL, self->started_unix);
    mx_family(o, "haplane_config_generation", MX_GAUGE,
              "Configuration generation: 1 at start, +1 per accepted reload.");
    mx_sample(o, "haplane_config_generation", NULL, gen);
    mx_family(o, "haplane_reloads_total", MX_COUNTER, "Reloads, by result.");
    mx_sample_x(o, "haplane_reloads_total", NULL, "result", "accepted", gen > 1 ? gen - 1 : 0);
    mx_sample_x(o, "haplane_reloads_total", NULL, "result", "rejected",
                mx_json_num(j, 0, "config.reloads_rejected", 0));
    mx_family(o, "haplane_control_requests_total", MX_COUNTER, "Control socket requests answered.");
    mx_sample(o, "haplane_control_requests_total", NULL, mx_json_num(j, 0, "control.requests", 0));
    mx_family(o, "haplane_control_errors_total", MX_COUNTER,
              "Control socket connections closed unanswered or failed accepts, by reason.");
    static const char *const ctl[] = {"rejected", "evicted", "timed_out", "accept_errors"};
    for (size_t i = 0; i < sizeof(ctl) / sizeof(ctl[0]); i++) {
        char path[64];
        snprintf(path, sizeof(path), "control.%s", ctl[i]);
        mx_sample_x(o, "haplane_control_errors_total", NULL, "reason", ctl[i],
                    mx_json_num(j, 0, path, 0));
    }
}

/* The listener's own counters. */
static void emit_http(struct sbuf *o, const struct mx_self *self)
{
    mx_family(o, "haplane_http_requests_total", MX_COUNTER,
              "Requests the metrics listener answered with 200, by page.");
    for (int p = 0; p < MX_P_COUNT; p++)
        mx_sample_x(o, "haplane_http_requests_total", NULL, "page", mx_page_name(p),
                    (double)self->pages[p]);
    mx_family(o, "haplane_http_errors_total", MX_COUNTER,
              "Metrics listener requests answered with an error or closed, by reason.");
    for (int e = 0; e < MX_E_COUNT; e++)
        mx_sample_x(o, "haplane_http_errors_total", NULL, "reason", mx_err_name(e),
                    (double)self->errors[e]);
    mx_family(o, "haplane_http_clients", MX_GAUGE, "Metrics listener connections open now.");
    mx_sample(o, "haplane_http_clients", NULL, self->clients);
}

void mx_collect(struct sbuf *out, const struct mx_json *j, const struct mx_self *self)
{
    struct objs in = {0}, px = {0}, srv = {0};
    find_objects(j, &in, &px, &srv);
    emit_process(out, j, self);
    emit_vrrp(out, j, &in);
    emit_proxies(out, j, &px, &srv);
    emit_nodelocal(out, j);
    emit_http(out, self);
    free(in.v);
    free(px.v);
    free(srv.v);
}

#define MX_STR_(n, s) [MX_P_##n] = s,
static const char *const page_names[MX_P_COUNT] = {MX_PAGES(MX_STR_)};
#undef MX_STR_
#define MX_STR_(n, s) [MX_E_##n] = s,
static const char *const err_names[MX_E_COUNT] = {MX_ERRORS(MX_STR_)};
#undef MX_STR_

const char *mx_page_name(enum mx_page p)
{
    return (unsigned)p < MX_P_COUNT ? page_names[p] : "?";
}

const char *mx_err_name(enum mx_err e)
{
    return (unsigned)e < MX_E_COUNT ? err_names[e] : "?";
}
