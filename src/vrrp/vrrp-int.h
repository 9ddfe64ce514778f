/* vrrp-int: the engine's internal types, shared by vrrp.c (manager,
 * sockets, tracking), instance.c (one virtual router) and status.c. */
#ifndef HAPLANE_VRRP_VRRP_INT_H
#define HAPLANE_VRRP_VRRP_INT_H

#include <net/if.h>

#include "check/check.h"
#include "conf/conf.h"
#include "ev/ev.h"
#include "log.h"
#include "net/net.h"
#include "track/track.h"
#include "vrrp/fsm.h"
#include "vrrp/hb.h"
#include "vrrp/io-int.h"
#include "vrrp/pkt.h"
#include "vrrp/prio.h"
#include "vrrp/tuples.h"
#include "vrrp/vrrp.h"

/* At most this many state changes caused by received adverts per window
 * (instance.c rx_limited): far above what a working group needs (a
 * handover is one or two), far below what a flood can cause. */
#define VRRP_FLAP_MAX       10
#define VRRP_FLAP_WINDOW_MS 10000

#define VRRP_PKT_MAX 1500 /* what we send: one Ethernet MTU (CFG_ADVERT_MTU) */
/* what we read: the largest valid advert from anyone (an IPv4 header with
 * options, or IPv6 without one, and 255 IPv6 addresses: a peer on a jumbo
 * frame link may send that), so that only a packet no VRRP router sends is
 * cut (MSG_TRUNC: dropped as truncated) */
#define VRRP_RX_MAX (60 + 8 + 255 * 16 + 8)

/* Failover-gap histogram: bucket upper bounds in ms (the last bucket is
 * +Inf). keepalived's default group (advert_int 1) takes about 3.6 s. */
#define VRRP_GAP_NBUCKETS 9
#define VRRP_GAP_BOUNDS_MS                                                                         \
    {                                                                                              \
        50, 100, 250, 500, 1000, 2000, 4000, 8000, 16000                                           \
    }

/* One raw socket per (interface, family), shared by its instances. */
struct vrrp_sock {
    struct vrrp *v;
    int ifindex;
    int family;
    int fd;
    int joined; /* member of the VRRP multicast group */
    struct ev_io io;
    unsigned users;
    uint64_t rx_ip_errors[VRRP_RX_ERR_COUNT]; /* rejected before an instance is known */
    uint64_t rx_unknown_vrid;
    struct log_ratelimit rl;
    struct vrrp_sock *next;
};

/* An instance's side of `quorum on` (quorum.c). */
struct vrrp_quorum {
    struct vrrp_hb_self self;
    size_t n;                /* the other nodes: unicast peers, or cluster_size - 1 */
    bool mcast;              /* cluster_size: the others are learnt from announcements */
    struct vrrp_addr *addrs; /* n slots; the first nknown are known */
    size_t nknown;
    int joined_ifindex;         /* mcast: the group is joined on this interface (0: not) */
    struct vrrp_hb_peer *peers; /* one per slot of addrs */
    size_t nseen;
    bool majority;
    uint64_t since_ms, changes; /* of majority */
    struct ev_timer t_hb;
    uint64_t sent, received, send_errors, announces;
    uint64_t drops[VRRP_HB_ERR_COUNT];
    struct log_ratelimit rl;
};

/* An instance's side of failover_reset (freset.c). */
#define VRRP_FR_MAX_PEERS 32
struct vrrp_freset {
    struct vrrp_tp_local local; /* our proxy's clients on the VIPs */
    bool mcast;                 /* peers learnt from the VRRP group */
    int joined_ifindex;         /* mcast: the group joined here (0: not, or by quorum) */
    struct vrrp_addr addrs[VRRP_FR_MAX_PEERS];
    struct vrrp_tp_peer peers[VRRP_FR_MAX_PEERS]; /* what each reported */
    bool req_due[VRRP_FR_MAX_PEERS];              /* ask it for a full sync at the next tick */
    size_t npeers;
    struct ev_timer t_tick, t_reset;
    /* the reset burst after a takeover */
    struct vrrp_tuple *queue;
    size_t nq, qpos;
    unsigned round; /* 1, 2: the first or second segment to each; 0: none */
    uint64_t burst_start_ns, burst_errors, last_burst_n, last_burst_ms;
    uint64_t sent, send_errors, received, reqs_sent, reqs_taken, takeovers;
    uint64_t resets_sent, reset_errors;
    uint64_t drops[VRRP_TP_ERR_COUNT];
    struct log_ratelimit rl;
};

