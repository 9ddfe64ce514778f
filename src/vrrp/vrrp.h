/* vrrp: the VIP failover engine. Runs every vrrp_instance of the config on
 * the caller's event loop: raw sockets, timers, the state machine (fsm.c),
 * VIPs through netlink with a kernel lifetime, GARP/NA, tracking.
 */
#ifndef HAPLANE_VRRP_VRRP_H
#define HAPLANE_VRRP_VRRP_H

#include <stddef.h>

#include "conf/conf-t.h"
#include "ev/ev.h"
#include "util/sbuf.h"
#include "vrrp/tuples.h"

struct vrrp;

/* Start every instance of cfg (which must outlive the engine, or be replaced
 * through vrrp_reload). Leftover VIPs of ours from an earlier run are
 * removed first. Returns NULL with err on failure (no instance started). */
struct vrrp *vrrp_start(struct ev_loop *loop, const struct cfg *cfg, char *err, size_t errlen);

/* Apply a new config: instances whose settings are unchanged keep running
 * untouched (state, timers, VIPs); changed ones are stopped (priority 0,
 * VIPs removed) and started again; removed ones stop; new ones start. After
 * this returns, the old cfg is no longer referenced. */
int vrrp_reload(struct vrrp *v, const struct cfg *cfg, char *err, size_t errlen);

/* Leave: every master sends priority 0 (a backup takes over after its skew
 * time) and removes its VIPs; notify_stop runs. Frees v. NULL is fine. */
void vrrp_shutdown(struct vrrp *v);

/* track_proxy input: proxy `name` has (1) or has no (0) healthy server. */
void vrrp_proxy_health_set(struct vrrp *v, const char *name, int healthy);

/* failover_reset: where the engine takes the proxy's client connections
 * from. fn hands the reports gathered since its last call to cb (in
 * order) and sets *lost to the reports lost so far; the engine calls it
 * every second and on a takeover. NULL fn: none. */
typedef void (*vrrp_conn_cb)(uint8_t op, const struct vrrp_tuple *t, void *cbarg);
typedef size_t (*vrrp_conns_fn)(vrrp_conn_cb cb, void *cbarg, void *arg, uint64_t *lost);
void vrrp_set_conns_source(struct vrrp *v, vrrp_conns_fn fn, void *arg);

void vrrp_status_json(struct vrrp *v, struct sbuf *out);
void vrrp_status_text(struct vrrp *v, struct sbuf *out);
/* One line for the service manager: "NAME STATE" per instance, appended to
 * out after ", " when out is not empty. */
void vrrp_status_line(struct vrrp *v, struct sbuf *out);

#endif
