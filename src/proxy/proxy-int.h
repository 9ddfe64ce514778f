/* proxy-int: the proxy's internal types and the functions its files share.
 * Not for use outside src/proxy (the daemon uses proxy/proxy.h).
 *
 * Threads and ownership:
 *   - The main thread (struct px, manager.c) builds generations from the
 *     configuration, opens listening sockets, runs the health checks and
 *     answers status. It is the only writer of server health.
 *   - Each worker (struct px_worker, worker.c) runs its own event loop with
 *     one listening socket per bind of each proxy it serves (SO_REUSEPORT),
 *     accepts, picks servers and relays (sess.c, relay.c). Its sessions,
 *     pools and per-proxy state (struct px_wpx) are touched by it alone.
 *   - Shared, read lock-free: struct px_srv (health, drain flag, active
 *     count, counters) and struct px_prt (open connections, counters), all
 *     atomics with relaxed ordering: a worker seeing a health change one
 *     connection late is harmless.
 *   - Messages cross threads through struct px_mq (a mutex-protected list
 *     and an eventfd), never through shared mutable structures.
 *   - Reference counts (atomic) keep generations, servers and proxy runtimes
 *     alive while any worker or session uses them.
 */
#ifndef HAPLANE_PROXY_PROXY_INT_H
#define HAPLANE_PROXY_PROXY_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "check/check.h"
#include "conf/conf-t.h"
#include "ev/ev.h"
#include "log.h"
#include "proxy/balance.h"
#include "proxy/policy.h"
#include "proxy/proxy.h"

#define PX_MAX_WORKERS         256
#define PX_ACCEPT_BATCH        64
#define PX_RUN_BUDGET          (2u << 20)        /* bytes one way per turn: fairness */
#define PX_BUF_SIZE            16384             /* copy relay and replay buffer */
#define PX_PIPE_SIZE           262144            /* splice pipes (F_SETPIPE_SZ) */
#define PX_POOL_PIPES          64                /* idle pipes kept per worker, at most */
#define PX_POOL_BUFS           64                /* idle buffers kept per worker */
#define PX_ACCEPT_PAUSE        (100 * NS_PER_MS) /* after EMFILE and friends */
#define PX_KEEPIDLE_S          60                /* TCP keepalive: first probe after 60 s idle, */
#define PX_KEEPINTVL_S         10                /* then every 10 s, */
#define PX_KEEPCNT             6                 /* 6 unanswered probes: the peer is gone */
#define PX_KA_DELAY            NS_PER_S          /* server sockets get keepalive at 1 s of age: */
#define PX_SRV_KEEPIDLE_S      2                 /* a server that stops answering is noticed */
#define PX_SRV_KEEPINTVL_S     1                 /* within PX_SRV_USER_TIMEOUT_MS of its last */
#define PX_SRV_KEEPCNT         2                 /* word, idle or not (TCP_USER_TIMEOUT bounds */
#define PX_SRV_USER_TIMEOUT_MS 4000              /* unacknowledged data and keepalive alike) */

#define PX_ADDRSTR 64

/* Relaxed atomic counters: many writers (workers), one reader (status). */
typedef _Atomic uint64_t px_ctr;
static inline void px_add(px_ctr *c, uint64_t n)
{
    atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}
static inline uint64_t px_get(px_ctr *c)
{
    return atomic_load_explicit(c, memory_order_relaxed);
}

