/* track script: one vrrp_script, run every interval (keepalived 2.2.7
 * vrrp_scheduler.c vrrp_script_thread / vrrp_script_child_thread).
 *
 * Ticks are at a fixed rate (keepalived re-arms its timer before running the
 * script). A tick that finds the previous run still going, or still being
 * killed, skips its run and counts it: keepalived 2.2.7 logs "skipping run"
 * but runs again anyway (the early return is missing), which lets slow
 * scripts pile up; we do what its log line says. A timeout counts as a
 * failure at the deadline, while the kill sequence goes on (keepalived counts
 * it when the killed child is reaped, up to 4 s later).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "track/track-int.h"

/* ---- specs ---- */

void track_spec_free(struct track_spec *s)
{
    if (!s)
        return;
    for (size_t i = 0; s->argv && i < s->argc; i++)
        free(s->argv[i]);
    free(s->argv);
    free(s->name);
    free(s->user);
    free(s->group);
    free(s);
}

static char *dup_or_null(const char *s, bool *oom)
{
    char *d = s ? strdup(s) : NULL;
    if (s && !d)
        *oom = true;
    return d;
}

struct track_spec *track_spec_new(const struct cfg_vrrp_script *c)
{
    struct track_spec *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    bool oom = false;
    s->name = dup_or_null(c->name ? c->name : "?", &oom);
    s->user = dup_or_null(c->cmd.user, &oom);
    s->group = dup_or_null(c->cmd.group, &oom);
    s->argc = c->cmd.argv ? c->cmd.argc : 0;
    s->argv = calloc(s->argc + 1, sizeof(*s->argv));
    if (!s->argv)
        oom = true;
    for (size_t i = 0; s->argv && i < s->argc; i++)
        s->argv[i] = dup_or_null(c->cmd.argv[i] ? c->cmd.argv[i] : "", &oom);
    s->interval_ms = c->interval_ms ? c->interval_ms : 1000;
    s->timeout_ms = c->timeout_ms ? c->timeout_ms : s->interval_ms;
    s->rise = c->rise ? c->rise : 1;
    s->fall = c->fall ? c->fall : 1;
    s->tracked = c->tracked;
    if (oom) {
        track_spec_free(s);
        return NULL;
    }
    return s;
}

bool track_spec_same(const struct track_spec *a, const struct track_spec *b)
{
    if (strcmp(a->name, b->name) != 0 || a->argc != b->argc)
        return false;
    for (size_t i = 0; i < a->argc; i++)
        if (strcmp(a->argv[i], b->argv[i]) != 0)
            return false;
    return true;
}

/* ---- results ---- */

static void log_change(struct track_script *s, enum track_state from, const char *what)
{
    const struct track_counter *c = &s->ctr;
    if (from == TRACK_INIT)
        log_info("track", s->spec->name, "init -> %s: first run %s (%s)",
                 track_state_name(c->state), c->state == TRACK_UP ? "succeeded" : "failed", what);
    else if (c->state == TRACK_UP)
        log_info("track", s->spec->name, "down -> up: %u success%s in a row (%s)", c->rise,
                 c->rise == 1 ? "" : "es", what);
    else
        log_info("track", s->spec->name, "up -> down: %u failure%s in a row (%s)", c->fall,
                 c->fall == 1 ? "" : "s", what);
}

/* Account one result; tell the engine when the verdict moved. */
static void script_result(struct track_script *s, bool ok, const char *what)
{
    if (ok)
        s->successes++;
    else
        s->failures++;
    enum track_state from = s->ctr.state;
    if (track_counter_feed(&s->ctr, ok)) {
        log_change(s, from, what);
        track_changed(s->t);
    } else if (s->ctr.row) {
        log_debug("track", s->spec->name, "%s %u of %u in a row (%s)", ok ? "success" : "failure",
                  s->ctr.row, ok ? s->ctr.rise : s->ctr.fall, what);
    }
}

