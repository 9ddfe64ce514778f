/* chk_state: health-check results and the per-server fall/rise state machine.
 *
 * Pure: no I/O, no clock, no global state. The checker (active checks) and
 * the proxy (passive failures of proxied connects) feed results into
 * chk_state_step(); it is the only code that changes chk_state.health.
 *
 * Initial state: a server starts in CHK_ST_INIT, which takes no traffic; its
 * first counted result decides at once (pass -> UP, failure -> DOWN). Why, for
 * an API-server balancer:
 *   - starting UP (haproxy's default) sends clients, and VRRP's track_proxy,
 *     to servers nobody has checked: right after boot or on a node whose
 *     apiservers are still down, this node would claim the VIP with dead
 *     backends and clients would eat fall x interval of failures;
 *   - starting DOWN and demanding `rise` passes costs rise x interval (2 s in
 *     the default config) of "no backend" on every start, for nothing: the
 *     first /readyz 200 is as good a proof as the second one here, because a
 *     starting server is not flapping yet.
 * After that first result the normal fall/rise hysteresis applies. A reload
 * should carry each server's state over (chk_state_init with UP/DOWN, or copy
 * the struct) rather than go back to INIT.
 */
#ifndef HAPLANE_CHECK_STATE_H
#define HAPLANE_CHECK_STATE_H

#include <stdbool.h>
#include <stddef.h>

#include "check/check-t.h"

/* "ok", "refused", ...; "unknown" outside the enum. */
const char *chk_result_str(enum chk_result r);
/* CHK_CLASS_*; CHK_CLASS_NEUTRAL outside the enum. */
enum chk_class chk_result_class(enum chk_result r);
/* "refused" -> CHK_R_REFUSED; returns -1 if unknown. */
int chk_result_parse(const char *s, enum chk_result *out);

/* Map a socket errno to a result. connecting: the error came while the TCP
 * connect was in progress (SO_ERROR after EPOLLOUT, or connect() itself).
 * ETIMEDOUT -> connect-timeout / timeout; ECONNREFUSED -> refused;
 * ECONNRESET, EPIPE -> reset; EHOSTUNREACH,
 * ENETUNREACH, EHOSTDOWN, ENETDOWN, EADDRNOTAVAIL -> unreachable;
 * resource errors (EMFILE, ENFILE, ENOBUFS, ENOMEM) and anything else ->
 * internal-error, which does not count against the server. */
enum chk_result chk_result_from_errno(int err, bool connecting);

/* "init", "up", "going-down", "down", "going-up"; "unknown" outside. */
const char *chk_health_str(enum chk_health h);

/* Start a server in `initial` (CHK_ST_INIT normally; UP or DOWN to carry a
 * state over a reload). Other values are taken as INIT. Counters zeroed. */
void chk_state_init(struct chk_state *st, enum chk_health initial);

/* True if the proxy may send new connections: UP or GOING_DOWN. */
bool chk_state_usable(const struct chk_state *st);
/* True in INIT, GOING_UP and GOING_DOWN: the checker's fast interval. */
bool chk_state_transitional(const struct chk_state *st);

/* Feed one result. passive: it comes from proxied traffic, not from a check;
 * here a passive failure counts like an active one (the proxy's failures go
 * through chk_state_passive, which bounds them first), a passive pass is
 * ignored (a server that accepts TCP but answers /readyz 500 must still go
 * down). A neutral result (internal-error) changes nothing.
 *
 * Returns CHK_STEP_* bits (0 if nothing changed). When health changed and
 * reason is not NULL, writes why into reason (len bytes), e.g.
 * "3 consecutive failures: timeout", "2 consecutive passes",
 * "first check failed: refused"; otherwise writes "". */
int chk_state_step(struct chk_state *st, const struct chk_params *p, enum chk_result res,
                   bool passive, char *reason, size_t len);

/* Feed one passive failure (a proxied connect refused, unreachable or timed
 * out), with two bounds that keep a short overload from becoming an outage
 * (a burst of connects overflowing a server's listen queue fails many of
 * them within milliseconds, on every server at once):
 *
 *   - rate: at most one passive failure counts per check interval
 *     (ctx->interval_ns, measured from the last one that counted). Others
 *     change nothing and return CHK_STEP_DISCOUNTED.
 *   - last server: when no other server of the proxy is usable
 *     (ctx->others_usable false), passive failures alone never make this one
 *     unusable: where the table says DOWN it stays GOING_DOWN (CHK_STEP_HELD
 *     is set, the failure is counted) until an active check agrees, that is
 *     until the failure streak holds a failed active check. A passing check
 *     brings it back UP as usual.
 *
 * res must be a failure (CHK_CLASS_FAIL); anything else changes nothing.
 * Returns CHK_STEP_* bits; reason as for chk_state_step, and with
 * CHK_STEP_HELD always (why the server stays in service). */
int chk_state_passive(struct chk_state *st, const struct chk_params *p, enum chk_result res,
                      const struct chk_passive *ctx, char *reason, size_t len);

#endif
