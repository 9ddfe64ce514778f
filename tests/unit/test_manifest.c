/* Unit tests for the pure parts of `haplane manifest`: the YAML
 * double-quoted scalar and comment text (manifest/yaml.c), the path rules
 * (manifest/path.c) and the capability derivation (manifest/caps.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "manifest/caps.h"
#include "manifest/path.h"
#include "manifest/yaml.h"

/* ---- mf_yaml_quote ---- */

static void quote_is(const char *in, const char *want)
{
    struct sbuf b;
    sbuf_init(&b);
    sbuf_puts(&b, "k: ");
    assert_int_equal(mf_yaml_quote(&b, in), 0);
    assert_false(b.failed);
    assert_string_equal(sbuf_str(&b) + 3, want);
    sbuf_free(&b);
}

static void quote_refused(const char *in)
{
    struct sbuf b;
    sbuf_init(&b);
    sbuf_puts(&b, "k: ");
    assert_int_equal(mf_yaml_quote(&b, in), -1);
    assert_string_equal(sbuf_str(&b), "k: "); /* left as it was */
    assert_int_equal(b.len, 3);
    sbuf_free(&b);
}

static void test_quote_plain(void **state)
{
    (void)state;
    quote_is("", "\"\"");
    quote_is("haplane", "\"haplane\"");
    /* what would be a bool, a number, null or a comment unquoted stays text */
    quote_is("true", "\"true\"");
    quote_is("0123", "\"0123\"");
    quote_is("~", "\"~\"");
    quote_is("a # b: c", "\"a # b: c\"");
    quote_is("- [x]{y}&z*w!v|u>t'%@`", "\"- [x]{y}&z*w!v|u>t'%@`\"");
}

static void test_quote_escapes(void **state)
{
    (void)state;
    quote_is("say \"hi\"", "\"say \\\"hi\\\"\"");
    quote_is("C:\\dir\\", "\"C:\\\\dir\\\\\"");
    quote_is("a\nb", "\"a\\nb\"");
    quote_is("a\r\nb\tc", "\"a\\r\\nb\\tc\"");
    quote_is("\x01\x1b\x1f\x7f", "\"\\x01\\x1b\\x1f\\x7f\"");
    quote_is("\b\f\v", "\"\\x08\\x0c\\x0b\"");
}

static void test_quote_unicode(void **state)
{
    (void)state;
    /* printable: written as UTF-8 */
    quote_is("ça", "\"ça\"");
    quote_is("\xc2\xa0", "\"\xc2\xa0\"");                 /* U+00A0 */
    quote_is("日本", "\"日本\"");                         /* 3-byte */
    quote_is("\xf0\x9f\x90\xa7", "\"\xf0\x9f\x90\xa7\""); /* U+1F427, 4-byte */
    /* C1 controls, NEL, line/paragraph separators, BOM, non-characters */
    quote_is("\xc2\x80", "\"\\x80\"");
    quote_is("\xc2\x85", "\"\\x85\"");
    quote_is("\xc2\x9f", "\"\\x9f\"");
    quote_is("a\xe2\x80\xa8"
             "b\xe2\x80\xa9",
             "\"a\\u2028b\\u2029\"");
    quote_is("\xef\xbb\xbf", "\"\\ufeff\"");
    quote_is("\xef\xbf\xbe\xef\xbf\xbf", "\"\\ufffe\\uffff\"");
    quote_is("\xef\xbf\xbd", "\"\xef\xbf\xbd\""); /* U+FFFD is printable */
}

static void test_quote_invalid_utf8(void **state)
{
    (void)state;
    quote_refused("\xff");
    quote_refused("a\x80");            /* a lone continuation byte */
    quote_refused("\xc3");             /* truncated at the end */
    quote_refused("\xe6\x97");         /* truncated 3-byte */
    quote_refused("\xc0\xaf");         /* overlong '/' */
    quote_refused("\xe0\x80\xaf");     /* overlong, 3 bytes */
    quote_refused("\xed\xa0\x80");     /* a surrogate, U+D800 */
    quote_refused("\xf4\x90\x80\x80"); /* U+110000 */
    quote_refused("\xf8\x88\x80\x80\x80");
}

/* ---- mf_yaml_comment ---- */

static void comment_is(const char *in, size_t n, const char *want)
{
    struct sbuf b;
    sbuf_init(&b);
    mf_yaml_comment(&b, in, n);
    assert_string_equal(sbuf_str(&b), want);
    sbuf_free(&b);
}

