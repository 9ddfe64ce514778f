/* nl_disc: `haplane node-local --discover KUBECONFIG`. Every interval (30 s
 * by default, +-10 % jitter) GET /api/v1/namespaces/default/endpoints/kubernetes
 * through node-local's own listener (so the request reaches a healthy API
 * server, and tests the path the kubelet uses), with the kubeconfig's client
 * certificate, verified against its CA and server name as the kubelet
 * verifies them. A list that differs from the last one goes to the owner's
 * callback (which reloads: established connections stay, removed servers
 * drain). A failed fetch (connect, TLS, HTTP status, a bad or empty
 * object) is logged with its reason and counted; the last good list stays.
 * Runs on the main loop, never blocks it.
 */
#ifndef HAPLANE_NODELOCAL_DISCOVER_H
#define HAPLANE_NODELOCAL_DISCOVER_H

#include <stdint.h>
#include <sys/socket.h>

#include "ev/ev.h"
#include "nodelocal/endpoints.h"
#include "util/sbuf.h"

#define NL_DISCOVER_PATH        "/api/v1/namespaces/default/endpoints/kubernetes"
#define NL_DISCOVER_INTERVAL_MS 30000

struct nl_disc;

/* A new list (sorted; borrowed for the call). */
typedef void (*nl_disc_cb)(void *arg, const struct nl_list *servers);

/* Read the kubeconfig and load its certificates now (an error here stops
 * node-local before it starts). NULL with err. */
struct nl_disc *nl_disc_new(const char *kubeconfig, uint64_t interval_ms, char *err,
                            size_t errlen);
/* Start fetching from the listener at sa (the first fetch after one
 * second); seed: the list the proxy starts with. */
int nl_disc_start(struct nl_disc *d, struct ev_loop *loop, const struct sockaddr *sa,
                  socklen_t salen, const struct nl_list *seed, nl_disc_cb cb, void *arg,
                  char *err, size_t errlen);
void nl_disc_stop(struct nl_disc *d);
void nl_disc_free(struct nl_disc *d);

void nl_disc_status_text(const struct nl_disc *d, struct sbuf *r);
void nl_disc_status_json(const struct nl_disc *d, struct sbuf *r);

#endif
