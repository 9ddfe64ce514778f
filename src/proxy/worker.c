/* px_worker: a proxy worker thread. Its own event loop, its own listening
 * socket per bind of each proxy it serves (the kernel spreads connections
 * over the workers' SO_REUSEPORT sockets), its sessions, its pools. The
 * main thread talks to it only through its message queue.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proxy/proxy-int.h"

uint64_t px_worker_rand(struct px_worker *w)
{
    /* xorshift64*: spreads drain deadlines; not for anything secret */
    uint64_t x = w->rnd;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    w->rnd = x;
    return x * 0x2545F4914F6CDD1DULL;
}

/* ---- listeners ---- */

static void on_accept(struct ev_loop *loop, struct ev_io *io, uint32_t events);

/* The spare descriptor a worker keeps for accept_shed; -1 if none. */
static int spare_open(void)
{
    return open("/dev/null", O_RDONLY | O_CLOEXEC);
}

/* Open listener l again (after listener_reset closed it). 0, or -1 (logged,
 * rate-limited; on_resume tries again). */
static int listener_reopen(struct px_lis *l)
{
    struct px_wpx *wpx = l->wpx;
    char err[200];
    l->fd = px_listen(&wpx->gen->binds[l - wpx->lis], wpx->gen, err, sizeof(err));
    if (l->fd >= 0)
        return 0;
    log_rl(&wpx->rl_accept, ev_now(wpx->w->loop) / NS_PER_MS, LOG_ERROR, "px", wpx->gen->name,
           "%s; trying again in %llu ms", err, (unsigned long long)(PX_ACCEPT_PAUSE / NS_PER_MS));
    return -1;
}

static void on_resume(struct ev_loop *loop, struct ev_timer *t)
{
    struct px_lis *l = t->arg;
    struct px_worker *w = l->wpx->w;
    if (l->fd < 0 && listener_reopen(l) < 0) {
        ev_timer_start(loop, &l->resume, PX_ACCEPT_PAUSE, on_resume, l);
        return;
    }
    if (w->spare_fd < 0)
        w->spare_fd = spare_open();
    if (ev_io_start(loop, &l->io, l->fd, EPOLLIN, on_accept, l) < 0)
        ev_timer_start(loop, &l->resume, PX_ACCEPT_PAUSE, on_resume, l);
}

/* Out of descriptors: the clients waiting in the listen queue would hang
 * there until some come back. Give up the worker's spare descriptor,
 * accept each waiting client (up to a batch) and close it at once, so it
 * sees its connection closed, then take the spare again. Returns how many
 * were closed (each counted in dropped_out_of_fds). */
static unsigned accept_shed(struct px_lis *l)
{
    struct px_worker *w = l->wpx->w;
    unsigned n = 0;
    if (w->spare_fd < 0 && (w->spare_fd = spare_open()) < 0)
        return 0;
    close(w->spare_fd);
    for (; n < PX_ACCEPT_BATCH; n++) {
        int fd = accept4(l->fd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0)
            break;
        close(fd);
    }
    w->spare_fd = spare_open(); /* -1 if another thread took it: on_resume retries */
    px_add(&l->wpx->gen->rt->c[PX_C_drop_no_fd], n);
    return n;
}

/* accept(2) failed for want of a resource (EMFILE, ENFILE, ENOBUFS,
 * ENOMEM): the connection stays in the backlog and the listener stays
 * readable, so stop watching it for a moment instead of spinning. Out of
 * descriptors, the waiting clients are closed first (accept_shed). */
