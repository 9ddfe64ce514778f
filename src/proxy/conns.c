/* conns: the client connections on a VIP, reported to VRRP's
 * failover_reset (vrrp/tuples.h).
 *
 * With failover_reset in effect (cfg_failover_reset_any), each worker
 * records an accepted client connection (its local address as
 * getsockname(2) gives it: a wildcard bind's connections carry the address
 * the client reached, the VIP) and its close, in one locked list; the main
 * thread takes the list every tick (px_conns_take) and keeps those whose
 * local address is a VIP. The list is bounded: past PX_CONNS_MAX pending
 * reports, more are lost and counted (the VRRP side then misses them: a
 * client not reset, or a closed one reset for nothing).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/manager-int.h"

#define PX_CONNS_MAX 262144

int px_conns_init(struct px_conns *c)
{
    memset(c, 0, sizeof(*c));
    return pthread_mutex_init(&c->mu, NULL) != 0 ? -1 : 0;
}

void px_conns_destroy(struct px_conns *c)
{
    pthread_mutex_destroy(&c->mu);
    free(c->ev);
    c->ev = NULL;
}

/* An address as the tuple carries it: a v4-mapped IPv6 address (the
 * dual-stack `*` bind) is the IPv4 address. 0, or -1 for another family. */
static int addr_of(const struct sockaddr_storage *ss, int *family, uint8_t out[16], uint16_t *port)
{
    memset(out, 0, 16);
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;
        *family = AF_INET;
        memcpy(out, &s4->sin_addr, 4);
        *port = ntohs(s4->sin_port);
        return 0;
    }
    if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;
        *port = ntohs(s6->sin6_port);
        if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
            *family = AF_INET;
            memcpy(out, &s6->sin6_addr.s6_addr[12], 4);
        } else {
            *family = AF_INET6;
            memcpy(out, &s6->sin6_addr, 16);
        }
        return 0;
    }
    return -1;
}

bool px_conns_tuple(int fd, const struct sockaddr_storage *peer, struct vrrp_tuple *t)
{
    struct sockaddr_storage local;
    socklen_t sl = sizeof(local);
    int lf, rf;
    memset(t, 0, sizeof(*t));
    if (getsockname(fd, (struct sockaddr *)&local, &sl) < 0 ||
        addr_of(&local, &lf, t->laddr, &t->lport) < 0 ||
        addr_of(peer, &rf, t->raddr, &t->rport) < 0 || lf != rf)
        return false;
    t->family = lf;
    return true;
}

bool px_conns_on(struct px *px)
{
    return atomic_load_explicit(&px->conns.on, memory_order_relaxed);
}

void px_conns_report(struct px *px, uint8_t op, const struct vrrp_tuple *t)
{
    struct px_conns *c = &px->conns;
    pthread_mutex_lock(&c->mu);
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 1024;
        struct vrrp_tp_op *e = cap <= PX_CONNS_MAX ? realloc(c->ev, cap * sizeof(*e)) : NULL;
        if (!e) {
            c->lost++;
            pthread_mutex_unlock(&c->mu);
            return;
        }
        c->ev = e;
        c->cap = cap;
    }
    c->ev[c->n].op = op;
    c->ev[c->n].t = *t;
    c->n++;
    pthread_mutex_unlock(&c->mu);
}

size_t px_conns_take(struct px *px, px_conn_cb cb, void *arg, uint64_t *lost)
{
    if (!px) {
        *lost = 0;
        return 0;
    }
    struct px_conns *c = &px->conns;
    pthread_mutex_lock(&c->mu);
    struct vrrp_tp_op *ev = c->ev;
    size_t n = c->n;
    *lost = c->lost;
    c->ev = NULL;
    c->n = c->cap = 0;
    pthread_mutex_unlock(&c->mu);
    for (size_t i = 0; i < n; i++)
        cb(ev[i].op, &ev[i].t, arg);
    free(ev);
    return n;
}
