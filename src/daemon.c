/* daemon: see daemon.h. */
#include "daemon.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "conf/conf.h"
#include "ctl/ctl.h"
#include "ev/ev.h"
#include "log.h"
#include "metrics/metrics.h"
#include "priv/priv.h"
#include "util/sbuf.h"
#include "proxy/proxy.h"
#include "sdnotify/sdnotify.h"
#include "vrrp/vrrp.h"

struct daemon {
    struct ev_loop *loop;
    struct ctl ctl;
    struct vrrp *vrrp;
    struct px *px;
    const struct imp_sources *sources;
    const struct daemon_ext *ext; /* node-local: its loader and extras */
    bool ext_started;
    char config_path[1024]; /* the sources, for logs and status */
    struct cfg *cfg;
    unsigned generation; /* 1 for the first load, +1 per accepted reload */
    uint64_t started_ns, loaded_ns;
    unsigned reloads_rejected;
    char last_reload_error[512]; /* "" when the last reload was accepted */
    int exit_signal;
    /* a reload waiting for its DNS names (resolved on a thread of its own,
     * so that VRRP and the checks go on meanwhile) */
    struct reload_job *job;
    struct ev_io job_io;
    bool reload_again; /* SIGHUP came during that wait */
    struct sdn sdn;    /* systemd's notify socket, when there is one */
    struct mx *mx;     /* metrics_listen, when configured */
    bool dropped;      /* run_as: runs as ids since the start */
    struct priv_ids ids;
};

struct reload_job {
    struct cfg *next;
    struct px_names *names;
    int efd; /* written by the resolver thread when it is done */
};

/* Load the sources; log every diagnostic (errors at error level, warnings
 * at warn). On failure, *first_error holds the first error line. Returns
 * the new model (owned by the caller) or NULL. */
static struct cfg *load_config(const struct imp_sources *src, const struct daemon_ext *ext,
                               char *first_error, size_t cap)
{
    struct cfg *cfg = NULL;
    struct cfg_diags d = {0};
    char path[1024];
    int rc = ext ? ext->load(ext->arg, &cfg, &d) : imp_load(src, &cfg, &d);
    first_error[0] = 0;
    for (size_t i = 0; i < d.n; i++) {
        char line[600];
        cfg_diag_format(&d.v[i], line, sizeof(line));
        if (d.v[i].sev == CFG_SEV_ERROR) {
            log_error("conf", NULL, "%s", line);
            if (!first_error[0])
                snprintf(first_error, cap, "%s", line);
        } else {
            log_warn("conf", NULL, "%s", line);
        }
    }
    cfg_diags_free(&d);
    if (rc < 0) {
        cfg_free(cfg);
        if (!first_error[0])
            snprintf(first_error, cap, "%s: cannot load configuration",
                     ext ? ext->describe : imp_describe(src, path, sizeof(path)));
        return NULL;
    }
    return cfg;
}

static void log_summary(struct daemon *dm, const char *what)
{
    char sum[256];
    cfg_summary(dm->cfg, sum, sizeof(sum));
    log_info("main", NULL, "%s %s (generation %u): %s", what, dm->config_path, dm->generation, sum);
}

static void on_proxy_health(const char *proxy, int healthy, void *arg);
static void metrics_status(struct sbuf *json, void *arg);

/* A reload refused: the running generation stays; status shows why. */
static void reject_reload(struct daemon *dm, const char *what, const char *err)
{
    dm->reloads_rejected++;
    snprintf(dm->last_reload_error, sizeof(dm->last_reload_error), "%s%.490s", what, err);
    log_error("main", NULL, "reload rejected, generation %u keeps running: %s%s", dm->generation,
              what, err);
    sdn_reloaded(&dm->sdn); /* the old configuration runs: ready again */
}

/* failover_reset: VRRP takes the proxy's connection reports. */
static size_t take_conns(vrrp_conn_cb cb, void *cbarg, void *arg, uint64_t *lost)
{
    struct daemon *dm = arg;
    return px_conns_take(dm->px, cb, cbarg, lost);
}

/* The second half of a reload: next is loaded and valid, its names (if
 * any) resolved. Takes next. */
