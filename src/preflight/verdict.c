/* verdict: see verdict.h. */
#include "preflight/verdict.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *pf_status_name(enum pf_status s)
{
    static const char *const names[] = {"PASS", "WARN", "FAIL", "SKIP"};
    return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

static void say(struct pf_verdict *v, enum pf_status s, const char *fix, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void say(struct pf_verdict *v, enum pf_status s, const char *fix, const char *fmt, ...)
{
    va_list ap;
    v->status = s;
    v->autofix = 0;
    va_start(ap, fmt);
    vsnprintf(v->msg, sizeof(v->msg), fmt, ap);
    va_end(ap);
    snprintf(v->fix, sizeof(v->fix), "%s", fix ? fix : "");
}

/* The next line of *p into line (truncated to len), advancing *p; 0 at the end. */
static int next_line(const char **p, char *line, size_t len)
{
    if (!*p || !**p)
        return 0;
    const char *e = strchr(*p, '\n');
    size_t n = e ? (size_t)(e - *p) : strlen(*p);
    snprintf(line, len, "%.*s", (int)(n < len ? n : len - 1), *p);
    *p = e ? e + 1 : *p + n;
    return 1;
}

/* Copy the first whitespace-separated word at or after *p into w; 0 if none. */
static int next_word(const char **p, char *w, size_t len)
{
    const char *s = *p;
    while (*s && isspace((unsigned char)*s))
        s++;
    if (!*s)
        return 0;
    size_t n = 0;
    while (s[n] && !isspace((unsigned char)s[n]))
        n++;
    snprintf(w, len, "%.*s", (int)(n < len ? n : len - 1), s);
    *p = s + n;
    return 1;
}

static void unreadable(struct pf_verdict *v, const struct pf_text *t)
{
    char fix[320];
    snprintf(fix, sizeof(fix), "cat %s", t->path);
    say(v, PF_WARN, fix, "cannot read %s: %s", t->path, strerror(t->err));
}

/* ---- swap ----------------------------------------------------------------- */

#define FSTAB_FIX "sed -ri '/^[^#].*\\sswap\\s/s/^/#/' /etc/fstab"

/* The first uncommented /etc/fstab line of type swap: its number, or 0. */
static unsigned fstab_swap_line(const char *fstab, char *dev, size_t len)
{
    const char *p = fstab;
    char line[512], type[64];
    for (unsigned no = 1; next_line(&p, line, sizeof(line)); no++) {
        const char *q = line;
        if (!next_word(&q, dev, len) || dev[0] == '#')
            continue;
        if (next_word(&q, type, sizeof(type)) && next_word(&q, type, sizeof(type)) &&
            !strcmp(type, "swap"))
            return no;
    }
    return 0;
}

void pf_judge_swap(const struct pf_text *swaps, const struct pf_text *fstab, struct pf_verdict *v)
{
    if (!swaps->text)
        return unreadable(v, swaps);
    const char *p = swaps->text;
    char line[512], dev[256] = "", type[64] = "";
    unsigned active = 0;
    if (!next_line(&p, line, sizeof(line)) || strncmp(line, "Filename", 8) != 0)
        return say(v, PF_WARN, "cat /proc/swaps", "%s:1: not a swaps table (no Filename header)",
                   swaps->path);
    while (next_line(&p, line, sizeof(line))) {
        const char *q = line;
        char d[256], t[64];
        if (!next_word(&q, d, sizeof(d)) || active++)
            continue;
        snprintf(dev, sizeof(dev), "%s", d);
        snprintf(type, sizeof(type), "%s", next_word(&q, t, sizeof(t)) ? t : "?");
    }
    if (active) {
        say(v, PF_FAIL, "swapoff -a && " FSTAB_FIX,
            "swap is on: %s (%s)%s; kubelet refuses to start with swap (failSwapOn)", dev, type,
            active > 1 ? " and more" : "");
        v->autofix = PF_AUTO_SWAPOFF;
        return;
    }
    unsigned no = fstab && fstab->text ? fstab_swap_line(fstab->text, dev, sizeof(dev)) : 0;
    if (no)
        return say(v, PF_WARN, FSTAB_FIX, "swap is off, but %s:%u (%s) turns it on at boot",
                   fstab->path, no, dev);
    say(v, PF_PASS, NULL, "no active swap (%s)", swaps->path);
}

/* ---- kernel: br_netfilter, sysctls, SELinux ------------------------------- */

#define MODULE_FIX "modprobe br_netfilter && echo br_netfilter > /etc/modules-load.d/k8s.conf"

void pf_judge_module(const struct pf_text *modules, int in_sys, int sysctls_exist,
                     struct pf_verdict *v)
{
    const char *p = modules->text;
    char line[512];
    for (unsigned no = 1; p && next_line(&p, line, sizeof(line)); no++)
        if (!strncmp(line, "br_netfilter ", 13))
            return say(v, PF_PASS, NULL, "br_netfilter is loaded (%s:%u)", modules->path, no);
    if (in_sys || sysctls_exist)
        return say(v, PF_PASS, NULL, "br_netfilter is present (%s)",
                   in_sys ? "/sys/module/br_netfilter" : "built in: its sysctls exist");
    if (!modules->text && modules->err != ENOENT)
        return unreadable(v, modules);
    say(v, PF_FAIL, MODULE_FIX,
        "br_netfilter is not loaded: bridged pod traffic bypasses iptables, and "
        "net.bridge.* does not exist");
    v->autofix = PF_AUTO_MODPROBE;
}

void pf_judge_sysctl(const char *key, const struct pf_text *val, int by_module,
                     struct pf_verdict *v)
{
    char fix[512];
    int missing = !val->text && val->err == ENOENT;
    snprintf(fix, sizeof(fix), "%ssysctl -w %s=1 && echo %s=1 >> /etc/sysctl.d/99-kubernetes.conf",
             missing && by_module ? "modprobe br_netfilter && " : "", key, key);
    if (missing && by_module) {
        say(v, PF_FAIL, fix, "%s does not exist: br_netfilter is not loaded", key);
        v->autofix = PF_AUTO_MODPROBE | PF_AUTO_SYSCTL;
        return;
    }
    if (!val->text)
        return unreadable(v, val);
    char w[64];
    const char *p = val->text, *end;
    if (!next_word(&p, w, sizeof(w)) || (strtol(w, (char **)&end, 10), *end != 0))
        return say(v, PF_WARN, fix, "%s:1: expected a number, found '%s'", val->path, w);
    if (strcmp(w, "1") != 0) {
        say(v, PF_FAIL, fix, "%s = %s, needs 1", key, w);
        v->autofix = PF_AUTO_SYSCTL;
        return;
    }
    say(v, PF_PASS, NULL, "%s = 1", key);
}

#define SELINUX_FIX                                                                                \
    "setenforce 0 && sed -i 's/^SELINUX=enforcing/SELINUX=permissive/' /etc/selinux/config"

void pf_judge_selinux(const struct pf_text *enforce, struct pf_verdict *v)
{
    if (!enforce->text && enforce->err == ENOENT)
        return say(v, PF_PASS, NULL, "SELinux is not enabled (no %s)", enforce->path);
    if (!enforce->text)
        return unreadable(v, enforce);
    char w[32] = "";
    const char *p = enforce->text;
    next_word(&p, w, sizeof(w));
    if (!strcmp(w, "0"))
        return say(v, PF_PASS, NULL, "SELinux is permissive");
    if (!strcmp(w, "1"))
        return say(v, PF_FAIL, SELINUX_FIX,
                   "SELinux is enforcing: containers cannot read host paths kubeadm mounts");
    say(v, PF_WARN, SELINUX_FIX, "%s:1: expected 0 or 1, found '%s'", enforce->path, w);
}

/* ---- firewall: nftables and firewalld ------------------------------------ */

struct need {
    unsigned lo, hi; /* tcp ports; 0: VRRP */
};

static struct need need_of(int i, unsigned port)
{
    static const struct need fixed[PF_NEED_N] = {
        [PF_NEED_API] = {6443, 6443},
        [PF_NEED_ETCD] = {2379, 2380},
        [PF_NEED_KUBELET] = {10250, 10250},
    };
    if (i == PF_NEED_PROXY)
        return (struct need){port, port};
    return fixed[i];
}

#define MAX_RANGES 32

/* Tokens of one rule: words split on blanks, braces and commas. */
static size_t tokens(const char *line, char tok[][48], size_t max)
{
    size_t n = 0;
    for (const char *p = line; *p && n < max;) {
        size_t k = strcspn(p, " \t{},;");
        if (k)
            snprintf(tok[n++], 48, "%.*s", (int)(k < 47 ? k : 47), p);
        p += k ? k : 1;
    }
    return n;
}

static int port_range(const char *t, unsigned *lo, unsigned *hi)
{
    char *e;
    unsigned long a = strtoul(t, &e, 10), b = a;
    if (e == t || !isdigit((unsigned char)*t))
        return 0;
    if (*e == '-') {
        const char *f = e + 1;
        b = strtoul(f, &e, 10);
        if (e == f)
            return 0;
    }
    if (*e || a > 65535 || b > 65535 || b < a)
        return 0;
    *lo = (unsigned)a;
    *hi = (unsigned)b;
    return 1;
}

/* What one accepting rule opens: bits of PF_NEED_*. */
static unsigned rule_opens(const char *line, unsigned port)
{
    char tok[64][48];
    unsigned lo[MAX_RANGES], hi[MAX_RANGES], opens = 0;
    size_t n = tokens(line, tok, 64), nr = 0;
    for (size_t i = 0; i < n; i++) {
        if (!strcmp(tok[i], "vrrp") ||
            (!strcmp(tok[i], "112") && i &&
             (strstr(tok[i - 1], "proto") || !strcmp(tok[i - 1], "nexthdr"))))
            opens |= 1u << PF_NEED_VRRP;
        if (strcmp(tok[i], "dport") != 0)
            continue;
        while (i + 1 < n && nr < MAX_RANGES && port_range(tok[i + 1], &lo[nr], &hi[nr]))
            i++, nr++;
    }
    for (int k = PF_NEED_PROXY; k < PF_NEED_N; k++) {
        struct need nd = need_of(k, port);
        unsigned p = nd.lo;
        for (; p <= nd.hi; p++) {
            size_t r = 0;
            while (r < nr && !(lo[r] <= p && p <= hi[r]))
                r++;
            if (r == nr)
                break;
        }
        if (nr && p > nd.hi)
            opens |= 1u << k;
    }
    return opens;
}

static int has_word(const char *line, const char *w)
{
    char tok[64][48];
    size_t n = tokens(line, tok, 64);
    for (size_t i = 0; i < n; i++)
        if (!strcmp(tok[i], w))
            return 1;
    return 0;
}

struct nft_pos {
    char table[96], chain[64], hook[32];
};

/* A "type filter hook H priority P; policy X;" line of the current chain. */
static void nft_base_chain(const char *line, struct nft_pos *at, struct pf_nft *out)
{
    const char *h = strstr(line, "hook ");
    if (!h || sscanf(h, "hook %31s", at->hook) != 1)
        return;
    if (strcmp(at->hook, "input") != 0)
        return;
    if (!out->table[0]) {
        snprintf(out->table, sizeof(out->table), "%s", at->table);
        snprintf(out->chain, sizeof(out->chain), "%s", at->chain);
    }
    if (strstr(line, "policy drop") && !out->filtering++)
        snprintf(out->where, sizeof(out->where), "%s %s: policy drop", at->table, at->chain);
}

void pf_nft_scan(const char *ruleset, unsigned port, struct pf_nft *out)
{
    memset(out, 0, sizeof(*out));
    struct nft_pos at = {0};
    const char *p = ruleset;
    char raw[1024], fam[32], name[64];
    while (next_line(&p, raw, sizeof(raw))) {
        const char *line = raw + strspn(raw, " \t");
        if (sscanf(line, "table %31s %63s", fam, name) == 2) {
            snprintf(at.table, sizeof(at.table), "%s %s", fam, name);
            continue;
        }
        if (sscanf(line, "chain %63s", name) == 1) {
            snprintf(at.chain, sizeof(at.chain), "%s", name);
            at.hook[0] = 0;
            continue;
        }
        if (!strncmp(line, "type ", 5)) {
            nft_base_chain(line, &at, out);
            continue;
        }
        if (at.hook[0] && strcmp(at.hook, "input") != 0)
            continue; /* output, forward...: not about what reaches this host */
        if ((has_word(line, "drop") || has_word(line, "reject")) && !out->filtering++)
            snprintf(out->where, sizeof(out->where), "%s %s: %s", at.table, at.chain,
                     has_word(line, "drop") ? "a drop rule" : "a reject rule");
        if (has_word(line, "accept"))
            out->seen |= rule_opens(line, port);
    }
}

/* "VRRP (protocol 112), tcp 10250" for the bits of missing. */
static void needs_text(unsigned missing, unsigned port, char *buf, size_t len)
{
    size_t n = 0;
    buf[0] = 0;
    for (int k = 0; k < PF_NEED_N && n < len; k++) {
        if (!(missing & (1u << k)))
            continue;
        struct need nd = need_of(k, port);
        if (k == PF_NEED_VRRP)
            n += (size_t)snprintf(buf + n, len - n, "%sVRRP (protocol 112)", n ? ", " : "");
        else if (nd.lo == nd.hi)
            n += (size_t)snprintf(buf + n, len - n, "%stcp %u", n ? ", " : "", nd.lo);
        else
            n += (size_t)snprintf(buf + n, len - n, "%stcp %u-%u", n ? ", " : "", nd.lo, nd.hi);
    }
}

/* The command that opens the missing ports: firewall-cmd when the filtering
 * table is firewalld's, nft rules in the first input chain otherwise. */
static void ports_fix(const struct pf_nft *nft, unsigned missing, unsigned port, char *fix,
                      size_t len)
{
    char nftp[96] = "", fwp[192] = "", vr[192] = "", tp[192] = "";
    size_t a = 0, b = 0;
    for (int k = PF_NEED_PROXY; k < PF_NEED_N; k++) {
        if (!(missing & (1u << k)))
            continue;
        struct need nd = need_of(k, port);
        char r[16];
        snprintf(r, sizeof(r), nd.lo == nd.hi ? "%u" : "%u-%u", nd.lo, nd.hi);
        a += (size_t)snprintf(nftp + a, sizeof(nftp) - a, "%s%s", a ? ", " : "", r);
        b += (size_t)snprintf(fwp + b, sizeof(fwp) - b, " --add-port=%s/tcp", r);
    }
    int vrrp = (missing & (1u << PF_NEED_VRRP)) != 0;
    if (strstr(nft->table, "firewalld"))
        return (void)snprintf(fix, len, "firewall-cmd --permanent%s%s && firewall-cmd --reload",
                              vrrp ? " --add-protocol=vrrp" : "", fwp);
    if (vrrp)
        snprintf(vr, sizeof(vr), "nft add rule %s %s ip protocol vrrp accept", nft->table,
                 nft->chain);
    if (nftp[0])
        snprintf(tp, sizeof(tp), "nft add rule %s %s tcp dport { %s } accept", nft->table,
                 nft->chain, nftp);
    snprintf(fix, len, "%s%s%s", vr, vr[0] && tp[0] ? " && " : "", tp);
}

#define ALL_NEEDS ((1u << PF_NEED_N) - 1)

void pf_judge_ports(const struct pf_nft *nft, const char *nft_err, int legacy, unsigned port,
                    struct pf_verdict *v)
{
    char list[160], fix[512];
    needs_text(ALL_NEEDS, port, list, sizeof(list));
    if (legacy)
        return say(v, PF_WARN, "iptables-legacy -S INPUT",
                   "the legacy iptables filter table is loaded and nft cannot see its rules: "
                   "check that INPUT accepts %s",
                   list);
    if (!nft)
        return say(v, PF_WARN, "nft list ruleset",
                   "cannot read the nftables ruleset (%s): check that input accepts %s",
                   nft_err ? nft_err : "unknown error", list);
    if (!nft->filtering)
        return say(v, PF_PASS, NULL, "nothing in nftables filters input: %s are open", list);
    unsigned missing = ALL_NEEDS & ~nft->seen;
    if (!missing)
        return say(v, PF_PASS, NULL, "input is filtered (%s) and accept rules exist for %s",
                   nft->where, list);
    needs_text(missing, port, list, sizeof(list));
    ports_fix(nft, missing, port, fix, sizeof(fix));
    say(v, PF_WARN, fix, "input is filtered (%s) and no accept rule was seen for %s", nft->where,
        list);
}

void pf_judge_firewalld(int running, const struct pf_nft *nft, unsigned port, struct pf_verdict *v)
{
    if (!running)
        return say(v, PF_PASS, NULL, "firewalld is not running");
    if (nft && (nft->seen & ALL_NEEDS) == ALL_NEEDS)
        return say(v, PF_PASS, NULL, "firewalld is running and lets VRRP and the ports in");
    say(v, PF_WARN, "systemctl disable --now firewalld",
        "firewalld is running%s: stop it (the seed's step), or open the ports as the ports "
        "check says",
        nft ? "" : " and its rules could not be read");
}

/* ---- host name ----------------------------------------------------------- */

/* A Kubernetes node name: a lowercase RFC 1123 subdomain. */
static int node_name_ok(const char *s)
{
    size_t n = strlen(s), label = 0;
    if (!n || n > 253)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '.') {
            if (!label || s[i - 1] == '-')
                return 0;
            label = 0;
            continue;
        }
        if (!(islower((unsigned char)c) || isdigit((unsigned char)c) || c == '-'))
            return 0;
        if ((c == '-' && !label) || ++label > 63)
            return 0;
    }
    return label && s[n - 1] != '-';
}

