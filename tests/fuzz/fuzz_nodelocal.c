/* libFuzzer harness: what node-local reads from outside, the kubeconfig
 * (libyaml) and the `kubernetes` Endpoints answer (jansson). The first
 * byte picks the parser; whatever the input, a parse returns 0 with
 * well-formed values or -1 with a message, and frees everything. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "nodelocal/endpoints.h"
#include "nodelocal/kubeconfig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[300] = "";
    if (size < 1)
        return 0;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    if (data[0] & 1) {
        struct nl_kubeconfig k;
        if (nl_kubeconfig_parse(text, len, "/dir", &k, err, sizeof(err)) == 0) {
            char host[256];
            unsigned port;
            if (!k.server || !(k.cert.file || k.cert.data) || !(k.key.file || k.key.data))
                __builtin_trap();
            (void)nl_server_hostport(k.server, host, sizeof(host), &port, err, sizeof(err));
            nl_kubeconfig_free(&k);
        } else if (!err[0]) {
            __builtin_trap();
        }
    } else {
        struct nl_list l = {0};
        if (nl_endpoints_parse(text, len, &l, err, sizeof(err)) == 0) {
            if (l.n == 0 || l.n > NL_MAX_SERVERS)
                __builtin_trap();
            for (size_t i = 1; i < l.n; i++)
                if (strcmp(l.v[i - 1], l.v[i]) >= 0) /* sorted, no duplicates */
                    __builtin_trap();
            nl_list_free(&l);
        } else if (!err[0] || l.n) {
            __builtin_trap();
        }
    }
    return 0;
}
