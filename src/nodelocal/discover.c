/* nl_disc: see discover.h. One GET at a time, each on a fresh connection
 * (Connection: close) to the node-local listener. */
#include "nodelocal/discover.h"

#include <errno.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include "check/tls-int.h"
#include "log.h"
#include "nodelocal/kubeconfig.h"
#include "vrrp/etcdmsg.h"

#define DISC_BUF        (256 * 1024)
#define DISC_TIMEOUT_NS (5 * NS_PER_S)
#define DISC_RETRY_NS   (5 * NS_PER_S) /* after a failure, or before the first success */
#define DISC_FIRST_NS   (1 * NS_PER_S)

enum phase { PH_IDLE, PH_CONNECT, PH_TLS, PH_SEND, PH_RECV };

/* what failed, for the counters */
enum disc_err { DE_CONNECT, DE_TLS, DE_HTTP, DE_PARSE, DE_TIMEOUT, DE_COUNT };
static const char *const disc_err_names[DE_COUNT] = {"connect", "tls", "http", "parse",
                                                     "timeout"};

struct nl_disc {
    char *path; /* the kubeconfig */
    char *server;
    char host[256];  /* the server URL's host: the name (or IP) verified */
    bool host_is_ip;
    SSL_CTX *ctx;
    uint64_t interval_ns;
    struct ev_loop *loop;
    struct sockaddr_storage sa;
    socklen_t salen;
    nl_disc_cb cb;
    void *arg;
    struct nl_list cur; /* the last good list (the seed before one) */
    bool have_good;
    uint64_t rnd;
    /* the request */
    enum phase ph;
    int fd;
    SSL *ssl;
    struct ev_io io;
    struct ev_timer tmr; /* next fetch when idle, the deadline while fetching */
    char req[512];
    size_t reqlen, sent, len;
    char *buf, *body;
    /* counters */
    uint64_t fetches, ok, changes, errors[DE_COUNT];
    char last_error[200];
    uint64_t last_ok_ns, last_error_ns;
};

/* ---- TLS context from the kubeconfig (files or inline PEM) ---- */

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "re");
    char *buf = NULL;
    size_t cap = 0, n = 0;
    if (!f)
        return NULL;
    for (;;) {
        if (n + 4096 + 1 > cap) {
            char *nb = realloc(buf, cap = cap ? cap * 2 : 8192);
            if (!nb) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
        }
        size_t r = fread(buf + n, 1, cap - n - 1, f);
        n += r;
        if (r == 0)
            break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return NULL;
    }
    buf[n] = 0;
    *len = n;
    return buf;
}

/* The PEM bytes of p (its data, or its file read). */
static BIO *pem_bio(const struct nl_pem *p, const char *what, char *err, size_t errlen)
{
    size_t len = 0;
    char *owned = NULL;
    const char *data = p->data;
    if (!data) {
        if (!(owned = read_all(p->file, &len))) {
            snprintf(err, errlen, "%s %s: %s", what, p->file, strerror(errno));
            return NULL;
        }
        data = owned;
    } else {
        len = p->len;
    }
    BIO *b = BIO_new(BIO_s_mem());
    if (!b || BIO_write(b, data, (int)len) != (int)len) {
        BIO_free(b);
        b = NULL;
        snprintf(err, errlen, "%s: out of memory", what);
    }
    free(owned);
    return b;
}

static const char *pem_name(const struct nl_pem *p, const char *data_key)
{
    return p->file ? p->file : data_key;
}

static void ssl_err(char *err, size_t errlen, const char *what, const char *name)
{
    char e[160] = "";
    unsigned long code = ERR_get_error();
    if (code)
        ERR_error_string_n(code, e, sizeof(e));
    ERR_clear_error();
    snprintf(err, errlen, "%s %s: %s", what, name, e[0] ? e : "no PEM object found");
}

