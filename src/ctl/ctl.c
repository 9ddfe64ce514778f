/* ctl: see ctl.h. */
#include "ctl/ctl.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define CTL_LINE_MAX     512
#define CTL_SPARE        "/dev/null"
#define CTL_ACCEPT_BATCH 64

/* One connection: read a line, then write the reply, then close. */
struct ctl_client {
    struct ctl *ctl;
    int slot;
    int fd;
    uint64_t seq;   /* order of acceptance */
    pid_t pid;      /* the peer process (SO_PEERCRED); 0 when unknown */
    bool answering; /* the line came; the reply is being written */
    struct ev_io io;
    struct ev_timer timeout;
    char line[CTL_LINE_MAX];
    size_t line_len;
    struct sbuf reply;
    size_t sent;
};

static int fill_addr(struct sockaddr_un *sa, const char *path, char *err, size_t errlen)
{
    memset(sa, 0, sizeof(*sa));
    sa->sun_family = AF_UNIX;
    if (strlen(path) >= sizeof(sa->sun_path)) {
        snprintf(err, errlen, "control socket path too long (max %zu): %s",
                 sizeof(sa->sun_path) - 1, path);
        return -1;
    }
    strcpy(sa->sun_path, path);
    return 0;
}

/* Take the spare fd back when it was given up (EMFILE) and one is free. */
static void spare_reserve(struct ctl *c)
{
    if (c->spare < 0)
        c->spare = open(CTL_SPARE, O_RDONLY | O_CLOEXEC);
}

static void client_free(struct ctl_client *cl)
{
    struct ctl *c = cl->ctl;
    ev_io_stop(c->loop, &cl->io);
    ev_timer_stop(c->loop, &cl->timeout);
    close(cl->fd);
    sbuf_free(&cl->reply);
    c->clients[cl->slot] = NULL;
    free(cl);
    spare_reserve(c);
}

static void client_write(struct ctl_client *cl)
{
    while (cl->sent < cl->reply.len) {
        ssize_t n = send(cl->fd, cl->reply.buf + cl->sent, cl->reply.len - cl->sent, MSG_NOSIGNAL);
        if (n < 0 && errno == EAGAIN) {
            ev_io_modify(cl->ctl->loop, &cl->io, EPOLLOUT);
            return;
        }
        if (n <= 0)
            break;
        cl->sent += (size_t)n;
    }
    client_free(cl);
}

static void on_client_timeout(struct ev_loop *loop, struct ev_timer *t)
{
    struct ctl_client *cl = t->arg;
    cl->ctl->timed_out++;
    client_free(cl);
}

static void client_answer(struct ctl_client *cl)
{
    cl->answering = true;
    ev_timer_stop(cl->ctl->loop, &cl->timeout);
    ev_timer_start(cl->ctl->loop, &cl->timeout, CTL_WRITE_MS * NS_PER_MS, on_client_timeout, cl);
    cl->line[cl->line_len] = 0;
    char *nl = strpbrk(cl->line, "\r\n");
    if (nl)
        *nl = 0;
    cl->ctl->requests++;
    cl->ctl->handler(cl->line, &cl->reply, cl->ctl->arg);
    if (cl->reply.failed) {
        sbuf_reset(&cl->reply);
        sbuf_puts(&cl->reply, "error: out of memory\n");
    }
    client_write(cl);
}

static void on_client(struct ev_loop *loop, struct ev_io *io, uint32_t events)
{
    struct ctl_client *cl = io->arg;
    if (events & EPOLLOUT) {
        client_write(cl);
        return;
    }
    ssize_t n = recv(cl->fd, cl->line + cl->line_len, sizeof(cl->line) - 1 - cl->line_len, 0);
    if (n < 0 && errno == EAGAIN)
        return;
    if (n <= 0) { /* closed before a full line: answer what we have, if any */
        if (cl->line_len == 0) {
            client_free(cl);
            return;
        }
    } else {
        cl->line_len += (size_t)n;
        if (!memchr(cl->line, '\n', cl->line_len) && cl->line_len < sizeof(cl->line) - 1)
            return;
    }
    client_answer(cl);
}

/* Slots held by the process that holds cl. */
static int held_by(const struct ctl *c, const struct ctl_client *cl)
{
    int n = 0;
    for (int i = 0; i < CTL_MAX_CLIENTS; i++)
        n += c->clients[i] && c->clients[i]->pid == cl->pid;
    return n;
}

