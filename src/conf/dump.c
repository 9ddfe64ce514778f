/* dump: write a model as a canonical native configuration file.
 *
 * Every value is written, defaults included, in a fixed order, so that the
 * output is a complete description (`haplane convert`) and loading it again
 * gives the same model: write(load(write(m))) == write(m), byte for byte.
 */
#include <ctype.h>
#include <stdarg.h>
#include <string.h>

#include "conf/conf-int.h"

static bool bare_ok(const char *s)
{
    if (!*s || *s == '#' || *s == '!' || !strcmp(s, "include"))
        return false;
    for (const char *p = s; *p; p++)
        if (strchr(" \t\r\n\v\f{}\"\\", *p) || (unsigned char)*p < 0x20 || *p == 0x7f)
            return false;
    return true;
}

/* Text inside "...", escaped the way the lexer unescapes it. */
static void put_escaped(FILE *f, const char *s)
{
    for (const char *p = s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p == '\n')
            fputs("\\n", f);
        else if (*p == '\t')
            fputs("\\t", f);
        else
            fputc(*p, f);
    }
}

/* A word as one token: bare when the lexer reads it back unchanged, else
 * quoted. */
static void put_word(FILE *f, const char *s)
{
    if (bare_ok(s)) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    put_escaped(f, s);
    fputc('"', f);
}

/* How one argument fits in a single command string (cfg_split_cmd's
 * syntax): 0 bare, '\'' or '"' quoted with that, -1 not at all. */
static int arg_form(const char *a)
{
    bool plain = *a && *a != '\'' && *a != '"';

    for (const char *p = a; *p && plain; p++)
        plain = !isspace((unsigned char)*p);
    if (plain)
        return 0;
    if (!strchr(a, '\''))
        return '\'';
    if (!strchr(a, '"'))
        return '"';
    return -1;
}

/* A command: one quoted string when every argument fits that form, else one
 * token per argument (how the parser reads several tokens). A single
 * argument always fits (the parser cannot produce one that does not). */
static void put_cmd(FILE *f, const struct cfg_cmd *c)
{
    bool joined = true;

    for (size_t i = 0; i < c->argc; i++)
        joined = joined && arg_form(c->argv[i]) >= 0;
    if (!joined && c->argc > 1) {
        for (size_t i = 0; i < c->argc; i++) {
            fputs(i ? " " : "", f);
            put_word(f, c->argv[i]);
        }
        return;
    }
    fputc('"', f);
    for (size_t i = 0; i < c->argc; i++) {
        int q = arg_form(c->argv[i]);

        fputs(i ? " " : "", f);
        if (q == '"')
            fputs("\\\"", f);
        else if (q > 0)
            fputc(q, f);
        put_escaped(f, c->argv[i]);
        if (q == '"')
            fputs("\\\"", f);
        else if (q > 0)
            fputc(q, f);
    }
    fputc('"', f);
}

static const char *dur(uint64_t ms, char *buf, size_t len)
{
    return cfg_format_duration(ms, buf, len);
}

static const char *onoff(bool b)
{
    return b ? "on" : "off";
}

