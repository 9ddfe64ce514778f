/* heap: see heap.h. */
#include "ev/heap.h"
#include "ev/ev.h"

#include <stdlib.h>

static int before(const struct ev_timer *a, const struct ev_timer *b)
{
    if (a->node.when != b->node.when)
        return a->node.when < b->node.when;
    return a->node.seq < b->node.seq;
}

static void place(struct ev_heap *h, size_t i, struct ev_timer *t)
{
    h->v[i] = t;
    t->node.slot = i + 1;
}

static void sift_up(struct ev_heap *h, size_t i)
{
    struct ev_timer *t = h->v[i];
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!before(t, h->v[parent]))
            break;
        place(h, i, h->v[parent]);
        i = parent;
    }
    place(h, i, t);
}

static void sift_down(struct ev_heap *h, size_t i)
{
    struct ev_timer *t = h->v[i];
    for (;;) {
        size_t l = 2 * i + 1, best = i;
        const struct ev_timer *cur = t;
        if (l < h->len && before(h->v[l], cur)) {
            best = l;
            cur = h->v[l];
        }
        if (l + 1 < h->len && before(h->v[l + 1], cur))
            best = l + 1;
        if (best == i)
            break;
        place(h, i, h->v[best]);
        i = best;
    }
    place(h, i, t);
}

void ev_heap_init(struct ev_heap *h)
{
    h->v = NULL;
    h->len = h->cap = 0;
    h->seq = 0;
}

void ev_heap_free(struct ev_heap *h)
{
    for (size_t i = 0; i < h->len; i++)
        h->v[i]->node.slot = 0;
    free(h->v);
    ev_heap_init(h);
}

int ev_heap_push(struct ev_heap *h, struct ev_timer *t, uint64_t when)
{
    if (h->len == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 16;
        struct ev_timer **v = realloc(h->v, cap * sizeof(*v));
        if (!v)
            return -1;
        h->v = v;
        h->cap = cap;
    }
    t->node.when = when;
    t->node.seq = h->seq++;
    place(h, h->len++, t);
    sift_up(h, h->len - 1);
    return 0;
}

void ev_heap_remove(struct ev_heap *h, struct ev_timer *t)
{
    if (t->node.slot == 0)
        return;
    size_t i = t->node.slot - 1;
    t->node.slot = 0;
    struct ev_timer *last = h->v[--h->len];
    if (i == h->len)
        return;
    place(h, i, last);
    if (i > 0 && before(last, h->v[(i - 1) / 2]))
        sift_up(h, i);
    else
        sift_down(h, i);
}

struct ev_timer *ev_heap_top(const struct ev_heap *h)
{
    return h->len ? h->v[0] : NULL;
}

struct ev_timer *ev_heap_pop(struct ev_heap *h)
{
    struct ev_timer *t = ev_heap_top(h);
    if (t)
        ev_heap_remove(h, t);
    return t;
}
