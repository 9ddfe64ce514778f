/* server: the metrics listener's connections, on the main loop (the
 * control socket, ctl.c, is the model). See metrics.h. */
#include "metrics/metrics.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "conf/conf.h"
#include "log.h"
#include "metrics/expo.h"
#include "metrics/http.h"
#include "metrics/metrics-int.h"

#define MX_ACCEPT_BATCH 16

struct mx_client {
    struct mx *m;
    int slot, fd;
    uint64_t seq; /* order of acceptance */
    bool writing; /* the response is being sent */
    struct ev_io io;
    struct ev_timer tmr;
    char buf[MX_REQ_MAX];
    size_t len;
    struct sbuf out;
    size_t sent;
};

struct mx {
    struct ev_loop *loop;
    int fd;
    struct ev_io io;
    struct ev_timer backoff;
    mx_status_fn fn;
    void *arg;
    char addr[80];
    struct cfg_endpoint ep;
    struct mx_self self;
    struct log_ratelimit rl;
    uint64_t seq;
    struct mx_client *clients[MX_MAX_CLIENTS];
};

static void client_free(struct mx_client *cl)
{
    struct mx *m = cl->m;
    ev_io_stop(m->loop, &cl->io);
    ev_timer_stop(m->loop, &cl->tmr);
    close(cl->fd);
    sbuf_free(&cl->out);
    m->clients[cl->slot] = NULL;
    m->self.clients--;
    free(cl);
}

static void client_write(struct mx_client *cl)
{
    while (cl->sent < cl->out.len) {
        ssize_t n = send(cl->fd, cl->out.buf + cl->sent, cl->out.len - cl->sent, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN) { /* the rest when the socket takes it */
            ev_io_modify(cl->m->loop, &cl->io, EPOLLOUT);
            return;
        }
        if (n <= 0) {
            cl->m->self.errors[MX_E_write_errors]++;
            break;
        }
        cl->sent += (size_t)n;
    }
    client_free(cl);
}

static const char *reason_phrase(int code)
{
    switch (code) {
    case 200:
        return "OK";
    case 400:
        return "Bad Request";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 431:
        return "Request Header Fields Too Large";
    case 503:
        return "Service Unavailable";
    default:
        return "Internal Server Error";
    }
}

/* Status line, headers, and (unless head) body into cl->out. */
static void respond(struct mx_client *cl, int code, const char *ctype, const char *body,
                    size_t blen, bool head)
{
    struct sbuf *o = &cl->out;
    sbuf_reset(o);
    sbuf_printf(o,
                "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                "Cache-Control: no-store\r\nConnection: close\r\n",
                code, reason_phrase(code), ctype, blen);
    if (code == 405)
        sbuf_puts(o, "Allow: GET, HEAD\r\n");
    sbuf_puts(o, "\r\n");
    if (!head)
        sbuf_add(o, body, blen);
}

static void respond_text(struct mx_client *cl, int code, const char *text, bool head)
{
    respond(cl, code, "text/plain; charset=utf-8", text, strlen(text), head);
}

/* The status document, parsed; -1 when it cannot be (counted). */
static int status_doc(struct mx *m, struct sbuf *js, struct mx_json *j)
{
    char err[160];
    m->fn(js, m->arg);
    sbuf_add(js, "", 1); /* room for the parser's NUL */
    if (js->failed || mx_json_parse(j, js->buf, js->len - 1, err, sizeof(err)) < 0) {
        m->self.errors[MX_E_internal]++;
        log_rl(&m->rl, ev_now(m->loop) / NS_PER_MS, LOG_ERROR, "metrics", m->addr,
               "status document unreadable: %s", js->failed ? "out of memory" : err);
        return -1;
    }
    return 0;
}

