/* fence: the etcd-lease fence's state machine. See fence.h. */
#include "vrrp/fence.h"

#include <stdio.h>
#include <string.h>

static const char *const state_names[FENCE_STATE_COUNT] = {"waiting", "standby", "held", "lost"};
static const char *const req_names[FENCE_REQ_COUNT] = {"none",     "range",     "grant", "acquire",
                                                       "take-own", "keepalive", "revoke"};

const char *fence_state_name(enum fence_state s)
{
    return (unsigned)s < FENCE_STATE_COUNT ? state_names[s] : "?";
}

const char *fence_req_name(enum fence_req r)
{
    return (unsigned)r < FENCE_REQ_COUNT ? req_names[r] : "?";
}

static uint64_t ttl_ms(const struct fence *f)
{
    return (uint64_t)f->p.ttl_s * 1000;
}

/* Renew (and poll) every third of the lease. */
static uint64_t renew_ms(const struct fence *f)
{
    return ttl_ms(f) / 3;
}

uint64_t fence_deadline_ms(const struct fence *f)
{
    return f->state == FENCE_HELD ? f->lease_from_ms + ttl_ms(f) : 0;
}

/* The only state assignment. */
static unsigned set_state(struct fence *f, enum fence_state s, const char *why)
{
    if (f->state == s)
        return 0;
    f->state = s;
    snprintf(f->why, sizeof(f->why), "%s", why);
    return FENCE_CH_STATE | FENCE_CH_VERDICT;
}

void fence_init(struct fence *f, const struct fence_params *p)
{
    memset(f, 0, sizeof(*f));
    f->p = *p;
    if (!f->p.ttl_s)
        f->p.ttl_s = 1;
    if (!f->p.retry_ms)
        f->p.retry_ms = 100;
    f->state = FENCE_WAITING;
    snprintf(f->why, sizeof(f->why), "waiting for etcd");
}

/* Not holding, wanting the key: a lease young enough to bet on (half its
 * TTL left) goes straight into the transaction; else a new one first. */
static enum fence_req acquire_step(const struct fence *f, uint64_t now)
{
    if (f->lease && now < f->lease_from_ms + ttl_ms(f) / 2)
        return f->holder && f->holder_ours ? FENCE_REQ_TAKE_OWN : FENCE_REQ_ACQUIRE;
    return FENCE_REQ_GRANT;
}

static enum fence_req choose(struct fence *f, bool wants, uint64_t now, uint64_t *wake)
{
    if (f->state == FENCE_HELD) {
        if (!wants)
            return FENCE_REQ_REVOKE;
        *wake = f->lease_from_ms + renew_ms(f);
        if (f->failing && f->next_ms > *wake)
            *wake = f->next_ms;
        return now >= *wake ? FENCE_REQ_KEEPALIVE : FENCE_REQ_NONE;
    }
    if (f->state == FENCE_STANDBY && wants) {
        *wake = f->try_ms;
        return now >= f->try_ms ? acquire_step(f, now) : FENCE_REQ_NONE;
    }
    *wake = f->next_ms; /* poll: who holds the key, is etcd there */
    return now >= f->next_ms ? FENCE_REQ_RANGE : FENCE_REQ_NONE;
}

enum fence_req fence_next(struct fence *f, bool wants, bool master, uint64_t now_ms,
                          uint64_t *wake_ms)
{
    uint64_t wake = now_ms + f->p.retry_ms;
    if (f->inflight != FENCE_REQ_NONE) {
        *wake_ms = wake;
        return FENCE_REQ_NONE;
    }
    enum fence_req r = choose(f, wants || master, now_ms, &wake);
    f->inflight = r;
    *wake_ms = wake > now_ms ? wake : now_ms;
    return r;
}

/* etcd answered (any request): first contact, or back after a loss. */
static unsigned answered(struct fence *f, uint64_t now)
{
    unsigned ch = 0;
    f->last_ok_ms = now;
    f->failing = false;
    if (f->state == FENCE_WAITING || f->state == FENCE_LOST) {
        ch = f->state == FENCE_WAITING ? FENCE_CH_FIRST : 0;
        ch |= set_state(f, FENCE_STANDBY,
                        f->state == FENCE_WAITING ? "etcd answered" : "etcd answers again");
        f->grace = true; /* a master acquires without the VIP moving */
        f->lease = 0;
    }
    return ch;
}

