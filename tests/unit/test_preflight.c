/* Unit tests for src/preflight/verdict.c, the pure rules of `haplane
 * preflight`: one table per check, each row the file contents (or probe
 * result) and the expected status, --fix bits, and words that the message
 * and the fix command must hold. Also pf_spawn (the one helper that runs a
 * command), with true/false/echo.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "preflight/preflight-int.h"
#include "preflight/verdict.h"

#define NOFILE(p, e)                                                                               \
    {                                                                                              \
        p, NULL, e                                                                                 \
    }
#define FILE_(p, t)                                                                                \
    {                                                                                              \
        p, t, 0                                                                                    \
    }

struct expect {
    enum pf_status status;
    unsigned autofix;
    const char *msg_has; /* NULL: not checked */
    const char *fix_has; /* NULL: not checked; "": the fix must be empty */
};

static void check(const char *what, const struct pf_verdict *v, const struct expect *e)
{
    if (v->status != e->status || v->autofix != e->autofix ||
        (e->msg_has && !strstr(v->msg, e->msg_has)) ||
        (e->fix_has && (e->fix_has[0] ? !strstr(v->fix, e->fix_has) : v->fix[0] != 0)))
        fail_msg("%s: got %s autofix %u msg '%s' fix '%s'; want %s autofix %u msg ~'%s' "
                 "fix ~'%s'",
                 what, pf_status_name(v->status), v->autofix, v->msg, v->fix,
                 pf_status_name(e->status), e->autofix, e->msg_has ? e->msg_has : "",
                 e->fix_has ? e->fix_has : "");
}

/* ---- swap ---------------------------------------------------------------- */

#define SWAPS_HEAD "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n"

static const struct {
    const char *what;
    struct pf_text swaps, fstab;
    struct expect e;
} swap_cases[] = {
    {"no swap",
     FILE_("/proc/swaps", SWAPS_HEAD),
     FILE_("/etc/fstab", "/dev/vda1 / ext4 defaults 0 1\n"),
     {PF_PASS, 0, "no active swap", ""}},
    {"a partition",
     FILE_("/proc/swaps", SWAPS_HEAD "/dev/vda2 partition 1048572 0 -2\n"),
     NOFILE("/etc/fstab", ENOENT),
     {PF_FAIL, PF_AUTO_SWAPOFF, "swap is on: /dev/vda2 (partition)", "swapoff -a && sed"}},
    {"two: the first named",
     FILE_("/proc/swaps", SWAPS_HEAD "/swapfile file 10 0 -2\n/dev/zram0 partition 10 0 100\n"),
     NOFILE("/etc/fstab", ENOENT),
     {PF_FAIL, PF_AUTO_SWAPOFF, "/swapfile (file) and more", "swapoff -a"}},
    {"off now, on at boot: fstab line",
     FILE_("/proc/swaps", SWAPS_HEAD),
     FILE_("/etc/fstab", "# swap was here\n/dev/vda1 / ext4 defaults 0 1\n"
                         "UUID=abc none swap sw 0 0\n"),
     {PF_WARN, 0, "/etc/fstab:3 (UUID=abc) turns it on at boot", "sed -ri"}},
    {"commented fstab swap line",
     FILE_("/proc/swaps", SWAPS_HEAD),
     FILE_("/etc/fstab", "#UUID=abc none swap sw 0 0\n"),
     {PF_PASS, 0, NULL, ""}},
    {"not a swaps table",
     FILE_("/proc/swaps", "garbage\n"),
     NOFILE("/etc/fstab", ENOENT),
     {PF_WARN, 0, "/proc/swaps:1: not a swaps table", NULL}},
    {"unreadable",
     NOFILE("/proc/swaps", EACCES),
     NOFILE("/etc/fstab", ENOENT),
     {PF_WARN, 0, "cannot read /proc/swaps: Permission denied", NULL}},
};

