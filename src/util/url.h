/* url: the http(s)://IP[:PORT][/] form etcd endpoints are written in (pure:
 * no I/O, no allocation).
 *
 * Only IP literals: the fence and track_etcd talk to etcd members by
 * address, as kubeadm's manifests name them, and a name lookup on the
 * event loop would block it. A path other than "/" is refused (the caller
 * adds its own: "/health", "/v3/...").
 */
#ifndef HAPLANE_UTIL_URL_H
#define HAPLANE_UTIL_URL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define URL_DEFAULT_PORT 2379 /* etcd's client port */

struct url {
    bool tls;                   /* https */
    struct sockaddr_storage sa; /* address and port */
    socklen_t salen;
    char ip[48];       /* "198.18.0.11", "::1" */
    char hostport[64]; /* "198.18.0.11:2379", "[::1]:2379": the Host field */
};

/* Parse s. Returns 0, or -1 with a reason in err ("expected http:// or
 * https://", "not an IP address: etcd1"). */
int url_parse(const char *s, struct url *u, char *err, size_t errlen);

#endif
