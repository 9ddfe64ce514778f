/* ka_prep: keepalived.conf's line preprocessing, done the way keepalived
 * 2.2.7 does it (lib/parser.c read_line, decomment, check_definition,
 * replace_param), before any directive is looked at:
 *
 *   - comments start at an unquoted '#' or '!' anywhere ("\#" keeps one);
 *   - a line "@id rest" keeps `rest` only when id is the config id, and
 *     "@^id rest" only when it is not (keepalived -i, default the host name);
 *   - "$NAME=VALUE" defines a parameter (a value ending in '\' goes on over
 *     the following lines, up to an empty line or a line without '\');
 *     "$NAME" (followed by a blank, ',', ')' or the end) and "${NAME}" are
 *     replaced, again and again while the result has some; a multi-line
 *     parameter at the end of a line expands into several lines; undefined
 *     parameters stay as written; ${_PWD}, ${_INSTANCE}, ${_HASH}, ${_BANG}
 *     are predefined;
 *   - a line "include PATTERN" reads the matching files in its place.
 *
 * The result is one token stream for the native parser: each logical line
 * is lexed by cfg_lex and every token keeps the file, line and column it
 * came from (a substituted value takes the position of its "$").
 */
#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "import/import-int.h"

#define DEFAULT_MAX_ERRORS 50
#define DEFAULT_MAX_DEPTH  8
#define MAX_SUBST          1000 /* replacements in one line: a definition using itself */
#define MAX_EXPANSION      16   /* multi-line parameters expanding into each other */

/* A logical line: its text and, for each byte, the source column. */
struct kline {
    char *s;
    uint32_t *col;
    size_t len, cap;
    const char *file;
    uint32_t line;
};

enum builtin { BI_NONE = 0, BI_PWD, BI_INSTANCE, BI_RANDOM, BI_HASH, BI_BANG };

struct kdef {
    char *name;
    char *value; /* lines of a multi-line value end with '\n' */
    bool multiline;
    enum builtin builtin;
};

/* The chain of files being read, for include cycles and depth. */
struct frame {
    dev_t dev;
    ino_t ino;
    const struct frame *up;
    unsigned depth;
};

struct prep {
    struct cfg *cfg;
    struct cfg_diags *d;
    const char *config_id;
    unsigned max_errors, max_depth, nerr, nconditional, expansion;
    bool stop, oom, no_include;
    struct kdef *defs;
    size_t ndefs;
    size_t open_def;  /* the multi-line definition being read, or SIZE_MAX */
    const char *file; /* the file being read (for ${_PWD}) */
    /* output */
    struct cfg_tok *tok;
    size_t ntok, *off, offcap;
    char *text;
    size_t tlen, tcap;
};

__attribute__((format(printf, 6, 7))) static void report(struct prep *p, enum cfg_severity sev,
                                                         const char *file, uint32_t line,
                                                         uint32_t col, const char *fmt, ...)
{
    struct cfg_pos pos = {file, line, col};
    va_list ap;

    if (p->stop)
        return;
    if (sev == CFG_SEV_ERROR && p->nerr >= p->max_errors) {
        cfg_diag_add(p->d, CFG_SEV_ERROR, &pos, "too many errors (%u), stopping here",
                     p->max_errors);
        p->stop = true;
        return;
    }
    if (sev == CFG_SEV_ERROR)
        p->nerr++;
    va_start(ap, fmt);
    if (cfg_diag_vadd(p->d, sev, &pos, fmt, ap) < 0)
        p->stop = p->oom = true;
    va_end(ap);
}

static void nomem(struct prep *p)
{
    if (!p->oom)
        cfg_diag_add(p->d, CFG_SEV_ERROR, NULL, "out of memory");
    p->stop = p->oom = true;
}

/* ---- logical lines -------------------------------------------------------- */

/* Make room for `more` bytes after kl->len. On success kl->s and kl->col
 * are allocated even when nothing is asked for (an empty first line is
 * copied with memcpy, which must not be given NULL). */
