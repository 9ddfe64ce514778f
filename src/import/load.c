/* sources: one loading function for every kind of input (imp_load)
 * and the meeting point of the two importers.
 *
 * keepalived.conf and haproxy.cfg each describe half of the job; the glue
 * between them is usually a vrrp_script that only asks "is a haproxy process
 * alive?" (killall -0 haproxy). haplane is that proxy, so such a track
 * becomes track_proxy on the imported proxy, with the same weight: the
 * priority then follows whether the proxy has a healthy server, which is
 * what the script stood in for. Other scripts run as scripts.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "import/import-int.h"

int imp_remark(struct cfg *cfg, enum cfg_remark_on on, const char *name, const char *fmt, ...)
{
    struct cfg_remark *r = cfg_vec_push(&cfg->remarks, &cfg->nremarks, sizeof(*r));
    va_list ap;
    int n;

    if (!r)
        return -1;
    va_start(ap, fmt);
    n = vasprintf(&r->text, fmt, ap);
    va_end(ap);
    r->on = on;
    r->name = name ? strdup(name) : NULL;
    if (n < 0 || (name && !r->name)) {
        if (n >= 0)
            free(r->text);
        cfg->nremarks--;
        return -1;
    }
    return 0;
}

/* ---- is this script a haproxy liveness probe? ---------------------------------- */

static const char *base(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

static bool is_haproxy(const char *s)
{
    return !strcmp(s, "haproxy") || !strcmp(s, "haproxy.service");
}

/* argv[1..argc-1]: options (starting with '-'), exactly one haproxy name
 * last, and (need_zero) a signal-0 option, as in killall -0 haproxy. */
static bool opts_then_haproxy(char *const *argv, size_t argc, bool need_zero)
{
    bool zero = false;

    if (argc < 2 || strcmp(argv[argc - 1], "haproxy"))
        return false;
    for (size_t i = 1; i + 1 < argc; i++) {
        if (argv[i][0] != '-')
            return false;
        zero = zero || !strcmp(argv[i], "-0") || !strcmp(argv[i], "-SIG0");
        if (!strcmp(argv[i], "-s") && i + 2 < argc && !strcmp(argv[i + 1], "0"))
            zero = true, i++;
    }
    return zero || !need_zero;
}

/* systemctl [options] is-active [options] haproxy[.service] */
static bool systemctl_active(char *const *argv, size_t argc)
{
    bool verb = false;

    for (size_t i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "is-active") && !verb)
            verb = true;
        else if (argv[i][0] != '-' && !(verb && i + 1 == argc && is_haproxy(argv[i])))
            return false;
    }
    return verb && is_haproxy(argv[argc - 1]);
}

static bool probe(char *const *argv, size_t argc, int depth)
{
    const char *b;

    if (argc == 0)
        return false;
    b = base(argv[0]);
    if (argc == 3 && depth == 0 && !strcmp(argv[1], "-c") &&
        (!strcmp(b, "sh") || !strcmp(b, "bash") || !strcmp(b, "dash") || !strcmp(b, "ash"))) {
        struct cfg_cmd inner = {0};
        char err[64];
        bool r = cfg_split_cmd(argv[2], &inner, err, sizeof(err)) == 0 &&
                 probe(inner.argv, inner.argc, depth + 1);
        cfg_cmd_free(&inner);
        return r;
    }
    if (!strcmp(b, "killall") || !strcmp(b, "pkill"))
        return opts_then_haproxy(argv, argc, true);
    if (!strcmp(b, "pidof") || !strcmp(b, "pgrep"))
        return opts_then_haproxy(argv, argc, false);
    if (!strcmp(b, "systemctl"))
        return systemctl_active(argv, argc);
    if (!strcmp(b, "service"))
        return argc == 3 && !strcmp(argv[1], "haproxy") && !strcmp(argv[2], "status");
    return false;
}

bool imp_is_haproxy_probe(const struct cfg_cmd *cmd)
{
    return cmd->argv && probe(cmd->argv, cmd->argc, 0);
}

/* ---- track_script -> track_proxy --------------------------------------------- */

static bool wildcard(const struct cfg_endpoint *e)
{
    static const struct in6_addr any6 = IN6ADDR_ANY_INIT;

    if (e->kind == CFG_HOST_ANY)
        return true;
    if (e->kind != CFG_HOST_ADDR)
        return false;
    if (e->addr.family == AF_INET)
        return e->addr.u.v4.s_addr == 0;
    return !memcmp(&e->addr.u.v6, &any6, sizeof(any6));
}

/* The proxy an instance's haproxy probe stands for: the only one, or the
 * only one listening on one of its VIPs (or on every address). */
