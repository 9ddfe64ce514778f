/* Unit tests: the pure parts of src/track: the rise/fall counter
 * (counter.c), notify argv building and the enable_script_security rule
 * (cmd.c), run outcome text (run.c) and the link "up" rule (link.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <net/if.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>

#include "track/cmd-int.h"
#include "track/counter.h"
#include "track/link-int.h"
#include "track/run-int.h"

/* Feed a string of results ('+' success, '-' failure); after each, compare
 * the returned change flag and the state with want ("I", "U", "D" per step,
 * lowercase when no change is expected). */
static void feed(struct track_counter *c, const char *results, const char *want)
{
    size_t n = strlen(results);
    assert_int_equal(strlen(want), n);
    for (size_t i = 0; i < n; i++) {
        int changed = track_counter_feed(c, results[i] == '+');
        int ws = want[i] == 'U' || want[i] == 'u'   ? TRACK_UP
                 : want[i] == 'D' || want[i] == 'd' ? TRACK_DOWN
                                                    : TRACK_INIT;
        int wc = want[i] >= 'A' && want[i] <= 'Z';
        if (changed != wc || c->state != ws)
            fail_msg("step %zu (%c): changed %d state %s; want %d %s", i, results[i], changed,
                     track_state_name(c->state), wc, track_state_name(ws));
    }
}

static void state_names(void **state)
{
    assert_string_equal(track_state_name(TRACK_INIT), "init");
    assert_string_equal(track_state_name(TRACK_UP), "up");
    assert_string_equal(track_state_name(TRACK_DOWN), "down");
    assert_string_equal(track_state_name(7), "?");
    assert_int_equal(TRACK_UP, 1);
    assert_int_equal(TRACK_DOWN, 0);
    assert_int_equal(TRACK_INIT, -1);
}

/* keepalived: in init the first result decides, whatever rise and fall. */
static void init_first_result_decides(void **state)
{
    struct track_counter c;
    track_counter_init(&c, 5, 7, false);
    assert_int_equal(c.state, TRACK_INIT);
    feed(&c, "+", "U");
    track_counter_init(&c, 5, 7, false);
    feed(&c, "-", "D");
    assert_int_equal(c.row, 0);
}

/* seed settings: fall 10, rise 2 */
static void rise_fall_in_a_row(void **state)
{
    struct track_counter c;
    track_counter_init(&c, 2, 10, false);
    feed(&c, "+", "U");
    feed(&c, "---------", "uuuuuuuuu");
    assert_int_equal(c.row, 9);
    feed(&c, "-", "D");
    assert_int_equal(c.row, 0);
    feed(&c, "+", "d");
    assert_int_equal(c.row, 1);
    feed(&c, "+", "U");
}

/* A result agreeing with the state restarts the count. */
static void opposite_result_resets_row(void **state)
{
    struct track_counter c;
    track_counter_init(&c, 3, 3, false);
    feed(&c, "-", "D");
    feed(&c, "++-++-++", "dddddddd");
    feed(&c, "+", "U");
    feed(&c, "--+--+--", "uuuuuuuu");
    feed(&c, "-", "D");
}

static void rise_fall_one(void **state)
{
    struct track_counter c;
    track_counter_init(&c, 1, 1, false);
    feed(&c, "-+-++--+", "DUDUuDdU");
}

static void zero_counts_as_one(void **state)
{
    struct track_counter c;
    track_counter_init(&c, 0, 0, false);
    assert_int_equal(c.rise, 1);
    assert_int_equal(c.fall, 1);
    feed(&c, "+-", "UD");
}

/* init_fail: starts down and needs rise successes. */
static void init_fail_starts_down(void **state)
{
    struct track_counter c;
    track_counter_init(&c, 3, 2, true);
    assert_int_equal(c.state, TRACK_DOWN);
    feed(&c, "++", "dd");
    feed(&c, "+", "U");
    feed(&c, "-", "u");
    feed(&c, "-", "D");
}

/* A refused script: down without a result from init, from up (a partial
 * row of failures dropped) and from down (a partial row of successes
 * dropped); rise and fall stay, so it needs `rise` successes afterwards. */
