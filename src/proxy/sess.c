/* px_sess: one proxied connection, from accept to close.
 *
 *   accept -> pick a server -> CONNECTING --connected--> ESTABLISHED -> close
 *                 ^                |
 *                 +-- retry -------+ refused, unreachable, connect timeout
 *
 * Connect failures go to the next eligible server not tried yet, up to
 * `retries` more attempts, and are reported to the checker as passive
 * failures. A connect with no answer after `timeout hedge` races a second
 * one to the next server (px_race in policy.h): the first to complete
 * carries the session, the other is closed, and the slow server is
 * reported as a passive failure (slow-connect). Until the server has sent its first byte (the
 * replay phase), what the client sent is kept in a buffer, so that a server that accepted and then
 * reset (killed while the connection sat in its accept queue) is also retried transparently.
 * Afterwards bytes go through px_relay.
 *
 * One timer per session: the connect deadline, then the idle deadline
 * (re-armed lazily: moving bytes only updates last_active) and the drain
 * deadline.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check/state.h"
#include "proxy/proxy-int.h"

#define PX_FREE_SESS_MAX 1024
#define EV_ET            (EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET)

static void on_client(struct ev_loop *loop, struct ev_io *io, uint32_t events);
static void on_server(struct ev_loop *loop, struct ev_io *io, uint32_t events);
static void on_hedge(struct ev_loop *loop, struct ev_io *io, uint32_t events);
static void on_timer(struct ev_loop *loop, struct ev_timer *t);
static int connect_next(struct px_sess *s, int first, enum chk_result last);

static inline struct px_gen *gen_of(const struct px_sess *s)
{
    return s->wpx->gen;
}

static inline void count(struct px_sess *s, enum px_pcounter c)
{
    px_add(&gen_of(s)->rt->c[c], 1);
}

static uint64_t now_ms(struct px_worker *w)
{
    return ev_now(w->loop) / NS_PER_MS;
}

/* ---- allocation ---- */

static struct px_sess *sess_alloc(struct px_worker *w)
{
    struct px_sess *s = w->free_sess;
    if (s) {
        w->free_sess = s->next;
        w->nfree--;
        memset(s, 0, sizeof(*s));
        return s;
    }
    return calloc(1, sizeof(*s));
}

static void sess_recycle(struct px_worker *w, struct px_sess *s)
{
    if (w->nfree >= PX_FREE_SESS_MAX) {
        free(s);
        return;
    }
    s->next = w->free_sess;
    w->free_sess = s;
    w->nfree++;
}

/* ---- closing ---- */

/* Close fd so that its peer sees a reset (RST), not an end of stream: the
 * other side of the session failed, and a FIN would pass a truncated
 * stream off as a whole one. */