static SSL_CTX *tls_ctx(const struct nl_kubeconfig *k, char *err, size_t errlen)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    BIO *b = NULL;
    X509 *x = NULL;
    EVP_PKEY *pk = NULL;
    if (!ctx) {
        ssl_err(err, errlen, "TLS context", "");
        return NULL;
    }
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF | SSL_OP_NO_COMPRESSION);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    if (k->insecure) {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    } else if (k->ca.file || k->ca.data) {
        const char *name = pem_name(&k->ca, "certificate-authority-data");
        X509_STORE *st = SSL_CTX_get_cert_store(ctx);
        int n = 0;
        if (!(b = pem_bio(&k->ca, "certificate-authority", err, errlen)))
            goto fail;
        while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL))) {
            if (X509_STORE_add_cert(st, x) != 1) {
                ssl_err(err, errlen, "certificate-authority", name);
                goto fail;
            }
            X509_free(x);
            x = NULL;
            n++;
        }
        ERR_clear_error(); /* the end of the PEM data */
        if (!n) {
            snprintf(err, errlen, "certificate-authority %s: no certificate in it", name);
            goto fail;
        }
        BIO_free(b);
        b = NULL;
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    } else {
        if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
            ssl_err(err, errlen, "default CA paths", "");
            goto fail;
        }
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    }
    const char *cname = pem_name(&k->cert, "client-certificate-data");
    if (!(b = pem_bio(&k->cert, "client-certificate", err, errlen)))
        goto fail;
    if (!(x = PEM_read_bio_X509(b, NULL, NULL, NULL)) || SSL_CTX_use_certificate(ctx, x) != 1) {
        ssl_err(err, errlen, "client-certificate", cname);
        goto fail;
    }
    X509_free(x);
    x = NULL;
    while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL))) /* the chain, if any */
        if (SSL_CTX_add1_chain_cert(ctx, x) != 1) {
            ssl_err(err, errlen, "client-certificate", cname);
            goto fail;
        } else {
            X509_free(x);
            x = NULL;
        }
    ERR_clear_error();
    BIO_free(b);
    const char *kname = pem_name(&k->key, "client-key-data");
    if (!(b = pem_bio(&k->key, "client-key", err, errlen)))
        goto fail;
    if (!(pk = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL)) ||
        SSL_CTX_use_PrivateKey(ctx, pk) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
        ssl_err(err, errlen, "client-key", kname);
        goto fail;
    }
    EVP_PKEY_free(pk);
    BIO_free(b);
    return ctx;
fail:
    X509_free(x);
    EVP_PKEY_free(pk);
    BIO_free(b);
    SSL_CTX_free(ctx);
    return NULL;
}

struct nl_disc *nl_disc_new(const char *kubeconfig, uint64_t interval_ms, char *err, size_t errlen)
{
    struct nl_disc *d = calloc(1, sizeof(*d));
    struct nl_kubeconfig k = {0};
    size_t len;
    char *text = NULL, *dircopy = NULL;
    unsigned port;
    if (!d || !(d->path = strdup(kubeconfig))) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    d->fd = -1;
    d->io.arg = d->tmr.arg = d;
    d->interval_ns = (interval_ms ? interval_ms : NL_DISCOVER_INTERVAL_MS) * NS_PER_MS;
    if (!(text = read_all(kubeconfig, &len))) {
        snprintf(err, errlen, "--discover %s: %s", kubeconfig, strerror(errno));
        goto fail;
    }
    if (!(dircopy = strdup(kubeconfig))) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    char kerr[300];
    if (nl_kubeconfig_parse(text, len, dirname(dircopy), &k, kerr, sizeof(kerr)) < 0) {
        snprintf(err, errlen, "--discover %s: %s", kubeconfig, kerr);
        goto fail;
    }
    if (nl_server_hostport(k.server, d->host, sizeof(d->host), &port, kerr, sizeof(kerr)) < 0) {
        snprintf(err, errlen, "--discover %s: %s", kubeconfig, kerr);
        goto fail;
    }
    unsigned char bin[16];
    d->host_is_ip = inet_pton(AF_INET, d->host, bin) == 1 || inet_pton(AF_INET6, d->host, bin) == 1;
    if (!(d->server = strdup(k.server))) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    char terr[300];
    if (!(d->ctx = tls_ctx(&k, terr, sizeof(terr)))) {
        snprintf(err, errlen, "--discover %s: %s", kubeconfig, terr);
        goto fail;
    }
    if (!(d->buf = malloc(DISC_BUF)) || !(d->body = malloc(DISC_BUF))) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    nl_kubeconfig_free(&k);
    free(text);
    free(dircopy);
    return d;
fail:
    nl_kubeconfig_free(&k);
    free(text);
    free(dircopy);
    nl_disc_free(d);
    return NULL;
}

/* ---- one fetch ---- */

static void on_io(struct ev_loop *loop, struct ev_io *io, uint32_t events);
static void on_timer(struct ev_loop *loop, struct ev_timer *t);

