/* import_ka: keepalived.conf into the configuration model.
 *
 * The native syntax is a superset of keepalived's, so this importer is the
 * native parser with three additions: keepalived's line preprocessing
 * (ka_prep.c), block tables that put keepalived's other keywords in front of
 * the native ones (cfg_block.next), and keepalived's variants of a few
 * lines (`weight W reverse`, extra virtual_ipaddress and unicast_peer
 * options). Every keepalived 2.2.7 keyword of a VRRP setup is recognised:
 *
 *   - implemented: read into the model exactly as the native parser does;
 *   - ignored with a warning: haplane has no equivalent and running without
 *     it keeps the VIP and the proxy behaving the same (e-mail, SNMP, VMACs,
 *     tuning, ...);
 *   - refused with an error: ignoring it would change what the VIP does
 *     (vrrp_sync_group of several instances, LVS virtual_server, routes
 *     added by the master, `reverse` weights, process or file tracking).
 *
 * Anything else is an error with a spelling suggestion.
 */
#include <stdlib.h>
#include <string.h>

#include "import/import-int.h"

/* The importer's state; the parser's context comes first, so handlers get
 * it back from their cfg_ctx. */
struct ka_cx {
    struct cfg_ctx cx;
    bool strict;          /* global_defs vrrp_strict */
    bool instance_strict; /* strict_mode in the instance being read */
    struct cfg_pos strict_at;
};

static struct ka_cx *ka_of(struct cfg_ctx *cx)
{
    return (struct ka_cx *)(void *)cx;
}

/* ---- ignored and refused keywords ------------------------------------------ */

/* A keyword haplane has no use for: a warning, and its block is skipped. */
static int h_ignore(struct cfg_ctx *cx, struct cfg_stmt *st, void *obj)
{
    return cfg_warn(cx, st->kw, "'%s' is not supported; ignored (%s)", st->kw->s,
                    ka_why(st->kw->s));
}

/* A keyword that cannot be ignored without changing what the VIP does. */
static int h_refuse(struct cfg_ctx *cx, struct cfg_stmt *st, void *obj)
{
    return cfg_err(cx, st->kw, "'%s' is not supported: %s", st->kw->s, ka_why(st->kw->s));
}

/* A keyword that asks for what haplane always does: accepted as it is. */
static int h_always(struct cfg_ctx *cx, struct cfg_stmt *st, void *obj)
{
    return 0;
}

#define IGN(nm) CFG_DIRN(nm, 0, CFG_ARGS_ANY, CFG_BLK_NO, h_ignore)
/* check_unicast_src: haplane always drops unicast adverts from non-peers */
#define ALWAYS(nm) CFG_DIRN(nm, 0, 0, CFG_BLK_NO, h_always)
#define IGNB(nm)   CFG_DIRN(nm, 0, CFG_ARGS_ANY, CFG_BLK_YES, h_ignore)
#define IGNO(nm)   CFG_DIRN(nm, 0, CFG_ARGS_ANY, CFG_BLK_OPT, h_ignore)
#define REF(nm)    CFG_DIRN(nm, 0, CFG_ARGS_ANY, CFG_BLK_NO, h_refuse)
#define REFB(nm)   CFG_DIRN(nm, 0, CFG_ARGS_ANY, CFG_BLK_YES, h_refuse)
#define REFO(nm)   CFG_DIRN(nm, 0, CFG_ARGS_ANY, CFG_BLK_OPT, h_refuse)

/* ---- global_defs ----------------------------------------------------------------- */

/* vrrp_no_swap: keepalived locks the VRRP process in memory: mlockall. */
static int h_no_swap(struct cfg_ctx *cx, struct cfg_stmt *st, void *obj)
{
    struct cfg_global *g = obj;

    g->mlockall = true;
    g->at.mlockall = cfg_tok_pos(cx, st->kw);
    return 0;
}

