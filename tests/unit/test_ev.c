/* Unit tests: the timer heap (ordering, removal) and the loop (timers,
 * fds, signals, child processes). No timing thresholds: only order and
 * outcome are asserted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ev/ev.h"
#include "ev/heap.h"

static uint64_t lcg(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return *s >> 33;
}

static void heap_orders_by_deadline(void **state)
{
    struct ev_heap h;
    struct ev_timer t[500];
    uint64_t seed = 42;
    ev_heap_init(&h);
    memset(t, 0, sizeof(t));
    for (int i = 0; i < 500; i++)
        assert_int_equal(ev_heap_push(&h, &t[i], lcg(&seed) % 1000), 0);
    uint64_t last = 0;
    for (int i = 0; i < 500; i++) {
        struct ev_timer *x = ev_heap_pop(&h);
        assert_non_null(x);
        assert_true(x->node.when >= last);
        assert_int_equal(x->node.slot, 0);
        last = x->node.when;
    }
    assert_null(ev_heap_pop(&h));
    ev_heap_free(&h);
}

static void heap_ties_pop_in_arming_order(void **state)
{
    struct ev_heap h;
    struct ev_timer t[8];
    ev_heap_init(&h);
    memset(t, 0, sizeof(t));
    for (int i = 0; i < 8; i++)
        ev_heap_push(&h, &t[i], 100);
    for (int i = 0; i < 8; i++)
        assert_ptr_equal(ev_heap_pop(&h), &t[i]);
    ev_heap_free(&h);
}

static void heap_remove_middle_keeps_order(void **state)
{
    struct ev_heap h;
    struct ev_timer t[300];
    uint64_t seed = 7;
    ev_heap_init(&h);
    memset(t, 0, sizeof(t));
    for (int i = 0; i < 300; i++)
        ev_heap_push(&h, &t[i], lcg(&seed) % 5000);
    for (int i = 0; i < 300; i += 3)
        ev_heap_remove(&h, &t[i]);
    ev_heap_remove(&h, &t[0]); /* removing twice is a no-op */
    assert_int_equal(h.len, 200);
    uint64_t last = 0;
    int n = 0;
    struct ev_timer *x;
    while ((x = ev_heap_pop(&h))) {
        assert_true((x - t) % 3 != 0);
        assert_true(x->node.when >= last);
        last = x->node.when;
        n++;
    }
    assert_int_equal(n, 200);
    ev_heap_free(&h);
}

/* ---- loop ---- */

static int order[16], norder;

static void record_timer(struct ev_loop *loop, struct ev_timer *t)
{
    order[norder++] = (int)(intptr_t)t->arg;
    if (norder == 4)
        ev_stop(loop);
}

static void timers_in_order(int precise)
{
    struct ev_loop *loop = ev_loop_new();
    if (precise)
        assert_int_equal(ev_loop_set_precise(loop), 0);
    struct ev_timer t[5];
    memset(t, 0, sizeof(t));
    norder = 0;
    ev_timer_start(loop, &t[0], 30 * NS_PER_MS, record_timer, (void *)3);
    ev_timer_start(loop, &t[1], 10 * NS_PER_MS, record_timer, (void *)1);
    ev_timer_start(loop, &t[2], 20 * NS_PER_MS, record_timer, (void *)2);
    ev_timer_start(loop, &t[3], 5 * NS_PER_MS, record_timer, (void *)99);
    ev_timer_stop(loop, &t[3]); /* a stopped timer never fires */
    ev_timer_start(loop, &t[4], 40 * NS_PER_MS, record_timer, (void *)4);
    assert_int_equal(ev_run(loop), 0);
    assert_int_equal(norder, 4);
    assert_int_equal(order[0], 1);
    assert_int_equal(order[1], 2);
    assert_int_equal(order[2], 3);
    assert_int_equal(order[3], 4);
    ev_loop_free(loop);
}

static void loop_timers_fire_in_deadline_order(void **state)
{
    timers_in_order(0);
}

/* The same through the timerfd path, which re-arms as the earliest
 * deadline changes (including after a stop removed the earliest). */
