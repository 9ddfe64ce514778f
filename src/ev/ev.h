/* ev: the event loop. epoll for file descriptors, a min-heap of timers on the
 * monotonic clock, signals through signalfd, child processes through pidfd.
 *
 * One loop per thread: the main thread runs VRRP, checks and control; each
 * proxy worker runs its own. Watchers (struct ev_io, ev_timer, ev_child) are
 * owned by the caller and embedded in the caller's objects: the loop never
 * allocates or frees them. A watcher may be stopped from any callback,
 * including its own and including one that is still pending in the current
 * epoll batch: the loop drops the stale event.
 */
#ifndef HAPLANE_EV_EV_H
#define HAPLANE_EV_EV_H

#include <signal.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/types.h>

#include "ev/heap.h"

struct ev_loop;
struct ev_io;
struct ev_timer;
struct ev_child;

typedef void (*ev_io_cb)(struct ev_loop *loop, struct ev_io *io, uint32_t events);
typedef void (*ev_timer_cb)(struct ev_loop *loop, struct ev_timer *t);
typedef void (*ev_signal_cb)(struct ev_loop *loop, int signo, void *arg);
/* status is as from waitid: si_code CLD_EXITED (status = exit code) or
 * CLD_KILLED/CLD_DUMPED (status = signal number). */
typedef void (*ev_child_cb)(struct ev_loop *loop, struct ev_child *c, int si_code, int status);

struct ev_io {
    int fd;
    uint32_t events; /* EPOLLIN | EPOLLOUT | ... as registered */
    int active;
    ev_io_cb cb;
    void *arg;
};

struct ev_timer {
    struct ev_heap_node node;
    ev_timer_cb cb;
    void *arg;
};

struct ev_child {
    pid_t pid;
    int pidfd;
    int running; /* spawned and not yet reaped */
    struct ev_io io;
    ev_child_cb cb;
    void *arg;
};

#define NS_PER_MS 1000000ULL
#define NS_PER_S  1000000000ULL

/* Create a loop. Returns NULL with errno set. */
struct ev_loop *ev_loop_new(void);
/* Fire timers on time to the microsecond (a timerfd) instead of through
 * epoll_wait's millisecond timeout, which the kernel also lets run late by
 * 0.1 %. For the main loop (VRRP timers); proxy workers, whose timers are
 * coarse and change with every connection, keep the cheaper default.
 * 0, or -1 with errno. */
int ev_loop_set_precise(struct ev_loop *loop);
/* Free the loop; watchers still registered are forgotten, not closed. */
void ev_loop_free(struct ev_loop *loop);
/* Run until ev_stop. Returns 0, or -1 if epoll_wait fails (errno set). */
int ev_run(struct ev_loop *loop);
/* Make ev_run return after the current iteration. */
void ev_stop(struct ev_loop *loop);
/* Monotonic time in ns, cached at the start of each iteration. */
uint64_t ev_now(const struct ev_loop *loop);
/* Current monotonic time (a clock read). */
uint64_t ev_clock_ns(void);

/* Watch fd for events (EPOLLIN, EPOLLOUT, ...). -1 with errno on failure. */
int ev_io_start(struct ev_loop *loop, struct ev_io *io, int fd, uint32_t events, ev_io_cb cb,
                void *arg);
int ev_io_modify(struct ev_loop *loop, struct ev_io *io, uint32_t events);
/* Stop watching; the caller still owns (and closes) the fd. */
void ev_io_stop(struct ev_loop *loop, struct ev_io *io);

/* Arm t to fire after `after_ns` (re-arms if already armed). */
int ev_timer_start(struct ev_loop *loop, struct ev_timer *t, uint64_t after_ns, ev_timer_cb cb,
                   void *arg);
/* Arm t at an absolute monotonic deadline. */
int ev_timer_start_at(struct ev_loop *loop, struct ev_timer *t, uint64_t when_ns, ev_timer_cb cb,
                      void *arg);
void ev_timer_stop(struct ev_loop *loop, struct ev_timer *t);
static inline int ev_timer_active(const struct ev_timer *t)
{
    return t->node.slot != 0;
}

/* Deliver signo through the loop instead of an asynchronous handler. The
 * signal is blocked in the calling thread: call before starting threads so
 * they inherit the mask. One callback per signal. */
int ev_signal_add(struct ev_loop *loop, int signo, ev_signal_cb cb, void *arg);

/* Options for ev_child_spawn. Zero-initialise. */
struct ev_spawn_opts {
    uid_t uid; /* drop to uid/gid when set_ids */
    gid_t gid;
    int set_ids;
    int quiet;         /* stdout and stderr to /dev/null too */
    const char *file;  /* the program, a path (NULL: argv[0]); never searched in PATH */
    char *const *envp; /* its whole environment (NULL: an empty one) */
};

/* Record the soft RLIMIT_NOFILE the process started with, for children.
 * Call once at start, before anything raises it (the proxy does). */
void ev_child_save_limits(void);

/* Start opts->file (or argv[0]) with argv and opts->envp, in its own process
 * group, with a clean start whatever the daemon's own state: every signal
 * at its default disposition and none blocked, stdin from /dev/null, no fd
 * above 2 open, RLIMIT_NOFILE back to the soft limit saved by
 * ev_child_save_limits (1024 when not saved), the normal scheduling policy
 * (not the daemon's realtime one), then the ids of opts. A child that
 * cannot be set up exits 126; one whose exec fails exits 127. c is filled
 * and watched; cb runs once when the child exits (the child is reaped by
 * then). -1 with errno on failure (fork, pidfd). */
int ev_child_spawn(struct ev_loop *loop, struct ev_child *c, char *const argv[],
                   const struct ev_spawn_opts *opts, ev_child_cb cb, void *arg);
/* Send sig to the child's process group (the script and what it started). */
int ev_child_kill(struct ev_child *c, int sig);
static inline int ev_child_running(const struct ev_child *c)
{
    return c->running;
}

#endif
