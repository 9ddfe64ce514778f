/* preflight: `haplane preflight`, the seed's node preparation checked and
 * explained (swap, br_netfilter, sysctls, SELinux, firewall, host name, the
 * VIP, IP_FREEBIND), with --fix for the few safe steps. The rules are pure
 * (preflight/verdict.h); this module reads the system and prints. */
#ifndef HAPLANE_PREFLIGHT_PREFLIGHT_H
#define HAPLANE_PREFLIGHT_PREFLIGHT_H

/* `haplane preflight --help` */
extern const char pf_usage[];

/* `haplane preflight ARGS` (argv[0] is "preflight"): options, checks, fixes,
 * output. Returns the exit code: 0 no FAIL, 1 a FAIL, 2 usage error. */
int pf_cmd(int argc, char **argv);

#endif
