/* chk_state: check results and the fall/rise state machine (see state.h). */
#include "check/state.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#define CHK_R_STR_(code, str, cls) [code] = str,
static const char *const chk_result_names[CHK_R_COUNT] = {CHK_RESULTS(CHK_R_STR_)};
#undef CHK_R_STR_

#define CHK_R_CLASS_(code, str, cls) [code] = cls,
static const enum chk_class chk_result_classes[CHK_R_COUNT] = {CHK_RESULTS(CHK_R_CLASS_)};
#undef CHK_R_CLASS_

static const char *const chk_health_names[CHK_ST_COUNT] = {
    [CHK_ST_INIT] = "init",
    [CHK_ST_UP] = "up",
    [CHK_ST_GOING_DOWN] = "going-down",
    [CHK_ST_DOWN] = "down",
    [CHK_ST_GOING_UP] = "going-up",
};

const char *chk_result_str(enum chk_result r)
{
    if ((unsigned)r >= CHK_R_COUNT)
        return "unknown";
    return chk_result_names[r];
}

enum chk_class chk_result_class(enum chk_result r)
{
    if ((unsigned)r >= CHK_R_COUNT)
        return CHK_CLASS_NEUTRAL;
    return chk_result_classes[r];
}

int chk_result_parse(const char *s, enum chk_result *out)
{
    unsigned i;

    for (i = 0; i < CHK_R_COUNT; i++) {
        if (strcmp(s, chk_result_names[i]) == 0) {
            *out = (enum chk_result)i;
            return 0;
        }
    }
    return -1;
}

enum chk_result chk_result_from_errno(int err, bool connecting)
{
    switch (err) {
    case ECONNREFUSED:
        return CHK_R_REFUSED;
    case ETIMEDOUT:
        return connecting ? CHK_R_CONNECT_TIMEOUT : CHK_R_TIMEOUT;
    case ECONNRESET:
    case EPIPE:
        return CHK_R_RESET;
    case EHOSTUNREACH:
    case ENETUNREACH:
    case EHOSTDOWN:
    case ENETDOWN:
    case EADDRNOTAVAIL:
        return CHK_R_UNREACHABLE;
    default:
        return CHK_R_INTERNAL_ERROR;
    }
}

const char *chk_health_str(enum chk_health h)
{
    if ((unsigned)h >= CHK_ST_COUNT)
        return "unknown";
    return chk_health_names[h];
}

void chk_state_init(struct chk_state *st, enum chk_health initial)
{
    memset(st, 0, sizeof(*st));
    st->health = (initial == CHK_ST_UP || initial == CHK_ST_DOWN) ? initial : CHK_ST_INIT;
    st->last = CHK_R_OK;
}

bool chk_state_usable(const struct chk_state *st)
{
    return st->health == CHK_ST_UP || st->health == CHK_ST_GOING_DOWN;
}

bool chk_state_transitional(const struct chk_state *st)
{
    return st->health == CHK_ST_INIT || st->health == CHK_ST_GOING_UP ||
           st->health == CHK_ST_GOING_DOWN;
}

/* The transition table: for each state, where a pass and a failure lead,
 * depending on whether the consecutive count has reached its threshold
 * (rise for passes, fall for failures). Nothing else assigns health. */
struct chk_next {
    enum chk_health pass_below, pass_reached;
    enum chk_health fail_below, fail_reached;
};

static const struct chk_next chk_table[CHK_ST_COUNT] = {
    [CHK_ST_INIT] = {CHK_ST_UP, CHK_ST_UP, CHK_ST_DOWN, CHK_ST_DOWN},
    [CHK_ST_UP] = {CHK_ST_UP, CHK_ST_UP, CHK_ST_GOING_DOWN, CHK_ST_DOWN},
    [CHK_ST_GOING_DOWN] = {CHK_ST_UP, CHK_ST_UP, CHK_ST_GOING_DOWN, CHK_ST_DOWN},
    [CHK_ST_DOWN] = {CHK_ST_GOING_UP, CHK_ST_UP, CHK_ST_DOWN, CHK_ST_DOWN},
    [CHK_ST_GOING_UP] = {CHK_ST_GOING_UP, CHK_ST_UP, CHK_ST_DOWN, CHK_ST_DOWN},
};

static unsigned sat_inc(unsigned v)
{
    return v == UINT_MAX ? v : v + 1;
}

