/* track: life cycle, run-as policy, notify commands and status; see
 * track.h. The vrrp_script runs are in script.c, links in link.c. */
#include "track/track.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "track/track-int.h"

#define STOP_WAIT_MS 200u

void track_changed(struct track *t)
{
    if (t->cb)
        t->cb(t->arg);
}

static void on_links_changed(void *arg)
{
    track_changed(arg);
}

/* ---- who runs commands (keepalived 2.2.7 lib/notify.c) ---- */

/* global_defs script_user [group]; else keepalived_script if it exists;
 * else, unless enable_script_security (then nothing runs without its own
 * user: get_default_script_user fails), the daemon's own user. */
static void policy_load(struct track_policy *p, const struct cfg_global *g)
{
    bool warned = p->root_warned;
    char e[128];
    memset(p, 0, sizeof(*p));
    p->root_warned = warned;
    p->security = g->enable_script_security;
    if (g->run_as) {
        /* the daemon is that user now (daemon.c dropped to it before
         * tracking started); validation refused any other script_user */
        p->run_as = true;
        if (track_runas_lookup(g->run_as, g->run_as_group, &p->def, e, sizeof(e)) == 0)
            p->def_ok = true;
        else
            snprintf(p->def_err, sizeof(p->def_err), "run_as: %s", e);
        return;
    }
    if (g->script_user) {
        if (track_runas_lookup(g->script_user, g->script_group, &p->def, e, sizeof(e)) == 0)
            p->def_ok = true;
        else
            snprintf(p->def_err, sizeof(p->def_err), "script_user: %s", e);
        return;
    }
    if (track_runas_lookup("keepalived_script", NULL, &p->def, e, sizeof(e)) == 0) {
        p->def_ok = true;
        return;
    }
    if (p->security) {
        snprintf(p->def_err, sizeof(p->def_err),
                 "enable_script_security is on but there is no script_user and user "
                 "keepalived_script does not exist");
        return;
    }
    track_runas_self(&p->def);
    p->def_ok = true;
    p->def_self = true;
}

/* A command in cfg that runs as the default user: a vrrp_script or a
 * notify command without a user of its own. */
static bool uses_default_user(const struct cfg *cfg)
{
    for (size_t i = 0; i < cfg->nscripts; i++)
        if (cfg->scripts[i].cmd.argv && !cfg->scripts[i].cmd.user)
            return true;
    for (size_t i = 0; i < cfg->ninstances; i++) {
        const struct cfg_vrrp_instance *in = &cfg->instances[i];
        const struct cfg_cmd *cmds[] = {&in->notify_master, &in->notify_backup, &in->notify_fault,
                                        &in->notify_stop, &in->notify};
        for (size_t k = 0; k < sizeof(cmds) / sizeof(cmds[0]); k++)
            if (cmds[k]->argv && !cmds[k]->user)
                return true;
    }
    return false;
}

/* Commands run as root because nothing else is configured: say so once. */
static void warn_root_once(struct track_policy *p)
{
    if (p->root_warned)
        return;
    p->root_warned = true;
    log_warn("track", NULL,
             "scripts run as root: no script_user and no user keepalived_script "
             "(keepalived's rule); set script_user%s",
             p->security ? "" : " and enable_script_security");
}

/* At start and reload: warn now, not at the first run (a notify_master may
 * run hours later), when a command of cfg will run as root by default. */
static void policy_warn_root(struct track_policy *p, const struct cfg *cfg)
{
    if (p->def_ok && p->def_self && p->def.uid == 0 && uses_default_user(cfg))
        warn_root_once(p);
}

