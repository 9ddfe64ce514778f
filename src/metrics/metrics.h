/* metrics: the metrics listener (global_defs `metrics_listen`). A small
 * HTTP/1.1 server on the main event loop: GET /metrics (Prometheus text
 * format 0.0.4), GET /healthz (liveness of the main loop), GET / (a
 * read-only HTML status page). Everything it shows is read from the
 * status document of `haplane status --json`, which the daemon hands it
 * through a callback, so it adds no state to the modules it reports on.
 *
 * One request per connection (Connection: close); GET and HEAD only; a
 * request is at most MX_REQ_MAX bytes and must arrive within MX_IDLE_MS;
 * at most MX_MAX_CLIENTS connections at once (a new one pushes out the
 * oldest still waiting for its request, so idle connections cannot lock
 * a scraper out; when all are being answered, the new one is closed).
 * Every refused or failed request is counted (haplane_http_errors_total).
 */
#ifndef HAPLANE_METRICS_METRICS_H
#define HAPLANE_METRICS_METRICS_H

#include <stddef.h>

#include "conf/conf-t.h"
#include "ev/ev.h"
#include "util/sbuf.h"

#define MX_REQ_MAX     4096 /* a browser sending a few cookies fits */
#define MX_MAX_CLIENTS 16
#define MX_IDLE_MS     2000 /* from connect to a complete request */
#define MX_WRITE_MS    5000 /* for the response to be read */
#define MX_BACKOFF_MS  100  /* listener paused after an accept error */
#define MX_HEALTHY_MS  1000 /* /healthz: the loop iteration began at most this long ago */
#define MX_REFRESH_S   5    /* the status page reloads itself this often */

/* Append the daemon's status document (the `status json` reply). */
typedef void (*mx_status_fn)(struct sbuf *json, void *arg);

struct mx;

/* Listen on ep and serve on loop. NULL with a message in err. */
struct mx *mx_open(struct ev_loop *loop, const struct cfg_endpoint *ep, mx_status_fn fn, void *arg,
                   char *err, size_t errlen);
/* Close the listener and every client. NULL is fine. */
void mx_close(struct mx *m);

/* Make *m serve ep: open it, keep it (same address), move it, or close it
 * (ep->port == 0). A move opens the new address before closing the old
 * one, and retries after closing it (same port). -1 with err when ep
 * cannot be listened on; then *m is NULL (no listener). */
int mx_apply(struct mx **m, struct ev_loop *loop, const struct cfg_endpoint *ep, mx_status_fn fn,
             void *arg, char *err, size_t errlen);

#endif
