/* etcd-int: a small etcd v3 gateway client on the event loop, for the
 * fence (fencer.c). One POST at a time; each on a fresh connection
 * (Connection: close), plain or TLS with a client certificate (the check
 * module's TLS contexts). The endpoints are tried in turn, starting with
 * the last one that answered: a transport failure, a timeout or an HTTP
 * 5xx (a member without a leader) moves on to the next one; after one
 * round the request fails with the last endpoint's error.
 */
#ifndef HAPLANE_VRRP_ETCD_INT_H
#define HAPLANE_VRRP_ETCD_INT_H

#include <stddef.h>
#include <stdint.h>

#include "conf/conf-t.h"
#include "ev/ev.h"

struct etcd_cli;

/* The outcome: status 0 and err when no endpoint answered usefully, else
 * the HTTP status and the (de-chunked, NUL-terminated) body; endpoint is
 * the URL that answered or failed last. All borrowed for the call. */
typedef void (*etcd_cb)(void *arg, int status, const char *body, size_t len, const char *err,
                        const char *endpoint);

/* A client for the fence block f (endpoints, TLS files: loaded now, so a
 * bad file is an error here). timeout_ms bounds one attempt on one
 * endpoint. obj names it in logs. NULL with err on failure. */
struct etcd_cli *etcd_cli_new(struct ev_loop *loop, const struct cfg_fence *f, uint64_t timeout_ms,
                              const char *obj, char *err, size_t errlen);
/* Stop what is in flight (no callback) and free. NULL is fine. */
void etcd_cli_free(struct etcd_cli *c);

/* POST body (JSON, copied) to path on the endpoints in turn; cb once,
 * later, from the loop. -1 when a request is already in flight or out of
 * memory. */
int etcd_cli_post(struct etcd_cli *c, const char *path, const char *body, etcd_cb cb, void *arg);

/* The endpoint that answered last ("" before any). */
const char *etcd_cli_endpoint(const struct etcd_cli *c);

/* Counters: attempts that failed on one endpoint (each moves to the next). */
uint64_t etcd_cli_failovers(const struct etcd_cli *c);

#endif
