/* px_pool: a worker's spare pipes and buffers. A connection holds a pipe
 * (splice) or a buffer (copy) only while bytes are in flight, so an idle
 * connection costs its two sockets and nothing else; the pool keeps a few
 * spares so that a busy connection does not create a pipe per read. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "proxy/proxy-int.h"

int px_pool_pipe_get(struct px_pool *p, struct px_pipe *out)
{
    int fds[2];
    if (p->npipes) {
        *out = p->pipes[--p->npipes];
        return 0;
    }
    if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) < 0) {
        p->pipe_failures++;
        return -1;
    }
    /* A bigger pipe moves more per splice(2); the default (64 KiB) is
     * kept if the kernel refuses. */
    (void)fcntl(fds[1], F_SETPIPE_SZ, PX_PIPE_SIZE);
    p->pipes_created++;
    out->rd = fds[0];
    out->wr = fds[1];
    return 0;
}

void px_pool_pipe_put(struct px_pool *p, struct px_pipe *pp)
{
    if (pp->rd < 0)
        return;
    if (p->npipes < p->maxpipes)
        p->pipes[p->npipes++] = *pp;
    else
        px_pool_pipe_drop(pp);
    pp->rd = pp->wr = -1;
}

void px_pool_set_max(struct px_pool *p, unsigned max)
{
    p->maxpipes = max < PX_POOL_PIPES ? max : PX_POOL_PIPES;
    while (p->npipes > p->maxpipes)
        px_pool_pipe_drop(&p->pipes[--p->npipes]);
}

void px_pool_pipe_drop(struct px_pipe *pp)
{
    if (pp->rd < 0)
        return;
    close(pp->rd);
    close(pp->wr);
    pp->rd = pp->wr = -1;
}

struct px_buf *px_pool_buf_get(struct px_pool *p)
{
    struct px_buf *b = p->bufs;
    if (b) {
        p->bufs = b->next;
        p->nbufs--;
        return b;
    }
    return malloc(sizeof(*b));
}

void px_pool_buf_put(struct px_pool *p, struct px_buf *b)
{
    if (!b)
        return;
    if (p->nbufs >= PX_POOL_BUFS) {
        free(b);
        return;
    }
    b->next = p->bufs;
    p->bufs = b;
    p->nbufs++;
}

void px_pool_free(struct px_pool *p)
{
    while (p->npipes)
        px_pool_pipe_drop(&p->pipes[--p->npipes]);
    while (p->bufs) {
        struct px_buf *b = p->bufs;
        p->bufs = b->next;
        free(b);
    }
    p->nbufs = 0;
}
