/* etcd: see etcd-int.h. */
#include "vrrp/etcd-int.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check/tls-int.h"
#include "log.h"
#include "util/url.h"
#include "vrrp/etcdmsg.h"

#define ETCD_REQ_MAX 4096
#define ETCD_BUF     16384

enum phase { PH_IDLE, PH_CONNECT, PH_TLS, PH_SEND, PH_RECV };

struct etcd_cli {
    struct ev_loop *loop;
    char obj[80];
    struct url *eps;
    char **ep_text;
    size_t neps, cur; /* cur: the endpoint to try first */
    SSL_CTX *ctx;     /* NULL: no https endpoint */
    uint64_t timeout_ns;
    /* the request */
    const char *path;
    char *payload;
    char req[ETCD_REQ_MAX];
    size_t reqlen, sent;
    etcd_cb cb;
    void *arg;
    size_t tried; /* endpoints tried in this round */
    size_t at;    /* the endpoint in use */
    enum phase ph;
    int fd;
    SSL *ssl;
    struct ev_io io;
    struct ev_timer tmr;
    char buf[ETCD_BUF], body[ETCD_BUF];
    size_t len;
    char last[64];
    uint64_t failovers;
};

static void on_io(struct ev_loop *loop, struct ev_io *io, uint32_t events);
static void on_timeout(struct ev_loop *loop, struct ev_timer *t);
static void attempt(struct etcd_cli *c);

static void conn_close(struct etcd_cli *c)
{
    if (c->ssl)
        SSL_free(c->ssl);
    c->ssl = NULL;
    if (c->fd >= 0) {
        ev_io_stop(c->loop, &c->io);
        close(c->fd);
    }
    c->fd = -1;
    ev_timer_stop(c->loop, &c->tmr);
    c->ph = PH_IDLE;
}

/* The request is over: tell the owner (who may post the next one). */
static void finish(struct etcd_cli *c, int status, const char *body, size_t len, const char *err)
{
    etcd_cb cb = c->cb;
    conn_close(c);
    c->cb = NULL;
    free(c->payload);
    c->payload = NULL;
    snprintf(c->last, sizeof(c->last), "%s", c->ep_text[c->at]);
    cb(c->arg, status, body, len, err, c->last);
}

/* This endpoint failed: the next one, or the end of the round. */
static void fail(struct etcd_cli *c, const char *what, const char *detail)
{
    char err[200];
    snprintf(err, sizeof(err), "%s%s%s", what, what[0] ? ": " : "", detail);
    log_debug("vrrp", c->obj, "etcd %s: %s", c->ep_text[c->at], err);
    conn_close(c);
    c->failovers++;
    if (++c->tried < c->neps) {
        c->at = (c->at + 1) % c->neps;
        attempt(c);
        return;
    }
    finish(c, 0, NULL, 0, err);
}

static void want(struct etcd_cli *c, uint32_t ev)
{
    if (ev_io_modify(c->loop, &c->io, ev) < 0)
        fail(c, "epoll", strerror(errno));
}

/* SSL_* returned r <= 0: wait for the socket (1) or fail (0). */
static int tls_wait(struct etcd_cli *c, int r, bool handshake)
{
    int e = SSL_get_error(c->ssl, r);
    char d[96];
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
        want(c, e == SSL_ERROR_WANT_READ ? EPOLLIN : EPOLLOUT);
        return 1;
    }
    chk_tls_failure(c->ssl, r, handshake, c->len == 0, d, sizeof(d));
    fail(c, "TLS", d);
    return 0;
}

static void do_recv(struct etcd_cli *c)
{
    for (;;) {
        ssize_t n;
        bool eof = false;
        if (c->len == sizeof(c->buf)) {
            fail(c, "", "answer too large");
            return;
        }
        if (c->ssl) {
            int r = SSL_read(c->ssl, c->buf + c->len, (int)(sizeof(c->buf) - c->len));
            if (r <= 0 && SSL_get_error(c->ssl, r) != SSL_ERROR_ZERO_RETURN &&
                SSL_get_error(c->ssl, r) != SSL_ERROR_SYSCALL) {
                tls_wait(c, r, false);
                return;
            }
            n = r > 0 ? r : 0;
        } else {
            n = read(c->fd, c->buf + c->len, sizeof(c->buf) - c->len);
            if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return;
            if (n < 0) {
                fail(c, "read", strerror(errno));
                return;
            }
        }
        eof = n == 0;
        c->len += (size_t)n;
        int status;
        size_t blen;
        char err[160];
        int done = etcd_msg_http(c->buf, c->len, eof, &status, c->body, sizeof(c->body), &blen, err,
                                 sizeof(err));
        if (done < 0) {
            fail(c, "", err);
            return;
        }
        if (done && status >= 500) {
            etcd_msg_error(status, c->body, blen, err, sizeof(err));
            {
                fail(c, "", err);
                return;
            }
        }
        if (done) {
            c->cur = c->at; /* start with this one next time */
            {
                finish(c, status, c->body, blen, NULL);
                return;
            }
        }
        if (eof) {
            fail(c, "", "closed early");
            return;
        }
    }
}

static void do_send(struct etcd_cli *c)
{
    while (c->sent < c->reqlen) {
        ssize_t n;
        if (c->ssl) {
            int r = SSL_write(c->ssl, c->req + c->sent, (int)(c->reqlen - c->sent));
            if (r <= 0) {
                tls_wait(c, r, false);
                return;
            }
            n = r;
        } else {
            n = write(c->fd, c->req + c->sent, c->reqlen - c->sent);
            if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
                want(c, EPOLLOUT);
                return;
            }
            if (n < 0) {
                fail(c, "write", strerror(errno));
                return;
            }
        }
        c->sent += (size_t)n;
    }
    c->ph = PH_RECV;
    want(c, EPOLLIN);
}

