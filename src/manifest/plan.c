/* plan: what the pod mounts and runs, made from the configuration model.
 * Every host file the daemon reads is mounted read-only at the same path
 * in the container, so the configuration needs no change to run there. */
#include "manifest/manifest-int.h"

#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "manifest/path.h"

static int oom(char *err, size_t len)
{
    snprintf(err, len, "out of memory");
    return -1;
}

/* Mount path (absolute, clean) unless it is mounted already. */
static int add_mount(struct mf_plan *p, enum mf_kind kind, const char *path, const char *why)
{
    for (size_t i = 0; i < p->nmounts; i++)
        if (!strcmp(p->mounts[i].path, path))
            return 0;
    struct mf_mount *v = realloc(p->mounts, (p->nmounts + 1) * sizeof(*v));
    if (!v)
        return -1;
    p->mounts = v;
    v[p->nmounts] = (struct mf_mount){kind, strdup(path), strdup(why)};
    if (!v[p->nmounts].path || !v[p->nmounts].why) {
        free(v[p->nmounts].path);
        free(v[p->nmounts].why);
        return -1;
    }
    p->nmounts++;
    return 0;
}

static int add_arg(struct mf_plan *p, const char *s)
{
    char **v = realloc(p->args, (p->nargs + 1) * sizeof(*v));
    if (!v)
        return -1;
    p->args = v;
    if (!(v[p->nargs] = strdup(s)))
        return -1;
    p->nargs++;
    return 0;
}

void mf_plan_free(struct mf_plan *p)
{
    for (size_t i = 0; i < p->nmounts; i++) {
        free(p->mounts[i].path);
        free(p->mounts[i].why);
    }
    for (size_t i = 0; i < p->nargs; i++)
        free(p->args[i]);
    free(p->mounts);
    free(p->args);
    sbuf_free(&p->image_cmds);
    sbuf_free(&p->warnings);
    memset(p, 0, sizeof(*p));
}

/* dir of a clean absolute path, in place ("/a/b" -> "/a", "/a" -> "/"). */
static void dirname_inplace(char *path)
{
    char *slash = strrchr(path, '/');
    if (slash == path)
        slash[1] = 0;
    else
        *slash = 0;
}

/* A native file: files[0] is the configuration, at config_path on the node;
 * an included file below its directory keeps its place relative to it,
 * any other one its own absolute path. */
static int native_files(const struct cfg *cfg, const struct mf_opts *o, struct mf_plan *p,
                        char *err, size_t errlen)
{
    char gen[MF_PATH_MAX], node[MF_PATH_MAX], f[MF_PATH_MAX], mapped[MF_PATH_MAX];
    const char *cp = o->config_path ? o->config_path : MF_CONFIG_DEFAULT;
    if (mf_path_abs(o->native, o->cwd, gen, sizeof(gen)) < 0 ||
        mf_path_abs(cp, NULL, node, sizeof(node)) < 0) {
        snprintf(err, errlen, "configuration path too long");
        return -1;
    }
    snprintf(p->source, sizeof(p->source), "%s", gen);
    if (strcmp(gen, node))
        sbuf_printf(&p->warnings, "the pod reads %s on the node: put %s there%s\n", node, gen,
                    o->config_path ? "" : " (or say where with --config-path)");
    if (add_mount(p, MF_CONFIG, node, "the configuration") < 0 || add_arg(p, "-f") < 0 ||
        add_arg(p, node) < 0)
        return oom(err, errlen);
    dirname_inplace(gen);
    dirname_inplace(node);
    for (size_t i = 1; i < cfg->nfiles; i++) {
        if (mf_path_abs(cfg->files[i], o->cwd, f, sizeof(f)) < 0)
            return snprintf(err, errlen, "path too long: %s", cfg->files[i]), -1;
        const char *below = mf_path_below(f, gen);
        if (below && snprintf(mapped, sizeof(mapped), "%s%s%s", node, strcmp(node, "/") ? "/" : "",
                              below) >= (int)sizeof(mapped))
            return snprintf(err, errlen, "path too long: %s", cfg->files[i]), -1;
        if (add_mount(p, MF_CONFIG, below ? mapped : f, "an included configuration file") < 0)
            return oom(err, errlen);
    }
    return 0;
}