#define HOSTNAME_FIX "hostnamectl set-hostname master1"

void pf_judge_hostname(const struct pf_text *etc_hostname, const char *live, struct pf_verdict *v)
{
    char name[256] = "", fix[320];
    const char *p = etc_hostname->text;
    if (p && !next_word(&p, name, sizeof(name)))
        name[0] = 0;
    if (!name[0] && etc_hostname->text)
        return say(v, PF_FAIL, HOSTNAME_FIX, "%s is empty", etc_hostname->path);
    if (!name[0] && etc_hostname->err != ENOENT)
        return unreadable(v, etc_hostname);
    if (!name[0])
        return say(v, live ? PF_WARN : PF_FAIL, HOSTNAME_FIX, "no %s%s%s%s", etc_hostname->path,
                   live ? ": the running name '" : "", live ? live : "",
                   live ? "' is lost at reboot" : "");
    if (!node_name_ok(name))
        return say(v, PF_FAIL, HOSTNAME_FIX,
                   "%s:1: '%s' is not a valid node name (lowercase a-z, 0-9, '-', '.')",
                   etc_hostname->path, name);
    if (!strcmp(name, "localhost") || !strncmp(name, "localhost.", 10))
        return say(v, PF_FAIL, HOSTNAME_FIX,
                   "%s:1: '%s' is not unique: every node would register under it",
                   etc_hostname->path, name);
    snprintf(fix, sizeof(fix), "hostnamectl set-hostname %s", name);
    if (live && strcmp(live, name) != 0)
        return say(v, PF_WARN, fix, "the running host name '%s' differs from %s:1 '%s'", live,
                   etc_hostname->path, name);
    say(v, PF_PASS, NULL, "host name %s (unique across nodes: compare with the others)", name);
}

