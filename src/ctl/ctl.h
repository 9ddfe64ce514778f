/* ctl: the control socket. A Unix stream socket; a client sends one command
 * line ("status", "status json", ...) and reads the reply until the daemon
 * closes the connection. The socket knows nothing about the daemon: each
 * command goes to the handler given at ctl_open, which fills the reply.
 *
 * The operator must always get in: a client has CTL_IDLE_MS to send its
 * line; when every slot is taken, the oldest client still waiting for its
 * line gives way to the new one; when the process is out of file
 * descriptors, a spare one is given up to take a waiting client, and the
 * listener pauses for CTL_BACKOFF_MS instead of spinning. Every connection
 * closed without an answer is counted (rejected, evicted, timed_out).
 */
#ifndef HAPLANE_CTL_CTL_H
#define HAPLANE_CTL_CTL_H

#include <stddef.h>

#include "ev/ev.h"
#include "log.h"
#include "util/sbuf.h"

#define CTL_DEFAULT_PATH "/run/haplane/control.sock"
#define CTL_MAX_CLIENTS  16
#define CTL_IDLE_MS      1000 /* from connect to a complete request line */
#define CTL_WRITE_MS     5000 /* for the reply to be read */
#define CTL_BACKOFF_MS   100  /* listener paused after EMFILE/ENFILE */

/* Fill `reply` for the command line `cmd` (no trailing newline). */
typedef void (*ctl_handler)(const char *cmd, struct sbuf *reply, void *arg);

struct ctl_client;

struct ctl {
    struct ev_loop *loop;
    char *path;
    int fd;
    struct ev_io io;
    ctl_handler handler;
    void *arg;
    struct ctl_client *clients[CTL_MAX_CLIENTS];
    uint64_t seq;                /* accepted connections, to find the oldest */
    int spare;                   /* a reserved fd for EMFILE, or -1 */
    struct ev_timer backoff;     /* restarts the paused listener */
    struct log_ratelimit rl;     /* accept errors */
    unsigned long requests;      /* answered */
    unsigned long rejected;      /* closed unanswered at accept (no slot, no memory, no fd) */
    unsigned long evicted;       /* idle, closed to make room for a new client */
    unsigned long timed_out;     /* no request line in CTL_IDLE_MS, or reply unread */
    unsigned long accept_errors; /* accept failures (EMFILE, ENFILE, ...) */
};

/* Listen on path (creating its directory). A stale socket file is replaced;
 * one a running daemon still answers is an error. -1 with a message in err. */
int ctl_open(struct ctl *c, struct ev_loop *loop, const char *path, ctl_handler h, void *arg,
             char *err, size_t errlen);
/* Close the socket, drop clients, remove the socket file. */
void ctl_close(struct ctl *c);

/* Client side: send cmd, read the whole reply into out. -1 with err. */
int ctl_request(const char *path, const char *cmd, struct sbuf *out, char *err, size_t errlen);

#endif
