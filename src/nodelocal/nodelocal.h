/* nodelocal: `haplane node-local`, the proxy and its checks on every worker
 * (and any host that talks to the API), listening on loopback, with no VRRP.
 * It builds the configuration model from its options (conftext.h) or reads
 * a native file with proxy blocks only, and runs the daemon with it
 * (daemon.h: run, reload and status are the masters' code). With
 * --discover it keeps the server list from the cluster (discover.h).
 */
#ifndef HAPLANE_NODELOCAL_NODELOCAL_H
#define HAPLANE_NODELOCAL_NODELOCAL_H

extern const char nl_usage[];

/* argv[0] is "node-local". Returns the process exit code (2: usage). */
int nl_cmd(int argc, char **argv);

#endif