static void close_reset(int fd)
{
    struct linger l = {.l_onoff = 1, .l_linger = 0};
    (void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
    close(fd);
}

/* Close the server socket (a reset when rst is set: see close_reset). */
static void server_close_how(struct px_sess *s, bool rst)
{
    if (s->sio.fd < 0)
        return;
    ev_io_stop(s->wpx->w->loop, &s->sio);
    if (rst)
        close_reset(s->sio.fd);
    else
        close(s->sio.fd);
    s->sio.fd = -1;
    atomic_fetch_sub_explicit(&gen_of(s)->srv[s->srv].s->active, 1, memory_order_relaxed);
}

static void server_close(struct px_sess *s)
{
    server_close_how(s, false);
}

/* Close the hedge's socket, if one is racing. */
static void hedge_close(struct px_sess *s)
{
    if (s->hio.fd < 0)
        return;
    ev_io_stop(s->wpx->w->loop, &s->hio);
    close(s->hio.fd);
    s->hio.fd = -1;
    s->race.hedging = false;
    atomic_fetch_sub_explicit(&gen_of(s)->srv[s->hsrv].s->active, 1, memory_order_relaxed);
}

/* Close the session, counting why (PX_C_COUNT: a normal end, no count).
 * A side that failed (closed_client_error, closed_server_error: a reset, a
 * write to a peer that is gone) is passed on as a reset to the other side,
 * as a direct connection would show it. */
static void sess_close(struct px_sess *s, enum px_pcounter why)
{
    struct px_wpx *wpx = s->wpx;
    struct px_worker *w = wpx->w;
    if (why != PX_C_COUNT)
        count(s, why);
    if (s->queued)
        px_worker_unqueue(w, s);
    server_close_how(s, why == PX_C_closed_client_err);
    hedge_close(s);
    ev_io_stop(w->loop, &s->cio);
    if (why == PX_C_closed_server_err)
        close_reset(s->cio.fd);
    else
        close(s->cio.fd);
    ev_timer_stop(w->loop, &s->tmr);
    if (s->reported)
        px_conns_report(w->px, VRRP_TP_DEL, &s->tup);
    px_dir_release(&w->pool, &s->c2s);
    px_dir_release(&w->pool, &s->s2c);
    atomic_fetch_sub_explicit(&wpx->gen->rt->conns, 1, memory_order_relaxed);
    if (s->prev)
        s->prev->next = s->next;
    else
        w->sessions = s->next;
    if (s->next)
        s->next->prev = s->prev;
    w->nsess--;
    sess_recycle(w, s);
    px_worker_sess_gone(w, wpx);
}

void px_sess_abort(struct px_sess *s)
{
    sess_close(s, PX_C_COUNT);
}

/* ---- connecting ---- */

/* A failed attempt to server idx (or a slow one: slow-connect): count it
 * on the server and the proxy, tell the checker when it says something
 * about the server. */
static void report_passive(struct px_sess *s, int idx, enum chk_result r)
{
    struct px_gsrv *gs = &gen_of(s)->srv[idx];
    struct px_msg *m = gs->checked ? calloc(1, sizeof(*m)) : NULL;
    if (m) {
        m->type = PX_M_PASSIVE;
        m->srv = gs->s;
        m->result = (int)r;
        px_srv_ref(gs->s);
        px_post_main(s->wpx->w->px, m);
    }
}

static void srv_failed(struct px_sess *s, int idx, enum chk_result r)
{
    struct px_gsrv *gs = &gen_of(s)->srv[idx];
    px_add(&gs->s->conn_fail[r], 1);
    px_add(&gen_of(s)->rt->conn_fail[r], 1);
    if (px_result_passive(r))
        report_passive(s, idx, r);
}

static void attempt_failed(struct px_sess *s, enum chk_result r)
{
    srv_failed(s, s->srv, r);
}

/* Arm the session timer for the connect race: the earliest of the
 * connect deadlines and the hedge (one timer, as before hedging). */
static void arm_connect(struct px_sess *s)
{
    struct px_gen *g = gen_of(s);
    struct ev_loop *loop = s->wpx->w->loop;
    uint64_t next;
    (void)px_race_tick(&s->race, ev_now(loop), g->connect_ns, g->hedge_ns,
                       s->attempts <= g->retries, &next);
    ev_timer_start_at(loop, &s->tmr, next, on_timer, s);
}

/* Open a socket to server idx and start connecting. 0: in progress (or
 * done), -1: failed at once (errno). */
static int connect_to(struct px_sess *s, int idx)
{
    struct px_gen *g = gen_of(s);
    struct px_srv *srv = g->srv[idx].s;
    struct px_worker *w = s->wpx->w;
    int fd = socket(srv->sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    /* a drain deadline set for the server of an earlier attempt is not this
     * one's business (the proxy's own, on SIGTERM, stays) */
    if (!s->drain_all)
        s->drain_at = 0;
    px_sock_nodelay(fd, g);
    s->srv = (int16_t)idx;
    s->tried |= 1ULL << idx;
    s->attempts++;
    px_add(&srv->connects, 1);
    atomic_fetch_add_explicit(&srv->active, 1, memory_order_relaxed);
    s->sio.fd = fd;
    s->s_rd = s->s_wr = s->s_hup = false;
    s->c2s.wrote = false;
    if (connect(fd, (struct sockaddr *)&srv->sa, srv->salen) < 0 && errno != EINPROGRESS) {
        int e = errno;
        server_close(s);
        errno = e;
        return -1;
    }
    if (ev_io_start(w->loop, &s->sio, fd, EV_ET, on_server, s) < 0) {
        int e = errno;
        server_close(s);
        errno = e;
        return -1;
    }
    s->state = PX_S_CONNECTING;
    px_race_start(&s->race, ev_now(w->loop));
    arm_connect(s);
    return 0;
}

/* Every attempt failed, or none was possible. */
static void give_up(struct px_sess *s, enum chk_result last)
{
    struct px_wpx *wpx = s->wpx;
    char why[400];
    px_servers_why(gen_of(s), why, sizeof(why));
    log_rl(&wpx->rl_connect, now_ms(wpx->w), LOG_WARN, "px", gen_of(s)->name,
           "closing a client connection after %u failed connect attempt%s (last %s: %s); "
           "servers: %s",
           s->attempts, s->attempts == 1 ? "" : "s", gen_of(s)->srv[s->srv].s->name,
           chk_result_str(last), why);
    sess_close(s, PX_C_drop_connect);
}

/* Try servers until one connect is in progress. first: the index to try
 * first, or -1 to pick. last: why the previous attempt failed (what the log
 * says if no attempt is left). Returns 0 (connecting), or -1: the session
 * is closed. */
static int connect_next(struct px_sess *s, int first, enum chk_result last)
{
    struct px_gen *g = gen_of(s);
    int idx = first;
    for (;;) {
        if (idx < 0) {
            if (s->attempts > g->retries) {
                give_up(s, last);
                return -1;
            }
            idx = px_pick(s->wpx, s->chash, s->tried);
            if (idx < 0) {
                give_up(s, last);
                return -1;
            }
            count(s, PX_C_retries);
        }
        if (connect_to(s, idx) == 0)
            return 0;
        last = chk_result_from_errno(errno, true);
        if (s->srv != idx) { /* no socket at all: our problem, not the server's */
            int e = errno;
            log_rl(&s->wpx->rl_connect, now_ms(s->wpx->w), LOG_ERROR, "px", g->name,
                   "cannot open a socket to %s: %s", g->srv[idx].s->name, strerror(e));
            sess_close(s, e == EMFILE || e == ENFILE ? PX_C_drop_no_fd : PX_C_drop_internal);
            return -1;
        }
        attempt_failed(s, last);
        if (!px_result_retryable(last)) {
            sess_close(s, PX_C_drop_internal);
            return -1;
        }
        idx = -1;
    }
}

/* ---- the connect race (hedging) ---- */

/* Move the hedge's socket to the server side of the session: it is the
 * primary connect from now on. -1 (the session is closed) if it cannot be
 * watched. */
static int hedge_to_primary(struct px_sess *s)
{
    struct ev_loop *loop = s->wpx->w->loop;
    int fd = s->hio.fd;
    ev_io_stop(loop, &s->hio);
    s->hio.fd = -1;
    s->srv = s->hsrv;
    s->sio.fd = fd;
    s->s_rd = s->s_wr = s->s_hup = false;
    if (ev_io_start(loop, &s->sio, fd, EV_ET, on_server, s) < 0) {
        sess_close(s, PX_C_drop_internal);
        return -1;
    }
    return 0;
}

/* The primary's connect has had no answer for `timeout hedge`: report the
 * server as slow and race a connect to the next eligible server. Nothing
 * has been sent to any server yet (CONNECTING), so nothing is lost. */
static void hedge_start(struct px_sess *s)
{
    struct px_gen *g = gen_of(s);
    struct px_worker *w = s->wpx->w;
    int idx = px_pick(s->wpx, s->chash, s->tried);
    struct px_srv *slow = g->srv[s->srv].s;
    if (idx < 0) {
        px_race_hedged(&s->race, ev_now(w->loop), false); /* nobody to race */
        return;
    }
    struct px_srv *srv = g->srv[idx].s;
    int fd = socket(srv->sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        log_rl(&s->wpx->rl_connect, now_ms(w), LOG_ERROR, "px", g->name,
               "cannot open a socket to hedge to %s: %s", srv->name, strerror(errno));
        px_race_hedged(&s->race, ev_now(w->loop), false);
        return;
    }
    px_sock_nodelay(fd, g);
    count(s, PX_C_hedges);
    px_add(&slow->hedged, 1);
    srv_failed(s, s->srv, CHK_R_SLOW_CONNECT);
    log_rl(&s->wpx->rl_hedge, now_ms(w), LOG_INFO, "px", g->name,
           "no answer from %s within %llu ms: racing a connect to %s", slow->name,
           (unsigned long long)(g->hedge_ns / NS_PER_MS), srv->name);
    s->hsrv = (int16_t)idx;
    s->tried |= 1ULL << idx;
    s->attempts++;
    px_add(&srv->connects, 1);
    atomic_fetch_add_explicit(&srv->active, 1, memory_order_relaxed);
    s->hio.fd = fd;
    px_race_hedged(&s->race, ev_now(w->loop), true);
    int e = 0;
    if (connect(fd, (struct sockaddr *)&srv->sa, srv->salen) < 0 && errno != EINPROGRESS)
        e = errno;
    else if (ev_io_start(w->loop, &s->hio, fd, EV_ET, on_hedge, s) < 0)
        e = errno;
    if (e) { /* the primary goes on alone */
        hedge_close(s);
        (void)px_race_done(&s->race, true, false);
        srv_failed(s, idx, chk_result_from_errno(e, true));
    }
}

/* The hedge failed (r): the primary goes on alone. */
static void hedge_failed(struct px_sess *s, enum chk_result r)
{
    int idx = s->hsrv;
    hedge_close(s);
    (void)px_race_done(&s->race, true, false);
    srv_failed(s, idx, r);
    arm_connect(s);
}

/* The connect in progress failed (asynchronously). A hedge in flight
 * takes its place; otherwise the next server is tried. */
static void connect_failed(struct px_sess *s, enum chk_result r)
{
    server_close(s);
    attempt_failed(s, r);
    if (px_race_done(&s->race, false, false) == PX_RACE_PROMOTE) {
        if (hedge_to_primary(s) == 0)
            arm_connect(s);
        return;
    }
    if (!px_result_retryable(r)) {
        sess_close(s, PX_C_drop_internal);
        return;
    }
    (void)connect_next(s, -1, r);
}

static int so_error(int fd)
{
    int e = 0;
    socklen_t l = sizeof(e);
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &l) < 0)
        return errno;
    return e;
}

