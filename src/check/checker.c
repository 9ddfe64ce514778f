/* chk: see check.h. One check at a time per target: connect, (TLS),
 * send the request, read until chk_http_verdict() decides, chk_done(). */
#include "check/check.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check/http.h"
#include "check/state.h"
#include "check/tls-int.h"
#include "check/verdict.h"
#include "log.h"

#define CHK_REQ_MAX 1024
#define CHK_BUF     16384

struct chk_spec {
    atomic_uint refs;
    enum cfg_check_kind kind;
    char *method, *path, *sni;
    unsigned expect;
    uint64_t interval_ns, fast_ns, timeout_ns;
    uint32_t jitter_pct; /* the steady interval is interval +- this % */
    struct chk_params params;
    SSL_CTX *ctx; /* https only */
};

enum chk_phase { PH_IDLE, PH_CONNECT, PH_TLS, PH_SEND, PH_RECV };

struct chk_target {
    struct ev_loop *loop;
    struct chk_spec *spec;
    char *obj, *ip;
    struct sockaddr_storage sa;
    socklen_t salen;
    char req[CHK_REQ_MAX];
    size_t reqlen;
    struct chk_state st;
    chk_cb cb;
    void *arg;
    /* the check in flight */
    enum chk_phase phase;
    int fd;
    SSL *ssl;
    struct ev_io io;
    struct ev_timer tmr; /* next check when idle, the deadline when running */
    uint64_t started;
    size_t sent, len;
    char *buf; /* CHK_BUF bytes while receiving */
    struct chk_info info;
    struct log_ratelimit rl_passive; /* "passive failure not counted" */
    uint64_t rnd;                    /* xorshift state for the interval's jitter */
    bool spread;                     /* jitter: the next steady delay is drawn from
                                        (0, interval], putting checkers that started
                                        together out of step at once */
};

/* ---- specs ---- */

struct chk_spec *chk_spec_new(const struct cfg_check *c, char *err, size_t errlen)
{
    struct chk_spec *s = calloc(1, sizeof(*s));
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    atomic_init(&s->refs, 1);
    s->kind = c->kind;
    s->expect = c->expect ? c->expect : 200;
    s->interval_ns = (c->interval_ms ? c->interval_ms : 1000) * NS_PER_MS;
    s->fast_ns = c->fast_interval_ms ? c->fast_interval_ms * NS_PER_MS : s->interval_ns;
    s->timeout_ns = (c->timeout_ms ? c->timeout_ms : 1000) * NS_PER_MS;
    s->jitter_pct = c->jitter_pct > CFG_CHECK_JITTER_MAX ? CFG_CHECK_JITTER_MAX : c->jitter_pct;
    s->params.fall = c->fall;
    s->params.rise = c->rise;
    if ((c->method && !(s->method = strdup(c->method))) ||
        (c->path && !(s->path = strdup(c->path))) || (c->sni && !(s->sni = strdup(c->sni)))) {
        snprintf(err, errlen, "out of memory");
        chk_spec_unref(s);
        return NULL;
    }
    if (s->kind == CFG_CHECK_HTTPS && !(s->ctx = chk_tls_ctx_new(c, err, errlen))) {
        chk_spec_unref(s);
        return NULL;
    }
    return s;
}

void chk_spec_ref(struct chk_spec *s)
{
    atomic_fetch_add(&s->refs, 1);
}

void chk_spec_unref(struct chk_spec *s)
{
    if (!s || atomic_fetch_sub(&s->refs, 1) != 1)
        return;
    SSL_CTX_free(s->ctx);
    free(s->method);
    free(s->path);
    free(s->sni);
    free(s);
}

/* ---- one check ---- */

static void on_timer(struct ev_loop *loop, struct ev_timer *tm);
static void on_io(struct ev_loop *loop, struct ev_io *io, uint32_t events);

/* Forget the check in flight: close its socket, free TLS and buffer. */
static void probe_close(struct chk_target *t)
{
    if (t->ssl) {
        SSL_free(t->ssl);
        t->ssl = NULL;
    }
    if (t->fd >= 0) {
        ev_io_stop(t->loop, &t->io);
        close(t->fd);
        t->fd = -1;
    }
    free(t->buf);
    t->buf = NULL;
    t->phase = PH_IDLE;
}

static void log_change(struct chk_target *t, enum chk_health from, const char *reason,
                       const char *detail)
{
    enum log_level lv = t->st.health == CHK_ST_DOWN ? LOG_WARN : LOG_INFO;
    log_msg(lv, "chk", t->obj, "%s -> %s: %s%s%s%s", chk_health_str(from),
            chk_health_str(t->st.health), reason, detail[0] ? " (" : "", detail,
            detail[0] ? ")" : "");
}