static void write_global(FILE *f, const struct cfg_global *g)
{
    char a[64], b[64];

    fputs("global_defs {\n", f);
    if (g->router_id) {
        fputs("    router_id ", f);
        put_word(f, g->router_id);
        fputc('\n', f);
    }
    if (g->script_user) {
        fputs("    script_user ", f);
        put_word(f, g->script_user);
        if (g->script_group) {
            fputc(' ', f);
            put_word(f, g->script_group);
        }
        fputc('\n', f);
    }
    fprintf(f, "    enable_script_security %s\n", onoff(g->enable_script_security));
    if (g->run_as) {
        fputs("    run_as ", f);
        put_word(f, g->run_as);
        if (g->run_as_group) {
            fputc(' ', f);
            put_word(f, g->run_as_group);
        }
        fputc('\n', f);
    }
    fprintf(f, "    vrrp_version %u\n", g->vrrp_version);
    fprintf(f, "    vrrp_garp_master_repeat %u\n", g->garp_master_repeat);
    fprintf(f, "    vrrp_garp_master_delay %s\n", dur(g->garp_master_delay_ms, a, sizeof(a)));
    fprintf(f, "    vrrp_garp_master_refresh %s\n",
            g->garp_master_refresh_ms ? dur(g->garp_master_refresh_ms, a, sizeof(a)) : "off");
    fprintf(f, "    vrrp_garp_master_refresh_repeat %u\n", g->garp_master_refresh_repeat);
    fprintf(f, "    vrrp_garp_interval %s\n", dur(g->garp_interval_ms, a, sizeof(a)));
    fprintf(f, "    vrrp_gna_interval %s\n", dur(g->gna_interval_ms, a, sizeof(a)));
    fprintf(f, "    vrrp_mcast_group4 %s\n", cfg_format_addr(&g->mcast_group4, 0, a, sizeof(a)));
    fprintf(f, "    vrrp_mcast_group6 %s\n", cfg_format_addr(&g->mcast_group6, 0, b, sizeof(b)));
    fprintf(f, "    realtime %s\n", onoff(g->realtime));
    fprintf(f, "    mlockall %s\n", onoff(g->mlockall));
    if (g->quorum_port != CFG_QUORUM_PORT)
        fprintf(f, "    quorum_port %u\n", g->quorum_port);
    if (g->failover_reset_rate != CFG_FAILOVER_RESET_RATE)
        fprintf(f, "    failover_reset_rate %u\n", g->failover_reset_rate);
    if (g->quorum_key) {
        fputs("    quorum_key ", f);
        put_word(f, g->quorum_key);
        fputc('\n', f);
    }
    if (g->metrics_listen.port)
        fprintf(f, "    metrics_listen %s\n",
                cfg_format_endpoint(&g->metrics_listen, a, sizeof(a)));
    fputs("}\n", f);
}

static void put_user(FILE *f, const struct cfg_cmd *c)
{
    if (c->user) {
        fputc(' ', f);
        put_word(f, c->user);
        if (c->group) {
            fputc(' ', f);
            put_word(f, c->group);
        }
    }
}

static void write_script(FILE *f, const struct cfg_vrrp_script *s)
{
    char a[32];

    fputs("vrrp_script ", f);
    put_word(f, s->name);
    fputs(" {\n    script ", f);
    put_cmd(f, &s->cmd);
    fputc('\n', f);
    if (s->cmd.user) {
        fputs("    user", f);
        put_user(f, &s->cmd);
        fputc('\n', f);
    }
    fprintf(f, "    interval %s\n", dur(s->interval_ms, a, sizeof(a)));
    fprintf(f, "    timeout %s\n", dur(s->timeout_ms, a, sizeof(a)));
    fprintf(f, "    weight %d\n", s->weight);
    fprintf(f, "    fall %u\n    rise %u\n}\n", s->fall, s->rise);
}

static void write_tracks(FILE *f, const char *kw, const struct cfg_track *t, size_t n)
{
    if (!n)
        return;
    fprintf(f, "    %s {\n", kw);
    for (size_t i = 0; i < n; i++) {
        fputs("        ", f);
        put_word(f, t[i].name);
        fprintf(f, " weight %d\n", t[i].weight);
    }
    fputs("    }\n", f);
}

static void write_notify(FILE *f, const char *kw, const struct cfg_cmd *c)
{
    if (!c->argc)
        return;
    fprintf(f, "    %s ", kw);
    put_cmd(f, c);
    put_user(f, c);
    fputc('\n', f);
}

static void write_addrs(FILE *f, const struct cfg_vrrp_instance *vi)
{
    char a[64];

    if (vi->src_ip.family)
        fprintf(f, "    %s %s\n", vi->npeers ? "unicast_src_ip" : "mcast_src_ip",
                cfg_format_addr(&vi->src_ip, 0, a, sizeof(a)));
    if (vi->npeers) {
        fputs("    unicast_peer {\n", f);
        for (size_t i = 0; i < vi->npeers; i++) {
            const struct cfg_peer *p = &vi->peers[i];

            fprintf(f, "        %s", cfg_format_addr(&p->addr, 0, a, sizeof(a)));
            if (p->min_ttl)
                fprintf(f, " min_ttl %u", p->min_ttl);
            if (p->max_ttl)
                fprintf(f, " max_ttl %u", p->max_ttl);
            fputc('\n', f);
        }
        fputs("    }\n", f);
    }
    fputs("    virtual_ipaddress {\n", f);
    for (size_t i = 0; i < vi->nvips; i++) {
        fprintf(f, "        %s", cfg_format_addr(&vi->vips[i].addr, 1, a, sizeof(a)));
        if (vi->vips[i].dev) {
            fputs(" dev ", f);
            put_word(f, vi->vips[i].dev);
        }
        if (vi->vips[i].label) {
            fputs(" label ", f);
            put_word(f, vi->vips[i].label);
        }
        fputc('\n', f);
    }
    fputs("    }\n", f);
}

