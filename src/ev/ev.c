/* ev: see ev.h. */
#include "ev/ev.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define EV_BATCH 64
#define EV_NSIG  65

struct ev_sig {
    ev_signal_cb cb;
    void *arg;
};

struct ev_loop {
    int epfd;
    int stop;
    uint64_t now;
    struct ev_heap timers;
    /* the batch being dispatched, so that a stopped watcher's pending
     * event can be dropped */
    struct epoll_event batch[EV_BATCH];
    int batch_len, batch_pos;
    /* signals */
    int sigfd;
    sigset_t sigmask;
    struct ev_io sigio;
    struct ev_sig sigs[EV_NSIG];
    /* precise timers (ev_loop_set_precise): wake through a timerfd armed at
     * the earliest deadline, free of epoll_wait's whole-millisecond timeout
     * and its 0.1 % slack (3.6 ms on a 3.6 s VRRP master-down timer) */
    int tfd;           /* -1: epoll_wait timeouts */
    uint64_t tfd_when; /* deadline armed, 0 = disarmed */
    struct ev_io tio;
};

uint64_t ev_clock_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

struct ev_loop *ev_loop_new(void)
{
    struct ev_loop *loop = calloc(1, sizeof(*loop));
    if (!loop)
        return NULL;
    loop->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (loop->epfd < 0) {
        free(loop);
        return NULL;
    }
    loop->sigfd = -1;
    loop->tfd = -1;
    sigemptyset(&loop->sigmask);
    ev_heap_init(&loop->timers);
    loop->now = ev_clock_ns();
    return loop;
}

void ev_loop_free(struct ev_loop *loop)
{
    if (!loop)
        return;
    if (loop->sigfd >= 0)
        close(loop->sigfd);
    if (loop->tfd >= 0)
        close(loop->tfd);
    close(loop->epfd);
    ev_heap_free(&loop->timers);
    free(loop);
}

void ev_stop(struct ev_loop *loop)
{
    loop->stop = 1;
}

uint64_t ev_now(const struct ev_loop *loop)
{
    return loop->now;
}

/* ---- file descriptors ---- */

int ev_io_start(struct ev_loop *loop, struct ev_io *io, int fd, uint32_t events, ev_io_cb cb,
                void *arg)
{
    struct epoll_event ee = {.events = events, .data.ptr = io};
    io->fd = fd;
    io->events = events;
    io->cb = cb;
    io->arg = arg;
    if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ee) < 0)
        return -1;
    io->active = 1;
    return 0;
}

int ev_io_modify(struct ev_loop *loop, struct ev_io *io, uint32_t events)
{
    struct epoll_event ee = {.events = events, .data.ptr = io};
    if (io->events == events)
        return 0;
    if (epoll_ctl(loop->epfd, EPOLL_CTL_MOD, io->fd, &ee) < 0)
        return -1;
    io->events = events;
    return 0;
}

void ev_io_stop(struct ev_loop *loop, struct ev_io *io)
{
    if (!io->active)
        return;
    io->active = 0;
    epoll_ctl(loop->epfd, EPOLL_CTL_DEL, io->fd, NULL);
    /* forget events of this watcher still pending in the current batch */
    for (int i = loop->batch_pos; i < loop->batch_len; i++)
        if (loop->batch[i].data.ptr == io)
            loop->batch[i].data.ptr = NULL;
}

/* ---- timers ---- */

int ev_timer_start_at(struct ev_loop *loop, struct ev_timer *t, uint64_t when_ns, ev_timer_cb cb,
                      void *arg)
{
    ev_heap_remove(&loop->timers, t);
    t->cb = cb;
    t->arg = arg;
    return ev_heap_push(&loop->timers, t, when_ns);
}

int ev_timer_start(struct ev_loop *loop, struct ev_timer *t, uint64_t after_ns, ev_timer_cb cb,
                   void *arg)
{
    return ev_timer_start_at(loop, t, ev_clock_ns() + after_ns, cb, arg);
}

void ev_timer_stop(struct ev_loop *loop, struct ev_timer *t)
{
    ev_heap_remove(&loop->timers, t);
}

/* Fire every timer due by now. A callback may arm, re-arm or stop any timer;
 * a timer re-armed for "now" from its own callback runs in the next
 * iteration, not in this one, so a zero-delay timer cannot starve I/O. */
static void run_timers(struct ev_loop *loop)
{
    uint64_t limit = loop->timers.seq;
    struct ev_timer *t;
    while ((t = ev_heap_top(&loop->timers)) && t->node.when <= loop->now) {
        if (t->node.seq >= limit)
            break;
        ev_heap_pop(&loop->timers);
        t->cb(loop, t);
    }
}

static void on_tfd(struct ev_loop *loop, struct ev_io *io, uint32_t events)
{
    uint64_t n;
    loop->tfd_when = 0; /* expired: re-armed before the next wait */
    while (read(io->fd, &n, sizeof(n)) == (ssize_t)sizeof(n))
        ;
}