/* ---- established ---- */

static void arm_idle(struct px_sess *s)
{
    struct px_worker *w = s->wpx->w;
    uint64_t at = s->last_active + gen_of(s)->idle_ns;
    if (s->drain_at && s->drain_at < at)
        at = s->drain_at;
    if (s->ka_at && s->ka_at < at)
        at = s->ka_at;
    ev_timer_start_at(w->loop, &s->tmr, at, on_timer, s);
}

/* Send the client's kept bytes to the next server, from the first one: the
 * server has sent nothing yet, so the client cannot tell. why: what went
 * wrong with this server (for the log, if no server is left). */
static void replay_elsewhere(struct px_sess *s, enum chk_result why)
{
    count(s, PX_C_replays);
    server_close(s);
    s->c2s.off = 0;
    s->c2s.pending = s->c2s.end;
    s->c2s.shut = false;
    (void)connect_next(s, -1, why);
}

/* An established server connection timed out (keepalive probes or data
 * unacknowledged for PX_SRV_USER_TIMEOUT_MS): the server went silent.
 * Tell the checker (a passive `timeout`, under its bounds), so it checks
 * at the suspect interval; the caller closes the session. */
static void silent_server(struct px_sess *s)
{
    struct px_gen *g = gen_of(s);
    log_rl(&s->wpx->rl_hedge, now_ms(s->wpx->w), LOG_INFO, "px", g->name,
           "connection to %s timed out (no answer to keepalive or data for %d ms): closing "
           "it, reported to the check",
           g->srv[s->srv].s->name, (int)g->silent_ms);
    report_passive(s, s->srv, CHK_R_TIMEOUT);
}