static void accept_pause(struct px_lis *l, int err)
{
    struct px_wpx *wpx = l->wpx;
    struct px_worker *w = wpx->w;
    unsigned shed = (err == EMFILE || err == ENFILE) ? accept_shed(l) : 0;
    int reset = (err == EMFILE || err == ENFILE) && !shed && w->spare_fd < 0;
    px_add(&wpx->gen->rt->c[PX_C_accept_errors], 1);
    ev_io_stop(w->loop, &l->io);
    if (reset) {
        /* no spare descriptor to shed with (another thread took the one it
         * freed): closing the listening socket resets every connection in
         * its queue, so those clients see a reset instead of hanging, and it
         * is opened again with the descriptor this frees */
        log_rl(&wpx->rl_accept, ev_now(w->loop) / NS_PER_MS, LOG_ERROR, "px", wpx->gen->name,
               "accept: %s and no spare descriptor: resetting the clients waiting in this "
               "listener's queue",
               strerror(err));
        close(l->fd);
        px_add(&wpx->gen->rt->c[PX_C_drop_no_fd], 1);
        if (listener_reopen(l) < 0) {
            ev_timer_start(w->loop, &l->resume, PX_ACCEPT_PAUSE, on_resume, l);
            return;
        }
    }
    log_rl(&wpx->rl_accept, ev_now(w->loop) / NS_PER_MS, LOG_ERROR, "px", wpx->gen->name,
           "accept: %s; closed %u waiting connection%s at once, pausing this listener for "
           "%llu ms",
           strerror(err), shed, shed == 1 ? "" : "s",
           (unsigned long long)(PX_ACCEPT_PAUSE / NS_PER_MS));
    ev_timer_start(w->loop, &l->resume, PX_ACCEPT_PAUSE, on_resume, l);
}

static void on_accept(struct ev_loop *loop, struct ev_io *io, uint32_t events)
{
    struct px_lis *l = io->arg;
    for (int i = 0; i < PX_ACCEPT_BATCH; i++) {
        struct sockaddr_storage peer;
        socklen_t len = sizeof(peer);
        int fd = accept4(l->fd, (struct sockaddr *)&peer, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            int e = errno;
            if (e == EAGAIN || e == EINTR)
                return;
            if (e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM) {
                accept_pause(l, e);
                return;
            }
            /* ECONNABORTED and friends: that client is gone, go on */
            px_add(&l->wpx->gen->rt->c[PX_C_accept_errors], 1);
            continue;
        }
        px_sess_accept(l->wpx, fd, &peer);
    }
}

static void lis_close(struct px_worker *w, struct px_wpx *wpx)
{
    for (size_t i = 0; i < wpx->nlis; i++) {
        ev_io_stop(w->loop, &wpx->lis[i].io);
        ev_timer_stop(w->loop, &wpx->lis[i].resume);
        if (wpx->lis[i].fd >= 0)
            close(wpx->lis[i].fd);
    }
    free(wpx->lis);
    wpx->lis = NULL;
    wpx->nlis = 0;
}

/* ---- per-proxy state ---- */

static void wpx_free(struct px_worker *w, struct px_wpx *wpx)
{
    lis_close(w, wpx);
    px_gen_unref(wpx->gen);
    free(wpx);
}

static void unlink_wpx(struct px_wpx **head, struct px_wpx *wpx)
{
    for (struct px_wpx **p = head; *p; p = &(*p)->next)
        if (*p == wpx) {
            *p = wpx->next;
            return;
        }
}

/* No longer served: stop accepting; free it once its sessions are gone. */
static void wpx_retire(struct px_worker *w, struct px_wpx *wpx)
{
    lis_close(w, wpx);
    if (wpx->nsess == 0) {
        wpx_free(w, wpx);
        return;
    }
    wpx->retired = true;
    wpx->next = w->retired;
    w->retired = wpx;
}

static void check_drained(struct px_worker *w)
{
    if (!w->shutting || w->nsess || w->drained_sent)
        return;
    struct px_msg *m = calloc(1, sizeof(*m));
    if (!m)
        return; /* main will find out at px_stop */
    w->drained_sent = true;
    m->type = PX_M_DRAINED;
    m->worker = w->id;
    px_post_main(w->px, m);
}

void px_worker_sess_gone(struct px_worker *w, struct px_wpx *wpx)
{
    wpx->nsess--;
    if (wpx->retired && wpx->nsess == 0) {
        unlink_wpx(&w->retired, wpx);
        wpx_free(w, wpx);
    }
    check_drained(w);
}

static struct px_wpx *take_old(struct px_wpx **old, const char *name)
{
    for (struct px_wpx *p = *old; p; p = p->next)
        if (strcmp(p->gen->name, name) == 0) {
            unlink_wpx(old, p);
            p->next = NULL;
            return p;
        }
    return NULL;
}