static bool kl_room(struct prep *p, struct kline *kl, size_t more)
{
    if (kl->s && kl->len + more <= kl->cap)
        return true;
    size_t cap = (kl->len + more) * 2 + 16;
    char *s = realloc(kl->s, cap);
    uint32_t *c = s ? realloc(kl->col, cap * sizeof(*c)) : NULL;

    if (s)
        kl->s = s;
    if (!c) {
        nomem(p);
        return false;
    }
    kl->col = c;
    kl->cap = cap;
    return true;
}

/* Replace n bytes at `at` by text (len bytes), all at source column col. */
static bool kl_splice(struct prep *p, struct kline *kl, size_t at, size_t n, const char *text,
                      size_t len, uint32_t col)
{
    if (len > n && !kl_room(p, kl, len - n))
        return false;
    memmove(kl->s + at + len, kl->s + at + n, kl->len - at - n);
    memmove(kl->col + at + len, kl->col + at + n, (kl->len - at - n) * sizeof(*kl->col));
    memcpy(kl->s + at, text, len);
    for (size_t i = 0; i < len; i++)
        kl->col[at + i] = col;
    kl->len = kl->len - n + len;
    return true;
}

static bool kl_set(struct prep *p, struct kline *kl, const char *s, size_t len, uint32_t col0,
                   bool same_col)
{
    kl->len = 0;
    if (!kl_room(p, kl, len))
        return false;
    memcpy(kl->s, s, len);
    for (size_t i = 0; i < len; i++)
        kl->col[i] = same_col ? col0 : col0 + (uint32_t)i;
    kl->len = len;
    return true;
}

static void kl_free(struct kline *kl)
{
    free(kl->s);
    free(kl->col);
}

static bool blank(char c)
{
    return c == ' ' || c == '\t';
}

/* keepalived's decomment(): drop leading blanks, a comment (unquoted '#' or
 * '!'), the '\' of "\#" and "\!" outside quotes, and trailing blanks; a
 * final '\' (a continued definition) is kept at the very end. */
static void decomment(struct prep *p, struct kline *kl)
{
    size_t i = 0, skip = SIZE_MAX;
    bool quote = false, cont = false;
    uint32_t contcol = 0;

    while (i < kl->len && blank(kl->s[i]))
        i++;
    kl_splice(p, kl, 0, i, "", 0, 0);
    for (i = 0; i < kl->len; i++) {
        char c = kl->s[i];

        if (c == '"' && skip == SIZE_MAX) {
            quote = !quote;
        } else if (c == '\\' && i + 1 < kl->len) {
            if (!quote && (kl->s[i + 1] == '#' || kl->s[i + 1] == '!'))
                kl_splice(p, kl, i, 1, "", 0, 0);
            else
                i++;
        } else if (c == '\\') {
            cont = true;
            contcol = kl->col[i];
            kl->len = i;
        } else if (!quote && skip == SIZE_MAX && (c == '#' || c == '!')) {
            skip = i;
        }
    }
    if (skip < kl->len)
        kl->len = skip;
    while (kl->len && blank(kl->s[kl->len - 1]))
        kl->len--;
    if (cont)
        kl_splice(p, kl, kl->len, 0, "\\", 1, contcol);
}

/* ---- definitions ----------------------------------------------------------- */

static bool name_char(char c)
{
    return isalnum((unsigned char)c) || c == '_';
}

static struct kdef *find_def(struct prep *p, const char *name, size_t len, bool at_end)
{
    for (size_t i = 0; i < p->ndefs; i++) {
        struct kdef *k = &p->defs[i];

        if (strlen(k->name) == len && !memcmp(k->name, name, len) && (at_end || !k->multiline))
            return k;
    }
    return NULL;
}