/* The server reset (or failed) before sending anything: with the client's
 * bytes kept, try the next server as if the connect had failed. */
static void server_error(struct px_sess *s, int err)
{
    enum chk_result r = chk_result_from_errno(err, false);
    if (r == CHK_R_TIMEOUT) /* keepalive or TCP_USER_TIMEOUT: the server went silent */
        silent_server(s);
    if (!s->replay || !px_result_retryable(r)) {
        sess_close(s, PX_C_closed_server_err);
        return;
    }
    px_add(&gen_of(s)->srv[s->srv].s->conn_fail[r], 1);
    px_add(&gen_of(s)->rt->conn_fail[r], 1);
    replay_elsewhere(s, r);
}

/* The server connection is up (EPOLLOUT, or a write went through): from
 * connect deadline to idle deadline. */
static void confirm(struct px_sess *s)
{
    struct px_gen *g = gen_of(s);
    if (s->race.hedging) { /* the primary won the race */
        (void)px_race_done(&s->race, false, true);
        hedge_close(s);
    }
    s->state = PX_S_ESTABLISHED;
    px_add(&g->srv[s->srv].s->connected, 1);
    s->last_active = ev_now(s->wpx->w->loop);
    /* keepalive matters for connections that last; most last less than a
     * second (a request, a health probe): they are spared 4 system calls */
    s->ka_at = g->keepalive ? s->last_active + PX_KA_DELAY : 0;
    arm_idle(s);
}