/* Per-proxy counters of connections and drops; name, JSON key. */
#define PX_PCOUNTERS(X)                                                                            \
    X(accepted, "accepted")                                                                        \
    X(accept_errors, "accept_errors")                                                              \
    X(drop_no_fd, "dropped_out_of_fds")                                                            \
    X(drop_maxconn, "dropped_maxconn")                                                             \
    X(drop_no_server, "dropped_no_server")                                                         \
    X(drop_connect, "dropped_connect_failed")                                                      \
    X(drop_internal, "dropped_internal_error")                                                     \
    X(retries, "retries")                                                                          \
    X(hedges, "hedges_started")                                                                    \
    X(hedges_won, "hedges_won")                                                                    \
    X(replays, "replayed_after_reset")                                                             \
    X(closed_idle, "closed_idle_timeout")                                                          \
    X(closed_drain, "closed_drain")                                                                \
    X(closed_client_err, "closed_client_error")                                                    \
    X(closed_server_err, "closed_server_error")                                                    \
    X(pipe_fallback, "pipe_unavailable")                                                           \
    X(bytes_in, "bytes_client_to_server")                                                          \
    X(bytes_out, "bytes_server_to_client")

#define PX_C_ENUM_(n, s) PX_C_##n,
enum px_pcounter { PX_PCOUNTERS(PX_C_ENUM_) PX_C_COUNT };
#undef PX_C_ENUM_

/* A backend server. One per (proxy, server name, address), carried over
 * reloads so that health, counts and counters survive them. */
struct px_srv {
    atomic_uint refs;
    char *name;
    char addrstr[PX_ADDRSTR]; /* "198.18.0.11:6443", "[fd18::11]:6443" */
    char ipstr[48];           /* "198.18.0.11" */
    struct sockaddr_storage sa;
    socklen_t salen;
    uint64_t key; /* px_balance_key(name) */
    /* written by the main thread */
    atomic_bool healthy;     /* usable by the checker's verdict (or not checked) */
    atomic_bool admin_drain; /* `server ... drain` or the drain command */
    atomic_uchar health;     /* enum chk_health, for logs; CHK_ST_UP when unchecked */
    atomic_uchar last;       /* enum chk_result: last counted result */
    /* written by workers */
    atomic_uint active; /* connections open to it, all workers */
    px_ctr connects;    /* connect attempts */
    px_ctr connected;   /* ... that succeeded */
    px_ctr conn_fail[CHK_R_COUNT];
    px_ctr hedged;     /* hedges started because its connect was slow */
    px_ctr hedge_wins; /* hedges to it that connected first */
    /* main thread only */
    struct px *px;
    struct px_prt *prt;     /* proxy it belongs to now */
    struct chk_target *chk; /* NULL: not checked */
    uint64_t drain_ns;      /* its proxy's drain timeout */
    bool adopted;           /* has been part of a running generation */
    bool file_drain;        /* `drain` on its server line at the last load */
};

/* A proxy's runtime, by name, carried over reloads. */
struct px_prt {
    atomic_uint refs;
    char *name;
    atomic_uint conns; /* client connections open, every generation */
    px_ctr c[PX_C_COUNT];
    px_ctr conn_fail[CHK_R_COUNT];
    /* main thread only */
    struct px_gen *cur;
    int reported; /* health last told to the callback; -1 never */
};

/* A server as one generation configures it. */
struct px_gsrv {
    struct px_srv *s;
    uint32_t weight;
    bool backup;
    bool checked;
};

struct px_bind {
    struct sockaddr_storage sa;
    socklen_t salen;
    bool any; /* *:PORT: [::] dual-stack */
    char str[PX_ADDRSTR];
};

/* One proxy as one configuration load made it. Immutable once published. */
struct px_gen {
    atomic_uint refs;
    struct px_prt *rt;
    const char *name; /* rt->name */
    enum px_balance_algo algo;
    uint64_t connect_ns, hedge_ns, idle_ns, drain_ns;
    uint32_t silent_ms; /* timeout silent: server sockets' keepalive and user timeout */
    uint32_t retries, maxconn, nworkers, backlog;
    bool maxconn_auto, splice, keepalive, nodelay;
    struct px_bind *binds;
    size_t nbinds;
    struct px_gsrv *srv;
    size_t nsrv;
};

/* ---- messages ---- */

