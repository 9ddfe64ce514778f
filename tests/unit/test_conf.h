/* Helpers shared by the test_conf_*.c programs (each includes this once).
 * Tests run from the repository root, where `make unit` runs them. */
#ifndef HAPLANE_TEST_CONF_H
#define HAPLANE_TEST_CONF_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"

#define FIXTURES "tests/fixtures/conf/"

/* Every diagnostic, one per line ("" when none). Caller frees. */
__attribute__((unused)) static char *diags_text(const struct cfg_diags *d)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    assert_non_null(f);
    cfg_diags_print(d, f);
    fclose(f);
    return buf;
}

/* The canonical native text of a model. Caller frees. */
__attribute__((unused)) static char *canon(const struct cfg *c)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    assert_non_null(f);
    assert_int_equal(cfg_write_native(c, f), 0);
    fclose(f);
    return buf;
}

/* Load text as "t.conf" with opts; expect success and exactly the
 * diagnostics `warnings` ("" for none). */
__attribute__((unused)) static struct cfg *
load_opts_ok(const char *text, const struct cfg_load_opts *opts, const char *warnings)
{
    struct cfg_diags d = {0};
    struct cfg *c = NULL;
    int r = cfg_load_buffer_opts("t.conf", text, strlen(text), opts, &c, &d);
    char *got = diags_text(&d);

    assert_string_equal(got, warnings);
    assert_int_equal(r, 0);
    assert_non_null(c);
    free(got);
    cfg_diags_free(&d);
    return c;
}

__attribute__((unused)) static struct cfg *load_ok(const char *text)
{
    return load_opts_ok(text, NULL, "");
}

/* Load text as "t.conf"; expect failure with exactly `expected`. */
__attribute__((unused)) static void load_fails(const char *text, const char *expected)
{
    struct cfg_diags d = {0};
    struct cfg *c = (struct cfg *)1;
    int r = cfg_load_buffer("t.conf", text, strlen(text), &c, &d);
    char *got = diags_text(&d);

    assert_string_equal(got, expected);
    assert_int_equal(r, -1);
    assert_null(c);
    free(got);
    cfg_diags_free(&d);
}

/* Read a fixture (NUL-terminated). Caller frees. */
__attribute__((unused)) static char *fixture(const char *name)
{
    char path[256], *buf;
    FILE *f;
    long n;

    snprintf(path, sizeof(path), FIXTURES "%s", name);
    f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s (run the tests from the repository root)", path);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* write(load(write(c))) must equal write(c), byte for byte. */
__attribute__((unused)) static void assert_round_trip(const struct cfg *c)
{
    char *w1 = canon(c), *w2;
    struct cfg_diags d = {0};
    struct cfg *c2 = NULL;
    int r = cfg_load_buffer("canon.conf", w1, strlen(w1), &c2, &d);

    if (r != 0) {
        char *got = diags_text(&d);
        fail_msg("canonical output does not load:\n%s\n%s", got, w1);
    }
    w2 = canon(c2);
    assert_string_equal(w1, w2);
    free(w1);
    free(w2);
    cfg_free(c2);
    cfg_diags_free(&d);
}

#endif
