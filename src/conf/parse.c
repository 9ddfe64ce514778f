/* parse: statements, blocks, table dispatch, include, and the loader API.
 *
 * Grammar (keepalived's, made explicit): a file is a list of statements; a
 * statement is a keyword and its arguments up to the end of the line, and
 * maybe a block { statements } whose '{' is on the same or a following line.
 * Each block kind has a table of directives; list blocks (virtual_ipaddress,
 * unicast_peer, track_*) hand every line to one handler instead.
 *
 * Errors inside a statement skip that statement (and its block) and parsing
 * goes on; an unbalanced brace or too many errors stop it.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf-int.h"

#define DEFAULT_MAX_ERRORS 50
#define DEFAULT_MAX_DEPTH  8

struct cfg_pos cfg_tok_pos(const struct cfg_ctx *cx, const struct cfg_tok *t)
{
    struct cfg_pos p = {t->file ? t->file : cx->src ? cx->src->file : NULL, t->line, t->col};
    return p;
}

/* Record a diagnostic at t; past max_errors errors, record a last one and
 * stop. Always returns -1, so handlers can `return cfg_err(...)`. */
__attribute__((format(printf, 4, 0))) static int report(struct cfg_ctx *cx, enum cfg_severity sev,
                                                        const struct cfg_tok *t, const char *fmt,
                                                        va_list ap)
{
    struct cfg_pos pos = cfg_tok_pos(cx, t);

    if (cx->abort)
        return -1;
    if (sev == CFG_SEV_ERROR && cx->d->nerrors - cx->nerr0 >= cx->opts.max_errors) {
        cfg_diag_add(cx->d, CFG_SEV_ERROR, &pos, "too many errors (%u), stopping here",
                     cx->opts.max_errors);
        cx->abort = true;
        return -1;
    }
    if (cfg_diag_vadd(cx->d, sev, &pos, fmt, ap) < 0)
        cx->abort = true;
    return -1;
}

int cfg_err(struct cfg_ctx *cx, const struct cfg_tok *t, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    report(cx, CFG_SEV_ERROR, t, fmt, ap);
    va_end(ap);
    return -1;
}

int cfg_warn(struct cfg_ctx *cx, const struct cfg_tok *t, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    report(cx, CFG_SEV_WARNING, t, fmt, ap);
    va_end(ap);
    return -1;
}

int cfg_oom(struct cfg_ctx *cx)
{
    if (!cx->abort)
        cfg_diag_add(cx->d, CFG_SEV_ERROR, NULL, "out of memory");
    cx->abort = true;
    return -1;
}

/* ---- token stream ------------------------------------------------------ */

static const struct cfg_tok *peek(struct cfg_ctx *cx)
{
    return &cx->src->lx.tok[cx->src->i];
}

static const struct cfg_tok *next(struct cfg_ctx *cx)
{
    const struct cfg_tok *t = peek(cx);

    if (t->kind != CFG_TK_EOF)
        cx->src->i++;
    return t;
}

static bool is_text(const struct cfg_tok *t)
{
    return t->kind == CFG_TK_WORD || t->kind == CFG_TK_STRING;
}

static void read_stmt(struct cfg_ctx *cx, struct cfg_stmt *st)
{
    memset(st, 0, sizeof(*st));
    st->kw = next(cx);
    st->arg = peek(cx);
    while (is_text(peek(cx))) {
        next(cx);
        st->nargs++;
    }
    if (peek(cx)->kind == CFG_TK_LBRACE)
        st->open = next(cx);
}

/* The block of a directive may open on a following line. */
static void want_block(struct cfg_ctx *cx, struct cfg_stmt *st)
{
    const struct cfg_tok *tok = cx->src->lx.tok;
    size_t i = cx->src->i;

    if (st->open)
        return;
    while (tok[i].kind == CFG_TK_EOL)
        i++;
    if (tok[i].kind == CFG_TK_LBRACE) {
        st->open = &tok[i];
        cx->src->i = i + 1;
    }
}