/* /metrics or /: render from the status document. */
static void serve_doc(struct mx_client *cl, enum mx_page page, bool head)
{
    struct mx *m = cl->m;
    struct sbuf js, body;
    struct mx_json j;
    sbuf_init(&js);
    sbuf_init(&body);
    memset(&j, 0, sizeof(j));
    if (status_doc(m, &js, &j) < 0) {
        respond_text(cl, 500, "status unavailable (see the daemon's log)\n", head);
    } else {
        if (!m->self.started_unix) { /* the daemon's start: now less its uptime */
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            m->self.started_unix =
                (double)ts.tv_sec + ts.tv_nsec / 1e9 - mx_json_num(&j, 0, "uptime_s", 0);
        }
        m->self.pages[page]++;
        if (page == MX_P_metrics)
            mx_collect(&body, &j, &m->self);
        else
            mx_page(&body, &j, MX_REFRESH_S);
        if (body.failed)
            respond_text(cl, 500, "out of memory\n", head);
        else
            respond(cl, 200, page == MX_P_metrics ? MX_CONTENT_TYPE : "text/html; charset=utf-8",
                    body.buf, body.len, head);
    }
    mx_json_free(&j);
    sbuf_free(&js);
    sbuf_free(&body);
}

/* /healthz: answered from the loop, so an answer means the loop runs;
 * 503 when the current iteration began more than MX_HEALTHY_MS ago
 * (something on the loop blocked that long before this request). */
static void serve_healthz(struct mx_client *cl, bool head)
{
    uint64_t lag = ev_clock_ns() - ev_now(cl->m->loop);
    char msg[96];
    if (lag <= MX_HEALTHY_MS * NS_PER_MS) {
        cl->m->self.pages[MX_P_healthz]++;
        respond_text(cl, 200, "ok\n", head);
        return;
    }
    cl->m->self.errors[MX_E_internal]++;
    snprintf(msg, sizeof(msg), "main loop stalled: this iteration began %llu ms ago\n",
             (unsigned long long)(lag / NS_PER_MS));
    respond_text(cl, 503, msg, head);
}

static void route(struct mx_client *cl, const struct mx_req *rq)
{
    bool head = rq->method == MX_M_HEAD;
    if (rq->method == MX_M_OTHER) {
        cl->m->self.errors[MX_E_bad_method]++;
        respond_text(cl, 405, "only GET and HEAD\n", false);
    } else if (!strcmp(rq->path, "/metrics")) {
        serve_doc(cl, MX_P_metrics, head);
    } else if (!strcmp(rq->path, "/healthz")) {
        serve_healthz(cl, head);
    } else if (!strcmp(rq->path, "/")) {
        serve_doc(cl, MX_P_status, head);
    } else {
        cl->m->self.errors[MX_E_not_found]++;
        respond_text(cl, 404, "not found (try /metrics, /healthz or /)\n", head);
    }
}

/* No complete request in MX_IDLE_MS (408, sent once, best effort), or the
 * response not taken in MX_WRITE_MS: close, counted either way. */
static void on_timeout(struct ev_loop *loop, struct ev_timer *t)
{
    struct mx_client *cl = t->arg;
    if (cl->writing) {
        cl->m->self.errors[MX_E_write_errors]++;
    } else {
        cl->m->self.errors[MX_E_timeout]++;
        respond_text(cl, 408, "request not complete in time\n", false);
        if (!cl->out.failed) /* once, whether it goes or not */
            (void)!send(cl->fd, cl->out.buf, cl->out.len, MSG_NOSIGNAL | MSG_DONTWAIT);
    }
    client_free(cl);
}

/* Answer: the request is complete (rq), or refused with code. */
static void client_answer(struct mx_client *cl, const struct mx_req *rq, int code, enum mx_err e,
                          const char *why)
{
    struct mx *m = cl->m;
    char msg[128];
    cl->writing = true;
    ev_timer_start(m->loop, &cl->tmr, MX_WRITE_MS * NS_PER_MS, on_timeout, cl);
    if (rq) {
        route(cl, rq);
    } else {
        m->self.errors[e]++;
        snprintf(msg, sizeof(msg), "%s\n", why);
        respond_text(cl, code, msg, false);
    }
    if (cl->out.failed) {
        client_free(cl);
        return;
    }
    client_write(cl);
}

