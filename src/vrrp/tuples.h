/* tuples: the client connections of a VIP, shared between the masters of
 * a virtual router (`failover_reset`), so that the node that takes the VIP
 * over can reset the previous holder's clients at once (pure: no I/O, no
 * clock, no globals; it allocates its sets).
 *
 * Every node keeps the set of its proxy's client connections whose local
 * address is one of an instance's VIPs (a "tuple": VIP, VIP port, client,
 * client port) and sends its peers the changes (deltas) every second,
 * and the whole set (a full sync: the first message carries FULL, and the
 * receiver forgets what it had from that sender) when it starts, when its
 * journal of changes overflowed, and when a peer asks (REQ, after it saw
 * a gap or a sender it does not know).
 *
 * Replay guard: the boot id is the sender's wall clock at start
 * (nanoseconds), so a later daemon start has a larger one; within a boot
 * the sequence number goes up by one per data message. A receiver takes a
 * data message only from the sender's current boot (or a newer one that
 * starts with FULL) and with a sequence number above the last one taken;
 * a sequence number more than one above is a gap: taken, and a full sync
 * is asked for. REQ messages have their own sequence (they go to one peer,
 * data messages to all). With `quorum_key`, a 128-bit HMAC-SHA256 tag
 * covers the whole message.
 *
 * Wire format (network byte order), one UDP datagram of at most
 * VRRP_TP_MAX bytes on the quorum port:
 *    0  "HPT1"
 *    4  flags: bit 0 = a tag follows; bit 1 = FULL; bit 2 = REQ (no entries)
 *    5  VRID
 *    6  length L of the instance name (1-64)
 *    7  family: 4 or 6
 *    8  boot id
 *   16  sequence number
 *   24  number of entries N
 *   26  0, 0
 *   28  instance name (L bytes)
 * 28+L  N entries: op (1 add, 2 delete), VIP port, client port, VIP,
 *       client (1 + 2 + 2 + 2 * 4 or 2 * 16 bytes)
 *  end  tag (16 bytes: HMAC-SHA256 over everything before it), when flagged
 */
#ifndef HAPLANE_VRRP_TUPLES_H
#define HAPLANE_VRRP_TUPLES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VRRP_TP_HDR  28
#define VRRP_TP_NAME 64
#define VRRP_TP_TAG  16 /* = VRRP_TAG_LEN (tag.h) */
#define VRRP_TP_MAX  1400 /* fits any link's MTU with the IP and UDP headers */
/* a peer's set holds at most this many tuples; more are dropped, counted */
#define VRRP_TP_PEER_MAX 100000
/* the journal of changes not sent yet; past it, the next send is a full sync */
#define VRRP_TP_JOURNAL_MAX 65536
/* a sender silent this long may come back with a smaller boot id (its
 * clock went back across a restart) */
#define VRRP_TP_FORGET_MS 60000

enum { VRRP_TP_ADD = 1, VRRP_TP_DEL = 2 };

/* One client connection on a VIP. Addresses in network order (IPv4 in the
 * first 4 bytes, the rest 0), ports in host order. */
struct vrrp_tuple {
    int family; /* AF_INET or AF_INET6 */
    uint16_t lport, rport;
    uint8_t laddr[16], raddr[16];
};

struct vrrp_tp_op {
    uint8_t op; /* VRRP_TP_ADD, VRRP_TP_DEL */
    struct vrrp_tuple t;
};

/* A message's header, decoded. */
struct vrrp_tp_msg {
    bool full, req;
    uint8_t vrid;
    int family;
    char name[VRRP_TP_NAME + 1];
    uint64_t boot, seq;
    size_t nops;
};

/* Why a tuple message (or one of its entries) was dropped; names by
 * vrrp_tp_err_str() (counter labels). */
enum vrrp_tp_err {
    VRRP_TP_OK = 0,
    VRRP_TP_TRUNCATED,        /* shorter than its header, name, entries (and tag) */
    VRRP_TP_BAD_MAGIC,        /* not "HPT1" */
    VRRP_TP_BAD_LENGTH,       /* name length 0 or > 64 or a NUL in it, bytes after the message,
                                 entries in a REQ, an unknown flag */
    VRRP_TP_BAD_FAMILY,       /* family not 4 or 6, or not the instance's */
    VRRP_TP_BAD_OP,           /* an entry's op is neither add nor delete */
    VRRP_TP_NO_TAG,           /* a key is configured, the message has no tag */
    VRRP_TP_UNEXPECTED_TAG,   /* no key is configured, the message has a tag */
    VRRP_TP_BAD_TAG,          /* the tag does not match: another key, or forged */
    VRRP_TP_UNKNOWN_INSTANCE, /* no instance with failover_reset of that name and VRID */
    VRRP_TP_UNKNOWN_PEER,     /* the source is not a peer of that instance */
    VRRP_TP_REPLAYED,         /* an older boot, or a sequence number not above the last */
    VRRP_TP_OUT_OF_SYNC,      /* a delta from a boot not known yet: a full sync is asked for */
    VRRP_TP_NOT_VIP,          /* an entry: its local address is not a VIP of the instance */
    VRRP_TP_BAD_TUPLE,        /* an entry: a port 0 */
    VRRP_TP_OVER_LIMIT,       /* an entry: the peer's set is full (VRRP_TP_PEER_MAX) */
    VRRP_TP_ERR_COUNT
};
const char *vrrp_tp_err_str(enum vrrp_tp_err e);

/* ---- codec ---- */