/* A free slot; when none is, the oldest client still waiting for its
 * request line is closed (counted as evicted) and its slot returned, so
 * that idle connections cannot lock the operator out. The oldest is taken
 * among the clients of the process holding the most slots: one that
 * reconnects as soon as it is closed only ever pushes out its own
 * connections, not an operator's that is about to send its line. -1:
 * every client is being answered. */
static int take_slot(struct ctl *c)
{
    struct ctl_client *victim = NULL;
    int victim_held = 0;

    for (int i = 0; i < CTL_MAX_CLIENTS; i++) {
        struct ctl_client *cl = c->clients[i];
        if (!cl)
            return i;
        if (cl->answering)
            continue;
        int held = held_by(c, cl);
        if (!victim || held > victim_held || (held == victim_held && cl->seq < victim->seq)) {
            victim = cl;
            victim_held = held;
        }
    }
    if (!victim)
        return -1;
    int slot = victim->slot;
    c->evicted++;
    client_free(victim);
    return slot;
}

/* Serve accepted connection fd (owned from here on). Its request is often
 * in the socket already: it is read at once, before later connections
 * could push it out. */
static void client_new(struct ctl *c, int fd)
{
    int slot = take_slot(c);
    struct ctl_client *cl = slot >= 0 ? calloc(1, sizeof(*cl)) : NULL;
    if (!cl || ev_io_start(c->loop, &cl->io, fd, EPOLLIN, on_client, cl) < 0) {
        free(cl);
        c->rejected++;
        close(fd);
        return;
    }
    cl->ctl = c;
    cl->slot = slot;
    cl->fd = fd;
    cl->seq = ++c->seq;
    struct ucred cred;
    socklen_t credlen = sizeof(cred);
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &credlen) == 0)
        cl->pid = cred.pid;
    sbuf_init(&cl->reply);
    c->clients[slot] = cl;
    ev_timer_start(c->loop, &cl->timeout, CTL_IDLE_MS * NS_PER_MS, on_client_timeout, cl);
    on_client(c->loop, &cl->io, EPOLLIN);
}

static void on_accept(struct ev_loop *loop, struct ev_io *io, uint32_t events);

static void on_backoff(struct ev_loop *loop, struct ev_timer *t)
{
    struct ctl *c = t->arg;
    spare_reserve(c);
    if (ev_io_start(loop, &c->io, c->fd, EPOLLIN, on_accept, c) < 0)
        ev_timer_start(loop, &c->backoff, CTL_BACKOFF_MS * NS_PER_MS, on_backoff, c);
}

/* accept failed with err (EMFILE, ENFILE, ENOBUFS, ENOMEM, ...). The
 * listener is level-triggered: a waiting connection would wake the loop
 * again at once, forever. So the spare fd is given up to take one waiting
 * client (served if it can be), the listener pauses for CTL_BACKOFF_MS,
 * and a rate-limited line says so. */
static void accept_failed(struct ctl *c, int err)
{
    int fd = -1;

    c->accept_errors++;
    if ((err == EMFILE || err == ENFILE) && c->spare >= 0) {
        close(c->spare);
        c->spare = -1;
        fd = accept4(c->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    }
    ev_io_stop(c->loop, &c->io);
    ev_timer_start(c->loop, &c->backoff, CTL_BACKOFF_MS * NS_PER_MS, on_backoff, c);
    log_rl(&c->rl, ev_now(c->loop) / NS_PER_MS, LOG_WARN, "ctl", c->path,
           "accept: %s; not accepting for %d ms%s", strerror(err), CTL_BACKOFF_MS,
           fd >= 0 ? " (one waiting client is served with the spare descriptor)" : "");
    if (fd >= 0)
        client_new(c, fd); /* the spare is taken back when it closes */
    else
        spare_reserve(c);
}

/* At most CTL_ACCEPT_BATCH connections per wakeup: a flood of connections
 * waits for the next iteration, after the timers (VRRP) have run. */
static void on_accept(struct ev_loop *loop, struct ev_io *io, uint32_t events)
{
    struct ctl *c = io->arg;

    for (int n = 0; n < CTL_ACCEPT_BATCH; n++) {
        int fd = accept4(c->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0) {
            client_new(c, fd);
            continue;
        }
        if (errno == EINTR || errno == ECONNABORTED)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            accept_failed(c, errno);
        return;
    }
}

/* Is something answering on path? */
static int socket_alive(const struct sockaddr_un *sa)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return 0;
    int alive = connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0;
    close(fd);
    return alive;
}