/* vrrp_rt_priority N: keepalived runs VRRP with SCHED_RR at priority N;
 * haplane's `realtime on` uses SCHED_RR 10 for its loop. */
static int h_rt_priority(struct cfg_ctx *cx, struct cfg_stmt *st, void *obj)
{
    struct cfg_global *g = obj;
    uint32_t prio;

    if (cfg_arg_uint(cx, st->arg, "vrrp_rt_priority", 1, 99, &prio) < 0)
        return -1;
    g->realtime = true;
    g->at.realtime = cfg_tok_pos(cx, st->kw);
    if (prio != 10)
        cfg_warn(cx, st->arg,
                 "vrrp_rt_priority %u is read as 'realtime on': haplane's loop runs with "
                 "SCHED_RR priority 10",
                 prio);
    return 0;
}

/* vrrp_min_garp [on|off]: one gratuitous ARP/NA and no second burst. */
static int h_min_garp(struct cfg_ctx *cx, struct cfg_stmt *st, void *obj)
{
    struct cfg_global *g = obj;
    bool on = true;

    if (st->nargs && cfg_arg_bool(cx, st->arg, "vrrp_min_garp", &on) < 0)
        return -1;
    if (!on)
        return 0;
    g->garp_master_repeat = 1;
    g->garp_master_delay_ms = 0;
    g->garp_master_refresh_repeat = 1;
    g->at.garp_master_repeat = g->at.garp_master_delay = g->at.garp_master_refresh_repeat =
        cfg_tok_pos(cx, st->kw);
    return 0;
}

/* vrrp_strict (global) and strict_mode (instance): keepalived then drops
 * authentication and preempt_delay (vrrp.c vrrp_complete_instance); haplane
 * does the same, so that the peers still agree. Its firewall rules and its
 * stricter receive checks are not reproduced. */
static int strict_flag(struct cfg_ctx *cx, struct cfg_stmt *st, bool *dst)
{
    bool on = true;

    if (st->nargs && cfg_arg_bool(cx, st->arg, st->kw->s, &on) < 0)
        return -1;
    *dst = on;
    ka_of(cx)->strict_at = cfg_tok_pos(cx, st->kw);
    return 0;
}

static int h_vrrp_strict(struct cfg_ctx *cx, struct cfg_stmt *st, void *obj)
{
    return strict_flag(cx, st, &ka_of(cx)->strict);
}

static int h_strict_mode(struct cfg_ctx *cx, struct cfg_stmt *st, void *obj)
{
    return strict_flag(cx, st, &ka_of(cx)->instance_strict);
}

/* Apply strict mode to vi as keepalived does, saying what changed. */
static void apply_strict(struct ka_cx *k, struct cfg_vrrp_instance *vi, const struct cfg_pos *at)
{
    char d[32];

    if (vi->auth_type != CFG_AUTH_NONE || vi->auth_pass[0]) {
        cfg_diag_add(k->cx.d, CFG_SEV_WARNING, at,
                     "vrrp_instance '%s': strict mode drops its authentication (keepalived does "
                     "the same)",
                     vi->name);
        vi->auth_type = CFG_AUTH_NONE;
        memset(vi->auth_pass, 0, sizeof(vi->auth_pass));
        vi->at.auth_type = vi->at.auth_pass = vi->at.auth = (struct cfg_pos){0};
    }
    if (vi->preempt_delay_ms) {
        cfg_diag_add(
            k->cx.d, CFG_SEV_WARNING, at,
            "vrrp_instance '%s': strict mode resets preempt_delay %s to 0 (keepalived does "
            "the same)",
            vi->name, cfg_format_duration(vi->preempt_delay_ms, d, sizeof(d)));
        vi->preempt_delay_ms = 0;
    }
    imp_remark(k->cx.cfg, CFG_REMARK_INSTANCE, vi->name,
               "keepalived's strict mode: no authentication, no preempt_delay (applied); its "
               "firewall rules are not added.");
}