int track_runas_for(struct track *t, const char *argv0, const char *user, const char *group,
                    struct track_runas *ra, char *why, size_t len)
{
    struct track_policy *p = &t->pol;
    char e[160];
    if (user) {
        if (track_runas_lookup(user, group, ra, e, sizeof(e)) < 0) {
            snprintf(why, len, "%s", e);
            return -1;
        }
    } else if (!p->def_ok) {
        snprintf(why, len, "%s", p->def_err);
        return -1;
    } else {
        *ra = p->def;
        if (p->def_self && ra->uid == 0)
            warn_root_once(p);
    }
    if (p->run_as && user && !group && ra->uid == p->def.uid) {
        /* `user RUN_AS` without a group: run_as's group, as the daemon has */
        ra->gid = p->def.gid;
        ra->set_ids = ra->uid != geteuid() || ra->gid != getegid();
    }
    if (p->run_as && ra->set_ids) {
        snprintf(why, len,
                 "haplane runs as run_as %s (uid %u) and cannot switch to user %s (uid %u, "
                 "gid %u)",
                 p->def.user, (unsigned)p->def.uid, ra->user, (unsigned)ra->uid, (unsigned)ra->gid);
        return -1;
    }
    if (p->security && track_secure_check(argv0, ra, p->run_as, e, sizeof(e)) < 0) {
        snprintf(why, len, "enable_script_security: %s", e);
        return -1;
    }
    return 0;
}

/* cfg_host.command_unsafe: the rule track_runas_for applies when a
 * command is about to run, applied to the configuration instead (the
 * refusals of users that do not exist are the host check's own). */
int track_command_unsafe(const struct cfg_global *g, const struct cfg_cmd *c, char *why, size_t len,
                         void *arg)
{
    struct track_policy p;
    struct track_runas ra;
    char e[160];
    memset(&p, 0, sizeof(p));
    p.root_warned = true;
    policy_load(&p, g);
    if (!g->enable_script_security || !c->argc)
        return 0;
    if (c->user && !p.run_as) {
        if (track_runas_lookup(c->user, c->group, &ra, e, sizeof(e)) < 0)
            return 0;
    } else if (p.def_ok) {
        ra = p.def;
    } else {
        return 0; /* no default user: refused when it would run, with why */
    }
    if (track_secure_check(c->argv[0], &ra, p.run_as, e, sizeof(e)) < 0) {
        snprintf(why, len, "%s", e);
        return 1;
    }
    return 0;
}

/* ---- life cycle ---- */

/* Fresh (not started) scripts for cfg; reuse[i] != NULL takes the place of
 * cfg->scripts[i] instead and gets its new spec in specs[i]. */
static int build(struct track *t, const struct cfg *cfg, struct track_script **out,
                 struct track_spec **specs)
{
    for (size_t i = 0; i < cfg->nscripts; i++) {
        specs[i] = track_spec_new(&cfg->scripts[i]);
        if (!specs[i])
            return -1;
    }
    for (size_t i = 0; i < cfg->nscripts; i++) {
        if (out[i])
            continue;
        out[i] = track_script_new(t, specs[i]);
        if (!out[i])
            return -1;
        specs[i] = NULL; /* taken over */
    }
    return 0;
}

