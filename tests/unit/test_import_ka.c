/* Unit tests: the keepalived.conf importer on real-world shapes
 * (tests/fixtures/compat), its line preprocessing (@ conditionals, $
 * parameters, include), the meeting point with haproxy.cfg (haproxy probes
 * become track_proxy), machine facts, and `convert`'s round trip: the
 * converted text loads natively into the same model. (Malformed inputs:
 * test_import_ka_errors.c; haproxy.cfg: test_import_hap*.c.) */
#include "test_import.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include "import/import-int.h"

static void assert_addr(const struct cfg_addr *a, const char *text, int prefix)
{
    char buf[64];

    assert_string_equal(cfg_format_addr(a, 0, buf, sizeof(buf)), text);
    assert_int_equal(a->prefix, prefix);
}

static void assert_pos(const struct cfg_pos *p, const char *file, unsigned line, unsigned col)
{
    assert_non_null(p->file);
    assert_string_equal(p->file, file);
    assert_int_equal(p->line, line);
    assert_int_equal(p->col, col);
}

static void assert_argv(const struct cfg_cmd *c, size_t argc, const char *const *argv)
{
    assert_int_equal(c->argc, argc);
    for (size_t i = 0; i < argc; i++)
        assert_string_equal(c->argv[i], argv[i]);
    assert_null(c->argv[argc]);
}

static bool has_remark(const struct cfg *c, enum cfg_remark_on on, const char *name,
                       const char *part)
{
    for (size_t i = 0; i < c->nremarks; i++)
        if (c->remarks[i].on == on && (!name || !strcmp(c->remarks[i].name, name)) &&
            strstr(c->remarks[i].text, part))
            return true;
    return false;
}

static void convert_same(const struct cfg *c)
{
    free(assert_convert_same(c));
}

/* ---- fixtures ---------------------------------------------------------------------- */

#define SEED COMPAT "seed-keepalived.conf"

/* The seed's file imported as keepalived.conf gives the very model the
 * native parser reads from it (no behaviour forked by input format). */
static void seed_same_as_native(void **state)
{
    struct cfg *c = import_ok("seed-keepalived.conf", NULL, "master1",
                              SEED ":5:13: warning: vrrp_script 'check_haproxy' checks that a "
                                   "haproxy process runs; no haproxy.cfg was given (--haproxy), "
                                   "so it runs as written\n");
    char *want = fixture("seed-keepalived.canon"), *got = canon(c);

    assert_string_equal(got, want);
    assert_int_equal(c->nscripts, 1);
    assert_int_equal(c->instances[0].ntrack_scripts, 1);
    assert_int_equal(c->instances[0].track_scripts[0].weight, -2);
    assert_true(has_remark(c, CFG_REMARK_FILE, NULL, "vip_lifetime auto"));
    convert_same(c);
    free(want);
    free(got);
    cfg_free(c);
}

/* With haproxy.cfg, the seed's `killall -0 haproxy` track becomes
 * track_proxy on the imported proxy with the script's weight. */
static void seed_with_haproxy(void **state)
{
    struct cfg *c = import_ok(
        "seed-keepalived.conf", "lab/haproxy.cfg", "master1",
        COMPAT "lab/haproxy.cfg:12:20: warning: 'timeout client 1h', 'timeout server 1h' become "
               "'timeout idle 1h' of proxy 'apiserver': haplane has one idle timeout for both "
               "sides (the largest)\n" SEED
               ":26:3: warning: track_script 'check_haproxy' only checks that haproxy runs "
               "('killall -0 haproxy'); haplane is the proxy, so it becomes 'track_proxy "
               "apiserver weight -2': the priority moves while proxy 'apiserver' has no healthy "
               "server, as soon as its checks say so (instead of after 10 failed runs of the "
               "script, one every 3s)\n");
    const struct cfg_vrrp_instance *vi = &c->instances[0];

    assert_int_equal(c->nscripts, 0);
    assert_int_equal(vi->ntrack_scripts, 0);
    assert_int_equal(vi->ntrack_proxies, 1);
    assert_string_equal(vi->track_proxies[0].name, "apiserver");
    assert_int_equal(vi->track_proxies[0].weight, -2);
    assert_int_equal(vi->track_proxies[0].ref, 0);
    assert_pos(&vi->track_proxies[0].pos, SEED, 26, 3);
    assert_true(has_remark(c, CFG_REMARK_INSTANCE, "VI_1", "became track_proxy apiserver"));
    assert_true(has_remark(c, CFG_REMARK_FILE, NULL, "check_haproxy (a haproxy liveness check)"));
    convert_same(c);
    cfg_free(c);
}

