/* Unit tests: bad configurations. Each case asserts the complete list of
 * diagnostics, FILE:LINE:COL and message text, so that a change of wording
 * or position is a deliberate one. */
#include "test_conf.h"

#include "proxy/balance.h"

/* validation refuses what the balancer cannot hold (issue 10 item 5) */
_Static_assert(CFG_MAX_SERVERS == PX_BALANCE_MAX_SERVERS,
               "conf-t.h CFG_MAX_SERVERS must equal proxy/balance.h PX_BALANCE_MAX_SERVERS");

/* A valid instance / proxy around `body` (which starts on line 5 / 4). */
#define VI(body)                                                                                   \
    "vrrp_instance vi {\n"                                                                         \
    "    interface eth0\n"                                                                         \
    "    virtual_router_id 1\n"                                                                    \
    "    virtual_ipaddress { 10.0.0.1 }\n" body "}\n"
#define PX(body)                                                                                   \
    "proxy p {\n"                                                                                  \
    "    bind *:80\n"                                                                              \
    "    server s 10.0.0.2:80\n" body "}\n"
#define IN(lit) lit, sizeof(lit) - 1
#define X10     "xxxxxxxxxx"
#define X100    X10 X10 X10 X10 X10 X10 X10 X10 X10 X10

struct bad {
    const char *name;
    const char *in;
    size_t len;
    const char *want;
};