static void rl_init(struct log_ratelimit *rl)
{
    memset(rl, 0, sizeof(*rl));
    rl->interval_ms = 10000;
    rl->burst = 3;
}

/* Serve c from now on. Its listeners are new sockets, or (inherit) those
 * of the proxy of the same name served until now. */
static int wpx_add(struct px_worker *w, struct px_wcfg *c, struct px_wpx **old)
{
    struct px_wpx *wpx = calloc(1, sizeof(*wpx));
    struct px_wpx *prev = take_old(old, c->gen->name);
    if (!wpx)
        goto fail;
    wpx->w = w;
    wpx->gen = c->gen;
    px_balance_init(&wpx->bal, c->gen->algo, (unsigned)w->id);
    rl_init(&wpx->rl_maxconn);
    rl_init(&wpx->rl_noserver);
    rl_init(&wpx->rl_connect);
    rl_init(&wpx->rl_accept);
    rl_init(&wpx->rl_hedge);
    if (c->inherit && prev) {
        wpx->lis = prev->lis;
        wpx->nlis = prev->nlis;
        prev->lis = NULL;
        prev->nlis = 0;
        for (size_t i = 0; i < wpx->nlis; i++)
            wpx->lis[i].wpx = wpx;
    } else if (c->fds) {
        wpx->lis = calloc(c->gen->nbinds, sizeof(*wpx->lis));
        if (!wpx->lis)
            goto fail;
        for (size_t i = 0; i < c->gen->nbinds; i++) {
            struct px_lis *l = &wpx->lis[i];
            l->wpx = wpx;
            l->fd = c->fds[i];
            c->fds[i] = -1;
            wpx->nlis++;
            if (ev_io_start(w->loop, &l->io, l->fd, EPOLLIN, on_accept, l) < 0)
                ev_timer_start(w->loop, &l->resume, PX_ACCEPT_PAUSE, on_resume, l);
        }
    }
    c->gen = NULL; /* the reference is wpx's now */
    wpx->next = w->cur;
    w->cur = wpx;
    if (prev)
        wpx_retire(w, prev);
    return 0;
fail:
    free(wpx);
    if (prev)
        wpx_retire(w, prev);
    log_error("px", c->gen->name, "worker %d: out of memory applying a configuration", w->id);
    return -1;
}

static void apply_config(struct px_worker *w, struct px_msg *m)
{
    struct px_wpx *old = w->cur;
    px_pool_set_max(&w->pool, m->pool_pipes);
    w->cur = NULL;
    for (size_t i = 0; i < m->ncfg; i++)
        wpx_add(w, &m->cfg[i], &old);
    while (old) {
        struct px_wpx *n = old->next;
        wpx_retire(w, old);
        old = n;
    }
}

static void shutdown_start(struct px_worker *w)
{
    w->shutting = true;
    for (struct px_wpx *p = w->cur; p; p = p->next)
        lis_close(w, p);
    px_sess_drain(w, NULL, 0);
    check_drained(w);
}

static void on_mq(struct ev_loop *loop, struct ev_io *io, uint32_t events)
{
    struct px_worker *w = io->arg;
    struct px_msg *m = px_mq_take(&w->mq);
    while (m) {
        struct px_msg *n = m->next;
        switch (m->type) {
        case PX_M_CONFIG:
            apply_config(w, m);
            break;
        case PX_M_DRAIN:
            px_sess_drain(w, m->srv, m->drain_ns);
            break;
        case PX_M_SHUTDOWN:
            shutdown_start(w);
            break;
        case PX_M_STOP:
            ev_stop(loop);
            break;
        default:
            break;
        }
        px_msg_free(m);
        m = n;
    }
}

/* ---- turns: a connection that moved PX_RUN_BUDGET bytes one way waits
 * until the events of the others are handled (a zero-delay timer runs after
 * the current epoll batch) ---- */

