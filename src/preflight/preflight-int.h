/* What the files of src/preflight share: the context of one run, the check
 * table, the file and command helpers, fixes and output. */
#ifndef HAPLANE_PREFLIGHT_PREFLIGHT_INT_H
#define HAPLANE_PREFLIGHT_PREFLIGHT_INT_H

#include <stddef.h>

#include "preflight/verdict.h"
#include "util/sbuf.h"

#define PF_DEFAULT_PORT 16443
#define PF_MAX_CHECKS   16
#define PF_MAX_ACTIONS  8

struct pf_ctx {
    const char *root; /* "" for the running system, else --root DIR */
    const char *vip;  /* --vip, or NULL */
    unsigned port;    /* the proxy port */
    /* the nftables ruleset, read once for the ports and firewalld checks */
    int nft_read;
    int nft_ok;
    struct pf_nft nft;
    char nft_err[160];
};

/* A file read under ctx->root. t.path points into path; free with pf_file_free. */
struct pf_file {
    char path[4096];
    char *buf;
    struct pf_text t;
};
void pf_file_read(const struct pf_ctx *c, const char *abs, struct pf_file *f);
void pf_file_free(struct pf_file *f);
/* abs under ctx->root, into buf. */
void pf_path(const struct pf_ctx *c, const char *abs, char *buf, size_t len);

struct pf_check;
typedef void (*pf_check_fn)(struct pf_ctx *c, const struct pf_check *k, struct pf_verdict *v);
struct pf_check {
    const char *id;
    pf_check_fn fn;
    const char *path; /* sysctl rows: the file under /proc/sys */
    int by_module;    /* sysctl rows: exists only with br_netfilter */
};
extern const struct pf_check pf_checks[];
extern const size_t pf_nchecks;

struct pf_row {
    const struct pf_check *check;
    struct pf_verdict v;
};

enum pf_act_result { PF_ACT_DONE, PF_ACT_FAILED, PF_ACT_NOT_RUN };
struct pf_action {
    enum pf_act_result result;
    char what[160];   /* "swapoff -a", "net.ipv4.ip_forward = 1" */
    char detail[320]; /* what changed, or why not */
};

struct pf_report {
    struct pf_row rows[PF_MAX_CHECKS];
    size_t n;
    struct pf_action acts[PF_MAX_ACTIONS];
    size_t nacts;
    int fixed; /* --fix ran */
};

/* Run every check into r->rows. */
void pf_run_checks(struct pf_ctx *c, struct pf_report *r);
/* --fix: apply the safe fixes the rows ask for, then run the checks again. */
void pf_apply_fixes(struct pf_ctx *c, struct pf_report *r);

/* Live probes (checks.c uses them; live.c). */
void pf_probe_arp(const struct pf_ctx *c, struct pf_arp_result *r);
int pf_probe_freebind(const char *addr, char *shown, size_t len);
void pf_probe_resolve(const char *name, struct pf_resolved *res, char store[][64], char *gai,
                      size_t gailen);
int pf_node_address(char *buf, size_t len);

/* Run argv[0] (looked up in /usr/sbin, /usr/bin, /sbin, /bin; never $PATH)
 * with argv, stdin from /dev/null, stderr inherited; stdout into out when
 * out is not NULL, else to stderr (so --json stays clean). 0 when it exits
 * 0; -1 with err otherwise. */
int pf_spawn(const char *const argv[], struct sbuf *out, char *err, size_t errlen);

/* Output: the text lines, or one JSON object. */
void pf_print_text(const struct pf_ctx *c, const struct pf_report *r, struct sbuf *out);
void pf_print_json(const struct pf_ctx *c, const struct pf_report *r, struct sbuf *out);
/* 1 when a row FAILs. */
int pf_any_fail(const struct pf_report *r);

#endif