static const struct cfg_directive ka_global_dirs[] = {
    CFG_DIRN("vrrp_strict", 0, 1, CFG_BLK_NO, h_vrrp_strict),
    CFG_DIRN("vrrp_no_swap", 0, 0, CFG_BLK_NO, h_no_swap),
    CFG_DIRN("vrrp_rt_priority", 1, 1, CFG_BLK_NO, h_rt_priority),
    CFG_DIRN("vrrp_min_garp", 0, 1, CFG_BLK_NO, h_min_garp),
    IGNO("notification_email"),
    IGN("notification_email_from"),
    IGN("smtp_server"),
    IGN("smtp_helo_name"),
    IGN("smtp_connect_timeout"),
    IGN("smtp_alert"),
    IGN("smtp_alert_vrrp"),
    IGN("smtp_alert_checker"),
    IGN("no_email_faults"),
    IGN("no_checker_emails"),
    IGN("snmp_socket"),
    IGN("enable_traps"),
    IGN("enable_snmp_vrrp"),
    IGN("enable_snmp_keepalived"),
    IGN("enable_snmp_rfc"),
    IGN("enable_snmp_rfcv2"),
    IGN("enable_snmp_rfcv3"),
    IGN("enable_snmp_checker"),
    IGN("enable_dbus"),
    IGN("dbus_service_name"),
    IGN("lvs_id"),
    IGN("lvs_timeouts"),
    IGN("lvs_flush"),
    IGN("lvs_flush_on_stop"),
    IGN("lvs_flush_onstop"),
    IGNO("lvs_sync_daemon"),
    IGN("lvs_notify_fifo"),
    IGN("lvs_notify_fifo_script"),
    IGN("lvs_process_name"),
    IGN("checker_process_name"),
    IGN("checker_priority"),
    IGN("checker_no_swap"),
    IGN("checker_rt_priority"),
    IGN("checker_cpu_affinity"),
    IGN("checker_rlimit_rttime"),
    IGN("checker_rlimit_rtime"),
    IGN("checker_log_all_failures"),
    IGN("rs_init_notifies"),
    IGN("net_namespace_ipvs"),
    IGN("nftables_ipvs"),
    IGN("nftables_ipvs_priority"),
    IGN("nftables_ipvs_start_fwmark"),
    IGN("bfd_process_name"),
    IGN("bfd_priority"),
    IGN("bfd_no_swap"),
    IGN("bfd_rt_priority"),
    IGN("bfd_cpu_affinity"),
    IGN("bfd_rlimit_rttime"),
    IGN("bfd_rlimit_rtime"),
    IGN("process_names"),
    IGN("process_name"),
    IGN("vrrp_process_name"),
    IGN("startup_script"),
    IGN("startup_script_timeout"),
    IGN("shutdown_script"),
    IGN("shutdown_script_timeout"),
    IGN("umask"),
    IGN("random_seed"),
    IGN("reload_check_config"),
    IGN("reload_time_file"),
    IGN("reload_repeat"),
    IGN("reload_file"),
    IGN("include_check"),
    IGN("config_save_dir"),
    IGN("tmp_config_directory"),
    IGN("data_use_instance"),
    IGN("max_auto_priority"),
    IGN("min_auto_priority_delay"),
    IGN("vrrp_priority"),
    IGN("vrrp_cpu_affinity"),
    IGN("vrrp_rlimit_rttime"),
    IGN("vrrp_rlimit_rtime"),
    IGN("vrrp_netlink_cmd_rcv_bufs"),
    IGN("vrrp_netlink_cmd_rcv_bufs_force"),
    IGN("vrrp_netlink_monitor_rcv_bufs"),
    IGN("vrrp_netlink_monitor_rcv_bufs_force"),
    IGN("process_monitor_rcv_bufs"),
    IGN("process_monitor_rcv_bufs_force"),
    IGN("lvs_netlink_cmd_rcv_bufs"),
    IGN("lvs_netlink_cmd_rcv_bufs_force"),
    IGN("lvs_netlink_monitor_rcv_bufs"),
    IGN("lvs_netlink_monitor_rcv_bufs_force"),
    IGN("vrrp_rx_bufs_policy"),
    IGN("vrrp_rx_bufs_multiplier"),
    IGN("vrrp_iptables"),
    IGN("vrrp_ipsets"),
    IGN("nftables"),
    IGN("nftables_priority"),
    IGN("nftables_ifindex"),
    IGN("nftables_counters"),
    IGN("vmac_prefix"),
    IGN("vmac_addr_prefix"),
    IGN("vrrp_vmac_garp_intvl"),
    ALWAYS("vrrp_check_unicast_src"),
    IGN("vrrp_skip_check_adv_addr"),
    IGN("vrrp_strict"),
    IGN("log_unknown_vrids"),
    IGN("vrrp_garp_lower_prio_delay"),
    IGN("vrrp_garp_lower_prio_repeat"),
    IGN("vrrp_garp_extra_if"),
    IGN("vrrp_lower_prio_no_advert"),
    IGN("vrrp_higher_prio_send_advert"),
    IGN("vrrp_down_timer_adverts"),
    IGN("vrrp_startup_delay"),
    IGN("vrrp_notify_fifo"),
    IGN("vrrp_notify_fifo_script"),
    IGN("notify_fifo"),
    IGN("notify_fifo_script"),
    IGN("vrrp_notify_priority_changes"),
    IGN("fifo_write_vrrp_states_on_reload"),
    IGN("dynamic_interfaces"),
    IGN("default_interface"),
    IGN("disable_local_igmp"),
    IGN("linkbeat_use_polling"),
    IGN("net_namespace"),
    IGN("namespace_with_ipsets"),
    IGN("use_pid_dir"),
    IGN("instance"),
    IGN("child_wait_time"),
};

