/* daemon: `haplane run`. Loads the configuration, runs the event loop,
 * answers the control socket, reloads on SIGHUP (a bad file is rejected and
 * the running configuration stays), exits cleanly on SIGTERM/SIGINT. */
#ifndef HAPLANE_DAEMON_H
#define HAPLANE_DAEMON_H

#include "import/import.h"

struct daemon_opts {
    struct imp_sources sources; /* native file, or keepalived.conf and/or haproxy.cfg;
                                   read again on SIGHUP */
    const char *control_path;   /* control socket */
};

/* Returns the process exit code. */
int daemon_run(const struct daemon_opts *o);

#endif