/* Relay what can be relayed. While still connecting (optimistically, see
 * px_sess_accept), an error on the server side is a failed connect and a
 * byte written to the server proves the connection: from then on the
 * session is established and stays with that server. (This used to look
 * at the replay buffer's offset, which the end of the replay phase resets:
 * a session whose first pass moved more than a buffer stayed "connecting",
 * timed out and sent the rest of the client's stream to another server.) */
static void run(struct px_sess *s)
{
    int err = 0;
    bool more = false;
    bool connecting = s->state == PX_S_CONNECTING;
    switch (px_relay(s, &err, &more)) {
    case PX_R_SERVER_ERR:
        if (connecting)
            connect_failed(s, chk_result_from_errno(err, true));
        else
            server_error(s, err);
        return;
    case PX_R_CLIENT_ERR:
        sess_close(s, PX_C_closed_client_err);
        return;
    default:
        if (connecting && s->c2s.wrote)
            confirm(s);
        if (px_sess_done(s))
            sess_close(s, PX_C_COUNT);
        else if (more)
            px_worker_requeue(s->wpx->w, s);
    }
}

void px_sess_resume(struct px_sess *s)
{
    if (s->state == PX_S_ESTABLISHED)
        run(s);
}

/* ---- events ---- */

/* A connect's events (primary or hedge, which): 0 if it completed, -1
 * with *r if it failed, 1 if there is nothing to say yet. */
static int connect_result(int fd, uint32_t events, enum chk_result *r)
{
    if (events & (EPOLLERR | EPOLLHUP)) {
        int e = so_error(fd);
        if (e) {
            *r = chk_result_from_errno(e, true);
            return -1;
        }
    }
    return (events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) ? 0 : 1;
}

/* The server connection (primary, or the hedge moved there) is up. */
static void connected(struct px_sess *s, uint32_t events)
{
    s->s_wr = true;
    s->s_rd = (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP)) != 0;
    s->s_hup = (events & (EPOLLRDHUP | EPOLLHUP)) != 0;
    confirm(s);
    run(s);
}

/* Events of the hedge's socket: it connected first (it carries the
 * session, the slow primary is closed) or failed. */
static void on_hedge(struct ev_loop *loop, struct ev_io *io, uint32_t events)
{
    struct px_sess *s = io->arg;
    enum chk_result r = CHK_R_OK;
    int rc = connect_result(io->fd, events, &r);
    if (rc < 0) {
        hedge_failed(s, r);
        return;
    }
    if (rc > 0)
        return;
    (void)px_race_done(&s->race, true, true);
    server_close(s); /* the slow primary */
    count(s, PX_C_hedges_won);
    px_add(&gen_of(s)->srv[s->hsrv].s->hedge_wins, 1);
    if (hedge_to_primary(s) == 0)
        connected(s, events);
}

static void on_server(struct ev_loop *loop, struct ev_io *io, uint32_t events)
{
    struct px_sess *s = io->arg;
    if (s->state == PX_S_CONNECTING) {
        enum chk_result r = CHK_R_OK;
        int rc = connect_result(io->fd, events, &r);
        if (rc < 0)
            connect_failed(s, r);
        else if (rc == 0)
            connected(s, events);
        return;
    }
    if (events & EPOLLERR) {
        server_error(s, so_error(io->fd));
        return;
    }
    if (events & (EPOLLRDHUP | EPOLLHUP))
        s->s_hup = true;
    if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP))
        s->s_rd = true;
    if (events & EPOLLOUT)
        s->s_wr = true;
    run(s);
}

