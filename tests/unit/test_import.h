/* Helpers shared by the test_import_*.c programs (each includes this once).
 * Tests run from the repository root, where `make unit` runs them. */
#ifndef HAPLANE_TEST_IMPORT_H
#define HAPLANE_TEST_IMPORT_H

#include "test_conf.h"
#include "import/import.h"

#define COMPAT "tests/fixtures/compat/"

/* A fixed environment for haproxy's "${VAR}" (the tests never read the
 * process's). */
__attribute__((unused)) static const char *const test_env[] = {
    "APISERVER_PORT=6443", "LAB_CA=/run/haplane-lab/t/certs/ca.crt", "LB_PORT=16443", NULL};

/* A host that has everything (machine facts are tested separately). */
__attribute__((unused)) static int yes_name(const char *n, void *arg)
{
    return 1;
}

__attribute__((unused)) static int yes_addr(const struct cfg_addr *a, void *arg)
{
    return 1;
}

__attribute__((unused)) static const struct cfg_host everything = {
    yes_name, yes_addr, yes_name, yes_name, yes_name, NULL, NULL};

/* Load fixture files of tests/fixtures/compat (NULL: absent) with
 * config-id id; expect success and exactly `warnings` (NULL: any). */
__attribute__((unused)) static struct cfg *import_ok(const char *ka, const char *hap,
                                                     const char *id, const char *warnings)
{
    char kp[256], hp[256];
    struct imp_sources src = {
        .config_id = id, .env = test_env, .host = &everything, .facts = CFG_FACTS_WARN};
    struct cfg_diags d = {0};
    struct cfg *c = NULL;

    snprintf(kp, sizeof(kp), COMPAT "%s", ka ? ka : "");
    snprintf(hp, sizeof(hp), COMPAT "%s", hap ? hap : "");
    src.keepalived = ka ? kp : NULL;
    src.haproxy = hap ? hp : NULL;
    int r = imp_load(&src, &c, &d);
    char *got = diags_text(&d);
    if (warnings) /* NULL: any warnings */
        assert_string_equal(got, warnings);
    assert_int_equal(r, 0);
    assert_non_null(c);
    free(got);
    cfg_diags_free(&d);
    return c;
}

/* Import in-memory texts named k.conf / h.cfg (NULL: absent). Returns the
 * result, *diags (caller frees) has every diagnostic. */
__attribute__((unused)) static int import_texts(const char *ka, const char *hap, const char *id,
                                                const struct cfg_host *host, enum cfg_facts facts,
                                                struct cfg **out, char **diags)
{
    struct imp_text k = {"k.conf", ka, ka ? strlen(ka) : 0};
    struct imp_text h = {"h.cfg", hap, hap ? strlen(hap) : 0};
    struct imp_sources src = {
        .config_id = id, .env = test_env, .host = host ? host : &everything, .facts = facts};
    struct cfg_diags d = {0};
    int r = imp_load_texts(ka ? &k : NULL, hap ? &h : NULL, &src, out, &d);

    *diags = diags_text(&d);
    if (r == 0)
        assert_true(d.nerrors == 0);
    else
        assert_true(d.nerrors > 0 && *out == NULL);
    cfg_diags_free(&d);
    return r;
}

/* Import texts and expect success with exactly `warnings`. */
__attribute__((unused)) static struct cfg *texts_ok(const char *ka, const char *hap,
                                                    const char *warnings)
{
    struct cfg *c = NULL;
    char *got;
    int r = import_texts(ka, hap, "master1", NULL, CFG_FACTS_WARN, &c, &got);

    assert_string_equal(got, warnings);
    assert_int_equal(r, 0);
    free(got);
    return c;
}

/* Import texts and expect failure with exactly `errors`. */
__attribute__((unused)) static void texts_fail(const char *ka, const char *hap, const char *errors)
{
    struct cfg *c = (struct cfg *)1;
    char *got;
    int r = import_texts(ka, hap, "master1", NULL, CFG_FACTS_WARN, &c, &got);

    assert_string_equal(got, errors);
    assert_int_equal(r, -1);
    free(got);
}

/* The output of `haplane convert` (remarks included) as a native file must
 * load without a diagnostic and give the same model: equal canonical
 * dumps. Returns the converted text (caller frees). */
__attribute__((unused)) static char *assert_convert_same(const struct cfg *c)
{
    char *conv = NULL, *w1 = canon(c), *w2;
    size_t len = 0;
    FILE *f = open_memstream(&conv, &len);
    struct cfg_diags d = {0};
    struct cfg *c2 = NULL;

    assert_non_null(f);
    assert_int_equal(cfg_write_converted(c, "converted by a test\nsecond line", f), 0);
    fclose(f);
    if (cfg_load_buffer("converted.conf", conv, len, &c2, &d) != 0) {
        char *got = diags_text(&d);
        fail_msg("converted output does not load:\n%s\n%s", got, conv);
    }
    w2 = canon(c2);
    assert_string_equal(w1, w2);
    free(w1);
    free(w2);
    cfg_free(c2);
    cfg_diags_free(&d);
    return conv;
}

#endif