static const struct bad cases[] = {
    {"unknown_directive_suggestion", IN(VI("    prioriti 100\n")),
     "t.conf:5:5: error: unknown directive 'prioriti' in vrrp_instance (did you mean "
     "'priority'?)\n"},
    {"unknown_top_level", IN("frobnicate on\n"),
     "t.conf:1:1: error: unknown directive 'frobnicate' at top level\n"},
    {"unknown_top_level_suggestion",
     IN("vrrp_instanse vi {\n"
        "    priority 1\n"
        "}\n"),
     "t.conf:1:1: error: unknown directive 'vrrp_instanse' at top level (did you mean "
     "'vrrp_instance'?)\n"},
    {"unknown_in_global_block_skipped",
     IN("global_defs {\n"
        "    notification_email {\n"
        "        a@b\n"
        "    }\n"
        "    router_id x\n"
        "}\n"),
     "t.conf:2:5: error: unknown directive 'notification_email' in global_defs\n"},
    {"unclosed_block",
     IN("vrrp_instance vi {\n"
        "    interface eth0\n"
        "    virtual_ipaddress {\n"
        "        10.0.0.1\n"
        "}\n"),
     "t.conf:1:18: error: block of 'vrrp_instance' opened here is never closed (missing '}')\n"},
    {"stray_close_brace",
     IN("global_defs {\n"
        "    router_id a\n"
        "}\n"
        "}\n"
        "proxy x {\n"),
     "t.conf:4:1: error: '}' without a matching '{'\n"},
    {"unterminated_string",
     IN("global_defs {\n"
        "    router_id \"abc\n"
        "}\n"),
     "t.conf:2:15: error: unterminated string (missing '\"')\n"},
    {"stray_open_brace", IN("{ router_id x }\n"),
     "t.conf:1:1: error: unexpected '{' (a block must follow a directive)\n"},
    {"missing_argument", IN(VI("    priority\n")),
     "t.conf:5:5: error: missing argument after 'priority'\n"},
    {"too_many_arguments", IN(VI("    priority 100 200\n")),
     "t.conf:5:18: error: unexpected '200' ('priority' takes 1 argument)\n"},
    {"block_not_allowed",
     IN(VI("    priority 100 {\n"
           "        x\n"
           "    }\n")),
     "t.conf:5:18: error: 'priority' does not take a block\n"},
    {"block_required",
     IN("vrrp_instance vi\n"
        "proxy p {\n"
        "}\n"),
     "t.conf:1:1: error: 'vrrp_instance' needs a block '{ ... }'\n"},
    {"args_and_block",
     IN(VI("    track_proxy p weight -5 {\n"
           "        p\n"
           "    }\n")),
     "t.conf:5:29: error: 'track_proxy' takes arguments or a block, not both\n"},
    {"nul_byte",
     IN("global_defs {\n"
        "    router_id a\0b\n"
        "}\n"),
     "t.conf:2:16: error: NUL byte in input\n"
     "t.conf:2:17: error: unexpected 'b' ('router_id' takes 1 argument)\n"},
    {"several_errors_one_run",
     IN("global_defs {\n"
        "    vrrp_version 4\n"
        "    realtime maybe\n"
        "}\n"
        "vrrp_script s {\n"
        "    interval -1\n"
        "}\n"
        "vrrp_instance vi {\n"
        "    interface eth0\n"
        "    virtual_router_id 1\n"
        "    virtual_ipaddress { 10.0.0.1 }\n"
        "    state master2\n"
        "    nopreempt yes\n"
        "}\n"),
     "t.conf:2:18: error: invalid vrrp_version '4': must be between 2 and 3\n"
     "t.conf:3:14: error: invalid realtime 'maybe': expected on or off\n"
     "t.conf:6:14: error: invalid interval '-1': expected a duration such as 250ms, 2s, 1m, 1h or "
     "0.5\n"
     "t.conf:12:11: error: invalid state 'master2': expected BACKUP or MASTER\n"
     "t.conf:13:15: error: unexpected 'yes' ('nopreempt' takes no argument)\n"},
    {"vrid_zero",
     IN("vrrp_instance vi {\n"
        "    virtual_router_id 0\n"
        "}\n"),
     "t.conf:2:23: error: invalid virtual_router_id '0': must be between 1 and 255\n"},
    {"priority_too_high", IN(VI("    priority 256\n")),
     "t.conf:5:14: error: invalid priority '256': must be between 1 and 255\n"},
    {"priority_not_integer", IN(VI("    priority high\n")),
     "t.conf:5:14: error: invalid priority 'high': expected an integer\n"},
    {"advert_int_not_duration", IN(VI("    advert_int 1x\n")),
     "t.conf:5:16: error: invalid advert_int '1x': expected a duration such as 250ms, 2s, 1m, 1h "
     "or 0.5\n"},
    {"advert_int_out_of_range", IN(VI("    advert_int 300\n")),
     "t.conf:5:16: error: invalid advert_int '300': must be between 10ms and 255s\n"},
    {"advert_int_v2_fraction", IN(VI("    advert_int 0.5\n")),
     "t.conf:5:16: error: advert_int 500ms is not valid for VRRPv2: whole seconds from 1 to 255 "
     "(or use version 3)\n"},
    {"advert_int_v3_granularity",
     IN(VI("    version 3\n"
           "    advert_int 15ms\n")),
     "t.conf:6:16: error: advert_int 15ms is not valid for VRRPv3: a multiple of 10ms from 10ms to "
     "40950ms\n"},
    {"advert_int_v3_too_long",
     IN(VI("    version 3\n"
           "    advert_int 41s\n")),
     "t.conf:6:16: error: advert_int 41s is not valid for VRRPv3: a multiple of 10ms from 10ms to "
     "40950ms\n"},
    {"script_weight_range",
     IN("vrrp_script s {\n"
        "    script x\n"
        "    weight 254\n"
        "}\n"),
     "t.conf:3:12: error: invalid weight '254': must be between -253 and 253\n"},
    {"track_weight_range",
     IN(VI("    track_interface {\n"
           "        eth1 weight -300\n"
           "    }\n")),
     "t.conf:6:21: error: invalid weight '-300': must be between -253 and 253\n"},
    {"track_line_syntax",
     IN(VI("    track_script {\n"
           "        a b\n"
           "    }\n")),
     "t.conf:6:11: error: unexpected 'b' (expected NAME [weight W])\n"},
    {"state_invalid", IN(VI("    state MASTR\n")),
     "t.conf:5:11: error: invalid state 'MASTR': expected BACKUP or MASTER\n"},
    {"auth_type_invalid",
     IN(VI("    authentication {\n"
           "        auth_type md5\n"
           "    }\n")),
     "t.conf:6:19: error: invalid auth_type 'md5': expected NONE, PASS or AH\n"},
    {"interface_too_long",
     IN("vrrp_instance vi {\n"
        "    interface eth0123456789abcdef\n"
        "}\n"),
     "t.conf:2:15: error: invalid interface name 'eth0123456789abcdef': must be 1 to 15 "
     "characters\n"},
    {"vip_bad_prefix",
     IN("vrrp_instance vi {\n"
        "    virtual_ipaddress {\n"
        "        10.0.0.1/33\n"
        "    }\n"
        "}\n"),
     "t.conf:3:9: error: invalid virtual_ipaddress '10.0.0.1/33': prefix length must be between 0 "
     "and 32\n"},
    {"vip_unknown_option",
     IN("vrrp_instance vi {\n"
        "    virtual_ipaddress {\n"
        "        10.0.0.1 devv eth0\n"
        "        10.0.0.2 scope link\n"
        "        10.0.0.3 dev\n"
        "    }\n"
        "}\n"),
     "t.conf:3:18: error: unknown virtual_ipaddress option 'devv' (did you mean 'dev'?)\n"
     "t.conf:4:18: error: unknown virtual_ipaddress option 'scope' (expected dev or label)\n"
     "t.conf:5:18: error: missing value after 'dev'\n"},
    {"peer_with_prefix", IN(VI("    unicast_peer 10.0.0.2/24\n")),
     "t.conf:5:18: error: invalid unicast_peer '10.0.0.2/24': a prefix length is not allowed "
     "here\n"},
    {"bind_without_port", IN(PX("    bind 10.0.0.1\n")),
     "t.conf:4:10: error: invalid bind '10.0.0.1': missing port (expected HOST:PORT)\n"},
    {"bind_host_name", IN(PX("    bind localhost:80\n")),
     "t.conf:4:10: error: invalid bind 'localhost:80': expected ADDRESS:PORT, [IPv6]:PORT or "
     "*:PORT\n"},
    {"server_port_zero", IN(PX("    server t 10.0.0.3:0\n")),
     "t.conf:4:14: error: invalid server address '10.0.0.3:0': port must be between 1 and 65535\n"},
    {"server_unknown_option", IN(PX("    server t 10.0.0.3:80 weigth 2\n")),
     "t.conf:4:26: error: unknown server option 'weigth' (did you mean 'weight'?)\n"},
    {"server_weight_range", IN(PX("    server t 10.0.0.3:80 weight 300\n")),
     "t.conf:4:33: error: invalid server weight '300': must be between 0 and 256\n"},
    {"balance_invalid", IN(PX("    balance random\n")),
     "t.conf:4:13: error: invalid balance 'random': expected roundrobin, leastconn or source\n"},
    {"timeout_kind_suggestion", IN(PX("    timeout conect 2s\n")),
     "t.conf:4:13: error: unknown timeout 'conect' (did you mean 'connect'?)\n"},
    {"timeout_idle_range", IN(PX("    timeout idle 0\n")),
     "t.conf:4:18: error: invalid timeout idle '0': must be between 1s and 720h\n"},
    {"check_expect_range", IN(PX("    check http GET /readyz expect 600\n")),
     "t.conf:4:35: error: invalid check expect '600': must be between 100 and 599\n"},
    {"check_option_not_for_tcp", IN(PX("    check tcp expect 200\n")),
     "t.conf:4:15: error: 'expect' does not apply to 'check tcp'\n"},
    {"check_tls_option_not_for_http", IN(PX("    check http GET / verify required\n")),
     "t.conf:4:22: error: 'verify' does not apply to 'check http'\n"},
    {"check_missing_path", IN(PX("    check https GET\n")),
     "t.conf:4:17: error: missing PATH after 'check https'\n"},
    {"check_bad_method", IN(PX("    check https get /readyz\n")),
     "t.conf:4:17: error: invalid check method 'get': expected GET, HEAD, ...\n"},
    {"check_unknown_option", IN(PX("    check https GET /readyz intervall 1s\n")),
     "t.conf:4:29: error: unknown check option 'intervall' (did you mean 'interval'?)\n"},
    {"check_missing_value", IN(PX("    check https GET /readyz interval\n")),
     "t.conf:4:29: error: missing value after 'interval'\n"},
    {"check_fall_zero", IN(PX("    check tcp fall 0\n")),
     "t.conf:4:20: error: invalid check fall '0': must be between 1 and 1000\n"},
    {"check_sni_invalid", IN(PX("    check https GET / sni 10.0.0.1\n")),
     "t.conf:4:27: error: invalid sni '10.0.0.1': not a host name\n"},
    /* what the checker refuses at run time is refused here (issue 10 item 5) */
    {"check_path_control_byte", IN(PX("    check http GET /ready\x15z\n")),
     "t.conf:4:20: error: invalid check path '/ready\\x15z': visible ASCII only (no control "
     "bytes, spaces or bytes above 0x7e)\n"},
    {"check_path_too_long", IN(PX("    check http GET /" X100 X100 X100 X100 X100 X10 "yy\n")),
     "t.conf:4:20: error: check path is 513 bytes long, at most 512 (the check request must fit "
     "its buffer)\n"},
    {"vip_lifetime_fraction", IN(VI("    vip_lifetime 1.5\n")),
     "t.conf:5:18: error: invalid vip_lifetime '1.5': must be whole seconds (the kernel counts "
     "address lifetimes in seconds)\n"},
    {"mcast_group_not_multicast",
     IN("global_defs {\n"
        "    vrrp_mcast_group4 10.0.0.1\n"
        "    vrrp_mcast_group6 224.0.0.18\n"
        "}\n"),
     "t.conf:2:23: error: invalid vrrp_mcast_group4 '10.0.0.1': not an IPv4 multicast address\n"
     "t.conf:3:23: error: invalid vrrp_mcast_group6 '224.0.0.18': not an IPv6 multicast address\n"},
    {"retries_range", IN(PX("    retries 101\n")),
     "t.conf:4:13: error: invalid retries '101': must be between 0 and 100\n"},
    {"maxconn_negative", IN(PX("    maxconn -1\n")),
     "t.conf:4:13: error: invalid maxconn '-1': must be between 0 and 10000000\n"},
    {"workers_zero", IN(PX("    workers 0\n")),
     "t.conf:4:13: error: invalid workers '0': must be between 1 and 256\n"},
    {"bool_invalid", IN(VI("    quorum maybe\n")),
     "t.conf:5:12: error: invalid quorum 'maybe': expected on or off\n"},
    {"vrrp_version_invalid",
     IN("global_defs {\n"
        "    vrrp_version 4\n"
        "}\n"),
     "t.conf:2:18: error: invalid vrrp_version '4': must be between 2 and 3\n"},
    {"track_script_unknown",
     IN("vrrp_script check_proxy {\n"
        "    script x\n"
        "}\n"
        "vrrp_instance vi {\n"
        "    interface eth0\n"
        "    virtual_router_id 1\n"
        "    virtual_ipaddress { 10.0.0.1 }\n"
        "    track_script {\n"
        "        check_proxi\n"
        "    }\n"
        "}\n"),
     "t.conf:1:13: warning: vrrp_script 'check_proxy' is not used by any track_script\n"
     "t.conf:9:9: error: track_script 'check_proxi' refers to no vrrp_script (did you mean "
     "'check_proxy'?)\n"},
    {"track_proxy_unknown", IN(VI("    track_proxy nothere weight -10\n")),
     "t.conf:5:17: error: track_proxy 'nothere' refers to no proxy\n"},
    {"duplicate_instance",
     IN(VI("}\n"
           "vrrp_instance vi {\n"
           "    interface eth1\n"
           "    virtual_router_id 2\n"
           "    virtual_ipaddress 10.0.0.2\n")),
     "t.conf:6:15: error: vrrp_instance 'vi' is already defined at line 1\n"},
    {"duplicate_script",
     IN("vrrp_script s {\n"
        "    script a\n"
        "}\n"
        "vrrp_script s {\n"
        "    script b\n"
        "}\n"
        "vrrp_instance vi {\n"
        "    interface eth0\n"
        "    virtual_router_id 1\n"
        "    virtual_ipaddress { 10.0.0.1 }\n"
        "    track_script s\n"
        "}\n"),
     "t.conf:4:13: error: vrrp_script 's' is already defined at line 1\n"},
    {"duplicate_proxy",
     IN(PX("}\n"
           "proxy p {\n"
           "    bind *:81\n"
           "    server s 10.0.0.2:80\n")),
     "t.conf:5:7: error: proxy 'p' is already defined at line 1\n"},
    {"duplicate_server", IN(PX("    server s 10.0.0.3:80\n")),
     "t.conf:4:12: error: server 's' is already defined at line 3\n"},
    {"duplicate_vrid",
     IN(VI("}\n"
           "vrrp_instance other {\n"
           "    interface eth0\n"
           "    virtual_router_id 1\n"
           "    virtual_ipaddress 10.0.0.2\n")),
     "t.conf:8:23: error: virtual_router_id 1 is already used on eth0 for IPv4 by vrrp_instance "
     "'vi' (line 3)\n"},
    {"instance_without_interface",
     IN("vrrp_instance vi {\n"
        "    virtual_router_id 1\n"
        "    virtual_ipaddress 10.0.0.1\n"
        "}\n"),
     "t.conf:1:15: error: vrrp_instance 'vi' has no interface\n"},
    {"instance_without_vips",
     IN("vrrp_instance vi {\n"
        "    interface eth0\n"
        "    virtual_router_id 1\n"
        "}\n"),
     "t.conf:1:15: error: vrrp_instance 'vi' has no virtual_ipaddress\n"},
    {"instance_without_vrid",
     IN("vrrp_instance vi {\n"
        "    interface eth0\n"
        "    virtual_ipaddress 10.0.0.1\n"
        "}\n"),
     "t.conf:1:15: error: vrrp_instance 'vi' has no virtual_router_id\n"},
    {"proxy_without_bind_and_server",
     IN("proxy empty {\n"
        "    balance leastconn\n"
        "}\n"),
     "t.conf:1:7: error: proxy 'empty' has no bind\n"
     "t.conf:1:7: error: proxy 'empty' has no server\n"},
    {"mixed_families",
     IN(VI("    virtual_ipaddress {\n"
           "        2001:db8::1\n"
           "    }\n")),
     "t.conf:6:9: error: IPv6 address 2001:db8::1 in an IPv4 vrrp_instance (first address 10.0.0.1 "
     "at line 4): a virtual router carries one address family (RFC 5798), use one vrrp_instance "
     "per family\n"},
    {"v2_with_ipv6",
     IN("vrrp_instance vi {\n"
        "    interface eth0\n"
        "    virtual_router_id 1\n"
        "    virtual_ipaddress fe80::1\n"
        "}\n"),
     "t.conf:4:23: error: IPv6 address fe80::1 needs version 3 (VRRPv2, RFC 3768, is IPv4-only)\n"},
    {"peer_family_mismatch",
     IN(VI("    unicast_peer {\n"
           "        10.0.0.2\n"
           "        fd00::2\n"
           "    }\n")),
     "t.conf:7:9: error: unicast_peer fd00::2 is IPv6 but the virtual addresses are IPv4\n"},
    {"source_family_mismatch", IN(VI("    mcast_src_ip fd00::1\n")),
     "t.conf:5:18: error: source address fd00::1 is IPv6 but the virtual addresses are IPv4\n"},
    {"peer_is_own_source",
     IN(VI("    unicast_src_ip 10.0.0.5\n"
           "    unicast_peer 10.0.0.5 10.0.0.6\n")),
     "t.conf:6:18: error: unicast_peer 10.0.0.5 is this router's own source address\n"},
    {"auth_type_without_pass",
     IN(VI("    authentication {\n"
           "        auth_type AH\n"
           "    }\n")),
     "t.conf:6:19: error: auth_type AH needs auth_pass\n"},
    {"auth_type_ah_unsupported",
     IN(VI("    authentication {\n"
           "        auth_type AH\n"
           "        auth_pass secret\n"
           "    }\n")),
     "t.conf:6:19: error: auth_type AH (IPsec AH) is not supported; use PASS, or no "
     "authentication\n"},
    {"auth_pass_without_type",
     IN(VI("    authentication {\n"
           "        auth_pass secret\n"
           "    }\n")),
     "t.conf:6:19: error: auth_pass needs auth_type PASS or AH\n"},
    {"quorum_without_peers", IN(VI("    quorum on\n")),
     "t.conf:5:12: error: quorum needs the group: unicast_peer, or cluster_size N with "
     "multicast\n"},
    {"cluster_size_two", IN(VI("    quorum on\n    cluster_size 2\n")),
     "t.conf:5:12: error: quorum with one other node (cluster_size 2): two nodes have no "
     "majority when they are cut apart (each sees 1 of 2, so neither could hold the VIP); add a "
     "third node, or a fence etcd to decide between the two\n"},
    {"cluster_size_disagrees", IN(VI("    quorum on\n    cluster_size 4\n"
                                     "    unicast_peer { 10.0.0.9 10.0.0.8 }\n")),
     "t.conf:6:18: error: cluster_size 4 disagrees with the 2 unicast_peers (3 nodes with this "
     "one)\n"},
    {"quorum_with_one_peer", IN(VI("    quorum on\n    unicast_peer { 10.0.0.9 }\n")),
     "t.conf:5:12: error: quorum with one unicast_peer: two nodes have no majority when they are "
     "cut apart (each sees 1 of 2, so neither could hold the VIP); add a third node, or a fence "
     "etcd to decide between the two\n"},
    {"fence_unknown_kind", IN(VI("    fence zookeeper {\n    }\n")),
     "t.conf:5:11: error: unknown fence 'zookeeper' (expected etcd)\n"},
    {"fence_without_endpoints", IN(VI("    fence etcd {\n        ttl 3s\n    }\n")),
     "t.conf:5:5: error: fence etcd needs endpoints (the etcd members' client URLs)\n"},
    {"fence_bad_endpoints",
     IN(VI("    fence etcd {\n        endpoints http://etcd1:2379 10.0.0.5:2379 "
           "https://10.0.0.5:2379/v3\n    }\n")),
     "t.conf:6:9: error: invalid fence endpoint 'http://etcd1:2379': not an IP address: etcd1 "
     "(names are not resolved)\n"
     "t.conf:6:9: error: invalid fence endpoint '10.0.0.5:2379': expected http:// or https://\n"
     "t.conf:6:9: error: invalid fence endpoint 'https://10.0.0.5:2379/v3': a path is not "
     "allowed\n"},
    {"fence_ttl_short",
     IN(VI("    fence etcd {\n        endpoints http://10.0.0.5\n        ttl "
           "1s\n    }\n")),
     "t.conf:7:13: error: fence ttl below 2s: etcd grants at least 1.5 election timeouts rounded "
     "up (2 s with its default 1 s election timeout) and raises a shorter one without error\n"},
    {"fence_ttl_fraction",
     IN(VI("    fence etcd {\n        endpoints http://10.0.0.5\n        "
           "ttl 2500ms\n    }\n")),
     "t.conf:7:13: error: fence ttl must be whole seconds (etcd leases count in seconds)\n"},
    {"fence_vip_forever",
     IN(VI("    vip_lifetime off\n    fence etcd {\n        endpoints "
           "http://10.0.0.5\n        key k.pem\n    }\n")),
     "t.conf:5:18: error: vip_lifetime off with a fence: the VIP must expire with the etcd lease\n"
     "t.conf:8:13: error: fence key without cert\n"},
    {"fence_vip_longer_than_ttl",
     IN(VI("    vip_lifetime 5s\n    fence etcd {\n        endpoints "
           "http://10.0.0.5\n    }\n")),
     "t.conf:5:18: error: vip_lifetime longer than the fence ttl: the VIP of a frozen or killed "
     "master must not outlive its etcd lease\n"},
    {"track_etcd_bad_scheme", IN(VI("    track_etcd ftp://10.0.0.5 weight -10\n")),
     "t.conf:5:16: error: invalid track_etcd URL 'ftp://10.0.0.5': expected http:// or https://\n"},
    {"track_etcd_bad_port", IN(VI("    track_etcd http://[::1]:0\n")),
     "t.conf:5:16: error: invalid track_etcd URL 'http://[::1]:0': invalid port\n"},
    {"vip_lifetime_too_short", IN(VI("    vip_lifetime 1s\n")),
     "t.conf:5:18: error: vip_lifetime must be longer than advert_int (the master refreshes the "
     "VIP at every advert)\n"},
    {"bind_conflict",
     IN(PX("    bind 127.0.0.1:80\n"
           "}\n"
           "proxy q {\n"
           "    bind [::1]:80\n"
           "    server s 10.0.0.2:80\n")),
     "t.conf:4:10: error: bind 127.0.0.1:80 conflicts with bind *:80 of proxy 'p' (line 2)\n"
     "t.conf:7:10: error: bind [::1]:80 conflicts with bind *:80 of proxy 'p' (line 2)\n"},
    {"check_key_without_cert", IN(PX("    check https GET /readyz key /k.pem\n")),
     "t.conf:4:33: error: check key needs cert (the client certificate)\n"},
    {"script_without_command",
     IN("vrrp_script s {\n"
        "    interval 1\n"
        "}\n"
        "vrrp_instance vi {\n"
        "    interface eth0\n"
        "    virtual_router_id 1\n"
        "    virtual_ipaddress { 10.0.0.1 }\n"
        "    track_script s\n"
        "}\n"),
     "t.conf:1:13: error: vrrp_script 's' has no script\n"},
    {"duplicate_vip", IN(VI("    virtual_ipaddress 10.0.0.1/24\n")),
     "t.conf:5:23: error: virtual_ipaddress 10.0.0.1 is listed twice (first at line 4)\n"},
    {"empty_auth_pass",
     IN(VI("    authentication {\n"
           "        auth_type PASS\n"
           "        auth_pass \"\"\n"
           "    }\n")),
     "t.conf:7:19: error: invalid auth_pass '': must not be empty\n"},
    {"bad_command_quote",
     IN("vrrp_script s {\n"
        "    script \"/bin/check 'unterminated\"\n"
        "}\n"),
     "t.conf:2:12: error: invalid command: unterminated ' quote\n"},
    {"long_token_truncated", IN(VI("    " X100 " 1\n")),
     "t.conf:5:5: error: unknown directive "
     "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' in "
     "vrrp_instance\n"},
    {"include_needs_one_argument", IN("include a.conf b.conf\n"),
     "t.conf:1:16: error: 'include' takes 1 argument (a file name or pattern)\n"},
    {"stray_close_in_list",
     IN(VI("    unicast_peer {\n"
           "        10.0.0.2 {\n"
           "        }\n"
           "    }\n")),
     "t.conf:6:18: error: unexpected '{' in unicast_peer\n"},
};

