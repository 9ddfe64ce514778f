/* tuples: the shared client connections' codec, sets and rules. See tuples.h. */
#include "vrrp/tuples.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "util/wire.h"
#include "vrrp/tag.h"

_Static_assert(VRRP_TP_TAG == VRRP_TAG_LEN, "the message carries vrrp_tag's tag");

static const uint8_t MAGIC[4] = {'H', 'P', 'T', '1'};

static const char *const err_names[VRRP_TP_ERR_COUNT] = {
    [VRRP_TP_OK] = "ok",
    [VRRP_TP_TRUNCATED] = "truncated",
    [VRRP_TP_BAD_MAGIC] = "bad-magic",
    [VRRP_TP_BAD_LENGTH] = "bad-length",
    [VRRP_TP_BAD_FAMILY] = "bad-family",
    [VRRP_TP_BAD_OP] = "bad-op",
    [VRRP_TP_NO_TAG] = "no-tag",
    [VRRP_TP_UNEXPECTED_TAG] = "unexpected-tag",
    [VRRP_TP_BAD_TAG] = "bad-tag",
    [VRRP_TP_UNKNOWN_INSTANCE] = "unknown-instance",
    [VRRP_TP_UNKNOWN_PEER] = "unknown-peer",
    [VRRP_TP_REPLAYED] = "replayed",
    [VRRP_TP_OUT_OF_SYNC] = "out-of-sync",
    [VRRP_TP_NOT_VIP] = "not-vip",
    [VRRP_TP_BAD_TUPLE] = "bad-tuple",
    [VRRP_TP_OVER_LIMIT] = "over-limit",
};

const char *vrrp_tp_err_str(enum vrrp_tp_err e)
{
    return (unsigned)e < VRRP_TP_ERR_COUNT ? err_names[e] : "unknown";
}

static size_t alen(int family)
{
    return family == AF_INET ? 4 : 16;
}

static size_t entry_len(int family)
{
    return 5 + 2 * alen(family);
}

size_t vrrp_tp_room(int family, size_t namelen, bool keyed)
{
    size_t fixed = VRRP_TP_HDR + namelen + (keyed ? VRRP_TP_TAG : 0);
    return fixed >= VRRP_TP_MAX ? 0 : (VRRP_TP_MAX - fixed) / entry_len(family);
}

size_t vrrp_tp_encode(const struct vrrp_tp_msg *m, const struct vrrp_tp_op *ops, size_t n,
                      const uint8_t *key, size_t keylen, uint8_t *buf, size_t cap)
{
    size_t l = strnlen(m->name, VRRP_TP_NAME + 1);
    bool auth = key && keylen;
    if (l == 0 || l > VRRP_TP_NAME || (m->family != AF_INET && m->family != AF_INET6) || n > 0xffff)
        return 0;
    size_t el = entry_len(m->family), a = alen(m->family);
    size_t len = VRRP_TP_HDR + l + n * el + (auth ? VRRP_TP_TAG : 0);
    if (cap < len)
        return 0;
    memcpy(buf, MAGIC, 4);
    buf[4] = (uint8_t)((auth ? 1 : 0) | (m->full ? 2 : 0) | (m->req ? 4 : 0));
    buf[5] = m->vrid;
    buf[6] = (uint8_t)l;
    buf[7] = m->family == AF_INET ? 4 : 6;
    wire_put64(buf + 8, m->boot);
    wire_put64(buf + 16, m->seq);
    wire_put16(buf + 24, (uint16_t)n);
    buf[26] = buf[27] = 0;
    memcpy(buf + VRRP_TP_HDR, m->name, l);
    uint8_t *p = buf + VRRP_TP_HDR + l;
    for (size_t i = 0; i < n; i++, p += el) {
        p[0] = ops[i].op;
        wire_put16(p + 1, ops[i].t.lport);
        wire_put16(p + 3, ops[i].t.rport);
        memcpy(p + 5, ops[i].t.laddr, a);
        memcpy(p + 5 + a, ops[i].t.raddr, a);
    }
    if (auth)
        vrrp_tag(key, keylen, buf, (size_t)(p - buf), p);
    return len;
}