static void test_swap(void **state)
{
    for (size_t i = 0; i < sizeof(swap_cases) / sizeof(swap_cases[0]); i++) {
        struct pf_verdict v;
        pf_judge_swap(&swap_cases[i].swaps, &swap_cases[i].fstab, &v);
        check(swap_cases[i].what, &v, &swap_cases[i].e);
    }
}

/* ---- br_netfilter -------------------------------------------------------- */

static const struct {
    const char *what;
    struct pf_text mods;
    int in_sys, sysctls;
    struct expect e;
} module_cases[] = {
    {"listed",
     FILE_("/proc/modules", "nf_tables 1 0 - Live 0\nbr_netfilter 32768 0 - Live 0\n"),
     0,
     0,
     {PF_PASS, 0, "/proc/modules:2", ""}},
    {"in /sys/module", FILE_("/proc/modules", ""), 1, 0, {PF_PASS, 0, "/sys/module", ""}},
    {"built in", NOFILE("/proc/modules", ENOENT), 0, 1, {PF_PASS, 0, "built in", ""}},
    {"a longer name is not it",
     FILE_("/proc/modules", "br_netfilter_x 1 0 - Live 0\nbridge 1 0 - Live 0\n"),
     0,
     0,
     {PF_FAIL, PF_AUTO_MODPROBE, "not loaded", "modprobe br_netfilter"}},
    {"no /proc/modules at all",
     NOFILE("/proc/modules", ENOENT),
     0,
     0,
     {PF_FAIL, PF_AUTO_MODPROBE, "not loaded", "modules-load.d"}},
    {"unreadable", NOFILE("/proc/modules", EACCES), 0, 0, {PF_WARN, 0, "cannot read", NULL}},
};

static void test_module(void **state)
{
    for (size_t i = 0; i < sizeof(module_cases) / sizeof(module_cases[0]); i++) {
        struct pf_verdict v;
        pf_judge_module(&module_cases[i].mods, module_cases[i].in_sys, module_cases[i].sysctls, &v);
        check(module_cases[i].what, &v, &module_cases[i].e);
    }
}

/* ---- sysctls ------------------------------------------------------------- */

#define NF   "net.bridge.bridge-nf-call-iptables"
#define NFP  "/proc/sys/net/bridge/bridge-nf-call-iptables"
#define FWD  "net.ipv4.ip_forward"
#define FWDP "/proc/sys/net/ipv4/ip_forward"

static const struct {
    const char *key;
    struct pf_text val;
    int by_module;
    struct expect e;
} sysctl_cases[] = {
    {FWD, FILE_(FWDP, "1\n"), 0, {PF_PASS, 0, "net.ipv4.ip_forward = 1", ""}},
    {FWD,
     FILE_(FWDP, "0\n"),
     0,
     {PF_FAIL, PF_AUTO_SYSCTL, "= 0, needs 1", "sysctl -w net.ipv4.ip_forward=1 && echo"}},
    {FWD, FILE_(FWDP, "2\n"), 0, {PF_FAIL, PF_AUTO_SYSCTL, "= 2", NULL}},
    {FWD, FILE_(FWDP, "yes\n"), 0, {PF_WARN, 0, FWDP ":1: expected a number, found 'yes'", NULL}},
    {FWD, FILE_(FWDP, ""), 0, {PF_WARN, 0, FWDP ":1: expected a number", NULL}},
    {FWD, NOFILE(FWDP, ENOENT), 0, {PF_WARN, 0, "cannot read", NULL}},
    {NF, FILE_(NFP, "1\n"), 1, {PF_PASS, 0, NULL, ""}},
    {NF, FILE_(NFP, "0\n"), 1, {PF_FAIL, PF_AUTO_SYSCTL, "= 0", "sysctl -w " NF "=1"}},
    {NF,
     NOFILE(NFP, ENOENT),
     1,
     {PF_FAIL, PF_AUTO_MODPROBE | PF_AUTO_SYSCTL, "does not exist: br_netfilter",
      "modprobe br_netfilter && sysctl -w"}},
};