int ev_loop_set_precise(struct ev_loop *loop)
{
    if (loop->tfd >= 0)
        return 0;
    int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (fd < 0)
        return -1;
    if (ev_io_start(loop, &loop->tio, fd, EPOLLIN, on_tfd, NULL) < 0) {
        close(fd);
        return -1;
    }
    loop->tfd = fd;
    return 0;
}

/* Precise loops: arm the timerfd at the earliest deadline (or disarm it);
 * epoll_wait then sleeps without a timeout. 0 when a timer is due. */
static int arm_timerfd(struct ev_loop *loop, struct ev_timer *t)
{
    uint64_t when = t ? t->node.when : 0;
    if (when == loop->tfd_when)
        return -1;
    struct itimerspec its = {
        .it_value = {.tv_sec = (time_t)(when / NS_PER_S), .tv_nsec = (long)(when % NS_PER_S)}};
    if (timerfd_settime(loop->tfd, TFD_TIMER_ABSTIME, &its, NULL) < 0)
        return 1; /* cannot happen with a valid fd: poll every ms instead */
    loop->tfd_when = when;
    return -1;
}

static int next_timeout_ms(struct ev_loop *loop)
{
    struct ev_timer *t = ev_heap_top(&loop->timers);
    uint64_t now = ev_clock_ns();
    if (t && t->node.when <= now)
        return 0;
    if (loop->tfd >= 0)
        return arm_timerfd(loop, t);
    if (!t)
        return -1;
    uint64_t ms = (t->node.when - now + NS_PER_MS - 1) / NS_PER_MS;
    return ms > 60000 ? 60000 : (int)ms;
}

/* ---- signals ---- */

static void on_signalfd(struct ev_loop *loop, struct ev_io *io, uint32_t events)
{
    struct signalfd_siginfo si;
    while (read(loop->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
        int s = (int)si.ssi_signo;
        if (s > 0 && s < EV_NSIG && loop->sigs[s].cb)
            loop->sigs[s].cb(loop, s, loop->sigs[s].arg);
    }
}

int ev_signal_add(struct ev_loop *loop, int signo, ev_signal_cb cb, void *arg)
{
    if (signo <= 0 || signo >= EV_NSIG) {
        errno = EINVAL;
        return -1;
    }
    sigaddset(&loop->sigmask, signo);
    if (pthread_sigmask(SIG_BLOCK, &loop->sigmask, NULL) != 0)
        return -1;
    int fd = signalfd(loop->sigfd, &loop->sigmask, SFD_NONBLOCK | SFD_CLOEXEC);
    if (fd < 0)
        return -1;
    if (loop->sigfd < 0) {
        loop->sigfd = fd;
        if (ev_io_start(loop, &loop->sigio, fd, EPOLLIN, on_signalfd, NULL) < 0)
            return -1;
    }
    loop->sigs[signo].cb = cb;
    loop->sigs[signo].arg = arg;
    return 0;
}

/* ---- child processes ---- */

static void on_pidfd(struct ev_loop *loop, struct ev_io *io, uint32_t events)
{
    struct ev_child *c = io->arg;
    siginfo_t si;
    memset(&si, 0, sizeof(si));
    if (waitid((idtype_t)P_PIDFD, (id_t)c->pidfd, &si, WEXITED | WNOHANG) < 0 || si.si_pid == 0)
        return; /* spurious wake-up: not exited yet */
    ev_io_stop(loop, io);
    close(c->pidfd);
    c->pidfd = -1;
    c->running = 0;
    c->cb(loop, c, si.si_code, si.si_status);
}

/* The soft RLIMIT_NOFILE children get (ev_child_save_limits); 0: unknown. */
static rlim_t child_nofile;

#define EV_CHILD_NOFILE_DEFAULT 1024

void ev_child_save_limits(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
        child_nofile = rl.rlim_cur;
}

/* The helpers below run in the child between fork and exec: only
 * async-signal-safe calls (the daemon has threads), no allocation. */

/* Every disposition back to SIG_DFL (an ignored signal stays ignored across
 * exec: SIGPIPE would), before the mask is cleared right before exec. The
 * raw system call, because libc's sigaction refuses its own signals (32 and
 * 33 in glibc), which a parent such as make may have ignored. An all-zero
 * kernel sigaction is SIG_DFL, no flags, an empty mask, whatever the
 * architecture's field order. */
static void child_signals_default(void)
{
    unsigned long ksa[8];
    memset(ksa, 0, sizeof(ksa));
    /* SIGKILL and SIGSTOP fail with EINVAL, and need not be reset */
    for (int s = 1; s < NSIG; s++)
        syscall(SYS_rt_sigaction, s, ksa, NULL, (size_t)(NSIG - 1) / 8);
}

/* stdin (and with quiet stdout, stderr) from /dev/null. -1 on failure. */
static int child_stdio(int quiet)
{
    int fd = open("/dev/null", O_RDWR);
    if (fd < 0)
        return -1;
    if (dup2(fd, 0) < 0 || (quiet && (dup2(fd, 1) < 0 || dup2(fd, 2) < 0)))
        return -1;
    if (fd > 2)
        close(fd);
    return 0;
}

/* Close every fd above 2: close_range, else the entries of /proc/self/fd
 * (read with getdents64 into the stack), else every number up to the soft
 * limit (fds above it cannot have been opened under it). */
static void child_close_fds(void)
{
    if (syscall(SYS_close_range, 3u, ~0u, 0u) == 0)
        return;
    int dir = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0) {
        struct rlimit rl;
        rlim_t max = getrlimit(RLIMIT_NOFILE, &rl) == 0 ? rl.rlim_cur : 65536;
        for (rlim_t fd = 3; fd < max && fd <= INT_MAX; fd++)
            close((int)fd);
        return;
    }
    char buf[4096];
    long n;
    while ((n = syscall(SYS_getdents64, dir, buf, sizeof(buf))) > 0) {
        for (long off = 0; off < n;) {
            struct dirent64 *d = (struct dirent64 *)(buf + off);
            int fd = 0;
            const char *p = d->d_name;
            for (; *p >= '0' && *p <= '9' && fd < INT_MAX / 10; p++)
                fd = fd * 10 + (*p - '0');
            if (!*p && p != d->d_name && fd > 2 && fd != dir)
                close(fd);
            off += d->d_reclen;
        }
    }
    close(dir);
}