static const struct cfg_block ka_blk_global = {"global_defs", ka_global_dirs,
                                               CFG_NELEM(ka_global_dirs), NULL, &cfg_blk_global};

/* ---- vrrp_script ------------------------------------------------------------------ */

/* weight W [reverse|noreverse] */
static int h_script_weight(struct cfg_ctx *cx, struct cfg_stmt *st, void *obj)
{
    struct cfg_vrrp_script *s = obj;

    if (cfg_arg_int(cx, st->arg, "weight", -253, 253, &s->weight) < 0)
        return -1;
    if (st->nargs < 2 || !strcmp(st->arg[1].s, "noreverse"))
        return 0;
    if (!strcmp(st->arg[1].s, "reverse"))
        return cfg_err(cx, &st->arg[1],
                       "'weight ... reverse' is not supported: haplane moves the priority in "
                       "keepalived's usual direction (down while failing for a negative weight)");
    return cfg_err(cx, &st->arg[1], "unexpected '%.80s' (expected weight W [reverse])",
                   st->arg[1].s);
}

static const struct cfg_directive ka_script_dirs[] = {
    CFG_DIR("weight", 1, 2, CFG_BLK_NO, h_script_weight, struct cfg_vrrp_script, at.weight),
    IGN("init_fail"),
};

static const struct cfg_block ka_blk_script = {
    "vrrp_script", ka_script_dirs, CFG_NELEM(ka_script_dirs), NULL, &cfg_blk_vrrp_script};

/* ---- vrrp_instance: keepalived's variants of list lines ---------------------------- */

struct opt {
    const char *name;
    bool value; /* takes a value */
    bool keep;  /* handed to the native line parser */
};

/* Hand line st over to native, without the options of opts that are not
 * kept (each ignored with a warning). Unknown options: an error with a
 * suggestion among opts. */