static void test_comment(void **state)
{
    (void)state;
    comment_is("proxy api: check ca", 19, "proxy api: check ca");
    comment_is("a\nb\rc\td", 7, "a?b?c?d");
    comment_is("x\xc2\x85y\xe2\x80\xa8z", 8, "x?y?z");
    comment_is("ça\xff", 4, "ça?");
    comment_is("\xe6\x97\xa5", 2, "??"); /* cut by n: invalid */
    comment_is("日", 3, "日");
}

/* ---- path ---- */

static void abs_is(const char *path, const char *cwd, const char *want)
{
    char out[256];
    assert_int_equal(mf_path_abs(path, cwd, out, sizeof(out)), 0);
    assert_string_equal(out, want);
}

static void test_path_abs(void **state)
{
    (void)state;
    abs_is("/etc/haplane/haplane.conf", NULL, "/etc/haplane/haplane.conf");
    abs_is("haplane.conf", "/root", "/root/haplane.conf");
    abs_is("./a/../b//c/.", "/x/y/", "/x/y/b/c");
    abs_is("../../../..", "/x/y", "/");
    abs_is("/", NULL, "/");
    abs_is("//etc///hosts/", NULL, "/etc/hosts");
    abs_is("/a/b/../../c", NULL, "/c");

    char small[8];
    assert_int_equal(mf_path_abs("/etc/haplane", NULL, small, sizeof(small)), -1);
    assert_int_equal(mf_path_abs("rel", NULL, small, sizeof(small)), -1);
    assert_int_equal(mf_path_abs("rel", "not/abs", small, sizeof(small)), -1);
}

static void test_path_below(void **state)
{
    (void)state;
    assert_string_equal(mf_path_below("/etc/haplane/x.conf", "/etc/haplane"), "x.conf");
    assert_string_equal(mf_path_below("/etc/haplane/d/x", "/etc/haplane"), "d/x");
    assert_string_equal(mf_path_below("/etc/x", "/"), "etc/x");
    assert_null(mf_path_below("/etc/haplanex/x", "/etc/haplane"));
    assert_null(mf_path_below("/etc/haplane", "/etc/haplane"));
    assert_null(mf_path_below("/etc", "/etc/haplane"));

    assert_true(mf_path_in_image("/bin/sh"));
    assert_true(mf_path_in_image("/usr/sbin/haplane"));
    assert_true(mf_path_in_image("/usr/bin/sub/x"));
    assert_false(mf_path_in_image("/usr/local/bin/check.sh"));
    assert_false(mf_path_in_image("/etc/keepalived/check_apiserver.sh"));
    assert_false(mf_path_in_image("/binx/y"));
    assert_false(mf_path_in_image("/usr/libexec/keepalived/x"));
}

/* ---- capabilities ---- */

#define INSTANCE(extra)                                                                            \
    "vrrp_instance vi {\n interface eth0\n virtual_router_id 51\n"                                 \
    " virtual_ipaddress { 192.0.2.1/24 }\n" extra "}\n"
#define PROXY(port)  "proxy api {\n bind *:" port "\n server a 192.0.2.11:6443\n}\n"
#define SCRIPT(user) "vrrp_script chk {\n script \"/etc/haplane/chk.sh\"\n" user "}\n"

static struct cfg *load(const char *text)
{
    struct cfg_diags d = {0};
    struct cfg *c = NULL;
    if (cfg_load_buffer("t.conf", text, strlen(text), &c, &d) < 0) {
        cfg_diags_print(&d, stderr);
        fail_msg("config did not load:\n%s", text);
    }
    cfg_diags_free(&d);
    return c;
}

/* The capabilities text needs, exactly: names in enum order, "" for none.
 * Each one set carries a reason; with why_cap >= 0, that one's reason must
 * contain why_has. */
static void caps_why(const char *text, const char *want, int why_cap, const char *why_has)
{
    struct cfg *c = load(text);
    struct mf_caps k;
    char got[256] = "";
    mf_caps_derive(c, &k);
    for (int i = 0; i < MF_CAP_COUNT; i++) {
        if (!(k.set & (1u << i)))
            continue;
        assert_true(k.why[i][0] != 0);
        snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s", got[0] ? " " : "",
                 mf_cap_name((enum mf_cap)i));
    }
    if (strcmp(got, want))
        fail_msg("config:\n%s\nwant caps '%s', got '%s'", text, want, got);
    if (why_cap >= 0 && !strstr(k.why[why_cap], why_has))
        fail_msg("%s: reason '%s' lacks '%s'", mf_cap_name((enum mf_cap)why_cap), k.why[why_cap],
                 why_has);
    cfg_free(c);
}

static void caps_are(const char *text, const char *want)
{
    caps_why(text, want, -1, NULL);
}