static int unclosed(struct cfg_ctx *cx, const struct cfg_tok *open, const struct cfg_tok *kw)
{
    if (kw)
        cfg_err(cx, open, "block of '%.80s' opened here is never closed (missing '}')", kw->s);
    else
        cfg_err(cx, open, "block opened here is never closed (missing '}')");
    cx->abort = true;
    return -1;
}

/* Skip a block whose '{' was consumed, nested blocks included. */
static int skip_block(struct cfg_ctx *cx, const struct cfg_tok *open, const struct cfg_tok *kw)
{
    for (unsigned depth = 1;;) {
        const struct cfg_tok *t = next(cx);

        if (t->kind == CFG_TK_EOF)
            return unclosed(cx, open, kw);
        if (t->kind == CFG_TK_LBRACE)
            depth++;
        if (t->kind == CFG_TK_RBRACE && --depth == 0)
            return 0;
    }
}

/* ---- statements and blocks --------------------------------------------- */

static void do_stmt(struct cfg_ctx *cx, const struct cfg_block *b, void *obj, struct cfg_stmt *st);

/* Statements of one block (parent set: up to its '}') or of one whole file
 * (parent NULL: up to the end). Returns 0, or -1 when parsing must stop. */
static int parse_body(struct cfg_ctx *cx, const struct cfg_block *b, void *obj,
                      const struct cfg_stmt *parent)
{
    struct cfg_stmt st;

    while (!cx->abort) {
        const struct cfg_tok *t = peek(cx);

        switch (t->kind) {
        case CFG_TK_EOL:
            next(cx);
            continue;
        case CFG_TK_EOF:
            return parent ? unclosed(cx, parent->open, parent->kw) : 0;
        case CFG_TK_RBRACE:
            next(cx);
            if (parent)
                return 0;
            cfg_err(cx, t, "'}' without a matching '{'");
            cx->abort = true;
            return -1;
        case CFG_TK_LBRACE:
            next(cx);
            cfg_err(cx, t, "unexpected '{' (a block must follow a directive)");
            skip_block(cx, t, NULL);
            continue;
        default:
            read_stmt(cx, &st);
            do_stmt(cx, b, obj, &st);
        }
    }
    return -1;
}

int cfg_parse_block(struct cfg_ctx *cx, struct cfg_stmt *st, const struct cfg_block *b, void *obj)
{
    st->block_done = true;
    return parse_body(cx, b, obj, st);
}

int cfg_parse_list(struct cfg_ctx *cx, struct cfg_stmt *st, const struct cfg_block *b, void *obj)
{
    struct cfg_stmt line;

    if (st->open)
        return cfg_parse_block(cx, st, b, obj);
    memset(&line, 0, sizeof(line));
    line.kw = st->arg;
    line.arg = st->arg + 1;
    line.nargs = st->nargs - 1;
    return b->line(cx, &line, obj);
}

static const char *takes(const struct cfg_directive *dir, char *buf, size_t len)
{
    if (dir->max_args == 0)
        return "takes no argument";
    if (dir->min_args == dir->max_args)
        snprintf(buf, len, "takes %u argument%s", dir->max_args, dir->max_args > 1 ? "s" : "");
    else
        snprintf(buf, len, "takes at most %u arguments", dir->max_args);
    return buf;
}

