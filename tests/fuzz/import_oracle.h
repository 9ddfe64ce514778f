/* The oracle shared by the importer harnesses (fuzz_import_*.c): whatever
 * an importer accepts must convert (cfg_write_converted, as `haplane
 * convert` does) to a native file that loads (cfg_load_buffer) without an
 * error; `haplane check` and `run` agree only if that holds. And the file
 * must mean the same: both models write the same canonical text. abort()
 * with the input's diagnostics and the texts otherwise.
 *
 * Nothing is read from the disk: keepalived's `include` is refused
 * (no_include), the native reload has include disabled too, machine facts
 * are skipped, and haproxy's ${VAR} come from a fixed environment.
 */
#ifndef HAPLANE_FUZZ_IMPORT_ORACLE_H
#define HAPLANE_FUZZ_IMPORT_ORACLE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import/import.h"

static const char *const fuzz_env[] = {"APISERVER_PORT=6443", "LB_PORT=16443", "EMPTY=", NULL};

static char *fuzz_canon(const struct cfg *c, size_t *len)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);

    if (!f || cfg_write_native(c, f) != 0)
        abort();
    fclose(f);
    return buf;
}

static void fuzz_reload(const struct cfg *c, const struct cfg_diags *first)
{
    const struct cfg_load_opts opts = {.flags = CFG_LOAD_NO_INCLUDE};
    struct cfg_diags d = {0};
    struct cfg *c2 = NULL;
    char *conv = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&conv, &len);

    if (!f || cfg_write_converted(c, "fuzz", f) != 0)
        abort();
    fclose(f);
    if (cfg_load_buffer_opts("converted.conf", conv, len, &opts, &c2, &d) != 0 || d.nerrors) {
        fprintf(stderr, "accepted input:\n");
        cfg_diags_print(first, stderr);
        fprintf(stderr, "converted output does not load:\n");
        cfg_diags_print(&d, stderr);
        fprintf(stderr, "----\n%s----\n", conv);
        abort();
    }
    size_t l1, l2;
    char *w1 = fuzz_canon(c, &l1), *w2 = fuzz_canon(c2, &l2);
    if (l1 != l2 || memcmp(w1, w2, l1)) {
        fprintf(stderr, "the converted file means something else:\n%s----\n%s", w1, w2);
        abort();
    }
    free(w1);
    free(w2);
    cfg_free(c2);
    cfg_diags_free(&d);
    free(conv);
}

/* Import (ka or hap, the other NULL), check the oracle, free everything. */
static void fuzz_import(const struct imp_text *ka, const struct imp_text *hap)
{
    struct imp_sources src = {
        .config_id = "master1", .env = fuzz_env, .facts = CFG_FACTS_SKIP, .no_include = true};
    struct cfg_diags d = {0};
    struct cfg *c = NULL;
    char line[1024];

    if (imp_load_texts(ka, hap, &src, &c, &d) == 0)
        fuzz_reload(c, &d);
    for (size_t i = 0; i < d.n; i++)
        cfg_diag_format(&d.v[i], line, sizeof(line));
    cfg_free(c);
    cfg_diags_free(&d);
}

#endif