static int loopback(const char *a)
{
    return !strncmp(a, "127.", 4) || !strcmp(a, "::1");
}

/* The first /etc/hosts line naming name: its number, its address in addr. */
static unsigned hosts_lookup(const char *hosts, const char *name, char *addr, size_t len)
{
    const char *p = hosts;
    char line[1024], w[256];
    for (unsigned no = 1; p && next_line(&p, line, sizeof(line)); no++) {
        char *hash = strchr(line, '#');
        if (hash)
            *hash = 0;
        const char *q = line;
        if (!next_word(&q, addr, len))
            continue;
        while (next_word(&q, w, sizeof(w)))
            if (!strcmp(w, name))
                return no;
    }
    return 0;
}

void pf_judge_resolve(const char *name, const struct pf_text *hosts,
                      const struct pf_resolved *resolved, const char *suggest, struct pf_verdict *v)
{
    char fix[320], addr[64] = "";
    snprintf(fix, sizeof(fix), "echo '%s %s' >> /etc/hosts", suggest ? suggest : "NODE_IP",
             name ? name : "NAME");
    if (!name || !name[0])
        return say(v, PF_SKIP, NULL, "no host name to resolve");
    unsigned no = hosts->text ? hosts_lookup(hosts->text, name, addr, sizeof(addr)) : 0;
    if (no && loopback(addr))
        return say(v, PF_WARN, fix,
                   "%s:%u: %s maps to %s (loopback): kubeadm and etcd would advertise it",
                   hosts->path, no, name, addr);
    if (no)
        return say(v, PF_PASS, NULL, "%s -> %s (%s:%u)", name, addr, hosts->path, no);
    if (!resolved)
        return say(v, PF_WARN, fix, "%s is not in %s (DNS is not asked with --root)", name,
                   hosts->path);
    if (resolved->gai_err || !resolved->n)
        return say(v, PF_FAIL, fix, "%s does not resolve: %s", name,
                   resolved->gai_err ? resolved->gai_err : "no address");
    for (size_t i = 0; i < resolved->n; i++)
        if (!loopback(resolved->addrs[i]))
            return say(v, PF_PASS, NULL, "%s -> %s", name, resolved->addrs[i]);
    say(v, PF_WARN, fix, "%s resolves only to loopback (%s)", name, resolved->addrs[0]);
}

