/* track counter: the rise/fall verdict of a vrrp_script (pure: no I/O, no
 * allocation, no globals).
 *
 * keepalived 2.2.7 (vrrp_scheduler.c vrrp_script_child_thread) keeps one
 * counter per script; its effect, reproduced here:
 *  - a script starts in init (result = rise - 1): its first result decides,
 *    a success makes it up, a failure down, whatever rise and fall are;
 *  - with `init_fail` it starts down and needs `rise` successes;
 *  - down: `rise` successes in a row make it up, any failure restarts the
 *    count; up: `fall` failures in a row make it down, any success restarts.
 */
#ifndef HAPLANE_TRACK_COUNTER_H
#define HAPLANE_TRACK_COUNTER_H

#include <stdbool.h>
#include <stdint.h>

enum track_state { TRACK_INIT = -1, TRACK_DOWN = 0, TRACK_UP = 1 };

struct track_counter {
    enum track_state state; /* written by counter.c only */
    uint32_t rise;          /* >= 1 */
    uint32_t fall;          /* >= 1 */
    uint32_t row;           /* results in a row against the state: successes
                               while down, failures while up; 0 in init */
};

/* "init" | "down" | "up" ("?" for anything else). */
const char *track_state_name(enum track_state state);

/* rise and fall below 1 count as 1. init_fail: start down, not in init. */
void track_counter_init(struct track_counter *c, uint32_t rise, uint32_t fall, bool init_fail);

/* Account one result. Returns 1 if the state changed (then c->row is 0 and
 * the number of results that caused it was 1 from init, else rise or fall),
 * 0 otherwise. */
int track_counter_feed(struct track_counter *c, bool success);

/* Down without a result, for a script that is not run at all (refused: an
 * unknown user, an unsafe path): the row is cleared, rise and fall are kept.
 * Returns 1 if the state changed, 0 otherwise. */
int track_counter_force_down(struct track_counter *c);

/* New rise/fall on reload: the state is kept, a partial row is kept if it is
 * still short of the new threshold, else cut to threshold - 1 (one more
 * result in the same direction changes the state, as keepalived's
 * clear_diff_script does). */
void track_counter_retune(struct track_counter *c, uint32_t rise, uint32_t fall);

#endif
