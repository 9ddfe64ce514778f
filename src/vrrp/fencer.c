/* fencer: `fence etcd { ... }` on the event loop: drives the fence state
 * machine (fence.h) with the etcd client (etcd-int.h) and the instance.
 *
 * It asks the machine for the next request whenever something changed (a
 * result, a VRRP state change, the timer), logs every change of the
 * machine's state with its reason, and re-evaluates the instance's
 * priority inputs when a verdict may have changed (the VRRP_IN_FENCE row
 * reads vrrp_fence_verdict). The master-down timer of a backup goes
 * through vrrp_fence_hold_back: the instance becomes master only once the
 * machine says so (it holds the key, or etcd has never answered, or it
 * was lost with on_etcd_loss keep).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vrrp/etcd-int.h"
#include "vrrp/etcdmsg.h"
#include "vrrp/fence.h"
#include "vrrp/vrrp-int.h"

struct vrrp_fencer {
    struct fence f;
    struct etcd_cli *cli;
    char key[256];   /* PREFIX + instance name */
    char ident[128]; /* our value under the key: router_id or host name */
    struct ev_timer t;
    uint64_t sent_ms; /* of the request in flight */
    bool pending;     /* the master-down timer ran out: take over once we hold the key */
    char last_error[160];
    char endpoint[64];
    struct log_ratelimit rl, rl_denied; /* etcd errors; denials (a backup retries often) */
};

static uint64_t now_ms(const struct vrrp_inst *in)
{
    return ev_now(in->v->loop) / NS_PER_MS;
}

static bool is_master(const struct vrrp_inst *in)
{
    return in->fsm.state == VRRP_STATE_MASTER;
}

/* Master, or a backup whose master-down timer ran out (and was not
 * re-armed by an advert since). */
static bool wants(const struct vrrp_inst *in)
{
    return is_master(in) || (in->fsm.state == VRRP_STATE_BACKUP && in->fence->pending &&
                             !ev_timer_active(&in->t_down));
}

static void kick(struct vrrp_inst *in);

static void on_timer(struct ev_loop *loop, struct ev_timer *t)
{
    kick(t->arg);
}

/* A backup that waited for the key now holds it: take over, unless an
 * advert re-armed the master-down timer meanwhile. */
static void take_over(struct vrrp_inst *in)
{
    struct vrrp_fencer *fc = in->fence;
    if (!fc->pending)
        return;
    fc->pending = false;
    if (in->fsm.state != VRRP_STATE_BACKUP || ev_timer_active(&in->t_down))
        return;
    struct vrrp_fsm_in f = {.detail = "etcd key acquired"};
    vrrp_inst_step(in, VRRP_EV_MASTER_DOWN, &f);
}

/* Log and act on what the machine reports. */
static void changed(struct vrrp_inst *in, unsigned ch)
{
    struct vrrp_fencer *fc = in->fence;
    const struct fence *f = &fc->f;
    if (ch & FENCE_CH_FIRST)
        log_info("vrrp", in->name, "fence: etcd answered (%s): fencing with key %s", fc->endpoint,
                 fc->key);
    if (ch & FENCE_CH_TTL)
        log_error("vrrp", in->name,
                  "fence: etcd granted a %lld s lease for ttl %u s (it raises a TTL below 1.5 "
                  "election timeouts): counting %u s",
                  (long long)f->granted_ttl, f->p.ttl_s, f->p.ttl_s);
    if (ch & FENCE_CH_STATE) {
        bool lost = f->state == FENCE_LOST;
        const char *mode = !lost       ? ""
                           : f->p.keep ? " (on_etcd_loss keep: heartbeat + VRRP alone decide)"
                                       : " (on_etcd_loss release: nobody may hold the VIP)";
        log_msg(lost ? LOG_ERROR : LOG_INFO, "vrrp", in->name, "fence %s: %s%s",
                fence_state_name(f->state), f->why, mode);
        if (lost)
            log_error("vrrp", in->name, "fence: etcd LOST, last error: %s", fc->last_error);
    }
    if (ch & FENCE_CH_DENIED)
        log_rl(&fc->rl_denied, now_ms(in), LOG_INFO, "vrrp", in->name,
               "fence: key %s is held by lease %llx of another member: staying backup", fc->key,
               (unsigned long long)f->holder);
    if (ch & FENCE_CH_ACQUIRED)
        log_info("vrrp", in->name, "fence: holding key %s with lease %llx (ttl %u s)", fc->key,
                 (unsigned long long)f->lease, f->p.ttl_s);
    if ((ch & FENCE_CH_DENIED) && fc->pending)
        vrrp_inst_preempt_advert(in);
    if (ch & (FENCE_CH_VERDICT | FENCE_CH_DENIED))
        vrrp_inst_retrack(in);
    if (ch & FENCE_CH_ACQUIRED)
        take_over(in);
}