static void run_case(void **state)
{
    const struct bad *b = *state;
    struct cfg_diags d = {0};
    struct cfg *c = (struct cfg *)1;
    int r = cfg_load_buffer("t.conf", b->in, b->len, &c, &d);
    char *got = diags_text(&d);

    assert_string_equal(got, b->want);
    assert_int_equal(r, -1);
    assert_null(c);
    assert_true(d.nerrors > 0);
    free(got);
    cfg_diags_free(&d);
}

/* Parsing goes on after errors, up to 50 of them, then stops. */
static void error_cap(void **state)
{
    char in[4096] = "vrrp_instance vi {\n", want[16384] = "";
    size_t n = strlen(in), w = 0;

    for (int i = 0; i < 60; i++)
        n += (size_t)snprintf(in + n, sizeof(in) - n, "    prioriti %d\n", i);
    snprintf(in + n, sizeof(in) - n, "}\n");
    for (int i = 0; i < 50; i++)
        w += (size_t)snprintf(want + w, sizeof(want) - w,
                              "t.conf:%d:5: error: unknown directive 'prioriti' in vrrp_instance "
                              "(did you mean 'priority'?)\n",
                              i + 2);
    snprintf(want + w, sizeof(want) - w,
             "t.conf:52:5: error: too many errors (50), stopping here\n");

    struct cfg_diags d = {0};
    struct cfg *c = NULL;
    assert_int_equal(cfg_load_buffer("t.conf", in, strlen(in), &c, &d), -1);
    char *got = diags_text(&d);
    assert_string_equal(got, want);
    assert_int_equal(d.nerrors, 51);
    free(got);
    cfg_diags_free(&d);

    struct cfg_load_opts o = {.max_errors = 2};
    assert_int_equal(cfg_load_buffer_opts("t.conf", in, strlen(in), &o, &c, &d), -1);
    assert_int_equal(d.nerrors, 3);
    assert_string_equal(d.v[2].msg, "too many errors (2), stopping here");
    cfg_diags_free(&d);
}

