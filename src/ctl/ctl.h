/* ctl: the control socket. A Unix stream socket; a client sends one command
 * line ("status", "status json", ...) and reads the reply until the daemon
 * closes the connection. The socket knows nothing about the daemon: each
 * command goes to the handler given at ctl_open, which fills the reply.
 */
#ifndef HAPLANE_CTL_CTL_H
#define HAPLANE_CTL_CTL_H

#include <stddef.h>

#include "ev/ev.h"
#include "util/sbuf.h"

#define CTL_DEFAULT_PATH "/run/haplane/control.sock"
#define CTL_MAX_CLIENTS  16

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
    unsigned long requests, rejected;
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
