/* sdnotify: see sdnotify.h. The wire format is sd_notify(3)'s: one
 * datagram of "KEY=VALUE" lines to the AF_UNIX socket named by
 * NOTIFY_SOCKET; the service manager learns our pid from the socket's
 * credentials, so nothing else is needed. */
#include "sdnotify/sdnotify.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "sdnotify/msg.h"

#define REFRESH_NS NS_PER_S

static void drop_env(void)
{
    unsetenv("NOTIFY_SOCKET");
    unsetenv("WATCHDOG_USEC");
    unsetenv("WATCHDOG_PID");
}

void sdn_init(struct sdn *n)
{
    const char *sock = getenv("NOTIFY_SOCKET");
    char err[256];
    memset(n, 0, sizeof(*n));
    n->fd = -1;
    if (!sock) {
        drop_env();
        return;
    }
    if (sdn_addr_parse(sock, &n->addr, &n->addrlen, err, sizeof(err)) < 0) {
        log_warn("sd", NULL, "%s: not notifying the service manager", err);
        drop_env();
        return;
    }
    int wd = sdn_watchdog_interval(getenv("WATCHDOG_USEC"), getenv("WATCHDOG_PID"), getpid(),
                                   &n->watchdog_ns, err, sizeof(err));
    if (wd < 0)
        log_warn("sd", NULL, "%s: no watchdog pings", err);
    if (wd <= 0)
        n->watchdog_ns = 0;
    n->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (n->fd < 0)
        log_warn("sd", NULL, "notify socket: %m: not notifying the service manager");
    else if (n->watchdog_ns)
        log_info("sd", NULL, "notifying the service manager at %s, watchdog ping every %.3f s",
                 sock, (double)n->watchdog_ns / NS_PER_S);
    else
        log_info("sd", NULL, "notifying the service manager at %s", sock);
    drop_env(); /* sock points into the environment: last */
}

/* One datagram. Never blocks the loop: if the manager's queue is full the
 * message is lost (and said so). */
static void send_msg(struct sdn *n, const char *msg)
{
    if (n->fd < 0)
        return;
    ssize_t r;
    do
        r = sendto(n->fd, msg, strlen(msg), MSG_DONTWAIT | MSG_NOSIGNAL,
                   (const struct sockaddr *)&n->addr, n->addrlen);
    while (r < 0 && errno == EINTR);
    if (r < 0 && !n->failing)
        log_warn("sd", NULL, "cannot notify the service manager: %m (logged once until it works)");
    else if (r >= 0 && n->failing)
        log_info("sd", NULL, "notifying the service manager works again");
    n->failing = r < 0;
    if (r >= 0)
        log_debug("sd", NULL, "sent %.*s", (int)strcspn(msg, "\n"), msg);
}

/* The current summary as "STATUS=..." in buf; 1 when it differs from the
 * last one sent (then remembered as sent). */
static int status_changed(struct sdn *n, char *buf, size_t cap)
{
    struct sbuf line;
    sbuf_init(&line);
    n->status_fn(&line, n->status_arg);
    int len = sdn_fmt_status(buf, cap, sbuf_str(&line));
    sbuf_free(&line);
    if (len < 0 || !strcmp(buf, n->status))
        return 0;
    snprintf(n->status, sizeof(n->status), "%s", buf);
    return 1;
}

static void on_watchdog(struct ev_loop *loop, struct ev_timer *t)
{
    struct sdn *n = t->arg;
    send_msg(n, "WATCHDOG=1");
    ev_timer_start(loop, &n->watchdog, n->watchdog_ns, on_watchdog, n);
}

static void on_refresh(struct ev_loop *loop, struct ev_timer *t)
{
    struct sdn *n = t->arg;
    char buf[sizeof(n->status)];
    if (!n->stopping && status_changed(n, buf, sizeof(buf)))
        send_msg(n, buf);
    ev_timer_start(loop, &n->refresh, REFRESH_NS, on_refresh, n);
}

/* "READY=1\nSTATUS=...", the status sent whether or not it changed. */
static void send_ready(struct sdn *n)
{
    char buf[16 + sizeof(n->status)];
    status_changed(n, buf, sizeof(n->status));
    snprintf(buf, sizeof(buf), "READY=1\n%s", n->status);
    send_msg(n, buf);
}

void sdn_ready(struct sdn *n, struct ev_loop *loop, sdn_status_fn status_fn, void *arg)
{
    if (n->fd < 0)
        return;
    n->loop = loop;
    n->status_fn = status_fn;
    n->status_arg = arg;
    send_ready(n);
    if (n->watchdog_ns && ev_timer_start(loop, &n->watchdog, n->watchdog_ns, on_watchdog, n) < 0)
        log_warn("sd", NULL, "cannot arm the watchdog timer: %m");
    if (ev_timer_start(loop, &n->refresh, REFRESH_NS, on_refresh, n) < 0)
        log_warn("sd", NULL, "cannot arm the status timer: %m");
}

void sdn_reloading(struct sdn *n, uint64_t now_ns)
{
    char buf[64];
    if (n->fd >= 0 && sdn_fmt_reloading(buf, sizeof(buf), now_ns) > 0)
        send_msg(n, buf);
}

void sdn_reloaded(struct sdn *n)
{
    if (n->fd >= 0 && n->loop)
        send_ready(n);
}

void sdn_stopping(struct sdn *n, const char *why)
{
    char buf[16 + sizeof(n->status)];
    if (n->fd < 0 || n->stopping)
        return;
    n->stopping = 1;
    int len = snprintf(buf, sizeof(buf), "STOPPING=1\n");
    sdn_fmt_status(buf + len, sizeof(buf) - (size_t)len, why);
    send_msg(n, buf);
}

void sdn_close(struct sdn *n)
{
    if (n->loop) {
        ev_timer_stop(n->loop, &n->watchdog);
        ev_timer_stop(n->loop, &n->refresh);
        n->loop = NULL;
    }
    if (n->fd >= 0)
        close(n->fd);
    n->fd = -1;
}
