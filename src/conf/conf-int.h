/* conf-int: internals shared by the files of src/conf (lexer, parser,
 * validation). Not for use outside src/conf, except by the importers.
 */
#ifndef HAPLANE_CONF_CONF_INT_H
#define HAPLANE_CONF_CONF_INT_H

#include <stdarg.h>
#include <stddef.h>
#include <sys/types.h>

#include "conf/conf.h"

/* ---- lexer (lex.c) ---------------------------------------------------- */

enum cfg_tk { CFG_TK_WORD, CFG_TK_STRING, CFG_TK_LBRACE, CFG_TK_RBRACE, CFG_TK_EOL, CFG_TK_EOF };

struct cfg_tok {
    enum cfg_tk kind;
    uint32_t line, col;
    const char *s; /* NUL-terminated text (unescaped for strings) */
    size_t len;
    const char *file; /* NULL: the file being parsed; else (an importer's
                         token stream spans several files) interned in
                         cfg->files */
};

/* A lexed file: tokens end with exactly one CFG_TK_EOF. */
struct cfg_lex {
    struct cfg_tok *tok;
    size_t ntok;
    char *text; /* token texts, NUL-separated; tok[i].s points here */
};

/* Split buf into tokens: words, "strings" (escapes \" \\ \n \t), braces and
 * end-of-lines (one per run of newlines); `#` or `!` at the start of a token
 * comments to the end of line; a `\` just before a newline joins lines.
 * Errors (unterminated string, NUL byte) go to d with file's name; lexing
 * goes on. Returns 0, or -1 when out of memory. Free with cfg_lex_free. */
int cfg_lex(struct cfg_lex *lx, const char *file, const char *buf, size_t len, struct cfg_diags *d);
void cfg_lex_free(struct cfg_lex *lx);

/* ---- diagnostics (diag.c) --------------------------------------------- */

/* cfg_diag_add: conf.h */
int cfg_diag_vadd(struct cfg_diags *d, enum cfg_severity sev, const struct cfg_pos *pos,
                  const char *fmt, va_list ap) __attribute__((format(printf, 4, 0)));

/* Spelling suggestions: feed candidates, read .best (NULL: none close). */
struct cfg_suggest {
    const char *word;
    const char *best;
    size_t dist;
};
void cfg_suggest_init(struct cfg_suggest *s, const char *word);
void cfg_suggest_try(struct cfg_suggest *s, const char *cand);

/* ---- model helpers (model.c) ------------------------------------------ */

/* Append a zeroed element to a growable array (*arr, *n); capacity is
 * implied by n (powers of two). Returns the element, NULL if out of memory. */
void *cfg_vec_push(void *arr, size_t *n, size_t elsize);
void cfg_global_defaults(struct cfg_global *g);
void cfg_script_defaults(struct cfg_vrrp_script *s);
void cfg_instance_defaults(struct cfg_vrrp_instance *vi);
void cfg_proxy_defaults(struct cfg_proxy *px);
void cfg_check_defaults(struct cfg_check *c); /* does not free */
/* A check's fast_interval when none is given (the suspect interval, used
 * while a server is between states): interval/4, at least 100 ms, at most
 * the interval. */
uint64_t cfg_suspect_interval_ms(uint64_t interval_ms);
void cfg_check_free(struct cfg_check *c);
void cfg_server_defaults(struct cfg_server *sv);
void cfg_cmd_free(struct cfg_cmd *c);
void cfg_endpoint_free(struct cfg_endpoint *e);

/* ---- parser (parse.c) -------------------------------------------------- */

/* One file being read. */
struct cfg_src {
    const char *file; /* interned in cfg->files */
    struct cfg_lex lx;
    size_t i;           /* next token */
    struct cfg_src *up; /* the including file */
    unsigned depth;     /* 0 for the top file */
    dev_t dev;          /* identity for cycle detection (0/0: none) */
    ino_t ino;
};

struct cfg_ctx {
    struct cfg *cfg;
    struct cfg_diags *d;
    struct cfg_load_opts opts;
    struct cfg_src *src;
    size_t nerr0; /* d->nerrors when this load started */
    bool abort;   /* unrecoverable: unwind and stop */
};

/* A statement: keyword, arguments up to end of line / '{' / '}', and maybe
 * a block that follows ('{' on the same or a following line). */
struct cfg_stmt {
    const struct cfg_tok *kw;
    const struct cfg_tok *arg; /* nargs tokens */
    size_t nargs;
    const struct cfg_tok *open;      /* the '{' when there is a block */
    bool block_done;                 /* the block was parsed by the handler */
    const struct cfg_directive *dir; /* the table entry (NULL in lists) */
};