/* Define (or redefine) name; returns its index, or SIZE_MAX (no memory). */
static size_t set_def(struct prep *p, const char *name, size_t nlen, const char *value, size_t vlen,
                      bool multiline)
{
    struct kdef *k = NULL;
    char *v = strndup(value, vlen);

    for (size_t i = 0; i < p->ndefs && !k; i++)
        if (strlen(p->defs[i].name) == nlen && !memcmp(p->defs[i].name, name, nlen))
            k = &p->defs[i];
    if (v && !k && (k = cfg_vec_push(&p->defs, &p->ndefs, sizeof(*k))) &&
        !(k->name = strndup(name, nlen)))
        p->ndefs--, k = NULL;
    if (!v || !k) {
        free(v);
        nomem(p);
        return SIZE_MAX;
    }
    free(k->value);
    k->value = v;
    k->multiline = multiline;
    k->builtin = BI_NONE;
    return (size_t)(k - p->defs);
}

/* "$NAME=VALUE" (no blank before '='); returns true when kl is one. */
static bool definition(struct prep *p, struct kline *kl)
{
    size_t j = 2, v;

    if (kl->len < 3 || kl->s[0] != '$' || !(isalpha((unsigned char)kl->s[1]) || kl->s[1] == '_'))
        return false;
    while (j < kl->len && name_char(kl->s[j]))
        j++;
    if (j >= kl->len || kl->s[j] != '=')
        return false;
    for (v = j + 1; v < kl->len && blank(kl->s[v]);)
        v++;
    size_t vlen = kl->len - v;
    bool multi = vlen && kl->s[kl->len - 1] == '\\';
    if (multi) {
        vlen--;
        while (vlen && blank(kl->s[v + vlen - 1]))
            vlen--;
        if (vlen)
            kl->s[v + vlen++] = '\n'; /* the '\' (or a blank) becomes the line end */
    }
    size_t k = set_def(p, kl->s + 1, j - 1, kl->s + v, vlen, multi);
    if (multi && k != SIZE_MAX)
        p->open_def = k;
    return true;
}

/* One more line of the open multi-line definition (already decommented). */
static void def_continue(struct prep *p, struct kline *kl)
{
    struct kdef *k = &p->defs[p->open_def];
    bool more = kl->len && kl->s[kl->len - 1] == '\\';
    size_t n = kl->len, old = strlen(k->value);

    if (more) {
        n--;
        while (n && blank(kl->s[n - 1]))
            n--;
    } else {
        p->open_def = SIZE_MAX;
    }
    if (n) {
        char *v = realloc(k->value, old + n + 2);

        if (!v) {
            nomem(p);
            return;
        }
        memcpy(v + old, kl->s, n);
        if (more)
            v[old + n++] = '\n';
        v[old + n] = '\0';
        k->value = v;
    }
    if (!more && !k->value[0])
        k->multiline = false;
}

static void def_close(struct prep *p)
{
    if (p->open_def != SIZE_MAX && !p->defs[p->open_def].value[0])
        p->defs[p->open_def].multiline = false;
    p->open_def = SIZE_MAX;
}

static void add_builtin(struct prep *p, const char *name, enum builtin b)
{
    size_t k = set_def(p, name, strlen(name), "", 0, false);

    if (k != SIZE_MAX)
        p->defs[k].builtin = b;
}

/* The value of a predefined parameter, in buf. NULL: not supported. */
static const char *builtin_value(struct prep *p, enum builtin b, char *buf, size_t len)
{
    const char *slash = strrchr(p->file, '/');
    char dir[PATH_MAX];

    switch (b) {
    case BI_PWD:
        if (!slash)
            snprintf(dir, sizeof(dir), ".");
        else if (slash == p->file)
            snprintf(dir, sizeof(dir), "/");
        else
            snprintf(dir, sizeof(dir), "%.*s", (int)(slash - p->file), p->file);
        if (!realpath(dir, buf))
            snprintf(buf, len, "%s", dir);
        return buf;
    case BI_INSTANCE:
        return p->config_id ? p->config_id : "";
    case BI_HASH:
        return "#";
    case BI_BANG:
        return "!";
    default:
        return NULL;
    }
}