static void on_run(struct track_run *r, enum track_run_end how, int code)
{
    struct track_script *s = r->arg;
    if (how == TRACK_RUN_REAPED) {
        if (s->dying) {
            struct track *t = s->t;
            for (struct track_script **p = &t->dying; *p; p = &(*p)->next) {
                if (*p == s) {
                    *p = s->next;
                    break;
                }
            }
            track_spec_free(s->spec);
            free(s);
        }
        return;
    }
    char what[96];
    track_run_end_str(how, code, s->spec->timeout_ms, what, sizeof(what));
    s->has_last = true;
    s->last_how = how;
    s->last_code = code;
    s->last_duration_ms = (r->ended_ns - r->started_ns) / NS_PER_MS;
    if (how == TRACK_RUN_TIMEDOUT) {
        s->timeouts++;
        log_warn("track", s->spec->name, "%s: killing its process group", what);
    }
    if (how == TRACK_RUN_EXITED) {
        if (s->last_exit >= 0 && code != s->last_exit)
            log_info("track", s->spec->name, "now returning %d", code);
        s->last_exit = code;
    }
    script_result(s, how == TRACK_RUN_EXITED && code == 0, what);
}

/* ---- runs ---- */

static void on_tick(struct ev_loop *loop, struct ev_timer *tm);

static void schedule(struct track_script *s, uint64_t at_ns)
{
    s->next_ns = at_ns;
    ev_timer_start_at(s->t->loop, &s->tick, at_ns, on_tick, s);
}

/* Start a run. A start that fails (the command is not found in
 * TRACK_PATH, fork fails) counts as a failure; it is logged as an error
 * once per streak, not at every interval. */
static void script_spawn(struct track_script *s)
{
    s->runs++;
    if (track_run_start(&s->run, s->t->loop, s->spec->argv, &s->opts, s->spec->timeout_ms, on_run,
                        s) == 0) {
        s->spawn_streak = 0;
        return;
    }
    char what[192];
    track_start_error(s->spec->argv[0], errno, what, sizeof(what));
    s->spawn_errors++;
    if (s->spawn_streak++ == 0)
        log_error("track", s->spec->name, "%s", what);
    else
        log_debug("track", s->spec->name, "%s (%u times in a row)", what, s->spawn_streak);
    script_result(s, false, what);
}

static void on_tick(struct ev_loop *loop, struct ev_timer *tm)
{
    struct track_script *s = tm->arg;
    uint64_t now = ev_now(loop), step = s->spec->interval_ms * NS_PER_MS;
    uint64_t next = s->next_ns + step;
    schedule(s, next > now ? next : now + step);
    if (track_run_busy(&s->run)) {
        s->skipped++;
        if (s->skip_streak++ == 0)
            log_warn("track", s->spec->name, "previous run still %s: skipping this one",
                     s->run.phase == 1 ? "running" : "being killed");
        return;
    }
    s->skip_streak = 0;
    script_spawn(s);
}

/* ---- life cycle ---- */

struct track_script *track_script_new(struct track *t, struct track_spec *spec)
{
    struct track_script *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->t = t;
    s->spec = spec;
    s->last_exit = -1;
    /* init_fail is not in the model yet: keepalived's default, init. */
    track_counter_init(&s->ctr, spec->rise, spec->fall, false);
    return s;
}

/* Resolve the run-as user and the security check; refuse on failure. */
static void script_prepare(struct track_script *s)
{
    struct track_runas ra;
    char why[160];
    s->refused[0] = 0;
    s->user[0] = 0;
    if (s->spec->argc == 0) {
        snprintf(s->refused, sizeof(s->refused), "no command");
    } else if (track_runas_for(s->t, s->spec->argv[0], s->spec->user, s->spec->group, &ra, why,
                               sizeof(why)) < 0) {
        snprintf(s->refused, sizeof(s->refused), "%s", why);
    } else {
        s->opts =
            (struct ev_spawn_opts){.uid = ra.uid, .gid = ra.gid, .set_ids = ra.set_ids, .quiet = 1};
        snprintf(s->user, sizeof(s->user), "%s", ra.user);
    }
    if (s->refused[0])
        log_error("track", s->spec->name, "not run, counted as down: %s", s->refused);
}