static void apply_reload(struct daemon *dm, struct cfg *next, const struct px_names *names)
{
    struct ev_loop *loop = dm->loop;
    char err[512];
    if (dm->px && px_reload(dm->px, next, names, err, sizeof(err)) < 0) {
        cfg_free(next);
        reject_reload(dm, "proxy: ", err);
        return;
    }
    if (dm->vrrp && vrrp_reload(dm->vrrp, next, err, sizeof(err)) < 0) {
        log_error("main", NULL, "reload: vrrp: %s", err);
    } else if (!dm->vrrp && next->ninstances) {
        dm->vrrp = vrrp_start(loop, next, err, sizeof(err));
        if (!dm->vrrp)
            log_error("main", NULL, "reload: vrrp: %s", err);
        else if (dm->px) { /* a new engine learns every proxy's health now */
            px_set_health_cb(dm->px, on_proxy_health, dm);
            vrrp_set_conns_source(dm->vrrp, take_conns, dm);
        }
    }
    if (mx_apply(&dm->mx, loop, &next->global.metrics_listen, metrics_status, dm, err,
                 sizeof(err)) < 0)
        log_error("metrics", NULL, "reload: %s", err);
    cfg_free(dm->cfg);
    dm->cfg = next;
    dm->generation++;
    dm->loaded_ns = ev_now(loop);
    dm->last_reload_error[0] = 0;
    log_summary(dm, "reloaded");
    sdn_reloaded(&dm->sdn);
}

static void *resolver_main(void *arg)
{
    struct reload_job *job = arg;
    uint64_t one = 1;
    px_names_resolve(job->names);
    while (write(job->efd, &one, sizeof(one)) < 0 && errno == EINTR)
        ;
    return NULL;
}

static void on_reload(struct ev_loop *loop, int signo, void *arg);

static void on_resolved(struct ev_loop *loop, struct ev_io *io, uint32_t events)
{
    struct daemon *dm = io->arg;
    struct reload_job *job = dm->job;
    ev_io_stop(loop, io);
    close(job->efd);
    dm->job = NULL;
    log_info("main", NULL, "reload: %zu name%s resolved", px_names_count(job->names),
             px_names_count(job->names) == 1 ? "" : "s");
    apply_reload(dm, job->next, job->names);
    px_names_free(job->names);
    free(job);
    if (dm->reload_again) {
        dm->reload_again = false;
        on_reload(loop, SIGHUP, dm);
    }
}

/* Resolve next's names on a thread of their own; apply_reload follows in
 * on_resolved. -1 if that thread cannot be had (the caller resolves
 * inline). */
static int reload_in_background(struct daemon *dm, struct cfg *next, struct px_names *names)
{
    struct reload_job *job = calloc(1, sizeof(*job));
    pthread_attr_t attr;
    pthread_t t;
    if (!job)
        return -1;
    job->next = next;
    job->names = names;
    job->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (job->efd < 0)
        goto fail;
    if (ev_io_start(dm->loop, &dm->job_io, job->efd, EPOLLIN, on_resolved, dm) < 0)
        goto fail;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int rc = pthread_create(&t, &attr, resolver_main, job);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        ev_io_stop(dm->loop, &dm->job_io);
        goto fail;
    }
    dm->job = job;
    log_info("main", NULL,
             "reload: resolving %zu name%s in the background (VRRP and the proxies go on)",
             px_names_count(names), px_names_count(names) == 1 ? "" : "s");
    return 0;
fail:
    if (job->efd >= 0)
        close(job->efd);
    free(job);
    return -1;
}

static bool same_str(const char *a, const char *b)
{
    return a == b || (a && b && !strcmp(a, b));
}

/* The daemon dropped to run_as at start and cannot go back: a reload
 * that changes it is refused (restart instead). */
static bool run_as_changed(const struct daemon *dm, const struct cfg *next, char *err,
                           size_t errlen)
{
    const struct cfg_global *a = &dm->cfg->global, *b = &next->global;
    if (same_str(a->run_as, b->run_as) && same_str(a->run_as_group, b->run_as_group))
        return false;
    snprintf(err, errlen,
             "run_as cannot change on a reload (haplane runs as %s%s%s since its start; %s): "
             "restart haplane to apply it",
             a->run_as ? a->run_as : "root", a->run_as_group ? ":" : "",
             a->run_as_group ? a->run_as_group : "",
             a->run_as ? "it cannot become root again" : "it drops privileges only at start");
    return true;
}