static void precise_loop_timers_fire_in_deadline_order(void **state)
{
    timers_in_order(1);
}

struct pipes {
    int a[2], b[2];
    struct ev_io ia, ib;
    int fired_a, fired_b;
};

/* Both pipes are readable in the same batch; whichever callback runs first
 * stops the other watcher, whose pending event must then be dropped. */
static void on_pipe(struct ev_loop *loop, struct ev_io *io, uint32_t ev)
{
    struct pipes *p = io->arg;
    if (io == &p->ia) {
        p->fired_a++;
        ev_io_stop(loop, &p->ib);
        ev_io_stop(loop, &p->ia);
    } else {
        p->fired_b++;
        ev_io_stop(loop, &p->ia);
        ev_io_stop(loop, &p->ib);
    }
}

static void stop_loop(struct ev_loop *loop, struct ev_timer *t)
{
    ev_stop(loop);
}

static void loop_stopped_watcher_gets_no_stale_event(void **state)
{
    struct ev_loop *loop = ev_loop_new();
    struct pipes p;
    struct ev_timer t;
    memset(&p, 0, sizeof(p));
    memset(&t, 0, sizeof(t));
    assert_int_equal(pipe(p.a), 0);
    assert_int_equal(pipe(p.b), 0);
    assert_int_equal(write(p.a[1], "x", 1), 1);
    assert_int_equal(write(p.b[1], "y", 1), 1);
    ev_io_start(loop, &p.ia, p.a[0], EPOLLIN, on_pipe, &p);
    ev_io_start(loop, &p.ib, p.b[0], EPOLLIN, on_pipe, &p);
    ev_timer_start(loop, &t, 50 * NS_PER_MS, stop_loop, NULL);
    ev_run(loop);
    assert_int_equal(p.fired_a + p.fired_b, 1);
    for (int i = 0; i < 2; i++) {
        close(p.a[i]);
        close(p.b[i]);
    }
    ev_loop_free(loop);
}

static int got_signal;

static void on_usr1(struct ev_loop *loop, int signo, void *arg)
{
    got_signal = signo;
    ev_stop(loop);
}

static void loop_delivers_signals(void **state)
{
    struct ev_loop *loop = ev_loop_new();
    got_signal = 0;
    assert_int_equal(ev_signal_add(loop, SIGUSR1, on_usr1, NULL), 0);
    kill(getpid(), SIGUSR1);
    ev_run(loop);
    assert_int_equal(got_signal, SIGUSR1);
    ev_loop_free(loop);
}

static int child_code, child_status, children_done;

static void on_child(struct ev_loop *loop, struct ev_child *c, int code, int status)
{
    child_code = code;
    child_status = status;
    if (++children_done == (int)(intptr_t)c->arg)
        ev_stop(loop);
}

static void loop_reaps_children(void **state)
{
    struct ev_loop *loop = ev_loop_new();
    struct ev_child c;
    struct ev_spawn_opts o = {.quiet = 1};
    char *argv[] = {"/bin/sh", "-c", "exit 7", NULL};
    children_done = 0;
    assert_int_equal(ev_child_spawn(loop, &c, argv, &o, on_child, (void *)1), 0);
    assert_true(ev_child_running(&c));
    ev_run(loop);
    assert_false(ev_child_running(&c));
    assert_int_equal(child_code, CLD_EXITED);
    assert_int_equal(child_status, 7);

    char *sleeper[] = {"/bin/sleep", "30", NULL};
    assert_int_equal(ev_child_spawn(loop, &c, sleeper, &o, on_child, (void *)2), 0);
    assert_int_equal(ev_child_kill(&c, SIGKILL), 0);
    ev_run(loop);
    assert_int_equal(child_code, CLD_KILLED);
    assert_int_equal(child_status, SIGKILL);

    char *missing[] = {"/nonexistent/haplane-test", NULL};
    assert_int_equal(ev_child_spawn(loop, &c, missing, &o, on_child, (void *)3), 0);
    ev_run(loop);
    assert_int_equal(child_status, 127);

    char *bare[] = {"sh", "-c", "exit 0", NULL}; /* no PATH search: ./sh */
    assert_int_equal(ev_child_spawn(loop, &c, bare, &o, on_child, (void *)4), 0);
    ev_run(loop);
    assert_int_equal(child_status, 127);
    ev_loop_free(loop);
}

