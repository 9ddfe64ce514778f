/* caps: the capabilities a configuration needs; see caps.h. */
#include "manifest/caps.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const names[MF_CAP_COUNT] = {
    [MF_CAP_NET_ADMIN] = "NET_ADMIN",
    [MF_CAP_NET_RAW] = "NET_RAW",
    [MF_CAP_NET_BIND_SERVICE] = "NET_BIND_SERVICE",
    [MF_CAP_SETUID] = "SETUID",
    [MF_CAP_SETGID] = "SETGID",
    [MF_CAP_KILL] = "KILL",
    [MF_CAP_SYS_NICE] = "SYS_NICE",
    [MF_CAP_IPC_LOCK] = "IPC_LOCK",
    [MF_CAP_SETPCAP] = "SETPCAP",
    [MF_CAP_SYS_RESOURCE] = "SYS_RESOURCE",
};

const char *mf_cap_name(enum mf_cap c)
{
    return (unsigned)c < MF_CAP_COUNT ? names[c] : "?";
}

/* Set cap with its reason, unless it is set already (the first item that
 * needs a capability is the one named). */
static void need(struct mf_caps *o, enum mf_cap c, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void need(struct mf_caps *o, enum mf_cap c, const char *fmt, ...)
{
    va_list ap;
    if (o->set & (1u << c))
        return;
    o->set |= 1u << c;
    va_start(ap, fmt);
    vsnprintf(o->why[c], sizeof(o->why[c]), fmt, ap);
    va_end(ap);
}

static int is_root(const char *name)
{
    return name && !strcmp(name, "root");
}

/* A command of `what` (a script or notify name) that runs as user:group,
 * those being its own or script_user's; NULL user: the daemon's own. */
static void command(struct mf_caps *o, const struct cfg *cfg, const struct cfg_cmd *cmd,
                    const char *what)
{
    const char *user = cmd->user, *group = cmd->group;
    if (!cmd->argv || cfg->global.run_as)
        return; /* run_as: every command runs as the daemon's (dropped) user */
    if (!user) {
        user = cfg->global.script_user;
        group = cfg->global.script_group;
    }
    if (user && !is_root(user)) {
        need(o, MF_CAP_SETUID, "%s runs as user %s", what, user);
        need(o, MF_CAP_SETGID, "%s runs as user %s", what, user);
        need(o, MF_CAP_KILL, "%s runs as user %s: killed on its timeout", what, user);
    } else if (user && group && !is_root(group)) {
        need(o, MF_CAP_SETGID, "%s runs as group %s", what, group);
    }
}

static void instance(struct mf_caps *o, const struct cfg *cfg, const struct cfg_vrrp_instance *in)
{
    const struct cfg_cmd *cmds[] = {&in->notify_master, &in->notify_backup, &in->notify_fault,
                                    &in->notify_stop, &in->notify};
    const char *kinds[] = {"notify_master", "notify_backup", "notify_fault", "notify_stop",
                           "notify"};
    char what[96];
    need(o, MF_CAP_NET_ADMIN, "vrrp_instance %s: adding and removing the VIP (rtnetlink)",
         in->name);
    need(o, MF_CAP_NET_RAW, "vrrp_instance %s: VRRP raw socket, gratuitous ARP / NA", in->name);
    if (in->quorum && cfg->global.quorum_port < 1024)
        need(o, MF_CAP_NET_BIND_SERVICE, "vrrp_instance %s: quorum heartbeat on UDP port %u",
             in->name, (unsigned)cfg->global.quorum_port);
    for (size_t k = 0; k < sizeof(cmds) / sizeof(cmds[0]); k++) {
        snprintf(what, sizeof(what), "%s of vrrp_instance %s", kinds[k], in->name);
        command(o, cfg, cmds[k], what);
    }
}

void mf_caps_derive(const struct cfg *cfg, struct mf_caps *out)
{
    char what[96];
    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < cfg->ninstances; i++)
        instance(out, cfg, &cfg->instances[i]);
    for (size_t i = 0; i < cfg->nproxies; i++)
        for (size_t j = 0; j < cfg->proxies[i].nbinds; j++)
            if (cfg->proxies[i].binds[j].addr.port < 1024)
                need(out, MF_CAP_NET_BIND_SERVICE, "proxy %s binds port %u", cfg->proxies[i].name,
                     (unsigned)cfg->proxies[i].binds[j].addr.port);
    for (size_t i = 0; i < cfg->nscripts; i++) {
        /* keepalived runs only tracked scripts, and so does haplane */
        if (!cfg->scripts[i].tracked)
            continue;
        snprintf(what, sizeof(what), "vrrp_script %s", cfg->scripts[i].name);
        command(out, cfg, &cfg->scripts[i].cmd, what);
    }
    const char *ra = cfg->global.run_as;
    if (ra) {
        need(out, MF_CAP_SETUID, "global_defs run_as %s: dropping from root to %s at start", ra,
             ra);
        need(out, MF_CAP_SETGID, "global_defs run_as %s: dropping from root to %s at start", ra,
             ra);
        need(out, MF_CAP_SETPCAP,
             "global_defs run_as %s: reducing the bounding set to the capabilities kept", ra);
        if (cfg->global.realtime || cfg->global.mlockall)
            need(out, MF_CAP_SYS_RESOURCE,
                 "global_defs run_as %s with %s: raising its limit before the drop", ra,
                 cfg->global.realtime ? "realtime on (RLIMIT_RTPRIO)"
                                      : "mlockall on "
                                        "(RLIMIT_MEMLOCK)");
        return;
    }
    if (cfg->global.realtime)
        need(out, MF_CAP_SYS_NICE, "global_defs realtime on (SCHED_RR)");
    if (cfg->global.mlockall)
        need(out, MF_CAP_IPC_LOCK, "global_defs mlockall on");
}
