/* heap: a binary min-heap of timers ordered by (deadline, arming order).
 *
 * Pure: no clock, no allocation besides growing its own array. The event
 * loop owns one; tests drive it directly. Equal deadlines pop in the order the
 * timers were armed, so two timers set for the same instant fire in a
 * predictable order. Each timer remembers its slot, so removal is O(log n).
 */
#ifndef HAPLANE_EV_HEAP_H
#define HAPLANE_EV_HEAP_H

#include <stddef.h>
#include <stdint.h>

struct ev_timer;

struct ev_heap {
    struct ev_timer **v;
    size_t len, cap;
    uint64_t seq; /* arming counter, the tie-break */
};

/* The node fields a timer must carry (ev.h embeds them in struct ev_timer). */
struct ev_heap_node {
    uint64_t when; /* deadline, monotonic ns */
    uint64_t seq;
    size_t slot; /* index + 1 in the heap; 0 = not in the heap */
};

void ev_heap_init(struct ev_heap *h);
void ev_heap_free(struct ev_heap *h);
/* Insert t with deadline `when`; t must not be in the heap. -1 on ENOMEM. */
int ev_heap_push(struct ev_heap *h, struct ev_timer *t, uint64_t when);
/* Remove t if it is in the heap (no-op otherwise). */
void ev_heap_remove(struct ev_heap *h, struct ev_timer *t);
/* The earliest timer, or NULL. */
struct ev_timer *ev_heap_top(const struct ev_heap *h);
/* Remove and return the earliest timer, or NULL. */
struct ev_timer *ev_heap_pop(struct ev_heap *h);

#endif
