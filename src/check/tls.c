/* chk_tls: see tls-int.h. */
#include "check/tls-int.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "check/state.h"

/* The first queued OpenSSL error as text ("" if none); clears the queue. */
static void ssl_errstr(char *buf, size_t len)
{
    unsigned long e = ERR_get_error();
    if (len == 0)
        return;
    buf[0] = 0;
    if (e)
        ERR_error_string_n(e, buf, len);
    ERR_clear_error();
}

static SSL_CTX *ctx_fail(SSL_CTX *ctx, char *err, size_t errlen, const char *what, const char *file)
{
    char e[200];
    ssl_errstr(e, sizeof(e));
    snprintf(err, errlen, "%s %s: %s", what, file ? file : "",
             e[0] ? e : (errno ? strerror(errno) : "failed"));
    SSL_CTX_free(ctx);
    return NULL;
}

SSL_CTX *chk_tls_ctx_new(const struct cfg_check *c, char *err, size_t errlen)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx)
        return ctx_fail(NULL, err, errlen, "TLS context", NULL);
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF | SSL_OP_NO_COMPRESSION);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    if (c->verify == CFG_VERIFY_REQUIRED || c->ca) {
        errno = 0;
        if (c->ca && SSL_CTX_load_verify_locations(ctx, c->ca, NULL) != 1)
            return ctx_fail(ctx, err, errlen, "ca", c->ca);
        if (!c->ca && SSL_CTX_set_default_verify_paths(ctx) != 1)
            return ctx_fail(ctx, err, errlen, "default CA paths", NULL);
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    } else {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    }
    if (c->cert) {
        errno = 0;
        if (SSL_CTX_use_certificate_chain_file(ctx, c->cert) != 1)
            return ctx_fail(ctx, err, errlen, "cert", c->cert);
        if (SSL_CTX_use_PrivateKey_file(ctx, c->key ? c->key : c->cert, SSL_FILETYPE_PEM) != 1)
            return ctx_fail(ctx, err, errlen, "key", c->key ? c->key : c->cert);
        if (SSL_CTX_check_private_key(ctx) != 1)
            return ctx_fail(ctx, err, errlen, "key", c->key ? c->key : c->cert);
    }
    return ctx;
}

/* Marks (as the SSL's app data) a connection whose server sent a
 * CertificateRequest: it wants a client certificate. */
static char cert_asked;

static int on_cert_request(SSL *ssl, void *arg)
{
    SSL_set_app_data(ssl, &cert_asked);
    return 1; /* go on with whatever certificate the context has, or none */
}

SSL *chk_tls_new(SSL_CTX *ctx, int fd, const char *sni, const char *ip)
{
    SSL *ssl = SSL_new(ctx);
    if (!ssl)
        return NULL;
    SSL_set_cert_cb(ssl, on_cert_request, NULL);
    if (SSL_set_fd(ssl, fd) != 1)
        goto fail;
    if (sni && SSL_set_tlsext_host_name(ssl, sni) != 1)
        goto fail;
    if (SSL_CTX_get_verify_mode(ctx) & SSL_VERIFY_PEER) {
        if (sni) {
            if (SSL_set1_host(ssl, sni) != 1)
                goto fail;
        } else if (ip && X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), ip) != 1) {
            goto fail;
        }
    }
    SSL_set_connect_state(ssl);
    return ssl;
fail:
    SSL_free(ssl);
    ERR_clear_error();
    return NULL;
}

static enum chk_result tls_failure(SSL *ssl, int ret, int handshake, char *detail, size_t len)
{
    int e = SSL_get_error(ssl, ret);
    int saved = errno;
    long vr = SSL_get_verify_result(ssl);
    char buf[160];

    ssl_errstr(buf, sizeof(buf));
    if (handshake && vr != X509_V_OK) {
        snprintf(detail, len, "certificate: %s", X509_verify_cert_error_string(vr));
        return CHK_R_TLS_VERIFY_FAILED;
    }
    if (e == SSL_ERROR_ZERO_RETURN || (e == SSL_ERROR_SYSCALL && saved == 0 && !buf[0])) {
        snprintf(detail, len, "%s", handshake ? "closed during TLS handshake" : "closed");
        return CHK_R_CLOSED_EARLY;
    }
    if (e == SSL_ERROR_SYSCALL && saved) {
        enum chk_result r = chk_result_from_errno(saved, false);
        snprintf(detail, len, "%s", strerror(saved));
        if (r != CHK_R_INTERNAL_ERROR)
            return r;
    }
    snprintf(detail, len, "%s", buf[0] ? buf : "TLS error");
    return CHK_R_TLS_FAILED;
}

/* The server asked for a client certificate and the exchange failed before
 * any response byte: with TLS 1.3 a server that refuses the certificate (or
 * its absence) says so only after the client's handshake is complete, as an
 * alert, a reset or a close, which would otherwise read as a network fault.
 * Report it as the TLS failure it is, and say whether we had one to give. */
static enum chk_result client_auth_failure(SSL *ssl, enum chk_result r, char *detail, size_t len)
{
    bool ours = SSL_get_certificate(ssl) != NULL;
    if (r != CHK_R_RESET && r != CHK_R_CLOSED_EARLY && r != CHK_R_TLS_FAILED)
        return r;
    if (!ours)
        snprintf(detail, len, "the server wants a client certificate; none is set");
    else if (r != CHK_R_TLS_FAILED)
        snprintf(detail, len, "%s after the server asked for our client certificate",
                 r == CHK_R_RESET ? "reset" : "closed");
    return CHK_R_TLS_FAILED;
}

enum chk_result chk_tls_failure(SSL *ssl, int ret, int handshake, bool before_response,
                                char *detail, size_t len)
{
    enum chk_result r = tls_failure(ssl, ret, handshake, detail, len);
    if (before_response && r != CHK_R_TLS_VERIFY_FAILED && SSL_get_app_data(ssl) == &cert_asked)
        return client_auth_failure(ssl, r, detail, len);
    return r;
}
