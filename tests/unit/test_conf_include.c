/* Unit tests: include (glob, nesting, relative paths, cycles, depth limit,
 * missing files, the no-include option), with files in a temporary
 * directory. */
#include "test_conf.h"

#include <sys/stat.h>
#include <unistd.h>

static void assert_pos(const struct cfg_pos *p, const char *file, unsigned line, unsigned col)
{
    assert_string_equal(p->file, file);
    assert_int_equal(p->line, line);
    assert_int_equal(p->col, col);
}

static char tmpdir[64];

static void put(const char *rel, const char *text)
{
    char path[256];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static int mktree(void **state)
{
    char path[256];

    snprintf(tmpdir, sizeof(tmpdir), "/tmp/haplane-conf-XXXXXX");
    if (!mkdtemp(tmpdir))
        return -1;
    snprintf(path, sizeof(path), "%s/conf.d", tmpdir);
    mkdir(path, 0700);
    snprintf(path, sizeof(path), "%s/vi", tmpdir);
    mkdir(path, 0700);
    return 0;
}

static int rmtree(void **state)
{
    char cmd[128];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static struct cfg *load_path(const char *rel, struct cfg_diags *d)
{
    char path[256];
    struct cfg *c = NULL;

    snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
    cfg_load_file(path, &c, d);
    return c;
}

/* Expect the load of rel to fail with `expected`, where "@" stands for the
 * temporary directory. */
static void load_path_fails(const char *rel, const char *expected)
{
    struct cfg_diags d = {0};
    struct cfg *c = load_path(rel, &d);
    char want[2048] = "", *got = diags_text(&d);
    size_t n = 0;

    for (const char *p = expected; *p && n + sizeof(tmpdir) + 2 < sizeof(want); p++) {
        if (*p == '@') {
            memcpy(want + n, tmpdir, strlen(tmpdir));
            n += strlen(tmpdir);
        } else {
            want[n++] = *p;
        }
    }
    want[n] = '\0';
    assert_string_equal(got, want);
    assert_null(c);
    free(got);
    cfg_diags_free(&d);
}

static void include_glob_nested(void **state)
{
    struct cfg_diags d = {0};
    char path[256];

    put("main.conf", "include conf.d/*.conf\n"
                     "vrrp_instance vi {\n"
                     "    include vi/body.conf\n"
                     "    track_proxy p\n"
                     "}\n");
    put("conf.d/20-proxy.conf", "proxy p {\n  bind *:80\n  server s 10.0.0.2:80\n}\n");
    put("conf.d/10-global.conf", "global_defs { router_id inc }\n");
    put("conf.d/README", "this is not a configuration file\n");
    put("vi/body.conf", "interface eth0\nvirtual_router_id 9\ninclude more.conf\n");
    put("vi/more.conf", "virtual_ipaddress { 10.9.9.9 }\n");
    struct cfg *c = load_path("main.conf", &d);
    char *got = diags_text(&d);
    assert_string_equal(got, "");
    free(got);
    assert_non_null(c);
    assert_string_equal(c->global.router_id, "inc");
    assert_int_equal(c->nproxies, 1);
    assert_int_equal(c->instances[0].vrid, 9);
    assert_int_equal(c->instances[0].track_proxies[0].ref, 0);
    assert_int_equal(c->nfiles, 5);
    snprintf(path, sizeof(path), "%s/conf.d/10-global.conf", tmpdir);
    assert_string_equal(c->files[1], path);
    snprintf(path, sizeof(path), "%s/conf.d/20-proxy.conf", tmpdir);
    assert_string_equal(c->files[2], path);
    snprintf(path, sizeof(path), "%s/vi/more.conf", tmpdir);
    assert_pos(&c->instances[0].vips[0].pos, path, 1, 21);
    cfg_free(c);
    cfg_diags_free(&d);

    /* The same text from a buffer named inside the directory. */
    struct cfg_diags d2 = {0};
    struct cfg *c2 = NULL;
    const char *text = "include conf.d/10-*.conf\n";
    snprintf(path, sizeof(path), "%s/virtual.conf", tmpdir);
    assert_int_equal(cfg_load_buffer(path, text, strlen(text), &c2, &d2), 0);
    assert_string_equal(c2->global.router_id, "inc");
    cfg_free(c2);
    cfg_diags_free(&d2);
}

static void include_errors(void **state)
{
    put("a.conf", "include b.conf\n");
    put("b.conf", "global_defs {\n}\ninclude a.conf\n");
    load_path_fails("a.conf", "@/b.conf:3:9: error: include cycle: '@/a.conf' is already being "
                              "read\n");
    put("self.conf", "  include self.conf\n");
    load_path_fails("self.conf",
                    "@/self.conf:1:11: error: include cycle: '@/self.conf' is already being "
                    "read\n");
    for (int i = 0; i < 10; i++) {
        char name[32], text[64];
        snprintf(name, sizeof(name), "d%d.conf", i);
        snprintf(text, sizeof(text), "include d%d.conf\n", i + 1);
        put(name, text);
    }
    load_path_fails("d0.conf", "@/d8.conf:1:9: error: include nesting deeper than 8 levels\n");
    put("missing.conf", "include nothere.conf\ninclude none/*.conf\nproxy p {\n}\n");
    load_path_fails("missing.conf",
                    "@/missing.conf:1:9: error: cannot open '@/nothere.conf': No such file or "
                    "directory\n"
                    "@/missing.conf:2:9: warning: include pattern 'none/*.conf' matches no file\n");
    put("brace.conf", "vrrp_instance x {\ninclude close.conf\n}\n");
    put("close.conf", "interface eth0\n}\n");
    load_path_fails("brace.conf", "@/close.conf:2:1: error: '}' without a matching '{'\n");
    put("bad.conf", "global_defs {\n  include bad2.conf\n  router_id x\n}\n");
    put("bad2.conf", "\n  roter_id y\n");
    load_path_fails("bad.conf", "@/bad2.conf:2:3: error: unknown directive 'roter_id' in "
                                "global_defs (did you mean 'router_id'?)\n");
    load_path_fails("nope.conf", "error: cannot open '@/nope.conf': No such file or directory\n");
}

static void include_disabled(void **state)
{
    struct cfg_load_opts o = {.flags = CFG_LOAD_NO_INCLUDE};
    struct cfg_diags d = {0};
    struct cfg *c = NULL;
    const char *text = "include /etc/passwd\n";
    char *got;

    assert_int_equal(cfg_load_buffer_opts("f.conf", text, strlen(text), &o, &c, &d), -1);
    got = diags_text(&d);
    assert_string_equal(got, "f.conf:1:1: error: 'include' is disabled here\n");
    free(got);
    cfg_diags_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(include_glob_nested, mktree, rmtree),
        cmocka_unit_test_setup_teardown(include_errors, mktree, rmtree),
        cmocka_unit_test(include_disabled),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
