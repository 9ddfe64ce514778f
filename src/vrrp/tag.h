/* tag: the authentication tag of haplane's own peer messages (the quorum
 * heartbeat, hb.c, and the failover-reset tuples, tuples.c): HMAC-SHA256
 * with the shared quorum_key, truncated to VRRP_TAG_LEN bytes. Pure. */
#ifndef HAPLANE_VRRP_TAG_H
#define HAPLANE_VRRP_TAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VRRP_TAG_LEN 16

/* out = the first VRRP_TAG_LEN bytes of HMAC-SHA256(key, msg). */
void vrrp_tag(const uint8_t *key, size_t keylen, const uint8_t *msg, size_t len,
              uint8_t out[VRRP_TAG_LEN]);

/* Whether got is msg's tag under key (compared in constant time). */
bool vrrp_tag_ok(const uint8_t *key, size_t keylen, const uint8_t *msg, size_t len,
                 const uint8_t got[VRRP_TAG_LEN]);

#endif