enum vrrp_tp_err vrrp_tp_decode(const uint8_t *buf, size_t len, const uint8_t *key, size_t keylen,
                                struct vrrp_tp_msg *out)
{
    if (len < VRRP_TP_HDR)
        return VRRP_TP_TRUNCATED;
    if (memcmp(buf, MAGIC, 4) != 0)
        return VRRP_TP_BAD_MAGIC;
    size_t l = buf[6];
    bool tagged = buf[4] & 1;
    if (l == 0 || l > VRRP_TP_NAME || buf[26] || buf[27] || (buf[4] & ~7))
        return VRRP_TP_BAD_LENGTH;
    if (len >= VRRP_TP_HDR + l && memchr(buf + VRRP_TP_HDR, 0, l))
        return VRRP_TP_BAD_LENGTH; /* a name is text: no NUL inside */
    if (buf[7] != 4 && buf[7] != 6)
        return VRRP_TP_BAD_FAMILY;
    int family = buf[7] == 4 ? AF_INET : AF_INET6;
    size_t n = wire_get16(buf + 24);
    if ((buf[4] & 4) && n)
        return VRRP_TP_BAD_LENGTH;
    size_t body = VRRP_TP_HDR + l + n * entry_len(family);
    size_t want = body + (tagged ? VRRP_TP_TAG : 0);
    if (len < want)
        return VRRP_TP_TRUNCATED;
    if (len > want)
        return VRRP_TP_BAD_LENGTH;
    if (key && keylen && !tagged)
        return VRRP_TP_NO_TAG;
    if (!(key && keylen) && tagged)
        return VRRP_TP_UNEXPECTED_TAG;
    if (tagged) {
        if (!vrrp_tag_ok(key, keylen, buf, body, buf + body))
            return VRRP_TP_BAD_TAG;
    }
    const uint8_t *p = buf + VRRP_TP_HDR + l;
    for (size_t i = 0; i < n; i++, p += entry_len(family))
        if (p[0] != VRRP_TP_ADD && p[0] != VRRP_TP_DEL)
            return VRRP_TP_BAD_OP;
    memset(out, 0, sizeof(*out));
    out->full = buf[4] & 2;
    out->req = buf[4] & 4;
    out->vrid = buf[5];
    out->family = family;
    out->boot = wire_get64(buf + 8);
    out->seq = wire_get64(buf + 16);
    out->nops = n;
    memcpy(out->name, buf + VRRP_TP_HDR, l);
    return VRRP_TP_OK;
}

void vrrp_tp_entry(const uint8_t *buf, const struct vrrp_tp_msg *m, size_t i,
                   struct vrrp_tp_op *out)
{
    size_t a = alen(m->family);
    const uint8_t *p = buf + VRRP_TP_HDR + strlen(m->name) + i * entry_len(m->family);
    memset(out, 0, sizeof(*out));
    out->op = p[0];
    out->t.family = m->family;
    out->t.lport = wire_get16(p + 1);
    out->t.rport = wire_get16(p + 3);
    memcpy(out->t.laddr, p + 5, a);
    memcpy(out->t.raddr, p + 5 + a, a);
}

/* ---- the set: linear probing, backward-shift deletion ---- */

static uint64_t hash(const struct vrrp_tuple *t)
{
    /* FNV-1a over the fields that make a tuple */
    uint64_t h = 1469598103934665603ULL;
    uint8_t b[2 + 4 + 32];
    b[0] = (uint8_t)t->family;
    b[1] = 0;
    wire_put16(b + 2, t->lport);
    wire_put16(b + 4, t->rport);
    memcpy(b + 6, t->laddr, 16);
    memcpy(b + 22, t->raddr, 16);
    for (size_t i = 0; i < sizeof(b); i++)
        h = (h ^ b[i]) * 1099511628211ULL;
    return h ^ (h >> 29);
}