/* ---- substitution ------------------------------------------------------------ */

/* A "$NAME" or "${NAME}" reference at kl->s[i] (keepalived find_definition:
 * unbraced names end at a blank, ',', ')' or the end of the line). */
struct ref {
    size_t name, namelen, len;
    bool params;
};

static bool parse_ref(const struct kline *kl, size_t i, struct ref *r)
{
    const char *s = kl->s;
    size_t j = i + 1, n = kl->len;
    bool braces = j < n && s[j] == '{';

    j += braces;
    if (j >= n || !(isalpha((unsigned char)s[j]) || s[j] == '_'))
        return false;
    r->name = j;
    while (j < n && name_char(s[j]))
        j++;
    r->namelen = j - r->name;
    r->params = false;
    if (braces) {
        size_t last = j;
        while (j < n && (s[j] == ' ' || isdigit((unsigned char)s[j]))) {
            if (s[j] != ' ')
                r->params = true, last = j;
            j++;
        }
        if (j >= n || s[j] != '}' || (r->params && last + 1 != j))
            return false;
        r->len = j + 1 - i;
        return true;
    }
    if (j < n && !blank(s[j]) && s[j] != ',' && s[j] != ')')
        return false;
    r->len = j - i;
    return true;
}

/* Pending lines of multi-line expansions, most recent first. */
struct rest {
    char *text;
    uint32_t col;
};

static bool rest_push(struct prep *p, struct rest *r, const char *more, uint32_t col)
{
    char *t;

    if (!*more)
        return true;
    if (asprintf(&t, "%s%s%s", more, r->text ? "\n" : "", r->text ? r->text : "") < 0) {
        nomem(p);
        return false;
    }
    free(r->text);
    r->text = t;
    r->col = col;
    return true;
}

/* Replace the references in kl (keepalived replace_param). Returns 1 when
 * something was replaced, 0 when not, -1 on an error (reported). */
static int substitute(struct prep *p, struct kline *kl, struct rest *rest)
{
    char buf[PATH_MAX + 1];
    size_t i = 0, n = 0;
    int found = 0;

    while (i + 1 < kl->len) {
        const char *dollar = memchr(kl->s + i, '$', kl->len - i - 1);
        struct ref r;
        struct kdef *k;

        if (!dollar)
            break;
        i = (size_t)(dollar - kl->s);
        if (!parse_ref(kl, i, &r) ||
            !(k = find_def(p, kl->s + r.name, r.namelen, i + r.len == kl->len)) ||
            (r.params && k->builtin != BI_RANDOM)) {
            i++;
            continue;
        }
        uint32_t col = kl->col[i];
        if (++n > MAX_SUBST) {
            report(p, CFG_SEV_ERROR, kl->file, kl->line, col,
                   "parameter '%s' keeps expanding (a definition that uses itself?)", k->name);
            return -1;
        }
        const char *v = k->builtin ? builtin_value(p, k->builtin, buf, sizeof(buf)) : k->value;
        if (!v) {
            report(p, CFG_SEV_ERROR, kl->file, kl->line, col,
                   "${%s} is not supported (a configuration must read the same on every load)",
                   k->name);
            return -1;
        }
        size_t first = k->multiline ? strcspn(v, "\n") : strlen(v);
        if (k->multiline && v[first] && !rest_push(p, rest, v + first + 1, col))
            return -1;
        if (!kl_splice(p, kl, i, r.len, v, first, col))
            return -1;
        found = 1;
        if (v[strspn(v, " \t")] == '~')
            break;
    }
    return found;
}

/* ---- conditional lines ----------------------------------------------------------- */

