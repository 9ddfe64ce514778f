/* host: facts about the machine rather than the file. A configuration
 * names interfaces, source addresses, commands, users and certificate
 * files that exist on the hosts it is meant for, not necessarily on the
 * one that validates it, so these checks are separate from validation:
 * `haplane check` and `convert` report them as warnings, `haplane run` as
 * errors (imp_sources.facts). One exception: a vrrp_instance's interface
 * or a VIP's `dev` that is missing is a warning in `run` too, because the
 * instance waits in FAULT until it appears (vrrp/instance.c): at boot a NIC
 * or VLAN may come up after haplane.
 *
 * cfg_check_host is pure given its struct cfg_host; cfg_host_system() is
 * the real machine (netlink-free: if_nametoindex, getifaddrs, stat, access,
 * getpwnam_r).
 */
#include <ifaddrs.h>
#include <stdarg.h>
#include <net/if.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/conf-int.h"

/* ---- the real machine ------------------------------------------------------------ */

static int sys_interface(const char *name, void *arg)
{
    return if_nametoindex(name) != 0;
}

static int sys_address(const struct cfg_addr *a, void *arg)
{
    struct ifaddrs *ifs, *i;
    int found = 0;

    if (getifaddrs(&ifs) < 0)
        return 1; /* cannot tell: do not complain */
    for (i = ifs; i && !found; i = i->ifa_next) {
        const struct sockaddr *sa = i->ifa_addr;

        if (!sa || sa->sa_family != a->family)
            continue;
        if (a->family == AF_INET)
            found =
                ((const struct sockaddr_in *)(const void *)sa)->sin_addr.s_addr == a->u.v4.s_addr;
        else
            found = !memcmp(&((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, &a->u.v6,
                            sizeof(a->u.v6));
    }
    freeifaddrs(ifs);
    return found;
}

static int executable(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

/* An absolute or relative path, or a name looked up in CFG_CMD_PATH, the
 * PATH src/track runs commands with (not the daemon's own). */
static int sys_command(const char *argv0, void *arg)
{
    char buf[4096];

    if (strchr(argv0, '/'))
        return executable(argv0);
    for (const char *p = CFG_CMD_PATH;; p++) {
        const char *end = strchrnul(p, ':');
        int n = end == p ? snprintf(buf, sizeof(buf), "%s", argv0)
                         : snprintf(buf, sizeof(buf), "%.*s/%s", (int)(end - p), p, argv0);

        if (n > 0 && (size_t)n < sizeof(buf) && executable(buf))
            return 1;
        if (!*end)
            return 0;
        p = end;
    }
}

static int sys_file(const char *path, void *arg)
{
    return access(path, R_OK) == 0;
}

static int sys_user(const char *user, void *arg)
{
    struct passwd pw, *res = NULL;
    char buf[4096];

    return getpwnam_r(user, &pw, buf, sizeof(buf), &res) == 0 && res != NULL;
}

const struct cfg_host *cfg_host_system(void)
{
    static const struct cfg_host sys = {sys_interface, sys_address, sys_command, sys_file,
                                        sys_user,      NULL,        NULL};
    return &sys;
}

/* ---- the checks -------------------------------------------------------------------- */

struct hctx {
    const struct cfg_host *h;
    enum cfg_severity sev;
    struct cfg_diags *d;
    size_t n; /* reported with severity sev */
};

/* Report one fact with severity sev; count it when that is x's. */
__attribute__((format(printf, 4, 5))) static void
fact_sev(struct hctx *x, enum cfg_severity sev, const struct cfg_pos *pos, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    cfg_diag_vadd(x->d, sev, pos, fmt, ap);
    va_end(ap);
    if (sev == x->sev)
        x->n++;
}

#define fact(x, pos, ...) fact_sev(x, (x)->sev, pos, __VA_ARGS__)

/* An interface the instance can wait for: always a warning. Returns 1 when
 * it is missing. */
static int awaited_interface(struct hctx *x, const char *name, const struct cfg_pos *pos)
{
    if (!name || x->h->has_interface(name, x->h->arg))
        return 0;
    fact_sev(x, CFG_SEV_WARNING, pos,
             "interface '%s' does not exist on this host yet: the instance waits in FAULT until "
             "it appears",
             name);
    return 1;
}

/* A tracked interface is watched by name from the start: a missing one
 * counts as down until it appears (a warning, as for the instance's own
 * interface), so a VLAN or bond that comes up after haplane is not fatal. */
static void tracked_interface(struct hctx *x, const struct cfg_track *t)
{
    if (!t->name || x->h->has_interface(t->name, x->h->arg))
        return;
    if (t->weight)
        fact_sev(x, CFG_SEV_WARNING, &t->pos,
                 "track_interface '%s' does not exist on this host yet: it counts as down "
                 "(weight %d) until it appears",
                 t->name, t->weight);
    else
        fact_sev(x, CFG_SEV_WARNING, &t->pos,
                 "track_interface '%s' does not exist on this host yet: the instance stays in "
                 "FAULT until it appears",
                 t->name);
}

static void user(struct hctx *x, const char *name, const struct cfg_pos *pos)
{
    if (name && !x->h->has_user(name, x->h->arg))
        fact(x, pos, "user '%s' does not exist on this host", name);
}

static void command(struct hctx *x, const struct cfg_cmd *c, const struct cfg_pos *pos)
{
    if (c->argc && !x->h->has_command(c->argv[0], x->h->arg))
        fact(x, pos, "command '%s' is not %s on this host", c->argv[0],
             strchr(c->argv[0], '/') ? "an executable file" : "found in PATH");
}

/* enable_script_security: the command itself and every directory above it
 * (as written and after symlinks) writable by root only, when it runs
 * privileged (host->command_unsafe says which). Refused at FILE:LINE here,
 * so `run` does not start and a reload is rejected, instead of the command
 * being refused each time it would run. */
static void secure(struct hctx *x, const struct cfg *cfg, const struct cfg_cmd *c,
                   const struct cfg_pos *pos)
{
    char why[320];

    if (!cfg->global.enable_script_security || !c->argc || !x->h->command_unsafe ||
        !x->h->has_command(c->argv[0], x->h->arg))
        return; /* a missing command is reported once, by command() */
    if (x->h->command_unsafe(&cfg->global, c, why, sizeof(why), x->h->arg))
        fact(x, pos, "enable_script_security: refusing '%s': %s", c->argv[0], why);
}

/* notify_* CMD [USER [GROUP]]: both at the directive. */
static void notify(struct hctx *x, const struct cfg *cfg, const struct cfg_cmd *c,
                   const struct cfg_pos *pos)
{
    command(x, c, pos);
    user(x, c->user, pos);
    secure(x, cfg, c, pos);
}

static void file(struct hctx *x, const char *path, const struct cfg_pos *pos)
{
    if (path && !x->h->has_file(path, x->h->arg))
        fact(x, pos, "file '%s' cannot be read on this host", path);
}

static void instance(struct hctx *x, const struct cfg *cfg, const struct cfg_vrrp_instance *vi)
{
    char a[64];
    int waits = awaited_interface(x, vi->interface, &vi->at.interface);

    for (size_t i = 0; i < vi->nvips; i++)
        waits |= awaited_interface(x, vi->vips[i].dev, &vi->vips[i].pos);
    for (size_t i = 0; i < vi->ntrack_ifs; i++)
        tracked_interface(x, &vi->track_ifs[i]);
    /* the source address of a missing interface is missing too: the
     * instance waits for both */
    if (vi->src_ip.family && !x->h->has_address(&vi->src_ip, x->h->arg))
        fact_sev(x, waits ? CFG_SEV_WARNING : x->sev, &vi->at.src_ip,
                 "source address %s is not assigned to an interface of this host%s",
                 cfg_format_addr(&vi->src_ip, 0, a, sizeof(a)),
                 waits ? " yet: the instance waits in FAULT until it is" : "");
    notify(x, cfg, &vi->notify_master, &vi->at.notify_master);
    notify(x, cfg, &vi->notify_backup, &vi->at.notify_backup);
    notify(x, cfg, &vi->notify_fault, &vi->at.notify_fault);
    notify(x, cfg, &vi->notify_stop, &vi->at.notify_stop);
    notify(x, cfg, &vi->notify, &vi->at.notify);
}

size_t cfg_check_host(const struct cfg *cfg, const struct cfg_host *host, enum cfg_severity sev,
                      struct cfg_diags *d)
{
    struct hctx x = {.h = host ? host : cfg_host_system(), .sev = sev, .d = d};

    user(&x, cfg->global.script_user, &cfg->global.at.script_user);
    user(&x, cfg->global.run_as, &cfg->global.at.run_as);
    for (size_t i = 0; i < cfg->nscripts; i++) {
        const struct cfg_vrrp_script *s = &cfg->scripts[i];

        command(&x, &s->cmd, &s->at.script);
        user(&x, s->cmd.user, &s->at.user);
        secure(&x, cfg, &s->cmd, &s->at.script);
    }
    for (size_t i = 0; i < cfg->ninstances; i++)
        instance(&x, cfg, &cfg->instances[i]);
    for (size_t i = 0; i < cfg->nproxies; i++) {
        const struct cfg_check *c = &cfg->proxies[i].check;

        file(&x, c->ca, &c->at.ca);
        file(&x, c->cert, &c->at.cert);
        file(&x, c->key, &c->at.key);
    }
    return x.n;
}
