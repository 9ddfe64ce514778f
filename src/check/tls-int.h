/* chk_tls: OpenSSL client contexts for https checks.
 *
 * One SSL_CTX per proxy check configuration: `verify none` (the default,
 * like the kubeadm haproxy recipe) accepts any certificate; `ca FILE`
 * (verify required) checks the chain against FILE and the name against the
 * `sni` when given, else against the server's IP address (kubeadm puts the
 * masters' addresses in the apiserver certificate). Optional client
 * certificate and key. Only the checker includes this.
 */
#ifndef HAPLANE_CHECK_TLS_INT_H
#define HAPLANE_CHECK_TLS_INT_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/ssl.h>

#include "check/check-t.h"
#include "conf/conf-t.h"

/* Build a client context from the check's TLS settings. Returns NULL with a
 * message in err (e.g. "ca /etc/x.crt: No such file or directory"). The
 * caller frees it with SSL_CTX_free. */
SSL_CTX *chk_tls_ctx_new(const struct cfg_check *c, char *err, size_t errlen);

/* A new SSL on fd, client mode, with SNI `sni` (may be NULL) and, when the
 * context verifies, the expected name (sni) or IP address (ip, text form).
 * NULL on failure (internal error). */
SSL *chk_tls_new(SSL_CTX *ctx, int fd, const char *sni, const char *ip);

/* Classify a failed SSL_connect/SSL_read/SSL_write: ret is its return value.
 * Fills detail (len bytes) with OpenSSL's reason and returns the result:
 * tls-verify-failed when certificate verification failed, reset when the
 * peer reset the connection, closed-early on EOF, tls-failed otherwise.
 * before_response: no byte of the response has come yet; a failure then,
 * after the server asked for a client certificate, is tls-failed whatever
 * its form (TLS 1.3 servers refuse a client certificate after the client's
 * handshake), with a detail that says whether the check has a certificate.
 * Clears the thread's OpenSSL error queue. */
enum chk_result chk_tls_failure(SSL *ssl, int ret, int handshake, bool before_response,
                                char *detail, size_t len);

#endif