static void on_reply(void *arg, int status, const char *body, size_t len, const char *err,
                     const char *endpoint)
{
    struct vrrp_inst *in = arg;
    struct vrrp_fencer *fc = in->fence;
    struct fence_reply r = {.req = fc->f.inflight, .sent_ms = fc->sent_ms};
    char why[160] = "";
    snprintf(fc->endpoint, sizeof(fc->endpoint), "%s", endpoint);
    if (err)
        snprintf(why, sizeof(why), "%s", err);
    else if (status != 200)
        etcd_msg_error(status, body, len, why, sizeof(why));
    else if (etcd_msg_parse(r.req, body, len, fc->ident, &r, why, sizeof(why)) == 0)
        r.ok = true;
    if (!r.ok) {
        r.err = why;
        snprintf(fc->last_error, sizeof(fc->last_error), "%s: %s", fence_req_name(r.req), why);
        log_rl(&fc->rl, now_ms(in), LOG_WARN, "vrrp", in->name, "fence: %s failed (%s): %s",
               fence_req_name(r.req), endpoint, why);
    }
    changed(in, fence_result(&fc->f, &r, now_ms(in)));
    kick(in);
}

/* Send what the machine asks for, or sleep until it wants something. */
static void kick(struct vrrp_inst *in)
{
    struct vrrp_fencer *fc = in->fence;
    uint64_t now = now_ms(in), wake;
    if (fc->f.inflight != FENCE_REQ_NONE)
        return;
    changed(in, fence_tick(&fc->f, now));
    enum fence_req req = fence_next(&fc->f, wants(in), is_master(in), now, &wake);
    uint64_t dl = fence_deadline_ms(&fc->f);
    if (req == FENCE_REQ_NONE) {
        if (dl && dl < wake)
            wake = dl;
        ev_timer_start_at(in->v->loop, &fc->t, wake * NS_PER_MS, on_timer, in);
        return;
    }
    char *body = etcd_msg_request(req, fc->key, fc->ident, fc->f.p.ttl_s, fc->f.lease);
    fc->sent_ms = now;
    if (!body || etcd_cli_post(fc->cli, etcd_msg_path(req), body, on_reply, in) < 0) {
        struct fence_reply r = {.req = req, .sent_ms = now, .err = "out of memory"};
        free(body);
        changed(in, fence_result(&fc->f, &r, now));
        ev_timer_start(in->v->loop, &fc->t, fc->f.p.retry_ms * NS_PER_MS, on_timer, in);
        return;
    }
    free(body);
    /* the deadline must be seen even while a request hangs */
    if (dl)
        ev_timer_start_at(in->v->loop, &fc->t, dl * NS_PER_MS, on_timer, in);
}

void vrrp_fence_kick(struct vrrp_inst *in)
{
    if (in->fence)
        kick(in);
}

int vrrp_fence_arbitrates(const struct vrrp_inst *in)
{
    return in->fence && (in->fence->f.state == FENCE_STANDBY || in->fence->f.state == FENCE_HELD);
}

int vrrp_fence_verdict(const struct vrrp_inst *in)
{
    return in->fence ? fence_verdict(&in->fence->f, is_master(in), now_ms(in)) : 1;
}

int vrrp_fence_hold_back(struct vrrp_inst *in)
{
    struct vrrp_fencer *fc = in->fence;
    if (!fc)
        return 0;
    enum fence_gate g = fence_gate(&fc->f, now_ms(in));
    if (g == FENCE_GO)
        return 0;
    if (g == FENCE_NO) {
        log_rl(&fc->rl, now_ms(in), LOG_WARN, "vrrp", in->name,
               "fence: master down, but etcd is lost (on_etcd_loss release): not taking over");
        return 2;
    }
    if (!fc->pending)
        log_info("vrrp", in->name, "fence: master down: acquiring key %s before taking over",
                 fc->key);
    fc->pending = true;
    kick(in);
    return 1;
}

