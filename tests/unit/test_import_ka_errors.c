/* Unit tests: malformed keepalived.conf inputs. Each case asserts the
 * complete list of diagnostics (FILE:LINE:COL and message), so a change of
 * wording or position is a deliberate one. Inputs are named k.conf; a
 * name under tests/fixtures/compat/errors makes `include` find files. */
#include "test_import.h"

/* A valid instance around `body` (which starts on line 5). */
#define VI(body)                                                                                   \
    "vrrp_instance vi {\n"                                                                         \
    "    interface eth0\n"                                                                         \
    "    virtual_router_id 1\n"                                                                    \
    "    virtual_ipaddress { 10.0.0.1 }\n" body "}\n"
#define ERRDIR COMPAT "errors/"

struct bad {
    const char *name;
    const char *file; /* NULL: k.conf */
    const char *in;
    const char *want;
};

static const struct bad cases[] = {
    {"unknown_keepalived_keyword", NULL, VI("    use_vmak\n"),
     "k.conf:5:5: error: unknown directive 'use_vmak' in vrrp_instance (did you mean "
     "'use_vmac'?)\n"},
    {"unknown_native_keyword_suggested", NULL, VI("    prioirty 100\n"),
     "k.conf:5:5: error: unknown directive 'prioirty' in vrrp_instance (did you mean "
     "'priority'?)\n"},
    {"unknown_top_level", NULL, "vrrp_instanse vi {\n}\n",
     "k.conf:1:1: error: unknown directive 'vrrp_instanse' at top level (did you mean "
     "'vrrp_instance'?)\n"},
    {"unknown_in_global_defs", NULL,
     "global_defs {\n"
     "    notification_emial {\n"
     "        a@b\n"
     "    }\n"
     "}\n",
     "k.conf:2:5: error: unknown directive 'notification_emial' in global_defs (did you mean "
     "'notification_email'?)\n"},
    {"virtual_server_refused", NULL,
     "virtual_server 10.0.0.1 80 {\n"
     "    real_server 10.0.0.2 80 {\n"
     "        weight 1\n"
     "    }\n"
     "}\n",
     "k.conf:1:1: error: 'virtual_server' is not supported: LVS/IPVS load balancing is replaced "
     "by haplane's TCP proxy; describe the service in haproxy.cfg (--haproxy) or in a proxy "
     "block\n"},
    {"virtual_server_group_refused", NULL, "virtual_server_group g {\n    10.0.0.1 80\n}\n",
     "k.conf:1:1: error: 'virtual_server_group' is not supported: LVS/IPVS load balancing is "
     "replaced by haplane's TCP proxy\n"},
    {"sync_group_of_two", NULL,
     "vrrp_sync_group G {\n"
     "    group {\n"
     "        VI_1\n"
     "        VI_2\n"
     "    }\n"
     "    notify_master /bin/true\n"
     "}\n",
     "k.conf:6:5: warning: 'notify_master' is not supported; ignored (no equivalent)\n"
     "k.conf:1:1: error: vrrp_sync_group 'G' is not supported: its 2 instances would fail over "
     "one by one, not together; use one vrrp_instance with all the addresses\n"},
    {"script_weight_reverse", NULL,
     "vrrp_script s {\n"
     "    script /bin/true\n"
     "    weight -10 reverse\n"
     "}\n",
     "k.conf:3:16: error: 'weight ... reverse' is not supported: haplane moves the priority in "
     "keepalived's usual direction (down while failing for a negative weight)\n"},
    {"script_weight_junk", NULL,
     "vrrp_script s {\n"
     "    script /bin/true\n"
     "    weight -10 sideways\n"
     "}\n",
     "k.conf:3:16: error: unexpected 'sideways' (expected weight W [reverse])\n"},
    {"track_script_reverse", NULL,
     "vrrp_script s {\n"
     "    script /bin/true\n"
     "}\n" VI("    track_script {\n"
              "        s weight 5 reverse\n"
              "    }\n"),
     "k.conf:9:20: error: 'weight ... reverse' is not supported: haplane moves the priority in "
     "keepalived's usual direction (down while failing for a negative weight)\n"},
    {"track_interface_reverse", NULL, VI("    track_interface { eth1 weight -5 reverse }\n"),
     "k.conf:5:38: error: 'weight ... reverse' is not supported: haplane moves the priority in "
     "keepalived's usual direction (down while failing for a negative weight)\n"},
    {"vip_unknown_option", NULL, VI("    virtual_ipaddress { 10.0.0.2/24 devv eth0 }\n"),
     "k.conf:5:37: error: unknown virtual_ipaddress option 'devv' (did you mean 'dev'?)\n"},
    {"vip_option_without_value", NULL,
     VI("    virtual_ipaddress {\n"
        "        10.0.0.2/24 brd\n"
        "    }\n"),
     "k.conf:6:21: error: missing value after 'brd'\n"},
    {"vip_excluded_refused", NULL,
     VI("    virtual_ipaddress_excluded {\n"
        "        10.0.0.9\n"
        "    }\n"),
     "k.conf:5:5: error: 'virtual_ipaddress_excluded' is not supported: move the addresses to "
     "virtual_ipaddress (all peers must agree) or configure them on the host\n"},
    {"virtual_routes_refused", NULL,
     VI("    virtual_routes {\n"
        "        src 10.0.0.1 to 10.9.0.0/16 via 10.0.0.254\n"
        "    }\n"),
     "k.conf:5:5: error: 'virtual_routes' is not supported: haplane adds no routes when it "
     "becomes master\n"},
    {"track_process_refused", NULL, VI("    track_process {\n        haproxy\n    }\n"),
     "k.conf:5:5: error: 'track_process' is not supported: use a vrrp_script (for haproxy: "
     "track_proxy)\n"},
    {"track_bfd_refused", NULL, VI("    track_bfd { b1 }\n"),
     "k.conf:5:5: error: 'track_bfd' is not supported: BFD is not implemented; use a "
     "vrrp_script\n"},
    {"old_unicast_checksum_refused", NULL, VI("    old_unicast_checksum\n"),
     "k.conf:5:5: error: 'old_unicast_checksum' is not supported: haplane sends and expects "
     "standard VRRPv3 checksums\n"},
    {"peer_option_without_value", NULL,
     VI("    unicast_peer {\n"
        "        10.0.0.2 min_ttl\n"
        "    }\n"),
     "k.conf:6:18: error: missing value after 'min_ttl'\n"},
    {"strict_mode_bad_value", NULL, VI("    strict_mode maybe\n"),
     "k.conf:5:17: error: invalid strict_mode 'maybe': expected on or off\n"},
    {"rt_priority_out_of_range", NULL, "global_defs {\n    vrrp_rt_priority 0\n}\n",
     "k.conf:2:22: error: invalid vrrp_rt_priority '0': must be between 1 and 99\n"},
    {"min_garp_bad_value", NULL, "global_defs {\n    vrrp_min_garp sometimes\n}\n",
     "k.conf:2:19: error: invalid vrrp_min_garp 'sometimes': expected on or off\n"},
    {"seq_block_unsupported", NULL, "~SEQ(N, 1, 3) $N\n",
     "k.conf:1:1: error: '~SEQ' blocks are not supported: write the lines out (or generate "
     "them)\n"},
    {"lst_block_unsupported", NULL, "    ~LST(N, a, b) $N\n",
     "k.conf:1:5: error: '~LST' blocks are not supported: write the lines out (or generate "
     "them)\n"},
    {"random_unsupported", NULL, "global_defs {\n    router_id r${_RANDOM 1 9}\n}\n",
     "k.conf:2:16: error: ${_RANDOM} is not supported (a configuration must read the same on "
     "every load)\n"},
    {"self_referring_parameter", NULL,
     "$A=x${A}\n"
     "global_defs {\n"
     "    router_id ${A}\n"
     "}\n",
     "k.conf:3:15: error: parameter 'A' keeps expanding (a definition that uses itself?)\n"},
    {"unbraced_parameter_not_replaced", NULL,
     "$VIP=10.0.0.5\n" VI("    virtual_ipaddress { $VIP/24 }\n"),
     "k.conf:6:25: error: invalid virtual_ipaddress '$VIP/24': not an IPv4 or IPv6 address\n"},
    {"error_at_substituted_value", NULL, "$PRIO=high\n" VI("    priority $PRIO\n"),
     "k.conf:6:14: error: invalid priority 'high': expected an integer\n"},
    {"error_in_multiline_expansion", NULL,
     "$BLOCK= \\\n"
     "    priority 5 \\\n"
     "    advert_int fast\n" VI("    $BLOCK\n"),
     "k.conf:8:5: error: invalid advert_int 'fast': expected a duration such as 250ms, 2s, 1m, "
     "1h or 0.5\n"},
    {"error_after_conditional_prefix", NULL, VI("    @master1 prioriti 5\n    @master2 junk\n"),
     "k.conf:5:14: error: unknown directive 'prioriti' in vrrp_instance (did you mean "
     "'priority'?)\n"},
    {"unterminated_string_after_prefix", NULL, "global_defs {\n    @master1 router_id \"abc\n}\n",
     "k.conf:2:24: error: unterminated string (missing '\"')\n"},
    {"include_missing_file", ERRDIR "k.conf", "include missing.conf\n",
     ERRDIR "k.conf:1:9: error: cannot open '" ERRDIR "missing.conf': No such file or "
            "directory\n"},
    {"include_cycle", ERRDIR "k.conf", "include cycle-a.conf\n",
     ERRDIR "cycle-b.conf:2:9: error: include cycle: '" ERRDIR "cycle-a.conf' is already being "
            "read\n"},
    {"include_error_in_included_file", ERRDIR "k.conf", "include bad-instance.conf\n",
     ERRDIR "bad-instance.conf:4:23: error: invalid virtual_router_id '300': must be between 1 "
            "and 255\n"},
    {"include_without_file", NULL, "include\n",
     "k.conf:1:1: error: 'include' takes 1 argument (a file name or pattern)\n"},
    {"auth_ah_refused", NULL,
     VI("    authentication {\n"
        "        auth_type AH\n"
        "        auth_pass secret\n"
        "    }\n"),
     "k.conf:6:19: error: auth_type AH (IPsec AH) is not supported; use PASS, or no "
     "authentication\n"},
    {"track_script_unknown_script", NULL, VI("    track_script { chk_haprxy }\n"),
     "k.conf:5:20: error: track_script 'chk_haprxy' refers to no vrrp_script\n"},
    {"brace_never_closed", NULL, "vrrp_instance vi {\n    interface eth0\n",
     "k.conf:1:18: error: block of 'vrrp_instance' opened here is never closed (missing '}')\n"},
};