static bool eq(const struct vrrp_tuple *a, const struct vrrp_tuple *b)
{
    return a->family == b->family && a->lport == b->lport && a->rport == b->rport &&
           !memcmp(a->laddr, b->laddr, 16) && !memcmp(a->raddr, b->raddr, 16);
}

static size_t find(const struct vrrp_tpset *s, const struct vrrp_tuple *t, bool *found)
{
    size_t m = s->cap - 1, i = (size_t)hash(t) & m;
    while (s->used[i]) {
        if (eq(&s->slots[i], t)) {
            *found = true;
            return i;
        }
        i = (i + 1) & m;
    }
    *found = false;
    return i;
}

static int grow(struct vrrp_tpset *s)
{
    size_t cap = s->cap ? s->cap * 2 : 64;
    struct vrrp_tpset n = {.cap = cap};
    n.slots = calloc(cap, sizeof(*n.slots));
    n.used = calloc(cap, 1);
    if (!n.slots || !n.used) {
        free(n.slots);
        free(n.used);
        return -1;
    }
    for (size_t i = 0; i < s->cap; i++) {
        if (!s->used[i])
            continue;
        bool f;
        size_t j = find(&n, &s->slots[i], &f);
        n.slots[j] = s->slots[i];
        n.used[j] = 1;
        n.n++;
    }
    free(s->slots);
    free(s->used);
    *s = n;
    return 0;
}

int vrrp_tpset_add(struct vrrp_tpset *s, const struct vrrp_tuple *t)
{
    bool f;
    if (s->cap && find(s, t, &f) < s->cap && f)
        return 0;
    if ((s->n + 1) * 4 > s->cap * 3 && grow(s) < 0)
        return -1;
    size_t i = find(s, t, &f);
    s->slots[i] = *t;
    s->used[i] = 1;
    s->n++;
    return 1;
}

int vrrp_tpset_del(struct vrrp_tpset *s, const struct vrrp_tuple *t)
{
    bool f;
    if (!s->cap)
        return 0;
    size_t m = s->cap - 1, i = find(s, t, &f);
    if (!f)
        return 0;
    /* shift back the entries after i whose home is at or before the hole */
    size_t j = i;
    for (;;) {
        s->used[i] = 0;
        for (;;) {
            j = (j + 1) & m;
            if (!s->used[j]) {
                s->n--;
                return 1;
            }
            size_t home = (size_t)hash(&s->slots[j]) & m;
            /* j may move to i when home is not cyclically in (i, j] */
            if (i <= j ? (home <= i || home > j) : (home <= i && home > j))
                break;
        }
        s->slots[i] = s->slots[j];
        s->used[i] = 1;
        i = j;
    }
}

bool vrrp_tpset_has(const struct vrrp_tpset *s, const struct vrrp_tuple *t)
{
    bool f = false;
    if (s->cap)
        find(s, t, &f);
    return f;
}

void vrrp_tpset_clear(struct vrrp_tpset *s)
{
    if (s->cap)
        memset(s->used, 0, s->cap);
    s->n = 0;
}

void vrrp_tpset_free(struct vrrp_tpset *s)
{
    free(s->slots);
    free(s->used);
    memset(s, 0, sizeof(*s));
}

const struct vrrp_tuple *vrrp_tpset_next(const struct vrrp_tpset *s, size_t *cursor)
{
    for (; *cursor < s->cap; (*cursor)++)
        if (s->used[*cursor])
            return &s->slots[(*cursor)++];
    return NULL;
}

/* ---- sending ---- */

void vrrp_tp_local_init(struct vrrp_tp_local *l, uint64_t boot)
{
    memset(l, 0, sizeof(*l));
    l->boot = boot;
    l->full_pending = true;
}

void vrrp_tp_local_free(struct vrrp_tp_local *l)
{
    vrrp_tpset_free(&l->set);
    free(l->journal);
    memset(l, 0, sizeof(*l));
}