/* kubeadm's HA guide: check_apiserver.sh is a real script (it stays). */
static void kubeadm_guide(void **state)
{
    struct cfg *c = import_ok(
        "kubeadm/keepalived.conf", "kubeadm/haproxy.cfg", "cp1",
        COMPAT "kubeadm/haproxy.cfg:7:5: warning: 'log' is not supported; ignored (haplane logs to "
               "stderr in its own format)\n" COMPAT
               "kubeadm/haproxy.cfg:8:5: warning: 'daemon' is not supported; ignored (haplane "
               "runs in the foreground; process settings do not apply)\n" COMPAT
               "kubeadm/haproxy.cfg:16:5: warning: 'log' is not supported; ignored (haplane logs "
               "to stderr in its own format)\n" COMPAT
               "kubeadm/haproxy.cfg:17:5: warning: 'option httplog' is not supported; ignored "
               "(haplane logs to stderr in its own format)\n" COMPAT
               "kubeadm/haproxy.cfg:18:5: warning: 'option dontlognull' is not supported; "
               "ignored (haplane logs to stderr in its own format)\n" COMPAT
               "kubeadm/haproxy.cfg:19:5: warning: 'option http-server-close' is not supported; "
               "ignored (an HTTP-mode option; haplane relays TCP)\n" COMPAT
               "kubeadm/haproxy.cfg:20:5: warning: 'option forwardfor' is not supported; ignored "
               "(an HTTP-mode option; haplane relays TCP)\n" COMPAT
               "kubeadm/haproxy.cfg:23:13: warning: 'timeout http-request' is not supported; "
               "ignored (an HTTP or queue timeout: haplane relays TCP and queues nothing)\n" COMPAT
               "kubeadm/haproxy.cfg:24:13: warning: 'timeout queue' is not supported; ignored (an "
               "HTTP or queue timeout: haplane relays TCP and queues nothing)\n" COMPAT
               "kubeadm/haproxy.cfg:28:13: warning: 'timeout http-keep-alive' is not supported; "
               "ignored (an HTTP or queue timeout: haplane relays TCP and queues nothing)\n" COMPAT
               "kubeadm/haproxy.cfg:37:5: warning: 'option tcplog' is not supported; ignored "
               "(haplane logs to stderr in its own format)\n" COMPAT
               "kubeadm/haproxy.cfg:26:29: warning: 'timeout client 35s', 'timeout server 35s' "
               "become 'timeout idle 35s' of proxy 'apiserver': haplane has one idle timeout for "
               "both sides (the largest)\n");
    const struct cfg_vrrp_instance *vi = &c->instances[0];
    const struct cfg_proxy *px = &c->proxies[0];
    char ep[80];

    assert_string_equal(c->global.router_id, "LVS_DEVEL");
    assert_int_equal(c->nscripts, 1);
    assert_argv(&c->scripts[0].cmd, 1, (const char *[]){"/etc/keepalived/check_apiserver.sh"});
    assert_int_equal(c->scripts[0].interval_ms, 3000);
    assert_int_equal(vi->state, CFG_STATE_MASTER);
    assert_int_equal(vi->priority, 101);
    assert_int_equal(vi->advert_int_ms, 1000);
    assert_int_equal(vi->auth_type, CFG_AUTH_PASS);
    assert_string_equal(vi->auth_pass, "42");
    assert_addr(&vi->vips[0].addr, "192.168.10.100", 32);
    assert_int_equal(vi->ntrack_scripts, 1);
    assert_int_equal(vi->track_scripts[0].weight, -2);
    assert_int_equal(vi->ntrack_proxies, 0);

    assert_int_equal(c->nproxies, 1);
    assert_string_equal(px->name, "apiserver");
    assert_string_equal(cfg_format_endpoint(&px->binds[0].addr, ep, sizeof(ep)), "0.0.0.0:8443");
    assert_int_equal(px->balance, CFG_BALANCE_ROUNDROBIN);
    assert_int_equal(px->connect_timeout_ms, 5000);
    assert_int_equal(px->idle_timeout_ms, 35000);
    assert_int_equal(px->retries, 1);
    assert_int_equal(px->maxconn, 0);
    assert_int_equal(px->check.kind, CFG_CHECK_HTTPS);
    assert_string_equal(px->check.method, "GET");
    assert_string_equal(px->check.path, "/healthz");
    assert_int_equal(px->check.expect, 200);
    assert_int_equal(px->check.interval_ms, 2000);
    assert_int_equal(px->check.fast_interval_ms, 500); /* no fastinter: the suspect interval */
    assert_int_equal(px->check.timeout_ms, 12000);     /* min(connect 5s, inter 2s) + check 10s */
    assert_int_equal(px->check.fall, 3);
    assert_int_equal(px->check.rise, 2);
    assert_int_equal(px->check.verify, CFG_VERIFY_NONE);
    assert_null(px->check.ca);
    assert_int_equal(px->nservers, 3);
    assert_string_equal(px->servers[2].name, "cp3");
    assert_string_equal(cfg_format_endpoint(&px->servers[2].addr, ep, sizeof(ep)),
                        "192.168.10.13:6443");
    assert_true(px->servers[2].check);
    assert_int_equal(px->servers[2].weight, 1);
    assert_true(has_remark(c, CFG_REMARK_PROXY, "apiserver", "From frontend apiserver"));
    convert_same(c);
    cfg_free(c);
}

static void unicast_peers(void **state)
{
    const char *f = COMPAT "unicast/keepalived.conf";
    struct cfg *c = import_ok(
        "unicast/keepalived.conf", NULL, NULL,
        COMPAT "unicast/keepalived.conf:7:4: warning: 'vrrp_skip_check_adv_addr' is not "
               "supported; ignored (haplane applies keepalived's default receive checks)\n" COMPAT
               "unicast/keepalived.conf:12:13: warning: vrrp_script 'chk_haproxy' checks that a "
               "haproxy process runs; no haproxy.cfg was given (--haproxy), so it runs as "
               "written\n");
    const struct cfg_vrrp_instance *vi = &c->instances[0];

    assert_string_equal(c->global.script_user, "root");
    assert_true(c->global.enable_script_security);
    assert_int_equal(c->global.garp_interval_ms, 1);
    assert_argv(&c->scripts[0].cmd, 2, (const char *[]){"/usr/bin/pidof", "haproxy"});
    assert_int_equal(c->scripts[0].weight, 2);
    assert_false(vi->preempt);
    assert_int_equal(vi->priority, 150);
    assert_addr(&vi->src_ip, "10.0.0.11", 32);
    assert_int_equal(vi->npeers, 2);
    assert_addr(&vi->peers[0].addr, "10.0.0.12", 32);
    assert_addr(&vi->peers[1].addr, "10.0.0.13", 32);
    assert_pos(&vi->peers[1].pos, f, 28, 7);
    assert_string_equal(vi->auth_pass, "s3cr3tPW");
    assert_addr(&vi->vips[0].addr, "10.0.0.100", 24);
    assert_string_equal(vi->vips[0].dev, "eth0");
    assert_string_equal(vi->vips[0].label, "eth0:vip");
    assert_argv(&vi->notify_fault, 2, (const char *[]){"/etc/keepalived/notify.sh", "FAULT"});
    assert_pos(&vi->at.notify_fault, f, 42, 18);
    convert_same(c);
    cfg_free(c);
}

static void v3_ipv6(void **state)
{
    struct cfg *c = import_ok("v3-ipv6/keepalived.conf", NULL, NULL, "");
    const struct cfg_vrrp_instance *v4 = &c->instances[0], *v6 = &c->instances[1];

    assert_int_equal(c->ninstances, 2);
    assert_int_equal(v4->version, 3);
    assert_int_equal(v4->advert_int_ms, 100);
    assert_int_equal(v4->family, AF_INET);
    assert_int_equal(v4->garp_master_delay_ms, 1000);
    assert_int_equal(v4->garp_master_repeat, 3);
    assert_int_equal(v6->version, 3);
    assert_int_equal(v6->family, AF_INET6);
    assert_int_equal(v6->vrid, 30);
    assert_int_equal(v6->nvips, 2);
    assert_addr(&v6->vips[0].addr, "fe80::5:10", 64);
    assert_addr(&v6->vips[1].addr, "2001:db8:5::10", 64);
    assert_int_equal(v6->ntrack_ifs, 1);
    assert_string_equal(v6->track_ifs[0].name, "ens192");
    assert_int_equal(v6->track_ifs[0].weight, -20);
    convert_same(c);
    cfg_free(c);
}