static void run_case(void **state)
{
    const struct bad *b = *state;
    struct imp_text k = {b->file ? b->file : "k.conf", b->in, strlen(b->in)};
    struct imp_sources src = {
        .config_id = "master1", .host = &everything, .facts = CFG_FACTS_ERROR};
    struct cfg_diags d = {0};
    struct cfg *c = (struct cfg *)1;
    int r = imp_load_texts(&k, NULL, &src, &c, &d);
    char *got = diags_text(&d);

    assert_string_equal(got, b->want);
    assert_int_equal(r, -1);
    assert_null(c);
    assert_true(d.nerrors > 0);
    free(got);
    cfg_diags_free(&d);
}

/* A group of one instance only warns (keepalived too). */
static void sync_group_of_one(void **state)
{
    struct cfg *c = texts_ok("vrrp_sync_group G {\n"
                             "    group { vi }\n"
                             "}\n" VI(""),
                             NULL,
                             "k.conf:1:1: warning: vrrp_sync_group 'G' has 1 instance; ignored (a "
                             "group of one changes nothing)\n");
    assert_int_equal(c->ninstances, 1);
    cfg_free(c);
}

/* With no_include (fuzzing), `include` is an error and nothing is read,
 * not even a file that exists. */
static void include_disabled(void **state)
{
    const char *in = "include cycle-a.conf\n";
    struct imp_text k = {ERRDIR "k.conf", in, strlen(in)};
    struct imp_sources src = {
        .config_id = "master1", .host = &everything, .facts = CFG_FACTS_ERROR, .no_include = true};
    struct cfg_diags d = {0};
    struct cfg *c = (struct cfg *)1;

    assert_int_equal(imp_load_texts(&k, NULL, &src, &c, &d), -1);
    char *got = diags_text(&d);
    assert_string_equal(got, ERRDIR "k.conf:1:1: error: 'include' is disabled here\n");
    assert_null(c);
    free(got);
    cfg_diags_free(&d);
}

int main(void)
{
    enum { N = sizeof(cases) / sizeof(cases[0]) };
    struct CMUnitTest tests[N + 2];

    for (size_t i = 0; i < N; i++) {
        memset(&tests[i], 0, sizeof(tests[i]));
        tests[i].name = cases[i].name;
        tests[i].test_func = run_case;
        tests[i].initial_state = (void *)&cases[i];
    }
    tests[N] = (struct CMUnitTest)cmocka_unit_test(sync_group_of_one);
    tests[N + 1] = (struct CMUnitTest)cmocka_unit_test(include_disabled);
    return _cmocka_run_group_tests("import_ka_errors", tests, N + 2, NULL, NULL);
}