/* Block and argument-count rules of the table entry; 0 when they hold. */
static int check_shape(struct cfg_ctx *cx, const struct cfg_directive *dir, struct cfg_stmt *st)
{
    const char *name = dir->name;
    char buf[48];

    if (dir->block == CFG_BLK_YES || (dir->block == CFG_BLK_OPT && st->nargs == 0))
        want_block(cx, st);
    if (dir->block == CFG_BLK_NO && st->open)
        return cfg_err(cx, st->open, "'%s' does not take a block", name);
    if (dir->block == CFG_BLK_YES && !st->open)
        return cfg_err(cx, st->kw, "'%s' needs a block '{ ... }'", name);
    if (dir->block == CFG_BLK_OPT && st->open && st->nargs)
        return cfg_err(cx, st->open, "'%s' takes arguments or a block, not both", name);
    if (dir->block == CFG_BLK_OPT && st->open)
        return 0;
    if (st->nargs < dir->min_args)
        return cfg_err(cx, st->kw, "missing argument after '%s'", name);
    if (dir->max_args != CFG_ARGS_ANY && st->nargs > dir->max_args)
        return cfg_err(cx, &st->arg[dir->max_args], "unexpected '%.80s' ('%s' %s)",
                       st->arg[dir->max_args].s, name, takes(dir, buf, sizeof(buf)));
    return 0;
}

/* A plain value of the table (fn NULL) into field. */
static int set_value(struct cfg_ctx *cx, const struct cfg_directive *dir, const struct cfg_tok *t,
                     void *field)
{
    uint64_t lo = dir->min < 0 ? 0 : (uint64_t)dir->min, hi = (uint64_t)dir->max;
    uint32_t u;

    switch (dir->vtype) {
    case CFG_V_U8:
        if (cfg_arg_uint(cx, t, dir->name, (uint32_t)lo, (uint32_t)hi, &u) < 0)
            return -1;
        *(uint8_t *)field = (uint8_t)u;
        return 0;
    case CFG_V_U32:
        return cfg_arg_uint(cx, t, dir->name, (uint32_t)lo, (uint32_t)hi, field);
    case CFG_V_I32:
        return cfg_arg_int(cx, t, dir->name, (int32_t)dir->min, (int32_t)dir->max, field);
    case CFG_V_DUR_OFF:
        if (!strcmp(t->s, "off")) {
            *(uint64_t *)field = 0;
            return 0;
        }
        /* fall through */
    case CFG_V_DUR:
        return cfg_arg_dur(cx, t, dir->name, lo, hi, field);
    case CFG_V_BOOL:
        return cfg_arg_bool(cx, t, dir->name, field);
    case CFG_V_STR:
        return cfg_arg_str(cx, t, field);
    case CFG_V_IFNAME:
        return cfg_arg_ifname(cx, t, field);
    case CFG_V_ENUM:
        return cfg_arg_enum(cx, t, dir->name, dir->names, dir->nnames, field);
    default:
        return -1;
    }
}

static void dispatch(struct cfg_ctx *cx, const struct cfg_directive *dir, struct cfg_stmt *st,
                     void *obj)
{
    if (check_shape(cx, dir, st) < 0)
        return;
    if (dir->at != CFG_AT_NONE) {
        struct cfg_pos *at = (struct cfg_pos *)((char *)obj + dir->at);
        const struct cfg_tok *t = st->nargs ? st->arg : st->kw;

        if (at->line && at->file == cx->src->file)
            cfg_warn(cx, st->kw, "'%s' overrides an earlier one at line %u", dir->name,
                     (unsigned)at->line);
        else if (at->line)
            cfg_warn(cx, st->kw, "'%s' overrides an earlier one at %s:%u", dir->name, at->file,
                     (unsigned)at->line);
        *at = cfg_tok_pos(cx, t);
    }
    st->dir = dir;
    if (dir->fn)
        dir->fn(cx, st, obj);
    else
        set_value(cx, dir, st->arg, (char *)obj + dir->off);
}

static void unknown(struct cfg_ctx *cx, const struct cfg_block *b, struct cfg_stmt *st)
{
    struct cfg_suggest sg;
    char where[64];

    cfg_suggest_init(&sg, st->kw->s);
    for (const struct cfg_block *c = b; c; c = c->next)
        for (size_t i = 0; i < c->ndirs; i++)
            cfg_suggest_try(&sg, c->dirs[i].name);
    cfg_suggest_try(&sg, "include");
    if (b->kind)
        snprintf(where, sizeof(where), "in %s", b->kind);
    else
        snprintf(where, sizeof(where), "at top level");
    want_block(cx, st);
    if (sg.best)
        cfg_err(cx, st->kw, "unknown directive '%.80s' %s (did you mean '%s'?)", st->kw->s, where,
                sg.best);
    else
        cfg_err(cx, st->kw, "unknown directive '%.80s' %s", st->kw->s, where);
}