static int filter_line(struct cfg_ctx *cx, struct cfg_stmt *st, void *obj, const char *what,
                       const struct opt *opts, size_t nopts, const struct cfg_block *native,
                       bool first_is_name)
{
    struct cfg_tok *keep = malloc((st->nargs + 1) * sizeof(*keep));
    struct cfg_stmt line = {.kw = keep};
    size_t n = 1;
    int r = 0;

    if (!keep)
        return cfg_oom(cx);
    keep[0] = *st->kw;
    for (size_t i = 0; i < st->nargs && r == 0; i++) {
        const struct cfg_tok *t = &st->arg[i];
        size_t o = 0;

        while (o < nopts && strcmp(t->s, opts[o].name))
            o++;
        if (o == nopts && !first_is_name) {
            struct cfg_suggest sg;

            cfg_suggest_init(&sg, t->s);
            for (size_t k = 0; k < nopts; k++)
                cfg_suggest_try(&sg, opts[k].name);
            r = sg.best ? cfg_err(cx, t, "unknown %s option '%.80s' (did you mean '%s'?)", what,
                                  t->s, sg.best)
                        : cfg_err(cx, t, "unknown %s option '%.80s'", what, t->s);
            break;
        }
        if (o < nopts && opts[o].value && i + 1 == st->nargs) {
            r = cfg_err(cx, t, "missing value after '%s'", t->s);
            break;
        }
        if (o == nopts || opts[o].keep) {
            keep[n++] = *t;
            if (o < nopts && opts[o].value)
                keep[n++] = st->arg[++i];
            continue;
        }
        cfg_warn(cx, t, "%s option '%s' is not supported; ignored", what, t->s);
        i += opts[o].value;
    }
    line.arg = keep + 1;
    line.nargs = n - 1;
    if (r == 0)
        r = native->line(cx, &line, obj);
    free(keep);
    return r;
}

/* ADDR[/PFX] [dev IF] [label L] [brd A] [scope S] [peer A] [home] ... */
static int ka_vip_line(struct cfg_ctx *cx, struct cfg_stmt *st, void *obj)
{
    static const struct opt opts[] = {
        {"dev", 1, 1},      {"label", 1, 1},    {"brd", 1, 0},           {"broadcast", 1, 0},
        {"scope", 1, 0},    {"peer", 1, 0},     {"preferred_lft", 1, 0}, {"home", 0, 0},
        {"-nodad", 0, 0},   {"nodad", 0, 0},    {"mngtmpaddr", 0, 0},    {"noprefixroute", 0, 0},
        {"autojoin", 0, 0}, {"no_track", 0, 0}, {"use_vmac", 0, 0},
    };
    return filter_line(cx, st, obj, "virtual_ipaddress", opts, CFG_NELEM(opts), &cfg_blk_vips,
                       false);
}

/* ADDR [min_ttl N] [max_ttl N] (keepalived: one peer per line; the native
 * parser also takes several). */
static int ka_peer_line(struct cfg_ctx *cx, struct cfg_stmt *st, void *obj)
{
    static const struct opt opts[] = {{"min_ttl", 1, 1}, {"max_ttl", 1, 1}};

    return filter_line(cx, st, obj, "unicast_peer", opts, CFG_NELEM(opts), &cfg_blk_peers, true);
}

/* NAME [weight W [reverse|noreverse]] */
static int ka_track_line(struct cfg_ctx *cx, struct cfg_stmt *st, void *obj,
                         const struct cfg_block *native)
{
    struct cfg_stmt line = *st;

    if (st->nargs == 3 && !strcmp(st->arg[2].s, "reverse"))
        return cfg_err(cx, &st->arg[2],
                       "'weight ... reverse' is not supported: haplane moves the priority in "
                       "keepalived's usual direction (down while failing for a negative weight)");
    if (st->nargs == 3 && !strcmp(st->arg[2].s, "noreverse"))
        line.nargs = 2;
    return native->line(cx, &line, obj);
}

static int ka_track_script_line(struct cfg_ctx *cx, struct cfg_stmt *st, void *obj)
{
    return ka_track_line(cx, st, obj, &cfg_blk_track_script);
}