enum px_msg_type {
    PX_M_CONFIG,   /* to a worker: the proxies it serves from now on */
    PX_M_DRAIN,    /* to a worker: close a server's connections over drain_ns */
    PX_M_SHUTDOWN, /* to a worker: stop accepting, drain every connection */
    PX_M_STOP,     /* to a worker: leave the loop now */
    PX_M_PASSIVE,  /* to main: a proxied connect failed */
    PX_M_DRAINED,  /* to main: a worker has no connection left */
};

/* What a worker serves for one proxy: the generation and its listening
 * sockets (fds owned by the message, then by the worker), or inherit: keep
 * the listeners of the proxy of the same name it serves now. */
struct px_wcfg {
    struct px_gen *gen; /* a reference */
    int *fds;           /* gen->nbinds, or NULL with inherit */
    bool inherit;
};

struct px_msg {
    struct px_msg *next;
    enum px_msg_type type;
    struct px_srv *srv;  /* DRAIN, PASSIVE: a reference */
    uint64_t drain_ns;   /* DRAIN */
    int result;          /* PASSIVE: enum chk_result */
    int worker;          /* DRAINED */
    struct px_wcfg *cfg; /* CONFIG */
    size_t ncfg;
    unsigned pool_pipes; /* CONFIG: idle pipes the worker may keep */
};

struct px_mq {
    pthread_mutex_t mu;
    struct px_msg *head, *tail;
    int efd;
};

int px_mq_init(struct px_mq *q);
void px_mq_destroy(struct px_mq *q);
/* Append m (ownership passes to the queue) and wake the reader. */
void px_mq_push(struct px_mq *q, struct px_msg *m);
/* Take every queued message (in order); clears the eventfd. */
struct px_msg *px_mq_take(struct px_mq *q);
/* Free a message and the references/fds it still holds. */
void px_msg_free(struct px_msg *m);

/* ---- references ---- */

void px_srv_ref(struct px_srv *s);
void px_srv_unref(struct px_srv *s);
void px_prt_ref(struct px_prt *r);
void px_prt_unref(struct px_prt *r);
void px_gen_ref(struct px_gen *g);
void px_gen_unref(struct px_gen *g);

/* ---- worker side ---- */

struct px_worker;
struct px_wpx;

/* A worker's pools: pipes and buffers in flight only while data is. */
struct px_pipe {
    int rd, wr;
};
struct px_buf {
    struct px_buf *next;
    char data[PX_BUF_SIZE];
};
struct px_pool {
    struct px_pipe pipes[PX_POOL_PIPES];
    unsigned npipes;
    unsigned maxpipes; /* kept at most now: px_pool_pipes_max, <= PX_POOL_PIPES */
    struct px_buf *bufs;
    unsigned nbufs;
    uint64_t pipes_created, pipe_failures;
};

/* 0 with a pipe, -1 with errno (EMFILE...). */
int px_pool_pipe_get(struct px_pool *p, struct px_pipe *out);
/* Return an empty pipe (kept or closed). */
void px_pool_pipe_put(struct px_pool *p, struct px_pipe *pp);
/* Close a pipe that may still hold data. */
void px_pool_pipe_drop(struct px_pipe *pp);
/* Keep at most max idle pipes from now on (closing the extra ones). */
void px_pool_set_max(struct px_pool *p, unsigned max);
struct px_buf *px_pool_buf_get(struct px_pool *p);
void px_pool_buf_put(struct px_pool *p, struct px_buf *b);
void px_pool_free(struct px_pool *p);

/* One direction of a session: bytes read from src, not yet written to dst,
 * sit in a pipe (splice) or a buffer (copy, and the replay phase). */
struct px_dir {
    struct px_pipe pipe; /* rd == -1: none */
    struct px_buf *buf;  /* NULL: none */
    uint32_t pending;    /* bytes in pipe or buf not yet written */
    uint32_t off, end;   /* buf: unsent bytes are [off, end) */
    bool retain;         /* buf: keep sent bytes for a replay */
    bool bulk;           /* big reads: use a pipe next (splice mode) */
    bool wrote;          /* dst has taken a byte (c2s: the server's connect is done) */
    bool eof;            /* src sent FIN (or the read side is done) */
    bool shut;           /* dst was shut down for writing */
};