enum cfg_blk { CFG_BLK_NO = 0, CFG_BLK_YES, CFG_BLK_OPT /* a block, or args */ };
#define CFG_ARGS_ANY 255
#define CFG_AT_NONE  ((size_t)-1)

/* Plain values set by the table alone (fn NULL): the argument is parsed as
 * `vtype` into the field at `off`, within [min, max] (ms for durations). */
enum cfg_vtype {
    CFG_V_NONE = 0,
    CFG_V_U8,
    CFG_V_U32,
    CFG_V_I32,
    CFG_V_DUR,
    CFG_V_DUR_OFF, /* a duration, or "off" = 0 */
    CFG_V_BOOL,
    CFG_V_STR,
    CFG_V_IFNAME,
    CFG_V_ENUM, /* an int-sized enum; names[i] is value i */
};

/* Directive table entry. `at`: offsetof the struct cfg_pos in obj that
 * records where the directive was written (first argument, or the keyword),
 * with a warning when it was already set; CFG_AT_NONE for repeatable ones
 * (their handlers record positions themselves). */
struct cfg_directive {
    const char *name;
    uint8_t min_args, max_args;
    uint8_t block;
    int (*fn)(struct cfg_ctx *cx, struct cfg_stmt *st, void *obj);
    size_t at;
    enum cfg_vtype vtype;
    size_t off;
    int64_t min, max;
    const char *const *names;
    size_t nnames;
};

/* A directive with a handler: ARGS min..max, BLK shape, `at` field. */
#define CFG_DIR(nm, lo, hi, blk, f, T, atf)                                                        \
    {                                                                                              \
        .name = nm, .min_args = lo, .max_args = hi, .block = blk, .fn = f, .at = offsetof(T, atf)  \
    }
/* The same without a position of its own. */
#define CFG_DIRN(nm, lo, hi, blk, f)                                                               \
    {                                                                                              \
        .name = nm, .min_args = lo, .max_args = hi, .block = blk, .fn = f, .at = CFG_AT_NONE       \
    }
/* A plain value: one argument of type vt into T.field, position at T.atf. */
#define CFG_VAL(nm, T, vt, field, atf, lo, hi)                                                     \
    {                                                                                              \
        .name = nm, .min_args = 1, .max_args = 1, .at = offsetof(T, atf), .vtype = vt,             \
        .off = offsetof(T, field), .min = lo, .max = hi                                            \
    }
#define CFG_ENUM(nm, T, field, atf, list)                                                          \
    {                                                                                              \
        .name = nm, .min_args = 1, .max_args = 1, .at = offsetof(T, atf), .vtype = CFG_V_ENUM,     \
        .off = offsetof(T, field), .names = list, .nnames = sizeof(list) / sizeof(list[0])         \
    }
#define CFG_NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* A block kind: a directive table, or (dirs NULL) a list whose every line is
 * handed to `line` (kw = first word, args = the rest). */
struct cfg_block {
    const char *kind; /* "vrrp_instance", for messages */
    const struct cfg_directive *dirs;
    size_t ndirs;
    int (*line)(struct cfg_ctx *cx, struct cfg_stmt *st, void *obj);
    const struct cfg_block *next; /* directives not in dirs are looked up
                                     here (an importer's block adds to or
                                     overrides a native one); NULL: none */
};

extern const struct cfg_block cfg_blk_global;        /* parse_vrrp.c */
extern const struct cfg_block cfg_blk_vrrp_script;   /* parse_vrrp.c */
extern const struct cfg_block cfg_blk_vrrp_instance; /* parse_vrrp.c */
extern const struct cfg_block cfg_blk_proxy;         /* parse_proxy.c */
/* List blocks of vrrp_instance (parse_vrrp.c), for importers that accept
 * more options on a line and hand the rest over: */
extern const struct cfg_block cfg_blk_vips;         /* virtual_ipaddress */
extern const struct cfg_block cfg_blk_peers;        /* unicast_peer */
extern const struct cfg_block cfg_blk_track_script; /* track_script */
extern const struct cfg_block cfg_blk_track_if;     /* track_interface */

/* Parse the block of st (st->open set) with b; sets st->block_done. */
int cfg_parse_block(struct cfg_ctx *cx, struct cfg_stmt *st, const struct cfg_block *b, void *obj);
/* A list directive: its block, or its inline arguments as one line. */
int cfg_parse_list(struct cfg_ctx *cx, struct cfg_stmt *st, const struct cfg_block *b, void *obj);