static const struct cfg_proxy *proxy_for(const struct cfg *cfg, const struct cfg_vrrp_instance *vi)
{
    const struct cfg_proxy *found = NULL;

    if (cfg->nproxies == 1)
        return &cfg->proxies[0];
    for (size_t p = 0; p < cfg->nproxies; p++) {
        const struct cfg_proxy *px = &cfg->proxies[p];
        bool hit = false;

        for (size_t b = 0; b < px->nbinds && !hit; b++) {
            hit = wildcard(&px->binds[b].addr);
            for (size_t v = 0; v < vi->nvips && !hit; v++)
                hit = px->binds[b].addr.kind == CFG_HOST_ADDR &&
                      cfg_addr_equal(&px->binds[b].addr.addr, &vi->vips[v].addr);
        }
        if (hit && found)
            return NULL;
        if (hit)
            found = px;
    }
    return found;
}

/* Replace track_script entry t of vi by a track_proxy entry on px. */
static int retarget(struct cfg *cfg, struct cfg_vrrp_instance *vi, size_t t,
                    const struct cfg_vrrp_script *s, const struct cfg_proxy *px,
                    struct cfg_diags *d)
{
    struct cfg_track old = vi->track_scripts[t], *nt;
    char every[32], cmd[160];
    size_t used = 0;

    nt = cfg_vec_push(&vi->track_proxies, &vi->ntrack_proxies, sizeof(*nt));
    if (!nt || !(nt->name = strdup(px->name))) {
        if (nt)
            vi->ntrack_proxies--;
        return -1;
    }
    nt->pos = old.pos;
    nt->weight = old.has_weight ? old.weight : s->weight;
    nt->has_weight = true;
    nt->weight_pos = old.has_weight ? old.weight_pos : s->at.weight;
    nt->ref = SIZE_MAX;
    free(old.name);
    memmove(&vi->track_scripts[t], &vi->track_scripts[t + 1],
            (vi->ntrack_scripts - t - 1) * sizeof(old));
    vi->ntrack_scripts--;
    for (size_t i = 0; i < s->cmd.argc && used < sizeof(cmd); i++)
        used +=
            (size_t)snprintf(cmd + used, sizeof(cmd) - used, "%s%s", i ? " " : "", s->cmd.argv[i]);
    cfg_format_duration(s->interval_ms, every, sizeof(every));
    cfg_diag_add(d, CFG_SEV_WARNING, &old.pos,
                 "track_script '%s' only checks that haproxy runs ('%s'); haplane is the proxy, so "
                 "it becomes 'track_proxy %s weight %d': the priority moves while proxy '%s' has "
                 "no healthy server, as soon as its checks say so (instead of after %u failed "
                 "run%s of the script, one every %s)",
                 s->name, cmd, px->name, nt->weight, px->name, s->fall, s->fall == 1 ? "" : "s",
                 every);
    imp_remark(cfg, CFG_REMARK_INSTANCE, vi->name,
               "track_script %s ('%s', weight %d, fall %u, interval %s) became track_proxy %s: "
               "haplane is the proxy; the priority follows whether it has a healthy server.",
               s->name, cmd, nt->weight, s->fall, every, px->name);
    return 0;
}

static void drop_script(struct cfg *cfg, size_t k)
{
    free(cfg->scripts[k].name);
    cfg_cmd_free(&cfg->scripts[k].cmd);
    memmove(&cfg->scripts[k], &cfg->scripts[k + 1],
            (cfg->nscripts - k - 1) * sizeof(cfg->scripts[0]));
    cfg->nscripts--;
}

/* Every track of haproxy probe script k; returns true when none is left. */
static bool map_script(struct cfg *cfg, size_t k, bool have_haproxy, struct cfg_diags *d)
{
    bool have_proxies = have_haproxy && cfg->nproxies > 0;
    const struct cfg_vrrp_script *s = &cfg->scripts[k];
    bool left = false, mapped = false;

    for (size_t i = 0; i < cfg->ninstances; i++) {
        struct cfg_vrrp_instance *vi = &cfg->instances[i];

        for (size_t t = 0; t < vi->ntrack_scripts; t++) {
            const struct cfg_proxy *px;

            if (strcmp(vi->track_scripts[t].name, s->name))
                continue;
            if (!have_proxies) {
                left = true;
                continue;
            }
            if (!(px = proxy_for(cfg, vi))) {
                cfg_diag_add(d, CFG_SEV_WARNING, &vi->track_scripts[t].pos,
                             "track_script '%s' checks that haproxy runs, but which of the %zu "
                             "proxies it stands for is not clear; it runs as a script",
                             s->name, cfg->nproxies);
                left = true;
                continue;
            }
            if (retarget(cfg, vi, t--, s, px, d) == 0) {
                mapped = true;
            } else {
                cfg_diag_add(d, CFG_SEV_ERROR, NULL, "out of memory");
                return false;
            }
        }
    }
    if (!have_proxies && left)
        cfg_diag_add(d, CFG_SEV_WARNING, &s->pos,
                     "vrrp_script '%s' checks that a haproxy process runs; %s, so it runs as "
                     "written",
                     s->name,
                     have_haproxy ? "haproxy.cfg makes no proxy"
                                  : "no haproxy.cfg was given (--haproxy)");
    return mapped && !left;
}