static void include(struct cfg_ctx *cx, const struct cfg_block *b, void *obj, struct cfg_stmt *st);

static void do_stmt(struct cfg_ctx *cx, const struct cfg_block *b, void *obj, struct cfg_stmt *st)
{
    const struct cfg_directive *dir = NULL;

    if (st->kw->kind == CFG_TK_WORD && !strcmp(st->kw->s, "include")) {
        include(cx, b, obj, st);
    } else if (!b->dirs) {
        if (st->open)
            cfg_err(cx, st->open, "unexpected '{' in %s", b->kind);
        else
            b->line(cx, st, obj);
    } else {
        for (const struct cfg_block *c = b; c && !dir; c = c->next)
            for (size_t i = 0; i < c->ndirs && !dir; i++)
                if (!strcmp(st->kw->s, c->dirs[i].name))
                    dir = &c->dirs[i];
        if (dir)
            dispatch(cx, dir, st, obj);
        else
            unknown(cx, b, st);
    }
    if (st->open && !st->block_done && !cx->abort)
        skip_block(cx, st->open, st->kw);
}

/* ---- include ------------------------------------------------------------ */

const char *cfg_intern_file(struct cfg *cfg, const char *path)
{
    char **slot;

    for (size_t i = 0; i < cfg->nfiles; i++)
        if (!strcmp(cfg->files[i], path))
            return cfg->files[i];
    slot = cfg_vec_push(&cfg->files, &cfg->nfiles, sizeof(*cfg->files));
    if (!slot)
        return NULL;
    *slot = strdup(path);
    if (!*slot)
        cfg->nfiles--;
    return *slot;
}

/* Parse lx (lexed from `file`, already interned) with block b into obj, as
 * a new source below the current one (or as the top one). Returns 0 / -1. */
static int parse_tokens(struct cfg_ctx *cx, const struct cfg_block *b, void *obj, const char *file,
                        const struct cfg_lex *lx, dev_t dev, ino_t ino)
{
    struct cfg_src src = {.file = file, .lx = *lx, .up = cx->src, .dev = dev, .ino = ino};
    int r;

    src.depth = cx->src ? cx->src->depth + 1 : 0;
    cx->src = &src;
    r = parse_body(cx, b, obj, NULL);
    cx->src = src.up;
    return r;
}

/* Lex buf as `path` and parse it with block b into obj, as a new source
 * below the current one (or as the top one). Returns 0 / -1. */
static int parse_source(struct cfg_ctx *cx, const struct cfg_block *b, void *obj, const char *path,
                        const char *buf, size_t len, dev_t dev, ino_t ino)
{
    const char *file = cfg_intern_file(cx->cfg, path);
    struct cfg_lex lx;
    int r;

    if (!file || cfg_lex(&lx, file, buf, len, cx->d) < 0)
        return cfg_oom(cx);
    r = parse_tokens(cx, b, obj, file, &lx, dev, ino);
    cfg_lex_free(&lx);
    return r;
}

int cfg_parse_lexed(struct cfg_ctx *cx, const struct cfg_block *b, void *obj, const char *file,
                    struct cfg_lex *lx, dev_t dev, ino_t ino)
{
    const char *f = cfg_intern_file(cx->cfg, file);

    if (!f)
        return cfg_oom(cx);
    return parse_tokens(cx, b, obj, f, lx, dev, ino);
}