static void conn_close(struct nl_disc *d)
{
    if (d->ssl)
        SSL_free(d->ssl);
    d->ssl = NULL;
    if (d->fd >= 0) {
        ev_io_stop(d->loop, &d->io);
        close(d->fd);
    }
    d->fd = -1;
    d->ph = PH_IDLE;
}

/* The next fetch in about delay (+-10 %). */
static void schedule(struct nl_disc *d, uint64_t delay)
{
    uint64_t span = delay / 10;
    d->rnd ^= d->rnd << 13;
    d->rnd ^= d->rnd >> 7;
    d->rnd ^= d->rnd << 17;
    if (span)
        delay = delay - span + d->rnd % (2 * span + 1);
    ev_timer_start(d->loop, &d->tmr, delay, on_timer, d);
}

static void fail(struct nl_disc *d, enum disc_err kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void fail(struct nl_disc *d, enum disc_err kind, const char *fmt, ...)
{
    va_list ap;
    char msg[200];
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    conn_close(d);
    d->errors[kind]++;
    d->last_error_ns = ev_clock_ns();
    snprintf(d->last_error, sizeof(d->last_error), "%s: %s", disc_err_names[kind], msg);
    log_warn("nl", "discover", "fetch failed (%s: %s); keeping %zu server%s", disc_err_names[kind],
             msg, d->cur.n, d->cur.n == 1 ? "" : "s");
    uint64_t retry = d->interval_ns < DISC_RETRY_NS ? d->interval_ns : DISC_RETRY_NS;
    schedule(d, retry);
}

static void got_list(struct nl_disc *d, struct nl_list *l)
{
    char a[1024], b[1024];
    d->ok++;
    d->last_ok_ns = ev_clock_ns();
    d->have_good = true;
    if (nl_list_equal(l, &d->cur)) {
        log_debug("nl", "discover", "servers unchanged: %s", nl_list_format(l, a, sizeof(a)));
        nl_list_free(l);
        return;
    }
    struct nl_list add = {0}, del = {0};
    for (size_t i = 0; i < l->n; i++)
        if (!nl_list_has(&d->cur, l->v[i]))
            add.v[add.n++] = l->v[i];
    for (size_t i = 0; i < d->cur.n; i++)
        if (!nl_list_has(l, d->cur.v[i]))
            del.v[del.n++] = d->cur.v[i];
    log_info("nl", "discover", "servers changed: added [%s], removed [%s]; reloading",
             nl_list_format(&add, a, sizeof(a)), nl_list_format(&del, b, sizeof(b)));
    d->changes++;
    nl_list_free(&d->cur);
    d->cur = *l; /* takes the strings */
    l->n = 0;
    d->cb(d->arg, &d->cur);
}

static void done(struct nl_disc *d, int status, const char *body, size_t blen)
{
    struct nl_list l = {0};
    char err[200];
    conn_close(d);
    if (status != 200) {
        char first[80];
        size_t n = strcspn(body, "\r\n");
        snprintf(first, sizeof(first), "%.*s", (int)(n < 60 ? n : 60), body);
        fail(d, DE_HTTP, "HTTP %d from %s (%s)", status, NL_DISCOVER_PATH, first);
        return;
    }
    if (nl_endpoints_parse(body, blen, &l, err, sizeof(err)) < 0) {
        fail(d, DE_PARSE, "%s", err);
        return;
    }
    got_list(d, &l);
    schedule(d, d->interval_ns);
}

static void want(struct nl_disc *d, uint32_t ev)
{
    if (ev_io_modify(d->loop, &d->io, ev) < 0)
        fail(d, DE_CONNECT, "epoll: %s", strerror(errno));
}

static int tls_wait(struct nl_disc *d, int r, bool handshake)
{
    int e = SSL_get_error(d->ssl, r);
    char det[96];
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
        want(d, e == SSL_ERROR_WANT_READ ? EPOLLIN : EPOLLOUT);
        return 1;
    }
    chk_tls_failure(d->ssl, r, handshake, d->len == 0, det, sizeof(det));
    fail(d, DE_TLS, "%s", det);
    return 0;
}

