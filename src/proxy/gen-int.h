/* px_gen: build a proxy generation from the configuration (see gen.c). */
#ifndef HAPLANE_PROXY_GEN_INT_H
#define HAPLANE_PROXY_GEN_INT_H

#include "proxy/proxy-int.h"

/* What building a generation needs besides the configuration: the machine
 * (for `auto` values) and the names resolved beforehand. */
struct px_limits {
    uint64_t nofile; /* soft RLIMIT_NOFILE after raising it */
    long ncpu;
    const struct px_names *names; /* NULL: resolve here */
};

/* Build the generation of cp. old: the running generation of the proxy of
 * the same name (NULL if none): its runtime and its servers of the same
 * name and address are taken over (referenced). Server names are taken
 * from lim->names, or resolved (blocking) here. Returns a generation with one reference, or NULL
 * with a message in err ("proxy NAME: ..."). */
struct px_gen *px_gen_build(const struct cfg_proxy *cp, const struct px_gen *old,
                            const struct px_limits *lim, char *err, size_t errlen);

/* a's listening sockets can serve b as they are: same binds, worker count
 * and socket options. */
bool px_gen_same_listeners(const struct px_gen *a, const struct px_gen *b);

#endif