static void on_client(struct ev_loop *loop, struct ev_io *io, uint32_t events)
{
    struct mx_client *cl = io->arg;
    struct mx_req rq;
    const char *why;
    if (cl->writing) {
        client_write(cl);
        return;
    }
    ssize_t n = recv(cl->fd, cl->buf + cl->len, sizeof(cl->buf) - cl->len, 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n <= 0) { /* gone before a complete request: a bare probe is not an error */
        if (cl->len)
            cl->m->self.errors[MX_E_bad_request]++;
        client_free(cl);
        return;
    }
    cl->len += (size_t)n;
    long r = mx_http_parse(cl->buf, cl->len, &rq, &why);
    if (r > 0)
        client_answer(cl, &rq, 0, 0, NULL);
    else if (r < 0)
        client_answer(cl, NULL, 400, MX_E_bad_request, why);
    else if (cl->len == sizeof(cl->buf))
        client_answer(cl, NULL, 431, MX_E_too_large, "request too large");
}

/* A free slot; when none is, the oldest client still waiting for its
 * request is closed (counted) to make room, so that idle connections
 * cannot lock a scraper out. -1 when every client is being answered. */
static int take_slot(struct mx *m)
{
    struct mx_client *victim = NULL;
    for (int i = 0; i < MX_MAX_CLIENTS; i++) {
        struct mx_client *cl = m->clients[i];
        if (!cl)
            return i;
        if (!cl->writing && (!victim || cl->seq < victim->seq))
            victim = cl;
    }
    if (!victim)
        return -1;
    int slot = victim->slot;
    m->self.errors[MX_E_rejected]++;
    client_free(victim);
    return slot;
}

static void client_new(struct mx *m, int fd)
{
    int slot = take_slot(m);
    struct mx_client *cl = slot >= 0 ? calloc(1, sizeof(*cl)) : NULL;
    if (!cl || ev_io_start(m->loop, &cl->io, fd, EPOLLIN, on_client, cl) < 0) {
        free(cl);
        m->self.errors[MX_E_rejected]++;
        close(fd);
        return;
    }
    cl->m = m;
    cl->slot = slot;
    cl->fd = fd;
    cl->seq = ++m->seq;
    sbuf_init(&cl->out);
    m->clients[slot] = cl;
    m->self.clients++;
    ev_timer_start(m->loop, &cl->tmr, MX_IDLE_MS * NS_PER_MS, on_timeout, cl);
}

static void on_accept(struct ev_loop *loop, struct ev_io *io, uint32_t events);

static void on_backoff(struct ev_loop *loop, struct ev_timer *t)
{
    struct mx *m = t->arg;
    if (ev_io_start(loop, &m->io, m->fd, EPOLLIN, on_accept, m) < 0)
        ev_timer_start(loop, &m->backoff, MX_BACKOFF_MS * NS_PER_MS, on_backoff, m);
}

/* At most MX_ACCEPT_BATCH per wakeup, so that VRRP's timers come first.
 * An accept error (EMFILE, ...) pauses the level-triggered listener for
 * MX_BACKOFF_MS instead of spinning. */
static void on_accept(struct ev_loop *loop, struct ev_io *io, uint32_t events)
{
    struct mx *m = io->arg;
    for (int i = 0; i < MX_ACCEPT_BATCH; i++) {
        int fd = accept4(m->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0) {
            client_new(m, fd);
            continue;
        }
        if (errno == EINTR || errno == ECONNABORTED)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return;
        m->self.errors[MX_E_accept_errors]++;
        log_rl(&m->rl, ev_now(loop) / NS_PER_MS, LOG_WARN, "metrics", m->addr,
               "accept: %s; not accepting for %d ms", strerror(errno), MX_BACKOFF_MS);
        ev_io_stop(loop, &m->io);
        ev_timer_start(loop, &m->backoff, MX_BACKOFF_MS * NS_PER_MS, on_backoff, m);
        return;
    }
}

