/* hb: the quorum heartbeat (pure: no I/O, no clock, no allocation).
 *
 * With `quorum on`, every node of a virtual router sends each of its
 * unicast peers a small UDP message every half advert interval, and holds
 * the VIP only while it sees a majority of the group (itself included).
 * "Sees" means a fresh, valid message arrived within two advert intervals.
 *
 * Fresh without clocks: each message carries the sender's current nonce
 * (random, new every interval) and echoes the latest nonce it received
 * from the destination. A message counts only when its echo is one of the
 * receiver's last VRRP_HB_NONCES nonces, so it proves a round trip that is
 * seconds old at most: a message recorded and replayed later echoes a
 * nonce long retired. Replays within the window are dropped by the
 * sender's (boot id, sequence number). With `quorum_key`, a 128-bit
 * HMAC-SHA256 tag covers the whole message, so nothing can be forged.
 *
 * Wire format (network byte order):
 *    0  "HPQ1"
 *    4  flags: bit 0 = a tag follows; bit 1 = an announcement (multicast, for
 *       discovery with cluster_size: echo is 0 and the receiver only learns
 *       the sender and its nonce from it)
 *    5  VRID
 *    6  length L of the instance name (1-64)
 *    7  0
 *    8  boot id (random per daemon start)
 *   16  sequence number (per boot, +1 per message)
 *   24  nonce
 *   32  echo (0: none received yet)
 *   40  instance name (L bytes)
 * 40+L  tag (16 bytes: HMAC-SHA256 over bytes 0..40+L), when flagged
 */
#ifndef HAPLANE_VRRP_HB_H
#define HAPLANE_VRRP_HB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VRRP_HB_HDR          40
#define VRRP_HB_NAME         64
#define VRRP_HB_TAG          16 /* = VRRP_TAG_LEN (tag.h) */
#define VRRP_HB_MAX          (VRRP_HB_HDR + VRRP_HB_NAME + VRRP_HB_TAG)
#define VRRP_HB_NONCES       8 /* a receiver's window: 4 advert intervals */
#define VRRP_HB_DEFAULT_PORT 7112

struct vrrp_hb {
    bool announce; /* flags bit 1 */
    uint8_t vrid;
    char name[VRRP_HB_NAME + 1];
    uint64_t boot, seq, nonce, echo;
};

/* Why a heartbeat was dropped; names by vrrp_hb_err_str() (counter labels). */
enum vrrp_hb_err {
    VRRP_HB_OK = 0,
    VRRP_HB_TRUNCATED,        /* shorter than its header and name (and tag) */
    VRRP_HB_BAD_MAGIC,        /* not "HPQ1" */
    VRRP_HB_BAD_LENGTH,       /* name length 0 or > 64, or bytes after the message */
    VRRP_HB_NO_TAG,           /* a key is configured, the message has no tag */
    VRRP_HB_UNEXPECTED_TAG,   /* no key is configured, the message has a tag */
    VRRP_HB_BAD_TAG,          /* the tag does not match: another key, or forged */
    VRRP_HB_UNKNOWN_INSTANCE, /* no quorum instance of that name and VRID here */
    VRRP_HB_UNKNOWN_PEER,     /* the source is not a unicast_peer of that instance */
    VRRP_HB_REPLAYED,         /* same boot, sequence number not above the last */
    VRRP_HB_STALE,            /* echoes none of our recent nonces (or none: first contact) */
    VRRP_HB_ERR_COUNT
};
const char *vrrp_hb_err_str(enum vrrp_hb_err e);

/* Encode m into buf (cap >= VRRP_HB_MAX); key NULL or keylen 0: no tag.
 * Returns the length, or 0 when the name is empty or too long. */
size_t vrrp_hb_encode(const struct vrrp_hb *m, const uint8_t *key, size_t keylen, uint8_t *buf,
                      size_t cap);

/* Decode and authenticate buf. Returns VRRP_HB_OK and fills out, or the
 * reason to drop it. */
enum vrrp_hb_err vrrp_hb_decode(const uint8_t *buf, size_t len, const uint8_t *key, size_t keylen,
                                struct vrrp_hb *out);

/* What this node knows of one peer. */
struct vrrp_hb_peer {
    uint64_t boot, seq;     /* last accepted from it (0, 0: none yet) */
    uint64_t their_nonce;   /* latest nonce received: echoed back to it */
    uint64_t last_fresh_ms; /* monotonic ms of its last fresh message; 0: never */
    bool seen;              /* fresh within the timeout at the last evaluation */
    uint64_t since_ms;      /* when seen last changed; 0: never */
};

/* Our side: the nonces we sent lately (newest first) and our counters. */
struct vrrp_hb_self {
    uint64_t boot, seq;
    uint64_t nonces[VRRP_HB_NONCES];
};

/* Start a new interval with a new nonce (0 is never a nonce). */
void vrrp_hb_rotate(struct vrrp_hb_self *s, uint64_t nonce);

/* Fill the message to send to peer p. */
void vrrp_hb_make(struct vrrp_hb_self *s, const struct vrrp_hb_peer *p, uint8_t vrid,
                  const char *name, struct vrrp_hb *out);

/* Take a decoded message from peer p at now_ms: replay check, nonce
 * learnt, freshness. Returns VRRP_HB_OK when it counts (p->last_fresh_ms
 * set), VRRP_HB_REPLAYED, or VRRP_HB_STALE (the nonce is still learnt: the
 * next message from us echoes it, so first contact takes one round trip). */
enum vrrp_hb_err vrrp_hb_take(const struct vrrp_hb_self *s, struct vrrp_hb_peer *p,
                              const struct vrrp_hb *m, uint64_t now_ms);

/* Re-evaluate which of the n peers are seen (fresh within timeout_ms) at
 * now_ms, updating seen/since_ms. Returns how many are seen. */
size_t vrrp_hb_evaluate(struct vrrp_hb_peer *peers, size_t n, uint64_t now_ms, uint64_t timeout_ms);

/* Take an announcement (multicast, cluster_size) from peer p: like a
 * stale heartbeat, it teaches the peer's nonce while the peer is not seen,
 * and proves nothing. No replay check (announcements and unicast
 * heartbeats travel different paths). */
void vrrp_hb_take_announce(struct vrrp_hb_peer *p, const struct vrrp_hb *m);

/* Whether seen peers plus this node are a majority of n peers plus this
 * node. */
bool vrrp_hb_majority(size_t seen, size_t n);

#endif