static void do_recv(struct nl_disc *d)
{
    for (;;) {
        if (d->len == DISC_BUF) {
            fail(d, DE_PARSE, "answer larger than %d bytes", DISC_BUF);
            return;
        }
        int r = SSL_read(d->ssl, d->buf + d->len, (int)(DISC_BUF - d->len));
        if (r <= 0 && SSL_get_error(d->ssl, r) != SSL_ERROR_ZERO_RETURN &&
            SSL_get_error(d->ssl, r) != SSL_ERROR_SYSCALL) {
            tls_wait(d, r, false);
            return;
        }
        if (r <= 0 && d->len == 0) {
            /* closed before any answer: with TLS 1.3 a server that refuses
             * our client certificate says so only now */
            char det[96];
            if (chk_tls_failure(d->ssl, r, 0, true, det, sizeof(det)) == CHK_R_TLS_FAILED) {
                fail(d, DE_TLS, "%s", det);
                return;
            }
        }
        size_t n = r > 0 ? (size_t)r : 0;
        bool eof = n == 0;
        d->len += n;
        int status;
        size_t blen;
        char err[160];
        int k = etcd_msg_http(d->buf, d->len, eof, &status, d->body, DISC_BUF, &blen, err,
                              sizeof(err));
        if (k < 0) {
            fail(d, DE_HTTP, "%s", err);
            return;
        }
        if (k) {
            done(d, status, d->body, blen);
            return;
        }
        if (eof) {
            fail(d, DE_HTTP, "closed before the answer was complete");
            return;
        }
    }
}

static void do_send(struct nl_disc *d)
{
    while (d->sent < d->reqlen) {
        int r = SSL_write(d->ssl, d->req + d->sent, (int)(d->reqlen - d->sent));
        if (r <= 0) {
            tls_wait(d, r, false);
            return;
        }
        d->sent += (size_t)r;
    }
    d->ph = PH_RECV;
    want(d, EPOLLIN);
}

static void do_tls(struct nl_disc *d)
{
    int r = SSL_connect(d->ssl);
    if (r != 1) {
        tls_wait(d, r, true);
        return;
    }
    d->ph = PH_SEND;
    do_send(d);
}

static void connected(struct nl_disc *d)
{
    int e = 0;
    socklen_t l = sizeof(e);
    if (getsockopt(d->fd, SOL_SOCKET, SO_ERROR, &e, &l) < 0)
        e = errno;
    if (e) {
        fail(d, DE_CONNECT, "%s", strerror(e));
        return;
    }
    /* the name checked is the kubeconfig's server, as the kubelet checks it */
    d->ssl = chk_tls_new(d->ctx, d->fd, d->host_is_ip ? NULL : d->host,
                         d->host_is_ip ? d->host : NULL);
    if (!d->ssl) {
        fail(d, DE_TLS, "cannot set up TLS");
        return;
    }
    d->ph = PH_TLS;
    do_tls(d);
}

static void on_io(struct ev_loop *loop, struct ev_io *io, uint32_t events)
{
    struct nl_disc *d = io->arg;
    switch (d->ph) {
    case PH_CONNECT:
        connected(d);
        break;
    case PH_TLS:
        do_tls(d);
        break;
    case PH_SEND:
        do_send(d);
        break;
    case PH_RECV:
        do_recv(d);
        break;
    default:
        break;
    }
}