struct vrrp_fencer;

struct vrrp_inst {
    struct vrrp *v;
    const struct cfg_vrrp_instance *c; /* in v->cfg */
    char name[64];
    int ifindex;
    struct vrrp_sock *sock;
    struct vrrp_addr src;            /* advert source; tie-break identity */
    struct vrrp_addr *vips;          /* wire form of c->vips */
    struct vrrp_addr *peers;         /* unicast peers; NULL: multicast */
    struct vrrp_ttl_range *peer_ttl; /* per peer: the TTLs its adverts may have */
    int *vip_ifindex;                /* per VIP: `dev` or the instance's interface */
    struct vrrp_fsm fsm;
    uint16_t adver_int_cs;
    uint32_t lifetime_s; /* VIP valid_lft; NL_LIFETIME_FOREVER when off */

    struct ev_timer t_advert, t_down, t_preempt, t_refresh, t_garp;
    unsigned garp_rounds_left; /* GARP rounds still to send in this burst */
    int garp_second_burst;     /* the garp_master_delay burst is pending */

    /* what the priority follows (prio.h): row 0 is the own interface */
    struct vrrp_prio_input *rows;
    size_t *row_script;        /* per row: cfg->scripts index (VRRP_IN_SCRIPT) */
    enum vrrp_effect *effects; /* per row: what it did at the last computation */
    size_t nrows;
    int if_up;        /* the instance's own interface */
    int track_faults; /* rows that put us in FAULT */
    char fault_reason[96];

    /* Not attached yet: the interface, a VIP `dev` or the source address
     * does not exist (at boot, a NIC or VLAN that comes up late). No
     * ifindex, source or socket; FAULT with wait_reason; vrrp_inst_retrack
     * (link changes) and t_wait (every second) try again. */
    int waiting;
    char wait_reason[160];
    struct ev_timer t_wait;

    struct vrrp_quorum *q;  /* NULL unless quorum on */
    struct vrrp_freset *fr; /* NULL unless failover_reset is in effect */

    struct vrrp_fencer *fence;   /* fence etcd (fencer.c); NULL: none */
    uint64_t lower_seen_ns;      /* a backup last discarded a lower master's advert */
    uint64_t next_preempt_ns;    /* earliest next preempt advert (fence) */
    uint64_t preempt_adverts;    /* sent by vrrp_inst_preempt_advert */
    struct chk_target *etcd_chk; /* track_etcd: the member's /health; NULL: none */
    int etcd_ok;                 /* its verdict: 1 healthy, 0 not, -1 not yet */

    int vips_installed; /* we hold them: added, refreshed, to be removed */
    size_t vips_failed; /* of those, how many the last add or refresh could not set */
    uint64_t since_ns;  /* time of the last state change */
    char last_reason[160];
    /* counters */
    uint64_t rx_adverts, tx_adverts, tx_errors, transitions, became_master, vip_errors;
    uint64_t garps_sent;
    uint64_t transitions_by[VRRP_EV_COUNT]; /* by the fsm's table column (the reason) */
    /* notify: one round of commands at a time (notify() in instance.c) */
    unsigned notify_running; /* commands of this instance still running */
    int notify_pending;      /* a change arrived meanwhile */
    enum vrrp_state notify_pending_to, notified_to;
    uint64_t notify_coalesced; /* pending changes replaced by a later one */
    uint64_t rx_drops[VRRP_RX_ERR_COUNT];
    struct log_ratelimit rl_rx, rl_tx, rl_notify;
    struct log_ratelimit lim_flap; /* state changes caused by adverts (rx_limited) */
    uint64_t next_reply_ms;        /* a master's next answer to a lower advert */
    uint64_t replies_limited;      /* lower adverts taken but not answered (rx_limit) */
    uint64_t next_reannounce_ms;   /* a master's next GARP/NA round for a lower master */
    uint64_t reannounces;          /* those rounds sent (vrrp_reannounce) */
    /* failover gaps seen from here: the last advert taken while BACKUP to
     * this node's VIPs installed (vip.c), in fixed buckets (status.c) */
    uint64_t last_master_adv_ns; /* 0: none since the last takeover */
    uint64_t gap_counts[VRRP_GAP_NBUCKETS + 1];
    uint64_t gap_sum_us, gap_last_us;
    uint64_t vip_refreshes; /* lifetime renewals of the VIPs while master */
};