static void include_file(struct cfg_ctx *cx, const struct cfg_block *b, void *obj,
                         const struct cfg_tok *at, const char *path)
{
    char err[512], *buf;
    size_t len;
    dev_t dev;
    ino_t ino;

    if (cx->src->depth >= cx->opts.max_include_depth) {
        cfg_err(cx, at, "include nesting deeper than %u levels", cx->opts.max_include_depth);
        return;
    }
    if (cfg_read_file(path, &buf, &len, &dev, &ino, err, sizeof(err)) < 0) {
        cfg_err(cx, at, "%s", err);
        return;
    }
    for (const struct cfg_src *s = cx->src; s; s = s->up) {
        if (s->dev == dev && s->ino == ino) {
            cfg_err(cx, at, "include cycle: '%s' is already being read", path);
            free(buf);
            return;
        }
    }
    parse_source(cx, b, obj, path, buf, len, dev, ino);
    free(buf);
}

/* include PATTERN: every file matching PATTERN (relative to this file's
 * directory; sorted) is read as if written here, in the same block. */
static void include(struct cfg_ctx *cx, const struct cfg_block *b, void *obj, struct cfg_stmt *st)
{
    char err[512], **paths;
    int n;

    if (st->open) {
        cfg_err(cx, st->open, "'include' does not take a block");
        return;
    }
    if (st->nargs != 1) {
        cfg_err(cx, st->nargs ? &st->arg[1] : st->kw,
                "'include' takes 1 argument (a file name or pattern)");
        return;
    }
    if (cx->opts.flags & CFG_LOAD_NO_INCLUDE) {
        cfg_err(cx, st->kw, "'include' is disabled here");
        return;
    }
    n = cfg_glob(cx->src->file, st->arg[0].s, &paths, err, sizeof(err));
    if (n < 0) {
        cfg_err(cx, st->arg, "%s", err);
        return;
    }
    if (n == 0)
        cfg_warn(cx, st->arg, "include pattern '%.200s' matches no file", st->arg[0].s);
    for (int i = 0; i < n && !cx->abort; i++)
        include_file(cx, b, obj, st->arg, paths[i]);
    cfg_glob_free(paths, n);
}

/* ---- top level ---------------------------------------------------------- */

static int h_global(struct cfg_ctx *cx, struct cfg_stmt *st, void *obj)
{
    struct cfg *cfg = obj;

    cfg->global.pos = cfg_tok_pos(cx, st->kw);
    return cfg_parse_block(cx, st, &cfg_blk_global, &cfg->global);
}

/* Append a zeroed element named by st's first argument to (*arr, *n). */
static void *new_named(struct cfg_ctx *cx, struct cfg_stmt *st, void *arr, size_t *n, size_t elsize,
                       size_t name_off, size_t pos_off)
{
    char *e = cfg_vec_push(arr, n, elsize);
    char *name = e ? strdup(st->arg[0].s) : NULL;

    if (!name) {
        if (e)
            (*n)--;
        cfg_oom(cx);
        return NULL;
    }
    memcpy(e + name_off, &name, sizeof(name));
    *(struct cfg_pos *)(e + pos_off) = cfg_tok_pos(cx, st->arg);
    return e;
}

#define NEW_NAMED(cx, st, arr, n, type)                                                            \
    ((type *)new_named(cx, st, &(arr), &(n), sizeof(type), offsetof(type, name),                   \
                       offsetof(type, pos)))

static int h_script(struct cfg_ctx *cx, struct cfg_stmt *st, void *obj)
{
    struct cfg *cfg = obj;
    struct cfg_vrrp_script *s =
        NEW_NAMED(cx, st, cfg->scripts, cfg->nscripts, struct cfg_vrrp_script);

    if (!s)
        return -1;
    cfg_script_defaults(s);
    return cfg_parse_block(cx, st, &cfg_blk_vrrp_script, s);
}

static int h_instance(struct cfg_ctx *cx, struct cfg_stmt *st, void *obj)
{
    struct cfg *cfg = obj;
    struct cfg_vrrp_instance *vi =
        NEW_NAMED(cx, st, cfg->instances, cfg->ninstances, struct cfg_vrrp_instance);

    if (!vi)
        return -1;
    cfg_instance_defaults(vi);
    return cfg_parse_block(cx, st, &cfg_blk_vrrp_instance, vi);
}

