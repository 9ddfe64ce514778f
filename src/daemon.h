/* daemon: `haplane run`. Loads the configuration, runs the event loop,
 * answers the control socket, reloads on SIGHUP (a bad file is rejected and
 * the running configuration stays), exits cleanly on SIGTERM/SIGINT. */
#ifndef HAPLANE_DAEMON_H
#define HAPLANE_DAEMON_H

#include "import/import.h"

#include "ev/ev.h"
#include "util/sbuf.h"

/* A mode that makes its configuration itself and runs something of its own
 * beside the proxy (`haplane node-local`: the model built from its options,
 * and discovery). Every hook but load may be NULL. */
struct daemon_ext {
    /* Instead of the sources, at start, on SIGHUP and on reload_cb: the
     * same contract as imp_load. */
    int (*load)(void *arg, struct cfg **out, struct cfg_diags *d);
    const char *describe; /* what was loaded, for logs and status */
    /* Once the proxy runs: start. reload_cb(dm) reloads as SIGHUP does
     * (load, then apply: established connections stay, removed servers
     * drain). -1 with err stops the daemon. */
    int (*start)(void *arg, struct ev_loop *loop, void (*reload_cb)(void *dm), void *dm,
                 char *err, size_t errlen);
    void (*stop)(void *arg);
    /* `haplane status`: lines of text; one JSON value (key "node_local") */
    void (*status_text)(void *arg, struct sbuf *r);
    void (*status_json)(void *arg, struct sbuf *r);
    void *arg;
};

struct daemon_opts {
    struct imp_sources sources; /* native file, or keepalived.conf and/or haproxy.cfg;
                                   read again on SIGHUP */
    const char *control_path;   /* control socket */
    const struct daemon_ext *ext; /* NULL: the sources */
};

/* Returns the process exit code. */
int daemon_run(const struct daemon_opts *o);

#endif