/* "@id rest" / "@^id rest": true to keep the line (prefix removed). */
static bool conditional(struct prep *p, struct kline *kl)
{
    bool rev = kl->len > 1 && kl->s[1] == '^';
    size_t ofs = rev ? 2 : 1, end = ofs;
    const char *id = p->config_id;

    p->nconditional++;
    while (end < kl->len && !blank(kl->s[end]))
        end++;
    if (end >= kl->len)
        return false;
    bool match = id && strlen(id) == end - ofs && !memcmp(kl->s + ofs, id, end - ofs);
    if (match == rev)
        return false;
    while (end < kl->len && blank(kl->s[end]))
        end++;
    return kl_splice(p, kl, 0, end, "", 0, 0);
}

/* ---- output ---------------------------------------------------------------------- */

static bool out_tok(struct prep *p, enum cfg_tk kind, uint32_t line, uint32_t col, const char *file,
                    const char *s, size_t len)
{
    struct cfg_tok *t;

    if (p->tlen + len + 1 > p->tcap) {
        size_t cap = (p->tlen + len + 1) * 2 + 256;
        char *x = realloc(p->text, cap);
        if (!x)
            return nomem(p), false;
        p->text = x;
        p->tcap = cap;
    }
    if (p->ntok == p->offcap) {
        size_t cap = p->offcap * 2 + 64;
        size_t *o = realloc(p->off, cap * sizeof(*o));
        if (o)
            p->off = o;
        if (!o || !(t = realloc(p->tok, cap * sizeof(*t))))
            return nomem(p), false;
        p->tok = t;
        p->offcap = cap;
    }
    t = &p->tok[p->ntok];
    *t = (struct cfg_tok){.kind = kind, .line = line, .col = col, .len = len, .file = file};
    p->off[p->ntok++] = p->tlen;
    memcpy(p->text + p->tlen, s, len);
    p->text[p->tlen + len] = '\0';
    p->tlen += len + 1;
    return true;
}

static uint32_t col_at(const struct kline *kl, uint32_t c)
{
    if (c >= 1 && c <= kl->len)
        return kl->col[c - 1];
    return kl->len ? kl->col[kl->len - 1] + 1 : 1;
}

/* Lex one logical line and append its tokens (positions mapped back to the
 * source) and an end of line. */
static void emit(struct prep *p, const struct kline *kl)
{
    struct cfg_diags tmp = {0};
    struct cfg_lex lx;

    if (cfg_lex(&lx, kl->file, kl->s, kl->len, &tmp) < 0) {
        cfg_diags_free(&tmp);
        nomem(p);
        return;
    }
    for (size_t i = 0; i < tmp.n; i++)
        report(p, tmp.v[i].sev, kl->file, kl->line, col_at(kl, tmp.v[i].col), "%s", tmp.v[i].msg);
    for (size_t i = 0; i < lx.ntok && !p->stop; i++) {
        const struct cfg_tok *t = &lx.tok[i];

        if (t->kind != CFG_TK_EOL && t->kind != CFG_TK_EOF)
            out_tok(p, t->kind, kl->line, col_at(kl, t->col), kl->file, t->s, t->len);
    }
    if (p->ntok && p->tok[p->ntok - 1].kind != CFG_TK_EOL)
        out_tok(p, CFG_TK_EOL, kl->line, col_at(kl, (uint32_t)kl->len + 1), kl->file, "", 0);
    cfg_lex_free(&lx);
    cfg_diags_free(&tmp);
}

/* ---- files ---------------------------------------------------------------------- */

static void prep_buffer(struct prep *p, const char *file, const char *buf, size_t len,
                        const struct frame *fr);