/* fence etcd { ... } and track_etcd, when set. */
static void write_fence(FILE *f, const struct cfg_vrrp_instance *vi)
{
    const struct cfg_fence *fe = &vi->fence;
    char a[32];
    if (vi->track_etcd) {
        fputs("    track_etcd ", f);
        put_word(f, vi->track_etcd);
        fprintf(f, " weight %d\n", vi->track_etcd_weight);
    }
    if (!fe->on)
        return;
    fputs("    fence etcd {\n        endpoints", f);
    for (size_t i = 0; i < fe->nendpoints; i++) {
        fputc(' ', f);
        put_word(f, fe->endpoints[i]);
    }
    fputc('\n', f);
    const char *names[] = {"cacert", "cert", "key", "key_prefix"};
    const char *vals[] = {fe->cacert, fe->cert, fe->key, fe->key_prefix};
    for (size_t i = 0; i < 4; i++) {
        if (!vals[i])
            continue;
        fprintf(f, "        %s ", names[i]);
        put_word(f, vals[i]);
        fputc('\n', f);
    }
    fprintf(f, "        ttl %s\n        on_etcd_loss %s\n    }\n", dur(fe->ttl_ms, a, sizeof(a)),
            fe->on_loss == CFG_ETCD_LOSS_RELEASE ? "release" : "keep");
}

static void write_instance(FILE *f, const struct cfg_vrrp_instance *vi)
{
    static const char *const auth[] = {"NONE", "PASS", "AH"};
    char a[32];

    fputs("vrrp_instance ", f);
    put_word(f, vi->name);
    fprintf(f, " {\n    state %s\n", vi->state == CFG_STATE_MASTER ? "MASTER" : "BACKUP");
    fputs("    interface ", f);
    put_word(f, vi->interface);
    fputc('\n', f);
    fprintf(f, "    virtual_router_id %u\n    priority %u\n", vi->vrid, vi->priority);
    fprintf(f, "    version %u\n", vi->version);
    fprintf(f, "    advert_int %s\n", dur(vi->advert_int_ms, a, sizeof(a)));
    if (vi->auth_type != CFG_AUTH_NONE || vi->auth_pass[0]) {
        fprintf(f, "    authentication {\n        auth_type %s\n", auth[vi->auth_type]);
        if (vi->auth_pass[0]) {
            fputs("        auth_pass ", f);
            put_word(f, vi->auth_pass);
            fputc('\n', f);
        }
        fputs("    }\n", f);
    }
    write_addrs(f, vi);
    fprintf(f, "    preempt %s\n", onoff(vi->preempt));
    fprintf(f, "    preempt_delay %s\n", dur(vi->preempt_delay_ms, a, sizeof(a)));
    write_tracks(f, "track_script", vi->track_scripts, vi->ntrack_scripts);
    write_tracks(f, "track_interface", vi->track_ifs, vi->ntrack_ifs);
    write_tracks(f, "track_proxy", vi->track_proxies, vi->ntrack_proxies);
    fprintf(f, "    quorum %s\n", onoff(vi->quorum));
    if (vi->cluster_size)
        fprintf(f, "    cluster_size %u\n", vi->cluster_size);
    if (!vi->failover_reset)
        fputs("    failover_reset off\n", f);
    write_fence(f, vi);
    write_notify(f, "notify_master", &vi->notify_master);
    write_notify(f, "notify_backup", &vi->notify_backup);
    write_notify(f, "notify_fault", &vi->notify_fault);
    write_notify(f, "notify_stop", &vi->notify_stop);
    write_notify(f, "notify", &vi->notify);
    fprintf(f, "    garp_master_delay %s\n", dur(vi->garp_master_delay_ms, a, sizeof(a)));
    fprintf(f, "    garp_master_repeat %u\n", vi->garp_master_repeat);
    fprintf(f, "    garp_master_refresh %s\n",
            vi->garp_master_refresh_ms ? dur(vi->garp_master_refresh_ms, a, sizeof(a)) : "off");
    fprintf(f, "    garp_master_refresh_repeat %u\n", vi->garp_master_refresh_repeat);
    fprintf(f, "    vip_lifetime %s\n}\n",
            vi->vip_lifetime_ms == 0                      ? "auto"
            : vi->vip_lifetime_ms == CFG_LIFETIME_FOREVER ? "off"
                                                          : dur(vi->vip_lifetime_ms, a, sizeof(a)));
}