/* Several instances share one haproxy probe: both tracks become
 * track_proxy, the script goes; the other script stays. */
static void several_instances(void **state)
{
    const char *f = COMPAT "multi/keepalived.conf";
    struct cfg *c = import_ok(
        "multi/keepalived.conf", "listen/haproxy.cfg", NULL,
        COMPAT
        "multi/keepalived.conf:5:5: warning: 'notification_email' is not supported; "
        "ignored (haplane sends no e-mail; use notify scripts)\n" COMPAT
        "multi/keepalived.conf:8:5: warning: 'notification_email_from' is not supported; "
        "ignored (haplane sends no e-mail; use notify scripts)\n" COMPAT
        "multi/keepalived.conf:9:5: warning: 'smtp_server' is not supported; ignored "
        "(haplane sends no e-mail; use notify scripts)\n" COMPAT
        "multi/keepalived.conf:10:5: warning: 'smtp_connect_timeout' is not supported; "
        "ignored (haplane sends no e-mail; use notify scripts)\n" COMPAT
        "multi/keepalived.conf:43:5: warning: 'smtp_alert' is not supported; ignored "
        "(haplane sends no e-mail; use notify scripts)\n" COMPAT
        "multi/keepalived.conf:53:37: warning: virtual_ipaddress option 'brd' is not "
        "supported; ignored\n" COMPAT
        "multi/keepalived.conf:53:54: warning: virtual_ipaddress option 'scope' is not "
        "supported; ignored\n" COMPAT
        "listen/haproxy.cfg:6:5: warning: 'user' is not supported; ignored (haplane runs "
        "in the foreground; process settings do not apply)\n" COMPAT
        "listen/haproxy.cfg:7:5: warning: 'group' is not supported; ignored (haplane runs "
        "in the foreground; process settings do not apply)\n" COMPAT
        "listen/haproxy.cfg:8:5: warning: 'pidfile' is not supported; ignored (haplane "
        "runs in the foreground; process settings do not apply)\n" COMPAT
        "listen/haproxy.cfg:9:5: warning: 'stats' is not supported; ignored ("
        "metrics_listen in global_defs serves Prometheus /metrics and a status page at /)\n" COMPAT
        "listen/haproxy.cfg:20:5: warning: 'option tcplog' is not supported; ignored "
        "(haplane logs to stderr in its own format)\n" COMPAT
        "listen/haproxy.cfg:16:20: warning: 'timeout client 1h', 'timeout server 1h', "
        "'timeout tunnel 4h' become 'timeout idle 4h' of proxy 'kube-apiserver': haplane "
        "has one idle timeout for both sides (the largest)\n" COMPAT
        "multi/keepalived.conf:41:9: warning: track_script 'chk_haproxy' only checks that "
        "haproxy runs ('killall -0 haproxy'); haplane is the proxy, so it becomes "
        "'track_proxy kube-apiserver weight -20': the priority moves while proxy "
        "'kube-apiserver' has no healthy server, as soon as its checks say so (instead of "
        "after 1 failed run of the script, one every 2s)\n" COMPAT
        "multi/keepalived.conf:57:9: warning: track_script 'chk_haproxy' only checks that "
        "haproxy runs ('killall -0 haproxy'); haplane is the proxy, so it becomes "
        "'track_proxy kube-apiserver weight -20': the priority moves while proxy "
        "'kube-apiserver' has no healthy server, as soon as its checks say so (instead of "
        "after 1 failed run of the script, one every 2s)\n");
    const struct cfg_vrrp_instance *api = &c->instances[0], *ing = &c->instances[1];

    assert_int_equal(c->nscripts, 1);
    assert_string_equal(c->scripts[0].name, "chk_ingress");
    assert_int_equal(c->scripts[0].timeout_ms, 3000);
    assert_int_equal(api->ntrack_scripts, 0);
    assert_int_equal(api->ntrack_proxies, 1);
    assert_int_equal(api->track_proxies[0].weight, -20);
    assert_int_equal(ing->ntrack_scripts, 1);
    assert_string_equal(ing->track_scripts[0].name, "chk_ingress");
    assert_int_equal(ing->track_scripts[0].weight, -30);
    assert_int_equal(ing->track_scripts[0].ref, 0);
    assert_int_equal(ing->ntrack_proxies, 1);
    assert_pos(&ing->track_proxies[0].pos, f, 57, 9);
    assert_string_equal(api->vips[0].dev, "bond0.100");
    assert_int_equal(ing->preempt_delay_ms, 30000);
    assert_int_equal(ing->garp_master_delay_ms, 10000);
    assert_int_equal(ing->advert_int_ms, 2000);
    convert_same(c);
    cfg_free(c);
}

/* include with a glob; parameters defined in one included file are used
 * in the main file and in another included one; positions name the file. */
static void includes(void **state)
{
    const char *inc = COMPAT "includes/keepalived.d/20-vrrp.conf";
    struct cfg *c = import_ok("includes/keepalived.conf", NULL, NULL, "");
    const struct cfg_vrrp_instance *vi = &c->instances[0];

    assert_string_equal(c->global.router_id, "edge-1");
    assert_int_equal(c->nfiles, 4);
    assert_string_equal(c->files[1], COMPAT "includes/keepalived.d/00-params.conf");
    assert_string_equal(c->files[2], COMPAT "includes/keepalived.d/10-vrrp.conf");
    assert_string_equal(c->files[3], inc);
    assert_argv(&c->scripts[0].cmd, 5,
                (const char *[]){"/usr/bin/curl", "-sfk", "--max-time", "2",
                                 "https://127.0.0.1:6443/readyz"});
    assert_string_equal(vi->interface, "eth1");
    assert_pos(&vi->at.interface, inc, 3, 15);
    assert_addr(&vi->vips[0].addr, "203.0.113.50", 32);
    assert_string_equal(vi->vips[0].dev, "eth1");
    assert_pos(&vi->vips[0].pos, inc, 7, 9);
    assert_int_equal(vi->track_scripts[0].weight, -50);
    assert_pos(&c->global.at.router_id, COMPAT "includes/keepalived.conf", 5, 15);
    convert_same(c);
    cfg_free(c);
}