static int ka_track_if_line(struct cfg_ctx *cx, struct cfg_stmt *st, void *obj)
{
    return ka_track_line(cx, st, obj, &cfg_blk_track_if);
}

static const struct cfg_block ka_blk_vips = {"virtual_ipaddress", NULL, 0, ka_vip_line, NULL};
static const struct cfg_block ka_blk_peers = {"unicast_peer", NULL, 0, ka_peer_line, NULL};
static const struct cfg_block ka_blk_track_script = {"track_script", NULL, 0, ka_track_script_line,
                                                     NULL};
static const struct cfg_block ka_blk_track_if = {"track_interface", NULL, 0, ka_track_if_line,
                                                 NULL};

static void mark(struct cfg_ctx *cx, struct cfg_pos *at, const struct cfg_tok *t)
{
    if (!at->line)
        *at = cfg_tok_pos(cx, t);
}

static int h_vips(struct cfg_ctx *cx, struct cfg_stmt *st, void *obj)
{
    mark(cx, &((struct cfg_vrrp_instance *)obj)->at.vips, st->kw);
    return cfg_parse_list(cx, st, &ka_blk_vips, obj);
}

static int h_peers(struct cfg_ctx *cx, struct cfg_stmt *st, void *obj)
{
    mark(cx, &((struct cfg_vrrp_instance *)obj)->at.peers, st->kw);
    return cfg_parse_list(cx, st, &ka_blk_peers, obj);
}

static int h_track_script(struct cfg_ctx *cx, struct cfg_stmt *st, void *obj)
{
    return cfg_parse_list(cx, st, &ka_blk_track_script, obj);
}

static int h_track_if(struct cfg_ctx *cx, struct cfg_stmt *st, void *obj)
{
    return cfg_parse_list(cx, st, &ka_blk_track_if, obj);
}

static const struct cfg_directive ka_instance_dirs[] = {
    CFG_DIRN("strict_mode", 0, 1, CFG_BLK_NO, h_strict_mode),
    CFG_DIRN("virtual_ipaddress", 1, CFG_ARGS_ANY, CFG_BLK_OPT, h_vips),
    CFG_DIRN("unicast_peer", 1, CFG_ARGS_ANY, CFG_BLK_OPT, h_peers),
    CFG_DIRN("track_script", 1, 4, CFG_BLK_OPT, h_track_script),
    CFG_DIRN("track_interface", 1, 4, CFG_BLK_OPT, h_track_if),
    REFO("virtual_ipaddress_excluded"),
    REFO("virtual_routes"),
    REFO("virtual_rules"),
    REFO("track_process"),
    REFO("track_file"),
    REFO("track_bfd"),
    REF("old_unicast_checksum"),
    IGN("use_vmac"),
    IGN("use_vmac_addr"),
    IGN("vmac_xmit_base"),
    IGN("use_ipvlan"),
    IGN("native_ipv6"),
    IGN("dont_track_primary"),
    IGN("track_src_ip"),
    IGN("mcast_dst_ip"),
    IGN("unicast_ttl"),
    IGN("unicast_fault_no_peer"),
    ALWAYS("check_unicast_src"),
    IGN("vrf"),
    IGN("promote_secondaries"),
    IGN("linkbeat_use_polling"),
    IGN("accept"),
    IGN("no_accept"),
    IGN("skip_check_adv_addr"),
    IGN("strict_mode"),
    IGN("debug"),
    IGN("notify_deleted"),
    IGN("notify_master_rx_lower_pri"),
    IGN("smtp_alert"),
    IGN("notify_priority_changes"),
    IGN("lvs_sync_daemon_interface"),
    IGN("garp_lower_prio_delay"),
    IGN("garp_lower_prio_repeat"),
    IGN("garp_extra_if"),
    IGN("vmac_garp_intvl"),
    IGN("down_timer_adverts"),
    IGN("lower_prio_no_advert"),
    IGN("higher_prio_send_advert"),
    IGN("kernel_rx_buf_size"),
};

