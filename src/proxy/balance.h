/* px_balance: pick a backend server for a new proxied connection.
 *
 * Pure: no I/O, no allocation, no global state. The caller passes a snapshot
 * of its servers (struct px_srv_view, built from the config and the checker's
 * state) and its own struct px_balance; each worker thread owns one
 * px_balance per proxy, so workers never share mutable balancing state. Only
 * the `active` counts are shared (the caller reads them from its atomics).
 *
 * Eligible servers: healthy, weight > 0, not draining, not in `exclude`.
 * Backup servers are used only when no non-backup server is eligible (that
 * includes the case where every eligible primary was already tried).
 *
 * Algorithms:
 *   roundrobin  smooth weighted round robin (the nginx idea): over any run of
 *               picks with a fixed set, server i gets exactly w_i of every
 *               sum(w) picks, interleaved (weights 5,1,1 -> a a b a c a a).
 *   leastconn   fewest (active + 1) / weight; ties go round the servers,
 *               starting after the last pick, so equal servers share load.
 *   source      weighted rendezvous (HRW) hashing of the client address:
 *               each server scores hash(client, server key); the best score
 *               wins. The same client maps to the same server in every
 *               process (no random seed), and when a server leaves only its
 *               own clients move; a retry (exclude) goes to the client's
 *               second choice. Integer arithmetic only.
 */
#ifndef HAPLANE_PROXY_BALANCE_H
#define HAPLANE_PROXY_BALANCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* Servers per proxy, and the bit width of the exclude mask. The config
 * validator must reject proxies with more servers. */
#define PX_BALANCE_MAX_SERVERS 64
/* Weights above this are taken as this. */
#define PX_BALANCE_MAX_WEIGHT 65535

enum px_balance_algo {
    PX_BALANCE_ROUNDROBIN,
    PX_BALANCE_LEASTCONN,
    PX_BALANCE_SOURCE,
    PX_BALANCE_COUNT
};

/* What the balancer needs to know about one server, right now. */
struct px_srv_view {
    uint64_t key;    /* stable identity for source hashing: px_balance_key(name) */
    uint32_t weight; /* 0: never picked */
    uint32_t active; /* connections open to this server, all workers together */
    bool healthy;    /* the checker says usable (chk_state_usable) */
    bool backup;     /* only when no non-backup server is eligible */
    bool draining;   /* keeps its connections, gets no new ones */
};

/* Per-caller algorithm state; one per worker and proxy. Plain data: zeroing
 * it is the same as px_balance_init(b, PX_BALANCE_ROUNDROBIN, 0). */
struct px_balance {
    enum px_balance_algo algo;
    uint32_t next;                      /* leastconn: where tie-breaking starts */
    int32_t cw[PX_BALANCE_MAX_SERVERS]; /* roundrobin: current weights */
};

/* "roundrobin", "leastconn", "source"; "unknown" outside the enum. */
const char *px_balance_algo_str(enum px_balance_algo algo);
/* Inverse of px_balance_algo_str; returns -1 if unknown. */
int px_balance_algo_parse(const char *s, enum px_balance_algo *out);

/* Reset b for algo. seed (e.g. the worker index) only staggers where
 * leastconn starts breaking ties, so that workers do not all begin with the
 * same server. Call again whenever the server array changes (reload), since
 * the state is indexed by position. */
void px_balance_init(struct px_balance *b, enum px_balance_algo algo, unsigned seed);

/* Pick a server among srv[0..n). client_hash: px_balance_client_hash() of
 * the client (used by `source` only). exclude: bit i set -> srv[i] must not
 * be picked (servers already tried for this connection).
 * Returns the index of the server, or -1 if none is eligible (or n is 0 or
 * above PX_BALANCE_MAX_SERVERS). Updates b. */
int px_balance_pick(struct px_balance *b, const struct px_srv_view *srv, size_t n,
                    uint64_t client_hash, uint64_t exclude);

/* Hash of a client address for `source`: only the address, not the port; an
 * IPv4-mapped IPv6 address hashes like the IPv4 address. addr is 4 or 16
 * bytes (network order); other lengths hash their bytes as they are. */
uint64_t px_balance_addr_hash(const void *addr, size_t len);
/* Same from a sockaddr (AF_INET or AF_INET6); 0 for other families. */
uint64_t px_balance_client_hash(const struct sockaddr *sa);

/* Stable 64-bit key for a server, from its name (or any stable bytes). The
 * same name gives the same key on every node and after every reload. */
uint64_t px_balance_key(const void *data, size_t len);

#endif
