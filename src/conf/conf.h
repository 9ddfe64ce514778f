/* cfg: load, validate, write and query the configuration model.
 *
 * The loader reads the native brace syntax (a superset of keepalived.conf),
 * follows `include`, validates, resolves defaults and returns a model that
 * owns all its memory. It never logs: every problem becomes a diagnostic
 * (FILE:LINE:COL, severity, message) in a caller-supplied struct cfg_diags.
 */
#ifndef HAPLANE_CONF_CONF_H
#define HAPLANE_CONF_CONF_H

#include <stdio.h>

#include "conf/conf-t.h"

/* Load a native configuration file. On success returns 0 and sets *out (free
 * it with cfg_free); d may hold warnings. On any error returns -1, *out is
 * NULL and d holds the errors (several per run, at most opts.max_errors). */
int cfg_load_file(const char *path, struct cfg **out, struct cfg_diags *d);

/* The same from memory; name is used in diagnostics and `include` patterns
 * resolve relative to its directory. buf need not be NUL-terminated. */
int cfg_load_buffer(const char *name, const char *buf, size_t len, struct cfg **out,
                    struct cfg_diags *d);

/* Variants with options (opts may be NULL). */
int cfg_load_file_opts(const char *path, const struct cfg_load_opts *opts, struct cfg **out,
                       struct cfg_diags *d);
int cfg_load_buffer_opts(const char *name, const char *buf, size_t len,
                         const struct cfg_load_opts *opts, struct cfg **out, struct cfg_diags *d);

/* ---- sources: a native file, or keepalived.conf and/or haproxy.cfg ------ */

/* Facts about the machine rather than the file (an interface, a command,
 * a source address, a user, a CA file): skipped, reported as warnings (check,
 * convert: a file can be validated on a laptop), or as errors (run). */
enum cfg_facts { CFG_FACTS_SKIP = 0, CFG_FACTS_WARN, CFG_FACTS_ERROR };

/* What this machine has, for those checks. Each returns 1 (yes) or 0 (no).
 * cfg_host_system() asks the kernel and the file system; tests pass fakes. */
struct cfg_host {
    int (*has_interface)(const char *name, void *arg);
    int (*has_address)(const struct cfg_addr *a, void *arg); /* assigned to an interface */
    int (*has_command)(const char *argv0, void *arg);        /* executable, or found in PATH */
    int (*has_file)(const char *path, void *arg);            /* readable */
    int (*has_user)(const char *user, void *arg);
    void *arg;
    /* enable_script_security: 1 with why ("/etc/x.sh is writable by
     * others") when command c, run as global_defs g says, must not run
     * (track/track.h decides: it knows who runs commands); 0 when it may.
     * NULL: not checked (cfg_host_system() does not; `haplane run`,
     * `check` and `convert` add track_command_unsafe). */
    int (*command_unsafe)(const struct cfg_global *g, const struct cfg_cmd *c, char *why,
                          size_t len, void *arg);
};
const struct cfg_host *cfg_host_system(void);

/* Report every machine fact of cfg that host does not have (and, with
 * enable_script_security, every command host->command_unsafe refuses), with severity
 * sev (FILE:LINE:COL of the item), except that a missing vrrp_instance
 * interface or VIP `dev` (and then the instance's source address) is always
 * a warning: the instance waits in FAULT until it appears. Returns the
 * number reported with severity sev. */
size_t cfg_check_host(const struct cfg *cfg, const struct cfg_host *host, enum cfg_severity sev,
                      struct cfg_diags *d);

/* The advert interval recommended for haplane's VRRPv3 instances (the
 * shortest with no spurious transition in bench/failover/run --sweep, with a
 * margin: docs/operations.md, *Choosing advert_int*). `haplane convert` keeps
 * an input's own timers and names this in a comment above its instances. */
#define CFG_ADVERT_RECOMMENDED_MS 100