/* One file for three hosts: @ lines and parameters (one multi-line). */
static void conditional_three_hosts(void **state)
{
    static const char *const ids[] = {"master1", "master2", "master3"};
    static const char *const src[] = {"192.168.50.11", "192.168.50.12", "192.168.50.13"};
    const char *f = COMPAT "conditional/keepalived.conf";

    for (int h = 0; h < 3; h++) {
        struct cfg *c = import_ok("conditional/keepalived.conf", NULL, ids[h], "");
        const struct cfg_vrrp_instance *vi = &c->instances[0];
        size_t k = 0;

        assert_string_equal(c->global.router_id, ids[h]);
        assert_int_equal(vi->state, h == 0 ? CFG_STATE_MASTER : CFG_STATE_BACKUP);
        assert_int_equal(vi->priority, 150 - 10 * h);
        assert_pos(&vi->at.priority, f, 26, 14); /* the "$PRIO" */
        assert_addr(&vi->src_ip, src[h], 32);
        assert_int_equal(vi->npeers, 2);
        for (int p = 0; p < 3; p++) {
            if (p == h)
                continue;
            assert_addr(&vi->peers[k].addr, src[p], 32);
            assert_pos(&vi->peers[k].pos, f, 31, 5); /* the "$PEERS" */
            k++;
        }
        assert_addr(&vi->vips[0].addr, "192.168.50.10", 24);
        assert_string_equal(vi->vips[0].dev, "eth0");
        assert_true(has_remark(c, CFG_REMARK_FILE, NULL, "config-id"));
        convert_same(c);
        cfg_free(c);
    }
    /* an id no line names: no router_id, no priority (default 100) */
    struct cfg *c = NULL;
    char *got;
    assert_int_equal(
        import_texts("@a router_id a\n", NULL, "other", NULL, CFG_FACTS_WARN, &c, &got), 0);
    assert_null(c->global.router_id);
    free(got);
    cfg_free(c);
}

static void global_settings(void **state)
{
    const char *f = COMPAT "globals/keepalived.conf";
    struct cfg *c = import_ok(
        "globals/keepalived.conf", NULL, NULL,
        COMPAT
        "globals/keepalived.conf:4:5: warning: 'notification_email' is not supported; "
        "ignored (haplane sends no e-mail; use notify scripts)\n" COMPAT
        "globals/keepalived.conf:8:5: warning: 'notification_email_from' is not "
        "supported; ignored (haplane sends no e-mail; use notify scripts)\n" COMPAT
        "globals/keepalived.conf:9:5: warning: 'smtp_server' is not supported; ignored "
        "(haplane sends no e-mail; use notify scripts)\n" COMPAT
        "globals/keepalived.conf:10:5: warning: 'smtp_connect_timeout' is not supported; "
        "ignored (haplane sends no e-mail; use notify scripts)\n" COMPAT
        "globals/keepalived.conf:21:5: warning: 'max_auto_priority' is not supported; "
        "ignored (use 'realtime on' for a realtime scheduling class)\n" COMPAT
        "globals/keepalived.conf:22:5: warning: 'enable_snmp_vrrp' is not supported; "
        "ignored (no SNMP or D-Bus; "
        "metrics_listen in global_defs serves Prometheus /metrics and a status page at /)\n" COMPAT
        "globals/keepalived.conf:23:5: warning: 'dynamic_interfaces' is not supported; "
        "ignored (an instance always waits in FAULT for a missing interface)\n" COMPAT
        "globals/keepalived.conf:39:5: warning: 'use_vmac' is not supported; ignored "
        "(haplane sends from the interface's own MAC address)\n" COMPAT
        "globals/keepalived.conf:20:5: warning: vrrp_instance 'VI_API': strict mode drops "
        "its authentication (keepalived does the same)\n" COMPAT
        "globals/keepalived.conf:20:5: warning: vrrp_instance 'VI_API': strict mode "
        "resets preempt_delay 5s to 0 (keepalived does the same)\n");
    const struct cfg_global *g = &c->global;
    const struct cfg_vrrp_instance *vi = &c->instances[0];

    assert_string_equal(g->script_user, "keepalived_script");
    assert_true(g->enable_script_security);
    assert_int_equal(g->garp_master_delay_ms, 2000);
    assert_int_equal(g->garp_master_repeat, 2);
    assert_int_equal(g->garp_master_refresh_ms, 60000);
    assert_int_equal(g->garp_master_refresh_repeat, 2);
    assert_true(g->mlockall); /* vrrp_no_swap */
    assert_pos(&g->at.mlockall, f, 19, 5);
    assert_string_equal(c->scripts[0].cmd.user, "keepalived_script");
    assert_int_equal(c->scripts[0].timeout_ms, 2000);
    assert_int_equal(vi->auth_type, CFG_AUTH_NONE);
    assert_string_equal(vi->auth_pass, "");
    assert_int_equal(vi->preempt_delay_ms, 0);
    assert_int_equal(vi->garp_master_refresh_ms, 120000);
    assert_int_equal(vi->garp_master_delay_ms, 2000);
    assert_int_equal(vi->track_scripts[0].weight, -60);
    assert_int_equal(vi->ntrack_ifs, 2);
    assert_int_equal(vi->track_ifs[1].weight, -10);
    assert_argv(&vi->notify, 1, (const char *[]){"/etc/keepalived/notify-all.sh"});
    assert_string_equal(vi->notify.user, "root");
    assert_true(has_remark(c, CFG_REMARK_INSTANCE, "VI_API", "strict mode"));
    convert_same(c);
    cfg_free(c);
}