struct vrrp {
    struct ev_loop *loop;
    const struct cfg *cfg;
    struct nl nl;
    struct garp garp;
    struct track *track;
    struct vrrp_sock *socks;
    struct vrrp_inst **insts;
    size_t ninsts;
    struct {
        const char *name;
        int healthy;
    } * proxies; /* track_proxy inputs */
    size_t nproxies;
    int shutting_down;
    /* quorum heartbeat sockets (quorum.c); -1 when closed */
    int hb_fd4, hb_fd6;
    struct ev_io hb_io4, hb_io6;
    uint32_t hb_port;
    uint64_t hb_drops[VRRP_HB_ERR_COUNT]; /* before an instance is known */
    struct log_ratelimit hb_rl;
    /* failover_reset (freset.c) */
    vrrp_conns_fn conns_fn; /* the proxy's connection reports */
    void *conns_arg;
    uint64_t conns_lost;
    uint64_t tp_drops[VRRP_TP_ERR_COUNT]; /* before an instance is known */
    int raw_fd4, raw_fd6;                 /* the reset segments; -1 until the first takeover */
    uint64_t raw_rnd;
};

/* instance.c */
/* A new instance in INIT, or NULL with err. Its interface, VIP devices and
 * source address need not exist yet: it is then `waiting`. */
struct vrrp_inst *vrrp_inst_new(struct vrrp *v, const struct cfg_vrrp_instance *c, char *err,
                                size_t errlen);
/* INIT -> BACKUP, MASTER or FAULT (tracking, or waiting for the interface). */
void vrrp_inst_start(struct vrrp_inst *in);
/* Shut down (priority 0 if master, VIPs removed, notify_stop) and free. */
void vrrp_inst_stop(struct vrrp_inst *in);
void vrrp_inst_free(struct vrrp_inst *in);
void vrrp_inst_on_packet(struct vrrp_inst *in, const struct vrrp_rx *rx);
/* After a reload kept the instance: follow its new (equal) model. */
void vrrp_inst_rebind(struct vrrp_inst *in);
/* Tracked inputs changed: recompute priority and faults, feed the fsm; a
 * waiting instance tries to attach, a running one whose interface was
 * re-created (new ifindex) re-attaches to it. */
void vrrp_inst_retrack(struct vrrp_inst *in);
/* Fence: ask a lower-priority key holder to yield (see instance.c). */
void vrrp_inst_preempt_advert(struct vrrp_inst *in);
/* Remove VIPs of this instance left on their interfaces by an earlier run. */
void vrrp_inst_sweep_vips(struct vrrp_inst *in);

/* instance.c, for the files below */
void vrrp_addr_from_cfg(struct vrrp_addr *out, const struct cfg_addr *a);
int vrrp_inst_init_fsm(struct vrrp_inst *in, uint8_t prio, char *err, size_t errlen);
/* Feed the state machine one event and carry out what it returns. */
void vrrp_inst_step(struct vrrp_inst *in, enum vrrp_event ev, const struct vrrp_fsm_in *fin);

/* inputs.c: the rows the priority follows (prio.h) */
int vrrp_inputs_build(struct vrrp_inst *in); /* 0, or -1: out of memory */
void vrrp_inputs_free(struct vrrp_inst *in);
/* Gather every row's verdict (logging changes), set track_faults and
 * fault_reason, return the effective priority. */
uint8_t vrrp_inputs_priority(struct vrrp_inst *in);

/* vip.c */
void vrrp_nl_vip(const struct vrrp_inst *in, size_t i, struct nl_ifaddr *out);
void vrrp_vips_set(struct vrrp_inst *in, const char *what); /* add or refresh every VIP */
void vrrp_vips_add(struct vrrp_inst *in);                   /* and keep them refreshed */
void vrrp_vips_remove(struct vrrp_inst *in);
void vrrp_garp_start(struct vrrp_inst *in); /* a burst of GARP / NA for every VIP */
/* A master heard a lower-priority master: one GARP / NA round, at most one
 * per VRRP_REANNOUNCE_MS, outside the burst schedule. */
void vrrp_reannounce(struct vrrp_inst *in, const char *why);
#define VRRP_REANNOUNCE_MS 1000

/* notify.c: notify scripts of a change to `to` (stopping: notify_stop) */
void vrrp_notify(struct vrrp_inst *in, enum vrrp_state to, int stopping);

/* attach.c. vrrp_attach: 0 attached, 1 not yet (err says why: wait), -1
 * cannot (err). */