/* `haplane convert`: cfg_write_native with the remarks as comments above
 * their items, after `header` (lines written as comments; may be NULL).
 * An instance whose timers differ from the recommendation (VRRPv3,
 * CFG_ADVERT_RECOMMENDED_MS) gets a comment that says so; they are kept.
 * Loading the output gives the same model. Returns 0, or -1 on a write
 * error. */
int cfg_write_converted(const struct cfg *cfg, const char *header, FILE *f);

/* Free a model and everything it owns. NULL is fine. */
void cfg_free(struct cfg *cfg);

/* Write cfg as a canonical native file: every value explicit, defaults
 * included, so that loading the output gives the same model (and writing that
 * again gives the same bytes). Returns 0, or -1 on a write error. */
int cfg_write_native(const struct cfg *cfg, FILE *f);

/* One line for the log: "2 vrrp instances, 1 proxy, 3 servers". Returns the
 * snprintf() length. */
int cfg_summary(const struct cfg *cfg, char *buf, size_t len);

/* Lookups by name; NULL when absent. */
const struct cfg_proxy *cfg_find_proxy(const struct cfg *cfg, const char *name);
const struct cfg_vrrp_instance *cfg_find_instance(const struct cfg *cfg, const char *name);
const struct cfg_vrrp_script *cfg_find_script(const struct cfg *cfg, const char *name);
const struct cfg_server *cfg_find_server(const struct cfg_proxy *px, const char *name);

/* failover_reset is in effect for instance vi: it is on, and some proxy
 * may accept connections on one of its VIPs (a bind on `*`, on one of the
 * VIPs, or on a host name, which may resolve to one). */
bool cfg_failover_reset_active(const struct cfg *cfg, const struct cfg_vrrp_instance *vi);
/* ... for some instance of cfg. */
bool cfg_failover_reset_any(const struct cfg *cfg);

/* Diagnostics. cfg_diag_format writes "FILE:LINE:COL: error: MSG" (or
 * "FILE: error: MSG" without a line, "error: MSG" without a file) and returns
 * the snprintf() length. cfg_diags_print writes every entry, one per line. */
int cfg_diag_format(const struct cfg_diag *e, char *buf, size_t len);
void cfg_diags_print(const struct cfg_diags *d, FILE *f);
void cfg_diags_free(struct cfg_diags *d);
/* Record one diagnostic; pos may be NULL. Control characters in the message
 * become '?'. Returns 0, or -1 when it could not be stored (d->oom). Used by
 * the loaders outside src/conf (node-local's). */
int cfg_diag_add(struct cfg_diags *d, enum cfg_severity sev, const struct cfg_pos *pos,
                 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Value syntax shared with the importers. Each returns 0, or -1 with a short
 * reason in err (e.g. "expected a duration such as 250ms, 2s, 1m, 1h or 0.5").
 *
 * Durations: N[.F] with unit ms, s, m, h or d; a bare number is seconds. */
int cfg_parse_duration(const char *s, uint64_t *ms, char *err, size_t errlen);
/* Decimal integer in [min, max], optional sign for signed. */
int cfg_parse_int(const char *s, int64_t min, int64_t max, int64_t *out, char *err, size_t errlen);
/* IPv4 or IPv6 address; with allow_prefix an optional /N (default 32/128). */
int cfg_parse_addr(const char *s, int allow_prefix, struct cfg_addr *out, char *err, size_t errlen);
/* ADDR:PORT, [V6]:PORT, *:PORT, :PORT, and with allow_name NAME:PORT. */
int cfg_parse_endpoint(const char *s, int allow_name, struct cfg_endpoint *out, char *err,
                       size_t errlen);
/* on|off (also yes|no, true|false). */
int cfg_parse_bool(const char *s, bool *out);

/* Canonical text forms (what cfg_write_native writes). */
const char *cfg_format_duration(uint64_t ms, char *buf, size_t len);
/* with_prefix: append "/N". */
const char *cfg_format_addr(const struct cfg_addr *a, int with_prefix, char *buf, size_t len);
const char *cfg_format_endpoint(const struct cfg_endpoint *e, char *buf, size_t len);
int cfg_addr_equal(const struct cfg_addr *a, const struct cfg_addr *b);

#endif