/* The lab's files (used by the integration test) for each master. */
static void lab_files(void **state)
{
    static const char *const ids[] = {"master1", "master2", "master3"};

    for (int h = 0; h < 3; h++) {
        struct cfg *c = import_ok(
            "lab/keepalived.conf", "lab/haproxy.cfg", ids[h],
            COMPAT "lab/haproxy.cfg:12:20: warning: 'timeout client 1h', 'timeout server 1h' "
                   "become 'timeout idle 1h' of proxy 'apiserver': haplane has one idle "
                   "timeout for both sides (the largest)\n" COMPAT
                   "lab/keepalived.conf:33:9: warning: track_script 'check_haproxy' only checks "
                   "that haproxy runs ('killall -0 haproxy'); haplane is the proxy, so it "
                   "becomes 'track_proxy apiserver weight -2': the priority moves while proxy "
                   "'apiserver' has no healthy server, as soon as its checks say so (instead "
                   "of after 10 failed runs of the script, one every 3s)\n");
        const struct cfg_vrrp_instance *vi = &c->instances[0];
        const struct cfg_check *k = &c->proxies[0].check;

        assert_int_equal(vi->priority, 100 - 10 * h);
        assert_int_equal(vi->state, h ? CFG_STATE_BACKUP : CFG_STATE_MASTER);
        assert_int_equal(vi->track_proxies[0].weight, -2);
        assert_int_equal(k->kind, CFG_CHECK_HTTPS);
        assert_string_equal(k->path, "/readyz");
        assert_string_equal(k->ca, "/run/haplane-lab/t/certs/ca.crt");
        assert_string_equal(k->sni, "kubernetes");
        assert_int_equal(k->verify, CFG_VERIFY_REQUIRED);
        assert_int_equal(k->interval_ms, 1000);
        assert_int_equal(c->proxies[0].maxconn, 2000);
        convert_same(c);
        cfg_free(c);
    }
}

/* ---- preprocessing ------------------------------------------------------------------ */

#define VI_OPEN                                                                                    \
    "vrrp_instance vi {\n"                                                                         \
    "    interface eth0\n"                                                                         \
    "    virtual_router_id 1\n"                                                                    \
    "    virtual_ipaddress { 10.0.0.1 }\n"

static void parameters(void **state)
{
    struct cfg *c = texts_ok("$A=1\n"
                             "$B=${A}0\n"        /* replaced when used, not defined */
                             "$A=2\n"            /* redefined */
                             "$NAME=vi\n"        /* */
                             "vrrp_script s {\n" /* */
                             "    script \"/bin/echo $HOME ${NOPE}\"\n" /* undefined: kept */
                             "}\n"                                      /* */
                             "vrrp_instance $NAME {\n"                  /* */
                             "    interface eth0\n"                     /* */
                             "    virtual_router_id ${B}\n"             /* 20 */
                             "    priority ${A}${A}\n"                  /* 22 */
                             "    virtual_ipaddress { 10.0.0.${A}/${B} }\n"
                             "    track_script { s }\n"
                             "}\n",
                             NULL, "");
    const struct cfg_vrrp_instance *vi = &c->instances[0];

    assert_string_equal(vi->name, "vi");
    assert_int_equal(vi->vrid, 20);
    assert_int_equal(vi->priority, 22);
    assert_addr(&vi->vips[0].addr, "10.0.0.2", 20);
    assert_argv(&c->scripts[0].cmd, 3, (const char *[]){"/bin/echo", "$HOME", "${NOPE}"});
    assert_pos(&vi->at.vrid, "k.conf", 10, 23);
    assert_pos(&vi->vips[0].pos, "k.conf", 12, 25);
    cfg_free(c);
}

/* Multi-line parameters, nested, and the predefined ones. */
static void multiline_parameters(void **state)
{
    struct cfg *c = texts_ok("$INST= \\\n"
                             "vrrp_instance vi_${N} { \\\n"
                             "    interface eth0 \\\n"
                             "    @master1 priority 1${N}0 \\\n"
                             "    virtual_router_id ${N} \\\n"
                             "    $VIPS \\\n"
                             "}\n"
                             "$VIPS= \\\n"
                             "   virtual_ipaddress { \\\n"
                             "       # a comment line in between \\\n"
                             "       10.0.${N}.1 \\\n"
                             "   }\n"
                             "\n"
                             "$N=1\n"
                             "$INST\n"
                             "$N=2\n"
                             "    $INST\n"
                             "global_defs {\n"
                             "    router_id ${_INSTANCE}\n"
                             "}\n",
                             NULL, "");

    assert_string_equal(c->global.router_id, "master1");
    assert_int_equal(c->ninstances, 2);
    for (int i = 0; i < 2; i++) {
        const struct cfg_vrrp_instance *vi = &c->instances[i];
        char name[8], vip[16];

        snprintf(name, sizeof(name), "vi_%d", i + 1);
        snprintf(vip, sizeof(vip), "10.0.%d.1", i + 1);
        assert_string_equal(vi->name, name);
        assert_int_equal(vi->priority, 110 + 10 * i);
        assert_int_equal(vi->vrid, i + 1);
        assert_addr(&vi->vips[0].addr, vip, 32);
        assert_pos(&vi->pos, "k.conf", i ? 17 : 15, i ? 5 : 1);
    }
    cfg_free(c);
}

/* keepalived's comments: '#' and '!' anywhere outside double quotes,
 * "\#" keeps one. */
static void comments(void **state)
{
    struct cfg *c = texts_ok("global_defs { # comment\n"
                             "    router_id a#b ! trailing\n"
                             "}\n"
                             "vrrp_script s {\n"
                             "    script \"/bin/check --tag a#b!c\" # quoted stays\n"
                             "}\n" VI_OPEN "    track_script { s }\n"
                             "}\n",
                             NULL, "");

    assert_string_equal(c->global.router_id, "a");
    assert_argv(&c->scripts[0].cmd, 3, (const char *[]){"/bin/check", "--tag", "a#b!c"});
    cfg_free(c);
}

static void conditionals(void **state)
{
    struct cfg *c = texts_ok("global_defs {\n"
                             "    @^master1 router_id not1\n"
                             "    @master1 router_id one\n"
                             "    @master2 router_id two\n"
                             "    @master1\n" /* nothing after the id: dropped */
                             "}\n" VI_OPEN "    @master1 priority 77\n"
                             "}\n",
                             NULL, "");

    assert_string_equal(c->global.router_id, "one");
    assert_pos(&c->global.at.router_id, "k.conf", 3, 24);
    assert_int_equal(c->instances[0].priority, 77);
    assert_pos(&c->instances[0].at.priority, "k.conf", 11, 23);
    cfg_free(c);
}

/* A file whose first line is empty (or only "\r"): the line buffer is
 * still unallocated when the empty line is copied into it; positions
 * count that line. */
static void empty_first_line(void **state)
{
    struct cfg *c = texts_ok("\n" VI_OPEN "}\n", NULL, "");

    assert_int_equal(c->ninstances, 1);
    assert_pos(&c->instances[0].pos, "k.conf", 2, 15);
    cfg_free(c);
    c = texts_ok("\r\n\n" VI_OPEN "}\n", NULL, "");
    assert_pos(&c->instances[0].pos, "k.conf", 3, 15);
    cfg_free(c);
}