/* An advert that would not fit one 1500-byte packet is refused (issue 10:
 * more than 90 IPv6 VIPs meant no adverts at all, then two masters): 90
 * IPv6 addresses load, 91 do not; 255 IPv4 ones (v2, with auth) fit. */
static void advert_must_fit_one_packet(void **state)
{
    char in[8192];
    for (int nv = 90; nv <= 91; nv++) {
        size_t n =
            (size_t)snprintf(in, sizeof(in),
                             "vrrp_instance vi {\n    interface eth0\n"
                             "    version 3\n    virtual_router_id 1\n    virtual_ipaddress {\n");
        for (int i = 0; i < nv; i++)
            n += (size_t)snprintf(in + n, sizeof(in) - n, "        fd00::%x\n", i + 1);
        snprintf(in + n, sizeof(in) - n, "    }\n}\n");
        struct cfg_diags d = {0};
        struct cfg *c = NULL;
        int r = cfg_load_buffer("t.conf", in, strlen(in), &c, &d);
        char *got = diags_text(&d);
        if (nv == 90) {
            assert_int_equal(r, 0);
            cfg_free(c);
        } else {
            assert_int_equal(r, -1);
            assert_string_equal(got, "t.conf:96:9: error: 91 IPv6 virtual addresses make a VRRP "
                                     "advert of 1504 bytes, more than one 1500-byte packet "
                                     "holds: at most 90 per vrrp_instance (use several "
                                     "instances)\n");
        }
        free(got);
        cfg_diags_free(&d);
    }
    size_t n = (size_t)snprintf(in, sizeof(in),
                                "vrrp_instance vi {\n    interface eth0\n    version 2\n"
                                "    authentication {\n        auth_type PASS\n"
                                "        auth_pass x\n    }\n"
                                "    virtual_router_id 1\n    virtual_ipaddress {\n");
    for (int i = 0; i < 255; i++)
        n += (size_t)snprintf(in + n, sizeof(in) - n, "        10.0.%d.%d\n", i / 200, i % 200 + 1);
    snprintf(in + n, sizeof(in) - n, "    }\n}\n");
    struct cfg_diags d = {0};
    struct cfg *c = NULL;
    assert_int_equal(cfg_load_buffer("t.conf", in, strlen(in), &c, &d), 0);
    cfg_free(c);
    cfg_diags_free(&d);
}

