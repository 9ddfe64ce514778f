/* daemon: `haplane run`. Loads the configuration, runs the event loop,
 * answers the control socket, reloads on SIGHUP (a bad file is rejected and
 * the running configuration stays), exits cleanly on SIGTERM/SIGINT. */
#ifndef HAPLANE_DAEMON_H
#define HAPLANE_DAEMON_H

struct daemon_opts {
    const char *config_path;  /* native config file */
    const char *control_path; /* control socket */
};

/* Returns the process exit code. */
int daemon_run(const struct daemon_opts *o);

#endif