/* ---- haproxy probes ------------------------------------------------------------------ */

static void probe_spellings(void **state)
{
    static const struct {
        const char *cmd;
        bool probe;
    } cases[] = {
        {"killall -0 haproxy", true},
        {"/usr/bin/killall -0 haproxy", true},
        {"killall -q -0 haproxy", true},
        {"killall -s 0 haproxy", true},
        {"pkill -0 haproxy", true},
        {"pidof haproxy", true},
        {"/bin/pidof -s haproxy", true},
        {"pgrep -x haproxy", true},
        {"systemctl is-active haproxy", true},
        {"systemctl is-active --quiet haproxy.service", true},
        {"/usr/bin/systemctl -q is-active haproxy", true},
        {"service haproxy status", true},
        {"/bin/sh -c 'killall -0 haproxy'", true},
        {"bash -c \"pidof haproxy\"", true},
        {"killall haproxy", false}, /* would kill it */
        {"killall -0 nginx", false},
        {"killall -0 haproxy nginx", false},
        {"pidof haproxy.service", false},
        {"systemctl restart haproxy", false},
        {"systemctl is-active nginx", false},
        {"/etc/keepalived/check_haproxy.sh", false},
        {"curl -sf http://127.0.0.1:8404/healthz", false},
        {"sh -c 'killall -0 haproxy && exit 1'", false},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct cfg_cmd c = {0};
        char err[64];

        assert_int_equal(cfg_split_cmd(cases[i].cmd, &c, err, sizeof(err)), 0);
        if (imp_is_haproxy_probe(&c) != cases[i].probe)
            fail_msg("'%s' should%s be a haproxy probe", cases[i].cmd,
                     cases[i].probe ? "" : " not");
        cfg_cmd_free(&c);
    }
}

#define PROBE_KA                                                                                   \
    "vrrp_script chk {\n"                                                                          \
    "    script \"systemctl is-active haproxy\"\n"                                                 \
    "    weight -5\n"                                                                              \
    "}\n" VI_OPEN

#define TWO_PROXIES                                                                                \
    "frontend a\n"                                                                                 \
    "    bind *:16443\n"                                                                           \
    "    default_backend s\n"                                                                      \
    "frontend b\n"                                                                                 \
    "    bind *:16444\n"                                                                           \
    "    default_backend s\n"                                                                      \
    "backend s\n"                                                                                  \
    "    server s1 10.0.0.2:6443 check\n"

/* The track line's weight wins over the script's; a proxy on the VIP is
 * preferred when there are several. */
static void probe_mapping(void **state)
{
    struct cfg *c = texts_ok(PROBE_KA "    track_script { chk weight -30 }\n"
                                      "}\n",
                             "frontend a\n"
                             "    bind 10.0.0.1:16443\n"
                             "    default_backend s\n"
                             "frontend b\n"
                             "    bind 127.0.0.1:16443\n"
                             "    default_backend s\n"
                             "backend s\n"
                             "    server s1 10.0.0.2:6443 check\n",
                             "k.conf:9:20: warning: track_script 'chk' only checks that haproxy "
                             "runs ('systemctl is-active haproxy'); haplane is the proxy, so it "
                             "becomes 'track_proxy a weight -30': the priority moves while proxy "
                             "'a' has no healthy server, as soon as its checks say so (instead of "
                             "after 1 failed run of the script, one every 1s)\n");

    assert_int_equal(c->nscripts, 0);
    assert_string_equal(c->instances[0].track_proxies[0].name, "a");
    assert_int_equal(c->instances[0].track_proxies[0].weight, -30);
    assert_pos(&c->instances[0].track_proxies[0].weight_pos, "k.conf", 9, 31);
    convert_same(c);
    cfg_free(c);

    /* two proxies on every address: which one is not clear */
    c = texts_ok(PROBE_KA "    track_script { chk }\n"
                          "}\n",
                 TWO_PROXIES,
                 "k.conf:9:20: warning: track_script 'chk' checks that haproxy runs, but which of "
                 "the 2 proxies it stands for is not clear; it runs as a script\n");
    assert_int_equal(c->nscripts, 1);
    assert_int_equal(c->instances[0].ntrack_scripts, 1);
    assert_int_equal(c->instances[0].ntrack_proxies, 0);
    cfg_free(c);
}

/* ---- machine facts ----------------------------------------------------------------------- */

static int no_name(const char *n, void *arg)
{
    return 0;
}

static int no_addr(const struct cfg_addr *a, void *arg)
{
    return 0;
}

static const struct cfg_host nothing = {no_name, no_addr, no_name, no_name, no_name, NULL, NULL};

#define FACTS_KA                                                                                   \
    "global_defs {\n"                                                                              \
    "    script_user ka\n"                                                                         \
    "}\n"                                                                                          \
    "vrrp_script s {\n"                                                                            \
    "    script \"/opt/check.sh\"\n"                                                               \
    "}\n"                                                                                          \
    "vrrp_instance vi {\n"                                                                         \
    "    interface eth9\n"                                                                         \
    "    virtual_router_id 1\n"                                                                    \
    "    unicast_src_ip 10.0.0.7\n"                                                                \
    "    unicast_peer { 10.0.0.8 }\n"                                                              \
    "    virtual_ipaddress { 10.0.0.1 dev eth8 }\n"                                                \
    "    track_script { s }\n"                                                                     \
    "    track_interface { eth7 }\n"                                                               \
    "    notify_master \"notify-me now\" someone\n"                                                \
    "}\n"

#define FACTS_HAP                                                                                  \
    "listen api\n"                                                                                 \
    "    bind :16443\n"                                                                            \
    "    option httpchk GET /readyz\n"                                                             \
    "    server a 10.0.0.2:6443 check check-ssl ca-file /etc/ca.pem crt /etc/client.pem\n"

/* The instance's interface, the VIP's dev, (then) its source address and a
 * tracked interface are warnings even in `run`: the instance waits for them
 * (a tracked one counts as down meanwhile). */