static void test_caps_network(void **state)
{
    (void)state;
    caps_are(PROXY("16443"), ""); /* a proxy alone: nothing */
    caps_why(INSTANCE(""), "NET_ADMIN NET_RAW", MF_CAP_NET_ADMIN, "vrrp_instance vi");
    caps_why(INSTANCE(""), "NET_ADMIN NET_RAW", MF_CAP_NET_RAW, "raw socket");
    caps_why(PROXY("443"), "NET_BIND_SERVICE", MF_CAP_NET_BIND_SERVICE, "proxy api binds port 443");
    caps_are(PROXY("1024"), "");
    caps_why(PROXY("1023"), "NET_BIND_SERVICE", MF_CAP_NET_BIND_SERVICE, "port 1023");
    caps_why("proxy api {\n bind 127.0.0.1:16443\n bind [::1]:80\n server a 192.0.2.11:6443\n}\n",
             "NET_BIND_SERVICE", MF_CAP_NET_BIND_SERVICE, "port 80");
    caps_are(INSTANCE("") PROXY("16443"), "NET_ADMIN NET_RAW");
}

static void test_caps_quorum(void **state)
{
    (void)state;
    const char *peers = " unicast_peer { 192.0.2.12 192.0.2.13 }\n quorum on\n";
    char text[1024];
    snprintf(text, sizeof(text), "global_defs {\n quorum_port 712\n}\n" INSTANCE("%s"), peers);
    caps_why(text, "NET_ADMIN NET_RAW NET_BIND_SERVICE", MF_CAP_NET_BIND_SERVICE,
             "quorum heartbeat on UDP port 712");
    snprintf(text, sizeof(text), INSTANCE("%s"), peers); /* the default port, 7112 */
    caps_are(text, "NET_ADMIN NET_RAW");
    /* a low port but no instance with quorum on: no heartbeat socket */
    caps_are("global_defs {\n quorum_port 712\n}\n" INSTANCE(""), "NET_ADMIN NET_RAW");
}

static void test_caps_users(void **state)
{
    (void)state;
    const char *track = " track_script { chk }\n";
    char text[1024];
    /* no user anywhere: the daemon's own (root in the pod) */
    snprintf(text, sizeof(text), SCRIPT("") INSTANCE("%s"), track);
    caps_are(text, "NET_ADMIN NET_RAW");
    /* its own user */
    snprintf(text, sizeof(text), SCRIPT(" user nobody\n") INSTANCE("%s"), track);
    caps_are(text, "NET_ADMIN NET_RAW SETUID SETGID KILL");
    /* script_user for a script without its own */
    snprintf(text, sizeof(text),
             "global_defs {\n script_user haplane-check\n}\n" SCRIPT("") INSTANCE("%s"), track);
    caps_are(text, "NET_ADMIN NET_RAW SETUID SETGID KILL");
    /* its own user root beats script_user */
    snprintf(text, sizeof(text),
             "global_defs {\n script_user nobody\n}\n" SCRIPT(" user root\n") INSTANCE("%s"),
             track);
    caps_are(text, "NET_ADMIN NET_RAW");
    /* root with another group: setgroups/setgid only */
    snprintf(text, sizeof(text), SCRIPT(" user root adm\n") INSTANCE("%s"), track);
    caps_why(text, "NET_ADMIN NET_RAW SETGID", MF_CAP_SETGID, "runs as group adm");
    /* an untracked script is never run (keepalived): no capability for it */
    caps_are(SCRIPT(" user nobody\n") INSTANCE(""), "NET_ADMIN NET_RAW");
}

static void test_caps_notify_and_globals(void **state)
{
    (void)state;
    caps_are(INSTANCE(" notify_master \"/etc/haplane/master.sh\" nobody\n"),
             "NET_ADMIN NET_RAW SETUID SETGID KILL");
    caps_are(INSTANCE(" notify_master \"/etc/haplane/master.sh\"\n"), "NET_ADMIN NET_RAW");
    caps_why("global_defs {\n script_user nobody\n}\n" INSTANCE(" notify \"/usr/bin/logger\"\n"),
             "NET_ADMIN NET_RAW SETUID SETGID KILL", MF_CAP_KILL,
             "notify of vrrp_instance vi runs as user nobody");
    caps_are("global_defs {\n realtime on\n mlockall on\n}\n" PROXY("16443"), "SYS_NICE IPC_LOCK");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quote_plain),
        cmocka_unit_test(test_quote_escapes),
        cmocka_unit_test(test_quote_unicode),
        cmocka_unit_test(test_quote_invalid_utf8),
        cmocka_unit_test(test_comment),
        cmocka_unit_test(test_path_abs),
        cmocka_unit_test(test_path_below),
        cmocka_unit_test(test_caps_network),
        cmocka_unit_test(test_caps_quorum),
        cmocka_unit_test(test_caps_users),
        cmocka_unit_test(test_caps_notify_and_globals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
