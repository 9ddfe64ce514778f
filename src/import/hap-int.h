/* hap-int: the haproxy.cfg importer's intermediate form, shared by its
 * reader (hap_import.c: sections and keywords) and its builder (hap_build.c:
 * frontends joined with their backends into proxies of the model).
 *
 * haproxy splits one TCP service over a frontend (client side: bind,
 * timeout client, maxconn) and a backend (server side: servers, checks,
 * balance, timeout server/connect/check, retries); a `listen` section is
 * both. The reader keeps them apart, as written, with the position of every
 * value that was set (line 0: not set), and the defaults section in force
 * copied in; the builder joins them.
 */
#ifndef HAPLANE_IMPORT_HAP_INT_H
#define HAPLANE_IMPORT_HAP_INT_H

#include "import/import-int.h"

enum hap_sect { HS_NONE = 0, HS_GLOBAL, HS_DEFAULTS, HS_FRONTEND, HS_BACKEND, HS_LISTEN, HS_OTHER };
enum hap_mode { HM_TCP = 0, HM_HTTP };
/* The check option in force (haproxy keeps the last one written). */
enum hap_chk { HC_NONE = 0, HC_HTTP, HC_TCP, HC_SSL_HELLO, HC_OTHER };

/* Options of a server line (default-server gives the starting values). */
struct hap_srv_opts {
    bool check, check_ssl, backup, disabled;
    int verify; /* -1 unset, CFG_VERIFY_NONE, CFG_VERIFY_REQUIRED */
    uint64_t inter_ms, fastinter_ms;
    uint32_t fall, rise, weight;
    char *ca, *crt, *sni; /* ca-file, crt (base applied), check-sni */
    struct {
        struct cfg_pos check, check_ssl, verify, inter, fastinter, fall, rise, weight, ca, crt, sni,
            disabled;
    } at;
};

struct hap_server {
    struct cfg_pos pos; /* the name */
    char *name;
    struct cfg_endpoint addr;
    struct cfg_pos addr_pos;
    struct hap_srv_opts o;
};

/* A defaults, frontend, backend or listen section. */
struct hap_px {
    enum hap_sect kind;
    struct cfg_pos pos; /* the name (the keyword for an unnamed defaults) */
    char *name;         /* NULL: an unnamed defaults section */
    enum hap_mode mode;
    struct cfg_bind *binds;
    size_t nbinds;
    char *backend; /* the first unconditional use_backend, else default_backend */
    bool backend_from_use;
    int balance; /* enum cfg_balance */
    uint64_t connect_ms, client_ms, server_ms, tunnel_ms, check_ms;
    uint32_t retries, maxconn, backlog;
    bool redispatch;
    bool disabled; /* `disabled`: haproxy does not start it */
    enum hap_chk chk;
    const char *chk_name;     /* the option that set chk ("option mysql-check") */
    char *hc_method, *hc_uri; /* option httpchk / http-check send */
    bool hc_ssl;              /* http-check connect ssl */
    uint16_t hc_expect;       /* http-check expect status N; 0: not set */
    bool has_stats;           /* a `stats ...` line: an HTTP stats page */
    struct hap_srv_opts dflt; /* default-server */
    struct hap_server *servers;
    size_t nservers;
    struct {
        struct cfg_pos mode, backend, balance, connect, client, server, tunnel, check, retries,
            maxconn, backlog, redispatch, chk, hc_send, hc_uri, hc_ssl, hc_expect, disabled;
    } at;
};

struct hap_global {
    uint32_t maxconn, nbthread;
    int verify; /* ssl-server-verify: -1 unset, else enum cfg_tls_verify */
    char *ca_base, *crt_base;
    struct {
        struct cfg_pos maxconn, nbthread, verify;
    } at;
};

/* Everything read from one haproxy.cfg. */
struct hap_file {
    struct hap_global g;
    struct hap_px *px; /* in file order, defaults sections included */
    size_t npx;
};

/* The reader's state (hap_import.c, hap_opts.c). */
struct hap_rd {
    struct cfg *cfg;
    struct cfg_diags *d;
    const char *file; /* interned */
    const char *const *env;
    uint32_t line;
    struct hap_file f;
    enum hap_sect sect;
    size_t cur;  /* the section being read (index in f.px), or SIZE_MAX */
    size_t dflt; /* the defaults in force, or SIZE_MAX */
    unsigned nerr, max_errors;
    bool stop;
};

/* Report at word w of the current line (w NULL: column 1). Both return -1. */
int hap_err(struct hap_rd *h, const struct hap_word *w, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int hap_warn(struct hap_rd *h, const struct hap_word *w, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
struct cfg_pos hap_pos(const struct hap_rd *h, const struct hap_word *w);
int hap_oom(struct hap_rd *h);

/* haproxy times: an integer with an optional unit us, ms, s, m, h, d; a bare
 * number is milliseconds. Reported as "invalid WHAT 'x': ...". */
int hap_time(struct hap_rd *h, const struct hap_word *w, const char *what, uint64_t min,
             uint64_t max, uint64_t *ms);
int hap_uint(struct hap_rd *h, const struct hap_word *w, const char *what, uint32_t min,
             uint32_t max, uint32_t *out);
/* Suggest the closest of names (n entries, stride bytes apart, the name
 * pointer first) for word; NULL when none is close. */
const char *hap_suggest(const char *word, const void *names, size_t n, size_t stride);

/* "unknown WHAT 'x' [in WHERE] (did you mean 'y'?)" with the names of an
 * array (see hap_suggest); "'PREFIXx' is not supported; ignored (WHY)";
 * "missing argument after 'x' (expected USAGE)" when l has fewer than n
 * words; "unexpected 'x' ('KW' takes N-1 arguments)" when more. All return
 * -1 when they report, hap_need/hap_too_many 0 when all is well. */
int hap_unknown(struct hap_rd *h, const struct hap_word *w, const char *what, const char *where,
                const void *names, size_t n, size_t stride);
int hap_ignored(struct hap_rd *h, const struct hap_word *w, const char *prefix, const char *why);
int hap_need(struct hap_rd *h, const struct hap_line *l, size_t n, const char *usage);
int hap_too_many(struct hap_rd *h, const struct hap_line *l, size_t n, const char *kw);
/* Replace *dst by a copy of s. */
int hap_set_str(struct hap_rd *h, char **dst, const char *s);

/* option, http-check and tcp-check lines (hap_checks.c). */
int hap_option(struct hap_rd *h, struct hap_px *px, const struct hap_line *l);
int hap_http_check(struct hap_rd *h, struct hap_px *px, const struct hap_line *l);
int hap_tcp_check(struct hap_rd *h, struct hap_px *px, const struct hap_line *l);

/* Keyword handlers of hap_opts.c: l->w[first...] are the arguments. */
int hap_bind(struct hap_rd *h, struct hap_px *px, const struct hap_line *l, size_t first);
int hap_server(struct hap_rd *h, struct hap_px *px, const struct hap_line *l);
int hap_default_server(struct hap_rd *h, struct hap_px *px, const struct hap_line *l);

/* Copies (strings duplicated); 0, or -1 when out of memory. */
int hap_opts_copy(struct hap_srv_opts *dst, const struct hap_srv_opts *src);
void hap_opts_free(struct hap_srv_opts *o);
void hap_file_free(struct hap_file *f);

/* Join frontends/listens with their backends into proxies of cfg (errors
 * and warnings to d, remarks on the proxies). Returns the number of errors
 * reported. */
size_t hap_build(struct cfg *cfg, const struct hap_file *f, struct cfg_diags *d);

#endif
