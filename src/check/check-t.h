/* chk types: health-check results and the per-server health state.
 *
 * Types only; the functions are in check/state.h. Everything here is plain
 * data so that the config model, the proxy and the status/metrics code can
 * include it without pulling in the checker.
 */
#ifndef HAPLANE_CHECK_CHECK_T_H
#define HAPLANE_CHECK_CHECK_T_H

#include <stdbool.h>
#include <stdint.h>

/* Class of a result, for the fall/rise counters. */
enum chk_class {
    CHK_CLASS_PASS,    /* counts towards rise, resets the failure count */
    CHK_CLASS_FAIL,    /* counts towards fall, resets the success count */
    CHK_CLASS_NEUTRAL, /* our own fault (no fd, no memory): says nothing about the server */
};

/* Every way a check (or a proxied connect) can end: code, string, class.
 * This list is the one place to add a result; the string is what logs,
 * `haplane status` and metrics labels show. */
#define CHK_RESULTS(X)                                                                             \
    X(CHK_R_OK, "ok", CHK_CLASS_PASS)                                                              \
    X(CHK_R_REFUSED, "refused", CHK_CLASS_FAIL)                 /* RST to our SYN */               \
    X(CHK_R_UNREACHABLE, "unreachable", CHK_CLASS_FAIL)         /* no route, ICMP unreachable */   \
    X(CHK_R_CONNECT_TIMEOUT, "connect-timeout", CHK_CLASS_FAIL) /* no SYN-ACK in time */           \
    X(CHK_R_SLOW_CONNECT, "slow-connect", CHK_CLASS_FAIL) /* proxy: hedged, no SYN-ACK yet */      \
    X(CHK_R_RESET, "reset", CHK_CLASS_FAIL)               /* connection reset after connect */     \
    X(CHK_R_TIMEOUT, "timeout", CHK_CLASS_FAIL)           /* connected, no full answer in time */  \
    X(CHK_R_TLS_FAILED, "tls-failed", CHK_CLASS_FAIL)     /* handshake failed */                   \
    X(CHK_R_TLS_VERIFY_FAILED, "tls-verify-failed", CHK_CLASS_FAIL) /* certificate rejected */     \
    X(CHK_R_CLOSED_EARLY, "closed-early", CHK_CLASS_FAIL) /* EOF before a complete answer */       \
    X(CHK_R_BAD_RESPONSE, "bad-response", CHK_CLASS_FAIL) /* not valid HTTP */                     \
    X(CHK_R_BAD_STATUS, "bad-status", CHK_CLASS_FAIL)     /* valid HTTP, unexpected status */      \
    X(CHK_R_INTERNAL_ERROR, "internal-error", CHK_CLASS_NEUTRAL) /* local failure */

#define CHK_R_ENUM_(code, str, cls) code,
enum chk_result { CHK_RESULTS(CHK_R_ENUM_) CHK_R_COUNT };
#undef CHK_R_ENUM_

/* Health of one server as the checker sees it.
 *
 *   INIT --pass--> UP         INIT --fail--> DOWN
 *   UP --fail--> GOING_DOWN --(fall fails in a row)--> DOWN
 *   DOWN --pass--> GOING_UP --(rise passes in a row)--> UP
 *   GOING_DOWN --pass--> UP   GOING_UP --fail--> DOWN
 *
 * UP and GOING_DOWN take traffic; INIT, DOWN and GOING_UP do not. The GOING_*
 * states (and INIT) are where a checker uses its faster interval. */
enum chk_health {
    CHK_ST_INIT,
    CHK_ST_UP,
    CHK_ST_GOING_DOWN,
    CHK_ST_DOWN,
    CHK_ST_GOING_UP,
    CHK_ST_COUNT
};

/* Thresholds, as in keepalived/haproxy: fall consecutive failures take a
 * server down, rise consecutive passes bring it up. 0 is taken as 1. */
struct chk_params {
    unsigned fall;
    unsigned rise;
};

/* Per-server state; owned by whoever owns the server (the checker). */
struct chk_state {
    enum chk_health health;
    unsigned fails;       /* consecutive failures (active and passive), saturating */
    unsigned passes;      /* consecutive active passes, saturating */
    enum chk_result last; /* last result that counted (not neutral, not passive ok) */
    bool last_passive;    /* ... and whether it came from proxied traffic */
    bool active_fail;     /* the current failure streak holds a failed active check */
    bool passive_seen;    /* a passive failure has counted (passive_ns is valid) */
    uint64_t passive_ns;  /* when the last passive failure counted (caller's clock) */
};

/* What the proxy knows when it reports a passive failure (chk_state_passive). */
struct chk_passive {
    uint64_t now_ns;      /* the caller's monotonic clock */
    uint64_t interval_ns; /* the check interval now (fast_interval while between
                             states): at most one passive failure counts per one */
    bool others_usable;   /* another server of the proxy takes new connections */
};

/* chk_state_step() return bits. */
#define CHK_STEP_CHANGED 0x1 /* health changed (any of the five states) */
#define CHK_STEP_ROUTING 0x2 /* chk_state_usable() changed: tell the proxy */
#define CHK_STEP_DISCOUNTED                                                                        \
    0x4                   /* passive failure not counted: one already counted within the interval */
#define CHK_STEP_HELD 0x8 /* passive failure counted, but the last usable server stays usable */

#endif