/* keepalived.conf and/or haproxy.cfg: every file read, at its own path. */
static int import_files(const struct cfg *cfg, const struct mf_opts *o, struct mf_plan *p,
                        char *err, size_t errlen)
{
    char f[MF_PATH_MAX];
    const char *opt[2] = {"--keepalived", "--haproxy"}, *given[2] = {o->keepalived, o->haproxy};
    size_t n = 0;
    for (int k = 0; k < 2; k++) {
        if (!given[k])
            continue;
        if (mf_path_abs(given[k], o->cwd, f, sizeof(f)) < 0)
            return snprintf(err, errlen, "path too long: %s", given[k]), -1;
        n += (size_t)snprintf(p->source + n, sizeof(p->source) - n, "%s%s", n ? " + " : "", f);
        if (n >= sizeof(p->source))
            n = sizeof(p->source) - 1;
        if (add_arg(p, opt[k]) < 0 || add_arg(p, f) < 0)
            return oom(err, errlen);
    }
    if (o->config_id && (add_arg(p, "--config-id") < 0 || add_arg(p, o->config_id) < 0))
        return oom(err, errlen);
    for (size_t i = 0; i < cfg->nfiles; i++) {
        if (mf_path_abs(cfg->files[i], o->cwd, f, sizeof(f)) < 0)
            return snprintf(err, errlen, "path too long: %s", cfg->files[i]), -1;
        if (add_mount(p, MF_CONFIG, f, "a configuration file") < 0)
            return oom(err, errlen);
    }
    return 0;
}

/* One TLS file (NULL: none) that `owner` names as `what`: an absolute
 * path, mounted from the host at the same path. */
static int tls_file(struct mf_plan *p, const char *file, const char *owner, const char *what,
                    char *err, size_t errlen)
{
    char f[MF_PATH_MAX], why[256];
    if (!file)
        return 0;
    if (file[0] != '/' || mf_path_abs(file, NULL, f, sizeof(f)) < 0)
        return snprintf(err, errlen,
                        "%s: %s '%s' is not an absolute path: the pod mounts it from the host at "
                        "the same path",
                        owner, what, file),
               -1;
    snprintf(why, sizeof(why), "%s: %s", owner, what);
    return add_mount(p, MF_TLS, f, why) < 0 ? oom(err, errlen) : 0;
}

/* The check ca/cert/key of every proxy and the cacert/cert/key of every
 * etcd fence (also used by track_etcd over https). */
static int tls_files(const struct cfg *cfg, struct mf_plan *p, char *err, size_t errlen)
{
    char owner[160];
    for (size_t i = 0; i < cfg->nproxies; i++) {
        const struct cfg_check *c = &cfg->proxies[i].check;
        snprintf(owner, sizeof(owner), "proxy %s", cfg->proxies[i].name);
        if (tls_file(p, c->ca, owner, "check ca", err, errlen) < 0 ||
            tls_file(p, c->cert, owner, "check cert", err, errlen) < 0 ||
            tls_file(p, c->key, owner, "check key", err, errlen) < 0)
            return -1;
    }
    for (size_t i = 0; i < cfg->ninstances; i++) {
        const struct cfg_fence *fe = &cfg->instances[i].fence;
        if (!fe->on)
            continue;
        snprintf(owner, sizeof(owner), "vrrp_instance %s", cfg->instances[i].name);
        if (tls_file(p, fe->cacert, owner, "fence cacert", err, errlen) < 0 ||
            tls_file(p, fe->cert, owner, "fence cert", err, errlen) < 0 ||
            tls_file(p, fe->key, owner, "fence key", err, errlen) < 0)
            return -1;
    }
    return 0;
}

/* One command (`what` names it): a program outside the image's bin
 * directories is mounted from the host; a bare name or one inside them must
 * be in the image (a comment says so). Other absolute arguments are not
 * mounted: a warning names them (`/bin/sh /etc/x.sh` needs /etc/x.sh). */
static int command(const struct cfg_cmd *c, const char *what, struct mf_plan *p, char *err,
                   size_t errlen)
{
    char f[MF_PATH_MAX], why[256];
    const char *a0 = c->argv ? c->argv[0] : NULL;
    if (!a0)
        return 0;
    p->tmp = true;
    if (strchr(a0, '/') && a0[0] != '/')
        return snprintf(err, errlen,
                        "%s: command '%s' is a relative path: the pod mounts a program from the "
                        "host at the same path, so it must be absolute",
                        what, a0),
               -1;
    if (a0[0] != '/' || mf_path_in_image(a0)) {
        sbuf_printf(&p->image_cmds, "%s: %s\n", what, a0);
    } else {
        if (mf_path_abs(a0, NULL, f, sizeof(f)) < 0)
            return snprintf(err, errlen, "%s: path too long", what), -1;
        snprintf(why, sizeof(why), "%s (must exist on the host)", what);
        if (add_mount(p, MF_SCRIPT, f, why) < 0)
            return oom(err, errlen);
    }
    for (size_t i = 1; i < c->argc; i++)
        if (c->argv[i][0] == '/' && !mf_path_in_image(c->argv[i]))
            sbuf_printf(&p->warnings,
                        "%s: argument %s is not mounted into the pod; if the command reads it, "
                        "add a hostPath volume for it\n",
                        what, c->argv[i]);
    return 0;
}

/* Every vrrp_script (run checks each one's program at start, tracked or
 * not) and notify command. */
