/* nl_conftext: the native configuration that `haplane node-local`'s
 * options stand for (pure). The daemon loads it with the same parser as a
 * file, so run, reload and status are the masters' code.
 *
 * Defaults, chosen for thousands of node-locals against three API servers
 * (docs/operations.md, Workers: node-local): speed comes from passive
 * signals (hedged connects, connect failures, TCP keepalive and
 * TCP_USER_TIMEOUT on server sockets), the active check is slow and
 * jittered, and fast only while a server is suspect.
 */
#ifndef HAPLANE_NODELOCAL_CONFTEXT_H
#define HAPLANE_NODELOCAL_CONFTEXT_H

#include <stddef.h>

#include "util/sbuf.h"

#define NL_LISTEN_DEFAULT  "127.0.0.1:6444"
#define NL_CONTROL_DEFAULT "/run/haplane-node-local/control.sock"
#define NL_PROXY_NAME      "node-local"

/* The check and proxy defaults, as written in the generated text. */
#define NL_CHECK_INTERVAL "10s"
#define NL_CHECK_JITTER   "20%"
#define NL_CHECK_FAST     "250ms"
#define NL_CHECK_TIMEOUT  "1s"
#define NL_CHECK_FALL     2
#define NL_CHECK_RISE     2
#define NL_CONNECT        "1s"
#define NL_HEDGE          "100ms"
#define NL_IDLE           "1h"
#define NL_SILENT         "2s" /* a watch on a dead server: cut after 2 s of silence */
#define NL_RETRIES        3

struct nl_conf {
    const char *listen;         /* ADDR:PORT */
    const char *const *servers; /* HOST:PORT each */
    size_t nservers;
    const char *ca, *cert, *key; /* NULL: none */
    const char *metrics_listen;  /* NULL: off */
    const char *relay;           /* NULL: splice */
};

/* Write the configuration into out (appended). Strings are quoted as the
 * native lexer reads them. Returns 0, or -1 with a reason in err when a
 * value cannot be written (a control character or a '"' in a path). */
int nl_conftext(const struct nl_conf *c, struct sbuf *out, char *err, size_t errlen);

#endif
