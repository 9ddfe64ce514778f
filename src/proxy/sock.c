/* px sockets: listeners, server-side options, address resolution. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "proxy/proxy-int.h"

#ifndef IPV6_FREEBIND
#define IPV6_FREEBIND 78
#endif

void px_sockaddr_str(const struct sockaddr *sa, bool port, char *buf, size_t len)
{
    char ip[INET6_ADDRSTRLEN];
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &s4->sin_addr, ip, sizeof(ip));
        if (port)
            snprintf(buf, len, "%s:%u", ip, ntohs(s4->sin_port));
        else
            snprintf(buf, len, "%s", ip);
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
        if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
            /* a client of a dual-stack listener: show it as IPv4 */
            struct sockaddr_in s4 = {.sin_family = AF_INET, .sin_port = s6->sin6_port};
            memcpy(&s4.sin_addr, &s6->sin6_addr.s6_addr[12], 4);
            px_sockaddr_str((const struct sockaddr *)&s4, port, buf, len);
            return;
        }
        inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof(ip));
        if (port)
            snprintf(buf, len, "[%s]:%u", ip, ntohs(s6->sin6_port));
        else
            snprintf(buf, len, "%s", ip);
    } else {
        snprintf(buf, len, "?");
    }
}

static void set_int(int fd, int level, int opt, int v)
{
    (void)setsockopt(fd, level, opt, &v, sizeof(v));
}

void px_sock_nodelay(int fd, const struct px_gen *g)
{
    if (g->nodelay)
        set_int(fd, IPPROTO_TCP, TCP_NODELAY, 1);
}

void px_sock_keepalive(int fd)
{
    set_int(fd, SOL_SOCKET, SO_KEEPALIVE, 1);
    set_int(fd, IPPROTO_TCP, TCP_KEEPIDLE, PX_KEEPIDLE_S);
    set_int(fd, IPPROTO_TCP, TCP_KEEPINTVL, PX_KEEPINTVL_S);
    set_int(fd, IPPROTO_TCP, TCP_KEEPCNT, PX_KEEPCNT);
}

/* `timeout silent` D (4 s: the PX_SRV_* values): the first probe after
 * D/2 of silence, then one a second, the last unanswered at D; data left
 * unacknowledged for D ends the connection too (TCP_USER_TIMEOUT). */
void px_sock_server_keepalive(int fd, uint32_t silent_ms)
{
    int d = (int)(silent_ms / 1000), idle = d / 2 > 0 ? d / 2 : 1;
    int cnt = d - idle > 0 ? (d - idle) / PX_SRV_KEEPINTVL_S : 1;
    set_int(fd, SOL_SOCKET, SO_KEEPALIVE, 1);
    set_int(fd, IPPROTO_TCP, TCP_KEEPIDLE, idle);
    set_int(fd, IPPROTO_TCP, TCP_KEEPINTVL, PX_SRV_KEEPINTVL_S);
    set_int(fd, IPPROTO_TCP, TCP_KEEPCNT, cnt > 0 ? cnt : 1);
    set_int(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, (int)silent_ms);
}

static int listen_fail(int fd, char *err, size_t errlen, const char *what, const struct px_bind *b)
{
    snprintf(err, errlen, "%s %s: %s", what, b->str, strerror(errno));
    if (fd >= 0)
        close(fd);
    return -1;
}

int px_listen(const struct px_bind *b, const struct px_gen *g, char *err, size_t errlen)
{
    int fd = socket(b->sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return listen_fail(fd, err, errlen, "socket for", b);
    set_int(fd, SOL_SOCKET, SO_REUSEADDR, 1);
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &(int){1}, sizeof(int)) < 0)
        return listen_fail(fd, err, errlen, "SO_REUSEPORT on", b);
    /* bind a VIP that this host does not hold (yet): IP_FREEBIND */
    set_int(fd, IPPROTO_IP, IP_FREEBIND, 1);
    if (b->sa.ss_family == AF_INET6) {
        set_int(fd, IPPROTO_IPV6, IPV6_FREEBIND, 1);
        set_int(fd, IPPROTO_IPV6, IPV6_V6ONLY, b->any ? 0 : 1);
    }
    /* on a listener, nodelay and keepalive are inherited by every accepted
     * socket (Linux copies them): no system call per connection */
    px_sock_nodelay(fd, g);
    if (g->keepalive)
        px_sock_keepalive(fd);
    if (bind(fd, (const struct sockaddr *)&b->sa, b->salen) < 0)
        return listen_fail(fd, err, errlen, "bind", b);
    if (listen(fd, (int)(g->backlog ? g->backlog : 1024)) < 0)
        return listen_fail(fd, err, errlen, "listen on", b);
    return fd;
}