/* ---- the VIP: ARP probe, IP_FREEBIND -------------------------------------- */

void pf_judge_arp(const struct pf_arp_result *r, struct pf_verdict *v)
{
    char fix[160];
    switch (r->state) {
    case PF_ARP_NOT_ASKED:
        return say(v, PF_SKIP, NULL, "no --vip given: nothing probed");
    case PF_ARP_ROOT:
        return say(v, PF_SKIP, NULL, "not probed with --root (a live check)");
    case PF_ARP_IPV6:
        return say(v, PF_SKIP, NULL, "%s is IPv6: ARP does not apply, not probed", r->vip);
    case PF_ARP_NO_SUBNET:
        return say(v, PF_WARN, "ip -4 addr",
                   "no interface has a subnet holding %s: not probed (the VIP should be on "
                   "the masters' segment)",
                   r->vip);
    case PF_ARP_LOCAL:
        snprintf(fix, sizeof(fix), "ip addr show to %s", r->vip);
        return say(v, PF_WARN, fix,
                   "%s is already an address of this host (%s): held by a VRRP daemon here, "
                   "or added by hand",
                   r->vip, r->ifname);
    case PF_ARP_ERROR:
        return say(v, PF_WARN, NULL, "cannot probe %s on %s: %s", r->vip, r->ifname, r->err);
    case PF_ARP_QUIET:
        return say(v, PF_PASS, NULL, "nothing answers ARP for %s on %s (%u probes)", r->vip,
                   r->ifname, r->probes);
    case PF_ARP_ANSWERED:
        break;
    }
    snprintf(fix, sizeof(fix), "ip neigh show %s dev %s", r->vip, r->ifname);
    say(v, PF_FAIL, fix,
        "something already answers for %s on %s: %s (another keepalived or VRRP router, "
        "or a host using the address)",
        r->vip, r->ifname, r->mac);
}