static void force_down_clears_row(void **state)
{
    struct track_counter c;
    track_counter_init(&c, 3, 2, false);
    assert_int_equal(track_counter_force_down(&c), 1);
    assert_int_equal(c.state, TRACK_DOWN);
    assert_int_equal(c.row, 0);
    assert_int_equal(c.rise, 3);
    assert_int_equal(c.fall, 2);
    feed(&c, "+++", "ddU");
    feed(&c, "-", "u");
    assert_int_equal(c.row, 1);
    assert_int_equal(track_counter_force_down(&c), 1);
    assert_int_equal(c.row, 0);
    feed(&c, "++", "dd");
    assert_int_equal(track_counter_force_down(&c), 0);
    assert_int_equal(c.state, TRACK_DOWN);
    assert_int_equal(c.row, 0);
    feed(&c, "++", "dd"); /* the two before it no longer count */
    feed(&c, "+", "U");
}

static void retune_keeps_state_and_clamps_row(void **state)
{
    struct track_counter c;
    track_counter_init(&c, 1, 5, false);
    feed(&c, "+----", "Uuuuu");
    assert_int_equal(c.row, 4);
    track_counter_retune(&c, 1, 3); /* 4 failures >= new fall 3: one more goes down */
    assert_int_equal(c.state, TRACK_UP);
    assert_int_equal(c.row, 2);
    feed(&c, "-", "D");

    track_counter_init(&c, 4, 1, false);
    feed(&c, "-+", "Dd");
    track_counter_retune(&c, 6, 1); /* partial row kept when still short */
    assert_int_equal(c.row, 1);
    feed(&c, "++++", "dddd");
    feed(&c, "+", "U");

    track_counter_init(&c, 2, 2, false);
    track_counter_retune(&c, 3, 3); /* init stays init */
    assert_int_equal(c.state, TRACK_INIT);
    feed(&c, "+", "U");
}

/* ---- argv ---- */

static void argv_with_extra(void **state)
{
    char *args[] = {"/bin/notify.sh", "a b", NULL};
    struct cfg_cmd cmd = {.argv = args, .argc = 2};
    const char *const extra[] = {"INSTANCE", "VI_1", "MASTER", "100", NULL};
    char *out[8];
    assert_int_equal(track_argv_slots(&cmd, extra), 7);
    assert_int_equal(track_argv_fill(&cmd, extra, out, 8), 6);
    assert_string_equal(out[0], "/bin/notify.sh");
    assert_string_equal(out[1], "a b");
    assert_string_equal(out[2], "INSTANCE");
    assert_string_equal(out[3], "VI_1");
    assert_string_equal(out[4], "MASTER");
    assert_string_equal(out[5], "100");
    assert_null(out[6]);
    assert_ptr_equal(out[0], args[0]); /* borrowed, not copied */
    assert_int_equal(track_argv_fill(&cmd, extra, out, 7), 6);
    assert_int_equal(track_argv_fill(&cmd, extra, out, 6), -1); /* no room for NULL */
}

static void argv_without_extra(void **state)
{
    char *args[] = {"true", NULL};
    struct cfg_cmd cmd = {.argv = args, .argc = 1};
    const char *const none[] = {NULL};
    char *out[2] = {"x", "x"};
    assert_int_equal(track_argv_slots(&cmd, NULL), 2);
    assert_int_equal(track_argv_fill(&cmd, NULL, out, 2), 1);
    assert_string_equal(out[0], "true");
    assert_null(out[1]);
    assert_int_equal(track_argv_fill(&cmd, none, out, 2), 1);
    assert_int_equal(track_argv_fill(&cmd, NULL, out, 1), -1);
}

static void argv_unset_cmd(void **state)
{
    struct cfg_cmd unset = {0};
    char *out[4];
    const char *const extra[] = {"X", NULL};
    assert_int_equal(track_argv_slots(&unset, extra), 0);
    assert_int_equal(track_argv_slots(NULL, extra), 0);
    assert_int_equal(track_argv_fill(&unset, extra, out, 4), -1);
}

