/* px_relay: move a session's bytes both ways, with splice(2) through a pipe
 * or with read/write through a buffer.
 *
 * Sockets are registered edge-triggered, so readiness is remembered in the
 * session (c_rd, c_wr, s_rd, s_wr) and cleared only when the kernel says
 * EAGAIN: each call moves bytes until a source is empty, a destination is
 * full, or a FIN arrives. A FIN (read returns 0) is passed on as
 * shutdown(SHUT_WR) once every byte before it is written, and the other
 * direction goes on: half-close is preserved. A pipe or buffer is taken
 * from the worker's pool only for bytes in flight and given back as soon
 * as it is empty.
 *
 * A pipe can refuse more bytes while holding fewer than its size (each
 * splice of a partial socket buffer takes a whole pipe slot), so EAGAIN
 * from a splice into a non-empty pipe means "pipe full", not "socket
 * empty": the source stays marked readable until a splice into an empty
 * pipe says EAGAIN.
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "proxy/proxy-int.h"

enum dir_res { DIR_OK, DIR_SRC_ERR, DIR_DST_ERR };

#define SPLICE_FLAGS (SPLICE_F_MOVE | SPLICE_F_NONBLOCK)

void px_dir_release(struct px_pool *pool, struct px_dir *d)
{
    if (d->pipe.rd >= 0) {
        if (d->pending)
            px_pool_pipe_drop(&d->pipe);
        else
            px_pool_pipe_put(pool, &d->pipe);
    }
    if (d->buf) {
        px_pool_buf_put(pool, d->buf);
        d->buf = NULL;
    }
    d->pending = d->off = d->end = 0;
    d->retain = false;
}

/* Give back an empty pipe or buffer (a buffer retaining bytes stays). */
static void settle(struct px_pool *pool, struct px_dir *d)
{
    if (d->pending)
        return;
    if (d->buf) {
        if (d->retain && d->end)
            return;
        px_pool_buf_put(pool, d->buf);
        d->buf = NULL;
        d->off = d->end = 0;
    } else if (d->pipe.rd >= 0) {
        px_pool_pipe_put(pool, &d->pipe);
    }
}

/* Make sure d has somewhere to read into: a pipe for bulk transfers in
 * splice mode, else a buffer. -1 (ENOMEM) if not even a buffer. */
static int hold(struct px_sess *s, struct px_dir *d)
{
    struct px_worker *w = s->wpx->w;
    if (d->buf || d->pipe.rd >= 0)
        return 0;
    /* in the replay phase the bytes must stay readable: a buffer */
    if (s->wpx->gen->splice && d->bulk && !d->retain) {
        if (px_pool_pipe_get(&w->pool, &d->pipe) == 0)
            return 0;
        /* out of descriptors (EMFILE...): copy this chunk instead */
        px_add(&s->wpx->gen->rt->c[PX_C_pipe_fallback], 1);
    }
    d->buf = px_pool_buf_get(&w->pool);
    if (!d->buf) {
        errno = ENOMEM;
        return -1;
    }
    d->off = d->end = 0;
    return 0;
}

enum { OUT_ERR = -1, OUT_FULL = 0, OUT_ALL = 1, OUT_SOME = 2 };

/* Write what d holds to dfd. OUT_ALL: everything went; OUT_SOME: part of
 * it, try again; OUT_FULL: dfd takes nothing more now (EAGAIN, or a short
 * write(2), which only happens when the socket's send buffer is full: the
 * kernel then reports EPOLLOUT when it has room again); OUT_ERR: errno. */
static int put_out(struct px_sess *s, struct px_dir *d, int dfd)
{
    ssize_t n;
    uint32_t want = d->pending;
    if (d->buf)
        n = write(dfd, d->buf->data + d->off, want);
    else
        n = splice(d->pipe.rd, NULL, dfd, NULL, want, SPLICE_FLAGS);
    if (n < 0)
        return (errno == EAGAIN || errno == EINTR) ? OUT_FULL : OUT_ERR;
    d->pending -= (uint32_t)n;
    d->wrote |= n > 0;
    if (d->buf)
        d->off += (uint32_t)n;
    settle(&s->wpx->w->pool, d);
    if (d->pending == 0)
        return OUT_ALL;
    return d->buf ? OUT_FULL : OUT_SOME;
}

enum { IN_ERR = -1, IN_EMPTY = -2, IN_FULL = -3 };

/* Read from sfd into d: bytes (> 0), 0 at EOF, IN_ERR (errno), IN_EMPTY
 * (nothing to read now), IN_FULL (no room now: pipe or buffer full).
 * *drained: a read(2) shorter than asked, from a socket with no FIN seen
 * (hup false), has emptied the socket: edge-triggered epoll reports bytes
 * arriving from now on, so there is no need to ask again until then (one
 * system call saved per message). A short splice(2) proves nothing (the
 * pipe may have run out of slots), so splice reads go on until EAGAIN. A
 * read that fills a whole empty buffer marks the direction bulk: the next
 * chunks go through a pipe (splice mode); a small splice read ends that. */
