/* hb: the quorum heartbeat's codec and per-peer rules. See hb.h. */
#include "vrrp/hb.h"

#include <string.h>

#include "util/wire.h"
#include "vrrp/tag.h"

_Static_assert(VRRP_HB_TAG == VRRP_TAG_LEN, "the message carries vrrp_tag's tag");

static const uint8_t MAGIC[4] = {'H', 'P', 'Q', '1'};

static const char *const err_names[VRRP_HB_ERR_COUNT] = {
    [VRRP_HB_OK] = "ok",
    [VRRP_HB_TRUNCATED] = "truncated",
    [VRRP_HB_BAD_MAGIC] = "bad-magic",
    [VRRP_HB_BAD_LENGTH] = "bad-length",
    [VRRP_HB_NO_TAG] = "no-tag",
    [VRRP_HB_UNEXPECTED_TAG] = "unexpected-tag",
    [VRRP_HB_BAD_TAG] = "bad-tag",
    [VRRP_HB_UNKNOWN_INSTANCE] = "unknown-instance",
    [VRRP_HB_UNKNOWN_PEER] = "unknown-peer",
    [VRRP_HB_REPLAYED] = "replayed",
    [VRRP_HB_STALE] = "stale",
};

const char *vrrp_hb_err_str(enum vrrp_hb_err e)
{
    return (unsigned)e < VRRP_HB_ERR_COUNT ? err_names[e] : "unknown";
}

size_t vrrp_hb_encode(const struct vrrp_hb *m, const uint8_t *key, size_t keylen, uint8_t *buf,
                      size_t cap)
{
    size_t l = strnlen(m->name, VRRP_HB_NAME + 1);
    bool auth = key && keylen;
    size_t len = VRRP_HB_HDR + l + (auth ? VRRP_HB_TAG : 0);
    if (l == 0 || l > VRRP_HB_NAME || cap < len)
        return 0;
    memcpy(buf, MAGIC, 4);
    buf[4] = (uint8_t)((auth ? 1 : 0) | (m->announce ? 2 : 0));
    buf[5] = m->vrid;
    buf[6] = (uint8_t)l;
    buf[7] = 0;
    wire_put64(buf + 8, m->boot);
    wire_put64(buf + 16, m->seq);
    wire_put64(buf + 24, m->nonce);
    wire_put64(buf + 32, m->echo);
    memcpy(buf + VRRP_HB_HDR, m->name, l);
    if (auth)
        vrrp_tag(key, keylen, buf, VRRP_HB_HDR + l, buf + VRRP_HB_HDR + l);
    return len;
}

enum vrrp_hb_err vrrp_hb_decode(const uint8_t *buf, size_t len, const uint8_t *key, size_t keylen,
                                struct vrrp_hb *out)
{
    if (len < VRRP_HB_HDR)
        return VRRP_HB_TRUNCATED;
    if (memcmp(buf, MAGIC, 4) != 0)
        return VRRP_HB_BAD_MAGIC;
    size_t l = buf[6];
    bool tagged = buf[4] & 1;
    if (l == 0 || l > VRRP_HB_NAME)
        return VRRP_HB_BAD_LENGTH;
    size_t want = VRRP_HB_HDR + l + (tagged ? VRRP_HB_TAG : 0);
    if (len < want)
        return VRRP_HB_TRUNCATED;
    if (len > want)
        return VRRP_HB_BAD_LENGTH;
    if (key && keylen && !tagged)
        return VRRP_HB_NO_TAG;
    if (!(key && keylen) && tagged)
        return VRRP_HB_UNEXPECTED_TAG;
    if (tagged) {
        if (!vrrp_tag_ok(key, keylen, buf, VRRP_HB_HDR + l, buf + VRRP_HB_HDR + l))
            return VRRP_HB_BAD_TAG;
    }
    memset(out, 0, sizeof(*out));
    out->announce = buf[4] & 2;
    out->vrid = buf[5];
    out->boot = wire_get64(buf + 8);
    out->seq = wire_get64(buf + 16);
    out->nonce = wire_get64(buf + 24);
    out->echo = wire_get64(buf + 32);
    memcpy(out->name, buf + VRRP_HB_HDR, l);
    return VRRP_HB_OK;
}

void vrrp_hb_rotate(struct vrrp_hb_self *s, uint64_t nonce)
{
    memmove(s->nonces + 1, s->nonces, (VRRP_HB_NONCES - 1) * sizeof(s->nonces[0]));
    s->nonces[0] = nonce ? nonce : 1;
}

void vrrp_hb_make(struct vrrp_hb_self *s, const struct vrrp_hb_peer *p, uint8_t vrid,
                  const char *name, struct vrrp_hb *out)
{
    memset(out, 0, sizeof(*out));
    out->vrid = vrid;
    strncpy(out->name, name, VRRP_HB_NAME);
    out->boot = s->boot;
    out->seq = ++s->seq;
    out->nonce = s->nonces[0];
    out->echo = p->their_nonce;
}

static bool ours(const struct vrrp_hb_self *s, uint64_t echo)
{
    for (size_t i = 0; echo && i < VRRP_HB_NONCES; i++)
        if (s->nonces[i] == echo)
            return true;
    return false;
}

/* A message that proves nothing (stale) may still teach us the peer's
 * nonce and restart its sequence, but only while the peer is not seen: a
 * replay cannot then disturb a working pair (hb.h). */
enum vrrp_hb_err vrrp_hb_take(const struct vrrp_hb_self *s, struct vrrp_hb_peer *p,
                              const struct vrrp_hb *m, uint64_t now_ms)
{
    if (m->boot == p->boot && m->seq <= p->seq)
        return VRRP_HB_REPLAYED;
    bool fresh = ours(s, m->echo);
    if (!fresh && p->seen)
        return VRRP_HB_STALE;
    p->boot = m->boot;
    p->seq = m->seq;
    p->their_nonce = m->nonce;
    if (!fresh)
        return VRRP_HB_STALE;
    p->last_fresh_ms = now_ms ? now_ms : 1;
    return VRRP_HB_OK;
}

void vrrp_hb_take_announce(struct vrrp_hb_peer *p, const struct vrrp_hb *m)
{
    if (p->seen)
        return;
    if (m->boot != p->boot)
        p->seq = 0;
    p->boot = m->boot;
    p->their_nonce = m->nonce;
}

size_t vrrp_hb_evaluate(struct vrrp_hb_peer *peers, size_t n, uint64_t now_ms, uint64_t timeout_ms)
{
    size_t seen = 0;
    for (size_t i = 0; i < n; i++) {
        struct vrrp_hb_peer *p = &peers[i];
        bool now = p->last_fresh_ms && now_ms - p->last_fresh_ms <= timeout_ms;
        if (now != p->seen) {
            p->seen = now;
            p->since_ms = now_ms ? now_ms : 1;
        }
        seen += now;
    }
    return seen;
}

bool vrrp_hb_majority(size_t seen, size_t n)
{
    return 2 * (seen + 1) > n + 1;
}
