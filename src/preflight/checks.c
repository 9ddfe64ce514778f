/* checks: the I/O shell of each preflight check. A check reads files under
 * --root (or runs a live probe) and hands what it found to a pf_judge_*
 * function of verdict.c, which decides. The table at the bottom is the
 * order of the output. */
#include "preflight/preflight-int.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_FILE (1 << 20)

void pf_path(const struct pf_ctx *c, const char *abs, char *buf, size_t len)
{
    snprintf(buf, len, "%s%s", c->root, abs);
}

/* Read the whole file (files under /proc report size 0: read until EOF). */
void pf_file_read(const struct pf_ctx *c, const char *abs, struct pf_file *f)
{
    struct sbuf b;
    char chunk[4096];
    ssize_t n;
    pf_path(c, abs, f->path, sizeof(f->path));
    f->buf = NULL;
    f->t = (struct pf_text){.path = f->path};
    int fd = open(f->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        f->t.err = errno;
        return;
    }
    sbuf_init(&b);
    while ((n = read(fd, chunk, sizeof(chunk))) > 0 && b.len < MAX_FILE)
        sbuf_add(&b, chunk, (size_t)n);
    f->t.err = n < 0 ? errno : b.failed ? ENOMEM : 0;
    close(fd);
    if (f->t.err) {
        sbuf_free(&b);
        return;
    }
    sbuf_add(&b, "", 0);
    f->buf = b.buf ? b.buf : strdup("");
    f->t.text = f->buf;
    f->t.err = f->buf ? 0 : ENOMEM;
}

void pf_file_free(struct pf_file *f)
{
    free(f->buf);
    f->buf = NULL;
    f->t.text = NULL;
}

static int exists(const struct pf_ctx *c, const char *abs)
{
    char p[4096];
    struct stat st;
    pf_path(c, abs, p, sizeof(p));
    return stat(p, &st) == 0;
}

static void ck_swap(struct pf_ctx *c, const struct pf_check *k, struct pf_verdict *v)
{
    struct pf_file swaps, fstab;
    pf_file_read(c, "/proc/swaps", &swaps);
    pf_file_read(c, "/etc/fstab", &fstab);
    pf_judge_swap(&swaps.t, &fstab.t, v);
    pf_file_free(&swaps);
    pf_file_free(&fstab);
}

static void ck_module(struct pf_ctx *c, const struct pf_check *k, struct pf_verdict *v)
{
    struct pf_file mods;
    pf_file_read(c, "/proc/modules", &mods);
    pf_judge_module(&mods.t, exists(c, "/sys/module/br_netfilter"),
                    exists(c, "/proc/sys/net/bridge/bridge-nf-call-iptables"), v);
    pf_file_free(&mods);
}

static void ck_sysctl(struct pf_ctx *c, const struct pf_check *k, struct pf_verdict *v)
{
    struct pf_file f;
    pf_file_read(c, k->path, &f);
    pf_judge_sysctl(k->id, &f.t, k->by_module, v);
    pf_file_free(&f);
}

static void ck_selinux(struct pf_ctx *c, const struct pf_check *k, struct pf_verdict *v)
{
    struct pf_file f;
    pf_file_read(c, "/sys/fs/selinux/enforce", &f);
    pf_judge_selinux(&f.t, v);
    pf_file_free(&f);
}

/* A process whose /proc/PID/comm is "firewalld" (read-only; works under --root). */
static int firewalld_running(const struct pf_ctx *c)
{
    char dir[4096];
    pf_path(c, "/proc", dir, sizeof(dir));
    DIR *d = opendir(dir);
    struct dirent *e;
    int found = 0;
    while (d && !found && (e = readdir(d))) {
        if (!isdigit((unsigned char)e->d_name[0]))
            continue;
        char comm[300];
        struct pf_file f;
        snprintf(comm, sizeof(comm), "/proc/%s/comm", e->d_name);
        pf_file_read(c, comm, &f);
        found = f.t.text && !strncmp(f.t.text, "firewalld", 9) &&
                (f.t.text[9] == '\n' || f.t.text[9] == 0);
        pf_file_free(&f);
    }
    if (d)
        closedir(d);
    return found;
}

/* `nft list ruleset` of the running kernel, once (not with --root). */
static const struct pf_nft *nft_ruleset(struct pf_ctx *c)
{
    if (c->nft_read)
        return c->nft_ok ? &c->nft : NULL;
    c->nft_read = 1;
    if (c->root[0]) {
        snprintf(c->nft_err, sizeof(c->nft_err), "not read with --root");
        return NULL;
    }
    const char *const argv[] = {"nft", "list", "ruleset", NULL};
    struct sbuf out;
    sbuf_init(&out);
    if (pf_spawn(argv, &out, c->nft_err, sizeof(c->nft_err)) == 0) {
        pf_nft_scan(sbuf_str(&out), c->port, &c->nft);
        c->nft_ok = 1;
    }
    sbuf_free(&out);
    return c->nft_ok ? &c->nft : NULL;
}

static void ck_firewalld(struct pf_ctx *c, const struct pf_check *k, struct pf_verdict *v)
{
    int running = firewalld_running(c);
    pf_judge_firewalld(running, running ? nft_ruleset(c) : NULL, c->port, v);
}