static void on_reload(struct ev_loop *loop, int signo, void *arg)
{
    struct daemon *dm = arg;
    if (dm->job) {
        dm->reload_again = true;
        log_info("main", NULL, "SIGHUP while a reload waits for DNS: reloading again after it");
        return;
    }
    log_info("main", NULL, "%s: reloading %s", signo ? "SIGHUP" : "new server list",
             dm->config_path);
    sdn_reloading(&dm->sdn, ev_clock_ns());
    char err[512];
    struct cfg *next = load_config(dm->sources, dm->ext, err, sizeof(err));
    if (!next) {
        reject_reload(dm, "", err);
        return;
    }
    if (run_as_changed(dm, next, err, sizeof(err))) {
        cfg_free(next);
        reject_reload(dm, "", err);
        return;
    }
    struct px_names *names = dm->px ? px_names_new(next) : NULL;
    if (names && reload_in_background(dm, next, names) == 0)
        return;
    apply_reload(dm, next, names); /* no names, or no thread: resolved inline */
    px_names_free(names);
}

/* daemon_ext.start's reload_cb: a reload asked for by the mode itself
 * (node-local discovery found a new server list). */
static void ext_reload(void *arg)
{
    struct daemon *dm = arg;
    on_reload(dm->loop, 0, dm);
}

static void on_terminate(struct ev_loop *loop, int signo, void *arg)
{
    struct daemon *dm = arg;
    dm->exit_signal = signo;
    log_info("main", NULL, "%s: shutting down", signo == SIGTERM ? "SIGTERM" : "SIGINT");
    sdn_stopping(&dm->sdn, signo == SIGTERM ? "shutting down (SIGTERM)" : "shutting down (SIGINT)");
    ev_stop(loop);
}

/* The proxy's last connection closed after SIGTERM (px_drain). */
static void on_drained(void *arg)
{
    struct daemon *dm = arg;
    ev_stop(dm->loop);
}

/* track_proxy: the proxy tells VRRP whether it has a usable server. */
static void on_proxy_health(const char *proxy, int healthy, void *arg)
{
    struct daemon *dm = arg;
    vrrp_proxy_health_set(dm->vrrp, proxy, healthy);
}

/* STATUS= for the service manager: "vi MASTER, apiserver 3/3 servers up". */
static void status_line(struct sbuf *r, void *arg)
{
    struct daemon *dm = arg;
    vrrp_status_line(dm->vrrp, r);
    px_status_line(dm->px, r);
    if (dm->job)
        sbuf_printf(r, "%sreload in progress", r->len ? ", " : "");
    else if (dm->last_reload_error[0])
        sbuf_printf(r, "%slast reload rejected", r->len ? ", " : "");
    if (!r->len)
        sbuf_puts(r, "running, nothing configured");
}