enum px_sess_state { PX_S_CONNECTING, PX_S_ESTABLISHED };

struct px_sess {
    struct px_sess *prev, *next; /* the worker's sessions */
    struct px_wpx *wpx;
    struct ev_io cio, sio; /* client, server */
    struct ev_io hio;      /* a hedge racing the server connect (fd -1: none) */
    struct px_race race;   /* the connect race (CONNECTING only) */
    struct ev_timer tmr;   /* connect, idle and drain deadlines */
    uint64_t last_active;  /* ev_now of the last byte moved */
    uint64_t drain_at;     /* close at this time (0: not draining) */
    uint64_t ka_at;        /* set keepalive on the server socket then (0: done) */
    uint64_t tried;        /* servers tried, bit per index */
    uint64_t chash;        /* client hash (balance source) */
    struct px_dir c2s, s2c;
    int16_t srv;  /* index in wpx->gen->srv; -1 none */
    int16_t hsrv; /* the hedge's server while race.hedging */
    uint8_t attempts;
    uint8_t state;
    bool c_rd, c_wr, s_rd, s_wr; /* edge-triggered readiness */
    bool c_hup, s_hup;           /* FIN, hang-up or error reported: read until EOF */
    bool replay;                 /* no server byte yet: a reset may be retried */
    bool drain_all;              /* drain_at is the proxy's (SIGTERM), not a server's */
    bool queued;                 /* on the worker's ready list */
    struct px_sess *rnext;       /* ready list */
    bool reported;               /* failover_reset: tup was reported (conns.c) */
    struct vrrp_tuple tup;
};

/* conns.c: the client connections reported to failover_reset */
struct px_conns {
    pthread_mutex_t mu;
    atomic_bool on;        /* report (cfg_failover_reset_any) */
    struct vrrp_tp_op *ev; /* pending reports */
    size_t n, cap;
    uint64_t lost; /* the list was full */
};
int px_conns_init(struct px_conns *c);
void px_conns_destroy(struct px_conns *c);
/* The tuple of an accepted connection (false: not IPv4/IPv6, or getsockname failed). */
bool px_conns_tuple(int fd, const struct sockaddr_storage *peer, struct vrrp_tuple *t);
void px_conns_report(struct px *px, uint8_t op, const struct vrrp_tuple *t);
bool px_conns_on(struct px *px);

/* Why relay stopped: which side failed. */
enum px_relay_res { PX_R_OK = 0, PX_R_CLIENT_ERR, PX_R_SERVER_ERR };

/* Move bytes both ways as far as the sockets allow, or until PX_RUN_BUDGET
 * bytes went one way (then *more is set: call again after other
 * connections had their turn). Returns PX_R_OK (check px_sess_done), or
 * which side failed (*err = errno). */
enum px_relay_res px_relay(struct px_sess *s, int *err, bool *more);
/* Both directions finished. */
static inline bool px_sess_done(const struct px_sess *s)
{
    return s->c2s.shut && s->s2c.shut;
}
/* Give back pipe and buffer of a direction (closing a dirty pipe). */
void px_dir_release(struct px_pool *pool, struct px_dir *d);

/* A worker's view of one proxy generation. */
struct px_lis {
    struct ev_io io;
    struct ev_timer resume; /* re-enable after an accept pause */
    struct px_wpx *wpx;
    int fd;
};

struct px_wpx {
    struct px_wpx *next;
    struct px_worker *w;
    struct px_gen *gen;
    struct px_balance bal;
    struct px_lis *lis;
    size_t nlis;
    unsigned nsess;
    bool retired;
    struct log_ratelimit rl_maxconn, rl_noserver, rl_connect, rl_accept, rl_hedge;
};

