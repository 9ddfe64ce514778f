/* px_mq: message queues between the main thread and the workers, and the
 * reference counts of the objects those messages carry. */
#include <errno.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "proxy/proxy-int.h"

int px_mq_init(struct px_mq *q)
{
    q->head = q->tail = NULL;
    q->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (q->efd < 0)
        return -1;
    if (pthread_mutex_init(&q->mu, NULL) != 0) {
        close(q->efd);
        q->efd = -1;
        errno = ENOMEM;
        return -1;
    }
    return 0;
}

void px_mq_destroy(struct px_mq *q)
{
    struct px_msg *m = q->head;
    if (q->efd < 0)
        return;
    while (m) {
        struct px_msg *n = m->next;
        px_msg_free(m);
        m = n;
    }
    q->head = q->tail = NULL;
    close(q->efd);
    q->efd = -1;
    pthread_mutex_destroy(&q->mu);
}

void px_mq_push(struct px_mq *q, struct px_msg *m)
{
    uint64_t one = 1;
    m->next = NULL;
    pthread_mutex_lock(&q->mu);
    if (q->tail)
        q->tail->next = m;
    else
        q->head = m;
    q->tail = m;
    pthread_mutex_unlock(&q->mu);
    if (write(q->efd, &one, sizeof(one)) < 0) {
        /* EAGAIN: the counter is saturated, the reader is awake anyway */
    }
}

struct px_msg *px_mq_take(struct px_mq *q)
{
    uint64_t v;
    struct px_msg *m;
    if (read(q->efd, &v, sizeof(v)) < 0) {
        /* EAGAIN: nothing new, or already cleared */
    }
    pthread_mutex_lock(&q->mu);
    m = q->head;
    q->head = q->tail = NULL;
    pthread_mutex_unlock(&q->mu);
    return m;
}

void px_msg_free(struct px_msg *m)
{
    if (!m)
        return;
    if (m->srv)
        px_srv_unref(m->srv);
    for (size_t i = 0; i < m->ncfg; i++) {
        struct px_wcfg *c = &m->cfg[i];
        if (c->fds)
            for (size_t j = 0; c->gen && j < c->gen->nbinds; j++)
                if (c->fds[j] >= 0)
                    close(c->fds[j]);
        free(c->fds);
        if (c->gen)
            px_gen_unref(c->gen);
    }
    free(m->cfg);
    free(m);
}

/* ---- references ---- */

void px_srv_ref(struct px_srv *s)
{
    atomic_fetch_add(&s->refs, 1);
}

void px_srv_unref(struct px_srv *s)
{
    if (!s || atomic_fetch_sub(&s->refs, 1) != 1)
        return;
    free(s->name);
    free(s);
}

void px_prt_ref(struct px_prt *r)
{
    atomic_fetch_add(&r->refs, 1);
}

void px_prt_unref(struct px_prt *r)
{
    if (!r || atomic_fetch_sub(&r->refs, 1) != 1)
        return;
    free(r->name);
    free(r);
}

void px_gen_ref(struct px_gen *g)
{
    atomic_fetch_add(&g->refs, 1);
}

void px_gen_unref(struct px_gen *g)
{
    if (!g || atomic_fetch_sub(&g->refs, 1) != 1)
        return;
    for (size_t i = 0; i < g->nsrv; i++)
        px_srv_unref(g->srv[i].s);
    free(g->srv);
    free(g->binds);
    px_prt_unref(g->rt);
    free(g);
}