static void ck_ports(struct pf_ctx *c, const struct pf_check *k, struct pf_verdict *v)
{
    if (c->root[0]) {
        *v = (struct pf_verdict){.status = PF_SKIP};
        snprintf(v->msg, sizeof(v->msg), "with --root: the firewall rules are the kernel's");
        return;
    }
    struct pf_file legacy;
    pf_file_read(c, "/proc/net/ip_tables_names", &legacy);
    int has = legacy.t.text && strstr(legacy.t.text, "filter") != NULL;
    pf_file_free(&legacy);
    const struct pf_nft *nft = nft_ruleset(c);
    pf_judge_ports(nft, c->nft_err, has, c->port, v);
}

/* The name in /etc/hostname (its first word), for the resolve check. */
static void etc_hostname(const struct pf_ctx *c, char name[256])
{
    struct pf_file f;
    pf_file_read(c, "/etc/hostname", &f);
    name[0] = 0;
    if (f.t.text)
        sscanf(f.t.text, "%255s", name);
    pf_file_free(&f);
}

static void ck_hostname(struct pf_ctx *c, const struct pf_check *k, struct pf_verdict *v)
{
    struct pf_file f;
    char live[256];
    int have = !c->root[0] && gethostname(live, sizeof(live)) == 0;
    live[sizeof(live) - 1] = 0;
    pf_file_read(c, "/etc/hostname", &f);
    pf_judge_hostname(&f.t, have ? live : NULL, v);
    pf_file_free(&f);
}

static void ck_resolve(struct pf_ctx *c, const struct pf_check *k, struct pf_verdict *v)
{
    char name[256], store[8][64], gai[160], node[64];
    struct pf_resolved res = {0};
    struct pf_file hosts;
    etc_hostname(c, name);
    if (!name[0] && !c->root[0] && gethostname(name, sizeof(name)) < 0)
        name[0] = 0;
    name[sizeof(name) - 1] = 0;
    pf_file_read(c, "/etc/hosts", &hosts);
    int live = !c->root[0];
    if (live && name[0])
        pf_probe_resolve(name, &res, store, gai, sizeof(gai));
    int have_node = live && pf_node_address(node, sizeof(node)) == 0;
    pf_judge_resolve(name, &hosts.t, live ? &res : NULL, have_node ? node : NULL, v);
    pf_file_free(&hosts);
}

static void ck_arp(struct pf_ctx *c, const struct pf_check *k, struct pf_verdict *v)
{
    struct pf_arp_result r = {.state = PF_ARP_NOT_ASKED};
    if (c->vip) {
        snprintf(r.vip, sizeof(r.vip), "%s", c->vip);
        if (c->root[0])
            r.state = PF_ARP_ROOT;
        else
            pf_probe_arp(c, &r);
    }
    pf_judge_arp(&r, v);
}

/* Runs against the running kernel even with --root: binding a socket sends
 * nothing and changes nothing; only ip_nonlocal_bind comes from the tree. */
static void ck_freebind(struct pf_ctx *c, const struct pf_check *k, struct pf_verdict *v)
{
    char shown[80];
    struct pf_file f;
    int err = pf_probe_freebind(c->vip, shown, sizeof(shown));
    pf_file_read(c,
                 c->vip && strchr(c->vip, ':') ? "/proc/sys/net/ipv6/ip_nonlocal_bind"
                                               : "/proc/sys/net/ipv4/ip_nonlocal_bind",
                 &f);
    pf_judge_freebind(shown, err, &f.t, v);
    pf_file_free(&f);
}

#define BRIDGE "/proc/sys/net/bridge/"

const struct pf_check pf_checks[] = {
    {"swap", ck_swap, NULL, 0},
    {"br_netfilter", ck_module, NULL, 0},
    {"net.bridge.bridge-nf-call-iptables", ck_sysctl, BRIDGE "bridge-nf-call-iptables", 1},
    {"net.bridge.bridge-nf-call-ip6tables", ck_sysctl, BRIDGE "bridge-nf-call-ip6tables", 1},
    {"net.ipv4.ip_forward", ck_sysctl, "/proc/sys/net/ipv4/ip_forward", 0},
    {"selinux", ck_selinux, NULL, 0},
    {"firewalld", ck_firewalld, NULL, 0},
    {"ports", ck_ports, NULL, 0},
    {"hostname", ck_hostname, NULL, 0},
    {"hostname-resolves", ck_resolve, NULL, 0},
    {"vip-arp", ck_arp, NULL, 0},
    {"freebind", ck_freebind, NULL, 0},
};
const size_t pf_nchecks = sizeof(pf_checks) / sizeof(pf_checks[0]);

void pf_run_checks(struct pf_ctx *c, struct pf_report *r)
{
    r->n = 0;
    for (size_t i = 0; i < pf_nchecks && r->n < PF_MAX_CHECKS; i++) {
        struct pf_row *row = &r->rows[r->n++];
        row->check = &pf_checks[i];
        memset(&row->v, 0, sizeof(row->v));
        pf_checks[i].fn(c, &pf_checks[i], &row->v);
    }
}
