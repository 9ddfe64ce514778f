/* hap_lex: one haproxy.cfg line into words (haproxy 2.6 configuration.txt
 * 2.2 "Quoting and escaping" and 2.3 "Environment variables").
 *
 * Pure apart from reading the environment it is given.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "import/import-int.h"

extern char **environ;

struct split {
    char *text;
    size_t len, cap;
    size_t *start; /* text offset of each word */
    struct hap_word *w;
    size_t n, wcap;
    bool oom;
};

static void put(struct split *s, char c)
{
    if (s->len == s->cap) {
        size_t cap = s->cap * 2 + 64;
        char *t = realloc(s->text, cap);
        if (!t) {
            s->oom = true;
            return;
        }
        s->text = t;
        s->cap = cap;
    }
    s->text[s->len++] = c;
}

static void new_word(struct split *s, uint32_t col)
{
    if (s->n == s->wcap) {
        size_t cap = s->wcap * 2 + 8;
        struct hap_word *w = realloc(s->w, cap * sizeof(*w));
        size_t *st = w ? realloc(s->start, cap * sizeof(*st)) : NULL;
        if (w)
            s->w = w;
        if (!st) {
            s->oom = true;
            return;
        }
        s->start = st;
        s->wcap = cap;
    }
    s->w[s->n] = (struct hap_word){.col = col};
    s->start[s->n++] = s->len;
}

static int hexval(char c)
{
    if (isdigit((unsigned char)c))
        return c - '0';
    c = (char)tolower((unsigned char)c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The escape at line[i] ('\\' at i): appends it, returns its length, or 0
 * when the line ends there. In double quotes only \" \\ \$ \n \r \t \xNN
 * (and "\ ") are escapes; any other backslash is kept. */
static size_t escape(struct split *s, const char *line, size_t len, size_t i, bool dquote)
{
    char c;

    if (i + 1 >= len)
        return 0;
    c = line[i + 1];
    if (c == 'x' && i + 3 < len && hexval(line[i + 2]) >= 0 && hexval(line[i + 3]) >= 0) {
        put(s, (char)(hexval(line[i + 2]) * 16 + hexval(line[i + 3])));
        return 4;
    }
    switch (c) {
    case 'n':
        put(s, '\n');
        return 2;
    case 'r':
        put(s, '\r');
        return 2;
    case 't':
        put(s, '\t');
        return 2;
    case '"':
    case '\\':
    case '$':
    case ' ':
    case '\t':
        put(s, c);
        return 2;
    case '\'':
    case '#':
        if (!dquote) {
            put(s, c);
            return 2;
        }
        /* fall through */
    default:
        put(s, '\\');
        return 1;
    }
}

static const char *getenv_in(const char *const *env, const char *name, size_t n)
{
    const char *const *e = env ? env : (const char *const *)environ;

    for (; e && *e; e++)
        if (!strncmp(*e, name, n) && (*e)[n] == '=')
            return *e + n + 1;
    return NULL;
}

/* $NAME or ${NAME} or ${NAME-default} at line[i] (inside double quotes).
 * Returns the length consumed, or 0 when it is not a variable (the '$' is
 * then literal), or SIZE_MAX for an unsupported form. */
static size_t variable(struct split *s, const char *line, size_t len, size_t i,
                       const char *const *env)
{
    size_t j = i + 1, name, n, def = 0, deflen = 0;
    bool braces = j < len && line[j] == '{';
    const char *v;

    j += braces;
    name = j;
    if (j < len && (isalpha((unsigned char)line[j]) || line[j] == '_' || line[j] == '.'))
        j++;
    else
        return 0;
    while (j < len && (isalnum((unsigned char)line[j]) || line[j] == '_'))
        j++;
    n = j - name;
    if (braces) {
        if (j < len && line[j] == '-') {
            def = ++j;
            while (j < len && line[j] != '}' && line[j] != '"')
                j++;
            deflen = j - def;
        }
        if (j >= len || line[j] != '}')
            return SIZE_MAX;
        j++;
    }
    v = getenv_in(env, line + name, n);
    if (!v && def)
        for (size_t k = 0; k < deflen; k++)
            put(s, line[def + k]);
    for (; v && *v; v++)
        put(s, *v);
    return j - i;
}

/* A "..." part of a word at line[i] (the opening quote). Returns the index
 * after the closing quote, or 0 with err set. */
static size_t dquoted(struct split *s, const char *line, size_t len, size_t i,
                      const char *const *env, char *err, size_t errlen)
{
    for (size_t j = i + 1; j < len;) {
        size_t k;

        if (line[j] == '"')
            return j + 1;
        if (line[j] == '\\') {
            j += (k = escape(s, line, len, j, true)) ? k : 1;
            continue;
        }
        if (line[j] == '$') {
            k = variable(s, line, len, j, env);
            if (k == SIZE_MAX) {
                snprintf(err, errlen,
                         "invalid environment variable reference (expected ${NAME} "
                         "or ${NAME-default})");
                return 0;
            }
            if (k) {
                j += k;
                continue;
            }
        }
        put(s, line[j++]);
    }
    snprintf(err, errlen, "unterminated double quote");
    return 0;
}

static void split_free(struct split *s)
{
    free(s->text);
    free(s->start);
    free(s->w);
}

int hap_split(const char *line, size_t len, const char *const *env, struct hap_line *out, char *err,
              size_t errlen, uint32_t *errcol)
{
    struct split s = {0};
    size_t i = 0;

    memset(out, 0, sizeof(*out));
    for (;;) {
        while (i < len && (line[i] == ' ' || line[i] == '\t'))
            i++;
        if (i >= len || line[i] == '#')
            break;
        new_word(&s, (uint32_t)i + 1);
        while (i < len && line[i] != ' ' && line[i] != '\t' && line[i] != '#' && !s.oom) {
            size_t k = 0;

            if (line[i] == '\\') {
                k = escape(&s, line, len, i, false);
                s.w[s.n - 1].quoted = true;
            } else if (line[i] == '"') {
                k = dquoted(&s, line, len, i, env, err, errlen);
                if (!k) {
                    *errcol = (uint32_t)i + 1;
                    goto fail;
                }
                k -= i;
                s.w[s.n - 1].quoted = true;
            } else if (line[i] == '\'') {
                const char *q = memchr(line + i + 1, '\'', len - i - 1);
                if (!q) {
                    snprintf(err, errlen, "unterminated single quote");
                    *errcol = (uint32_t)i + 1;
                    goto fail;
                }
                for (const char *c = line + i + 1; c < q; c++)
                    put(&s, *c);
                k = (size_t)(q + 1 - (line + i));
                s.w[s.n - 1].quoted = true;
            }
            if (!k) {
                put(&s, line[i]);
                k = 1;
            }
            i += k;
        }
        put(&s, '\0');
    }
    if (s.oom) {
        snprintf(err, errlen, "out of memory");
        *errcol = 1;
        goto fail;
    }
    for (size_t k = 0; k < s.n; k++)
        s.w[k].s = s.text + s.start[k];
    out->w = s.w;
    out->n = s.n;
    out->text = s.text;
    free(s.start);
    return 0;
fail:
    split_free(&s);
    return -1;
}

void hap_line_free(struct hap_line *l)
{
    free(l->w);
    free(l->text);
    memset(l, 0, sizeof(*l));
}