static const char facts_text[] =
    "k.conf:2:17: %s: user 'ka' does not exist on this host\n"
    "k.conf:5:12: %s: command '/opt/check.sh' is not an executable file on this host\n"
    "k.conf:8:15: warning: interface 'eth9' does not exist on this host yet: the instance waits "
    "in FAULT until it appears\n"
    "k.conf:12:25: warning: interface 'eth8' does not exist on this host yet: the instance waits "
    "in FAULT until it appears\n"
    "k.conf:14:23: warning: track_interface 'eth7' does not exist on this host yet: the "
    "instance stays in FAULT until it appears\n"
    "k.conf:10:20: warning: source address 10.0.0.7 is not assigned to an interface of this host "
    "yet: the instance waits in FAULT until it is\n"
    "k.conf:15:19: %s: command 'notify-me' is not found in PATH on this host\n"
    "k.conf:15:19: %s: user 'someone' does not exist on this host\n"
    "h.cfg:4:52: %s: file '/etc/ca.pem' cannot be read on this host\n"
    "h.cfg:4:68: %s: file '/etc/client.pem' cannot be read on this host\n";

/* Warnings in check/convert, errors in run; skipped when asked. */
static void machine_facts(void **state)
{
    static const char *const sev[] = {"warning", "error"};
    char want[4096];

    for (int i = 0; i < 2; i++) {
        struct cfg *c = NULL;
        char *got;
        int r = import_texts(FACTS_KA, FACTS_HAP, NULL, &nothing,
                             i ? CFG_FACTS_ERROR : CFG_FACTS_WARN, &c, &got);

        snprintf(want, sizeof(want), facts_text, sev[i], sev[i], sev[i], sev[i], sev[i], sev[i]);
        assert_string_equal(got, want);
        assert_int_equal(r, i ? -1 : 0);
        free(got);
        cfg_free(c);
    }
    struct cfg *c = NULL;
    char *got;
    assert_int_equal(import_texts(FACTS_KA, FACTS_HAP, NULL, &nothing, CFG_FACTS_SKIP, &c, &got),
                     0);
    assert_string_equal(got, "");
    free(got);
    cfg_free(c);
}

static int no_eth9(const char *n, void *arg)
{
    return strcmp(n, "eth9") != 0;
}

static int no_src(const struct cfg_addr *a, void *arg)
{
    return a->family != AF_INET || a->u.v4.s_addr != htonl(0x0a000007); /* 10.0.0.7 */
}

/* A host without the instance's interface (nor, then, its source address)
 * but with everything else: `run` loads the configuration, with warnings. */
static void missing_interface_is_not_fatal(void **state)
{
    static const struct cfg_host late = {no_eth9, no_src, yes_name, yes_name, yes_name, NULL, NULL};
    static const char want[] =
        "k.conf:8:15: warning: interface 'eth9' does not exist on this host yet: the instance "
        "waits in FAULT until it appears\n"
        "k.conf:10:20: warning: source address 10.0.0.7 is not assigned to an interface of this "
        "host yet: the instance waits in FAULT until it is\n";
    struct cfg *c = NULL;
    char *got;

    for (int i = 0; i < 2; i++) {
        assert_int_equal(import_texts(FACTS_KA, FACTS_HAP, NULL, &late,
                                      i ? CFG_FACTS_ERROR : CFG_FACTS_WARN, &c, &got),
                         0);
        assert_string_equal(got, want);
        free(got);
        cfg_free(c);
    }
    /* with the interface there, a missing source address stays an error */
    static const struct cfg_host nosrc = {yes_name, no_src, yes_name, yes_name,
                                          yes_name, NULL,   NULL};
    assert_int_equal(import_texts(FACTS_KA, FACTS_HAP, NULL, &nosrc, CFG_FACTS_ERROR, &c, &got),
                     -1);
    assert_string_equal(got, "k.conf:10:20: error: source address 10.0.0.7 is not assigned to an "
                             "interface of this host\n");
    free(got);

    /* a native file takes the same path (cfg_check_host counts errors only) */
    static const struct cfg_host noif = {no_name,  yes_addr, yes_name, yes_name,
                                         yes_name, NULL,     NULL};
    struct imp_sources src = {
        .native = FIXTURES "seed-keepalived.conf", .host = &noif, .facts = CFG_FACTS_ERROR};
    struct cfg_diags d = {0};
    assert_int_equal(imp_load(&src, &c, &d), 0);
    assert_int_equal(d.nerrors, 0);
    assert_int_equal(d.nwarnings, 1);
    cfg_free(c);
    cfg_diags_free(&d);
}

/* A native file gets the same machine checks through imp_load. */
static void native_facts(void **state)
{
    struct imp_sources src = {
        .native = FIXTURES "seed-keepalived.conf", .host = &nothing, .facts = CFG_FACTS_ERROR};
    struct cfg_diags d = {0};
    struct cfg *c = NULL;
    char name[256];

    assert_int_equal(imp_load(&src, &c, &d), -1);
    assert_null(c);
    char *got = diags_text(&d);
    assert_string_equal(got, FIXTURES "seed-keepalived.conf:6:10: error: command 'killall' is not "
                                      "found in PATH on this host\n" FIXTURES
                                      "seed-keepalived.conf:14:13: warning: interface 'ens33' "
                                      "does not exist on this host yet: the instance waits in "
                                      "FAULT until it appears\n");
    free(got);
    cfg_diags_free(&d);
    src.facts = CFG_FACTS_WARN;
    assert_int_equal(imp_load(&src, &c, &d), 0);
    assert_int_equal(d.nwarnings, 2);
    cfg_free(c);
    cfg_diags_free(&d);

    assert_string_equal(imp_describe(&src, name, sizeof(name)), FIXTURES "seed-keepalived.conf");
    struct imp_sources both = {.keepalived = "k.conf", .haproxy = "h.cfg"};
    assert_string_equal(imp_describe(&both, name, sizeof(name)), "k.conf + h.cfg");
    both.native = "x.conf";
    assert_int_equal(imp_load(&both, &c, &d), -1);
    got = diags_text(&d);
    assert_string_equal(got, "error: a native file cannot be combined with keepalived or haproxy "
                             "files\n");
    free(got);
    cfg_diags_free(&d);
}

/* The comment lines in [from, to) with "# " taken off, joined with spaces
 * (blank lines skipped): what a reader sees there. Caller frees. */