/* The shell command behind child_starts_clean: each check exits with its
 * own code, so a failure says which one. LEAK is the leaked fd. */
#define CLEAN_CHECKS                                                                               \
    "test \"$(ulimit -n)\" = 500 || exit 11; "                                                     \
    "test \"$(tr '\\0' ' ' </proc/$$/environ)\" = 'ONLY=1 ' || exit 12; "                          \
    "grep -Eq '^SigIgn:[[:space:]]+0+$' /proc/self/status || exit 13; "                            \
    "grep -Eq '^SigBlk:[[:space:]]+0+$' /proc/self/status || exit 14; "                            \
    "test ! -e /proc/$$/fd/$LEAK || exit 15; "                                                     \
    "test \"$(readlink /proc/$$/fd/0)\" = /dev/null || exit 16; "                                  \
    "chrt -p $$ | grep -q SCHED_OTHER || exit 17; "                                                \
    "exit 0"

/* Whatever the parent's state (SIGPIPE ignored, a signal blocked, the fd
 * limit raised after it was saved, an fd without O_CLOEXEC, realtime
 * scheduling), the child
 * starts clean and gets opts->envp as its whole environment. */
static void child_starts_clean(void **state)
{
    struct rlimit orig, low;
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &orig), 0);
    if (orig.rlim_max <= 500)
        skip();
    low = (struct rlimit){500, orig.rlim_max};
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
    ev_child_save_limits();
    struct rlimit high = {orig.rlim_max, orig.rlim_max};
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &high), 0);
    signal(SIGPIPE, SIG_IGN);
    sigset_t usr2;
    sigemptyset(&usr2);
    sigaddset(&usr2, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &usr2, NULL);
    /* global_defs realtime; needs root (else the check passes trivially) */
    struct sched_param rt = {.sched_priority = 1};
    int was_rt = sched_setscheduler(0, SCHED_RR, &rt) == 0;
    int leak = open("/dev/null", O_RDONLY); /* no O_CLOEXEC */
    assert_true(leak > 2);
    char cmd[1024], env_only[32];
    snprintf(cmd, sizeof(cmd), "LEAK=%d; %s", leak, CLEAN_CHECKS);
    snprintf(env_only, sizeof(env_only), "ONLY=1");
    char *argv[] = {"sh", "-c", cmd, NULL};
    char *envp[] = {env_only, NULL};
    struct ev_spawn_opts o = {.quiet = 1, .file = "/bin/sh", .envp = envp};

    struct ev_loop *loop = ev_loop_new();
    struct ev_child c;
    children_done = 0;
    assert_int_equal(ev_child_spawn(loop, &c, argv, &o, on_child, (void *)1), 0);
    ev_run(loop);
    ev_loop_free(loop);
    close(leak);
    if (was_rt) {
        struct sched_param other = {.sched_priority = 0};
        sched_setscheduler(0, SCHED_OTHER, &other);
    }
    pthread_sigmask(SIG_UNBLOCK, &usr2, NULL);
    signal(SIGPIPE, SIG_DFL);
    setrlimit(RLIMIT_NOFILE, &orig);
    assert_int_equal(child_code, CLD_EXITED);
    assert_int_equal(child_status, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(heap_orders_by_deadline),
        cmocka_unit_test(heap_ties_pop_in_arming_order),
        cmocka_unit_test(heap_remove_middle_keeps_order),
        cmocka_unit_test(loop_timers_fire_in_deadline_order),
        cmocka_unit_test(precise_loop_timers_fire_in_deadline_order),
        cmocka_unit_test(loop_stopped_watcher_gets_no_stale_event),
        cmocka_unit_test(loop_delivers_signals),
        cmocka_unit_test(loop_reaps_children),
        cmocka_unit_test(child_starts_clean),
    };
    return cmocka_run_group_tests_name("ev", tests, NULL, NULL);
}
