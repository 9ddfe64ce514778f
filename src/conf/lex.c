/* lex: the tokenizer of the native (keepalived-compatible) syntax.
 *
 * Pure: bytes in, tokens out. Tokens are words, "quoted strings", '{', '}'
 * and end-of-line markers, because a directive ends at the end of its line.
 * Everything is kept in two arrays (tokens, texts) so that the parser can
 * look at a whole statement at once without copying.
 */
#include <stdlib.h>
#include <string.h>

#include "conf/conf-int.h"

struct lexer {
    const char *file;
    const char *p, *end;
    uint32_t line, col;
    struct cfg_diags *d;
    struct cfg_tok *tok;
    size_t ntok, tokcap;
    char *text;
    size_t tlen, tcap;
    size_t *off; /* text offset of each token, turned into pointers at the end */
    unsigned nerr;
    bool oom;
};

/* Past this many errors in one file the rest of it is not looked at. */
#define LEX_MAX_ERRORS 50

static void lx_error(struct lexer *l, uint32_t line, uint32_t col, const char *msg)
{
    struct cfg_pos pos = {l->file, line, col};

    l->nerr++;
    if (cfg_diag_add(l->d, CFG_SEV_ERROR, &pos, "%s", msg) < 0)
        l->oom = true;
}

static int text_put(struct lexer *l, char c)
{
    if (l->tlen == l->tcap) {
        size_t cap = l->tcap ? l->tcap * 2 : 256;
        char *t = realloc(l->text, cap);

        if (!t) {
            l->oom = true;
            return -1;
        }
        l->text = t;
        l->tcap = cap;
    }
    l->text[l->tlen++] = c;
    return 0;
}

/* Start a token at the current position; its text follows with text_put. */
static struct cfg_tok *tok_new(struct lexer *l, enum cfg_tk kind)
{
    if (l->ntok == l->tokcap) {
        size_t cap = l->tokcap ? l->tokcap * 2 : 64;
        struct cfg_tok *t = realloc(l->tok, cap * sizeof(*t));
        size_t *o = t ? realloc(l->off, cap * sizeof(*o)) : NULL;

        if (t)
            l->tok = t;
        if (!t || !o) {
            l->oom = true;
            return NULL;
        }
        l->off = o;
        l->tokcap = cap;
    }
    struct cfg_tok *t = &l->tok[l->ntok];
    t->kind = kind;
    t->line = l->line;
    t->col = l->col;
    t->s = NULL;
    t->len = 0;
    t->file = NULL;
    l->off[l->ntok++] = l->tlen;
    return t;
}

static void tok_end(struct lexer *l, struct cfg_tok *t)
{
    t->len = l->tlen - l->off[l->ntok - 1];
    text_put(l, '\0');
}

static void advance(struct lexer *l)
{
    if (*l->p == '\n') {
        l->line++;
        l->col = 1;
    } else {
        l->col++;
    }
    l->p++;
}

static void emit_eol(struct lexer *l)
{
    if (l->ntok && l->tok[l->ntok - 1].kind != CFG_TK_EOL) {
        struct cfg_tok *t = tok_new(l, CFG_TK_EOL);
        if (t)
            tok_end(l, t);
    }
}

/* A backslash just before the end of a line joins the next line. */
static bool continuation(const struct lexer *l)
{
    const char *p = l->p + 1;

    if (p < l->end && *p == '\r')
        p++;
    return p < l->end && *p == '\n';
}

static void lex_word(struct lexer *l)
{
    struct cfg_tok *t = tok_new(l, CFG_TK_WORD);

    if (!t)
        return;
    while (l->p < l->end && !strchr(" \t\r\v\f\n{}", *l->p) && *l->p != '\0') {
        if (*l->p == '\\' && continuation(l))
            break;
        text_put(l, *l->p);
        advance(l);
    }
    tok_end(l, t);
}

/* A quoted string. Escapes: \" \\ \n \t; any other backslash is kept as is
 * (so "\d" stays two characters). A newline or the end of the input before
 * the closing quote is an error reported at the opening quote. */
static void lex_string(struct lexer *l)
{
    struct cfg_tok *t = tok_new(l, CFG_TK_STRING);
    uint32_t line = l->line, col = l->col;

    if (!t)
        return;
    advance(l);
    for (;;) {
        if (l->p == l->end || *l->p == '\n') {
            lx_error(l, line, col, "unterminated string (missing '\"')");
            break;
        }
        char c = *l->p;
        if (c == '"') {
            advance(l);
            break;
        }
        if (c == '\\' && l->p + 1 < l->end && strchr("\"\\nt", l->p[1])) {
            advance(l);
            c = *l->p == 'n' ? '\n' : *l->p == 't' ? '\t' : *l->p;
        } else if (c == '\0') {
            lx_error(l, l->line, l->col, "NUL byte in string");
            c = '?';
        }
        text_put(l, c);
        advance(l);
    }
    tok_end(l, t);
}

static void lex_brace(struct lexer *l, enum cfg_tk kind)
{
    struct cfg_tok *t = tok_new(l, kind);

    if (t) {
        text_put(l, *l->p);
        tok_end(l, t);
    }
    advance(l);
}

/* One step of the main loop: consume whitespace, a comment or a token. */
static void lex_step(struct lexer *l)
{
    char c = *l->p;

    if (c == '\n') {
        emit_eol(l);
        advance(l);
    } else if (c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f') {
        advance(l);
    } else if (c == '\0') {
        lx_error(l, l->line, l->col, "NUL byte in input");
        advance(l);
    } else if (c == '#' || c == '!') {
        while (l->p < l->end && *l->p != '\n')
            advance(l);
    } else if (c == '\\' && continuation(l)) {
        while (*l->p != '\n')
            advance(l);
        advance(l);
    } else if (c == '{') {
        lex_brace(l, CFG_TK_LBRACE);
    } else if (c == '}') {
        lex_brace(l, CFG_TK_RBRACE);
    } else if (c == '"') {
        lex_string(l);
    } else {
        lex_word(l);
    }
}

int cfg_lex(struct cfg_lex *lx, const char *file, const char *buf, size_t len, struct cfg_diags *d)
{
    struct lexer l = {.file = file, .p = buf, .end = buf + len, .line = 1, .col = 1, .d = d};
    struct cfg_tok *t;

    memset(lx, 0, sizeof(*lx));
    while (l.p < l.end && !l.oom && l.nerr < LEX_MAX_ERRORS)
        lex_step(&l);
    emit_eol(&l);
    t = tok_new(&l, CFG_TK_EOF);
    if (t)
        tok_end(&l, t);
    if (l.oom) {
        free(l.tok);
        free(l.text);
        free(l.off);
        return -1;
    }
    for (size_t i = 0; i < l.ntok; i++)
        l.tok[i].s = l.text + l.off[i];
    free(l.off);
    lx->tok = l.tok;
    lx->ntok = l.ntok;
    lx->text = l.text;
    return 0;
}

void cfg_lex_free(struct cfg_lex *lx)
{
    free(lx->tok);
    free(lx->text);
    memset(lx, 0, sizeof(*lx));
}