int vrrp_attach(struct vrrp_inst *in, char *err, size_t errlen);
void vrrp_wait_retry(struct vrrp_inst *in);
void vrrp_wait_start(struct vrrp_inst *in); /* vrrp_inst_start of a waiting instance */
/* 1 when the interface was re-created and the instance now waits to
 * attach to the new one, else 0. */
int vrrp_reattach_if_recreated(struct vrrp_inst *in);

/* quorum.c */
/* Open or close the heartbeat sockets cfg needs (reload: the port may
 * change). Returns 0, or -1 with err. */
int vrrp_quorum_sockets(struct vrrp *v, const struct cfg *cfg, char *err, size_t errlen);
void vrrp_quorum_close(struct vrrp *v);
int vrrp_quorum_start(struct vrrp_inst *in); /* nothing unless quorum on; -1: no memory */
void vrrp_quorum_stop(struct vrrp_inst *in);
void vrrp_quorum_json(const struct vrrp_inst *in, struct sbuf *b);
/* {"reason": n, ...} of the heartbeat drops that are not zero */
void vrrp_quorum_drops_json(const uint64_t *drops, struct sbuf *b);

/* Send buf to dst on the quorum port from the instance's advert source
 * (ifindex: the interface of a multicast destination, else 0). */
ssize_t vrrp_hb_send(struct vrrp *v, int fd, const uint8_t *buf, size_t len,
                     const struct vrrp_addr *dst, const struct vrrp_inst *in, int ifindex);

/* freset.c: failover_reset (each does nothing unless it is in effect) */
int vrrp_freset_start(struct vrrp_inst *in); /* -1: no memory */
void vrrp_freset_stop(struct vrrp_inst *in);
void vrrp_freset_rebind(struct vrrp_inst *in);
void vrrp_freset_state(struct vrrp_inst *in, enum vrrp_state from, enum vrrp_state to);
/* A message on the quorum port that starts with "HPT1". */
void vrrp_freset_rx(struct vrrp *v, const uint8_t *buf, size_t len, const struct vrrp_addr *src);
void vrrp_freset_close(struct vrrp *v);
void vrrp_freset_json(const struct vrrp_inst *in, struct sbuf *b);
void vrrp_freset_text(const struct vrrp_inst *in, struct sbuf *b);
void vrrp_freset_drops_json(const uint64_t *drops, struct sbuf *b);

/* etcdhealth.c: track_etcd (nothing when not configured) */
int vrrp_etcdhealth_start(struct vrrp_inst *in, char *err, size_t errlen);
void vrrp_etcdhealth_stop(struct vrrp_inst *in);
void vrrp_etcdhealth_json(const struct vrrp_inst *in, struct sbuf *b);

/* fencer.c: fence etcd (each does nothing without one) */
int vrrp_fence_start(struct vrrp_inst *in, char *err, size_t errlen);
void vrrp_fence_stop(struct vrrp_inst *in); /* revokes a held lease */
void vrrp_fence_kick(struct vrrp_inst *in); /* the VRRP state changed */
/* The VRRP_IN_FENCE row: 1 may hold the VIP (master) / stay out of FAULT. */
int vrrp_fence_verdict(const struct vrrp_inst *in);
/* A backup's master-down timer ran out: 0 take over now; 1 not yet (the
 * fence acquires the key and then steps MASTER_DOWN itself); 2 not at all
 * (etcd lost with on_etcd_loss release: re-arm the timer). */
int vrrp_fence_hold_back(struct vrrp_inst *in);
/* 1 while etcd answers (standby or held): it, not a heartbeat majority,
 * decides between two nodes. */
int vrrp_fence_arbitrates(const struct vrrp_inst *in);
/* The VIP lifetime to install now: life_s, cut to what is left of the lease. */
uint32_t vrrp_fence_vip_lifetime(const struct vrrp_inst *in, uint32_t life_s);
void vrrp_fence_json(const struct vrrp_inst *in, struct sbuf *b);
void vrrp_fence_text(const struct vrrp_inst *in, struct sbuf *b);

/* vrrp.c */
struct vrrp_sock *vrrp_sock_get(struct vrrp *v, int ifindex, int family, int join, char *err,
                                size_t errlen);
void vrrp_sock_put(struct vrrp *v, struct vrrp_sock *s);
/* Verdict of a track_proxy input: 1 healthy, 0 not, -1 unknown proxy. */
int vrrp_proxy_health_get(const struct vrrp *v, const char *name);

#endif
