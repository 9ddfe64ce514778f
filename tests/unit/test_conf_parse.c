/* Unit tests: the native parser fills the model (every directive, defaults,
 * inheritance), the seed's keepalived.conf and DESIGN.md's example, and the
 * canonical writer's round trip. (include: test_conf_include.c) */
#include "test_conf.h"

#include "conf/conf-int.h"

#include <arpa/inet.h>
#include <sys/socket.h>

static void assert_addr(const struct cfg_addr *a, const char *text, int prefix)
{
    char buf[64];

    assert_string_equal(cfg_format_addr(a, 0, buf, sizeof(buf)), text);
    assert_int_equal(a->prefix, prefix);
}

static void assert_ep(const struct cfg_endpoint *e, const char *text)
{
    char buf[300];

    assert_string_equal(cfg_format_endpoint(e, buf, sizeof(buf)), text);
}

static void assert_pos(const struct cfg_pos *p, const char *file, unsigned line, unsigned col)
{
    if (!file)
        assert_null(p->file);
    else
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

/* The seed's keepalived.conf, verbatim (tests/fixtures/conf). */
static void seed_keepalived_conf(void **state)
{
    struct cfg_diags d = {0};
    struct cfg *c = NULL;
    const char *path = FIXTURES "seed-keepalived.conf";

    assert_int_equal(cfg_load_file(path, &c, &d), 0);
    assert_int_equal(d.n, 0);
    assert_string_equal(c->global.router_id, "k8s");
    assert_int_equal(c->global.vrrp_version, 2);

    assert_int_equal(c->nscripts, 1);
    const struct cfg_vrrp_script *s = cfg_find_script(c, "check_haproxy");
    assert_ptr_equal(s, &c->scripts[0]);
    assert_argv(&s->cmd, 3, (const char *[]){"killall", "-0", "haproxy"});
    assert_int_equal(s->interval_ms, 3000);
    assert_int_equal(s->timeout_ms, 3000);
    assert_int_equal(s->weight, -2);
    assert_int_equal(s->fall, 10);
    assert_int_equal(s->rise, 2);
    assert_true(s->tracked);
    assert_pos(&s->pos, path, 5, 13);

    assert_int_equal(c->ninstances, 1);
    const struct cfg_vrrp_instance *vi = cfg_find_instance(c, "VI_1");
    assert_non_null(vi);
    assert_pos(&vi->pos, path, 12, 15);
    assert_int_equal(vi->state, CFG_STATE_MASTER);
    assert_string_equal(vi->interface, "ens33");
    assert_int_equal(vi->vrid, 51);
    assert_int_equal(vi->priority, 100);
    assert_pos(&vi->at.priority, path, 16, 12);
    assert_int_equal(vi->advert_int_ms, 1000);
    assert_int_equal(vi->version, 2);
    assert_int_equal(vi->family, AF_INET);
    assert_int_equal(vi->auth_type, CFG_AUTH_PASS);
    assert_string_equal(vi->auth_pass, "1111");
    assert_int_equal(vi->nvips, 1);
    assert_addr(&vi->vips[0].addr, "192.168.200.154", 32);
    assert_pos(&vi->vips[0].pos, path, 23, 3);
    assert_null(vi->vips[0].dev);
    assert_int_equal(vi->npeers, 0);
    assert_int_equal(vi->ntrack_scripts, 1);
    assert_string_equal(vi->track_scripts[0].name, "check_haproxy");
    assert_int_equal(vi->track_scripts[0].ref, 0);
    assert_int_equal(vi->track_scripts[0].weight, -2); /* the script's */
    assert_false(vi->track_scripts[0].has_weight);
    assert_pos(&vi->track_scripts[0].pos, path, 26, 3);
    assert_true(vi->preempt);
    assert_int_equal(vi->garp_master_repeat, 5);
    assert_int_equal(vi->garp_master_delay_ms, 5000);
    assert_int_equal(vi->vip_lifetime_ms, 0);
    assert_int_equal(c->nproxies, 0);
    assert_int_equal(c->nfiles, 1);
    assert_string_equal(c->files[0], path);

    char *want = fixture("seed-keepalived.canon"), *got = canon(c);
    assert_string_equal(got, want);
    free(want);
    free(got);
    assert_round_trip(c);
    cfg_free(c);
    cfg_diags_free(&d);
}

/* DESIGN.md's "Native configuration" example, verbatim. */
static void design_example(void **state)
{
    char *text = fixture("design-example.conf");
    struct cfg *c = load_ok(text);
    char sum[128];

    const struct cfg_vrrp_instance *vi = &c->instances[0];
    assert_string_equal(c->global.router_id, "master1");
    assert_string_equal(vi->name, "apiserver");
    assert_int_equal(vi->state, CFG_STATE_BACKUP);
    assert_string_equal(vi->interface, "eth0");
    assert_int_equal(vi->vrid, 51);
    assert_int_equal(vi->priority, 100);
    assert_int_equal(vi->advert_int_ms, 100);
    assert_int_equal(vi->version, 3);
    assert_int_equal(vi->npeers, 2);
    assert_addr(&vi->peers[0].addr, "192.168.200.152", 32);
    assert_addr(&vi->peers[1].addr, "192.168.200.153", 32);
    assert_pos(&vi->peers[1].pos, "t.conf", 12, 36);
    assert_int_equal(vi->nvips, 1);
    assert_addr(&vi->vips[0].addr, "192.168.200.154", 24);
    assert_int_equal(vi->ntrack_proxies, 1);
    assert_string_equal(vi->track_proxies[0].name, "apiserver");
    assert_int_equal(vi->track_proxies[0].weight, -50);
    assert_int_equal(vi->track_proxies[0].ref, 0);
    assert_true(vi->quorum);

    const struct cfg_proxy *px = cfg_find_proxy(c, "apiserver");
    assert_ptr_equal(px, &c->proxies[0]);
    assert_int_equal(px->nbinds, 1);
    assert_int_equal(px->binds[0].addr.kind, CFG_HOST_ANY);
    assert_int_equal(px->binds[0].addr.port, 16443);
    assert_int_equal(px->balance, CFG_BALANCE_LEASTCONN);
    assert_int_equal(px->connect_timeout_ms, 2000);
    assert_int_equal(px->idle_timeout_ms, 3600000);
    assert_int_equal(px->retries, 3);
    assert_int_equal(px->check.kind, CFG_CHECK_HTTPS);
    assert_string_equal(px->check.method, "GET");
    assert_string_equal(px->check.path, "/readyz");
    assert_int_equal(px->check.expect, 200);
    assert_int_equal(px->check.interval_ms, 1000);
    assert_int_equal(px->check.timeout_ms, 1000);
    assert_int_equal(px->check.fall, 3);
    assert_int_equal(px->check.rise, 2);
    assert_int_equal(px->check.verify, CFG_VERIFY_NONE);
    assert_int_equal(px->nservers, 3);
    assert_string_equal(px->servers[2].name, "master3");
    assert_ep(&px->servers[2].addr, "192.168.200.153:6443");
    assert_ptr_equal(cfg_find_server(px, "master2"), &px->servers[1]);
    assert_null(cfg_find_server(px, "master4"));
    assert_null(cfg_find_proxy(c, "other"));
    assert_null(cfg_find_instance(c, "other"));
    assert_null(cfg_find_script(c, "other"));

    cfg_summary(c, sum, sizeof(sum));
    assert_string_equal(sum, "1 vrrp instance, 1 proxy, 3 servers");

    char *want = fixture("design-example.canon"), *got = canon(c);
    assert_string_equal(got, want);
    free(want);
    free(got);
    assert_round_trip(c);
    cfg_free(c);
    free(text);
}

static const char every_directive[] =
    "global_defs {\n"
    "    router_id \"node 1\"\n"
    "    script_user haplane hagroup\n"
    "    enable_script_security\n"
    "    vrrp_version 3\n"
    "    vrrp_garp_master_repeat 3\n"
    "    vrrp_garp_master_delay 2s\n"
    "    vrrp_garp_master_refresh 60\n"
    "    vrrp_garp_master_refresh_repeat 2\n"
    "    vrrp_garp_interval 0.001\n"
    "    vrrp_gna_interval 5ms\n"
    "    vrrp_mcast_group4 224.0.0.19\n"
    "    vrrp_mcast_group6 ff02::13\n"
    "    realtime on\n"
    "    mlockall yes\n"
    "}\n"
    "vrrp_script chk_proxy {\n"
    "    script /usr/bin/check --arg \"two words\"\n"
    "    interval 250ms\n"
    "    timeout 2\n"
    "    weight +20\n"
    "    fall 3\n"
    "    rise 5\n"
    "    user nobody nogroup\n"
    "}\n"
    "vrrp_script chk2\n"
    "{\n"
    "    script \"/bin/test -e /run/ok\"\n"
    "}\n"
    "vrrp_instance v6 {\n"
    "    state BACKUP\n"
    "    interface eth1\n"
    "    virtual_router_id 7\n"
    "    priority 150\n"
    "    advert_int 0.05\n"
    "    unicast_src_ip 2001:db8::10\n"
    "    unicast_peer {\n"
    "        2001:db8::11 2001:db8::12\n"
    "        2001:db8::13\n"
    "    }\n"
    "    virtual_ipaddress {\n"
    "        2001:db8::100/64 dev eth1\n"
    "        2001:db8::101\n"
    "    }\n"
    "    nopreempt\n"
    "    preempt_delay 5s\n"
    "    track_script {\n"
    "        chk_proxy weight -30\n"
    "        chk2\n"
    "    }\n"
    "    track_interface {\n"
    "        eth1 weight -10\n"
    "        eth2\n"
    "    }\n"
    "    track_proxy {\n"
    "        api\n"
    "    }\n"
    "    quorum on\n"
    "    notify_master \"/etc/ha/notify.sh master\" root\n"
    "    notify_backup /etc/ha/notify.sh\n"
    "    notify_fault \"/etc/ha/notify.sh fault\" root wheel\n"
    "    notify_stop \"/bin/true\"\n"
    "    notify \"/etc/ha/notify-all.sh\"\n"
    "    garp_master_delay 1s\n"
    "    garp_master_repeat 2\n"
    "    garp_master_refresh off\n"
    "    garp_master_refresh_repeat 3\n"
    "    vip_lifetime 3s\n"
    "}\n"
    "vrrp_instance v4 {\n"
    "    state MASTER\n"
    "    interface eth0\n"
    "    virtual_router_id 7\n"
    "    version 2\n"
    "    mcast_src_ip 10.0.0.1\n"
    "    authentication { auth_type PASS\n"
    "        auth_pass secret }\n"
    "    virtual_ipaddress 10.0.0.100/24 dev eth0 label eth0:vip\n"
    "    preempt on\n"
    "    vip_lifetime off\n"
    "    track_proxy api weight -50\n"
    "}\n"
    "proxy api {\n"
    "    bind *:16443\n"
    "    bind [::1]:16444\n"
    "    bind 127.0.0.1:16445\n"
    "    balance source\n"
    "    timeout connect 500ms\n"
    "    timeout idle 2h\n"
    "    timeout drain 30s\n"
    "    timeout check 3s\n"
    "    retries 0\n"
    "    maxconn 5000\n"
    "    workers 2\n"
    "    relay copy\n"
    "    backlog 511\n"
    "    keepalive off\n"
    "    nodelay off\n"
    "    check https HEAD /livez expect 204 interval 2s fast_interval 500ms fall 5 rise 1 "
    "verify required ca /etc/k/ca.crt cert /etc/k/c.crt key /etc/k/c.key sni kubernetes.default\n"
    "    server m1 192.168.1.1:6443 weight 10\n"
    "    server m2 [fd00::2]:6443 backup\n"
    "    server m3 master3.example:6443 drain check off weight 0\n"
    "}\n"
    "proxy p2 {\n"
    "    bind 0.0.0.0:9000\n"
    "    check tcp interval 5s timeout 2s fall 2 rise 3\n"
    "    maxconn 0\n"
    "    server a 10.1.1.1:80\n"
    "}\n"
    "proxy p3 {\n"
    "    bind 127.0.0.2:9001\n"
    "    check none\n"
    "    server a 10.1.1.1:80\n"
    "}\n";

static void every_global_and_script(void **state)
{
    struct cfg *c = load_ok(every_directive);
    const struct cfg_global *g = &c->global;

    assert_string_equal(g->router_id, "node 1");
    assert_string_equal(g->script_user, "haplane");
    assert_string_equal(g->script_group, "hagroup");
    assert_true(g->enable_script_security);
    assert_int_equal(g->vrrp_version, 3);
    assert_int_equal(g->garp_master_repeat, 3);
    assert_int_equal(g->garp_master_delay_ms, 2000);
    assert_int_equal(g->garp_master_refresh_ms, 60000);
    assert_int_equal(g->garp_master_refresh_repeat, 2);
    assert_int_equal(g->garp_interval_ms, 1);
    assert_int_equal(g->gna_interval_ms, 5);
    assert_addr(&g->mcast_group4, "224.0.0.19", 32);
    assert_addr(&g->mcast_group6, "ff02::13", 128);
    assert_true(g->realtime);
    assert_true(g->mlockall);
    assert_pos(&g->at.vrrp_version, "t.conf", 5, 18);

    const struct cfg_vrrp_script *s = &c->scripts[0];
    assert_argv(&s->cmd, 3, (const char *[]){"/usr/bin/check", "--arg", "two words"});
    assert_string_equal(s->cmd.user, "nobody");
    assert_string_equal(s->cmd.group, "nogroup");
    assert_int_equal(s->interval_ms, 250);
    assert_int_equal(s->timeout_ms, 2000);
    assert_int_equal(s->weight, 20);
    assert_int_equal(s->fall, 3);
    assert_int_equal(s->rise, 5);
    s = &c->scripts[1];
    assert_string_equal(s->name, "chk2");
    assert_pos(&s->pos, "t.conf", 26, 13);
    assert_argv(&s->cmd, 3, (const char *[]){"/bin/test", "-e", "/run/ok"});
    assert_null(s->cmd.user);
    assert_int_equal(s->interval_ms, 1000);
    assert_int_equal(s->timeout_ms, 1000);
    assert_int_equal(s->weight, 0);
    assert_int_equal(s->fall, 1);
    assert_int_equal(s->rise, 1);
    cfg_free(c);
}

static void every_instance_directive(void **state)
{
    struct cfg *c = load_ok(every_directive);
    const struct cfg_vrrp_instance *vi = &c->instances[0];

    assert_int_equal(vi->state, CFG_STATE_BACKUP);
    assert_string_equal(vi->interface, "eth1");
    assert_int_equal(vi->vrid, 7);
    assert_int_equal(vi->priority, 150);
    assert_int_equal(vi->advert_int_ms, 50);
    assert_int_equal(vi->version, 3); /* from global_defs */
    assert_int_equal(vi->family, AF_INET6);
    assert_addr(&vi->src_ip, "2001:db8::10", 128);
    assert_int_equal(vi->npeers, 3);
    assert_addr(&vi->peers[0].addr, "2001:db8::11", 128);
    assert_addr(&vi->peers[1].addr, "2001:db8::12", 128);
    assert_addr(&vi->peers[2].addr, "2001:db8::13", 128);
    assert_pos(&vi->peers[2].pos, "t.conf", 39, 9);
    assert_int_equal(vi->nvips, 2);
    assert_addr(&vi->vips[0].addr, "2001:db8::100", 64);
    assert_string_equal(vi->vips[0].dev, "eth1");
    assert_addr(&vi->vips[1].addr, "2001:db8::101", 128);
    assert_false(vi->preempt);
    assert_int_equal(vi->preempt_delay_ms, 5000);
    assert_int_equal(vi->ntrack_scripts, 2);
    assert_int_equal(vi->track_scripts[0].weight, -30);
    assert_true(vi->track_scripts[0].has_weight);
    assert_pos(&vi->track_scripts[0].weight_pos, "t.conf", 48, 26);
    assert_int_equal(vi->track_scripts[1].ref, 1);
    assert_int_equal(vi->track_scripts[1].weight, 0);
    assert_int_equal(vi->ntrack_ifs, 2);
    assert_string_equal(vi->track_ifs[0].name, "eth1");
    assert_int_equal(vi->track_ifs[0].weight, -10);
    assert_int_equal(vi->track_ifs[0].ref, SIZE_MAX);
    assert_string_equal(vi->track_ifs[1].name, "eth2");
    assert_int_equal(vi->track_ifs[1].weight, 0);
    assert_int_equal(vi->ntrack_proxies, 1);
    assert_int_equal(vi->track_proxies[0].weight, 0);
    assert_true(vi->quorum);
    assert_argv(&vi->notify_master, 2, (const char *[]){"/etc/ha/notify.sh", "master"});
    assert_string_equal(vi->notify_master.user, "root");
    assert_null(vi->notify_master.group);
    assert_argv(&vi->notify_backup, 1, (const char *[]){"/etc/ha/notify.sh"});
    assert_argv(&vi->notify_fault, 2, (const char *[]){"/etc/ha/notify.sh", "fault"});
    assert_string_equal(vi->notify_fault.group, "wheel");
    assert_argv(&vi->notify_stop, 1, (const char *[]){"/bin/true"});
    assert_argv(&vi->notify, 1, (const char *[]){"/etc/ha/notify-all.sh"});
    assert_int_equal(vi->garp_master_delay_ms, 1000);
    assert_int_equal(vi->garp_master_repeat, 2);
    assert_int_equal(vi->garp_master_refresh_ms, 0);
    assert_int_equal(vi->garp_master_refresh_repeat, 3);
    assert_int_equal(vi->vip_lifetime_ms, 3000);

    vi = &c->instances[1];
    assert_int_equal(vi->state, CFG_STATE_MASTER);
    assert_int_equal(vi->priority, 255); /* MASTER without a priority (keepalived) */
    assert_int_equal(vi->version, 2);
    assert_int_equal(vi->advert_int_ms, 1000);
    assert_addr(&vi->src_ip, "10.0.0.1", 32);
    assert_int_equal(vi->auth_type, CFG_AUTH_PASS);
    assert_string_equal(vi->auth_pass, "secret");
    assert_addr(&vi->vips[0].addr, "10.0.0.100", 24);
    assert_string_equal(vi->vips[0].dev, "eth0");
    assert_string_equal(vi->vips[0].label, "eth0:vip");
    assert_true(vi->preempt);
    assert_int_equal(vi->vip_lifetime_ms, CFG_LIFETIME_FOREVER);
    assert_int_equal(vi->track_proxies[0].weight, -50);
    assert_int_equal(vi->garp_master_delay_ms, 2000); /* from global_defs */
    assert_int_equal(vi->garp_master_repeat, 3);
    assert_int_equal(vi->garp_master_refresh_ms, 60000);
    assert_int_equal(vi->garp_master_refresh_repeat, 2);
    cfg_free(c);
}

static void every_proxy_directive(void **state)
{
    struct cfg *c = load_ok(every_directive);
    const struct cfg_proxy *px = &c->proxies[0];

    assert_int_equal(px->nbinds, 3);
    assert_ep(&px->binds[0].addr, "*:16443");
    assert_ep(&px->binds[1].addr, "[::1]:16444");
    assert_ep(&px->binds[2].addr, "127.0.0.1:16445");
    assert_pos(&px->binds[2].pos, "t.conf", 86, 10);
    assert_int_equal(px->balance, CFG_BALANCE_SOURCE);
    assert_int_equal(px->connect_timeout_ms, 500);
    assert_int_equal(px->idle_timeout_ms, 7200000);
    assert_int_equal(px->drain_timeout_ms, 30000);
    assert_int_equal(px->check.timeout_ms, 3000);
    assert_int_equal(px->retries, 0);
    assert_int_equal(px->maxconn, 5000);
    assert_int_equal(px->workers, 2);
    assert_int_equal(px->relay, CFG_RELAY_COPY);
    assert_int_equal(px->backlog, 511);
    assert_false(px->keepalive);
    assert_false(px->nodelay);
    const struct cfg_check *k = &px->check;
    assert_int_equal(k->kind, CFG_CHECK_HTTPS);
    assert_string_equal(k->method, "HEAD");
    assert_string_equal(k->path, "/livez");
    assert_int_equal(k->expect, 204);
    assert_int_equal(k->interval_ms, 2000);
    assert_int_equal(k->fast_interval_ms, 500);
    assert_int_equal(k->fall, 5);
    assert_int_equal(k->rise, 1);
    assert_int_equal(k->verify, CFG_VERIFY_REQUIRED);
    assert_string_equal(k->ca, "/etc/k/ca.crt");
    assert_string_equal(k->cert, "/etc/k/c.crt");
    assert_string_equal(k->key, "/etc/k/c.key");
    assert_string_equal(k->sni, "kubernetes.default");
    assert_int_equal(px->nservers, 3);
    assert_int_equal(px->servers[0].weight, 10);
    assert_false(px->servers[0].backup);
    assert_true(px->servers[0].check);
    assert_ep(&px->servers[1].addr, "[fd00::2]:6443");
    assert_true(px->servers[1].backup);
    assert_int_equal(px->servers[1].weight, 1);
    assert_int_equal(px->servers[2].addr.kind, CFG_HOST_NAME);
    assert_string_equal(px->servers[2].addr.name, "master3.example");
    assert_true(px->servers[2].drain);
    assert_false(px->servers[2].check);
    assert_int_equal(px->servers[2].weight, 0);
    assert_pos(&px->servers[2].addr_pos, "t.conf", 102, 15);

    k = &c->proxies[1].check;
    assert_int_equal(k->kind, CFG_CHECK_TCP);
    assert_null(k->method);
    assert_int_equal(k->interval_ms, 5000);
    assert_int_equal(k->fast_interval_ms, 1250);
    assert_int_equal(k->timeout_ms, 2000);
    assert_int_equal(k->fall, 2);
    assert_int_equal(k->rise, 3);
    assert_int_equal(c->proxies[2].check.kind, CFG_CHECK_NONE);
    assert_int_equal(c->proxies[1].maxconn, 0); /* 0 = auto */

    char sum[128];
    cfg_summary(c, sum, sizeof(sum));
    assert_string_equal(sum, "2 vrrp instances, 3 proxies, 5 servers");
    assert_round_trip(c);
    cfg_free(c);
}

/* A minimal file: every default, as documented in conf-t.h. */
static void defaults(void **state)
{
    struct cfg *c = load_ok("vrrp_instance vi {\n"
                            "    interface eth0\n"
                            "    virtual_router_id 1\n"
                            "    virtual_ipaddress { 10.0.0.1 }\n"
                            "}\n"
                            "proxy p {\n"
                            "    bind *:80\n"
                            "    server s 10.0.0.2:80\n"
                            "}\n");
    const struct cfg_global *g = &c->global;
    const struct cfg_vrrp_instance *vi = &c->instances[0];
    const struct cfg_proxy *px = &c->proxies[0];

    assert_null(g->router_id);
    assert_null(g->script_user);
    assert_false(g->enable_script_security);
    assert_int_equal(g->vrrp_version, 2);
    assert_int_equal(g->garp_master_repeat, 5);
    assert_int_equal(g->garp_master_delay_ms, 5000);
    assert_int_equal(g->garp_master_refresh_ms, 0);
    assert_int_equal(g->garp_master_refresh_repeat, 1);
    assert_int_equal(g->garp_interval_ms, 0);
    assert_int_equal(g->gna_interval_ms, 0);
    assert_addr(&g->mcast_group4, "224.0.0.18", 32);
    assert_addr(&g->mcast_group6, "ff02::12", 128);
    assert_false(g->realtime);
    assert_false(g->mlockall);
    assert_pos(&g->pos, NULL, 0, 0);

    assert_int_equal(vi->state, CFG_STATE_BACKUP);
    assert_int_equal(vi->priority, 100);
    assert_int_equal(vi->version, 2);
    assert_int_equal(vi->advert_int_ms, 1000);
    assert_int_equal(vi->auth_type, CFG_AUTH_NONE);
    assert_string_equal(vi->auth_pass, "");
    assert_int_equal(vi->src_ip.family, AF_UNSPEC);
    assert_true(vi->preempt);
    assert_int_equal(vi->preempt_delay_ms, 0);
    assert_false(vi->quorum);
    assert_null(vi->notify_master.argv);
    assert_int_equal(vi->garp_master_repeat, 5);
    assert_int_equal(vi->garp_master_delay_ms, 5000);
    assert_int_equal(vi->garp_master_refresh_ms, 0);
    assert_int_equal(vi->garp_master_refresh_repeat, 1);
    assert_int_equal(vi->vip_lifetime_ms, 0);
    assert_pos(&vi->at.priority, NULL, 0, 0);
    assert_pos(&vi->at.vrid, "t.conf", 3, 23);

    assert_int_equal(px->balance, CFG_BALANCE_ROUNDROBIN);
    assert_int_equal(px->connect_timeout_ms, 2000);
    assert_int_equal(px->idle_timeout_ms, 3600000);
    assert_int_equal(px->drain_timeout_ms, 10000);
    assert_int_equal(px->retries, 3);
    assert_int_equal(px->maxconn, 0);
    assert_int_equal(px->workers, 0);
    assert_int_equal(px->relay, CFG_RELAY_SPLICE);
    assert_int_equal(px->backlog, 1024);
    assert_true(px->keepalive);
    assert_true(px->nodelay);
    assert_int_equal(px->check.kind, CFG_CHECK_TCP);
    assert_int_equal(px->check.expect, 200);
    assert_int_equal(px->check.interval_ms, 1000);
    assert_int_equal(px->check.fast_interval_ms, 250); /* the suspect interval: interval/4 */
    assert_int_equal(cfg_suspect_interval_ms(1000), 250);
    assert_int_equal(cfg_suspect_interval_ms(300), 100); /* at least 100 ms */
    assert_int_equal(cfg_suspect_interval_ms(60), 60);   /* at most the interval */
    assert_int_equal(cfg_suspect_interval_ms(20000), 5000);
    assert_int_equal(px->check.timeout_ms, 1000);
    assert_int_equal(px->check.fall, 3);
    assert_int_equal(px->check.rise, 2);
    assert_int_equal(px->check.verify, CFG_VERIFY_NONE);
    assert_int_equal(px->servers[0].weight, 1);
    assert_true(px->servers[0].check);
    assert_false(px->servers[0].backup);
    assert_false(px->servers[0].drain);
    assert_round_trip(c);
    cfg_free(c);
}

/* Layout freedom: '{' on the next line, one-line blocks, inline lists,
 * comments everywhere, CRLF, an explicit version overriding global_defs. */
static void layout(void **state)
{
    struct cfg *c = load_ok("global_defs\r\n{ vrrp_version 3 }   ! keepalived comment\r\n"
                            "vrrp_instance \"a b\"\n"
                            "\n"
                            "  {\n"
                            "  interface eth0 # comment\n"
                            "  virtual_router_id 9\n"
                            "  version 2\n"
                            "  virtual_ipaddress\n"
                            "  {\n"
                            "    10.0.0.1\n"
                            "  10.0.0.2/24 label x\n"
                            "  }\n"
                            "  unicast_peer 10.0.0.3 10.0.0.4\n"
                            "  authentication { auth_type PASS }\n"
                            "  authentication { auth_pass 12345678 }\n"
                            "}\n");
    const struct cfg_vrrp_instance *vi = &c->instances[0];

    assert_string_equal(vi->name, "a b");
    assert_int_equal(vi->vrid, 9);
    assert_int_equal(vi->version, 2);
    assert_int_equal(c->global.vrrp_version, 3);
    assert_int_equal(vi->nvips, 2);
    assert_addr(&vi->vips[1].addr, "10.0.0.2", 24);
    assert_string_equal(vi->vips[1].label, "x");
    assert_int_equal(vi->npeers, 2);
    assert_addr(&vi->peers[1].addr, "10.0.0.4", 32);
    assert_int_equal(vi->auth_type, CFG_AUTH_PASS);
    assert_string_equal(vi->auth_pass, "12345678");
    cfg_free(c);
}

/* metrics_listen: off by default; an address or *, never a name; kept by
 * the canonical dump; refused on a proxy bind's port. */
static void metrics_listen(void **state)
{
    struct cfg *c = load_ok("global_defs {\n router_id x\n}\n");
    assert_int_equal(c->global.metrics_listen.port, 0);
    char *dump = canon(c);
    assert_null(strstr(dump, "metrics_listen"));
    free(dump);
    cfg_free(c);
    c = load_ok("global_defs {\n metrics_listen 127.0.0.1:9610\n}\n");
    assert_int_equal(c->global.metrics_listen.port, 9610);
    dump = canon(c);
    assert_non_null(strstr(dump, "    metrics_listen 127.0.0.1:9610\n"));
    free(dump);
    cfg_free(c);
    c = load_ok("global_defs {\n metrics_listen [::1]:9610\n}\n");
    assert_int_equal(c->global.metrics_listen.addr.family, AF_INET6);
    cfg_free(c);
    load_fails("global_defs {\n metrics_listen localhost:9610\n}\n",
               "t.conf:2:17: error: invalid metrics_listen 'localhost:9610': expected "
               "ADDRESS:PORT, [IPv6]:PORT or *:PORT\n");
    load_fails("global_defs {\n metrics_listen 127.0.0.1:16443\n}\n"
               "proxy p {\n bind *:16443\n server s 10.0.0.2:80\n}\n",
               "t.conf:2:17: error: metrics_listen 127.0.0.1:16443 conflicts with bind *:16443 "
               "of proxy 'p'\n");
}

/* run_as USER [GROUP]: off by default, kept by the canonical dump; with it,
 * every command user and script_user must be that user (the daemon cannot
 * switch users after the drop), a group that of run_as; run_as root is
 * refused. Errors at the offending directive. */
static void run_as(void **state)
{
    struct cfg *c = load_ok("global_defs {\n router_id x\n}\n");
    assert_null(c->global.run_as);
    char *dump = canon(c);
    assert_null(strstr(dump, "run_as"));
    free(dump);
    cfg_free(c);
    c = load_ok("global_defs {\n run_as haplane hagroup\n script_user haplane hagroup\n}\n");
    assert_string_equal(c->global.run_as, "haplane");
    assert_string_equal(c->global.run_as_group, "hagroup");
    dump = canon(c);
    assert_non_null(strstr(dump, "    run_as haplane hagroup\n"));
    free(dump);
    cfg_free(c);
    load_fails("global_defs {\n run_as haplane\n script_user nobody\n}\n",
               "t.conf:3:14: error: script_user runs as user 'nobody', but haplane runs as run_as "
               "'haplane' and cannot switch users (it keeps no CAP_SETUID): remove the user "
               "(commands then run as 'haplane') or make it 'haplane'\n");
    load_fails("global_defs {\n run_as haplane\n script_user haplane wheel\n}\n",
               "t.conf:3:14: error: script_user runs as group 'wheel', but haplane runs as "
               "run_as 'haplane' with its primary group and cannot switch groups (it keeps no "
               "CAP_SETGID): remove the group or give run_as the same one\n");
    load_fails("global_defs {\n run_as root\n}\n",
               "t.conf:2:9: error: run_as root: there is nothing to drop to; remove run_as to "
               "stay root, or name an unprivileged user\n");
}

/* unicast_peer ADDR [min_ttl N] [max_ttl N]: per peer, kept by the
 * canonical dump; errors at the option. */
static void peer_ttl_range(void **state)
{
    const char *head = "vrrp_instance v {\n interface eth0\n virtual_router_id 9\n"
                       " virtual_ipaddress { 10.0.0.1 }\n unicast_peer {\n";
    char text[512];
    snprintf(text, sizeof(text),
             "%s  10.0.0.3 min_ttl 250 10.0.0.4\n  10.0.0.5 max_ttl 254 "
             "min_ttl 1\n }\n}\n",
             head);
    struct cfg *c = load_ok(text);
    const struct cfg_vrrp_instance *vi = &c->instances[0];
    assert_int_equal(vi->npeers, 3);
    assert_int_equal(vi->peers[0].min_ttl, 250);
    assert_int_equal(vi->peers[0].max_ttl, 0);
    assert_int_equal(vi->peers[1].min_ttl, 0);
    assert_int_equal(vi->peers[2].min_ttl, 1);
    assert_int_equal(vi->peers[2].max_ttl, 254);
    char *dump = canon(c);
    assert_non_null(strstr(dump, "10.0.0.3 min_ttl 250\n"));
    assert_non_null(strstr(dump, "10.0.0.4\n"));
    assert_non_null(strstr(dump, "10.0.0.5 min_ttl 1 max_ttl 254\n"));
    free(dump);
    cfg_free(c);
    snprintf(text, sizeof(text), "%s  min_ttl 3 10.0.0.3\n }\n}\n", head);
    load_fails(text, "t.conf:6:3: error: 'min_ttl' must follow a unicast_peer address\n");
    snprintf(text, sizeof(text), "%s  10.0.0.3 max_ttl 0\n }\n}\n", head);
    load_fails(text, "t.conf:6:20: error: invalid max_ttl '0': must be between 1 and 255\n");
    snprintf(text, sizeof(text), "%s  10.0.0.3 max_ttl 200 min_ttl 201\n }\n}\n", head);
    load_fails(text,
               "t.conf:6:3: error: unicast_peer 10.0.0.3: min_ttl 201 is above max_ttl 200\n");
}

/* A second check line replaces the first, except for the timeout, which
 * `timeout check` shares. */
static void check_line_replaces(void **state)
{
    struct cfg *c = load_opts_ok("proxy p {\n"
                                 "    bind *:80\n"
                                 "    server s 10.0.0.2:80\n"
                                 "    timeout check 3s\n"
                                 "    check https GET /x ca /ca cert /c key /k interval 5s\n"
                                 "    check tcp rise 4\n"
                                 "}\n"
                                 "proxy q {\n"
                                 "    bind *:81\n"
                                 "    server s 10.0.0.2:80\n"
                                 "    check http GET / timeout 2s\n"
                                 "    timeout check 4s\n"
                                 "}\n",
                                 NULL,
                                 "t.conf:6:5: warning: 'check' overrides an earlier one at line 5\n"
                                 "t.conf:12:5: warning: 'timeout check' overrides an earlier one "
                                 "at line 11\n");
    const struct cfg_check *k = &c->proxies[0].check;

    assert_int_equal(k->kind, CFG_CHECK_TCP);
    assert_null(k->method);
    assert_null(k->path);
    assert_null(k->ca);
    assert_null(k->cert);
    assert_null(k->key);
    assert_int_equal(k->interval_ms, 1000);
    assert_int_equal(k->rise, 4);
    assert_int_equal(k->timeout_ms, 3000);
    assert_int_equal(c->proxies[1].check.timeout_ms, 4000);
    assert_string_equal(c->proxies[1].check.path, "/");
    cfg_free(c);
}

/* Warnings do not fail a load. */
static void warnings(void **state)
{
    struct cfg *c = load_opts_ok(
        "vrrp_script s {\n"
        "    script x\n"
        "}\n"
        "vrrp_instance vi {\n"
        "    state BACKUP\n"
        "    interface eth0\n"
        "    virtual_router_id 1\n"
        "    priority 100\n"
        "    priority 255\n"
        "    nopreempt\n"
        "    version 3\n"
        "    authentication {\n"
        "        auth_type PASS\n"
        "        auth_pass 0123456789\n"
        "    }\n"
        "    unicast_peer 10.0.0.2 10.0.0.2\n"
        "    virtual_ipaddress 10.0.0.1\n"
        "    track_interface { eth0\n"
        "       eth0 }\n"
        "}\n",
        NULL,
        "t.conf:9:5: warning: 'priority' overrides an earlier one at line 8\n"
        "t.conf:14:19: warning: auth_pass is longer than 8 characters; only '01234567' is used "
        "(as keepalived does)\n"
        "t.conf:1:13: warning: vrrp_script 's' is not used by any track_script\n"
        "t.conf:5:11: warning: state BACKUP is ignored: priority 255 (address owner) starts as "
        "MASTER (RFC 5798 6.4.1)\n"
        "t.conf:10:5: warning: nopreempt is ignored: the address owner (priority 255) always "
        "preempts\n"
        "t.conf:12:5: warning: authentication is ignored with VRRPv3 (RFC 5798 removed it)\n"
        "t.conf:16:27: warning: unicast_peer 10.0.0.2 is listed twice (first at line 16)\n"
        "t.conf:19:8: warning: track_interface 'eth0' is listed twice\n");
    const struct cfg_vrrp_instance *vi = &c->instances[0];

    assert_int_equal(vi->priority, 255);
    assert_int_equal(vi->state, CFG_STATE_MASTER);
    assert_true(vi->preempt);
    assert_string_equal(vi->auth_pass, "01234567");
    assert_round_trip(c);
    cfg_free(c);
}

/* timeout hedge: default 100ms, 0 off; one that cannot fire before the
 * connect timeout is warned about. */
static void hedge_timeout(void **state)
{
    struct cfg *c = load_opts_ok("proxy a {\n"
                                 "    bind *:1\n"
                                 "    timeout connect 500ms\n"
                                 "    timeout hedge 500ms\n"
                                 "    server s 10.0.0.1:1\n"
                                 "}\n"
                                 "proxy b {\n"
                                 "    bind *:2\n"
                                 "    timeout hedge 0\n"
                                 "    server s 10.0.0.1:1\n"
                                 "}\n"
                                 "proxy d {\n"
                                 "    bind *:3\n"
                                 "    timeout connect 50ms\n"
                                 "    server s 10.0.0.1:1\n"
                                 "}\n",
                                 NULL,
                                 "t.conf:4:19: warning: timeout hedge (500 ms) is not shorter than "
                                 "timeout connect (500 ms): no connect is ever hedged\n");
    assert_int_equal(c->proxies[0].hedge_timeout_ms, 500);
    assert_int_equal(c->proxies[1].hedge_timeout_ms, 0);
    assert_int_equal(c->proxies[2].hedge_timeout_ms, 100); /* default: no warning */
    assert_round_trip(c);
    cfg_free(c);
}

/* failover_reset: on by default, in effect only where a proxy may accept
 * on a VIP (a `*` bind, a VIP, a host name); off and the rate round-trip. */
static void failover_reset(void **state)
{
    (void)state;
    static const char *vi = "vrrp_instance a {\n"
                            "    interface eth0\n"
                            "    virtual_router_id 1\n"
                            "    virtual_ipaddress {\n        10.0.0.100/24\n    }\n"
                            "}\n"
                            "vrrp_instance b {\n"
                            "    interface eth0\n"
                            "    virtual_router_id 2\n"
                            "    failover_reset off\n"
                            "    virtual_ipaddress {\n        10.0.0.200/24\n    }\n"
                            "}\n";
    char text[1024];
    /* 0.0.0.0 and [::] are wildcards too: haproxy's `bind *:P` is imported
     * as 0.0.0.0 (the drop-in had failover_reset off until this case) */
    static const char *const binds[] = {"*:16443",          "10.0.0.100:16443", "10.0.0.1:16443",
                                        "0.0.0.0:16443",    "[::]:16443"};
    static const bool active[] = {true, true, false, true, true};
    for (size_t k = 0; k < 5; k++) {
        snprintf(text, sizeof(text),
                 "global_defs {\n    failover_reset_rate 2500\n}\n%s"
                 "proxy p {\n    bind %s\n    server s 10.0.0.1:6443\n}\n",
                 vi, binds[k]);
        struct cfg *c = load_ok(text);
        assert_int_equal(c->global.failover_reset_rate, 2500);
        assert_true(c->instances[0].failover_reset);
        assert_false(c->instances[1].failover_reset);
        assert_int_equal(cfg_failover_reset_active(c, &c->instances[0]), active[k]);
        assert_false(cfg_failover_reset_active(c, &c->instances[1]));
        assert_int_equal(cfg_failover_reset_any(c), active[k]);
        assert_round_trip(c);
        cfg_free(c);
    }
    struct cfg *c = load_ok(vi); /* no proxy: nothing to reset */
    assert_int_equal(c->global.failover_reset_rate, 10000);
    assert_false(cfg_failover_reset_any(c));
    cfg_free(c);
}

/* ---- round trip ------------------------------------------------------------------- */

/* Names and strings that need quoting and escapes survive the writer. */
static void round_trip_quoting(void **state)
{
    struct cfg *c = load_ok("global_defs {\n"
                            "    router_id \"#not a comment {}\"\n"
                            "    script_user \"\"\n"
                            "}\n"
                            "vrrp_script \"include\" {\n"
                            "    script /bin/sh -c \"echo 'a b' \\\"x\\\"\" \"\" \"tab\\there\"\n"
                            "}\n"
                            "vrrp_script two {\n"
                            "    script \"/bin/echo 'it\\\"s' \\\"it's\\\" \\\\back\"\n"
                            "}\n"
                            "vrrp_instance \"!bang\" {\n"
                            "    interface \"e{0}\"\n"
                            "    virtual_router_id 1\n"
                            "    virtual_ipaddress { 10.0.0.1 label \"a\\\\b\\nc\" dev \"#x\" }\n"
                            "    authentication {\n"
                            "        auth_type PASS\n"
                            "        auth_pass \"p w\\\"\"\n"
                            "    }\n"
                            "    track_script {\n"
                            "        \"include\"\n"
                            "        two weight 2\n"
                            "    }\n"
                            "    notify \"/x 'a b'\" \"us er\"\n"
                            "}\n"
                            "proxy \"{p}\" {\n"
                            "    bind *:1\n"
                            "    check http GET \"/a#b{c}\"\n"
                            "    server \"s 1\" host:2\n"
                            "}\n");
    const struct cfg_vrrp_script *s = &c->scripts[0];

    assert_string_equal(c->global.router_id, "#not a comment {}");
    assert_string_equal(c->global.script_user, "");
    assert_string_equal(s->name, "include");
    assert_argv(&s->cmd, 5, (const char *[]){"/bin/sh", "-c", "echo 'a b' \"x\"", "", "tab\there"});
    assert_argv(&c->scripts[1].cmd, 4, (const char *[]){"/bin/echo", "it\"s", "it's", "\\back"});
    assert_string_equal(c->instances[0].vips[0].label, "a\\b\nc");
    assert_string_equal(c->instances[0].auth_pass, "p w\"");
    assert_argv(&c->instances[0].notify, 2, (const char *[]){"/x", "a b"});
    assert_string_equal(c->instances[0].notify.user, "us er");
    assert_string_equal(c->proxies[0].check.path, "/a#b{c}");
    assert_round_trip(c);

    /* And the model read back is the same, field by field where it matters. */
    char *w = canon(c);
    struct cfg *c2 = load_ok(w);
    assert_argv(&c2->scripts[0].cmd, 5,
                (const char *[]){"/bin/sh", "-c", "echo 'a b' \"x\"", "", "tab\there"});
    assert_argv(&c2->scripts[1].cmd, 4, (const char *[]){"/bin/echo", "it\"s", "it's", "\\back"});
    assert_string_equal(c2->instances[0].name, "!bang");
    assert_string_equal(c2->instances[0].interface, "e{0}");
    assert_string_equal(c2->instances[0].vips[0].dev, "#x");
    assert_string_equal(c2->proxies[0].name, "{p}");
    assert_string_equal(c2->proxies[0].servers[0].name, "s 1");
    assert_int_equal(c2->instances[0].track_scripts[0].ref, 0);
    free(w);
    cfg_free(c2);
    cfg_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(seed_keepalived_conf),
        cmocka_unit_test(design_example),
        cmocka_unit_test(every_global_and_script),
        cmocka_unit_test(every_instance_directive),
        cmocka_unit_test(every_proxy_directive),
        cmocka_unit_test(defaults),
        cmocka_unit_test(layout),
        cmocka_unit_test(check_line_replaces),
        cmocka_unit_test(peer_ttl_range),
        cmocka_unit_test(metrics_listen),
        cmocka_unit_test(run_as),
        cmocka_unit_test(warnings),
        cmocka_unit_test(hedge_timeout),
        cmocka_unit_test(failover_reset),
        cmocka_unit_test(round_trip_quoting),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