static void include_one(struct prep *p, const struct kline *kl, uint32_t col, const char *path,
                        const struct frame *fr)
{
    struct frame me = {.up = fr, .depth = fr->depth + 1};
    char err[512], *buf;
    const char *file;
    size_t len;

    if (fr->depth >= p->max_depth) {
        report(p, CFG_SEV_ERROR, kl->file, kl->line, col, "include nesting deeper than %u levels",
               p->max_depth);
        return;
    }
    if (cfg_read_file(path, &buf, &len, &me.dev, &me.ino, err, sizeof(err)) < 0) {
        report(p, CFG_SEV_ERROR, kl->file, kl->line, col, "%s", err);
        return;
    }
    for (const struct frame *f = fr; f; f = f->up)
        if (f->dev == me.dev && f->ino == me.ino) {
            free(buf);
            report(p, CFG_SEV_ERROR, kl->file, kl->line, col,
                   "include cycle: '%s' is already being read", path);
            return;
        }
    file = cfg_intern_file(p->cfg, path);
    if (file)
        prep_buffer(p, file, buf, len, &me);
    else
        nomem(p);
    free(buf);
}

/* "include PATTERN" (keepalived: also includer/includem/...: treated the
 * same). Returns false when kl is not an include line. */
static bool include(struct prep *p, struct kline *kl, const struct frame *fr)
{
    size_t k = 7, n = kl->len;
    char err[512], **paths, *pattern;
    int count;

    if (n < 8 || memcmp(kl->s, "include", 7))
        return false;
    if (!blank(kl->s[7]) && !(n > 9 && kl->s[7] && strchr("rmwba", kl->s[7]) && blank(kl->s[8])))
        return false;
    if (!blank(kl->s[7])) {
        report(p, CFG_SEV_WARNING, kl->file, kl->line, kl->col[0],
               "'include%c' is read as 'include' (files that cannot be read are errors)", kl->s[7]);
        k = 8;
    }
    while (k < n && blank(kl->s[k]))
        k++;
    uint32_t col = kl->col[k < n ? k : n - 1];
    if (p->no_include) {
        report(p, CFG_SEV_ERROR, kl->file, kl->line, kl->col[0], "'include' is disabled here");
        return true;
    }
    if (!(pattern = strndup(kl->s + k, n - k))) {
        nomem(p);
        return true;
    }
    count = cfg_glob(kl->file, pattern, &paths, err, sizeof(err));
    if (count < 0)
        report(p, CFG_SEV_ERROR, kl->file, kl->line, col, "%s", err);
    else if (count == 0)
        report(p, CFG_SEV_WARNING, kl->file, kl->line, col,
               "include pattern '%.200s' matches no file", pattern);
    for (int i = 0; i < count && !p->stop; i++)
        include_one(p, kl, col, paths[i], fr);
    if (count > 0)
        cfg_glob_free(paths, count);
    free(pattern);
    return true;
}

static void process(struct prep *p, struct kline *kl, const struct frame *fr);

/* The lines of a multi-line parameter after its first, each processed as
 * a line of its own at the position of the reference. */
static void expand(struct prep *p, struct rest *r, const struct kline *at, const struct frame *fr)
{
    struct kline kl = {.file = at->file, .line = at->line};

    if (++p->expansion > MAX_EXPANSION) {
        report(p, CFG_SEV_ERROR, at->file, at->line, r->col,
               "multi-line parameters nested more than %d deep", MAX_EXPANSION);
    } else {
        for (const char *s = r->text; *s && !p->stop;) {
            size_t n = strcspn(s, "\n");

            if (n && kl_set(p, &kl, s, n, r->col, true))
                process(p, &kl, fr);
            s += n + (s[n] == '\n');
        }
    }
    p->expansion--;
    kl_free(&kl);
}

/* One decommented, non-empty logical line (keepalived read_line's inner
 * loop): conditional, definition, substitution (and again), then include
 * or hand it to the parser. */