struct track *track_start(struct ev_loop *loop, const struct cfg *cfg, track_change_cb cb,
                          void *arg, char *err, size_t errlen)
{
    struct track *t = calloc(1, sizeof(*t));
    size_t n = cfg->nscripts;
    struct track_spec **specs = calloc(n + 1, sizeof(*specs));
    if (!t || !specs) {
        free(t);
        free(specs);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    t->loop = loop;
    t->cb = cb;
    t->arg = arg;
    t->notify_timeout_ms = TRACK_NOTIFY_TIMEOUT_MS;
    if (track_links_open(&t->links, loop, on_links_changed, t, err, errlen) < 0) {
        free(specs);
        free(t);
        return NULL;
    }
    t->scripts = calloc(n + 1, sizeof(*t->scripts));
    t->nscripts = n;
    if (!t->scripts || build(t, cfg, t->scripts, specs) < 0) {
        for (size_t i = 0; i < n; i++)
            track_spec_free(specs[i]);
        free(specs);
        track_stop(t);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    free(specs);
    policy_load(&t->pol, &cfg->global);
    policy_warn_root(&t->pol, cfg);
    for (size_t i = 0; i < n; i++)
        track_script_begin(t->scripts[i]);
    return t;
}

/* Old script matching spec (same name and argv), not yet taken. */
static size_t find_same(struct track *t, const struct track_spec *spec, const char *taken)
{
    for (size_t j = 0; j < t->nscripts; j++)
        if (!taken[j] && track_spec_same(t->scripts[j]->spec, spec))
            return j;
    return SIZE_MAX;
}

int track_reload(struct track *t, const struct cfg *cfg, char *err, size_t errlen)
{
    size_t n = cfg->nscripts;
    struct track_script **next = calloc(n + 1, sizeof(*next));
    struct track_spec **specs = calloc(n + 1, sizeof(*specs));
    char *taken = calloc(t->nscripts + 1, 1);
    int rc = -1;
    if (!next || !specs || !taken)
        goto out;
    for (size_t i = 0; i < n; i++) {
        struct track_spec *probe = track_spec_new(&cfg->scripts[i]);
        if (!probe)
            goto out;
        size_t j = find_same(t, probe, taken);
        track_spec_free(probe);
        if (j != SIZE_MAX) {
            taken[j] = 1;
            next[i] = t->scripts[j];
        }
    }
    if (build(t, cfg, next, specs) < 0)
        goto out;
    /* Commit: nothing below can fail. */
    policy_load(&t->pol, &cfg->global);
    policy_warn_root(&t->pol, cfg);
    for (size_t j = 0; j < t->nscripts; j++)
        if (!taken[j])
            track_script_retire(t->scripts[j]);
    for (size_t i = 0; i < n; i++) {
        if (specs[i]) { /* kept */
            track_script_respec(next[i], specs[i]);
            specs[i] = NULL;
        } else {
            track_script_begin(next[i]);
        }
    }
    free(t->scripts);
    t->scripts = next;
    t->nscripts = n;
    next = NULL;
    rc = 0;
out:
    if (rc < 0) {
        snprintf(err, errlen, "out of memory");
        for (size_t i = 0; next && i < n; i++) {
            bool kept = false;
            for (size_t j = 0; j < t->nscripts; j++)
                kept |= next[i] == t->scripts[j];
            if (next[i] && !kept)
                track_script_destroy(next[i], 0);
        }
    }
    for (size_t i = 0; specs && i < n; i++)
        track_spec_free(specs[i]);
    free(specs);
    free(next);
    free(taken);
    return rc;
}

void track_stop(struct track *t)
{
    if (!t)
        return;
    uint64_t deadline = ev_clock_ns() + STOP_WAIT_MS * NS_PER_MS;
    for (size_t i = 0; i < t->nscripts; i++) {
        struct track_script *s = t->scripts[i];
        uint64_t now = ev_clock_ns();
        if (s)
            track_script_destroy(s, now < deadline ? (unsigned)((deadline - now) / NS_PER_MS) : 0);
    }
    free(t->scripts);
    while (t->dying) {
        struct track_script *s = t->dying;
        t->dying = s->next;
        uint64_t now = ev_clock_ns();
        track_script_destroy(s, now < deadline ? (unsigned)((deadline - now) / NS_PER_MS) : 0);
    }
    while (t->notifies) {
        struct track_notify_run *nr = t->notifies;
        t->notifies = nr->next;
        track_run_detach(&nr->run, 0, 0);
        free(nr);
    }
    track_links_close(&t->links);
    free(t);
}

/* ---- verdicts ---- */

int track_script_up(const struct track *t, size_t script_index)
{
    if (!t || script_index >= t->nscripts)
        return TRACK_DOWN;
    return t->scripts[script_index]->ctr.state;
}

int track_link_up(struct track *t, const char *ifname)
{
    if (!t || !ifname)
        return 0;
    return track_links_up(&t->links, ifname);
}

/* ---- notify ---- */

static void notify_unlink(struct track *t, struct track_notify_run *nr)
{
    if (nr->prev)
        nr->prev->next = nr->next;
    else
        t->notifies = nr->next;
    if (nr->next)
        nr->next->prev = nr->prev;
}

static void on_notify(struct track_run *r, enum track_run_end how, int code)
{
    struct track_notify_run *nr = r->arg;
    struct track *t = nr->t;
    char what[96];
    switch (how) {
    case TRACK_RUN_REAPED: {
        track_notify_done done = nr->done;
        void *owner = nr->owner;
        notify_unlink(t, nr);
        t->notify_running--;
        free(nr);
        if (done)
            done(owner);
        return;
    }
    case TRACK_RUN_EXITED:
        if (code == 0)
            return;
        t->notify_failed++;
        break;
    case TRACK_RUN_SIGNALED:
        t->notify_failed++;
        break;
    case TRACK_RUN_TIMEDOUT:
        t->notify_timeouts++;
        break;
    }
    track_run_end_str(how, code, nr->timeout_ms, what, sizeof(what));
    log_warn("track", nr->name, "notify %s%s", what,
             how == TRACK_RUN_TIMEDOUT ? ": killing its process group" : "");
}

void track_notify_forget(struct track *t, const void *owner)
{
    for (struct track_notify_run *nr = t ? t->notifies : NULL; nr; nr = nr->next)
        if (nr->owner == owner)
            nr->done = NULL;
}

int track_notify(struct track *t, const struct cfg_cmd *cmd, const char *const extra[],
                 track_notify_done done, void *owner)
{
    size_t slots = track_argv_slots(cmd, extra);
    if (!t || slots == 0)
        return 0;
    const char *argv0 = cmd->argv[0];
    struct track_runas ra;
    char why[192];
    if (track_runas_for(t, argv0, cmd->user, cmd->group, &ra, why, sizeof(why)) < 0) {
        t->notify_refused++;
        log_error("track", argv0, "notify refused: %s", why);
        return -1;
    }
    char **argv = calloc(slots, sizeof(*argv));
    struct track_notify_run *nr = calloc(1, sizeof(*nr));
    if (!argv || !nr || track_argv_fill(cmd, extra, argv, slots) < 0) {
        free(argv);
        free(nr);
        t->notify_failed++;
        log_error("track", argv0, "notify not started: out of memory");
        return -1;
    }
    const char *base = strrchr(argv0, '/');
    snprintf(nr->name, sizeof(nr->name), "%s", base && base[1] ? base + 1 : argv0);
    nr->t = t;
    nr->timeout_ms = t->notify_timeout_ms;
    nr->done = done;
    nr->owner = owner;
    struct ev_spawn_opts o = {.uid = ra.uid, .gid = ra.gid, .set_ids = ra.set_ids, .quiet = 1};
    int rc = track_run_start(&nr->run, t->loop, argv, &o, nr->timeout_ms, on_notify, nr);
    char what[192];
    if (rc < 0)
        track_start_error(argv0, errno, what, sizeof(what));
    free(argv); /* the child has its own copy */
    if (rc < 0) {
        t->notify_failed++;
        log_error("track", nr->name, "notify not started: %s", what);
        free(nr);
        return -1;
    }
    nr->next = t->notifies;
    if (nr->next)
        nr->next->prev = nr;
    t->notifies = nr;
    t->notify_started++;
    t->notify_running++;
    log_debug("track", nr->name, "notify started (pid %d)", (int)nr->run.child.pid);
    return 1;
}

void track_set_notify_timeout(struct track *t, uint64_t timeout_ms)
{
    t->notify_timeout_ms = timeout_ms ? timeout_ms : TRACK_NOTIFY_TIMEOUT_MS;
}

/* ---- status ---- */

void track_status_json(const struct track *t, struct sbuf *out)
{
    sbuf_puts(out, "{\"scripts\":[");
    for (size_t i = 0; i < t->nscripts; i++) {
        if (i)
            sbuf_puts(out, ",");
        track_script_json(t->scripts[i], out);
    }
    sbuf_puts(out, "],\"links\":");
    track_links_json(&t->links, out);
    sbuf_printf(out,
                ",\"notify\":{\"started\":%llu,\"failed\":%llu,\"timeouts\":%llu,"
                "\"refused\":%llu,\"running\":%llu,\"timeout_ms\":%llu},"
                "\"netlink_overruns\":%llu}",
                (unsigned long long)t->notify_started, (unsigned long long)t->notify_failed,
                (unsigned long long)t->notify_timeouts, (unsigned long long)t->notify_refused,
                (unsigned long long)t->notify_running, (unsigned long long)t->notify_timeout_ms,
                (unsigned long long)t->links.overruns);
}