static void test_sysctl(void **state)
{
    for (size_t i = 0; i < sizeof(sysctl_cases) / sizeof(sysctl_cases[0]); i++) {
        struct pf_verdict v;
        char what[64];
        snprintf(what, sizeof(what), "sysctl case %zu", i);
        pf_judge_sysctl(sysctl_cases[i].key, &sysctl_cases[i].val, sysctl_cases[i].by_module, &v);
        check(what, &v, &sysctl_cases[i].e);
    }
    /* the file exists: the module is there, the fix needs no modprobe */
    struct pf_verdict v;
    pf_judge_sysctl(NF, &(struct pf_text)FILE_(NFP, "0\n"), 1, &v);
    assert_null(strstr(v.fix, "modprobe"));
}

/* ---- SELinux ------------------------------------------------------------- */

#define SE "/sys/fs/selinux/enforce"

static const struct {
    struct pf_text enforce;
    struct expect e;
} selinux_cases[] = {
    {NOFILE(SE, ENOENT), {PF_PASS, 0, "not enabled", ""}},
    {FILE_(SE, "0"), {PF_PASS, 0, "permissive", ""}},
    {FILE_(SE, "1"), {PF_FAIL, 0, "enforcing", "setenforce 0 && sed -i"}},
    {FILE_(SE, "x\n"), {PF_WARN, 0, SE ":1: expected 0 or 1, found 'x'", "setenforce 0"}},
    {NOFILE(SE, EACCES), {PF_WARN, 0, "cannot read", NULL}},
};

static void test_selinux(void **state)
{
    for (size_t i = 0; i < sizeof(selinux_cases) / sizeof(selinux_cases[0]); i++) {
        struct pf_verdict v;
        char what[64];
        snprintf(what, sizeof(what), "selinux case %zu", i);
        pf_judge_selinux(&selinux_cases[i].enforce, &v);
        check(what, &v, &selinux_cases[i].e);
    }
}

/* ---- firewall: nftables ruleset, ports, firewalld -------------------------- */

#define INPUT_DROP                                                                                 \
    "table inet filter {\n"                                                                        \
    "\tchain input {\n"                                                                            \
    "\t\ttype filter hook input priority filter; policy drop;\n"                                   \
    "\t\tct state established,related accept\n"                                                    \
    "\t\tiifname \"lo\" accept\n"
#define END "\t}\n}\n"

#define ALL  ((1u << PF_NEED_N) - 1)
#define B(x) (1u << PF_NEED_##x)

static const struct {
    const char *what;
    const char *ruleset;
    int filtering;
    unsigned seen;
    const char *where;
} nft_cases[] = {
    {"empty", "", 0, 0, ""},
    {"input accepts by policy",
     "table inet filter {\n\tchain input {\n\t\ttype filter hook input priority 0; policy "
     "accept;\n\t}\n}\n",
     0, 0, ""},
    {"policy drop, nothing open", INPUT_DROP END, 1, 0, "inet filter input: policy drop"},
    {"policy drop, all open",
     INPUT_DROP "\t\tip protocol vrrp accept\n"
                "\t\ttcp dport { 2379-2380, 6443, 10250, 16443 } accept\n" END,
     1, ALL, NULL},
    {"one port of a range is not the range",
     INPUT_DROP "\t\tmeta l4proto 112 accept\n\t\ttcp dport 2379 accept\n"
                "\t\ttcp dport { 6443, 16443 } counter packets 0 bytes 0 accept\n" END,
     1, B(VRRP) | B(API) | B(PROXY), NULL},
    {"a negated port opens nothing", INPUT_DROP "\t\ttcp dport != 6443 accept\n" END, 1, 0, NULL},
    {"a port without accept opens nothing", INPUT_DROP "\t\ttcp dport 6443 counter\n" END, 1, 0,
     NULL},
    {"a reject rule filters",
     "table ip t {\n\tchain input {\n\t\ttype filter hook input priority 0; policy accept;\n"
     "\t\ttcp dport 6443 accept\n\t\treject with icmp port-unreachable\n" END,
     1, B(API), "ip t input: a reject rule"},
    {"output and forward chains do not count",
     "table inet f {\n\tchain output {\n\t\ttype filter hook output priority 0; policy drop;\n"
     "\t\ttcp dport 6443 accept\n\t}\n\tchain fwd {\n\t\ttype filter hook forward priority 0; "
     "policy drop;\n\t\tdrop\n" END,
     0, 0, ""},
};