/* ---- names resolved ahead of a reload ---- */

struct px_name {
    char *name;
    uint16_t port;
    int rc; /* getaddrinfo's: 0, or an EAI_* code */
    struct sockaddr_storage sa;
    socklen_t salen;
};

struct px_names {
    size_t n, cap;
    struct px_name *v;
};

static struct px_name *name_find(const struct px_names *n, const char *name, uint16_t port)
{
    for (size_t i = 0; n && i < n->n; i++)
        if (n->v[i].port == port && strcmp(n->v[i].name, name) == 0)
            return &n->v[i];
    return NULL;
}

static int name_add(struct px_names *n, const struct cfg_endpoint *e)
{
    if (e->kind != CFG_HOST_NAME || !e->name || name_find(n, e->name, e->port))
        return 0;
    if (n->n == n->cap) {
        size_t cap = n->cap ? n->cap * 2 : 8;
        struct px_name *v = realloc(n->v, cap * sizeof(*v));
        if (!v)
            return -1;
        n->v = v;
        n->cap = cap;
    }
    struct px_name *x = &n->v[n->n];
    memset(x, 0, sizeof(*x));
    if (!(x->name = strdup(e->name)))
        return -1;
    x->port = e->port;
    x->rc = EAI_AGAIN; /* until resolved */
    n->n++;
    return 0;
}

struct px_names *px_names_new(const struct cfg *cfg)
{
    struct px_names *n = calloc(1, sizeof(*n));
    if (!n)
        return NULL;
    for (size_t i = 0; i < cfg->nproxies; i++) {
        const struct cfg_proxy *cp = &cfg->proxies[i];
        for (size_t k = 0; k < cp->nbinds; k++)
            if (name_add(n, &cp->binds[k].addr) < 0)
                goto fail;
        for (size_t k = 0; k < cp->nservers; k++)
            if (name_add(n, &cp->servers[k].addr) < 0)
                goto fail;
    }
    if (n->n)
        return n;
fail:
    px_names_free(n);
    return NULL;
}

size_t px_names_count(const struct px_names *n)
{
    return n ? n->n : 0;
}

static int lookup(const char *name, uint16_t port, struct sockaddr_storage *sa, socklen_t *salen)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
    char p[8];
    snprintf(p, sizeof(p), "%u", port);
    int rc = getaddrinfo(name, p, &hints, &res);
    if (rc == 0 && !res)
        rc = EAI_NONAME;
    if (rc == 0) {
        memcpy(sa, res->ai_addr, res->ai_addrlen);
        *salen = res->ai_addrlen;
    }
    if (res)
        freeaddrinfo(res);
    return rc;
}

void px_names_resolve(struct px_names *n)
{
    for (size_t i = 0; n && i < n->n; i++)
        n->v[i].rc = lookup(n->v[i].name, n->v[i].port, &n->v[i].sa, &n->v[i].salen);
}

void px_names_free(struct px_names *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->n; i++)
        free(n->v[i].name);
    free(n->v);
    free(n);
}

int px_resolve(const struct cfg_endpoint *e, const struct px_names *names,
               struct sockaddr_storage *sa, socklen_t *salen, char *err, size_t errlen)
{
    memset(sa, 0, sizeof(*sa));
    if (e->kind == CFG_HOST_ADDR && e->addr.family == AF_INET) {
        struct sockaddr_in *s4 = (struct sockaddr_in *)sa;
        s4->sin_family = AF_INET;
        s4->sin_addr = e->addr.u.v4;
        s4->sin_port = htons(e->port);
        *salen = sizeof(*s4);
        return 0;
    }
    if (e->kind == CFG_HOST_ADDR && e->addr.family == AF_INET6) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)sa;
        s6->sin6_family = AF_INET6;
        s6->sin6_addr = e->addr.u.v6;
        s6->sin6_port = htons(e->port);
        *salen = sizeof(*s6);
        return 0;
    }
    if (e->kind == CFG_HOST_NAME && e->name) {
        const struct px_name *x = name_find(names, e->name, e->port);
        int rc = x ? x->rc : lookup(e->name, e->port, sa, salen);
        if (rc != 0) {
            snprintf(err, errlen, "cannot resolve %s: %s", e->name, gai_strerror(rc));
            return -1;
        }
        if (x) {
            *sa = x->sa;
            *salen = x->salen;
        }
        return 0;
    }
    snprintf(err, errlen, "no address");
    return -1;
}

uint64_t px_raise_nofile(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
        return 1024;
    if (rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
            getrlimit(RLIMIT_NOFILE, &rl);
    }
    return rl.rlim_cur == RLIM_INFINITY ? (uint64_t)1 << 20 : (uint64_t)rl.rlim_cur;
}
