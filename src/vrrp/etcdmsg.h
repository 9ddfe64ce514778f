/* etcdmsg: the fence's messages to and from etcd's v3 HTTP/JSON gateway
 * (etcd 3.4: grpc-gateway under /v3/), and the framing of its HTTP
 * responses. Pure: no I/O, no clock; JSON through jansson, which allocates
 * (every result that is allocated says who frees it).
 *
 * etcd's JSON API carries keys and values in base64 and 64-bit integers as
 * strings ("ID":"7587..."). What a request looks like:
 *   range      /v3/kv/range      {"key":K}
 *   grant      /v3/lease/grant   {"TTL":N}
 *   acquire    /v3/kv/txn        compare key CREATE revision == 0 (absent),
 *                                success put(K, V, lease), failure range(K)
 *   take-own   /v3/kv/txn        compare key VALUE == V (our identity),
 *                                success put(K, V, lease), failure range(K)
 *   keepalive  /v3/lease/keepalive {"ID":L}  (a stream: one chunk answers)
 *   revoke     /v3/lease/revoke  {"ID":L}
 */
#ifndef HAPLANE_VRRP_ETCDMSG_H
#define HAPLANE_VRRP_ETCDMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vrrp/fence.h"

/* "/v3/kv/range" ...; NULL for FENCE_REQ_NONE. */
const char *etcd_msg_path(enum fence_req req);

/* The JSON body of req: key and value are the raw election key and our
 * identity, lease our lease (acquire, take-own, keepalive, revoke), ttl_s
 * for grant. Returns a malloc'd NUL-terminated string the caller frees,
 * or NULL (out of memory, FENCE_REQ_NONE). */
char *etcd_msg_request(enum fence_req req, const char *key, const char *value, uint32_t ttl_s,
                       int64_t lease);

/* Parse the JSON body of a 200 answer to req into r (its lease, ttl,
 * succeeded, has_kv, kv_lease, kv_ours fields; ours is our identity, to
 * compare with the key's value). Returns 0, or -1 with err ("not JSON",
 * "no ID in the grant"). */
int etcd_msg_parse(enum fence_req req, const char *body, size_t len, const char *ours,
                   struct fence_reply *r, char *err, size_t errlen);

/* etcd's answer other than 200 ({"error":..,"message":..,"code":N}) as
 * one line: "HTTP 404: etcdserver: requested lease not found". */
void etcd_msg_error(int status, const char *body, size_t len, char *err, size_t errlen);

/* Is the HTTP response in buf[0..len) complete? (eof: the peer closed.)
 * Returns 1 with *status and the body (de-chunked) in body[0..*bodylen)
 * (bodycap bytes; NUL-terminated), 0 when more is needed, -1 with err
 * when it is not a usable HTTP response. A chunked body counts as complete
 * at its last chunk, or as soon as it holds one whole JSON value (the
 * keepalive stream answers with one value and may keep the stream open). */
int etcd_msg_http(const char *buf, size_t len, bool eof, int *status, char *body, size_t bodycap,
                  size_t *bodylen, char *err, size_t errlen);

#endif
