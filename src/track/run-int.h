/* track run: one child process with a deadline, keepalived's kill sequence.
 *
 * At the deadline the child's process group gets SIGTERM, 2 s later SIGKILL
 * (keepalived 2.2.7 vrrp_script_child_thread); if the leader dies of our
 * SIGTERM the rest of its group gets SIGKILL at once. The owner hears the
 * outcome once (exited, signalled or timed out: at the deadline itself, not
 * when the child is finally gone) and then, always last, TRACK_RUN_REAPED
 * when the child has been reaped; it may free the run from that call.
 */
#ifndef HAPLANE_TRACK_RUN_INT_H
#define HAPLANE_TRACK_RUN_INT_H

#include <stdint.h>

#include "ev/ev.h"

enum track_run_end {
    TRACK_RUN_EXITED,   /* code = exit status */
    TRACK_RUN_SIGNALED, /* code = signal (not sent by us) */
    TRACK_RUN_TIMEDOUT, /* code = 0; the child is being killed */
    TRACK_RUN_REAPED,   /* code = 0; always the last call */
};

struct track_run;
typedef void (*track_run_cb)(struct track_run *r, enum track_run_end how, int code);

/* Embedded in its owner; zero-initialise. */
struct track_run {
    struct ev_loop *loop;
    struct ev_child child;
    struct ev_timer timer;
    int phase; /* 0 idle, 1 running, 2 SIGTERM sent, 3 SIGKILL sent */
    int quiet; /* outcome already delivered or not wanted */
    uint64_t started_ns;
    uint64_t ended_ns; /* outcome time (exit, or the deadline) */
    track_run_cb cb;
    void *arg;
};

#define TRACK_RUN_TERM_GRACE_MS 2000u

/* Start argv with opts, timed out after timeout_ms (0: never). argv[0] is
 * resolved by track_resolve and the command gets track_envp (opts->file
 * and opts->envp are ignored). Returns 0, or -1 with errno (ENOENT: not
 * found; fork, pidfd). r must be idle (not busy). */
int track_run_start(struct track_run *r, struct ev_loop *loop, char *const argv[],
                    const struct ev_spawn_opts *opts, uint64_t timeout_ms, track_run_cb cb,
                    void *arg);

/* A child is still to be reaped. */
static inline int track_run_busy(const struct track_run *r)
{
    return r->phase != 0;
}

/* SIGKILL the group now without an outcome; TRACK_RUN_REAPED still follows
 * when the child is gone. No-op when idle. */
void track_run_abort(struct track_run *r);

/* Forget the child: stop the watchers and close its pidfd, without killing
 * it (kill_first: SIGKILL its group and wait up to wait_ms for it to be
 * reaped first). No callback follows. Used when the owner goes away. */
void track_run_detach(struct track_run *r, int kill_first, unsigned wait_ms);

/* "exit 3", "killed by signal 9 (Killed)", "timed out after 1000 ms". Pure. */
void track_run_end_str(enum track_run_end how, int code, uint64_t timeout_ms, char *buf,
                       size_t len);

#endif
