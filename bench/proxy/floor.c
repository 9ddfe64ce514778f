/* floor: the least a user-space TCP relay can do, to measure the ceiling.
 *
 * Not part of haplane and not a proxy anyone should run: one thread, one
 * backend, no health checks, no timeouts, no retries, no half-close (the
 * first FIN or error closes both sides), no counters, no logs. It makes the
 * minimum of system calls per connection and per message (accept4, socket,
 * one setsockopt, connect, two EPOLL_CTL_ADD, read and write, two close,
 * nothing else) and has no user-space work to speak of, so whatever it
 * reaches in bench/proxy/run is the most a relay built on epoll and
 * read/write can reach on that machine: the figures of haplane and haproxy
 * are read against it.
 *
 *   floor LISTEN_PORT BACKEND_PORT      (both on 127.0.0.1)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUF 16384

struct side {
    int fd;
    struct side *peer;
    char *buf; /* bytes read from this side not yet written to the peer */
    int off, len;
    int rd, wr, hup; /* edge-triggered readiness, FIN seen */
};

static struct side gone; /* marks events of a pair closed earlier in the batch */

static void die(const char *what)
{
    perror(what);
    exit(1);
}

static void close_pair(struct side *a)
{
    struct side *b = a->peer;
    close(a->fd);
    close(b->fd);
    free(a->buf);
    free(b->buf);
    free(a < b ? a : b); /* both halves are one allocation */
}

/* Move src's bytes to its peer until blocked. -1: the pair is finished. */
static int pump(struct side *src)
{
    struct side *dst = src->peer;
    for (;;) {
        if (src->len > 0) {
            if (!dst->wr)
                return 0;
            ssize_t n = write(dst->fd, src->buf + src->off, (size_t)src->len);
            if (n < 0) {
                if (errno == EAGAIN) {
                    dst->wr = 0;
                    return 0;
                }
                return -1;
            }
            src->off += (int)n;
            src->len -= (int)n;
            if (src->len > 0) {
                dst->wr = 0;
                return 0;
            }
        }
        if (!src->rd)
            return 0;
        if (!src->buf && !(src->buf = malloc(BUF)))
            return -1;
        ssize_t n = read(src->fd, src->buf, BUF);
        if (n <= 0) {
            if (n < 0 && errno == EAGAIN) {
                src->rd = 0;
                return 0;
            }
            return -1;
        }
        if (n < BUF && !src->hup)
            src->rd = 0; /* a short read emptied the socket */
        src->off = 0;
        src->len = (int)n;
    }
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: floor LISTEN_PORT BACKEND_PORT\n");
        return 2;
    }
    struct sockaddr_in la = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[1]))};
    struct sockaddr_in ba = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2]))};
    la.sin_addr.s_addr = ba.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int one = 1;
    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (lfd < 0)
        die("socket");
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    setsockopt(lfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)); /* inherited by accepted */
    if (bind(lfd, (struct sockaddr *)&la, sizeof(la)) < 0 || listen(lfd, 4096) < 0)
        die("bind/listen");
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
    epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
    struct epoll_event evs[256];
    for (;;) {
        int n = epoll_wait(ep, evs, 256, -1);
        for (int i = 0; i < n; i++) {
            struct side *s = evs[i].data.ptr;
            if (s == &gone)
                continue;
            if (!s) {
                int c;
                while ((c = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                    int b = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
                    struct side *pair = calloc(2, sizeof(*pair));
                    if (b < 0 || !pair) {
                        close(c);
                        if (b >= 0)
                            close(b);
                        free(pair);
                        continue;
                    }
                    setsockopt(b, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
                    if (connect(b, (struct sockaddr *)&ba, sizeof(ba)) < 0 &&
                        errno != EINPROGRESS) {
                        close(c);
                        close(b);
                        free(pair);
                        continue;
                    }
                    pair[0] = (struct side){.fd = c, .peer = &pair[1], .wr = 1};
                    pair[1] = (struct side){.fd = b, .peer = &pair[0]};
                    struct epoll_event e = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET};
                    e.data.ptr = &pair[0];
                    epoll_ctl(ep, EPOLL_CTL_ADD, c, &e);
                    e.data.ptr = &pair[1];
                    epoll_ctl(ep, EPOLL_CTL_ADD, b, &e);
                }
                continue;
            }
            uint32_t e = evs[i].events;
            if (e & EPOLLERR) {
                close_pair(s);
                continue;
            }
            if (e & (EPOLLRDHUP | EPOLLHUP))
                s->hup = 1;
            if (e & (EPOLLIN | EPOLLRDHUP | EPOLLHUP))
                s->rd = 1;
            if (e & EPOLLOUT)
                s->wr = 1;
            /* this side's bytes out, then whatever the peer had waiting
             * for this side to become writable */
            struct side *p = s->peer;
            if (pump(s) < 0 || pump(p) < 0) {
                close_pair(s);
                /* a later event of this batch may name the freed pair */
                for (int j = i + 1; j < n; j++)
                    if (evs[j].data.ptr == s || evs[j].data.ptr == p)
                        evs[j].data.ptr = &gone;
            }
        }
    }
}
