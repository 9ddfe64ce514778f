/* track run: see run.h. */
#include "track/run-int.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "track/cmd-int.h"

#define KILL_STUCK_MS 10000u

static void on_timer(struct ev_loop *loop, struct ev_timer *tm);

static void on_child(struct ev_loop *loop, struct ev_child *c, int si_code, int status)
{
    struct track_run *r = c->arg;
    int phase = r->phase;
    ev_timer_stop(loop, &r->timer);
    r->phase = 0;
    /* Timed out (or aborted) and the leader is gone: finish off what it
     * started (keepalived does so after its SIGTERM). The group id cannot be
     * reused while members remain. */
    if (phase >= 2)
        kill(-c->pid, SIGKILL);
    if (!r->quiet) {
        r->quiet = 1;
        r->ended_ns = ev_clock_ns();
        if (si_code == CLD_EXITED)
            r->cb(r, TRACK_RUN_EXITED, status);
        else
            r->cb(r, TRACK_RUN_SIGNALED, status);
    }
    r->cb(r, TRACK_RUN_REAPED, 0); /* may free r */
}

int track_run_start(struct track_run *r, struct ev_loop *loop, char *const argv[],
                    const struct ev_spawn_opts *opts, uint64_t timeout_ms, track_run_cb cb,
                    void *arg)
{
    if (r->phase) {
        errno = EBUSY;
        return -1;
    }
    char exe[PATH_MAX];
    if (track_resolve(argv[0], exe, sizeof(exe)) < 0)
        return -1;
    struct ev_spawn_opts o = *opts;
    o.file = exe;
    o.envp = track_envp;
    r->loop = loop;
    r->cb = cb;
    r->arg = arg;
    r->quiet = 0;
    r->started_ns = ev_clock_ns();
    r->ended_ns = 0;
    if (ev_child_spawn(loop, &r->child, argv, &o, on_child, r) < 0)
        return -1;
    r->phase = 1;
    if (timeout_ms && ev_timer_start(loop, &r->timer, timeout_ms * NS_PER_MS, on_timer, r) < 0) {
        int e = errno;
        track_run_detach(r, 1, 100);
        errno = e;
        return -1;
    }
    return 0;
}

static void on_timer(struct ev_loop *loop, struct ev_timer *tm)
{
    struct track_run *r = tm->arg;
    switch (r->phase) {
    case 1:
        r->phase = 2;
        ev_child_kill(&r->child, SIGTERM);
        ev_timer_start(loop, &r->timer, TRACK_RUN_TERM_GRACE_MS * NS_PER_MS, on_timer, r);
        if (!r->quiet) {
            r->quiet = 1;
            r->ended_ns = ev_clock_ns();
            r->cb(r, TRACK_RUN_TIMEDOUT, 0);
        }
        break;
    case 2:
        r->phase = 3;
        ev_child_kill(&r->child, SIGKILL);
        ev_timer_start(loop, &r->timer, KILL_STUCK_MS * NS_PER_MS, on_timer, r);
        break;
    default:
        log_warn("track", NULL, "pid %d still not gone %u ms after SIGKILL", (int)r->child.pid,
                 KILL_STUCK_MS);
        break;
    }
}

void track_run_abort(struct track_run *r)
{
    if (!r->phase)
        return;
    r->quiet = 1;
    ev_child_kill(&r->child, SIGKILL);
    if (r->phase < 3) {
        r->phase = 3;
        ev_timer_start(r->loop, &r->timer, KILL_STUCK_MS * NS_PER_MS, on_timer, r);
    }
}

void track_run_detach(struct track_run *r, int kill_first, unsigned wait_ms)
{
    if (!r->phase)
        return;
    ev_timer_stop(r->loop, &r->timer);
    struct ev_child *c = &r->child;
    if (kill_first) {
        ev_child_kill(c, SIGKILL);
        struct pollfd p = {.fd = c->pidfd, .events = POLLIN};
        if (poll(&p, 1, (int)wait_ms) == 1) {
            siginfo_t si;
            memset(&si, 0, sizeof(si));
            waitid((idtype_t)P_PIDFD, (id_t)c->pidfd, &si, WEXITED | WNOHANG);
        }
    }
    ev_io_stop(r->loop, &c->io);
    close(c->pidfd);
    c->pidfd = -1;
    c->running = 0;
    r->phase = 0;
    r->quiet = 1;
}

void track_run_end_str(enum track_run_end how, int code, uint64_t timeout_ms, char *buf, size_t len)
{
    switch (how) {
    case TRACK_RUN_EXITED:
        snprintf(buf, len, "exit %d", code);
        break;
    case TRACK_RUN_SIGNALED:
        snprintf(buf, len, "killed by signal %d (%s)", code, strsignal(code));
        break;
    case TRACK_RUN_TIMEDOUT:
        snprintf(buf, len, "timed out after %llu ms", (unsigned long long)timeout_ms);
        break;
    case TRACK_RUN_REAPED:
        snprintf(buf, len, "reaped");
        break;
    }
}