void track_script_begin(struct track_script *s)
{
    bool was_refused = s->refused[0] != 0;
    script_prepare(s);
    if (s->refused[0]) {
        ev_timer_stop(s->t->loop, &s->tick);
        track_run_abort(&s->run);
        track_counter_force_down(&s->ctr);
        return;
    }
    if (!s->spec->tracked) {
        ev_timer_stop(s->t->loop, &s->tick);
        log_warn("track", s->spec->name, "not used by any track_script: not run (keepalived)");
        return;
    }
    if (was_refused)
        track_counter_init(&s->ctr, s->spec->rise, s->spec->fall, false);
    if (!ev_timer_active(&s->tick))
        schedule(s, ev_now(s->t->loop)); /* first run on the next iteration */
}

void track_script_respec(struct track_script *s, struct track_spec *spec)
{
    struct track_spec *old = s->spec;
    s->spec = spec;
    track_counter_retune(&s->ctr, spec->rise, spec->fall);
    if (ev_timer_active(&s->tick) && old->interval_ms != spec->interval_ms) {
        uint64_t last = s->next_ns - old->interval_ms * NS_PER_MS;
        uint64_t now = ev_now(s->t->loop), at = last + spec->interval_ms * NS_PER_MS;
        schedule(s, at > now ? at : now);
    }
    track_spec_free(old);
    track_script_begin(s);
}

void track_script_retire(struct track_script *s)
{
    ev_timer_stop(s->t->loop, &s->tick);
    if (!track_run_busy(&s->run)) {
        track_spec_free(s->spec);
        free(s);
        return;
    }
    log_info("track", s->spec->name, "removed: killing its running process group");
    s->dying = true;
    s->next = s->t->dying;
    s->t->dying = s;
    track_run_abort(&s->run);
}

void track_script_destroy(struct track_script *s, unsigned wait_ms)
{
    ev_timer_stop(s->t->loop, &s->tick);
    track_run_detach(&s->run, 1, wait_ms);
    track_spec_free(s->spec);
    free(s);
}

void track_script_json(const struct track_script *s, struct sbuf *out)
{
    const struct track_spec *p = s->spec;
    char what[96] = "";
    if (s->has_last)
        track_run_end_str(s->last_how, s->last_code, p->timeout_ms, what, sizeof(what));
    sbuf_puts(out, "{\"name\":");
    sbuf_json_str(out, p->name);
    sbuf_printf(out, ",\"state\":\"%s\",\"running\":%s,\"tracked\":%s,\"refused\":",
                track_state_name(s->ctr.state), track_run_busy(&s->run) ? "true" : "false",
                p->tracked ? "true" : "false");
    if (s->refused[0])
        sbuf_json_str(out, s->refused);
    else
        sbuf_puts(out, "null");
    sbuf_puts(out, ",\"user\":");
    sbuf_json_str(out, s->user);
    sbuf_puts(out, ",\"last_result\":");
    if (s->has_last)
        sbuf_json_str(out, what);
    else
        sbuf_puts(out, "null");
    if (s->has_last && s->last_how == TRACK_RUN_EXITED)
        sbuf_printf(out, ",\"last_exit\":%d", s->last_code);
    else
        sbuf_puts(out, ",\"last_exit\":null");
    sbuf_printf(out,
                ",\"last_duration_ms\":%llu,\"runs\":%llu,\"successes\":%llu,\"failures\":%llu,"
                "\"timeouts\":%llu,\"skipped\":%llu,\"spawn_errors\":%llu,\"row\":%u,"
                "\"rise\":%u,\"fall\":%u,\"interval_ms\":%llu,\"timeout_ms\":%llu}",
                (unsigned long long)s->last_duration_ms, (unsigned long long)s->runs,
                (unsigned long long)s->successes, (unsigned long long)s->failures,
                (unsigned long long)s->timeouts, (unsigned long long)s->skipped,
                (unsigned long long)s->spawn_errors, s->ctr.row, s->ctr.rise, s->ctr.fall,
                (unsigned long long)p->interval_ms, (unsigned long long)p->timeout_ms);
}