/* With a fence held, the VIP must not outlive the lease: at most what is
 * left of it (whole seconds, at least 1, as the kernel counts). */
uint32_t vrrp_fence_vip_lifetime(const struct vrrp_inst *in, uint32_t life_s)
{
    uint64_t dl = in->fence ? fence_deadline_ms(&in->fence->f) : 0, now = now_ms(in);
    if (!dl || life_s == NL_LIFETIME_FOREVER)
        return life_s;
    uint64_t left = dl > now ? (dl - now) / 1000 : 0;
    return left < 1 ? 1 : left < life_s ? (uint32_t)left : life_s;
}

int vrrp_fence_start(struct vrrp_inst *in, char *err, size_t errlen)
{
    const struct cfg_fence *cf = &in->c->fence;
    if (!cf->on || in->fence)
        return 0;
    struct vrrp_fencer *fc = calloc(1, sizeof(*fc));
    if (!fc)
        return snprintf(err, errlen, "out of memory"), -1;
    uint64_t adv = in->c->advert_int_ms, ttl = cf->ttl_ms / 1000;
    struct fence_params p = {.ttl_s = (uint32_t)ttl,
                             .retry_ms = adv < 100   ? 100
                                         : adv > 500 ? 500
                                                     : adv,
                             .keep = cf->on_loss == CFG_ETCD_LOSS_KEEP};
    fence_init(&fc->f, &p);
    char obj[96];
    snprintf(obj, sizeof(obj), "%s/fence", in->name);
    /* one attempt: a third of the lease, so a dead endpoint leaves time
     * for the next one before the lease runs out */
    fc->cli = etcd_cli_new(in->v->loop, cf, ttl * 1000 / 3, obj, err, errlen);
    if (!fc->cli) {
        free(fc);
        return -1;
    }
    snprintf(fc->key, sizeof(fc->key), "%s%s",
             cf->key_prefix ? cf->key_prefix : CFG_FENCE_KEY_PREFIX, in->name);
    const char *rid = in->v->cfg->global.router_id;
    if (rid)
        snprintf(fc->ident, sizeof(fc->ident), "%s", rid);
    else if (gethostname(fc->ident, sizeof(fc->ident) - 1) < 0)
        snprintf(fc->ident, sizeof(fc->ident), "pid-%d", (int)getpid());
    fc->rl = (struct log_ratelimit){.interval_ms = 10000, .burst = 5};
    fc->rl_denied = fc->rl;
    fc->t.arg = in;
    in->fence = fc;
    log_info("vrrp", in->name,
             "fence etcd: key %s, ttl %u s, %zu endpoint(s), on_etcd_loss %s: waiting for etcd",
             fc->key, p.ttl_s, cf->nendpoints, p.keep ? "keep" : "release");
    kick(in);
    return 0;
}

static void on_revoked(void *arg, int status, const char *body, size_t len, const char *err,
                       const char *endpoint)
{
    struct ev_loop *loop = arg;
    if (err || status != 200)
        log_warn("vrrp", NULL, "fence: revoke at stop failed (%s): %s: the lease expires instead",
                 endpoint, err ? err : "HTTP error");
    ev_stop(loop);
}

static void on_revoke_timeout(struct ev_loop *loop, struct ev_timer *t)
{
    log_warn("vrrp", NULL, "fence: revoke at stop timed out: the lease expires instead");
    ev_stop(loop);
}

/* Revoke our lease before the process goes (the key goes with it, and a
 * backup takes over without waiting for the TTL). The engine's loop no
 * longer runs here: a private loop, bounded by a third of the TTL. */
static void revoke_now(struct vrrp_inst *in)
{
    struct vrrp_fencer *fc = in->fence;
    char err[160];
    struct ev_loop *loop = ev_loop_new();
    uint64_t limit = fc->f.p.ttl_s * 1000ULL / 3;
    struct etcd_cli *c =
        loop ? etcd_cli_new(loop, &in->c->fence, limit, in->name, err, sizeof(err)) : NULL;
    char *body = etcd_msg_request(FENCE_REQ_REVOKE, fc->key, fc->ident, 0, fc->f.lease);
    struct ev_timer t = {0};
    if (c && body &&
        etcd_cli_post(c, etcd_msg_path(FENCE_REQ_REVOKE), body, on_revoked, loop) == 0) {
        ev_timer_start(loop, &t, limit * NS_PER_MS, on_revoke_timeout, NULL);
        ev_run(loop);
        ev_timer_stop(loop, &t);
        log_info("vrrp", in->name, "fence: revoked lease %llx of key %s at stop",
                 (unsigned long long)fc->f.lease, fc->key);
    }
    free(body);
    etcd_cli_free(c);
    if (loop)
        ev_loop_free(loop);
}