/* Feed one result into the state machine (a passive failure with what the
 * proxy knows, pctx; NULL for an active check), log a change, tell the
 * owner. Returns the CHK_STEP_* bits. */
static int feed(struct chk_target *t, enum chk_result r, const struct chk_passive *pctx,
                const char *detail)
{
    char reason[200];
    enum chk_health from = t->st.health;
    bool passive = pctx != NULL;
    int bits = passive
                   ? chk_state_passive(&t->st, &t->spec->params, r, pctx, reason, sizeof(reason))
                   : chk_state_step(&t->st, &t->spec->params, r, false, reason, sizeof(reason));
    if (bits & CHK_STEP_DISCOUNTED)
        return bits; /* nothing counted: nothing to tell */
    if (bits & CHK_STEP_CHANGED)
        t->info.changed_ns = ev_clock_ns();
    if (bits & (CHK_STEP_CHANGED | CHK_STEP_HELD))
        log_change(t, from, reason, detail);
    if (t->cb && chk_result_class(r) != CHK_CLASS_NEUTRAL && !(passive && r == CHK_R_OK)) {
        struct chk_event ev = {r, passive, bits, reason, detail};
        t->cb(t, &ev, t->arg);
    }
    return bits;
}

/* The check interval now: fast_interval while the server is between
 * states (suspect: a failure was seen), else interval. */
static uint64_t interval_now(const struct chk_target *t)
{
    return chk_state_transitional(&t->st) ? t->spec->fast_ns : t->spec->interval_ns;
}

/* The delay to the next check: interval_now, and for the steady interval
 * a uniform draw from interval +- jitter % (many node-locals checking the
 * same API servers then do not run in step). */
static uint64_t rnd_next(struct chk_target *t)
{
    t->rnd ^= t->rnd << 13;
    t->rnd ^= t->rnd >> 7;
    t->rnd ^= t->rnd << 17;
    return t->rnd;
}

static uint64_t next_delay(struct chk_target *t)
{
    uint64_t d = interval_now(t);
    if (!t->spec->jitter_pct || chk_state_transitional(&t->st))
        return d;
    if (t->spread) {
        t->spread = false;
        return 1 + rnd_next(t) % d;
    }
    uint64_t span = d / 100 * t->spec->jitter_pct; /* +- span */
    return span ? d - span + rnd_next(t) % (2 * span + 1) : d;
}

static void schedule(struct chk_target *t)
{
    ev_timer_start(t->loop, &t->tmr, next_delay(t), on_timer, t);
}

const uint32_t chk_dur_bounds_us[CHK_DUR_NBUCKETS] = {5000,   10000,  25000,   50000,   100000,
                                                      250000, 500000, 1000000, 2500000, 5000000};

/* Count one completed check in the duration histogram. */
static void dur_observe(struct chk_info *ci, uint32_t us)
{
    size_t b = 0;
    while (b < CHK_DUR_NBUCKETS && us > chk_dur_bounds_us[b])
        b++;
    ci->dur_counts[b]++;
    ci->dur_sum_us += us;
}

/* The completion point of every active check. */
static void chk_done(struct chk_target *t, enum chk_result r, int status, const char *detail)
{
    uint64_t us = (ev_clock_ns() - t->started) / 1000;
    probe_close(t);
    t->info.checks++;
    if (chk_result_class(r) == CHK_CLASS_FAIL)
        t->info.failures++;
    t->info.last = r;
    t->info.last_status = status;
    t->info.last_latency_us = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
    t->info.results[(unsigned)r < CHK_R_COUNT ? r : CHK_R_INTERNAL_ERROR]++;
    dur_observe(&t->info, t->info.last_latency_us);
    snprintf(t->info.detail, sizeof(t->info.detail), "%s", detail);
    if (r != CHK_R_OK || log_get_level() >= LOG_DEBUG)
        log_debug("chk", t->obj, "check %s%s%s in %u us", chk_result_str(r), detail[0] ? ": " : "",
                  detail, t->info.last_latency_us);
    feed(t, r, NULL, detail);
    schedule(t);
}

static void errno_done(struct chk_target *t, int e, bool connecting)
{
    enum chk_result r = chk_result_from_errno(e, connecting);
    chk_done(t, r, 0, strerror(e));
}

static void want(struct chk_target *t, uint32_t ev)
{
    if (ev_io_modify(t->loop, &t->io, ev) < 0)
        errno_done(t, errno, false);
}

