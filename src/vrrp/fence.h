/* fence: the etcd-lease fence of one instance (pure: no I/O, no clock, no
 * allocation). `fence etcd { ... }` in a vrrp_instance.
 *
 * Meaning: a master may hold the VIP only while it holds an etcd lease on
 * the election key (PREFIX + instance name); a backup becomes master only
 * once it holds that key. etcd is the arbiter VRRP and the heartbeat
 * cannot be: under an asymmetric partition two nodes may each count a
 * majority, but only one can hold the key.
 *
 * The caller (fencer.c) owns the clock, the etcd client and the instance.
 * It tells the machine what the instance wants (`wants`: it is master, or
 * its master-down timer ran out and it would become master), asks it which
 * request to send next (fence_next), feeds the outcome of every request
 * back (fence_result), and reads two verdicts:
 *   - fence_verdict(): the VRRP_IN_FENCE priority row (weight 0): may a
 *     master keep the VIP; for a non-master, whether it may stay out of
 *     FAULT;
 *   - fence_gate(): when the master-down timer runs out, may the instance
 *     become master now (GO), after acquiring the key (WAIT), or not (NO).
 *
 * Rules:
 *   - Bootstrap: until etcd first answers (WAITING), both verdicts say yes:
 *     heartbeat + VRRP alone decide. When etcd appears (or comes back after
 *     a loss), a node that is master gets a grace: it keeps the VIP while it
 *     acquires the key, so the VIP does not move; if the key turns out to be
 *     held by another member's lease, the grace ends and it gives the VIP up.
 *   - Holding: the lease is renewed (keepalive) every ttl/3. The lease is
 *     counted from when the request that granted or renewed it was sent,
 *     which is before etcd started counting, so our deadline comes first.
 *     At the deadline without a renewal, or when etcd says the lease is
 *     gone, the master may no longer hold the VIP. A deadline passed
 *     while no request failed means this process did not run (SIGSTOP, a
 *     stalled VM): that is not a loss of etcd, the node just lost the key.
 *   - Loss: no answer from any endpoint for a whole ttl after etcd had
 *     answered is LOST. on_etcd_loss keep: back to heartbeat + VRRP (as at
 *     bootstrap: both verdicts yes; `etcd_lost` shows it); release: no one
 *     may hold the VIP (a master gives it up, a backup stays in FAULT).
 *   - A key held by another member's lease means stay backup, whatever VRRP
 *     says (the gate says WAIT and acquisition keeps failing until that
 *     lease is gone: revoked when its holder stops, expired when it dies).
 *   - Acquire = one transaction: create the key with our lease if it does
 *     not exist; if the key carries our own identity (a restart of this
 *     node within its old lease), replace it if its value is still ours.
 *   - A node that holds the key and no longer wants it (left MASTER)
 *     revokes its lease, so another can take over at once.
 */
#ifndef HAPLANE_VRRP_FENCE_H
#define HAPLANE_VRRP_FENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum fence_state {
    FENCE_WAITING = 0, /* etcd has not answered yet: heartbeat + VRRP alone */
    FENCE_STANDBY,     /* etcd answers; we do not hold the key */
    FENCE_HELD,        /* we hold the key with our lease, renewing it */
    FENCE_LOST,        /* etcd answered once, then nothing for a whole ttl */
    FENCE_STATE_COUNT
};

/* The request the caller must send next. */
enum fence_req {
    FENCE_REQ_NONE = 0,
    FENCE_REQ_RANGE,     /* read the key: who holds it (also: is etcd there) */
    FENCE_REQ_GRANT,     /* a new lease of ttl seconds */
    FENCE_REQ_ACQUIRE,   /* txn: create the key with our lease if absent */
    FENCE_REQ_TAKE_OWN,  /* txn: the key has our identity: put it with our lease */
    FENCE_REQ_KEEPALIVE, /* renew our lease */
    FENCE_REQ_REVOKE,    /* give the lease (and so the key) up */
    FENCE_REQ_COUNT
};