static void put_opt(FILE *f, const char *name, const char *value)
{
    if (value) {
        fprintf(f, " %s ", name);
        put_word(f, value);
    }
}

static void write_check(FILE *f, const struct cfg_check *c)
{
    static const char *const kinds[] = {"tcp", "http", "https", "none"};
    char a[32], b[32], t[32];

    fprintf(f, "    check %s", kinds[c->kind]);
    if (c->kind == CFG_CHECK_NONE) {
        fputc('\n', f);
        return;
    }
    if (c->kind != CFG_CHECK_TCP) {
        fprintf(f, " %s ", c->method);
        put_word(f, c->path);
        fprintf(f, " expect %u", c->expect);
    }
    fprintf(f, " interval %s fast_interval %s timeout %s fall %u rise %u",
            dur(c->interval_ms, a, sizeof(a)), dur(c->fast_interval_ms, b, sizeof(b)),
            dur(c->timeout_ms, t, sizeof(t)), c->fall, c->rise);
    if (c->jitter_pct)
        fprintf(f, " jitter %u%%", c->jitter_pct);
    if (c->kind == CFG_CHECK_HTTPS) {
        fprintf(f, " verify %s", c->verify == CFG_VERIFY_REQUIRED ? "required" : "none");
        put_opt(f, "ca", c->ca);
        put_opt(f, "cert", c->cert);
        put_opt(f, "key", c->key);
        put_opt(f, "sni", c->sni);
    }
    fputc('\n', f);
}

static void write_proxy(FILE *f, const struct cfg_proxy *px)
{
    static const char *const balance[] = {"roundrobin", "leastconn", "source"};
    char a[80];

    fputs("proxy ", f);
    put_word(f, px->name);
    fputs(" {\n", f);
    for (size_t i = 0; i < px->nbinds; i++)
        fprintf(f, "    bind %s\n", cfg_format_endpoint(&px->binds[i].addr, a, sizeof(a)));
    fprintf(f, "    balance %s\n", balance[px->balance]);
    fprintf(f, "    timeout connect %s\n", dur(px->connect_timeout_ms, a, sizeof(a)));
    fprintf(f, "    timeout hedge %s\n", dur(px->hedge_timeout_ms, a, sizeof(a)));
    fprintf(f, "    timeout idle %s\n", dur(px->idle_timeout_ms, a, sizeof(a)));
    fprintf(f, "    timeout drain %s\n", dur(px->drain_timeout_ms, a, sizeof(a)));
    if (px->silent_timeout_ms != 4000)
        fprintf(f, "    timeout silent %s\n", dur(px->silent_timeout_ms, a, sizeof(a)));
    fprintf(f, "    retries %u\n", px->retries);
    if (px->maxconn)
        fprintf(f, "    maxconn %u\n", px->maxconn);
    else
        fputs("    maxconn auto\n", f);
    if (px->workers)
        fprintf(f, "    workers %u\n", px->workers);
    else
        fputs("    workers auto\n", f);
    fprintf(f, "    relay %s\n", px->relay == CFG_RELAY_COPY ? "copy" : "splice");
    fprintf(f, "    backlog %u\n", px->backlog);
    fprintf(f, "    keepalive %s\n    nodelay %s\n", onoff(px->keepalive), onoff(px->nodelay));
    write_check(f, &px->check);
    for (size_t i = 0; i < px->nservers; i++) {
        const struct cfg_server *sv = &px->servers[i];

        fputs("    server ", f);
        put_word(f, sv->name);
        fprintf(f, " %s weight %u check %s%s%s\n", cfg_format_endpoint(&sv->addr, a, sizeof(a)),
                sv->weight, onoff(sv->check), sv->backup ? " backup" : "",
                sv->drain ? " drain" : "");
    }
    fputs("}\n", f);
}