static const struct cfg_block ka_blk_instance = {
    "vrrp_instance", ka_instance_dirs, CFG_NELEM(ka_instance_dirs), NULL, &cfg_blk_vrrp_instance};

/* ---- vrrp_sync_group ---------------------------------------------------------------- */

struct sync {
    size_t n;
};

static int sync_member_line(struct cfg_ctx *cx, struct cfg_stmt *st, void *obj)
{
    ((struct sync *)obj)->n += 1 + st->nargs;
    return 0;
}

static const struct cfg_block blk_sync_members = {"group", NULL, 0, sync_member_line, NULL};

static int h_sync_members(struct cfg_ctx *cx, struct cfg_stmt *st, void *obj)
{
    return cfg_parse_list(cx, st, &blk_sync_members, obj);
}

static const struct cfg_directive sync_dirs[] = {
    CFG_DIRN("group", 1, CFG_ARGS_ANY, CFG_BLK_OPT, h_sync_members),
    IGN("notify_master"),
    IGN("notify_backup"),
    IGN("notify_fault"),
    IGN("notify_stop"),
    IGN("notify"),
    IGN("smtp_alert"),
    IGN("global_tracking"),
    IGN("sync_group_tracking_weight"),
    IGNO("track_interface"),
    IGNO("track_script"),
    IGNO("track_file"),
    IGNO("track_process"),
    IGNO("track_bfd"),
    IGN("notify_priority_changes"),
};

static const struct cfg_block blk_sync = {"vrrp_sync_group", sync_dirs, CFG_NELEM(sync_dirs), NULL,
                                          NULL};

/* A group of one instance changes nothing (keepalived warns about it too);
 * several instances that must move together cannot be run separately. */
static int h_sync_group(struct cfg_ctx *cx, struct cfg_stmt *st, void *obj)
{
    struct sync s = {0};
    size_t nerr = cx->d->nerrors;

    cfg_parse_block(cx, st, &blk_sync, &s);
    if (cx->d->nerrors != nerr)
        return -1;
    if (s.n > 1)
        return cfg_err(cx, st->kw,
                       "vrrp_sync_group '%.80s' is not supported: its %zu instances would fail "
                       "over one by one, not together; use one vrrp_instance with all the "
                       "addresses",
                       st->arg->s, s.n);
    return cfg_warn(cx, st->kw,
                    "vrrp_sync_group '%.80s' has %zu instance; ignored (a group of one changes "
                    "nothing)",
                    st->arg->s, s.n);
}

/* ---- top level ------------------------------------------------------------------------ */

/* Append a zeroed element named after st's argument. */
static void *new_named(struct cfg_ctx *cx, struct cfg_stmt *st, void *arr, size_t *n, size_t size,
                       char **(*name)(void *), struct cfg_pos *(*pos)(void *))
{
    void *e = cfg_vec_push(arr, n, size);

    if (!e || !(*name(e) = strdup(st->arg->s))) {
        if (e)
            (*n)--;
        cfg_oom(cx);
        return NULL;
    }
    *pos(e) = cfg_tok_pos(cx, st->arg);
    return e;
}

static char **script_name(void *e)
{
    return &((struct cfg_vrrp_script *)e)->name;
}

static struct cfg_pos *script_pos(void *e)
{
    return &((struct cfg_vrrp_script *)e)->pos;
}

static char **instance_name(void *e)
{
    return &((struct cfg_vrrp_instance *)e)->name;
}

static struct cfg_pos *instance_pos(void *e)
{
    return &((struct cfg_vrrp_instance *)e)->pos;
}

static int h_global(struct cfg_ctx *cx, struct cfg_stmt *st, void *obj)
{
    struct cfg *cfg = obj;

    cfg->global.pos = cfg_tok_pos(cx, st->kw);
    return cfg_parse_block(cx, st, &ka_blk_global, &cfg->global);
}

