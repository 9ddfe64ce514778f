/* track counter: see counter.h. */
#include "track/counter.h"

const char *track_state_name(enum track_state state)
{
    switch (state) {
    case TRACK_INIT:
        return "init";
    case TRACK_DOWN:
        return "down";
    case TRACK_UP:
        return "up";
    }
    return "?";
}

void track_counter_init(struct track_counter *c, uint32_t rise, uint32_t fall, bool init_fail)
{
    c->rise = rise ? rise : 1;
    c->fall = fall ? fall : 1;
    c->row = 0;
    c->state = init_fail ? TRACK_DOWN : TRACK_INIT;
}

int track_counter_feed(struct track_counter *c, bool success)
{
    if (c->state == TRACK_INIT) {
        c->state = success ? TRACK_UP : TRACK_DOWN;
        c->row = 0;
        return 1;
    }
    bool against = (c->state == TRACK_UP) != success;
    if (!against) {
        c->row = 0;
        return 0;
    }
    uint32_t need = c->state == TRACK_UP ? c->fall : c->rise;
    if (++c->row < need)
        return 0;
    c->state = success ? TRACK_UP : TRACK_DOWN;
    c->row = 0;
    return 1;
}

int track_counter_force_down(struct track_counter *c)
{
    int changed = c->state != TRACK_DOWN;
    c->state = TRACK_DOWN;
    c->row = 0;
    return changed;
}

void track_counter_retune(struct track_counter *c, uint32_t rise, uint32_t fall)
{
    c->rise = rise ? rise : 1;
    c->fall = fall ? fall : 1;
    uint32_t need = c->state == TRACK_UP ? c->fall : c->rise;
    if (c->state != TRACK_INIT && c->row >= need)
        c->row = need - 1;
}