static void on_ready(struct ev_loop *loop, struct ev_timer *t)
{
    struct px_worker *w = t->arg;
    struct px_sess *s = w->ready;
    w->ready = w->ready_tail = NULL;
    while (s) {
        struct px_sess *n = s->rnext;
        s->queued = false;
        s->rnext = NULL;
        px_sess_resume(s); /* may queue itself again, on the new list */
        s = n;
    }
}

void px_worker_requeue(struct px_worker *w, struct px_sess *s)
{
    if (s->queued)
        return;
    s->queued = true;
    s->rnext = NULL;
    if (w->ready_tail)
        w->ready_tail->rnext = s;
    else
        w->ready = s;
    w->ready_tail = s;
    if (!ev_timer_active(&w->ready_tmr))
        ev_timer_start(w->loop, &w->ready_tmr, 0, on_ready, w);
}

void px_worker_unqueue(struct px_worker *w, struct px_sess *s)
{
    struct px_sess *prev = NULL;
    for (struct px_sess *p = w->ready; p; prev = p, p = p->rnext) {
        if (p != s)
            continue;
        if (prev)
            prev->rnext = p->rnext;
        else
            w->ready = p->rnext;
        if (w->ready_tail == p)
            w->ready_tail = prev;
        break;
    }
    s->queued = false;
    s->rnext = NULL;
}

/* ---- the thread ---- */

static void *worker_main(void *arg)
{
    struct px_worker *w = arg;
    char name[16];
    snprintf(name, sizeof(name), "haplane-px%d", w->id);
    pthread_setname_np(pthread_self(), name);
    if (ev_run(w->loop) < 0)
        log_error("px", NULL, "worker %d: event loop failed: %s", w->id, strerror(errno));
    /* leaving: close every connection, listener and pipe */
    while (w->sessions)
        px_sess_abort(w->sessions);
    while (w->cur) {
        struct px_wpx *n = w->cur->next;
        wpx_free(w, w->cur);
        w->cur = n;
    }
    while (w->retired) {
        struct px_wpx *n = w->retired->next;
        wpx_free(w, w->retired);
        w->retired = n;
    }
    while (w->free_sess) {
        struct px_sess *n = w->free_sess->next;
        free(w->free_sess);
        w->free_sess = n;
    }
    px_pool_free(&w->pool);
    if (w->spare_fd >= 0)
        close(w->spare_fd);
    w->spare_fd = -1;
    return NULL;
}

struct px_worker *px_worker_new(struct px *px, int id, char *err, size_t errlen)
{
    struct px_worker *w = calloc(1, sizeof(*w));
    if (!w) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    w->px = px;
    w->id = id;
    w->mq.efd = -1;
    w->spare_fd = spare_open(); /* none (-1): accept_shed cannot help, pausing still does */
    w->rnd = (ev_clock_ns() ^ ((uint64_t)(id + 1) << 40)) | 1;
    w->loop = ev_loop_new();
    if (!w->loop || px_mq_init(&w->mq) < 0 ||
        ev_io_start(w->loop, &w->mq_io, w->mq.efd, EPOLLIN, on_mq, w) < 0) {
        snprintf(err, errlen, "worker %d: %s", id, strerror(errno));
        px_worker_free(w);
        return NULL;
    }
    return w;
}

int px_worker_start(struct px_worker *w, char *err, size_t errlen)
{
    sigset_t all, old;
    sigfillset(&all);
    /* workers take no signals: the main loop handles them */
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = pthread_create(&w->th, NULL, worker_main, w);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        snprintf(err, errlen, "cannot start worker %d: %s", w->id, strerror(rc));
        return -1;
    }
    w->started = true;
    return 0;
}

void px_worker_free(struct px_worker *w)
{
    if (!w)
        return;
    if (w->started) {
        struct px_msg *m = calloc(1, sizeof(*m));
        if (m) {
            m->type = PX_M_STOP;
            px_mq_push(&w->mq, m);
        } else {
            ev_stop(w->loop); /* last resort; the loop notices after its next event */
        }
        pthread_join(w->th, NULL);
    }
    if (w->spare_fd >= 0) /* a worker that never ran */
        close(w->spare_fd);
    px_mq_destroy(&w->mq);
    ev_loop_free(w->loop);
    free(w);
}