/* How many entries of family fit one message with a name of namelen. */
size_t vrrp_tp_room(int family, size_t namelen, bool keyed);

/* Encode header m (m->nops is ignored) and n ops (all of m->family) into
 * buf; key NULL or keylen 0: no tag. Returns the length, or 0 when the name
 * is empty or too long, the family is not AF_INET/AF_INET6, or it does not
 * fit cap. */
size_t vrrp_tp_encode(const struct vrrp_tp_msg *m, const struct vrrp_tp_op *ops, size_t n,
                      const uint8_t *key, size_t keylen, uint8_t *buf, size_t cap);

/* Decode and authenticate buf. Returns VRRP_TP_OK and fills out (its
 * entries are read with vrrp_tp_entry), or the reason to drop it. */
enum vrrp_tp_err vrrp_tp_decode(const uint8_t *buf, size_t len, const uint8_t *key, size_t keylen,
                                struct vrrp_tp_msg *out);

/* Entry i (< m->nops) of a message that decoded OK. */
void vrrp_tp_entry(const uint8_t *buf, const struct vrrp_tp_msg *m, size_t i,
                   struct vrrp_tp_op *out);

/* ---- a set of tuples (open addressing) ---- */

struct vrrp_tpset {
    struct vrrp_tuple *slots;
    uint8_t *used;
    size_t cap, n;
};

/* 1 added, 0 already there, -1 out of memory. */
int vrrp_tpset_add(struct vrrp_tpset *s, const struct vrrp_tuple *t);
/* 1 removed, 0 not there. */
int vrrp_tpset_del(struct vrrp_tpset *s, const struct vrrp_tuple *t);
bool vrrp_tpset_has(const struct vrrp_tpset *s, const struct vrrp_tuple *t);
void vrrp_tpset_clear(struct vrrp_tpset *s); /* keeps the memory */
void vrrp_tpset_free(struct vrrp_tpset *s);
/* Iterate: *cursor starts at 0; returns the next tuple, or NULL at the end. */
const struct vrrp_tuple *vrrp_tpset_next(const struct vrrp_tpset *s, size_t *cursor);

/* ---- the sending side ---- */

struct vrrp_tp_local {
    struct vrrp_tpset set; /* the connections open now */
    struct vrrp_tp_op *journal;
    size_t njournal, journal_cap;
    bool full_pending; /* the next flush is a full sync */
    uint64_t boot, seq;
    uint64_t req_seq; /* of the REQ messages this node sends */
    uint64_t fulls, messages;
};

/* A new sender with boot id boot; its first flush is a full sync. */
void vrrp_tp_local_init(struct vrrp_tp_local *l, uint64_t boot);
void vrrp_tp_local_free(struct vrrp_tp_local *l);
/* A connection opened (VRRP_TP_ADD) or closed (VRRP_TP_DEL). Returns 0, or
 * -1 out of memory (the next flush is then a full sync of what could be
 * kept). */
int vrrp_tp_local_change(struct vrrp_tp_local *l, uint8_t op, const struct vrrp_tuple *t);

/* Encode what is to be sent now: the journal as deltas, or the whole set
 * (the first message FULL) when a full sync is pending, or one empty delta
 * (a keepalive: a lost message is then seen as a gap within a tick).
 * tmpl gives vrid, family and name; emit is called once per message with
 * the encoded bytes. Returns the number of messages. */
size_t vrrp_tp_flush(struct vrrp_tp_local *l, const struct vrrp_tp_msg *tmpl, const uint8_t *key,
                     size_t keylen, void (*emit)(const uint8_t *buf, size_t len, void *arg),
                     void *arg);

/* ---- the receiving side: what one peer reported ---- */

struct vrrp_tp_peer {
    struct vrrp_tpset set;
    uint64_t boot, seq;         /* data messages: last taken (0, 0: none) */
    uint64_t req_boot, req_seq; /* REQ messages: last taken */
    uint64_t last_ms;           /* when the last data message was taken */
    uint64_t messages, fulls, gaps;
};

/* Whether an entry's local address is one of the instance's VIPs. */
typedef bool (*vrrp_tp_is_vip)(const struct vrrp_tuple *t, void *arg);

/* Take a decoded data message (buf is its bytes) from peer p at now_ms.
 * Returns VRRP_TP_OK (applied; *resync set when a full sync should be
 * asked for: a gap), or VRRP_TP_REPLAYED / VRRP_TP_OUT_OF_SYNC (nothing
 * changed; *resync set for the latter). Entries dropped one by one are
 * counted in entry_drops[reason]. */
enum vrrp_tp_err vrrp_tp_take(struct vrrp_tp_peer *p, const uint8_t *buf,
                              const struct vrrp_tp_msg *m, uint64_t now_ms, vrrp_tp_is_vip is_vip,
                              void *arg, uint64_t *entry_drops, bool *resync);

/* Take a REQ from peer p: VRRP_TP_OK (a full sync is due) or VRRP_TP_REPLAYED. */
enum vrrp_tp_err vrrp_tp_take_req(struct vrrp_tp_peer *p, const struct vrrp_tp_msg *m);

void vrrp_tp_peer_free(struct vrrp_tp_peer *p);

/* ---- the reset segment ---- */

/* The TCP segment (20 bytes, no options) that makes the client of t
 * answer with its real sequence numbers: ACK from VIP:lport to
 * client:rport with seq and ack given (random: outside any window), the
 * checksum over the pseudo-header. */
void vrrp_tp_segment(const struct vrrp_tuple *t, uint32_t seq, uint32_t ack, uint8_t out[20]);

#endif