static void status_json(struct daemon *dm, struct sbuf *r)
{
    char sum[256];
    uint64_t now = ev_clock_ns();
    cfg_summary(dm->cfg, sum, sizeof(sum));
    sbuf_printf(r, "{\"version\":\"%s\",\"pid\":%d,\"uptime_s\":%.3f,", HAPLANE_VERSION,
                (int)getpid(), (double)(now - dm->started_ns) / NS_PER_S);
    if (dm->dropped) {
        sbuf_puts(r, "\"run_as\":{\"user\":");
        sbuf_json_str(r, dm->ids.user);
        sbuf_printf(r, ",\"uid\":%u,\"group\":", (unsigned)dm->ids.uid);
        sbuf_json_str(r, dm->ids.group);
        sbuf_printf(r,
                    ",\"gid\":%u,\"capabilities\":[\"CAP_NET_ADMIN\",\"CAP_NET_RAW\","
                    "\"CAP_NET_BIND_SERVICE\"]},",
                    (unsigned)dm->ids.gid);
    } else {
        sbuf_puts(r, "\"run_as\":null,");
    }
    sbuf_puts(r, "\"config\":{\"path\":");
    sbuf_json_str(r, dm->config_path);
    sbuf_printf(r, ",\"generation\":%u,\"loaded_s_ago\":%.3f,\"summary\":", dm->generation,
                (double)(now - dm->loaded_ns) / NS_PER_S);
    sbuf_json_str(r, sum);
    sbuf_printf(r, ",\"reload_pending\":%s", dm->job ? "true" : "false");
    sbuf_printf(r, ",\"reloads_rejected\":%u,\"last_reload_error\":", dm->reloads_rejected);
    if (dm->last_reload_error[0])
        sbuf_json_str(r, dm->last_reload_error);
    else
        sbuf_puts(r, "null");
    sbuf_printf(r,
                "},\"control\":{\"requests\":%lu,\"rejected\":%lu,\"evicted\":%lu,"
                "\"timed_out\":%lu,\"accept_errors\":%lu},",
                dm->ctl.requests, dm->ctl.rejected, dm->ctl.evicted, dm->ctl.timed_out,
                dm->ctl.accept_errors);
    sbuf_puts(r, "\"vrrp\":");
    vrrp_status_json(dm->vrrp, r);
    sbuf_puts(r, ",\"proxies\":");
    px_status_json(dm->px, r);
    if (dm->ext && dm->ext->status_json) {
        sbuf_puts(r, ",\"node_local\":");
        dm->ext->status_json(dm->ext->arg, r);
    }
    sbuf_puts(r, "}\n");
}

/* The metrics listener reads the same document as `status json`. */
static void metrics_status(struct sbuf *json, void *arg)
{
    status_json(arg, json);
}

static void status_text(struct daemon *dm, struct sbuf *r)
{
    char sum[256];
    uint64_t now = ev_clock_ns();
    cfg_summary(dm->cfg, sum, sizeof(sum));
    sbuf_printf(r, "haplane %s, pid %d, up %.1f s\n", HAPLANE_VERSION, (int)getpid(),
                (double)(now - dm->started_ns) / NS_PER_S);
    sbuf_printf(r, "config     %s (generation %u, loaded %.1f s ago)\n", dm->config_path,
                dm->generation, (double)(now - dm->loaded_ns) / NS_PER_S);
    sbuf_printf(r, "           %s\n", sum);
    if (dm->dropped)
        sbuf_printf(r, "privileges user %s (uid %u), group %s (gid %u); " PRIV_KEEP_NAMES " only\n",
                    dm->ids.user, (unsigned)dm->ids.uid, dm->ids.group, (unsigned)dm->ids.gid);
    if (dm->job)
        sbuf_printf(r, "reload     in progress: resolving %zu name%s\n",
                    px_names_count(dm->job->names), px_names_count(dm->job->names) == 1 ? "" : "s");
    if (dm->last_reload_error[0])
        sbuf_printf(r, "last reload REJECTED (running generation %u): %s\n", dm->generation,
                    dm->last_reload_error);
    if (dm->ctl.rejected || dm->ctl.evicted || dm->ctl.timed_out || dm->ctl.accept_errors)
        sbuf_printf(r,
                    "control    %lu answered, %lu rejected, %lu idle evicted, %lu timed out, "
                    "%lu accept errors\n",
                    dm->ctl.requests, dm->ctl.rejected, dm->ctl.evicted, dm->ctl.timed_out,
                    dm->ctl.accept_errors);
    vrrp_status_text(dm->vrrp, r);
    px_status_text(dm->px, r);
    if (dm->ext && dm->ext->status_text)
        dm->ext->status_text(dm->ext->arg, r);
}

static void on_control(const char *cmd, struct sbuf *reply, void *arg)
{
    struct daemon *dm = arg;
    if (strcmp(cmd, "status") == 0)
        status_text(dm, reply);
    else if (strcmp(cmd, "status json") == 0)
        status_json(dm, reply);
    else if (!px_ctl(dm->px, cmd, reply))
        sbuf_printf(reply,
                    "error: unknown command '%s' (commands: status, status json, "
                    "drain PROXY SERVER, undrain PROXY SERVER)\n",
                    cmd);
}

