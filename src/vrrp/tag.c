/* tag: see tag.h. */
#include "vrrp/tag.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>

void vrrp_tag(const uint8_t *key, size_t keylen, const uint8_t *msg, size_t len,
              uint8_t out[VRRP_TAG_LEN])
{
    uint8_t full[EVP_MAX_MD_SIZE];
    unsigned n = 0;

    HMAC(EVP_sha256(), key, (int)keylen, msg, len, full, &n);
    memcpy(out, full, VRRP_TAG_LEN);
}

bool vrrp_tag_ok(const uint8_t *key, size_t keylen, const uint8_t *msg, size_t len,
                 const uint8_t got[VRRP_TAG_LEN])
{
    uint8_t want[VRRP_TAG_LEN];

    vrrp_tag(key, keylen, msg, len, want);
    return CRYPTO_memcmp(want, got, VRRP_TAG_LEN) == 0;
}
