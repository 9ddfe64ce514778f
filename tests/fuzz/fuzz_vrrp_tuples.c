/* libFuzzer harness for failover_reset's messages (src/vrrp/tuples.c): the
 * decoder, and a peer's merge fed with whatever decodes.
 *
 *   clang -std=c11 -D_GNU_SOURCE -Isrc -g -O1 -fsanitize=fuzzer,address,undefined \
 *       src/vrrp/tuples.c tests/fuzz/fuzz_vrrp_tuples.c -lcrypto -o /tmp/fuzz_vrrp_tuples
 *
 * Input: 1 control byte, then the message. c bit 0: decode with a key
 * (else none). The "VIP" test accepts local addresses whose first byte is
 * even.
 * Oracles besides the sanitizers: a decoded message re-encodes to exactly
 * the bytes received; a peer's set never exceeds VRRP_TP_PEER_MAX and never
 * holds a tuple the VIP test refused.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vrrp/tuples.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t KEY[] = "fuzz-key";

static bool any_vip(const struct vrrp_tuple *t, void *arg)
{
    (void)arg;
    return !(t->laddr[0] & 1);
}

static struct vrrp_tp_peer peer; /* kept across inputs: merges build on each other */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t c = data[0];
    const uint8_t *msg = data + 1;
    size_t len = size - 1;
    const uint8_t *key = c & 1 ? KEY : NULL;
    size_t klen = c & 1 ? sizeof(KEY) - 1 : 0;
    struct vrrp_tp_msg m;
    if (vrrp_tp_decode(msg, len, key, klen, &m) != VRRP_TP_OK)
        return 0;
    struct vrrp_tp_op *ops = calloc(m.nops ? m.nops : 1, sizeof(*ops));
    if (!ops)
        return 0;
    for (size_t i = 0; i < m.nops; i++)
        vrrp_tp_entry(msg, &m, i, &ops[i]);
    uint8_t *re = malloc(len + 1);
    if (!re)
        abort();
    size_t n = vrrp_tp_encode(&m, ops, m.nops, key, klen, re, len + 1);
    if (n != len || memcmp(re, msg, len) != 0)
        abort();
    free(re);
    uint64_t drops[VRRP_TP_ERR_COUNT] = {0};
    bool resync;
    if (m.req)
        (void)vrrp_tp_take_req(&peer, &m);
    else
        (void)vrrp_tp_take(&peer, msg, &m, 1000, any_vip, &c, drops, &resync);
    if (peer.set.n > VRRP_TP_PEER_MAX)
        abort();
    for (size_t i = 0; i < m.nops; i++)
        if (ops[i].op == VRRP_TP_ADD && !any_vip(&ops[i].t, &c) &&
            vrrp_tpset_has(&peer.set, &ops[i].t))
            abort();
    if (peer.set.n > 4096)
        vrrp_tp_peer_free(&peer); /* keep runs fast */
    free(ops);
    return 0;
}