/* A listening socket for ep: [::] dual-stack for *:PORT. */
static int listen_on(const struct cfg_endpoint *ep, char *err, size_t errlen, const char *addr)
{
    struct sockaddr_storage ss;
    socklen_t len;
    int one = 1, zero = 0;
    memset(&ss, 0, sizeof(ss));
    if (ep->kind == CFG_HOST_ADDR && ep->addr.family == AF_INET) {
        struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
        s4->sin_family = AF_INET;
        s4->sin_port = htons(ep->port);
        s4->sin_addr = ep->addr.u.v4;
        len = sizeof(*s4);
    } else {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons(ep->port);
        s6->sin6_addr = ep->kind == CFG_HOST_ADDR ? ep->addr.u.v6 : in6addr_any;
        len = sizeof(*s6);
    }
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
        (ss.ss_family == AF_INET6 &&
         setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero)) < 0) ||
        bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 64) < 0) {
        snprintf(err, errlen, "metrics_listen %s: %s", addr, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

struct mx *mx_open(struct ev_loop *loop, const struct cfg_endpoint *ep, mx_status_fn fn, void *arg,
                   char *err, size_t errlen)
{
    struct mx *m = calloc(1, sizeof(*m));
    if (!m) {
        snprintf(err, errlen, "metrics_listen: out of memory");
        return NULL;
    }
    cfg_format_endpoint(ep, m->addr, sizeof(m->addr));
    m->fd = listen_on(ep, err, errlen, m->addr);
    if (m->fd < 0 || ev_io_start(loop, &m->io, m->fd, EPOLLIN, on_accept, m) < 0) {
        if (m->fd >= 0) {
            snprintf(err, errlen, "metrics_listen %s: %s", m->addr, strerror(errno));
            close(m->fd);
        }
        free(m);
        return NULL;
    }
    m->loop = loop;
    m->ep = *ep;
    m->ep.name = NULL; /* never a name (the parser refuses them) */
    m->fn = fn;
    m->arg = arg;
    m->rl.interval_ms = 10000;
    m->rl.burst = 1;
    return m;
}

void mx_close(struct mx *m)
{
    if (!m)
        return;
    for (int i = 0; i < MX_MAX_CLIENTS; i++)
        if (m->clients[i])
            client_free(m->clients[i]);
    ev_io_stop(m->loop, &m->io);
    ev_timer_stop(m->loop, &m->backoff);
    close(m->fd);
    free(m);
}

static bool same_endpoint(const struct cfg_endpoint *a, const struct cfg_endpoint *b)
{
    char x[80], y[80];
    return !strcmp(cfg_format_endpoint(a, x, sizeof(x)), cfg_format_endpoint(b, y, sizeof(y)));
}

int mx_apply(struct mx **m, struct ev_loop *loop, const struct cfg_endpoint *ep, mx_status_fn fn,
             void *arg, char *err, size_t errlen)
{
    if (!ep->port) {
        if (*m)
            log_info("metrics", (*m)->addr, "metrics listener closed");
        mx_close(*m);
        *m = NULL;
        return 0;
    }
    if (*m && same_endpoint(&(*m)->ep, ep))
        return 0;
    struct mx *next = mx_open(loop, ep, fn, arg, err, errlen);
    if (!next && *m) { /* the old one may hold the port: free it and try again */
        mx_close(*m);
        *m = NULL;
        next = mx_open(loop, ep, fn, arg, err, errlen);
    }
    mx_close(*m);
    *m = next;
    if (!next)
        return -1;
    log_info("metrics", (*m)->addr, "serving /metrics, /healthz and the status page at /");
    return 0;
}