static const char *plural(unsigned n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

/* Explain the move from `from` to st->health. prev: the count of the other
 * kind (passes before a failure, failures before a pass) that was reset. */
static void explain(const struct chk_state *st, enum chk_health from, unsigned prev,
                    const struct chk_params *p, char *buf, size_t len)
{
    const char *res = chk_result_str(st->last);
    const char *src = st->last_passive ? " (passive)" : "";
    enum chk_health to = st->health;

    if (from == CHK_ST_INIT && to == CHK_ST_UP)
        snprintf(buf, len, "first check passed");
    else if (from == CHK_ST_INIT)
        snprintf(buf, len, "first check failed: %s%s", res, src);
    else if (to == CHK_ST_GOING_DOWN)
        snprintf(buf, len, "failure %u of %u: %s%s", st->fails, p->fall, res, src);
    else if (to == CHK_ST_GOING_UP)
        snprintf(buf, len, "pass %u of %u", st->passes, p->rise);
    else if (to == CHK_ST_DOWN && from == CHK_ST_GOING_UP)
        snprintf(buf, len, "failed after %u of %u passes: %s%s", prev, p->rise, res, src);
    else if (to == CHK_ST_DOWN)
        snprintf(buf, len, "%u consecutive %s: %s%s", st->fails,
                 plural(st->fails, "failure", "failures"), res, src);
    else if (from == CHK_ST_GOING_DOWN)
        snprintf(buf, len, "passed after %u of %u failures", prev, p->fall);
    else
        snprintf(buf, len, "%u consecutive %s", st->passes, plural(st->passes, "pass", "passes"));
}

int chk_state_step(struct chk_state *st, const struct chk_params *p, enum chk_result res,
                   bool passive, char *reason, size_t len)
{
    struct chk_params prm = {p->fall ? p->fall : 1, p->rise ? p->rise : 1};
    enum chk_class cls = chk_result_class(res);
    const struct chk_next *next = &chk_table[st->health];
    enum chk_health from = st->health;
    bool was_usable = chk_state_usable(st);
    unsigned prev;
    int ret = 0;

    if (reason != NULL && len > 0)
        reason[0] = '\0';
    if (cls == CHK_CLASS_NEUTRAL || (cls == CHK_CLASS_PASS && passive))
        return 0;
    st->last = res;
    st->last_passive = passive;
    if (cls == CHK_CLASS_PASS) {
        prev = st->fails;
        st->fails = 0;
        st->active_fail = false;
        st->passes = sat_inc(st->passes);
        st->health = st->passes >= prm.rise ? next->pass_reached : next->pass_below;
    } else {
        prev = st->passes;
        st->passes = 0;
        st->fails = sat_inc(st->fails);
        st->active_fail |= !passive;
        st->health = st->fails >= prm.fall ? next->fail_reached : next->fail_below;
    }
    if (st->health != from) {
        ret |= CHK_STEP_CHANGED;
        if (reason != NULL && len > 0)
            explain(st, from, prev, &prm, reason, len);
    }
    if (chk_state_usable(st) != was_usable)
        ret |= CHK_STEP_ROUTING;
    return ret;
}

/* The rate bound of chk_state_passive: true if a passive failure counted
 * less than an interval ago. */
static bool passive_too_soon(const struct chk_state *st, const struct chk_passive *ctx)
{
    return st->passive_seen && ctx->now_ns >= st->passive_ns &&
           ctx->now_ns - st->passive_ns < ctx->interval_ns;
}

int chk_state_passive(struct chk_state *st, const struct chk_params *p, enum chk_result res,
                      const struct chk_passive *ctx, char *reason, size_t len)
{
    unsigned fall = p->fall ? p->fall : 1;

    if (reason != NULL && len > 0)
        reason[0] = '\0';
    if (chk_result_class(res) != CHK_CLASS_FAIL)
        return 0;
    if (passive_too_soon(st, ctx))
        return CHK_STEP_DISCOUNTED;
    st->passive_seen = true;
    st->passive_ns = ctx->now_ns;
    /* would this failure make the last usable server unusable, with no
     * active check in the streak to agree? Count it, keep the server. */
    if (chk_state_usable(st) && !ctx->others_usable && !st->active_fail &&
        sat_inc(st->fails) >= fall) {
        enum chk_health from = st->health;
        st->last = res;
        st->last_passive = true;
        st->passes = 0;
        st->fails = sat_inc(st->fails);
        st->health = CHK_ST_GOING_DOWN;
        if (reason != NULL && len > 0)
            snprintf(reason, len,
                     "failure %u of %u: %s (passive); the last usable server stays in service "
                     "until a check fails too",
                     st->fails, fall, chk_result_str(res));
        return CHK_STEP_HELD | (from != st->health ? CHK_STEP_CHANGED : 0);
    }
    return chk_state_step(st, p, res, true, reason, len);
}