void pf_arp_probe(const uint8_t mac[6], const uint8_t vip[4], uint8_t out[PF_ARP_LEN])
{
    static const uint8_t head[8] = {0, 1, 8, 0, 6, 4, 0, 1}; /* Ethernet, IPv4, request */
    memcpy(out, head, 8);
    memcpy(out + 8, mac, 6);
    memset(out + 14, 0, 4); /* sender IP 0.0.0.0: a probe, caches learn nothing */
    memset(out + 18, 0, 6);
    memcpy(out + 24, vip, 4);
}

int pf_arp_claims(const uint8_t *frame, size_t len, const uint8_t vip[4], const uint8_t ours[6],
                  uint8_t from[6])
{
    static const uint8_t eth_ipv4[6] = {0, 1, 8, 0, 6, 4};
    if (len < PF_ARP_LEN || memcmp(frame, eth_ipv4, 6) != 0)
        return 0;
    unsigned op = (unsigned)frame[6] << 8 | frame[7];
    if ((op != 1 && op != 2) || memcmp(frame + 14, vip, 4) != 0 || !memcmp(frame + 8, ours, 6))
        return 0;
    memcpy(from, frame + 8, 6);
    return 1;
}

void pf_judge_freebind(const char *addr, int bind_err, const struct pf_text *nonlocal,
                       struct pf_verdict *v)
{
    const char *key = strchr(addr, ':') ? "net.ipv6.ip_nonlocal_bind" : "net.ipv4.ip_nonlocal_bind";
    char w[16] = "", fix[160];
    const char *p = nonlocal && nonlocal->text ? nonlocal->text : NULL;
    if (p)
        next_word(&p, w, sizeof(w));
    snprintf(fix, sizeof(fix), "sysctl -w %s=1 && echo %s=1 >> /etc/sysctl.d/99-kubernetes.conf",
             key, key);
    if (!bind_err)
        return say(v, PF_PASS, NULL,
                   "a socket with IP_FREEBIND binds %s: the proxy can listen on the VIP before "
                   "holding it",
                   addr);
    if (!strcmp(w, "1"))
        return say(v, PF_PASS, NULL, "IP_FREEBIND failed (%s) but %s = 1 lets the proxy bind %s",
                   strerror(bind_err), key, addr);
    say(v, PF_FAIL, fix,
        "cannot bind %s with IP_FREEBIND (%s) and %s is %s: a proxy bound to the VIP fails to "
        "start on a backup",
        addr, strerror(bind_err), key, w[0] ? w : "unreadable");
}