/* global_defs `realtime` and `mlockall`: keep the VRRP timers on time on a
 * loaded machine. Realtime applies to the calling (main) thread only; both
 * are best effort: a failure is logged, not fatal. */
static void apply_scheduling(const struct cfg_global *g)
{
    if (g->mlockall && mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT) < 0)
        log_warn("main", NULL, "mlockall: %m (continuing without)");
    else if (g->mlockall)
        log_info("main", NULL, "memory locked (mlockall)");
    if (g->realtime) {
        struct sched_param sp = {.sched_priority = 10};
        if (sched_setscheduler(0, SCHED_RR, &sp) < 0)
            log_warn("main", NULL, "realtime scheduling (SCHED_RR 10): %m (continuing without)");
        else
            log_info("main", NULL, "main loop runs with realtime scheduling (SCHED_RR 10)");
    }
}

/* Soft and hard limit at least want (never lowered); a failure is logged:
 * the feature then fails after the drop, logged there too. */
static void raise_limit(int res, rlim_t want, const char *what)
{
    struct rlimit rl;
    if (getrlimit(res, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want) {
        rl.rlim_cur = want;
        if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < want)
            rl.rlim_max = want;
        if (setrlimit(res, &rl) < 0)
            log_warn("main", NULL, "run_as: raising %s: %m", what);
    }
}

/* global_defs run_as: drop from root to that user now, before VRRP and
 * the proxy start (their raw, netlink and listening sockets are opened
 * with the three capabilities kept, which is also what a reload has) and
 * before any thread exists (priv/priv.h says why). The control socket,
 * created as root just before, stays root's: the daemon keeps its open
 * descriptor. Without run_as the daemon stays as started, and says so. */
static int drop_privileges(struct daemon *dm)
{
    const struct cfg_global *g = &dm->cfg->global;
    char err[300];
    bool bset_kept;
    if (!g->run_as) {
        if (geteuid() == 0)
            log_info("main", NULL,
                     "running as root with the capabilities it was started with; "
                     "global_defs `run_as USER` drops to USER keeping only " PRIV_KEEP_NAMES
                     " (docs/operations.md, Least privilege)");
        return 0;
    }
    if (priv_lookup(g->run_as, g->run_as_group, &dm->ids, err, sizeof(err)) < 0) {
        log_error("main", NULL, "%s", err);
        return -1;
    }
    /* mlockall and realtime are applied after the drop (apply_scheduling):
     * the limits that let an unprivileged process do them, raised as root */
    if (g->mlockall)
        raise_limit(RLIMIT_MEMLOCK, RLIM_INFINITY, "RLIMIT_MEMLOCK for mlockall");
    if (g->realtime)
        raise_limit(RLIMIT_RTPRIO, 10, "RLIMIT_RTPRIO for realtime");
    if (priv_drop(&dm->ids, &bset_kept, err, sizeof(err)) < 0) {
        log_error("main", NULL, "%s", err);
        return -1;
    }
    dm->dropped = true;
    log_info("main", NULL,
             "dropped privileges: running as user %s (uid %u), group %s (gid %u), with "
             "capabilities " PRIV_KEEP_NAMES " only, no_new_privs set; commands run as %s "
             "without capabilities",
             dm->ids.user, (unsigned)dm->ids.uid, dm->ids.group, (unsigned)dm->ids.gid,
             dm->ids.user);
    if (bset_kept)
        log_warn("main", NULL,
                 "run_as: the capability bounding set could not be reduced (no CAP_SETPCAP): "
                 "no_new_privs still keeps commands from gaining any capability");
    return 0;
}