struct px_worker {
    struct px *px;
    int id;
    pthread_t th;
    bool started;
    struct ev_loop *loop;
    struct px_mq mq;
    struct ev_io mq_io;
    struct px_wpx *cur;     /* proxies served now */
    struct px_wpx *retired; /* earlier generations with sessions left */
    struct px_sess *sessions;
    struct px_sess *free_sess;          /* recycled session structs */
    struct px_sess *ready, *ready_tail; /* sessions with a turn to finish */
    struct ev_timer ready_tmr;
    unsigned nsess, nfree;
    struct px_pool pool;
    int spare_fd; /* /dev/null, given up to accept-and-close when out of fds */
    bool shutting, drained_sent;
    uint64_t rnd;
};

/* worker.c */
struct px_worker *px_worker_new(struct px *px, int id, char *err, size_t errlen);
int px_worker_start(struct px_worker *w, char *err, size_t errlen);
/* Send STOP, join, free (closing every connection). */
void px_worker_free(struct px_worker *w);
uint64_t px_worker_rand(struct px_worker *w);
/* A session of wpx ended (its struct may be reused). */
void px_worker_sess_gone(struct px_worker *w, struct px_wpx *wpx);
/* Give s another turn once the current events are handled. */
void px_worker_requeue(struct px_worker *w, struct px_sess *s);
/* Take s off the ready list (it is closing). */
void px_worker_unqueue(struct px_worker *w, struct px_sess *s);

/* pick.c */
/* Snapshot the servers' shared state and let wpx's balancer choose, tried
 * servers excluded (bit per index). The index, or -1 if none is eligible. */
int px_pick(struct px_wpx *wpx, uint64_t chash, uint64_t tried);
/* "master1 down (refused), master2 draining, ..." for the logs. */
void px_servers_why(const struct px_gen *g, char *buf, size_t len);

/* sess.c */
/* A client connection was accepted on one of wpx's listeners. */
void px_sess_accept(struct px_wpx *wpx, int fd, const struct sockaddr_storage *peer);
/* Close every session to srv spread over drain_ns (all sessions when srv is
 * NULL: shutdown). */
void px_sess_drain(struct px_worker *w, const struct px_srv *srv, uint64_t drain_ns);
/* Close a session at once (worker exit). */
void px_sess_abort(struct px_sess *s);
/* Go on relaying (the session's turn on the ready list). */
void px_sess_resume(struct px_sess *s);

/* sock.c */
/* Listening socket for b: nonblocking, SO_REUSEADDR, SO_REUSEPORT,
 * IP_FREEBIND, keepalive/nodelay inherited by accepted sockets. -1 with err. */
int px_listen(const struct px_bind *b, const struct px_gen *g, char *err, size_t errlen);
/* Resolve a config endpoint: a name from names when it is there (resolved
 * beforehand), else through getaddrinfo, blocking. */
int px_resolve(const struct cfg_endpoint *e, const struct px_names *names,
               struct sockaddr_storage *sa, socklen_t *salen, char *err, size_t errlen);
/* "1.2.3.4:80", "[::1]:80"; ip only (no port) when port is false. */
void px_sockaddr_str(const struct sockaddr *sa, bool port, char *buf, size_t len);
/* TCP_NODELAY when configured (a server socket, before connecting). */
void px_sock_nodelay(int fd, const struct px_gen *g);
/* SO_KEEPALIVE and its timing (PX_KEEP*): client side. */
void px_sock_keepalive(int fd);
/* Server side: SO_KEEPALIVE with short timing and TCP_USER_TIMEOUT
 * (PX_SRV_*), so an established connection to a server that went silent
 * fails with ETIMEDOUT within seconds, not minutes. */
void px_sock_server_keepalive(int fd, uint32_t silent_ms);
/* Raise the soft RLIMIT_NOFILE to the hard limit; returns the soft limit. */
uint64_t px_raise_nofile(void);

/* manager.c, for workers */
void px_post_main(struct px *px, struct px_msg *m);

#endif