static unsigned on_txn(struct fence *f, const struct fence_reply *r, uint64_t now)
{
    if (r->succeeded) {
        f->holder = f->lease;
        f->holder_ours = true;
        f->grace = false;
        f->acquired++;
        return FENCE_CH_ACQUIRED | set_state(f, FENCE_HELD, "acquired the key") | FENCE_CH_VERDICT;
    }
    f->holder = r->has_kv ? r->kv_lease : 0;
    f->holder_ours = r->has_kv && r->kv_ours;
    f->try_ms = now + f->p.retry_ms;
    if (f->holder_ours) /* ours from an earlier run: take it over next */
        return 0;
    f->denied++;
    unsigned ch = f->grace ? FENCE_CH_VERDICT : 0;
    f->grace = false;
    return ch | FENCE_CH_DENIED;
}

static unsigned on_keepalive(struct fence *f, const struct fence_reply *r, uint64_t now)
{
    if (r->ttl > 0) {
        if (f->state == FENCE_HELD)
            f->lease_from_ms = r->sent_ms;
        f->renewals++;
        f->next_ms = now + renew_ms(f);
        return 0;
    }
    f->lease = 0;
    f->holder = 0;
    f->grace = false;
    return set_state(f, FENCE_STANDBY, "etcd says our lease is gone");
}

static unsigned on_ok(struct fence *f, const struct fence_reply *r, uint64_t now)
{
    unsigned ch = 0;
    switch (r->req) {
    case FENCE_REQ_RANGE:
        f->holder = r->has_kv ? r->kv_lease : 0;
        f->holder_ours = r->has_kv && r->kv_ours;
        f->next_ms = now + renew_ms(f);
        return 0;
    case FENCE_REQ_GRANT:
        f->lease = r->lease;
        f->lease_from_ms = r->sent_ms;
        f->granted_ttl = r->ttl;
        return r->ttl != (int64_t)f->p.ttl_s ? FENCE_CH_TTL : 0;
    case FENCE_REQ_ACQUIRE:
    case FENCE_REQ_TAKE_OWN:
        return on_txn(f, r, now);
    case FENCE_REQ_KEEPALIVE:
        return f->state == FENCE_HELD ? on_keepalive(f, r, now) : 0;
    case FENCE_REQ_REVOKE:
        f->lease = 0;
        f->holder = 0;
        ch = set_state(f, FENCE_STANDBY, "released the key");
        f->next_ms = now + renew_ms(f);
        return ch;
    default:
        return 0;
    }
}

unsigned fence_result(struct fence *f, const struct fence_reply *r, uint64_t now_ms)
{
    f->inflight = FENCE_REQ_NONE;
    if (!r->ok) {
        f->errors++;
        f->failing = true;
        /* renewals and acquisitions retry soon; polls (is etcd there yet,
         * who holds the key) keep their pace */
        f->try_ms = now_ms + f->p.retry_ms;
        f->next_ms = now_ms + (f->state == FENCE_HELD ? f->p.retry_ms : renew_ms(f));
        if (r->req == FENCE_REQ_REVOKE && f->state == FENCE_HELD) {
            f->lease = 0; /* we no longer want it: let it expire */
            return set_state(f, FENCE_STANDBY, "released the key (revoke failed: it expires)");
        }
        return fence_tick(f, now_ms);
    }
    unsigned ch = answered(f, now_ms);
    return ch | on_ok(f, r, now_ms) | fence_tick(f, now_ms);
}

unsigned fence_tick(struct fence *f, uint64_t now_ms)
{
    if (f->state == FENCE_HELD && now_ms >= fence_deadline_ms(f)) {
        f->lease = 0;
        f->holder = 0;
        f->grace = false;
        /* no request failed: we did not run (a freeze, a stalled host);
         * etcd may be fine and the key another's by now */
        if (!f->failing)
            return set_state(f, FENCE_STANDBY, "the lease ran out before a renewal was sent");
        f->losses++;
        return set_state(f, FENCE_LOST, "no renewal from etcd within the lease ttl");
    }
    if (f->state == FENCE_STANDBY && f->failing && now_ms >= f->last_ok_ms + ttl_ms(f)) {
        f->losses++;
        return set_state(f, FENCE_LOST, "no answer from etcd for a whole lease ttl");
    }
    return 0;
}

int fence_verdict(const struct fence *f, bool master, uint64_t now_ms)
{
    switch (f->state) {
    case FENCE_WAITING:
        return 1;
    case FENCE_LOST:
        return f->p.keep;
    case FENCE_HELD:
        return !master || now_ms < fence_deadline_ms(f);
    case FENCE_STANDBY:
        return !master || f->grace;
    default:
        return 0;
    }
}

enum fence_gate fence_gate(const struct fence *f, uint64_t now_ms)
{
    switch (f->state) {
    case FENCE_WAITING:
        return FENCE_GO;
    case FENCE_LOST:
        return f->p.keep ? FENCE_GO : FENCE_NO;
    case FENCE_HELD:
        return now_ms < fence_deadline_ms(f) ? FENCE_GO : FENCE_WAIT;
    default:
        return FENCE_WAIT;
    }
}