/* text as comment lines of at most ~96 columns, words kept whole. */
static void put_comment(FILE *f, const char *prefix, const char *text)
{
    const char *p = text;

    while (*p) {
        size_t room = 96 - strlen(prefix), n = strlen(p);

        if (n > room) {
            n = room;
            while (n > 0 && p[n] != ' ')
                n--;
            if (n == 0)
                n = strcspn(p, " ");
        }
        fprintf(f, "%s%.*s\n", prefix, (int)n, p);
        p += n;
        while (*p == ' ')
            p++;
    }
}

/* The remarks on one item (remarks NULL: none written). */
static void put_remarks(FILE *f, const struct cfg *cfg, bool remarks, enum cfg_remark_on on,
                        const char *name)
{
    for (size_t i = 0; remarks && i < cfg->nremarks; i++) {
        const struct cfg_remark *r = &cfg->remarks[i];

        if (r->on == on && (on == CFG_REMARK_FILE || (r->name && !strcmp(r->name, name))))
            put_comment(f, "# ", r->text);
    }
}

/* Converted output: the input's timers are kept; the recommended ones are a
 * comment above an instance that has others. */
static void put_advert_advice(FILE *f, const struct cfg_vrrp_instance *vi)
{
    char have[32], want[32], down[32], text[512];
    uint64_t rec = CFG_ADVERT_RECOMMENDED_MS;

    if (vi->version == 3 && vi->advert_int_ms == rec)
        return;
    cfg_format_duration(vi->advert_int_ms, have, sizeof(have));
    cfg_format_duration(rec, want, sizeof(want));
    /* master-down interval of a priority-100 backup: 3 x advert + skew */
    cfg_format_duration(3 * rec + (256 - 100) * rec / 256, down, sizeof(down));
    snprintf(text, sizeof(text),
             "Timers kept from the input (version %u, advert_int %s). Recommended for haplane: "
             "version 3, advert_int %s on every master at once (a backup takes over about %s "
             "after the master dies; v2 and v3 routers do not interoperate, and v3 has no "
             "authentication); see docs/operations.md, Choosing advert_int.",
             vi->version, have, want, down);
    put_comment(f, "# ", text);
}

static int write_all(const struct cfg *cfg, bool remarks, FILE *f)
{
    write_global(f, &cfg->global);
    for (size_t i = 0; i < cfg->nscripts; i++) {
        fputc('\n', f);
        put_remarks(f, cfg, remarks, CFG_REMARK_SCRIPT, cfg->scripts[i].name);
        write_script(f, &cfg->scripts[i]);
    }
    for (size_t i = 0; i < cfg->ninstances; i++) {
        fputc('\n', f);
        put_remarks(f, cfg, remarks, CFG_REMARK_INSTANCE, cfg->instances[i].name);
        if (remarks)
            put_advert_advice(f, &cfg->instances[i]);
        write_instance(f, &cfg->instances[i]);
    }
    for (size_t i = 0; i < cfg->nproxies; i++) {
        fputc('\n', f);
        put_remarks(f, cfg, remarks, CFG_REMARK_PROXY, cfg->proxies[i].name);
        write_proxy(f, &cfg->proxies[i]);
    }
    return ferror(f) ? -1 : 0;
}

int cfg_write_native(const struct cfg *cfg, FILE *f)
{
    return write_all(cfg, false, f);
}

int cfg_write_converted(const struct cfg *cfg, const char *header, FILE *f)
{
    for (const char *p = header; p && *p;) {
        size_t n = strcspn(p, "\n");

        fprintf(f, n ? "# %.*s\n" : "#\n", (int)n, p);
        p += n + (p[n] == '\n');
    }
    bool any = false;
    for (size_t i = 0; i < cfg->nremarks; i++)
        any = any || cfg->remarks[i].on == CFG_REMARK_FILE;
    if (any) {
        fputs(header ? "#\n" : "", f);
        put_remarks(f, cfg, true, CFG_REMARK_FILE, NULL);
    }
    if (header || any)
        fputc('\n', f);
    return write_all(cfg, true, f);
}
