/* libFuzzer entry point for the configuration loader (lexer, parser,
 * validation) with `include` disabled, so that no input touches the disk.
 *
 * Oracle besides the sanitizers: a configuration that loads must write a
 * canonical file that loads again and writes the same bytes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *write_canon(const struct cfg *c, size_t *len)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);

    if (!f || cfg_write_native(c, f) != 0)
        abort();
    fclose(f);
    return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const struct cfg_load_opts opts = {.flags = CFG_LOAD_NO_INCLUDE};
    struct cfg_diags d = {0};
    struct cfg *c = NULL, *c2 = NULL;
    char line[1024];

    if (cfg_load_buffer_opts("fuzz.conf", (const char *)data, size, &opts, &c, &d) == 0) {
        size_t l1, l2;
        char *w1 = write_canon(c, &l1), *w2;

        if (cfg_load_buffer_opts("canon.conf", w1, l1, &opts, &c2, &d) != 0) {
            cfg_diags_print(&d, stderr);
            fprintf(stderr, "canonical output does not load:\n%s", w1);
            abort();
        }
        w2 = write_canon(c2, &l2);
        if (l1 != l2 || memcmp(w1, w2, l1)) {
            fprintf(stderr, "round trip differs:\n%s\n----\n%s", w1, w2);
            abort();
        }
        cfg_summary(c, line, sizeof(line));
        free(w1);
        free(w2);
    }
    for (size_t i = 0; i < d.n; i++)
        cfg_diag_format(&d.v[i], line, sizeof(line));
    cfg_free(c);
    cfg_free(c2);
    cfg_diags_free(&d);
    return 0;
}
