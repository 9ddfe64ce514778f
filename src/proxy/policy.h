/* px_policy: the proxy's small decisions, kept pure so that they can be
 * unit-tested: connection budget, which failures are retried or count
 * against a server, the hedged-connect race, when a session times out, how
 * fast a down server's connections are closed and how that is spread.
 * No I/O, no clock (times are passed in), no global state.
 */
#ifndef HAPLANE_PROXY_POLICY_H
#define HAPLANE_PROXY_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "check/check-t.h"
#include "proxy/balance.h"

/* File descriptors kept out of the connection budget: listeners, epoll and
 * event fds, a spare fd per worker, checks, control socket, logs, the idle
 * pipes of the workers' pools (at most a quarter of it: px_pool_pipes_max)
 * and pipes in flight. */
#define PX_FD_RESERVE 256

/* `maxconn auto`: an idle proxied connection costs 2 descriptors (client
 * and server; pipes are taken only while bytes are in flight), so the
 * budget is (nofile - PX_FD_RESERVE) / 2, at least 1. With the 20,000
 * hard limit: 9,872. */
uint32_t px_maxconn_auto(uint64_t nofile);

/* How many idle pipes each of nworkers workers may keep: together at most
 * a quarter of PX_FD_RESERVE (2 fds a pipe), at most per_worker_max each.
 * They used to take up to 64 per worker, so with 2 workers the whole
 * reserve, and idle clients below maxconn hung in the listen queue. */
unsigned px_pool_pipes_max(uint32_t nworkers, unsigned per_worker_max);

/* `workers auto` (0): one per CPU; also clamps to 1..max. */
uint32_t px_workers_resolve(uint32_t configured, long ncpu, uint32_t max);

/* A failed connect (or a reset before the server sent anything) that is
 * worth trying on the next server: refused, unreachable, connect-timeout,
 * slow-connect (what a hedge does), reset. Our own failures (internal-error: no fd, no memory) are
 * not. */
bool px_result_retryable(enum chk_result r);

/* A failure that counts against the server (passive health): only the
 * connect phase (refused, unreachable, connect-timeout, and slow-connect:
 * no answer within the hedge delay), as in haproxy's observe layer4; a
 * reset after connect may be the client's doing. */
bool px_result_passive(enum chk_result r);

/* ---- hedged connects ----
 *
 * A session that is connecting (no byte sent to a server yet, so nothing is
 * lost by switching) has a primary connect and at most one hedge in flight.
 * When the primary has had no answer for hedge_ns (`timeout hedge`), a
 * second connect starts to the next eligible server not tried yet (the
 * balancer's pick with the tried servers excluded); the first of the two to
 * complete carries the session and the other is closed. A hedge is an
 * attempt like a retry: it needs one left (may_hedge: attempts <= retries),
 * and each primary is hedged at most once. If the primary fails while the
 * hedge is in flight, the hedge becomes the primary (and may be hedged in
 * turn); if the hedge fails, the primary goes on alone. Each connect keeps
 * its own connect timeout. The caller keeps one timer per session, armed at
 * *next. Times are the caller's monotonic nanoseconds. */
struct px_race {
    uint64_t p_start; /* the primary connect started */
    uint64_t h_start; /* the hedge started (valid while hedging) */
    bool hedging;     /* a hedge is in flight */
    bool h_used;      /* this primary was hedged (or could not be): not again */
};

/* What the session timer must do now. */
enum px_race_tick {
    PX_RACE_WAIT,            /* nothing due: re-arm at *next */
    PX_RACE_HEDGE,           /* start the hedge (then ask again) */
    PX_RACE_PRIMARY_TIMEOUT, /* the primary's connect timed out */
    PX_RACE_HEDGE_TIMEOUT,   /* the hedge's connect timed out */
};

/* A new primary connect starts at now (first attempt or a retry). */
void px_race_start(struct px_race *r, uint64_t now);

/* At now: the action due (timeouts first, the primary's before the hedge's,
 * then the hedge), and in *next the earliest deadline still pending after
 * that action is taken (now when another action is due). hedge_ns 0: off;
 * a hedge delay not shorter than connect_ns never hedges. */
enum px_race_tick px_race_tick(const struct px_race *r, uint64_t now, uint64_t connect_ns,
                               uint64_t hedge_ns, bool may_hedge, uint64_t *next);

/* The hedge was started at now (hedging), or could not be (ok false: no
 * server to race, no socket): the primary goes on alone. */
void px_race_hedged(struct px_race *r, uint64_t now, bool ok);

/* How a race goes on when one side completes. */
enum px_race_end {
    PX_RACE_USE_PRIMARY, /* the primary connected: close the hedge if any */
    PX_RACE_USE_HEDGE,   /* the hedge connected first: close the primary, use it */
    PX_RACE_PROMOTE,     /* the primary failed: the hedge in flight becomes the primary */
    PX_RACE_GO_ON,       /* the hedge failed: the primary goes on alone */
    PX_RACE_RETRY,       /* the primary failed, nothing in flight: retry (or give up) */
};

/* One side completed: hedge says which, ok whether it connected. Updates r
 * (after PX_RACE_PROMOTE the hedge's start is the primary's). */
enum px_race_end px_race_done(struct px_race *r, bool hedge, bool ok);

/* What a session timer found. */
enum px_tmo { PX_TMO_NONE, PX_TMO_IDLE, PX_TMO_DRAIN };

/* An established session: last byte moved at last_active, idle timeout
 * idle_ns, drain_at (0: not draining). Returns what to do at `now`; for
 * PX_TMO_NONE, *next is when to look again (the earlier deadline).
 * Draining wins over idle when both are due. */
enum px_tmo px_timeout_check(uint64_t now, uint64_t last_active, uint64_t idle_ns,
                             uint64_t drain_at, uint64_t *next);

/* How long the established connections of a server just marked down (by
 * result why) are spread over: a server that does not answer (connect or
 * check timed out, unreachable, refused, reset, hedged) is dead for its
 * clients too, so they are cut within PX_CUT_NS (or drain_ns if shorter)
 * and re-establish their watches elsewhere; a server that answers but is
 * not ready (bad-status: /readyz 503 in a graceful shutdown) or answers
 * wrongly keeps the proxy's drain_ns, as its connections still work. */
#define PX_CUT_NS (1000 * 1000 * 1000ULL)
bool px_result_no_answer(enum chk_result r);
uint64_t px_down_drain_ns(enum chk_result why, uint64_t drain_ns);

/* When to close one connection of a drained server: now + a uniform
 * random share of drain_ns (rnd: any random 64-bit value), so that the
 * clients of a failed server come back spread over drain_ns instead of all
 * at once. An earlier existing deadline (cur, 0 = none) is kept. */
uint64_t px_drain_deadline(uint64_t now, uint64_t drain_ns, uint64_t rnd, uint64_t cur);

/* 1 if at least one server could take a new connection (healthy, weight >
 * 0, not draining; backups count), else 0. track_proxy follows this. */
int px_health_of(const struct px_srv_view *v, size_t n);

#endif
