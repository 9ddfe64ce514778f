/* import-int: internals shared by the importers (keepalived.conf,
 * haproxy.cfg) and their meeting point (load.c). Not for use outside
 * src/import.
 *
 * The importers fill the one model (struct cfg) the native parser fills;
 * they never validate (cfg_validate runs once, on the merged model). Where
 * an imported item means something slightly different in haplane, they say
 * so twice: a warning at the item's position (for `check` and the log) and a
 * remark on the item (a comment in `haplane convert`'s output).
 */
#ifndef HAPLANE_IMPORT_IMPORT_INT_H
#define HAPLANE_IMPORT_IMPORT_INT_H

#include "conf/conf-int.h"
#include "import/import.h"

/* ---- remarks (load.c) ------------------------------------------------ */

/* Append a remark on item (on, name) to cfg. Returns 0, or -1 when out of
 * memory (the remark is lost; d->oom is not touched). */
int imp_remark(struct cfg *cfg, enum cfg_remark_on on, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* ---- keepalived.conf (ka_prep.c, ka_import.c) --------------------------- */

/* What the keepalived preprocessor needs besides the text. */
struct ka_opts {
    const char *config_id;      /* `@word` lines match this; NULL: none matches */
    unsigned max_errors;        /* 0: 50 */
    unsigned max_include_depth; /* 0: 8 */
    bool no_include;            /* `include` is an error, no file is read */
};

/* Run keepalived's line preprocessing over the file `name` (text buf):
 * comments, `@id` / `@^id` conditional lines, `$NAME=VALUE` definitions
 * (multi-line ones too) and their `$NAME` / `${NAME}` uses, and `include`
 * (read from disk, relative to the including file). The result is one
 * token stream (lx, freed with cfg_lex_free) whose tokens carry the file,
 * line and column they came from. Problems go to d. *nconditional is the
 * number of `@` lines seen. Returns 0, or -1 (lx empty) when out of
 * memory or when too many errors stopped it. */
int ka_prep(struct cfg *cfg, const char *name, const char *buf, size_t len, const struct ka_opts *o,
            struct cfg_lex *lx, unsigned *nconditional, struct cfg_diags *d);

/* Why keyword `name` is ignored or refused: a short reason ("haplane
 * sends no e-mail; use notify scripts"); "no equivalent" for others. */
const char *ka_why(const char *name);

/* Import keepalived.conf text into cfg (global_defs, vrrp_script,
 * vrrp_instance; the rest is recognised and reported). Returns 0, or -1
 * when parsing had to stop (errors are counted in d either way). */
int imp_keepalived(struct cfg *cfg, const struct imp_text *t, const struct ka_opts *o,
                   struct cfg_diags *d);

/* ---- haproxy.cfg (hap_lex.c, hap_import.c, hap_build.c) ----------------- */

/* One word of a haproxy.cfg line, quotes and escapes resolved. */
struct hap_word {
    const char *s; /* NUL-terminated */
    uint32_t col;  /* 1-based, where the word starts in the line */
    bool quoted;   /* had quotes or escapes (so it is never a keyword) */
};

/* A line split into words. */
struct hap_line {
    struct hap_word *w;
    size_t n;
    char *text; /* word storage */
};

/* Split one line (no newline) the way haproxy does (configuration.txt 2.2,
 * 2.3): blanks separate words; '#' outside quotes starts a comment;
 * backslash escapes (\\ \" \' \# \<space> \n \r \t \xNN); "weak" quotes in
 * which ${VAR} / $VAR (and ${VAR-default}) expand from env (NAME=VALUE
 * strings, NULL-terminated); 'strong' quotes. Returns 0, or -1 with a reason
 * in err and the column in *errcol. */
int hap_split(const char *line, size_t len, const char *const *env, struct hap_line *out, char *err,
              size_t errlen, uint32_t *errcol);
void hap_line_free(struct hap_line *l);

/* Import haproxy.cfg text into cfg: one proxy per frontend or listen
 * section (in mode tcp) with its backend's servers and checks. env as for
 * hap_split (NULL: the process environment). Returns 0, or -1 when it had
 * to stop. */
int imp_haproxy(struct cfg *cfg, const struct imp_text *t, const char *const *env,
                struct cfg_diags *d);

/* ---- the meeting point (load.c) --------------------------------------- */

/* Whether cmd only checks that a haproxy process is alive (killall -0
 * haproxy, pidof haproxy, pgrep haproxy, systemctl is-active haproxy, with
 * paths, options and `sh -c` wrappers). Pure. */
bool imp_is_haproxy_probe(const struct cfg_cmd *cmd);

#endif