/* A proxy with more servers than the balancer holds is refused when
 * loading (`check`), not only when `run` builds it (issue 10 item 5). */
static void too_many_servers(void **state)
{
    char in[8192] = "proxy p {\n    bind *:80\n";
    size_t n = strlen(in);
    struct cfg_diags d = {0};
    struct cfg *c = NULL;

    for (int i = 0; i < 65; i++)
        n += (size_t)snprintf(in + n, sizeof(in) - n, "    server s%d 10.0.%d.%d:80\n", i, i / 250,
                              i % 250 + 1);
    snprintf(in + n, sizeof(in) - n, "}\n");
    assert_int_equal(cfg_load_buffer("t.conf", in, strlen(in), &c, &d), -1);
    char *got = diags_text(&d);
    assert_string_equal(got, "t.conf:67:12: error: proxy 'p' has 65 servers, at most 64\n");
    free(got);
    cfg_diags_free(&d);

    /* 64 load */
    memcpy(strstr(in, "    server s64 "), "}\n", 3);
    assert_int_equal(cfg_load_buffer("t.conf", in, strlen(in), &c, &d), 0);
    assert_int_equal(c->proxies[0].nservers, 64);
    cfg_free(c);
    cfg_diags_free(&d);
}

/* Diagnostics accumulate over loads into one struct (reload keeps them). */
static void diags_accumulate(void **state)
{
    struct cfg_diags d = {0};
    struct cfg *c = NULL;
    const char *bad = "frobnicate\n", *good = "global_defs {\n}\n";

    assert_int_equal(cfg_load_buffer("a.conf", bad, strlen(bad), &c, &d), -1);
    assert_int_equal(cfg_load_buffer("b.conf", good, strlen(good), &c, &d), 0);
    assert_non_null(c);
    cfg_free(c);
    assert_int_equal(cfg_load_buffer("c.conf", bad, strlen(bad), &c, &d), -1);
    char *got = diags_text(&d);
    assert_string_equal(got, "a.conf:1:1: error: unknown directive 'frobnicate' at top level\n"
                             "c.conf:1:1: error: unknown directive 'frobnicate' at top level\n");
    free(got);
    cfg_diags_free(&d);
}

int main(void)
{
    enum { N = sizeof(cases) / sizeof(cases[0]) };
    struct CMUnitTest tests[N + 4];

    for (size_t i = 0; i < N; i++) {
        memset(&tests[i], 0, sizeof(tests[i]));
        tests[i].name = cases[i].name;
        tests[i].test_func = run_case;
        tests[i].initial_state = (void *)&cases[i];
    }
    tests[N] = (struct CMUnitTest)cmocka_unit_test(error_cap);
    tests[N + 1] = (struct CMUnitTest)cmocka_unit_test(diags_accumulate);
    tests[N + 2] = (struct CMUnitTest)cmocka_unit_test(advert_must_fit_one_packet);
    tests[N + 3] = (struct CMUnitTest)cmocka_unit_test(too_many_servers);
    return _cmocka_run_group_tests("conf_errors", tests, N + 4, NULL, NULL);
}