/* ---- enable_script_security rule (keepalived lib/notify.c check_security) ---- */

static struct stat mk(mode_t type, mode_t perm, uid_t uid, gid_t gid)
{
    struct stat st;
    memset(&st, 0, sizeof(st));
    st.st_mode = type | perm;
    st.st_uid = uid;
    st.st_gid = gid;
    return st;
}

static void stat_rules(void **state)
{
    struct stat st;
    st = mk(S_IFDIR, 0755, 0, 0);
    assert_null(track_stat_unsafe(&st, false));
    st = mk(S_IFREG, 0755, 0, 0);
    assert_null(track_stat_unsafe(&st, true));
    assert_string_equal(track_stat_unsafe(&st, false), "not a directory");
    st = mk(S_IFDIR, 0755, 0, 0);
    assert_string_equal(track_stat_unsafe(&st, true), "not a regular file");
    st = mk(S_IFLNK, 0777, 0, 0); /* a root symlink's mode does not matter */
    assert_null(track_stat_unsafe(&st, true));
    st = mk(S_IFREG, 0755, 1000, 0);
    assert_string_equal(track_stat_unsafe(&st, true), "owned by a non-root user");
    st = mk(S_IFDIR, 0755, 1000, 0);
    assert_string_equal(track_stat_unsafe(&st, false), "owned by a non-root user");
    st = mk(S_IFREG, 0775, 0, 50);
    assert_string_equal(track_stat_unsafe(&st, true), "writable by a non-root group");
    st = mk(S_IFREG, 0775, 0, 0); /* group root may write */
    assert_null(track_stat_unsafe(&st, true));
    st = mk(S_IFREG, 0757, 0, 0);
    assert_string_equal(track_stat_unsafe(&st, true), "writable by others");
    st = mk(S_IFDIR, 0777, 0, 0);
    assert_string_equal(track_stat_unsafe(&st, false), "writable by others");
    st = mk(S_IFDIR, 01777, 0, 0); /* /tmp: sticky */
    assert_null(track_stat_unsafe(&st, false));
    st = mk(S_IFDIR, 01775, 0, 50);
    assert_null(track_stat_unsafe(&st, false));
}

/* ---- outcome text, link rule ---- */

static void run_end_text(void **state)
{
    char b[96];
    track_run_end_str(TRACK_RUN_EXITED, 3, 1000, b, sizeof(b));
    assert_string_equal(b, "exit 3");
    track_run_end_str(TRACK_RUN_TIMEDOUT, 0, 1500, b, sizeof(b));
    assert_string_equal(b, "timed out after 1500 ms");
    track_run_end_str(TRACK_RUN_SIGNALED, SIGKILL, 0, b, sizeof(b));
    assert_true(strncmp(b, "killed by signal 9 (", 20) == 0);
}

static void link_flags(void **state)
{
    assert_int_equal(track_link_flags_up(IFF_UP | IFF_RUNNING | IFF_BROADCAST), 1);
    assert_int_equal(track_link_flags_up(IFF_UP | IFF_BROADCAST), 0); /* NO-CARRIER */
    assert_int_equal(track_link_flags_up(IFF_RUNNING), 0);            /* admin down */
    assert_int_equal(track_link_flags_up(0), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(state_names),
        cmocka_unit_test(init_first_result_decides),
        cmocka_unit_test(rise_fall_in_a_row),
        cmocka_unit_test(opposite_result_resets_row),
        cmocka_unit_test(rise_fall_one),
        cmocka_unit_test(zero_counts_as_one),
        cmocka_unit_test(init_fail_starts_down),
        cmocka_unit_test(force_down_clears_row),
        cmocka_unit_test(retune_keeps_state_and_clamps_row),
        cmocka_unit_test(argv_with_extra),
        cmocka_unit_test(argv_without_extra),
        cmocka_unit_test(argv_unset_cmd),
        cmocka_unit_test(stat_rules),
        cmocka_unit_test(run_end_text),
        cmocka_unit_test(link_flags),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