/* Stop: a held lease is revoked (graceful stop, reload), then freed. */
void vrrp_fence_stop(struct vrrp_inst *in)
{
    struct vrrp_fencer *fc = in->fence;
    if (!fc)
        return;
    ev_timer_stop(in->v->loop, &fc->t);
    etcd_cli_free(fc->cli);
    fc->cli = NULL;
    if (fc->f.lease)
        revoke_now(in);
    free(fc);
    in->fence = NULL;
}

/* One status line. */
void vrrp_fence_text(const struct vrrp_inst *in, struct sbuf *b)
{
    const struct vrrp_fencer *fc = in->fence;
    const struct fence *f;
    if (!fc)
        return;
    f = &fc->f;
    if (f->state == FENCE_WAITING)
        sbuf_printf(b, "  fence: waiting for etcd (heartbeat + VRRP alone)%s%s\n",
                    fc->last_error[0] ? ", last error: " : "", fc->last_error);
    else if (f->state == FENCE_HELD)
        sbuf_printf(b, "  fence: holding %s, lease %llx, ttl %u s, via %s\n", fc->key,
                    (unsigned long long)f->lease, f->p.ttl_s, fc->endpoint);
    else if (f->state == FENCE_LOST)
        sbuf_printf(b, "  fence: ETCD LOST (%s), last error: %s\n",
                    f->p.keep ? "keep: heartbeat + VRRP alone" : "release: nobody holds the VIP",
                    fc->last_error);
    else
        sbuf_printf(b, "  fence: standby, %s %s%s\n", fc->key,
                    f->holder ? "held by another member's lease" : "free",
                    f->grace ? ", acquiring (grace)" : "");
}

void vrrp_fence_json(const struct vrrp_inst *in, struct sbuf *b)
{
    const struct vrrp_fencer *fc = in->fence;
    if (!fc) {
        sbuf_puts(b, "null");
        return;
    }
    const struct fence *f = &fc->f;
    uint64_t dl = fence_deadline_ms(f), now = now_ms(in);
    sbuf_printf(b, "{\"state\":\"%s\",\"key\":", fence_state_name(f->state));
    sbuf_json_str(b, fc->key);
    sbuf_printf(b, ",\"lease\":\"%llx\",\"ttl\":%u,\"granted_ttl\":%lld,\"holder\":",
                (unsigned long long)f->lease, f->p.ttl_s, (long long)f->granted_ttl);
    if (f->state == FENCE_HELD)
        sbuf_puts(b, "\"self\"");
    else if (f->holder)
        sbuf_printf(b, "\"%llx\"", (unsigned long long)f->holder);
    else
        sbuf_puts(b, "null");
    sbuf_printf(b, ",\"etcd_lost\":%s,\"on_etcd_loss\":\"%s\",\"grace\":%s,\"lease_left_s\":",
                f->state == FENCE_LOST ? "true" : "false", f->p.keep ? "keep" : "release",
                f->grace ? "true" : "false");
    if (dl)
        sbuf_printf(b, "%.3f", dl > now ? (dl - now) / 1e3 : 0.0);
    else
        sbuf_puts(b, "null");
    sbuf_puts(b, ",\"why\":");
    sbuf_json_str(b, f->why);
    sbuf_puts(b, ",\"last_error\":");
    sbuf_json_str(b, fc->last_error);
    sbuf_puts(b, ",\"endpoint\":");
    sbuf_json_str(b, fc->endpoint);
    sbuf_printf(b,
                ",\"acquired\":%llu,\"denied\":%llu,\"renewals\":%llu,\"errors\":%llu,"
                "\"losses\":%llu,\"endpoint_failovers\":%llu}",
                (unsigned long long)f->acquired, (unsigned long long)f->denied,
                (unsigned long long)f->renewals, (unsigned long long)f->errors,
                (unsigned long long)f->losses,
                (unsigned long long)(fc->cli ? etcd_cli_failovers(fc->cli) : 0));
}
