/* nl_kubeconfig: what `haplane node-local --discover` needs from a
 * kubeconfig (pure: text in, values out; parsed with libyaml).
 *
 * The current context (or the only one) names a cluster and a user; from
 * the cluster: server, certificate-authority(-data),
 * insecure-skip-tls-verify; from the user: client-certificate(-data) and
 * client-key(-data). A *-data value is base64 PEM (decoded here); a file
 * path stays a path (relative ones are made relative to the kubeconfig's
 * directory, as kubectl does). Token and exec credentials are not used:
 * node-local authenticates with the client certificate, as the kubelet does.
 */
#ifndef HAPLANE_NODELOCAL_KUBECONFIG_H
#define HAPLANE_NODELOCAL_KUBECONFIG_H

#include <stdbool.h>
#include <stddef.h>

/* A PEM object: a file to read, or the bytes (from *-data). */
struct nl_pem {
    char *file;
    char *data; /* NUL-terminated */
    size_t len;
};

struct nl_kubeconfig {
    char *context;  /* the context used */
    char *server;   /* https://HOST[:PORT] */
    struct nl_pem ca, cert, key;
    bool insecure;  /* insecure-skip-tls-verify: true */
};

/* Parse text (len bytes). dir: the kubeconfig's directory, for relative
 * paths (NULL: kept as written). Returns 0, or -1 with a reason in err
 * ("line 4: ...", "no current-context and 2 contexts", "user 'kubelet':
 * client-certificate without client-key"). */
int nl_kubeconfig_parse(const char *text, size_t len, const char *dir, struct nl_kubeconfig *out,
                        char *err, size_t errlen);
void nl_kubeconfig_free(struct nl_kubeconfig *k);

/* HOST (no brackets) and PORT (443 when absent) of an https:// server URL.
 * Returns 0, or -1 with a reason. */
int nl_server_hostport(const char *url, char *host, size_t hostlen, unsigned *port, char *err,
                       size_t errlen);

#endif