static int make_parent_dir(const char *path, char *err, size_t errlen)
{
    char *copy = strdup(path);
    if (!copy) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    const char *dir = dirname(copy);
    int rc = 0;
    if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
        snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
        rc = -1;
    }
    free(copy);
    return rc;
}

/* bind() creates the socket file with the socket inode's mode minus the
 * umask (Linux unix_bind); a fresh socket's mode is 0777, so the file would
 * be open to everyone until the chmod after it. The mode is set on the
 * socket first, so the file is never more open than 0660. */
static int bind_private(int fd, const struct sockaddr_un *sa)
{
    if (fchmod(fd, 0660) < 0)
        return -1;
    return bind(fd, (const struct sockaddr *)sa, sizeof(*sa));
}

int ctl_open(struct ctl *c, struct ev_loop *loop, const char *path, ctl_handler h, void *arg,
             char *err, size_t errlen)
{
    struct sockaddr_un sa;
    memset(c, 0, sizeof(*c));
    c->fd = c->spare = -1;
    if (fill_addr(&sa, path, err, errlen) < 0 || make_parent_dir(path, err, errlen) < 0)
        return -1;
    if (socket_alive(&sa)) {
        snprintf(err, errlen, "control socket %s is in use by a running daemon", path);
        return -1;
    }
    unlink(path);
    c->spare = open(CTL_SPARE, O_RDONLY | O_CLOEXEC);
    c->rl.interval_ms = 10000;
    c->rl.burst = 1;
    c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0 || bind_private(c->fd, &sa) < 0 || chmod(path, 0660) < 0 ||
        listen(c->fd, 64) < 0) {
        snprintf(err, errlen, "control socket %s: %s", path, strerror(errno));
        goto fail;
    }
    c->path = strdup(path);
    c->loop = loop;
    c->handler = h;
    c->arg = arg;
    if (!c->path || ev_io_start(loop, &c->io, c->fd, EPOLLIN, on_accept, c) < 0) {
        snprintf(err, errlen, "control socket %s: %s", path, strerror(errno));
        goto fail;
    }
    return 0;
fail:
    if (c->fd >= 0)
        close(c->fd);
    if (c->spare >= 0)
        close(c->spare);
    c->fd = c->spare = -1;
    free(c->path);
    c->path = NULL;
    return -1;
}

void ctl_close(struct ctl *c)
{
    if (c->fd < 0)
        return;
    for (int i = 0; i < CTL_MAX_CLIENTS; i++)
        if (c->clients[i])
            client_free(c->clients[i]);
    ev_io_stop(c->loop, &c->io);
    ev_timer_stop(c->loop, &c->backoff);
    close(c->fd);
    if (c->spare >= 0)
        close(c->spare);
    c->fd = c->spare = -1;
    unlink(c->path);
    free(c->path);
    c->path = NULL;
}

int ctl_request(const char *path, const char *cmd, struct sbuf *out, char *err, size_t errlen)
{
    struct sockaddr_un sa;
    if (fill_addr(&sa, path, err, errlen) < 0)
        return -1;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        snprintf(err, errlen,
                 "cannot reach the daemon at %s: %s (is haplane running? see "
                 "--control)",
                 path, strerror(errno));
        goto fail;
    }
    struct sbuf req;
    sbuf_init(&req);
    sbuf_printf(&req, "%s\n", cmd);
    int ok = send(fd, req.buf, req.len, MSG_NOSIGNAL) == (ssize_t)req.len;
    sbuf_free(&req);
    if (!ok) {
        snprintf(err, errlen, "control socket %s: send: %s", path, strerror(errno));
        goto fail;
    }
    char buf[4096];
    for (;;) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 10000) <= 0) {
            snprintf(err, errlen, "control socket %s: no reply within 10 s", path);
            goto fail;
        }
        ssize_t n = recv(fd, buf, sizeof(buf), 0);
        if (n < 0) {
            snprintf(err, errlen, "control socket %s: %s", path, strerror(errno));
            goto fail;
        }
        if (n == 0)
            break;
        sbuf_add(out, buf, (size_t)n);
    }
    close(fd);
    return 0;
fail:
    if (fd >= 0)
        close(fd);
    return -1;
}