/* RLIMIT_NOFILE back to what the daemon started with (the proxy raises
 * it), the hard limit kept; the normal scheduling policy (global_defs
 * realtime would be inherited). Best effort: neither can fail in practice. */
static void child_limits(void)
{
    struct rlimit rl;
    rlim_t want = child_nofile ? child_nofile : EV_CHILD_NOFILE_DEFAULT;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        rl.rlim_cur = want < rl.rlim_max ? want : rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    int policy = sched_getscheduler(0);
    if (policy == SCHED_FIFO || policy == SCHED_RR) {
        struct sched_param sp = {.sched_priority = 0};
        sched_setscheduler(0, SCHED_OTHER, &sp);
    }
}

static void child_exec(char *const argv[], const struct ev_spawn_opts *o)
{
    static const struct ev_spawn_opts none_opts;
    static char *const empty_env[] = {NULL};
    if (!o)
        o = &none_opts;
    child_signals_default();
    setpgid(0, 0);
    if (child_stdio(o->quiet) < 0)
        _exit(126);
    child_close_fds();
    child_limits();
    if (o->set_ids) {
        if (setgroups(0, NULL) < 0 || setgid(o->gid) < 0 || setuid(o->uid) < 0)
            _exit(126);
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    execve(o->file ? o->file : argv[0], argv, o->envp ? o->envp : empty_env);
    _exit(127);
}

int ev_child_spawn(struct ev_loop *loop, struct ev_child *c, char *const argv[],
                   const struct ev_spawn_opts *opts, ev_child_cb cb, void *arg)
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0)
        child_exec(argv, opts);
    /* The child cannot be reaped before we wait for it, so its pid is ours. */
    setpgid(pid, pid);
    int fd = pidfd_open(pid, 0);
    if (fd < 0) {
        int e = errno;
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        errno = e;
        return -1;
    }
    fcntl(fd, F_SETFD, FD_CLOEXEC);
    c->pid = pid;
    c->pidfd = fd;
    c->running = 1;
    c->cb = cb;
    c->arg = arg;
    if (ev_io_start(loop, &c->io, fd, EPOLLIN, on_pidfd, c) < 0) {
        int e = errno;
        kill(-pid, SIGKILL);
        waitpid(pid, NULL, 0);
        close(fd);
        c->running = 0;
        errno = e;
        return -1;
    }
    return 0;
}

int ev_child_kill(struct ev_child *c, int sig)
{
    if (!c->running) {
        errno = ESRCH;
        return -1;
    }
    /* The group first (the script's own children), the leader by pidfd as a
     * fallback if it left its group. */
    if (kill(-c->pid, sig) == 0)
        return 0;
    return (int)syscall(SYS_pidfd_send_signal, c->pidfd, sig, NULL, 0);
}

/* ---- the loop ---- */

static void dispatch(struct ev_loop *loop)
{
    for (loop->batch_pos = 0; loop->batch_pos < loop->batch_len;) {
        struct epoll_event *e = &loop->batch[loop->batch_pos++];
        struct ev_io *io = e->data.ptr;
        if (io)
            io->cb(loop, io, e->events);
    }
    loop->batch_len = loop->batch_pos = 0;
}

int ev_run(struct ev_loop *loop)
{
    loop->stop = 0;
    while (!loop->stop) {
        int n = epoll_wait(loop->epfd, loop->batch, EV_BATCH, next_timeout_ms(loop));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        loop->now = ev_clock_ns();
        loop->batch_len = n;
        dispatch(loop);
        if (loop->stop)
            break;
        loop->now = ev_clock_ns();
        run_timers(loop);
    }
    return 0;
}
