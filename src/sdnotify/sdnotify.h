/* sdnotify: tell the service manager (systemd, Type=notify) how the daemon
 * is doing, over the datagram protocol of sd_notify(3), spoken here
 * directly (no libsystemd): READY=1 when start-up (or a reload) is done,
 * RELOADING=1 when a reload starts, STOPPING=1 on the way out, a one-line
 * STATUS= when it changes, and WATCHDOG=1 pings from the main loop, so a
 * loop that stops turning stops the pings and systemd restarts the
 * daemon. Without NOTIFY_SOCKET every call does nothing. Main thread only.
 */
#ifndef HAPLANE_SDNOTIFY_SDNOTIFY_H
#define HAPLANE_SDNOTIFY_SDNOTIFY_H

#include <stdint.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "ev/ev.h"
#include "util/sbuf.h"

/* Writes the one-line summary for STATUS= ("vi MASTER, apiserver 3/3
 * servers up") into out. */
typedef void (*sdn_status_fn)(struct sbuf *out, void *arg);

struct sdn {
    int fd; /* -1: nobody to notify */
    struct sockaddr_un addr;
    socklen_t addrlen;
    uint64_t watchdog_ns; /* ping interval; 0: no watchdog */
    struct ev_loop *loop; /* set by sdn_ready */
    struct ev_timer watchdog, refresh;
    sdn_status_fn status_fn;
    void *status_arg;
    char status[256]; /* the last STATUS= sent */
    int failing;      /* the last send failed (logged once until one works) */
    int stopping;     /* STOPPING=1 sent */
};

/* Read NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID, then remove them from
 * the environment, so that nothing started later speaks to the service
 * manager in our name (sd_notify's unset_environment). Call first, before
 * any thread starts (unsetenv is not thread-safe). Never fails: a bad
 * variable or a socket that cannot be made is logged, and the daemon runs
 * without notifications. */
void sdn_init(struct sdn *n);

/* Start-up is done (listeners bound, VRRP running): READY=1 with the first
 * STATUS=, then the timers on loop: WATCHDOG=1 every watchdog_ns, and
 * every second STATUS= if status_fn's line changed. */
void sdn_ready(struct sdn *n, struct ev_loop *loop, sdn_status_fn status_fn, void *arg);

/* A reload starts (now_ns: CLOCK_MONOTONIC): RELOADING=1 and
 * MONOTONIC_USEC. */
void sdn_reloading(struct sdn *n, uint64_t now_ns);

/* A reload is over, applied or rejected (the daemon runs either way):
 * READY=1 and the current STATUS=. */
void sdn_reloaded(struct sdn *n);

/* The daemon is shutting down: STOPPING=1 (once) with why in STATUS=. The
 * watchdog keeps pinging while the proxy drains. */
void sdn_stopping(struct sdn *n, const char *why);

/* Stop the timers and close the socket. Safe on an unused sdn. */
void sdn_close(struct sdn *n);

#endif