static void on_client(struct ev_loop *loop, struct ev_io *io, uint32_t events)
{
    struct px_sess *s = io->arg;
    if (events & EPOLLERR) {
        sess_close(s, PX_C_closed_client_err);
        return;
    }
    if (events & (EPOLLRDHUP | EPOLLHUP))
        s->c_hup = true;
    if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP))
        s->c_rd = true;
    if (events & EPOLLOUT)
        s->c_wr = true;
    if (s->state == PX_S_ESTABLISHED)
        run(s);
}

/* The session timer while connecting: a connect deadline or the hedge. */
static void on_connect_timer(struct px_sess *s)
{
    struct px_gen *g = gen_of(s);
    uint64_t next;
    switch (px_race_tick(&s->race, ev_now(s->wpx->w->loop), g->connect_ns, g->hedge_ns,
                         s->attempts <= g->retries, &next)) {
    case PX_RACE_PRIMARY_TIMEOUT:
        connect_failed(s, CHK_R_CONNECT_TIMEOUT);
        return;
    case PX_RACE_HEDGE_TIMEOUT:
        hedge_failed(s, CHK_R_CONNECT_TIMEOUT);
        return;
    case PX_RACE_HEDGE:
        hedge_start(s);
        arm_connect(s);
        return;
    default:
        arm_connect(s);
    }
}

static void on_timer(struct ev_loop *loop, struct ev_timer *t)
{
    struct px_sess *s = t->arg;
    uint64_t next = 0;
    if (s->state == PX_S_CONNECTING) {
        on_connect_timer(s);
        return;
    }
    if (s->ka_at && ev_now(loop) >= s->ka_at) {
        px_sock_server_keepalive(s->sio.fd, gen_of(s)->silent_ms);
        s->ka_at = 0;
    }
    switch (
        px_timeout_check(ev_now(loop), s->last_active, gen_of(s)->idle_ns, s->drain_at, &next)) {
    case PX_TMO_IDLE:
        log_debug("px", gen_of(s)->name, "closing a connection to %s: idle for %llu ms",
                  gen_of(s)->srv[s->srv].s->name,
                  (unsigned long long)(gen_of(s)->idle_ns / NS_PER_MS));
        sess_close(s, PX_C_closed_idle);
        break;
    case PX_TMO_DRAIN:
        sess_close(s, PX_C_closed_drain);
        break;
    default:
        ev_timer_start_at(loop, t, s->ka_at && s->ka_at < next ? s->ka_at : next, on_timer, s);
    }
}

/* ---- accept and drain ---- */

static void drop_new(struct px_wpx *wpx, int fd, const struct sockaddr_storage *peer,
                     enum px_pcounter why, unsigned open)
{
    struct px_gen *g = wpx->gen;
    char who[PX_ADDRSTR], why_txt[400];
    px_sockaddr_str((const struct sockaddr *)peer, true, who, sizeof(who));
    px_add(&g->rt->c[why], 1);
    if (why == PX_C_drop_maxconn) {
        log_rl(&wpx->rl_maxconn, now_ms(wpx->w), LOG_WARN, "px", g->name,
               "maxconn %u reached (%u open): closing the new connection from %s", g->maxconn, open,
               who);
    } else if (why == PX_C_drop_no_server) {
        px_servers_why(g, why_txt, sizeof(why_txt));
        log_rl(&wpx->rl_noserver, now_ms(wpx->w), LOG_WARN, "px", g->name,
               "no server available, closing the connection from %s at once: %s", who, why_txt);
    }
    close(fd);
}