static char *join_comments(const char *from, const char *to)
{
    char *out = calloc(1, (size_t)(to - from) + 1);
    size_t n = 0;

    assert_non_null(out);
    for (const char *l = from; l < to;) {
        const char *e = strchr(l, '\n');

        if (l[0] != '\n') {
            assert_true(l[0] == '#');
            l += (l[1] == ' ') ? 2 : 1;
            if (n && e > l)
                out[n++] = ' ';
            memcpy(out + n, l, (size_t)(e - l));
            n += (size_t)(e - l);
        }
        l = e + 1;
    }
    return out;
}

/* The comment block right above the line at `at` (back to the previous
 * blank line). Caller frees. */
static char *comments_above(const char *text, const char *at)
{
    const char *start = at;

    while (start > text && !(start[-1] == '\n' && (start - 1 == text || start[-2] == '\n')))
        start--;
    return join_comments(start, at);
}

/* The converted text: the header first, one "# " line per header line; then
 * the file's remarks as comments before any setting; each item's remarks as
 * the comment block right above that item; and it loads back natively. */
static void converted_text(void **state)
{
    struct cfg *c = import_ok("seed-keepalived.conf", "kubeadm-2.1/haproxy.cfg", "m", NULL);
    char *conv = NULL, *first_setting, *file_block;
    size_t len = 0, file_remarks = 0, item_remarks = 0;
    FILE *f = open_memstream(&conv, &len);

    assert_non_null(f);
    assert_int_equal(cfg_write_converted(c, "converted from A\n\nand B", f), 0);
    fclose(f);
    static const char header[] = "# converted from A\n#\n# and B\n";
    assert_true(strncmp(conv, header, sizeof(header) - 1) == 0);

    /* file remarks: all in the comment block that ends at the first setting */
    first_setting = conv;
    while (*first_setting == '#' || *first_setting == '\n')
        first_setting = strchr(first_setting, '\n') + 1;
    file_block = join_comments(conv, first_setting);
    for (size_t i = 0; i < c->nremarks; i++) {
        const struct cfg_remark *r = &c->remarks[i];
        char head[160], *at, *block;

        if (r->on == CFG_REMARK_FILE) {
            assert_non_null(strstr(file_block, r->text));
            file_remarks++;
            continue;
        }
        snprintf(head, sizeof(head), "\n%s %s {\n",
                 r->on == CFG_REMARK_SCRIPT     ? "vrrp_script"
                 : r->on == CFG_REMARK_INSTANCE ? "vrrp_instance"
                                                : "proxy",
                 r->name);
        at = strstr(conv, head);
        assert_non_null(at);
        block = comments_above(conv, at + 1);
        if (!strstr(block, r->text))
            fail_msg("remark '%s' is not above '%s':\n%s", r->text, head + 1, conv);
        free(block);
        item_remarks++;
    }
    /* the seed + kubeadm pair has both kinds: the test checks something */
    assert_true(file_remarks > 0);
    assert_true(item_remarks > 0);
    free(assert_convert_same(c));
    free(file_block);
    free(conv);
    cfg_free(c);
}

/* s with comment lines joined: a "\n# " after a comment line becomes " "
 * (convert wraps comments at ~96 columns). */
static void unwrap_comments(char *s)
{
    char *w = s;
    bool comment = *s == '#'; /* the line being read is a comment */

    for (const char *r = s; *r;) {
        if (comment && !strncmp(r, "\n# ", 3)) {
            *w++ = ' ';
            r += 3;
            continue;
        }
        if (*r == '\n')
            comment = r[1] == '#';
        *w++ = *r++;
    }
    *w = 0;
}

/* `convert` keeps the input's timers; an instance with others than the
 * recommended ones (VRRPv3, CFG_ADVERT_RECOMMENDED_MS) gets a comment that
 * names both, one already there gets none. */
static void convert_advert_advice(void **state)
{
    (void)state;
    char rec[32], text[512], *got = NULL;
    struct cfg *c = NULL;

    cfg_format_duration(CFG_ADVERT_RECOMMENDED_MS, rec, sizeof(rec));
    assert_int_equal(import_texts("vrrp_instance vi {\n interface eth0\n virtual_router_id 1\n"
                                  " priority 100\n advert_int 2\n"
                                  " virtual_ipaddress {\n  10.0.0.9/24\n }\n}\n",
                                  NULL, NULL, NULL, CFG_FACTS_WARN, &c, &got),
                     0);
    free(got);
    char *conv = assert_convert_same(c);
    unwrap_comments(conv);
    assert_non_null(strstr(conv, "    advert_int 2s\n")); /* kept */
    assert_non_null(strstr(conv, "# Timers kept from the input (version 2, advert_int 2s). "));
    snprintf(text, sizeof(text), "version 3, advert_int %s on every master", rec);
    if (!strstr(conv, text))
        fail_msg("no '%s' in:\n%s", text, conv);
    free(conv);
    cfg_free(c);

    snprintf(text, sizeof(text),
             "vrrp_instance vi {\n interface eth0\n virtual_router_id 1\n priority 100\n"
             " version 3\n advert_int %.2f\n virtual_ipaddress {\n  10.0.0.9/24\n }\n}\n",
             CFG_ADVERT_RECOMMENDED_MS / 1000.0);
    assert_int_equal(import_texts(text, NULL, NULL, NULL, CFG_FACTS_WARN, &c, &got), 0);
    free(got);
    conv = assert_convert_same(c);
    assert_null(strstr(conv, "Timers kept from the input"));
    free(conv);
    cfg_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(seed_same_as_native),
        cmocka_unit_test(seed_with_haproxy),
        cmocka_unit_test(kubeadm_guide),
        cmocka_unit_test(unicast_peers),
        cmocka_unit_test(v3_ipv6),
        cmocka_unit_test(several_instances),
        cmocka_unit_test(includes),
        cmocka_unit_test(conditional_three_hosts),
        cmocka_unit_test(global_settings),
        cmocka_unit_test(lab_files),
        cmocka_unit_test(parameters),
        cmocka_unit_test(multiline_parameters),
        cmocka_unit_test(comments),
        cmocka_unit_test(conditionals),
        cmocka_unit_test(empty_first_line),
        cmocka_unit_test(probe_spellings),
        cmocka_unit_test(probe_mapping),
        cmocka_unit_test(machine_facts),
        cmocka_unit_test(missing_interface_is_not_fatal),
        cmocka_unit_test(native_facts),
        cmocka_unit_test(converted_text),
        cmocka_unit_test(convert_advert_advice),
    };
    return cmocka_run_group_tests_name("import_ka", tests, NULL, NULL);
}