static void test_nft_scan(void **state)
{
    for (size_t i = 0; i < sizeof(nft_cases) / sizeof(nft_cases[0]); i++) {
        struct pf_nft n;
        pf_nft_scan(nft_cases[i].ruleset, 16443, &n);
        if (!!n.filtering != nft_cases[i].filtering || n.seen != nft_cases[i].seen ||
            (nft_cases[i].where && strcmp(n.where, nft_cases[i].where) != 0))
            fail_msg("%s: filtering %d seen %#x where '%s'", nft_cases[i].what, n.filtering, n.seen,
                     n.where);
    }
}

static void test_nft_other_port(void **state)
{
    struct pf_nft n;
    pf_nft_scan(INPUT_DROP "\t\ttcp dport 8443 accept\n" END, 8443, &n);
    assert_int_equal(n.seen, B(PROXY));
    pf_nft_scan(INPUT_DROP "\t\ttcp dport 8443 accept\n" END, 16443, &n);
    assert_int_equal(n.seen, 0);
}

static const struct {
    const char *what;
    const char *ruleset; /* NULL: could not be read */
    int legacy;
    struct expect e;
} ports_cases[] = {
    {"nothing filters", "", 0, {PF_PASS, 0, "nothing in nftables filters input", ""}},
    {"all open",
     INPUT_DROP "\t\tip protocol vrrp accept\n\t\ttcp dport { 2379-2380, 6443, 10250, 16443 } "
                "accept\n" END,
     0,
     {PF_PASS, 0, "accept rules exist for VRRP", ""}},
    {"nothing open: nft rules in the input chain",
     INPUT_DROP END,
     0,
     {PF_WARN, 0, "no accept rule was seen for VRRP (protocol 112), tcp 16443, tcp 6443",
      "nft add rule inet filter input ip protocol vrrp accept && nft add rule inet filter input "
      "tcp dport { 16443, 6443, 2379-2380, 10250 } accept"}},
    {"only the kubelet missing",
     INPUT_DROP "\t\tip protocol vrrp accept\n\t\ttcp dport { 2379-2380, 6443, 16443 } "
                "accept\n" END,
     0,
     {PF_WARN, 0, "seen for tcp 10250",
      "nft add rule inet filter input tcp dport { 10250 } accept"}},
    {"firewalld's table: firewall-cmd",
     "table inet firewalld {\n\tchain filter_INPUT {\n\t\ttype filter hook input priority "
     "filter + 10; policy accept;\n\t\ttcp dport 6443 ct state { new, untracked } accept\n"
     "\t\treject with icmpx admin-prohibited\n" END,
     0,
     {PF_WARN, 0, "inet firewalld filter_INPUT: a reject rule",
      "firewall-cmd --permanent --add-protocol=vrrp --add-port=16443/tcp --add-port=2379-2380/tcp "
      "--add-port=10250/tcp && firewall-cmd --reload"}},
    {"legacy iptables", "", 1, {PF_WARN, 0, "legacy iptables", "iptables-legacy -S INPUT"}},
    {"unreadable",
     NULL,
     0,
     {PF_WARN, 0, "cannot read the nftables ruleset (why)", "nft list ruleset"}},
};