static int commands(const struct cfg *cfg, struct mf_plan *p, char *err, size_t errlen)
{
    char what[160];
    for (size_t i = 0; i < cfg->nscripts; i++) {
        snprintf(what, sizeof(what), "vrrp_script %s", cfg->scripts[i].name);
        if (command(&cfg->scripts[i].cmd, what, p, err, errlen) < 0)
            return -1;
    }
    for (size_t i = 0; i < cfg->ninstances; i++) {
        const struct cfg_vrrp_instance *in = &cfg->instances[i];
        const struct cfg_cmd *cmds[] = {&in->notify_master, &in->notify_backup, &in->notify_fault,
                                        &in->notify_stop, &in->notify};
        const char *kinds[] = {"notify_master", "notify_backup", "notify_fault", "notify_stop",
                               "notify"};
        for (size_t k = 0; k < 5; k++) {
            snprintf(what, sizeof(what), "vrrp_instance %s %s", in->name, kinds[k]);
            if (command(cmds[k], what, p, err, errlen) < 0)
                return -1;
        }
    }
    return 0;
}

static bool named(const char *user)
{
    return user && strcmp(user, "root") != 0;
}

/* A user or group other than root anywhere: run looks them up at start,
 * so the pod reads the host's /etc/passwd and /etc/group. */
static bool names_users(const struct cfg *cfg)
{
    if (named(cfg->global.script_user) || named(cfg->global.script_group) ||
        named(cfg->global.run_as) || named(cfg->global.run_as_group))
        return true;
    for (size_t i = 0; i < cfg->nscripts; i++)
        if (named(cfg->scripts[i].cmd.user) || named(cfg->scripts[i].cmd.group))
            return true;
    for (size_t i = 0; i < cfg->ninstances; i++) {
        const struct cfg_vrrp_instance *in = &cfg->instances[i];
        const struct cfg_cmd *cmds[] = {&in->notify_master, &in->notify_backup, &in->notify_fault,
                                        &in->notify_stop, &in->notify};
        for (size_t k = 0; k < 5; k++)
            if (named(cmds[k]->user) || named(cmds[k]->group))
                return true;
    }
    return false;
}

/* SIGTERM closes connections over the longest `timeout drain`: give it
 * that, plus 10 s for the VIP handover and exit, and never less than
 * Kubernetes' default 30 s. */
/* metrics_listen ADDR:PORT: the kubelet probes its /healthz (the main
 * loop answered within the last second). hostNetwork: the address the
 * daemon listens on is the node's own, reachable from the kubelet. */
static void liveness(const struct cfg *cfg, struct mf_plan *p)
{
    const struct cfg_endpoint *e = &cfg->global.metrics_listen;
    p->live_port = e->port;
    p->live_host[0] = 0;
    if (!e->port)
        return;
    if (e->kind == CFG_HOST_NAME && e->name) {
        snprintf(p->live_host, sizeof(p->live_host), "%s", e->name);
    } else if (e->kind == CFG_HOST_ADDR) {
        static const struct in6_addr any6 = IN6ADDR_ANY_INIT;
        bool any = e->addr.family == AF_INET ? e->addr.u.v4.s_addr == INADDR_ANY
                                             : !memcmp(&e->addr.u.v6, &any6, sizeof(any6));
        if (!any)
            cfg_format_addr(&e->addr, 0, p->live_host, sizeof(p->live_host));
    }
}

static unsigned grace_seconds(const struct cfg *cfg)
{
    uint64_t ms = 0;
    for (size_t i = 0; i < cfg->nproxies; i++)
        if (cfg->proxies[i].drain_timeout_ms > ms)
            ms = cfg->proxies[i].drain_timeout_ms;
    uint64_t s = (ms + 999) / 1000 + 10;
    return s < 30 ? 30 : s > 86400 ? 86400 : (unsigned)s;
}

int mf_plan_build(const struct cfg *cfg, const struct mf_opts *o, struct mf_plan *p, char *err,
                  size_t errlen)
{
    memset(p, 0, sizeof(*p));
    sbuf_init(&p->image_cmds);
    sbuf_init(&p->warnings);
    if (add_arg(p, "run") < 0)
        return oom(err, errlen);
    if ((o->native ? native_files(cfg, o, p, err, errlen) : import_files(cfg, o, p, err, errlen)) <
            0 ||
        tls_files(cfg, p, err, errlen) < 0 || commands(cfg, p, err, errlen) < 0)
        return -1;
    if (names_users(cfg) &&
        (add_mount(p, MF_USERS, "/etc/passwd", "users named by the configuration") < 0 ||
         add_mount(p, MF_USERS, "/etc/group", "groups of those users") < 0))
        return oom(err, errlen);
    if (add_arg(p, "--control") < 0 || add_arg(p, MF_CONTROL) < 0)
        return oom(err, errlen);
    mf_caps_derive(cfg, &p->caps);
    p->grace_s = grace_seconds(cfg);
    liveness(cfg, p);
    if (p->image_cmds.failed || p->warnings.failed)
        return oom(err, errlen);
    return 0;
}