static int h_script(struct cfg_ctx *cx, struct cfg_stmt *st, void *obj)
{
    struct cfg *cfg = obj;
    struct cfg_vrrp_script *s =
        new_named(cx, st, &cfg->scripts, &cfg->nscripts, sizeof(*s), script_name, script_pos);

    if (!s)
        return -1;
    cfg_script_defaults(s);
    return cfg_parse_block(cx, st, &ka_blk_script, s);
}

static int h_instance(struct cfg_ctx *cx, struct cfg_stmt *st, void *obj)
{
    struct cfg *cfg = obj;
    struct cfg_vrrp_instance *vi = new_named(cx, st, &cfg->instances, &cfg->ninstances, sizeof(*vi),
                                             instance_name, instance_pos);

    if (!vi)
        return -1;
    cfg_instance_defaults(vi);
    ka_of(cx)->instance_strict = false;
    cfg_parse_block(cx, st, &ka_blk_instance, vi);
    if (ka_of(cx)->instance_strict && !ka_of(cx)->strict)
        apply_strict(ka_of(cx), vi, &ka_of(cx)->strict_at);
    return 0;
}

static const struct cfg_directive ka_top_dirs[] = {
    CFG_DIRN("global_defs", 0, 0, CFG_BLK_YES, h_global),
    CFG_DIRN("vrrp_script", 1, 1, CFG_BLK_YES, h_script),
    CFG_DIRN("vrrp_instance", 1, 1, CFG_BLK_YES, h_instance),
    CFG_DIRN("vrrp_sync_group", 1, 1, CFG_BLK_YES, h_sync_group),
    REFB("virtual_server"),
    REFB("virtual_server_group"),
    IGNB("vrrp_track_process"),
    IGNB("track_file"),
    IGNB("vrrp_track_file"),
    IGNB("garp_group"),
    IGNB("static_ipaddress"),
    IGNB("static_routes"),
    IGNB("static_rules"),
    IGNO("linkbeat_interfaces"),
    IGN("linkbeat_use_polling"),
    IGNB("bfd_instance"),
    IGNB("SSL"),
    IGN("net_namespace"),
    IGN("net_namespace_ipvs"),
    IGN("namespace_with_ipsets"),
    IGN("use_pid_dir"),
    IGN("instance"),
    IGN("child_wait_time"),
    IGNO("interface_up_down_delays"),
    IGNB("track_group"),
};

static const struct cfg_block ka_top = {NULL, ka_top_dirs, CFG_NELEM(ka_top_dirs), NULL, NULL};

int imp_keepalived(struct cfg *cfg, const struct imp_text *t, const struct ka_opts *o,
                   struct cfg_diags *d)
{
    struct ka_cx k = {.cx = {.cfg = cfg, .d = d}};
    struct cfg_ctx *cx = &k.cx;
    struct cfg_lex lx;
    unsigned ncond = 0;
    int r;

    cx->opts.max_errors = o->max_errors;
    cx->opts.max_include_depth = o->max_include_depth;
    if (o->no_include)
        cx->opts.flags |= CFG_LOAD_NO_INCLUDE;
    cfg_ctx_defaults(cx);
    if (ka_prep(cfg, t->name, t->buf, t->len, o, &lx, &ncond, d) < 0)
        return -1;
    cx->nerr0 = d->nerrors;
    r = cfg_parse_lexed(cx, &ka_top, cfg, t->name, &lx, 0, 0);
    cfg_lex_free(&lx);
    for (size_t i = 0; k.strict && i < cfg->ninstances; i++)
        apply_strict(&k, &cfg->instances[i], &k.strict_at);
    if (ncond)
        imp_remark(cfg, CFG_REMARK_FILE, NULL,
                   "The '@' lines of %s were resolved for config-id '%s' (%u conditional "
                   "line%s): this output is for that host only; convert once per host.",
                   t->name, o->config_id ? o->config_id : "", ncond, ncond == 1 ? "" : "s");
    return r < 0 || cx->abort ? -1 : 0;
}
