/* manifest: `haplane manifest`, a static-pod manifest for
 * /etc/kubernetes/manifests made from a configuration: host network,
 * system-node-critical, every capability dropped but the ones the
 * configuration needs (manifest/caps.h), the configuration, its TLS files
 * and scripts mounted read-only from the host, the control socket's
 * directory shared with the host, an exec liveness probe, resources. */
#ifndef HAPLANE_MANIFEST_MANIFEST_H
#define HAPLANE_MANIFEST_MANIFEST_H

/* `haplane manifest --help` */
extern const char mf_usage[];

/* `haplane manifest ARGS` (argv[0] is "manifest"). Prints the manifest on
 * stdout; configuration diagnostics on stderr as `check` prints them.
 * Returns the exit code: 0, 1 (a configuration error, or one the pod cannot
 * run: a relative file path, a string that is not UTF-8), 2 usage error. */
int mf_cmd(int argc, char **argv);

#endif