/* Parse an already lexed file (lx: tokens end with CFG_TK_EOF; the caller
 * keeps ownership) with top-level block b into obj, as the top source of cx.
 * file is interned in cx->cfg->files; dev/ino identify it (0/0: unknown).
 * Returns 0, or -1 when parsing had to stop. */
int cfg_parse_lexed(struct cfg_ctx *cx, const struct cfg_block *b, void *obj, const char *file,
                    struct cfg_lex *lx, dev_t dev, ino_t ino);
/* path's copy in cfg->files (added when new); NULL when out of memory. */
const char *cfg_intern_file(struct cfg *cfg, const char *path);
/* Fill in the defaults of cx->opts (max_errors, max_include_depth). */
void cfg_ctx_defaults(struct cfg_ctx *cx);

struct cfg_pos cfg_tok_pos(const struct cfg_ctx *cx, const struct cfg_tok *t);
int cfg_err(struct cfg_ctx *cx, const struct cfg_tok *t, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int cfg_warn(struct cfg_ctx *cx, const struct cfg_tok *t, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int cfg_oom(struct cfg_ctx *cx);

/* Value helpers (args.c): parse token t as `what`, report errors at t as
 * "invalid WHAT 'TEXT': REASON", return 0 / -1. */
int cfg_arg_str(struct cfg_ctx *cx, const struct cfg_tok *t, char **dst);
int cfg_arg_uint(struct cfg_ctx *cx, const struct cfg_tok *t, const char *what, uint32_t min,
                 uint32_t max, uint32_t *out);
int cfg_arg_int(struct cfg_ctx *cx, const struct cfg_tok *t, const char *what, int32_t min,
                int32_t max, int32_t *out);
int cfg_arg_dur(struct cfg_ctx *cx, const struct cfg_tok *t, const char *what, uint64_t min,
                uint64_t max, uint64_t *out);
int cfg_arg_bool(struct cfg_ctx *cx, const struct cfg_tok *t, const char *what, bool *out);
int cfg_arg_addr(struct cfg_ctx *cx, const struct cfg_tok *t, const char *what, int allow_prefix,
                 struct cfg_addr *out);
int cfg_arg_enum(struct cfg_ctx *cx, const struct cfg_tok *t, const char *what,
                 const char *const *names, size_t n, int *out);
int cfg_arg_ifname(struct cfg_ctx *cx, const struct cfg_tok *t, char **dst);
/* script "cmd args" | script cmd arg ...: argv from tokens t[0..n). */
int cfg_arg_cmd(struct cfg_ctx *cx, const struct cfg_tok *t, size_t n, struct cfg_cmd *c);

/* Split one command string into argv: whitespace separated, '...' or "..."
 * group (no escapes). Returns 0, or -1 with err set. Exposed for tests. */
int cfg_split_cmd(const char *s, struct cfg_cmd *c, char *err, size_t errlen);

/* Whether s is a host name a health check may send as TLS server name and
 * Host (what cfg_parse_endpoint takes as NAME, under 254 bytes). Pure. */
bool cfg_valid_sni(const char *s);

/* s for a message: visible ASCII as is, any other byte as \xNN, at most
 * 80 bytes of s. Returns buf. */
const char *cfg_quote(const char *s, char *buf, size_t len);

/* ---- source files (source.c: the only file-system access) -------------- */

/* Read a whole file (at most 16 MiB). Returns 0, or -1 with err set. */
int cfg_read_file(const char *path, char **buf, size_t *len, dev_t *dev, ino_t *ino, char *err,
                  size_t errlen);
/* Identity of a path, for cycle detection; 0 when stat() works. */
int cfg_file_id(const char *path, dev_t *dev, ino_t *ino);
/* Expand an include pattern (relative to the directory of `from`). The
 * result is a sorted array of paths (free with cfg_glob_free). Returns the
 * number of matches (0 none), or -1 with err set. */
int cfg_glob(const char *from, const char *pattern, char ***paths, char *err, size_t errlen);
void cfg_glob_free(char **paths, int n);
int cfg_has_glob(const char *pattern);

/* ---- validation (validate.c) ------------------------------------------- */

/* Resolve defaults and references, then check the model; errors and
 * warnings go to d. Returns the number of errors. */
size_t cfg_validate(struct cfg *cfg, struct cfg_diags *d, size_t max_errors);

#endif