static void journal(struct vrrp_tp_local *l, uint8_t op, const struct vrrp_tuple *t)
{
    if (l->full_pending)
        return; /* the full sync sends the set as it is then */
    if (l->njournal == l->journal_cap) {
        size_t cap = l->journal_cap ? l->journal_cap * 2 : 256;
        struct vrrp_tp_op *j =
            cap <= VRRP_TP_JOURNAL_MAX ? realloc(l->journal, cap * sizeof(*j)) : NULL;
        if (!j) {
            l->full_pending = true;
            l->njournal = 0;
            return;
        }
        l->journal = j;
        l->journal_cap = cap;
    }
    l->journal[l->njournal].op = op;
    l->journal[l->njournal].t = *t;
    l->njournal++;
}

int vrrp_tp_local_change(struct vrrp_tp_local *l, uint8_t op, const struct vrrp_tuple *t)
{
    int r = op == VRRP_TP_ADD ? vrrp_tpset_add(&l->set, t) : vrrp_tpset_del(&l->set, t);
    if (r < 0) {
        l->full_pending = true;
        l->njournal = 0;
        return -1;
    }
    if (r > 0)
        journal(l, op, t);
    return 0;
}

static size_t emit_one(struct vrrp_tp_local *l, const struct vrrp_tp_msg *tmpl, bool full,
                       const struct vrrp_tp_op *ops, size_t n, const uint8_t *key, size_t keylen,
                       void (*emit)(const uint8_t *, size_t, void *), void *arg)
{
    uint8_t buf[VRRP_TP_MAX];
    struct vrrp_tp_msg m = *tmpl;
    m.full = full;
    m.req = false;
    m.boot = l->boot;
    m.seq = ++l->seq;
    size_t len = vrrp_tp_encode(&m, ops, n, key, keylen, buf, sizeof(buf));
    if (!len)
        return 0;
    emit(buf, len, arg);
    l->messages++;
    return 1;
}

size_t vrrp_tp_flush(struct vrrp_tp_local *l, const struct vrrp_tp_msg *tmpl, const uint8_t *key,
                     size_t keylen, void (*emit)(const uint8_t *buf, size_t len, void *arg),
                     void *arg)
{
    size_t room = vrrp_tp_room(tmpl->family, strnlen(tmpl->name, VRRP_TP_NAME + 1), key && keylen);
    struct vrrp_tp_op ops[VRRP_TP_MAX / 13 + 1];
    size_t sent = 0, n = 0;
    if (!room)
        return 0;
    if (l->full_pending) {
        size_t cur = 0;
        const struct vrrp_tuple *t;
        bool first = true;
        l->full_pending = false;
        l->njournal = 0;
        l->fulls++;
        while ((t = vrrp_tpset_next(&l->set, &cur))) {
            if (t->family != tmpl->family)
                continue;
            ops[n].op = VRRP_TP_ADD;
            ops[n++].t = *t;
            if (n == room) {
                sent += emit_one(l, tmpl, first, ops, n, key, keylen, emit, arg);
                first = false;
                n = 0;
            }
        }
        if (n || first)
            sent += emit_one(l, tmpl, first, ops, n, key, keylen, emit, arg);
        return sent;
    }
    for (size_t i = 0; i < l->njournal; i++) {
        if (l->journal[i].t.family != tmpl->family)
            continue;
        ops[n++] = l->journal[i];
        if (n == room) {
            sent += emit_one(l, tmpl, false, ops, n, key, keylen, emit, arg);
            n = 0;
        }
    }
    l->njournal = 0;
    if (n || !sent)
        sent += emit_one(l, tmpl, false, ops, n, key, keylen, emit, arg);
    return sent;
}

/* ---- receiving ---- */