static void test_ports(void **state)
{
    for (size_t i = 0; i < sizeof(ports_cases) / sizeof(ports_cases[0]); i++) {
        struct pf_nft n;
        struct pf_verdict v;
        if (ports_cases[i].ruleset)
            pf_nft_scan(ports_cases[i].ruleset, 16443, &n);
        pf_judge_ports(ports_cases[i].ruleset ? &n : NULL, "why", ports_cases[i].legacy, 16443, &v);
        check(ports_cases[i].what, &v, &ports_cases[i].e);
    }
}

static void test_firewalld(void **state)
{
    struct pf_nft all, some;
    struct pf_verdict v;
    pf_nft_scan(INPUT_DROP "\t\tip protocol vrrp accept\n\t\ttcp dport { 2379-2380, 6443, "
                           "10250, 16443 } accept\n" END,
                16443, &all);
    pf_nft_scan(INPUT_DROP "\t\ttcp dport 6443 accept\n" END, 16443, &some);
    pf_judge_firewalld(0, NULL, 16443, &v);
    check("not running", &v, &(struct expect){PF_PASS, 0, "not running", ""});
    pf_judge_firewalld(1, &all, 16443, &v);
    check("running, ports open", &v,
          &(struct expect){PF_PASS, 0, "lets VRRP and the ports in", ""});
    pf_judge_firewalld(1, &some, 16443, &v);
    check(
        "running, ports closed", &v,
        &(struct expect){PF_WARN, 0, "firewalld is running:", "systemctl disable --now firewalld"});
    pf_judge_firewalld(1, NULL, 16443, &v);
    check("running, rules unknown", &v,
          &(struct expect){PF_WARN, 0, "could not be read", "systemctl disable --now firewalld"});
}

/* ---- host name ----------------------------------------------------------- */

#define HN "/etc/hostname"