static void start_check(struct chk_target *t)
{
    int e;
    t->started = ev_clock_ns();
    t->sent = t->len = 0;
    t->fd = socket(t->sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (t->fd < 0) {
        errno_done(t, errno, true);
        return;
    }
    t->phase = PH_CONNECT;
    ev_timer_start(t->loop, &t->tmr, t->spec->timeout_ns, on_timer, t);
    if (connect(t->fd, (struct sockaddr *)&t->sa, t->salen) < 0 && errno != EINPROGRESS) {
        errno_done(t, errno, true);
        return;
    }
    if (ev_io_start(t->loop, &t->io, t->fd, EPOLLOUT, on_io, t) < 0) {
        e = errno;
        close(t->fd);
        t->fd = -1;
        errno_done(t, e, false);
    }
}

static void on_timer(struct ev_loop *loop, struct ev_timer *tm)
{
    struct chk_target *t = tm->arg;
    if (t->phase == PH_IDLE)
        start_check(t);
    else if (t->phase == PH_CONNECT)
        chk_done(t, CHK_R_CONNECT_TIMEOUT, 0, "no connection within the check timeout");
    else
        chk_done(t, CHK_R_TIMEOUT, 0,
                 t->phase == PH_TLS ? "TLS handshake not finished" : "no complete answer");
}

/* Read what is there; decide when the head is complete. */
static void do_recv(struct chk_target *t)
{
    struct chk_verdict v;
    for (;;) {
        bool eof = false;
        ssize_t n;
        if (t->ssl) {
            int r = SSL_read(t->ssl, t->buf + t->len, (int)(CHK_BUF - t->len));
            if (r <= 0) {
                int e = SSL_get_error(t->ssl, r);
                if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
                    want(t, e == SSL_ERROR_WANT_READ ? EPOLLIN : EPOLLOUT);
                    return;
                }
                if (e != SSL_ERROR_ZERO_RETURN) {
                    char d[64];
                    enum chk_result res = chk_tls_failure(t->ssl, r, 0, t->len == 0, d, sizeof(d));
                    if (res != CHK_R_CLOSED_EARLY) {
                        chk_done(t, res, 0, d);
                        return;
                    }
                }
                eof = true;
                n = 0;
            } else {
                n = r;
            }
        } else {
            n = read(t->fd, t->buf + t->len, CHK_BUF - t->len);
            if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
                want(t, EPOLLIN);
                return;
            }
            if (n < 0) {
                errno_done(t, errno, false);
                return;
            }
            eof = n == 0;
        }
        t->len += (size_t)n;
        if (chk_http_verdict(t->buf, t->len, eof, t->len == CHK_BUF, t->spec->expect, &v)) {
            chk_done(t, v.result, v.status, v.detail);
            return;
        }
    }
}

static void do_send(struct chk_target *t)
{
    while (t->sent < t->reqlen) {
        ssize_t n;
        if (t->ssl) {
            int r = SSL_write(t->ssl, t->req + t->sent, (int)(t->reqlen - t->sent));
            if (r <= 0) {
                int e = SSL_get_error(t->ssl, r);
                char d[64];
                if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
                    want(t, e == SSL_ERROR_WANT_READ ? EPOLLIN : EPOLLOUT);
                    return;
                }
                chk_done(t, chk_tls_failure(t->ssl, r, 0, true, d, sizeof(d)), 0, d);
                return;
            }
            n = r;
        } else {
            n = write(t->fd, t->req + t->sent, t->reqlen - t->sent);
            if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
                want(t, EPOLLOUT);
                return;
            }
            if (n < 0) {
                errno_done(t, errno, false);
                return;
            }
        }
        t->sent += (size_t)n;
    }
    t->phase = PH_RECV;
    if (!t->buf && !(t->buf = malloc(CHK_BUF))) {
        chk_done(t, CHK_R_INTERNAL_ERROR, 0, "out of memory");
        return;
    }
    do_recv(t);
}

static void do_tls(struct chk_target *t)
{
    int r = SSL_connect(t->ssl);
    if (r == 1) {
        t->phase = PH_SEND;
        do_send(t);
        return;
    }
    int e = SSL_get_error(t->ssl, r);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
        want(t, e == SSL_ERROR_WANT_READ ? EPOLLIN : EPOLLOUT);
        return;
    }
    char d[64];
    enum chk_result res = chk_tls_failure(t->ssl, r, 1, true, d, sizeof(d));
    chk_done(t, res, 0, d);
}

