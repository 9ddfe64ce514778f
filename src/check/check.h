/* chk: active health checks of proxy servers, run on the main event loop.
 *
 * A chk_spec is one proxy's `check` line made ready to run (copied strings,
 * the TLS context); a chk_target is one server checked with it. A target
 * checks at once when created, then every `interval`, or `fast_interval`
 * while its health is between states (chk_state_transitional). Each check
 * (tcp: connect; http: request, status line; https: TLS first) ends in one
 * place, chk_done(), which feeds chk_state_step() and calls the target's
 * callback. Passive failures seen by the proxy (a refused connect...) enter
 * through chk_target_passive() and take the same path. The checker owns the
 * health state; nobody else changes it.
 *
 * Logs: module "chk", object "PROXY/SERVER"; every health change with its
 * reason at info (warn for down).
 */
#ifndef HAPLANE_CHECK_CHECK_H
#define HAPLANE_CHECK_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "check/check-t.h"
#include "conf/conf-t.h"
#include "ev/ev.h"

struct chk_spec;
struct chk_target;

/* Make a spec from a check configuration (copied: c may be freed after).
 * Loads the CA, certificate and key now, so that a bad file rejects the
 * configuration. Returns NULL with a message in err. Reference counted:
 * the creator holds one reference; each target takes its own. */
struct chk_spec *chk_spec_new(const struct cfg_check *c, char *err, size_t errlen);
void chk_spec_ref(struct chk_spec *s);
void chk_spec_unref(struct chk_spec *s);

/* What a check or a passive report just did, for the target's callback. */
struct chk_event {
    enum chk_result result;
    bool passive;
    int bits;           /* CHK_STEP_* from chk_state_step */
    const char *reason; /* why health changed; "" unless bits has CHANGED */
    const char *detail; /* e.g. "HTTP 503, expected 200"; "" when none */
};

/* Called on the main loop after every counted result. It must not free the
 * target. */
typedef void (*chk_cb)(struct chk_target *t, const struct chk_event *ev, void *arg);

/* Start checking the server at sa. obj names it in logs ("apiserver/master1",
 * copied). host: text form of the address for the Host field and for
 * certificate IP matching ("198.18.0.11:6443" / "198.18.0.11"), copied.
 * initial: state carried over a reload (copied), or NULL for CHK_ST_INIT.
 * The first check starts from the loop at once, except with `jitter` and
 * a steady initial state (a reload): then at a random point of the
 * interval. With `jitter`, the first steady delay after that is drawn from
 * (0, interval], then interval +- jitter %. NULL with err on failure. */
struct chk_target *chk_target_new(struct ev_loop *loop, struct chk_spec *spec, const char *obj,
                                  const struct sockaddr *sa, socklen_t salen, const char *host,
                                  const char *ip, const struct chk_state *initial, chk_cb cb,
                                  void *arg, char *err, size_t errlen);
/* Stop checking (an in-flight check is abandoned) and free. NULL is fine. */
void chk_target_free(struct chk_target *t);

/* A failure seen on proxied traffic (connect refused, unreachable, timed
 * out, hedged). Counts like a failed check, bounded by chk_state_passive: at
 * most one per check interval (fast_interval while the server is suspect,
 * that is between states) (others are counted in passive_discounted and
 * logged, rate-limited), and never the one that takes the last usable
 * server (others_usable false) down without an active check agreeing.
 * Neutral and pass results are ignored. */
void chk_target_passive(struct chk_target *t, enum chk_result r, bool others_usable);

const struct chk_state *chk_target_state(const struct chk_target *t);

/* Upper bounds of the check-duration histogram buckets, in microseconds
 * (fixed, Prometheus-style `le`; a last, implicit bucket is +Inf). */
#define CHK_DUR_NBUCKETS 10
extern const uint32_t chk_dur_bounds_us[CHK_DUR_NBUCKETS];

/* Counters and the last active result, for status. Main thread only
 * (checks complete on the main loop), so plain integers. */
struct chk_info {
    uint64_t checks;             /* completed active checks */
    uint64_t failures;           /* ... of which failed */
    uint64_t passive_failures;   /* reported by the proxy */
    uint64_t passive_discounted; /* ... of which not counted: one per check interval */
    enum chk_result last;        /* last active result */
    int last_status;             /* its HTTP status, 0 when none */
    uint32_t last_latency_us;    /* its duration */
    char detail[64];             /* its detail text */
    uint64_t changed_ns;         /* monotonic time of the last health change, 0 never */
    bool in_flight;              /* a check is running now */
    /* completed active checks by result; by duration bucket (not
     * cumulative, the last is +Inf), and their total duration */
    uint64_t results[CHK_R_COUNT];
    uint64_t dur_counts[CHK_DUR_NBUCKETS + 1];
    uint64_t dur_sum_us;
};
void chk_target_info(const struct chk_target *t, struct chk_info *out);

#endif