static int setup(struct daemon *dm, const struct daemon_opts *o)
{
    char err[512];
    dm->loop = ev_loop_new();
    if (!dm->loop || ev_loop_set_precise(dm->loop) < 0) {
        log_error("main", NULL, "cannot create event loop: %m");
        return -1;
    }
    if (ev_signal_add(dm->loop, SIGHUP, on_reload, dm) < 0 ||
        ev_signal_add(dm->loop, SIGTERM, on_terminate, dm) < 0 ||
        ev_signal_add(dm->loop, SIGINT, on_terminate, dm) < 0) {
        log_error("main", NULL, "cannot set up signals: %m");
        return -1;
    }
    signal(SIGPIPE, SIG_IGN);
    if (ctl_open(&dm->ctl, dm->loop, o->control_path, on_control, dm, err, sizeof(err)) < 0) {
        log_error("ctl", NULL, "%s", err);
        return -1;
    }
    if (drop_privileges(dm) < 0)
        return -1;
    if (dm->cfg->ninstances) {
        dm->vrrp = vrrp_start(dm->loop, dm->cfg, err, sizeof(err));
        if (!dm->vrrp) {
            log_error("vrrp", NULL, "%s", err);
            return -1;
        }
    }
    dm->px = px_start(dm->loop, dm->cfg, err, sizeof(err));
    if (!dm->px) {
        log_error("px", NULL, "%s", err);
        return -1;
    }
    px_set_health_cb(dm->px, on_proxy_health, dm);
    vrrp_set_conns_source(dm->vrrp, take_conns, dm);
    if (mx_apply(&dm->mx, dm->loop, &dm->cfg->global.metrics_listen, metrics_status, dm, err,
                 sizeof(err)) < 0) {
        log_error("metrics", NULL, "%s", err);
        return -1;
    }
    if (dm->ext && dm->ext->start) {
        if (dm->ext->start(dm->ext->arg, dm->loop, ext_reload, dm, err, sizeof(err)) < 0) {
            log_error("main", NULL, "%s", err);
            return -1;
        }
        dm->ext_started = true;
    }
    return 0;
}

int daemon_run(const struct daemon_opts *o)
{
    struct daemon dm;
    char err[512];
    memset(&dm, 0, sizeof(dm));
    /* first: takes NOTIFY_SOCKET and WATCHDOG_* out of the environment
     * before any thread exists */
    sdn_init(&dm.sdn);
    /* before the proxy raises the fd limit: scripts get this one back */
    ev_child_save_limits();
    dm.ctl.fd = -1;
    dm.sources = &o->sources;
    dm.ext = o->ext;
    if (o->ext)
        snprintf(dm.config_path, sizeof(dm.config_path), "%s", o->ext->describe);
    else
        imp_describe(&o->sources, dm.config_path, sizeof(dm.config_path));
    dm.started_ns = ev_clock_ns();
    dm.cfg = load_config(&o->sources, o->ext, err, sizeof(err));
    if (!dm.cfg) {
        sdn_close(&dm.sdn);
        return 1;
    }
    dm.generation = 1;
    dm.loaded_ns = dm.started_ns;
    int rc = 1;
    log_info("main", NULL, "haplane %s starting, pid %d, control socket %s", HAPLANE_VERSION,
             (int)getpid(), o->control_path);
    log_summary(&dm, "loaded");
    if (setup(&dm, o) < 0)
        goto out;
    apply_scheduling(&dm.cfg->global);
    /* listeners bound, VRRP instances started, control socket open */
    sdn_ready(&dm.sdn, dm.loop, status_line, &dm);
    if (ev_run(dm.loop) < 0) {
        log_error("main", NULL, "event loop failed: %m");
        goto out;
    }
    rc = 0;
out:
    if (dm.ext_started && dm.ext->stop)
        dm.ext->stop(dm.ext->arg); /* no more reloads of its own */
    vrrp_shutdown(dm.vrrp); /* priority 0 and VIPs removed: a backup takes over now */
    dm.vrrp = NULL;
    /* then close the proxy's connections spread over its drain timeout
     * (a second SIGTERM ends that at once) */
    if (rc == 0 && px_drain(dm.px, on_drained, &dm) == 0 && ev_run(dm.loop) < 0)
        log_error("main", NULL, "event loop failed while draining: %m");
    px_stop(dm.px);
    mx_close(dm.mx);
    if (rc == 0)
        log_info("main", NULL, "stopped");
    ctl_close(&dm.ctl);
    sdn_close(&dm.sdn);
    ev_loop_free(dm.loop);
    cfg_free(dm.cfg);
    return rc;
}