static void map_probes(struct cfg *cfg, bool have_haproxy, struct cfg_diags *d)
{
    for (size_t k = 0; k < cfg->nscripts; k++) {
        if (!imp_is_haproxy_probe(&cfg->scripts[k].cmd))
            continue;
        if (map_script(cfg, k, have_haproxy, d)) {
            imp_remark(cfg, CFG_REMARK_FILE, NULL,
                       "vrrp_script %s (a haproxy liveness check) is replaced by track_proxy.",
                       cfg->scripts[k].name);
            drop_script(cfg, k--);
        }
    }
}

/* ---- loading --------------------------------------------------------------------- */

static const char *default_id(char *buf, size_t len)
{
    if (gethostname(buf, len) < 0)
        return NULL;
    buf[len - 1] = '\0';
    buf[strcspn(buf, ".")] = '\0';
    return buf;
}

static void finish_import(struct cfg *cfg, bool have_ka, bool have_hap, struct cfg_diags *d)
{
    map_probes(cfg, have_hap, d);
    if (have_ka && cfg->ninstances)
        imp_remark(cfg, CFG_REMARK_FILE, NULL,
                   "VIPs get a short kernel lifetime that the master refreshes (vip_lifetime "
                   "auto), so a killed daemon cannot leave them behind; keepalived adds them "
                   "forever (vip_lifetime off).");
}

int imp_load_texts(const struct imp_text *keepalived, const struct imp_text *haproxy,
                   const struct imp_sources *src, struct cfg **out, struct cfg_diags *d)
{
    bool have_ka = keepalived && keepalived->name && keepalived->buf;
    bool have_hap = haproxy && haproxy->name && haproxy->buf;
    size_t nerr0 = d->nerrors;
    char host[256];
    struct ka_opts ko = {.config_id =
                             src->config_id ? src->config_id : default_id(host, sizeof(host)),
                         .no_include = src->no_include};
    struct cfg *cfg = calloc(1, sizeof(*cfg));
    bool stop = false;

    *out = NULL;
    if (!cfg) {
        cfg_diag_add(d, CFG_SEV_ERROR, NULL, "out of memory");
        return -1;
    }
    cfg_global_defaults(&cfg->global);
    if (have_ka)
        stop = imp_keepalived(cfg, keepalived, &ko, d) < 0;
    if (have_hap && !stop)
        stop = imp_haproxy(cfg, haproxy, src->env, d) < 0;
    if (!stop && d->nerrors == nerr0) {
        finish_import(cfg, have_ka, have_hap, d);
        cfg_validate(cfg, d, 50);
    }
    if (d->nerrors == nerr0 && src->facts != CFG_FACTS_SKIP)
        cfg_check_host(cfg, src->host,
                       src->facts == CFG_FACTS_ERROR ? CFG_SEV_ERROR : CFG_SEV_WARNING, d);
    if (d->nerrors != nerr0 || d->oom) {
        cfg_free(cfg);
        return -1;
    }
    *out = cfg;
    return 0;
}

static int read_text(const char *path, struct imp_text *t, char **buf, struct cfg_diags *d)
{
    char err[512];
    dev_t dev;
    ino_t ino;

    t->name = path;
    t->buf = NULL;
    if (!path)
        return 0;
    if (cfg_read_file(path, buf, &t->len, &dev, &ino, err, sizeof(err)) < 0) {
        cfg_diag_add(d, CFG_SEV_ERROR, NULL, "%s", err);
        return -1;
    }
    t->buf = *buf;
    return 0;
}

int imp_load(const struct imp_sources *src, struct cfg **out, struct cfg_diags *d)
{
    struct imp_text ka, hap;
    char *kbuf = NULL, *hbuf = NULL;
    int r = -1;

    *out = NULL;
    if (src->native && (src->keepalived || src->haproxy)) {
        cfg_diag_add(d, CFG_SEV_ERROR, NULL,
                     "a native file cannot be combined with keepalived or haproxy files");
        return -1;
    }
    if (src->native) {
        r = cfg_load_file(src->native, out, d);
        if (r == 0 && src->facts != CFG_FACTS_SKIP &&
            cfg_check_host(*out, src->host,
                           src->facts == CFG_FACTS_ERROR ? CFG_SEV_ERROR : CFG_SEV_WARNING, d) &&
            src->facts == CFG_FACTS_ERROR) {
            cfg_free(*out);
            *out = NULL;
            r = -1;
        }
        return r;
    }
    if (!src->keepalived && !src->haproxy) {
        cfg_diag_add(d, CFG_SEV_ERROR, NULL, "no configuration file given");
        return -1;
    }
    if (read_text(src->keepalived, &ka, &kbuf, d) == 0 &&
        read_text(src->haproxy, &hap, &hbuf, d) == 0)
        r = imp_load_texts(&ka, &hap, src, out, d);
    free(kbuf);
    free(hbuf);
    return r;
}

const char *imp_describe(const struct imp_sources *src, char *buf, size_t len)
{
    if (src->native)
        snprintf(buf, len, "%s", src->native);
    else if (src->keepalived && src->haproxy)
        snprintf(buf, len, "%s + %s", src->keepalived, src->haproxy);
    else
        snprintf(buf, len, "%s", src->keepalived ? src->keepalived : src->haproxy);
    return buf;
}