static const struct {
    const char *what;
    struct pf_text file;
    const char *live;
    struct expect e;
} hostname_cases[] = {
    {"valid", FILE_(HN, "master1\n"), "master1", {PF_PASS, 0, "host name master1", ""}},
    {"valid, no live name (--root)",
     FILE_(HN, "k8s-master1.example.com\n"),
     NULL,
     {PF_PASS, 0, NULL, ""}},
    {"running name differs",
     FILE_(HN, "master1\n"),
     "localhost",
     {PF_WARN, 0, "running host name 'localhost' differs from /etc/hostname:1 'master1'",
      "hostnamectl set-hostname master1"}},
    {"uppercase",
     FILE_(HN, "Master1\n"),
     NULL,
     {PF_FAIL, 0, HN ":1: 'Master1' is not a valid node name", "hostnamectl set-hostname"}},
    {"underscore", FILE_(HN, "master_1\n"), NULL, {PF_FAIL, 0, "not a valid node name", NULL}},
    {"leading dash", FILE_(HN, "-master\n"), NULL, {PF_FAIL, 0, "not a valid node name", NULL}},
    {"empty label", FILE_(HN, "a..b\n"), NULL, {PF_FAIL, 0, "not a valid node name", NULL}},
    {"label over 63",
     FILE_(HN, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n"),
     NULL,
     {PF_FAIL, 0, "not a valid node name", NULL}},
    {"localhost", FILE_(HN, "localhost\n"), NULL, {PF_FAIL, 0, "'localhost' is not unique", NULL}},
    {"localhost.localdomain",
     FILE_(HN, "localhost.localdomain\n"),
     NULL,
     {PF_FAIL, 0, "not unique", NULL}},
    {"empty file", FILE_(HN, "\n"), NULL, {PF_FAIL, 0, "/etc/hostname is empty", NULL}},
    {"no file, a running name",
     NOFILE(HN, ENOENT),
     "node7",
     {PF_WARN, 0, "the running name 'node7' is lost at reboot", "hostnamectl"}},
    {"no file, no name", NOFILE(HN, ENOENT), NULL, {PF_FAIL, 0, "no /etc/hostname", NULL}},
    {"unreadable", NOFILE(HN, EACCES), NULL, {PF_WARN, 0, "cannot read", NULL}},
};

static void test_hostname(void **state)
{
    for (size_t i = 0; i < sizeof(hostname_cases) / sizeof(hostname_cases[0]); i++) {
        struct pf_verdict v;
        pf_judge_hostname(&hostname_cases[i].file, hostname_cases[i].live, &v);
        check(hostname_cases[i].what, &v, &hostname_cases[i].e);
    }
}

#define HOSTS "/etc/hosts"

static const struct pf_resolved gai_fail = {.gai_err = "Name or service not known"};
static const struct pf_resolved gai_lo = {{"127.0.1.1", "::1"}, 2, NULL};
static const struct pf_resolved gai_ok = {{"::1", "192.168.200.151"}, 2, NULL};

static const struct {
    const char *what;
    struct pf_text hosts;
    const struct pf_resolved *res;
    struct expect e;
} resolve_cases[] = {
    {"in /etc/hosts",
     FILE_(HOSTS, "127.0.0.1 localhost\n192.168.200.151 master1 m1\n"),
     NULL,
     {PF_PASS, 0, "master1 -> 192.168.200.151 (/etc/hosts:2)", ""}},
    {"loopback in /etc/hosts",
     FILE_(HOSTS, "127.0.0.1 localhost\n127.0.1.1 master1\n"),
     &gai_ok,
     {PF_WARN, 0, "/etc/hosts:2: master1 maps to 127.0.1.1 (loopback)",
      "echo '10.1.2.3 master1' >> /etc/hosts"}},
    {"a comment is not an entry",
     FILE_(HOSTS, "# 10.0.0.1 master1\n"),
     NULL,
     {PF_WARN, 0, "master1 is not in /etc/hosts (DNS is not asked with --root)", "echo"}},
    {"DNS answers",
     FILE_(HOSTS, "127.0.0.1 localhost\n"),
     &gai_ok,
     {PF_PASS, 0, "master1 -> 192.168.200.151", ""}},
    {"DNS: only loopback",
     NOFILE(HOSTS, ENOENT),
     &gai_lo,
     {PF_WARN, 0, "resolves only to loopback (127.0.1.1)", NULL}},
    {"does not resolve",
     FILE_(HOSTS, ""),
     &gai_fail,
     {PF_FAIL, 0, "master1 does not resolve: Name or service not known",
      "echo '10.1.2.3 master1'"}},
};

static void test_resolve(void **state)
{
    for (size_t i = 0; i < sizeof(resolve_cases) / sizeof(resolve_cases[0]); i++) {
        struct pf_verdict v;
        pf_judge_resolve("master1", &resolve_cases[i].hosts, resolve_cases[i].res, "10.1.2.3", &v);
        check(resolve_cases[i].what, &v, &resolve_cases[i].e);
    }
    struct pf_verdict v;
    pf_judge_resolve("master1", &(struct pf_text)FILE_(HOSTS, ""), &gai_fail, NULL, &v);
    check("no node address known", &v,
          &(struct expect){PF_FAIL, 0, NULL, "echo 'NODE_IP master1'"});
    pf_judge_resolve("", &(struct pf_text)FILE_(HOSTS, ""), NULL, NULL, &v);
    check("no name", &v, &(struct expect){PF_SKIP, 0, NULL, NULL});
}

/* ---- the VIP: ARP, IP_FREEBIND -------------------------------------------- */

static const struct {
    struct pf_arp_result r;
    struct expect e;
} arp_cases[] = {
    {{PF_ARP_NOT_ASKED, "", "", "", 0, ""}, {PF_SKIP, 0, "no --vip", ""}},
    {{PF_ARP_ROOT, "10.0.0.100", "", "", 0, ""}, {PF_SKIP, 0, "--root", ""}},
    {{PF_ARP_IPV6, "fd00::100", "", "", 0, ""}, {PF_SKIP, 0, "fd00::100 is IPv6", ""}},
    {{PF_ARP_NO_SUBNET, "10.9.9.9", "", "", 0, ""},
     {PF_WARN, 0, "no interface has a subnet holding 10.9.9.9", "ip -4 addr"}},
    {{PF_ARP_LOCAL, "10.0.0.100", "eth0", "", 0, ""},
     {PF_WARN, 0, "10.0.0.100 is already an address of this host (eth0)",
      "ip addr show to 10.0.0.100"}},
    {{PF_ARP_ERROR, "10.0.0.100", "eth0", "", 0, "ARP socket: Operation not permitted"},
     {PF_WARN, 0, "cannot probe 10.0.0.100 on eth0: ARP socket", NULL}},
    {{PF_ARP_QUIET, "10.0.0.100", "eth0", "", 3, ""},
     {PF_PASS, 0, "nothing answers ARP for 10.0.0.100 on eth0 (3 probes)", ""}},
    {{PF_ARP_ANSWERED, "10.0.0.100", "eth0", "02:00:c6:12:00:12", 1, ""},
     {PF_FAIL, 0, "something already answers for 10.0.0.100 on eth0: 02:00:c6:12:00:12",
      "ip neigh show 10.0.0.100 dev eth0"}},
};

static void test_arp_verdict(void **state)
{
    for (size_t i = 0; i < sizeof(arp_cases) / sizeof(arp_cases[0]); i++) {
        struct pf_verdict v;
        char what[32];
        snprintf(what, sizeof(what), "arp state %d", (int)arp_cases[i].r.state);
        pf_judge_arp(&arp_cases[i].r, &v);
        check(what, &v, &arp_cases[i].e);
    }
}

static const uint8_t OURS[6] = {2, 0, 0, 0, 0, 1}, THEIRS[6] = {2, 0, 0, 0, 0, 2};
static const uint8_t VIP[4] = {198, 18, 0, 100}, OTHER[4] = {198, 18, 0, 101};

static void test_arp_probe_bytes(void **state)
{
    uint8_t f[PF_ARP_LEN];
    static const uint8_t want[PF_ARP_LEN] = {
        0, 1, 8, 0, 6, 4, 0,   1,         /* Ethernet, IPv4, 6/4, request */
        2, 0, 0, 0, 0, 1, 0,   0,  0, 0,  /* sender: our MAC, 0.0.0.0 (RFC 5227 probe) */
        0, 0, 0, 0, 0, 0, 198, 18, 0, 100 /* target: unknown MAC, the VIP */
    };
    pf_arp_probe(OURS, VIP, f);
    assert_memory_equal(f, want, PF_ARP_LEN);
}

/* A frame from mac/ip with operation op. */
static void frame(uint8_t f[PF_ARP_LEN], unsigned op, const uint8_t mac[6], const uint8_t ip[4])
{
    pf_arp_probe(mac, VIP, f);
    f[7] = (uint8_t)op;
    memcpy(f + 14, ip, 4);
}

static void test_arp_claims(void **state)
{
    uint8_t f[PF_ARP_LEN], from[6] = {0};
    frame(f, 2, THEIRS, VIP);
    assert_int_equal(pf_arp_claims(f, sizeof(f), VIP, OURS, from), 1);
    assert_memory_equal(from, THEIRS, 6);
    frame(f, 1, THEIRS, VIP); /* another host announcing or probing with it */
    assert_int_equal(pf_arp_claims(f, sizeof(f), VIP, OURS, from), 1);
    frame(f, 2, OURS, VIP); /* our own frame */
    assert_int_equal(pf_arp_claims(f, sizeof(f), VIP, OURS, from), 0);
    frame(f, 2, THEIRS, OTHER); /* about another address */
    assert_int_equal(pf_arp_claims(f, sizeof(f), VIP, OURS, from), 0);
    frame(f, 3, THEIRS, VIP); /* RARP: not ARP */
    assert_int_equal(pf_arp_claims(f, sizeof(f), VIP, OURS, from), 0);
    frame(f, 2, THEIRS, VIP);
    assert_int_equal(pf_arp_claims(f, PF_ARP_LEN - 1, VIP, OURS, from), 0); /* short */
    f[1] = 6;                                                               /* not Ethernet */
    assert_int_equal(pf_arp_claims(f, sizeof(f), VIP, OURS, from), 0);
}

#define NLB "/proc/sys/net/ipv4/ip_nonlocal_bind"

static void test_freebind(void **state)
{
    struct pf_verdict v;
    pf_judge_freebind("10.0.0.100", 0, &(struct pf_text)FILE_(NLB, "0\n"), &v);
    check("binds", &v, &(struct expect){PF_PASS, 0, "IP_FREEBIND binds 10.0.0.100", ""});
    pf_judge_freebind("10.0.0.100", EADDRNOTAVAIL, &(struct pf_text)FILE_(NLB, "1\n"), &v);
    check("nonlocal_bind", &v,
          &(struct expect){PF_PASS, 0, "net.ipv4.ip_nonlocal_bind = 1 lets the proxy", ""});
    pf_judge_freebind("10.0.0.100", EADDRNOTAVAIL, &(struct pf_text)FILE_(NLB, "0\n"), &v);
    check("neither", &v,
          &(struct expect){PF_FAIL, 0, "ip_nonlocal_bind is 0",
                           "sysctl -w net.ipv4.ip_nonlocal_bind=1"});
    pf_judge_freebind("10.0.0.100", EPERM, &(struct pf_text)NOFILE(NLB, ENOENT), &v);
    check("neither, unreadable", &v, &(struct expect){PF_FAIL, 0, "is unreadable", NULL});
    pf_judge_freebind("fd00::100", EADDRNOTAVAIL, &(struct pf_text)FILE_(NLB, "0\n"), &v);
    check("IPv6: its own sysctl", &v,
          &(struct expect){PF_FAIL, 0, "net.ipv6.ip_nonlocal_bind is 0",
                           "sysctl -w net.ipv6.ip_nonlocal_bind=1"});
}

/* ---- pf_spawn ------------------------------------------------------------ */

static void test_spawn(void **state)
{
    char err[256] = "";
    struct sbuf out;
    sbuf_init(&out);
    assert_int_equal(pf_spawn((const char *const[]){"true", NULL}, NULL, err, sizeof(err)), 0);
    assert_int_equal(pf_spawn((const char *const[]){"false", NULL}, NULL, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "exited with status 1"));
    assert_int_equal(
        pf_spawn((const char *const[]){"no-such-tool-here", NULL}, NULL, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "no-such-tool-here: not found"));
    assert_int_equal(pf_spawn((const char *const[]){"echo", "a b", NULL}, &out, err, sizeof(err)),
                     0);
    assert_string_equal(sbuf_str(&out), "a b\n");
    sbuf_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_swap),        cmocka_unit_test(test_module),
        cmocka_unit_test(test_sysctl),      cmocka_unit_test(test_selinux),
        cmocka_unit_test(test_nft_scan),    cmocka_unit_test(test_nft_other_port),
        cmocka_unit_test(test_ports),       cmocka_unit_test(test_firewalld),
        cmocka_unit_test(test_hostname),    cmocka_unit_test(test_resolve),
        cmocka_unit_test(test_arp_verdict), cmocka_unit_test(test_arp_probe_bytes),
        cmocka_unit_test(test_arp_claims),  cmocka_unit_test(test_freebind),
        cmocka_unit_test(test_spawn),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