void px_sess_accept(struct px_wpx *wpx, int fd, const struct sockaddr_storage *peer)
{
    struct px_worker *w = wpx->w;
    struct px_gen *g = wpx->gen;
    uint64_t chash =
        g->algo == PX_BALANCE_SOURCE ? px_balance_client_hash((const struct sockaddr *)peer) : 0;
    unsigned open = atomic_fetch_add_explicit(&g->rt->conns, 1, memory_order_relaxed) + 1;
    px_add(&g->rt->c[PX_C_accepted], 1);
    if (open > g->maxconn) {
        atomic_fetch_sub_explicit(&g->rt->conns, 1, memory_order_relaxed);
        drop_new(wpx, fd, peer, PX_C_drop_maxconn, open - 1);
        return;
    }
    int idx = px_pick(wpx, chash, 0);
    struct px_sess *s = idx >= 0 ? sess_alloc(w) : NULL;
    if (!s) {
        atomic_fetch_sub_explicit(&g->rt->conns, 1, memory_order_relaxed);
        drop_new(wpx, fd, peer, idx < 0 ? PX_C_drop_no_server : PX_C_drop_internal, open);
        return;
    }
    s->wpx = wpx;
    s->chash = chash;
    s->srv = -1;
    s->sio.fd = -1;
    s->hio.fd = -1;
    s->c2s.pipe.rd = s->c2s.pipe.wr = s->s2c.pipe.rd = s->s2c.pipe.wr = -1;
    s->reported = px_conns_on(w->px) && px_conns_tuple(fd, peer, &s->tup);
    if (s->reported)
        px_conns_report(w->px, VRRP_TP_ADD, &s->tup);
    s->next = w->sessions;
    if (w->sessions)
        w->sessions->prev = s;
    w->sessions = s;
    w->nsess++;
    wpx->nsess++;
    if (ev_io_start(w->loop, &s->cio, fd, EV_ET, on_client, s) < 0) {
        s->cio.fd = fd;
        sess_close(s, PX_C_drop_internal);
        return;
    }
    if (connect_next(s, idx, CHK_R_INTERNAL_ERROR) < 0) /* last: no attempt yet */
        return;
    if (g->retries > 0) {
        /* Keep the client's first bytes until the server answers (the
         * buffer is taken when the first byte comes: a silent connection
         * costs nothing). With them kept, relay optimistically now: the
         * request is usually there already, and on a near server (same
         * host, same link) the connect has often completed inside
         * connect(2); if not, the write just says EAGAIN and EPOLLOUT
         * follows. This saves a loop iteration per connection. */
        s->c2s.retain = true;
        s->replay = true;
        s->c_rd = s->s_wr = true;
        run(s);
    }
}

void px_sess_drain(struct px_worker *w, const struct px_srv *srv, uint64_t drain_ns)
{
    uint64_t now = ev_now(w->loop);
    struct px_sess *s = w->sessions, *next;
    for (; s; s = next) {
        next = s->next;
        if (srv && s->race.hedging && gen_of(s)->srv[s->hsrv].s == srv) {
            hedge_close(s); /* its hedge will not connect either */
            (void)px_race_done(&s->race, true, false);
            arm_connect(s);
        }
        if (srv && (s->srv < 0 || gen_of(s)->srv[s->srv].s != srv))
            continue;
        if (srv && s->state == PX_S_CONNECTING) {
            /* not a connection to that server yet, and it will not become
             * one: go on with the hedge, or try the next server, now rather
             * than at the connect timeout (a server that went away silently
             * never answers) */
            server_close(s);
            if (px_race_done(&s->race, false, false) == PX_RACE_PROMOTE) {
                if (hedge_to_primary(s) == 0)
                    arm_connect(s);
                continue;
            }
            (void)connect_next(s, -1, (enum chk_result)atomic_load(&srv->last));
            continue;
        }
        if (srv && s->replay) {
            /* connected, but the server has said nothing yet (a TLS
             * handshake waiting for its ServerHello): replay elsewhere
             * now instead of closing the client later */
            replay_elsewhere(s, (enum chk_result)atomic_load(&srv->last));
            continue;
        }
        if (!srv)
            s->drain_all = true;
        uint64_t d = srv ? drain_ns : gen_of(s)->drain_ns;
        if (d == 0) {
            sess_close(s, PX_C_closed_drain);
            continue;
        }
        s->drain_at = px_drain_deadline(now, d, px_worker_rand(w), s->drain_at);
        if (s->state == PX_S_ESTABLISHED)
            arm_idle(s);
    }
}