static void do_tls(struct etcd_cli *c)
{
    int r = SSL_connect(c->ssl);
    if (r != 1) {
        tls_wait(c, r, true);
        return;
    }
    c->ph = PH_SEND;
    do_send(c);
}

static void connected(struct etcd_cli *c)
{
    int e = 0;
    socklen_t l = sizeof(e);
    if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &e, &l) < 0)
        e = errno;
    if (e) {
        fail(c, "connect", strerror(e));
        return;
    }
    if (!c->eps[c->at].tls) {
        c->ph = PH_SEND;
        {
            do_send(c);
            return;
        }
    }
    c->ssl = chk_tls_new(c->ctx, c->fd, NULL, c->eps[c->at].ip);
    if (!c->ssl) {
        fail(c, "", "cannot set up TLS");
        return;
    }
    c->ph = PH_TLS;
    do_tls(c);
}

static void on_io(struct ev_loop *loop, struct ev_io *io, uint32_t events)
{
    struct etcd_cli *c = io->arg;
    switch (c->ph) {
    case PH_CONNECT:
        connected(c);
        break;
    case PH_TLS:
        do_tls(c);
        break;
    case PH_SEND:
        do_send(c);
        break;
    case PH_RECV:
        do_recv(c);
        break;
    default:
        break;
    }
}

static void on_timeout(struct ev_loop *loop, struct ev_timer *t)
{
    struct etcd_cli *c = t->arg;
    fail(c, "", c->ph == PH_CONNECT ? "no connection within the timeout" : "no answer in time");
}

/* One attempt on endpoint c->at: the request text, connect. */
static void attempt(struct etcd_cli *c)
{
    const struct url *u = &c->eps[c->at];
    c->len = c->sent = 0;
    int n = snprintf(c->req, sizeof(c->req),
                     "POST %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: haplane-fence\r\n"
                     "Content-Type: application/json\r\nContent-Length: %zu\r\n"
                     "Connection: close\r\n\r\n%s",
                     c->path, u->hostport, strlen(c->payload), c->payload);
    if (n < 0 || (size_t)n >= sizeof(c->req)) {
        fail(c, "", "request too large");
        return;
    }
    c->reqlen = (size_t)n;
    c->fd = socket(u->sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0) {
        fail(c, "socket", strerror(errno));
        return;
    }
    c->ph = PH_CONNECT;
    ev_timer_start(c->loop, &c->tmr, c->timeout_ns, on_timeout, c);
    if (connect(c->fd, (const struct sockaddr *)&u->sa, u->salen) < 0 && errno != EINPROGRESS) {
        fail(c, "connect", strerror(errno));
        return;
    }
    if (ev_io_start(c->loop, &c->io, c->fd, EPOLLOUT, on_io, c) < 0) {
        int e = errno;
        close(c->fd);
        c->fd = -1;
        fail(c, "epoll", strerror(e));
    }
}

/* ---- the client ---- */

/* The TLS context of the https endpoints, from the fence's files. */
static SSL_CTX *tls_ctx(const struct cfg_fence *f, char *err, size_t errlen)
{
    struct cfg_check k = {.kind = CFG_CHECK_HTTPS};
    k.ca = f->cacert;
    k.cert = f->cert;
    k.key = f->key;
    k.verify = f->cacert ? CFG_VERIFY_REQUIRED : CFG_VERIFY_NONE;
    return chk_tls_ctx_new(&k, err, errlen);
}

struct etcd_cli *etcd_cli_new(struct ev_loop *loop, const struct cfg_fence *f, uint64_t timeout_ms,
                              const char *obj, char *err, size_t errlen)
{
    struct etcd_cli *c = calloc(1, sizeof(*c));
    if (!c || !(c->eps = calloc(f->nendpoints, sizeof(*c->eps))) ||
        !(c->ep_text = calloc(f->nendpoints, sizeof(*c->ep_text)))) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    c->loop = loop;
    c->fd = -1;
    c->io.arg = c->tmr.arg = c;
    c->timeout_ns = timeout_ms * NS_PER_MS;
    snprintf(c->obj, sizeof(c->obj), "%s", obj);
    c->neps = f->nendpoints;
    bool tls = false;
    for (size_t i = 0; i < f->nendpoints; i++) {
        if (url_parse(f->endpoints[i], &c->eps[i], err, errlen) < 0)
            goto fail;
        if (!(c->ep_text[i] = strdup(f->endpoints[i]))) {
            snprintf(err, errlen, "out of memory");
            goto fail;
        }
        tls |= c->eps[i].tls;
    }
    if (tls && !(c->ctx = tls_ctx(f, err, errlen)))
        goto fail;
    return c;
fail:
    etcd_cli_free(c);
    return NULL;
}

void etcd_cli_free(struct etcd_cli *c)
{
    if (!c)
        return;
    if (c->loop)
        conn_close(c);
    for (size_t i = 0; c->ep_text && i < c->neps; i++)
        free(c->ep_text[i]);
    free(c->ep_text);
    free(c->eps);
    free(c->payload);
    SSL_CTX_free(c->ctx);
    free(c);
}

int etcd_cli_post(struct etcd_cli *c, const char *path, const char *body, etcd_cb cb, void *arg)
{
    if (c->cb || !(c->payload = strdup(body)))
        return -1;
    c->path = path;
    c->cb = cb;
    c->arg = arg;
    c->tried = 0;
    c->at = c->cur;
    attempt(c);
    return 0;
}

const char *etcd_cli_endpoint(const struct etcd_cli *c)
{
    return c->last;
}

uint64_t etcd_cli_failovers(const struct etcd_cli *c)
{
    return c->failovers;
}