static ssize_t take_in(struct px_sess *s, struct px_dir *d, int sfd, bool hup, bool *drained)
{
    ssize_t n;
    size_t room = PX_BUF_SIZE;
    if (hold(s, d) < 0)
        return IN_ERR;
    do {
        if (d->buf) {
            room = PX_BUF_SIZE - d->end;
            if (room == 0)
                return IN_FULL;
            n = read(sfd, d->buf->data + d->end, room);
        } else {
            n = splice(sfd, NULL, d->pipe.wr, NULL, PX_PIPE_SIZE, SPLICE_FLAGS);
        }
    } while (n < 0 && errno == EINTR);
    if (n > 0) {
        d->pending += (uint32_t)n;
        if (d->buf) {
            d->end += (uint32_t)n;
            if ((size_t)n < room)
                *drained = !hup;
            else if (room == PX_BUF_SIZE)
                d->bulk = true;
        } else if (n < PX_BUF_SIZE / 2) {
            d->bulk = false;
        }
        return n;
    }
    if (n == 0)
        return 0;
    if (errno != EAGAIN)
        return IN_ERR;
    if (!d->buf && d->pending)
        return IN_FULL; /* the pipe is full, the socket may not be empty */
    settle(&s->wpx->w->pool, d);
    return IN_EMPTY;
}

/* One direction, src -> dst, until blocked. src_hup: a FIN (or error) was
 * reported on src. other_shut: the other direction is finished, so this
 * one finishing ends the session (its close sends the FIN: no shutdown).
 * may_shut: dst is connected (a shutdown of a socket still connecting
 * would abort the connect). *moved += bytes read. */
static enum dir_res dir_run(struct px_sess *s, struct px_dir *d, int sfd, int dfd, bool *src_rd,
                            bool *dst_wr, bool src_hup, bool other_shut, bool may_shut,
                            uint64_t *moved, int *err, bool *more)
{
    uint64_t start = *moved;
    for (;;) {
        if (d->pending && *dst_wr) {
            int r = put_out(s, d, dfd);
            if (r == OUT_ERR) {
                *err = errno;
                return DIR_DST_ERR;
            }
            if (r == OUT_FULL)
                *dst_wr = false;
        }
        if (!d->pending && d->eof && !d->shut && may_shut) {
            if (!other_shut)
                (void)shutdown(dfd, SHUT_WR); /* ENOTCONN: the peer is gone already */
            d->shut = true;
        }
        if (d->eof || !*src_rd)
            return DIR_OK;
        if (*moved - start >= PX_RUN_BUDGET) {
            *more = true; /* let the other connections have a turn */
            return DIR_OK;
        }
        bool drained = false;
        ssize_t n = take_in(s, d, sfd, src_hup, &drained);
        if (n > 0) {
            *moved += (uint64_t)n;
            if (drained)
                *src_rd = false;
        } else if (n == 0) {
            d->eof = true;
        } else if (n == IN_ERR) {
            *err = errno;
            return DIR_SRC_ERR;
        } else if (n == IN_EMPTY) {
            *src_rd = false;
            return DIR_OK;
        } else if (!*dst_wr || !d->pending) {
            return DIR_OK; /* full: wait until dst takes some */
        }
    }
}

/* The first byte from the server (or its FIN) ends the replay phase: from
 * now on a failure is the client's to see, and bytes already sent are
 * forgotten. */
static void end_replay(struct px_sess *s)
{
    s->replay = false;
    s->c2s.retain = false;
    settle(&s->wpx->w->pool, &s->c2s);
}

enum px_relay_res px_relay(struct px_sess *s, int *err, bool *more)
{
    struct px_prt *rt = s->wpx->gen->rt;
    int cfd = s->cio.fd, sfd = s->sio.fd;
    uint64_t in = 0, out = 0;
    enum px_relay_res res = PX_R_OK;
    enum dir_res r;

    r = dir_run(s, &s->s2c, sfd, cfd, &s->s_rd, &s->c_wr, s->s_hup, s->c2s.shut, true, &out, err,
                more);
    if (r != DIR_OK) {
        res = r == DIR_SRC_ERR ? PX_R_SERVER_ERR : PX_R_CLIENT_ERR;
        goto out;
    }
    if (s->replay && (out || s->s2c.eof))
        end_replay(s);
    for (;;) {
        r = dir_run(s, &s->c2s, cfd, sfd, &s->c_rd, &s->s_wr, s->c_hup, s->s2c.shut,
                    s->state == PX_S_ESTABLISHED, &in, err, more);
        if (r != DIR_OK) {
            res = r == DIR_SRC_ERR ? PX_R_CLIENT_ERR : PX_R_SERVER_ERR;
            break;
        }
        if (!s->replay || s->c2s.end < PX_BUF_SIZE)
            break;
        /* the client says a lot before the server says anything: give up
         * the replay, go on relaying what is left */
        end_replay(s);
    }
out:
    if (in | out) {
        s->last_active = ev_now(s->wpx->w->loop);
        if (in)
            px_add(&rt->c[PX_C_bytes_in], in);
        if (out)
            px_add(&rt->c[PX_C_bytes_out], out);
    }
    return res;
}
