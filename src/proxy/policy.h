/* px_policy: the proxy's small decisions, kept pure so that they can be
 * unit-tested: connection budget, which failures are retried or count
 * against a server, when a session times out, how draining is spread.
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
 * reset. Our own failures (internal-error: no fd, no memory) are not. */
bool px_result_retryable(enum chk_result r);

/* A failure that counts against the server (passive health): only the
 * connect phase (refused, unreachable, connect-timeout), as in haproxy's
 * observe layer4; a reset after connect may be the client's doing. */
bool px_result_passive(enum chk_result r);

/* What a session timer found. */
enum px_tmo { PX_TMO_NONE, PX_TMO_IDLE, PX_TMO_DRAIN };

/* An established session: last byte moved at last_active, idle timeout
 * idle_ns, drain_at (0: not draining). Returns what to do at `now`; for
 * PX_TMO_NONE, *next is when to look again (the earlier deadline).
 * Draining wins over idle when both are due. */
enum px_tmo px_timeout_check(uint64_t now, uint64_t last_active, uint64_t idle_ns,
                             uint64_t drain_at, uint64_t *next);

/* When to close one connection of a drained server: now + a uniform
 * random share of drain_ns (rnd: any random 64-bit value), so that the
 * clients of a failed server come back spread over drain_ns instead of all
 * at once. An earlier existing deadline (cur, 0 = none) is kept. */
uint64_t px_drain_deadline(uint64_t now, uint64_t drain_ns, uint64_t rnd, uint64_t cur);

/* 1 if at least one server could take a new connection (healthy, weight >
 * 0, not draining; backups count), else 0. track_proxy follows this. */
int px_health_of(const struct px_srv_view *v, size_t n);

#endif
