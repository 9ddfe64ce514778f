/* verdict: the pure core of `haplane preflight`. Each pf_judge_* function
 * takes what the shell read (file contents, the result of a live probe) and
 * fills one verdict: PASS/WARN/FAIL/SKIP, one line saying what was found
 * (with FILE:LINE when a file says something wrong), and the exact command
 * that fixes it. No I/O, no allocation, no globals: tests/unit/test_preflight.c
 * drives every rule here from tables.
 */
#ifndef HAPLANE_PREFLIGHT_VERDICT_H
#define HAPLANE_PREFLIGHT_VERDICT_H

#include <stddef.h>
#include <stdint.h>

enum pf_status { PF_PASS, PF_WARN, PF_FAIL, PF_SKIP };

/* What --fix may do about a verdict (bits): only these three are safe to
 * apply unasked; everything else is printed as a command for the operator. */
enum { PF_AUTO_SWAPOFF = 1, PF_AUTO_MODPROBE = 2, PF_AUTO_SYSCTL = 4 };

struct pf_verdict {
    enum pf_status status;
    unsigned autofix; /* PF_AUTO_* */
    char msg[512];
    char fix[512]; /* "" when there is nothing to run */
};

/* A file as the shell read it: text is NULL when it could not be read, and
 * err is then its errno (ENOENT: absent). path is the path actually read
 * (with --root's prefix), used in messages. */
struct pf_text {
    const char *path;
    const char *text;
    int err;
};

const char *pf_status_name(enum pf_status s); /* "PASS", "WARN", "FAIL", "SKIP" */

/* /proc/swaps (any entry: FAIL) and /etc/fstab (an active swap line: WARN). */
void pf_judge_swap(const struct pf_text *swaps, const struct pf_text *fstab, struct pf_verdict *v);

/* br_netfilter: listed in /proc/modules, or /sys/module/br_netfilter exists
 * (in_sys), or its sysctls exist (builtin; a built-in module without
 * parameters has no /sys/module entry). */
void pf_judge_module(const struct pf_text *modules, int in_sys, int sysctls_exist,
                     struct pf_verdict *v);

/* One sysctl that must read "1". by_module: the key exists only once
 * br_netfilter is loaded (its absence is then a FAIL with modprobe in the fix). */
void pf_judge_sysctl(const char *key, const struct pf_text *val, int by_module,
                     struct pf_verdict *v);

/* /sys/fs/selinux/enforce: absent or 0 passes, 1 (enforcing) fails. */
void pf_judge_selinux(const struct pf_text *enforce, struct pf_verdict *v);

/* The ports and protocols a master needs open (RFC 5798: VRRP is IP protocol 112). */
enum { PF_NEED_VRRP, PF_NEED_PROXY, PF_NEED_API, PF_NEED_ETCD, PF_NEED_KUBELET, PF_NEED_N };

/* What an `nft list ruleset` text says about input filtering. */
struct pf_nft {
    int filtering;   /* an input chain drops or rejects (policy or rule) */
    char where[160]; /* the first place that filters: "inet filter input: policy drop" */
    char table[96];  /* "inet filter": where the fix's rules go */
    char chain[64];  /* "input" */
    unsigned seen;   /* bit PF_NEED_*: an accept rule for it was seen */
};

/* Scan an `nft list ruleset` text (the default output format); port is the
 * proxy port. Pure text matching: "seen" means a rule mentioning the port
 * and accept exists, not that a packet would certainly reach it. */
void pf_nft_scan(const char *ruleset, unsigned port, struct pf_nft *out);

/* The ports check. nft is NULL when the ruleset could not be read (why in
 * nft_err); legacy: the legacy iptables filter table is loaded (its rules are
 * not visible to nft). */
void pf_judge_ports(const struct pf_nft *nft, const char *nft_err, int legacy, unsigned port,
                    struct pf_verdict *v);

/* firewalld: running (a /proc/PID/comm says firewalld); nft as above (NULL:
 * unknown), so a running firewalld that opens the ports passes. */
void pf_judge_firewalld(int running, const struct pf_nft *nft, unsigned port, struct pf_verdict *v);

/* /etc/hostname against the running name (live: NULL under --root). */
void pf_judge_hostname(const struct pf_text *etc_hostname, const char *live, struct pf_verdict *v);

/* How the host name resolves: /etc/hosts, and getaddrinfo's answer when
 * resolved is not NULL (NULL under --root: only /etc/hosts is read).
 * resolved: n address strings; gai_err: getaddrinfo's message, or NULL.
 * suggest: an address of this node for the fix ("NODE_IP" if unknown). */
struct pf_resolved {
    const char *addrs[8];
    size_t n;
    const char *gai_err;
};
void pf_judge_resolve(const char *name, const struct pf_text *hosts,
                      const struct pf_resolved *resolved, const char *suggest,
                      struct pf_verdict *v);

/* The ARP probe for the VIP (RFC 5227 2.1.1: sender address 0). */
enum pf_arp_state {
    PF_ARP_NOT_ASKED, /* no --vip */
    PF_ARP_ROOT,      /* --root: not probed */
    PF_ARP_IPV6,      /* an IPv6 VIP: ARP does not apply */
    PF_ARP_NO_SUBNET, /* no interface subnet holds the VIP: not probed */
    PF_ARP_LOCAL,     /* the VIP is already an address of this host */
    PF_ARP_ERROR,     /* could not probe (err) */
    PF_ARP_QUIET,     /* probed, nobody answered */
    PF_ARP_ANSWERED,  /* something answered: mac */
};
struct pf_arp_result {
    enum pf_arp_state state;
    char vip[64];
    char ifname[32];
    char mac[24];
    unsigned probes;
    char err[160];
};
void pf_judge_arp(const struct pf_arp_result *r, struct pf_verdict *v);

/* An ARP frame (the payload after the Ethernet header, RFC 826) */
#define PF_ARP_LEN 28
/* Build a probe: who-has vip, sender MAC mac, sender IP 0.0.0.0. */
void pf_arp_probe(const uint8_t mac[6], const uint8_t vip[4], uint8_t out[PF_ARP_LEN]);
/* 1 when frame (len bytes) shows another host using vip: an ARP reply or
 * request whose sender IP is vip and whose sender MAC is not ours; its MAC
 * is copied to from. 0 otherwise (not ARP over Ethernet/IPv4, or not about vip). */
int pf_arp_claims(const uint8_t *frame, size_t len, const uint8_t vip[4], const uint8_t ours[6],
                  uint8_t from[6]);

/* IP_FREEBIND: bind_err is the errno of a bind() to a non-local address with
 * IP_FREEBIND set (0: it worked); nonlocal: net.ipv4.ip_nonlocal_bind, or
 * net.ipv6.ip_nonlocal_bind when addr is IPv6. */
void pf_judge_freebind(const char *addr, int bind_err, const struct pf_text *nonlocal,
                       struct pf_verdict *v);

#endif