static void process(struct prep *p, struct kline *kl, const struct frame *fr)
{
    struct rest rest = {0};

    for (unsigned pass = 0; kl->len && !p->stop; pass++) {
        if (kl->s[0] == '@' && !conditional(p, kl)) {
            kl->len = 0;
            break;
        }
        if (kl->len && kl->s[0] == '$' && definition(p, kl)) {
            kl->len = 0;
            break;
        }
        if (kl->len >= 4 && (!memcmp(kl->s, "~SEQ", 4) || !memcmp(kl->s, "~LST", 4))) {
            report(p, CFG_SEV_ERROR, kl->file, kl->line, kl->col[0],
                   "'%.4s' blocks are not supported: write the lines out (or generate them)",
                   kl->s);
            kl->len = 0;
            break;
        }
        if (!kl->len || kl->s[0] == '~' || !memchr(kl->s, '$', kl->len))
            break;
        int r = substitute(p, kl, &rest);
        if (r < 0)
            kl->len = 0;
        if (r <= 0)
            break;
        decomment(p, kl);
        if (!kl->len || (kl->s[0] != '@' && !memchr(kl->s, '$', kl->len)) || pass > 64)
            break;
    }
    if (kl->len && !p->stop && !include(p, kl, fr))
        emit(p, kl);
    if (rest.text && !p->stop)
        expand(p, &rest, kl, fr);
    free(rest.text);
}

static void prep_buffer(struct prep *p, const char *file, const char *buf, size_t len,
                        const struct frame *fr)
{
    struct kline kl = {.file = file};
    const char *saved = p->file, *end = buf + len;
    uint32_t line = 0;

    p->file = file;
    for (const char *s = buf; s < end && !p->stop;) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        size_t n = nl ? (size_t)(nl - s) : (size_t)(end - s);

        kl.line = ++line;
        if (!kl_set(p, &kl, s, n, 1, false))
            break;
        s += n + 1;
        while (kl.len && kl.s[kl.len - 1] == '\r')
            kl.len--;
        if (!kl.len) {
            def_close(p);
            continue;
        }
        decomment(p, &kl);
        if (!kl.len)
            continue;
        if (p->open_def != SIZE_MAX)
            def_continue(p, &kl);
        else
            process(p, &kl, fr);
    }
    def_close(p);
    p->file = saved;
    kl_free(&kl);
}

static void prep_free(struct prep *p)
{
    for (size_t i = 0; i < p->ndefs; i++) {
        free(p->defs[i].name);
        free(p->defs[i].value);
    }
    free(p->defs);
    free(p->tok);
    free(p->off);
    free(p->text);
}

int ka_prep(struct cfg *cfg, const char *name, const char *buf, size_t len, const struct ka_opts *o,
            struct cfg_lex *lx, unsigned *nconditional, struct cfg_diags *d)
{
    struct prep p = {.cfg = cfg,
                     .d = d,
                     .config_id = o->config_id,
                     .open_def = SIZE_MAX,
                     .no_include = o->no_include};
    struct frame top = {0};
    const char *file = cfg_intern_file(cfg, name);

    memset(lx, 0, sizeof(*lx));
    p.max_errors = o->max_errors ? o->max_errors : DEFAULT_MAX_ERRORS;
    p.max_depth = o->max_include_depth ? o->max_include_depth : DEFAULT_MAX_DEPTH;
    if (!file)
        nomem(&p);
    cfg_file_id(name, &top.dev, &top.ino);
    add_builtin(&p, "_PWD", BI_PWD);
    add_builtin(&p, "_INSTANCE", BI_INSTANCE);
    add_builtin(&p, "_RANDOM", BI_RANDOM);
    add_builtin(&p, "_HASH", BI_HASH);
    add_builtin(&p, "_BANG", BI_BANG);
    if (!p.stop)
        prep_buffer(&p, file, buf, len, &top);
    *nconditional = p.nconditional;
    if (p.stop || !out_tok(&p, CFG_TK_EOF, 0, 0, file, "", 0)) {
        prep_free(&p); /* out of memory, or too many errors: nothing to parse */
        return -1;
    }
    for (size_t i = 0; i < p.ntok; i++)
        p.tok[i].s = p.text + p.off[i];
    lx->tok = p.tok;
    lx->ntok = p.ntok;
    lx->text = p.text;
    p.tok = NULL;
    p.text = NULL;
    prep_free(&p);
    return 0;
}
