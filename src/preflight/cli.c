/* cli: `haplane preflight` options and the run: checks, --fix, output. */
#include "preflight/preflight.h"
#include "preflight/preflight-int.h"

#include <arpa/inet.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define EXIT_USAGE 2

const char pf_usage[] =
    "usage: haplane preflight [--vip ADDR] [--port PORT] [--fix] [--root DIR] [--json]\n"
    "\n"
    "Check that this node is prepared the way the tutorial prepares a master by hand,\n"
    "and say how to fix what is not. One line per check: PASS, WARN, FAIL or SKIP, what\n"
    "was found, and the exact command that fixes it. Exit 0 when nothing FAILs, 1 when\n"
    "something does, 2 on a usage error.\n"
    "\n"
    "checks: swap off (/proc/swaps, /etc/fstab); br_netfilter loaded; sysctls\n"
    "net.bridge.bridge-nf-call-iptables, -ip6tables and net.ipv4.ip_forward = 1; SELinux\n"
    "not enforcing; firewalld stopped, or VRRP (protocol 112) and tcp PORT, 6443,\n"
    "2379-2380, 10250 let in (read from `nft list ruleset`, nothing is changed); the\n"
    "host name valid, not localhost, and resolving to a non-loopback address; with\n"
    "--vip, nothing already answering ARP for the VIP; IP_FREEBIND (binding the VIP\n"
    "before holding it).\n"
    "\n"
    "  --vip ADDR    the VIP: probe it with ARP on the interface whose subnet holds it\n"
    "                (3 probes, 1 s; only if an interface subnet holds it) and bind it\n"
    "                with IP_FREEBIND. A reply means something already uses the address.\n"
    "  --port PORT   the proxy port to find in the firewall rules (default 16443)\n"
    "  --fix         apply the safe fixes, then check again: `swapoff -a`, `modprobe\n"
    "                br_netfilter`, and 1 written to the failing sysctls in /proc/sys.\n"
    "                Prints every change. Nothing else is touched: /etc/fstab, the\n"
    "                firewall, SELinux and the host name are only reported, with the\n"
    "                command to run; and the changes are not persistent (the fix text\n"
    "                says how to make them so).\n"
    "  --root DIR    read /proc, /sys and /etc under DIR instead of / (for tests and for\n"
    "                inspecting an image); --fix then writes the sysctl files under DIR\n"
    "                and runs no command. Live checks: the ARP probe, the firewall rules\n"
    "                and DNS are skipped (the host name is looked up in DIR/etc/hosts\n"
    "                only); the IP_FREEBIND bind still runs against this kernel (it sends\n"
    "                nothing), with ip_nonlocal_bind read from DIR.\n"
    "  --json        print one JSON object: {\"checks\": [{\"id\", \"status\", \"message\",\n"
    "                \"fix\"}...], \"fixes\": [{\"action\", \"result\", \"detail\"}...], \"ok\", "
    "...}\n";

enum { OPT_VIP = 256, OPT_PORT, OPT_FIX, OPT_ROOT, OPT_JSON };

static const struct option opts[] = {
    {"vip", required_argument, NULL, OPT_VIP},
    {"port", required_argument, NULL, OPT_PORT},
    {"fix", no_argument, NULL, OPT_FIX},
    {"root", required_argument, NULL, OPT_ROOT},
    {"json", no_argument, NULL, OPT_JSON},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

struct pf_args {
    char vip[64];
    char root[4096];
    unsigned port;
    int fix, json, have_vip;
};

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("haplane preflight: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n%s", pf_usage);
    return EXIT_USAGE;
}

/* --vip: an IPv4 or IPv6 address, a /prefix allowed (and dropped). */
static int parse_vip(const char *s, char *out, size_t len)
{
    unsigned char buf[16];
    snprintf(out, len, "%.*s", (int)strcspn(s, "/"), s);
    return inet_pton(AF_INET, out, buf) == 1 || inet_pton(AF_INET6, out, buf) == 1 ? 0 : -1;
}

static int parse_root(const char *s, char *out, size_t len)
{
    struct stat st;
    if (stat(s, &st) < 0 || !S_ISDIR(st.st_mode))
        return -1;
    snprintf(out, len, "%s", s);
    for (size_t n = strlen(out); n > 0 && out[n - 1] == '/'; n--)
        out[n - 1] = 0; /* "/" becomes "": the running system */
    return 0;
}

/* -1 to go on, or an exit code. */
static int parse_args(int argc, char **argv, struct pf_args *a)
{
    char *end;
    int opt;
    optind = 1;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
        if (opt == 'h')
            return fputs(pf_usage, stdout), 0;
        if (opt == OPT_VIP && parse_vip(optarg, a->vip, sizeof(a->vip)) < 0)
            return usage_error("--vip: '%s' is not an IPv4 or IPv6 address", optarg);
        if (opt == OPT_ROOT && parse_root(optarg, a->root, sizeof(a->root)) < 0)
            return usage_error("--root: '%s' is not a directory", optarg);
        if (opt == OPT_PORT) {
            unsigned long p = strtoul(optarg, &end, 10);
            if (!*optarg || *end || p == 0 || p > 65535)
                return usage_error("--port: '%s' is not a port (1-65535)", optarg);
            a->port = (unsigned)p;
        }
        a->have_vip |= opt == OPT_VIP;
        a->fix |= opt == OPT_FIX;
        a->json |= opt == OPT_JSON;
        if (opt == '?' || opt == ':')
            return usage_error("unknown or incomplete option '%s'", argv[optind - 1]);
    }
    if (optind < argc)
        return usage_error("unexpected argument '%s'", argv[optind]);
    return -1;
}

int pf_cmd(int argc, char **argv)
{
    struct pf_args a = {.port = PF_DEFAULT_PORT};
    int rc = parse_args(argc, argv, &a);
    if (rc >= 0)
        return rc;
    struct pf_ctx c = {.root = a.root, .vip = a.have_vip ? a.vip : NULL, .port = a.port};
    static struct pf_report r;
    struct sbuf out;
    pf_run_checks(&c, &r);
    if (a.fix)
        pf_apply_fixes(&c, &r);
    sbuf_init(&out);
    if (a.json)
        pf_print_json(&c, &r, &out);
    else
        pf_print_text(&c, &r, &out);
    fputs(sbuf_str(&out), stdout);
    sbuf_free(&out);
    if (fflush(stdout) != 0)
        return 1;
    return pf_any_fail(&r) ? 1 : 0;
}