static void apply(struct vrrp_tp_peer *p, const uint8_t *buf, const struct vrrp_tp_msg *m,
                  vrrp_tp_is_vip is_vip, void *arg, uint64_t *entry_drops)
{
    for (size_t i = 0; i < m->nops; i++) {
        struct vrrp_tp_op o;
        vrrp_tp_entry(buf, m, i, &o);
        if (o.op == VRRP_TP_DEL) {
            vrrp_tpset_del(&p->set, &o.t);
            continue;
        }
        enum vrrp_tp_err e = VRRP_TP_OK;
        if (!o.t.lport || !o.t.rport)
            e = VRRP_TP_BAD_TUPLE;
        else if (!is_vip(&o.t, arg))
            e = VRRP_TP_NOT_VIP;
        else if (p->set.n >= VRRP_TP_PEER_MAX && !vrrp_tpset_has(&p->set, &o.t))
            e = VRRP_TP_OVER_LIMIT;
        else if (vrrp_tpset_add(&p->set, &o.t) < 0)
            e = VRRP_TP_OVER_LIMIT; /* out of memory: the same effect */
        if (e != VRRP_TP_OK)
            entry_drops[e]++;
    }
}

enum vrrp_tp_err vrrp_tp_take(struct vrrp_tp_peer *p, const uint8_t *buf,
                              const struct vrrp_tp_msg *m, uint64_t now_ms, vrrp_tp_is_vip is_vip,
                              void *arg, uint64_t *entry_drops, bool *resync)
{
    *resync = false;
    if (m->boot != p->boot) {
        bool newer = m->boot > p->boot;
        bool forgotten = p->last_ms && now_ms - p->last_ms > VRRP_TP_FORGET_MS;
        if (!newer && !forgotten)
            return VRRP_TP_REPLAYED;
        if (!m->full) {
            *resync = true;
            return VRRP_TP_OUT_OF_SYNC;
        }
    } else if (m->seq <= p->seq) {
        return VRRP_TP_REPLAYED;
    } else if (m->seq != p->seq + 1 && !m->full) {
        p->gaps++;
        *resync = true;
    }
    if (m->full) {
        vrrp_tpset_clear(&p->set);
        p->fulls++;
    }
    p->boot = m->boot;
    p->seq = m->seq;
    p->last_ms = now_ms ? now_ms : 1;
    p->messages++;
    apply(p, buf, m, is_vip, arg, entry_drops);
    return VRRP_TP_OK;
}

enum vrrp_tp_err vrrp_tp_take_req(struct vrrp_tp_peer *p, const struct vrrp_tp_msg *m)
{
    if (m->boot < p->req_boot || (m->boot == p->req_boot && m->seq <= p->req_seq))
        return VRRP_TP_REPLAYED;
    p->req_boot = m->boot;
    p->req_seq = m->seq;
    return VRRP_TP_OK;
}

void vrrp_tp_peer_free(struct vrrp_tp_peer *p)
{
    vrrp_tpset_free(&p->set);
    memset(p, 0, sizeof(*p));
}

/* ---- the segment ---- */

static uint32_t sum16(const uint8_t *p, size_t n, uint32_t s)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        s += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (n & 1)
        s += (uint32_t)p[n - 1] << 8;
    return s;
}

void vrrp_tp_segment(const struct vrrp_tuple *t, uint32_t seq, uint32_t ack, uint8_t out[20])
{
    memset(out, 0, 20);
    wire_put16(out, t->lport);
    wire_put16(out + 2, t->rport);
    for (int i = 0; i < 4; i++) {
        out[4 + i] = (uint8_t)(seq >> (24 - 8 * i));
        out[8 + i] = (uint8_t)(ack >> (24 - 8 * i));
    }
    out[12] = 5 << 4; /* data offset: 20 bytes */
    out[13] = 0x10;   /* ACK */
    wire_put16(out + 14, 1024);
    /* pseudo-header: source (the VIP), destination (the client), protocol, length */
    size_t a = alen(t->family);
    uint32_t s = sum16(t->laddr, a, 0);
    s = sum16(t->raddr, a, s);
    s += IPPROTO_TCP + 20;
    s = sum16(out, 20, s);
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    wire_put16(out + 16, (uint16_t)~s);
}