enum fence_gate { FENCE_GO, FENCE_WAIT, FENCE_NO };

/* What fence_result / fence_tick changed (bits). */
#define FENCE_CH_STATE    0x01 /* state changed: log it with fence->why */
#define FENCE_CH_ACQUIRED 0x02 /* we now hold the key */
#define FENCE_CH_DENIED   0x04 /* acquisition failed: another lease holds the key */
#define FENCE_CH_TTL      0x08 /* etcd granted another TTL than asked (fence->granted_ttl) */
#define FENCE_CH_FIRST    0x10 /* etcd answered for the first time */
#define FENCE_CH_VERDICT  0x20 /* re-read the verdicts */

struct fence_params {
    uint32_t ttl_s;    /* lease TTL asked for, >= 1 */
    uint64_t retry_ms; /* between acquisition attempts and after errors */
    bool keep;         /* on_etcd_loss keep (else release) */
};

/* The outcome of one request. ok: etcd answered it (HTTP 200, JSON as
 * expected); otherwise every endpoint failed and err says why. */
struct fence_reply {
    enum fence_req req;
    bool ok;
    uint64_t sent_ms; /* when the request was first sent */
    int64_t lease;    /* GRANT: the new lease */
    int64_t ttl;      /* GRANT, KEEPALIVE: the TTL etcd gives; 0: lease gone */
    bool succeeded;   /* ACQUIRE, TAKE_OWN: the transaction's compare held */
    bool has_kv;      /* RANGE, failed txn: the key exists */
    int64_t kv_lease; /* ... and the lease it is attached to */
    bool kv_ours;     /* ... and its value is our identity */
    const char *err;  /* !ok: why (borrowed) */
};

struct fence {
    enum fence_state state; /* assigned only by fence.c */
    struct fence_params p;
    enum fence_req inflight; /* sent, no result yet */
    int64_t lease;           /* our current lease; 0: none */
    uint64_t lease_from_ms;  /* when the request that last granted/renewed it was sent */
    int64_t granted_ttl;     /* what etcd granted last */
    int64_t holder;          /* lease holding the key, last seen; 0: free or unknown */
    bool holder_ours;        /* its value is our identity */
    bool grace;              /* master keeps the VIP while acquiring (bootstrap) */
    uint64_t last_ok_ms;     /* last answer from etcd; 0: never */
    uint64_t next_ms;        /* earliest time for the next poll (range, keepalive) */
    uint64_t try_ms;         /* earliest time for the next acquisition attempt */
    bool failing;            /* the last request failed */
    uint64_t acquired, denied, renewals, errors, losses; /* counters */
    char why[96];                                        /* the reason of the last state change */
};

void fence_init(struct fence *f, const struct fence_params *p);

/* The request to send at now_ms (marked in flight), or NONE with *wake_ms
 * set to when to ask again. wants: the instance is master, or would become
 * master (its master-down timer ran out). master: it is master now. */
enum fence_req fence_next(struct fence *f, bool wants, bool master, uint64_t now_ms,
                          uint64_t *wake_ms);

/* Feed the outcome of the request in flight. Returns FENCE_CH_* bits. */
unsigned fence_result(struct fence *f, const struct fence_reply *r, uint64_t now_ms);

/* Time passes: the lease deadline, the loss of etcd. FENCE_CH_* bits. */
unsigned fence_tick(struct fence *f, uint64_t now_ms);

/* 1: may hold the VIP (master) / may stay out of FAULT (others); 0: not. */
int fence_verdict(const struct fence *f, bool master, uint64_t now_ms);

/* The master-down timer ran out: become master now, after acquiring, or not. */
enum fence_gate fence_gate(const struct fence *f, uint64_t now_ms);

/* Until when we may hold (lease_from + ttl); 0 when we hold nothing. */
uint64_t fence_deadline_ms(const struct fence *f);

const char *fence_state_name(enum fence_state s); /* "waiting", "standby", "held", "lost" */
const char *fence_req_name(enum fence_req r);     /* "range", "grant", ... */

#endif