static void connected(struct chk_target *t)
{
    int e = 0;
    socklen_t l = sizeof(e);
    if (getsockopt(t->fd, SOL_SOCKET, SO_ERROR, &e, &l) < 0)
        e = errno;
    if (e) {
        errno_done(t, e, true);
        return;
    }
    if (t->spec->kind == CFG_CHECK_TCP || t->spec->kind == CFG_CHECK_NONE) {
        chk_done(t, CHK_R_OK, 0, "");
        return;
    }
    if (t->spec->kind == CFG_CHECK_HTTPS) {
        t->ssl = chk_tls_new(t->spec->ctx, t->fd, t->spec->sni, t->ip);
        if (!t->ssl) {
            chk_done(t, CHK_R_INTERNAL_ERROR, 0, "cannot set up TLS");
            return;
        }
        t->phase = PH_TLS;
        do_tls(t);
        return;
    }
    t->phase = PH_SEND;
    do_send(t);
}

static void on_io(struct ev_loop *loop, struct ev_io *io, uint32_t events)
{
    struct chk_target *t = io->arg;
    switch (t->phase) {
    case PH_CONNECT:
        connected(t);
        break;
    case PH_TLS:
        do_tls(t);
        break;
    case PH_SEND:
        do_send(t);
        break;
    case PH_RECV:
        do_recv(t);
        break;
    default:
        break;
    }
}

/* ---- targets ---- */

struct chk_target *chk_target_new(struct ev_loop *loop, struct chk_spec *spec, const char *obj,
                                  const struct sockaddr *sa, socklen_t salen, const char *host,
                                  const char *ip, const struct chk_state *initial, chk_cb cb,
                                  void *arg, char *err, size_t errlen)
{
    struct chk_target *t = calloc(1, sizeof(*t));
    if (!t || salen > sizeof(t->sa) || !(t->obj = strdup(obj)) || !(t->ip = strdup(ip))) {
        snprintf(err, errlen, "out of memory");
        chk_target_free(t);
        return NULL;
    }
    t->loop = loop;
    t->spec = spec;
    chk_spec_ref(spec);
    memcpy(&t->sa, sa, salen);
    t->salen = salen;
    t->fd = -1;
    t->cb = cb;
    t->arg = arg;
    t->info.last = CHK_R_OK;
    t->rl_passive.interval_ms = 10000;
    t->rl_passive.burst = 3;
    t->rnd = (ev_clock_ns() ^ ((uint64_t)(uintptr_t)t << 16) ^ (uint64_t)getpid()) | 1;
    if (initial)
        t->st = *initial;
    else
        chk_state_init(&t->st, CHK_ST_INIT);
    if (spec->kind == CFG_CHECK_HTTP || spec->kind == CFG_CHECK_HTTPS) {
        const char *h = spec->sni ? spec->sni : host;
        int n = chk_http_build_request(t->req, sizeof(t->req), spec->method, spec->path, h, err,
                                       errlen);
        if (n < 0) {
            chk_target_free(t);
            return NULL;
        }
        t->reqlen = (size_t)n;
    }
    /* At once; with jitter, a server whose steady state a reload carried
     * over is checked at a random point of its interval instead (every
     * node-local re-creates its checks when discovery changes the list). */
    t->spread = spec->jitter_pct > 0;
    ev_timer_start(loop, &t->tmr,
                   t->spread && initial && !chk_state_transitional(&t->st) ? next_delay(t) : 0,
                   on_timer, t);
    return t;
}

void chk_target_free(struct chk_target *t)
{
    if (!t)
        return;
    if (t->loop) {
        probe_close(t);
        ev_timer_stop(t->loop, &t->tmr);
    }
    if (t->spec)
        chk_spec_unref(t->spec);
    free(t->obj);
    free(t->ip);
    free(t);
}

void chk_target_passive(struct chk_target *t, enum chk_result r, bool others_usable)
{
    struct chk_passive ctx = {ev_now(t->loop), interval_now(t), others_usable};
    if (chk_result_class(r) != CHK_CLASS_FAIL)
        return;
    t->info.passive_failures++;
    bool was_fast = chk_state_transitional(&t->st);
    if (feed(t, r, &ctx, "seen by the proxy") & CHK_STEP_DISCOUNTED) {
        t->info.passive_discounted++;
        log_rl(&t->rl_passive, ctx.now_ns / NS_PER_MS, LOG_INFO, "chk", t->obj,
               "passive failure not counted (%s seen by the proxy): one counts per check "
               "interval of %llu ms",
               chk_result_str(r), (unsigned long long)(ctx.interval_ns / NS_PER_MS));
        return;
    }
    /* entering a transitional state: check again soon rather than after a
     * full interval, so that a passive suspicion is confirmed or cleared */
    if (!was_fast && chk_state_transitional(&t->st) && t->phase == PH_IDLE)
        schedule(t);
}

const struct chk_state *chk_target_state(const struct chk_target *t)
{
    return &t->st;
}

void chk_target_info(const struct chk_target *t, struct chk_info *out)
{
    *out = t->info;
    out->in_flight = t->phase != PH_IDLE;
}
