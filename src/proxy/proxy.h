/* px: haplane's L4 TCP proxy for the API servers, as the daemon sees it.
 *
 * px_start() turns the `proxy` blocks of a configuration into listening
 * sockets served by worker threads (each with its own event loop and its
 * own SO_REUSEPORT listener per bind), health checks on the caller's (main)
 * loop, and status. Everything here is called from the main thread, and the
 * health callback runs on the main loop.
 *
 * Reload keeps established connections: a proxy whose binds (and worker
 * count) did not change keeps its very listening sockets; one whose binds
 * changed opens the new ones before the old ones close. Servers are matched
 * by proxy name, server name and address: a kept server keeps its health,
 * counters and connections; a removed server's connections are closed
 * spread over the proxy's drain timeout.
 */
#ifndef HAPLANE_PROXY_PROXY_H
#define HAPLANE_PROXY_PROXY_H

#include <stddef.h>

#include "conf/conf-t.h"
#include "ev/ev.h"
#include "util/sbuf.h"
#include "vrrp/tuples.h"

struct px;
struct px_names;

/* Raise the soft open-files limit to the hard one, open the listeners of
 * every proxy in cfg, start the workers and the checks (the first check of
 * each server runs at once; a server takes traffic after its first passed
 * check). cfg is not kept (copied as needed). Returns NULL with a message in
 * err (e.g. "proxy apiserver: bind 198.18.0.100:16443: Address already in
 * use"). A configuration without proxies gives a px that does nothing. */
struct px *px_start(struct ev_loop *main_loop, const struct cfg *cfg, char *err, size_t errlen);

/* Switch to new_cfg. All or nothing: on -1 (message in err) nothing
 * changed and the running proxies go on. names: new_cfg's DNS names,
 * resolved beforehand (px_names_*), or NULL to resolve them here, blocking
 * the caller. */
int px_reload(struct px *px, const struct cfg *new_cfg, const struct px_names *names, char *err,
              size_t errlen);

/* The DNS names (server and bind host names) of a configuration, resolved
 * ahead of px_reload so that a slow resolver does not stall the main
 * thread (VRRP adverts run there):
 *   px_names_new      collects them (main thread); NULL when there are
 *                     none (or no memory: px_reload resolves them itself)
 *   px_names_resolve  resolves every one, blocking: call it on another
 *                     thread; it touches nothing but n
 *   px_names_free     after px_reload. */
struct px_names *px_names_new(const struct cfg *cfg);
size_t px_names_count(const struct px_names *n);
void px_names_resolve(struct px_names *n);
void px_names_free(struct px_names *n);

/* Graceful stop (SIGTERM): close the listeners now and close the
 * established connections spread over each proxy's drain timeout. Returns
 * 1 when there is nothing to wait for, 0 when done(arg) will be called on
 * the main loop once the last connection is gone. */
int px_drain(struct px *px, void (*done)(void *arg), void *arg);

/* failover_reset (vrrp/tuples.h): while some instance has it in effect
 * (cfg_failover_reset_any), the workers report every client connection
 * they accept and close. px_conns_take hands the reports gathered since
 * the last call to cb, in order, on the caller's (main) thread; *lost is
 * the total of reports lost so far (the list was full). NULL px: none. */
typedef void (*px_conn_cb)(uint8_t op, const struct vrrp_tuple *t, void *arg);
size_t px_conns_take(struct px *px, px_conn_cb cb, void *arg, uint64_t *lost);

/* Stop the workers, close every socket, free. NULL is fine. */
void px_stop(struct px *px);

/* Status: a JSON object keyed by proxy name ({} for NULL), and text. */
void px_status_json(struct px *px, struct sbuf *out);
void px_status_text(struct px *px, struct sbuf *out);
/* One line for the service manager: "NAME UP/ALL servers up" per proxy,
 * appended to out after ", " when out is not empty. */
void px_status_line(struct px *px, struct sbuf *out);

/* Called on the main loop whenever a proxy's health for VRRP track_proxy
 * changes: 1 when it has at least one server that can take new connections
 * (healthy, weight > 0, not draining; backups count), 0 when none
 * (also for a proxy that appears with a reload). Setting it calls it once
 * at once for every proxy with its current health, so the receiver starts
 * in sync. One callback; NULL removes. */
typedef void (*px_health_cb)(const char *proxy, int healthy, void *arg);
void px_set_health_cb(struct px *px, px_health_cb cb, void *arg);

/* Control commands: "drain PROXY SERVER" (no new connections, existing
 * ones stay, for maintenance) and "undrain PROXY SERVER". Returns 1 and
 * fills reply when cmd is one of them, 0 otherwise. */
int px_ctl(struct px *px, const char *cmd, struct sbuf *reply);

#endif