static int h_proxy(struct cfg_ctx *cx, struct cfg_stmt *st, void *obj)
{
    struct cfg *cfg = obj;
    struct cfg_proxy *px = NEW_NAMED(cx, st, cfg->proxies, cfg->nproxies, struct cfg_proxy);

    if (!px)
        return -1;
    cfg_proxy_defaults(px);
    return cfg_parse_block(cx, st, &cfg_blk_proxy, px);
}

static const struct cfg_directive top_dirs[] = {
    CFG_DIRN("global_defs", 0, 0, CFG_BLK_YES, h_global),
    CFG_DIRN("vrrp_script", 1, 1, CFG_BLK_YES, h_script),
    CFG_DIRN("vrrp_instance", 1, 1, CFG_BLK_YES, h_instance),
    CFG_DIRN("proxy", 1, 1, CFG_BLK_YES, h_proxy),
};

static const struct cfg_block blk_top = {NULL, top_dirs, sizeof(top_dirs) / sizeof(top_dirs[0]),
                                         NULL, NULL};

/* ---- loader --------------------------------------------------------------- */

void cfg_ctx_defaults(struct cfg_ctx *cx)
{
    if (!cx->opts.max_errors)
        cx->opts.max_errors = DEFAULT_MAX_ERRORS;
    if (!cx->opts.max_include_depth)
        cx->opts.max_include_depth = DEFAULT_MAX_DEPTH;
}

static int load(const char *name, const char *buf, size_t len, dev_t dev, ino_t ino,
                const struct cfg_load_opts *opts, struct cfg **out, struct cfg_diags *d)
{
    struct cfg_ctx cx = {.d = d, .nerr0 = d->nerrors};

    *out = NULL;
    if (opts)
        cx.opts = *opts;
    cfg_ctx_defaults(&cx);
    cx.cfg = calloc(1, sizeof(*cx.cfg));
    if (!cx.cfg) {
        cfg_diag_add(d, CFG_SEV_ERROR, NULL, "out of memory");
        return -1;
    }
    cfg_global_defaults(&cx.cfg->global);
    parse_source(&cx, &blk_top, cx.cfg, name, buf, len, dev, ino);
    if (!cx.abort && d->nerrors == cx.nerr0)
        cfg_validate(cx.cfg, d, cx.opts.max_errors);
    if (d->nerrors != cx.nerr0) {
        cfg_free(cx.cfg);
        return -1;
    }
    *out = cx.cfg;
    return 0;
}

int cfg_load_buffer_opts(const char *name, const char *buf, size_t len,
                         const struct cfg_load_opts *opts, struct cfg **out, struct cfg_diags *d)
{
    dev_t dev = 0;
    ino_t ino = 0;

    if (!opts || !(opts->flags & CFG_LOAD_NO_INCLUDE))
        cfg_file_id(name, &dev, &ino);
    return load(name, buf, len, dev, ino, opts, out, d);
}

int cfg_load_buffer(const char *name, const char *buf, size_t len, struct cfg **out,
                    struct cfg_diags *d)
{
    return cfg_load_buffer_opts(name, buf, len, NULL, out, d);
}

int cfg_load_file_opts(const char *path, const struct cfg_load_opts *opts, struct cfg **out,
                       struct cfg_diags *d)
{
    char err[512], *buf;
    size_t len;
    dev_t dev;
    ino_t ino;
    int r;

    *out = NULL;
    if (cfg_read_file(path, &buf, &len, &dev, &ino, err, sizeof(err)) < 0) {
        cfg_diag_add(d, CFG_SEV_ERROR, NULL, "%s", err);
        return -1;
    }
    r = load(path, buf, len, dev, ino, opts, out, d);
    free(buf);
    return r;
}

int cfg_load_file(const char *path, struct cfg **out, struct cfg_diags *d)
{
    return cfg_load_file_opts(path, NULL, out, d);
}