static void start_fetch(struct nl_disc *d)
{
    int n = snprintf(d->req, sizeof(d->req),
                     "GET " NL_DISCOVER_PATH " HTTP/1.1\r\nHost: %s%s%s\r\n"
                     "User-Agent: haplane-node-local\r\nAccept: application/json\r\n"
                     "Connection: close\r\n\r\n",
                     strchr(d->host, ':') ? "[" : "", d->host, strchr(d->host, ':') ? "]" : "");
    d->reqlen = (size_t)n;
    d->sent = d->len = 0;
    d->fetches++;
    d->fd = socket(d->sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (d->fd < 0) {
        fail(d, DE_CONNECT, "socket: %s", strerror(errno));
        return;
    }
    d->ph = PH_CONNECT;
    ev_timer_start(d->loop, &d->tmr, DISC_TIMEOUT_NS, on_timer, d);
    if (connect(d->fd, (const struct sockaddr *)&d->sa, d->salen) < 0 && errno != EINPROGRESS) {
        fail(d, DE_CONNECT, "%s", strerror(errno));
        return;
    }
    if (ev_io_start(d->loop, &d->io, d->fd, EPOLLOUT, on_io, d) < 0) {
        int e = errno;
        close(d->fd);
        d->fd = -1;
        fail(d, DE_CONNECT, "epoll: %s", strerror(e));
    }
}

static void on_timer(struct ev_loop *loop, struct ev_timer *t)
{
    struct nl_disc *d = t->arg;
    if (d->ph == PH_IDLE)
        start_fetch(d);
    else
        fail(d, DE_TIMEOUT, "no answer within %llu s",
             (unsigned long long)(DISC_TIMEOUT_NS / NS_PER_S));
}

int nl_disc_start(struct nl_disc *d, struct ev_loop *loop, const struct sockaddr *sa,
                  socklen_t salen, const struct nl_list *seed, nl_disc_cb cb, void *arg,
                  char *err, size_t errlen)
{
    if (salen > sizeof(d->sa) || nl_list_copy(&d->cur, seed) < 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    d->loop = loop;
    memcpy(&d->sa, sa, salen);
    d->salen = salen;
    d->cb = cb;
    d->arg = arg;
    d->rnd = (ev_clock_ns() ^ (uint64_t)getpid() << 20) | 1;
    ev_timer_start(loop, &d->tmr, DISC_FIRST_NS, on_timer, d);
    log_info("nl", "discover", "from %s (server %s) every %llu s through the listener", d->path,
             d->server, (unsigned long long)(d->interval_ns / NS_PER_S));
    return 0;
}

void nl_disc_stop(struct nl_disc *d)
{
    if (!d || !d->loop)
        return;
    conn_close(d);
    ev_timer_stop(d->loop, &d->tmr);
    d->loop = NULL; /* the daemon frees the loop after this */
}

void nl_disc_free(struct nl_disc *d)
{
    if (!d)
        return;
    nl_disc_stop(d);
    nl_list_free(&d->cur);
    SSL_CTX_free(d->ctx);
    free(d->buf);
    free(d->body);
    free(d->server);
    free(d->path);
    free(d);
}

static uint64_t errors_total(const struct nl_disc *d)
{
    uint64_t n = 0;
    for (int i = 0; i < DE_COUNT; i++)
        n += d->errors[i];
    return n;
}

void nl_disc_status_text(const struct nl_disc *d, struct sbuf *r)
{
    char l[1024];
    uint64_t now = ev_clock_ns();
    sbuf_printf(r, "discover   %s every %llu s: %llu fetches, %llu ok, %llu changes, %llu failed",
                d->path, (unsigned long long)(d->interval_ns / NS_PER_S),
                (unsigned long long)d->fetches, (unsigned long long)d->ok,
                (unsigned long long)d->changes, (unsigned long long)errors_total(d));
    for (int i = 0; i < DE_COUNT; i++)
        if (d->errors[i])
            sbuf_printf(r, " (%s %llu)", disc_err_names[i], (unsigned long long)d->errors[i]);
    sbuf_printf(r, "\n           servers %s%s\n", nl_list_format(&d->cur, l, sizeof(l)),
                d->have_good ? "" : " (the seed: no answer yet)");
    if (d->last_error[0])
        sbuf_printf(r, "           last failure %.1f s ago: %s\n",
                    (double)(now - d->last_error_ns) / NS_PER_S, d->last_error);
}

void nl_disc_status_json(const struct nl_disc *d, struct sbuf *r)
{
    uint64_t now = ev_clock_ns();
    sbuf_puts(r, "{\"kubeconfig\":");
    sbuf_json_str(r, d->path);
    sbuf_printf(r, ",\"interval_s\":%llu,\"fetches\":%llu,\"ok\":%llu,\"changes\":%llu,",
                (unsigned long long)(d->interval_ns / NS_PER_S), (unsigned long long)d->fetches,
                (unsigned long long)d->ok, (unsigned long long)d->changes);
    sbuf_printf(r, "\"errors\":{");
    for (int i = 0; i < DE_COUNT; i++)
        sbuf_printf(r, "%s\"%s\":%llu", i ? "," : "", disc_err_names[i],
                    (unsigned long long)d->errors[i]);
    sbuf_printf(r, "},\"seed_only\":%s,\"servers\":[", d->have_good ? "false" : "true");
    for (size_t i = 0; i < d->cur.n; i++) {
        sbuf_puts(r, i ? "," : "");
        sbuf_json_str(r, d->cur.v[i]);
    }
    sbuf_puts(r, "],\"last_error\":");
    if (d->last_error[0])
        sbuf_json_str(r, d->last_error);
    else
        sbuf_puts(r, "null");
    sbuf_printf(r, ",\"last_error_s_ago\":");
    if (d->last_error[0])
        sbuf_printf(r, "%.3f", (double)(now - d->last_error_ns) / NS_PER_S);
    else
        sbuf_puts(r, "null");
    sbuf_puts(r, "}");
}
