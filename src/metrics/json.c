/* json: see json.h. A recursive-descent parser, bounded in depth. */
#include "metrics/json.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MX_JSON_MAX_NODES 200000

struct jp {
    struct mx_json *j;
    char *p, *end;
    const char *err;
};

static void skip_ws(struct jp *s)
{
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
        s->p++;
}

static int new_node(struct jp *s, enum mx_jtype t)
{
    struct mx_json *j = s->j;
    if (j->n == j->cap) {
        int cap = j->cap ? j->cap * 2 : 64;
        struct mx_jnode *v;
        if (cap > MX_JSON_MAX_NODES || !(v = realloc(j->v, (size_t)cap * sizeof(*v)))) {
            s->err = "document too large";
            return -1;
        }
        j->v = v;
        j->cap = cap;
    }
    j->v[j->n] = (struct mx_jnode){.type = t, .child = -1, .next = -1};
    return j->n++;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Append code point cp as UTF-8 at *w (at most 3 bytes: no surrogates are
 * combined; a lone or paired surrogate becomes U+FFFD). */
static void put_utf8(char **w, unsigned cp)
{
    char *o = *w;
    if (cp >= 0xd800 && cp <= 0xdfff)
        cp = 0xfffd;
    if (cp < 0x80) {
        *o++ = (char)cp;
    } else if (cp < 0x800) {
        *o++ = (char)(0xc0 | (cp >> 6));
        *o++ = (char)(0x80 | (cp & 0x3f));
    } else {
        *o++ = (char)(0xe0 | (cp >> 12));
        *o++ = (char)(0x80 | ((cp >> 6) & 0x3f));
        *o++ = (char)(0x80 | (cp & 0x3f));
    }
    *w = o;
}

/* One escape after the backslash at s->p; writes its bytes at *w. */
static int unescape(struct jp *s, char **w)
{
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    char c = *++s->p;
    const char *k = c ? strchr(from, c) : NULL;
    if (k) {
        *(*w)++ = to[k - from];
        s->p++;
        return 0;
    }
    if (c != 'u' || s->end - s->p < 5)
        return -1;
    unsigned cp = 0;
    for (int i = 1; i <= 4; i++) {
        int h = hexval(s->p[i]);
        if (h < 0)
            return -1;
        cp = cp * 16 + (unsigned)h;
    }
    s->p += 5;
    put_utf8(w, cp); /* 6 source bytes, at most 3 written: fits in place */
    return 0;
}

/* A string at s->p (on its opening quote), unescaped in place. */
static const char *parse_str(struct jp *s)
{
    char *start = ++s->p, *w = start;
    while (s->p < s->end && *s->p != '"') {
        if ((unsigned char)*s->p < 0x20) {
            s->err = "control character in a string";
            return NULL;
        }
        if (*s->p == '\\') {
            if (unescape(s, &w) < 0) {
                s->err = "bad escape in a string";
                return NULL;
            }
            continue;
        }
        *w++ = *s->p++;
    }
    if (s->p >= s->end) {
        s->err = "unterminated string";
        return NULL;
    }
    s->p++;
    *w = 0; /* the closing quote (or earlier) is overwritten: always in bounds */
    return start;
}

static int parse_value(struct jp *s, int depth);

/* Members or elements up to the closing bracket; links them under node. */
static int parse_items(struct jp *s, int node, char close, int depth)
{
    int prev = -1;
    s->p++;
    skip_ws(s);
    if (s->p < s->end && *s->p == close) {
        s->p++;
        return 0;
    }
    for (;;) {
        const char *key = NULL;
        skip_ws(s);
        if (close == '}') {
            if (s->p >= s->end || *s->p != '"' || !(key = parse_str(s)))
                return s->err ? -1 : (s->err = "expected a member name", -1);
            skip_ws(s);
            if (s->p >= s->end || *s->p++ != ':')
                return s->err = "expected ':'", -1;
        }
        int c = parse_value(s, depth + 1);
        if (c < 0)
            return -1;
        s->j->v[c].key = key;
        if (prev < 0)
            s->j->v[node].child = c;
        else
            s->j->v[prev].next = c;
        prev = c;
        skip_ws(s);
        if (s->p < s->end && *s->p == ',') {
            s->p++;
            continue;
        }
        if (s->p < s->end && *s->p == close) {
            s->p++;
            return 0;
        }
        return s->err = close == '}' ? "expected ',' or '}'" : "expected ',' or ']'", -1;
    }
}

static int parse_word(struct jp *s, const char *w, enum mx_jtype t)
{
    size_t n = strlen(w);
    if ((size_t)(s->end - s->p) < n || memcmp(s->p, w, n) != 0)
        return s->err = "unexpected character", -1;
    s->p += n;
    return new_node(s, t);
}

static int parse_num(struct jp *s)
{
    char *e = NULL;
    double d = strtod(s->p, &e); /* stops at the NUL at end at the latest */
    if (e == s->p || e > s->end)
        return s->err = "bad number", -1;
    s->p = e;
    int n = new_node(s, MX_J_NUM);
    if (n >= 0)
        s->j->v[n].num = d;
    return n;
}

static int parse_value(struct jp *s, int depth)
{
    int n;
    skip_ws(s);
    if (depth > MX_JSON_DEPTH)
        return s->err = "nested too deeply", -1;
    if (s->p >= s->end)
        return s->err = "unexpected end", -1;
    switch (*s->p) {
    case '{':
    case '[':
        n = new_node(s, *s->p == '{' ? MX_J_OBJ : MX_J_ARR);
        if (n < 0 || parse_items(s, n, *s->p == '{' ? '}' : ']', depth) < 0)
            return -1;
        return n;
    case '"': {
        const char *str = parse_str(s);
        if (!str || (n = new_node(s, MX_J_STR)) < 0)
            return -1;
        s->j->v[n].str = str;
        return n;
    }
    case 't':
        return parse_word(s, "true", MX_J_TRUE);
    case 'f':
        return parse_word(s, "false", MX_J_FALSE);
    case 'n':
        return parse_word(s, "null", MX_J_NULL);
    default:
        if (*s->p == '-' || (*s->p >= '0' && *s->p <= '9'))
            return parse_num(s);
        return s->err = "unexpected character", -1;
    }
}

int mx_json_parse(struct mx_json *j, char *text, size_t len, char *err, size_t errlen)
{
    struct jp s = {.j = j, .p = text, .end = text + len};
    memset(j, 0, sizeof(*j));
    text[len] = 0;
    if (parse_value(&s, 0) == 0) {
        skip_ws(&s);
        if (s.p == s.end)
            return 0;
        s.err = "trailing characters";
    }
    snprintf(err, errlen, "JSON at offset %zu: %s", (size_t)(s.p - text),
             s.err ? s.err : "invalid");
    return -1;
}

void mx_json_free(struct mx_json *j)
{
    free(j->v);
    memset(j, 0, sizeof(*j));
}

static int member(const struct mx_json *j, int obj, const char *key, size_t keylen)
{
    if (obj < 0 || obj >= j->n || j->v[obj].type != MX_J_OBJ)
        return -1;
    for (int c = j->v[obj].child; c >= 0; c = j->v[c].next)
        if (strlen(j->v[c].key) == keylen && memcmp(j->v[c].key, key, keylen) == 0)
            return c;
    return -1;
}

int mx_json_get(const struct mx_json *j, int obj, const char *path)
{
    while (obj >= 0 && *path) {
        const char *dot = strchr(path, '.');
        size_t n = dot ? (size_t)(dot - path) : strlen(path);
        obj = member(j, obj, path, n);
        path += n + (dot ? 1 : 0);
    }
    return obj;
}

double mx_json_num(const struct mx_json *j, int obj, const char *path, double dflt)
{
    int n = mx_json_get(j, obj, path);
    if (n < 0)
        return dflt;
    if (j->v[n].type == MX_J_NUM)
        return j->v[n].num;
    if (j->v[n].type == MX_J_TRUE || j->v[n].type == MX_J_FALSE)
        return j->v[n].type == MX_J_TRUE;
    return dflt;
}

const char *mx_json_str(const struct mx_json *j, int obj, const char *path, const char *dflt)
{
    int n = mx_json_get(j, obj, path);
    return n >= 0 && j->v[n].type == MX_J_STR ? j->v[n].str : dflt;
}

bool mx_json_true(const struct mx_json *j, int obj, const char *path)
{
    int n = mx_json_get(j, obj, path);
    return n >= 0 && j->v[n].type == MX_J_TRUE;
}

int mx_json_first(const struct mx_json *j, int node)
{
    if (node < 0 || node >= j->n)
        return -1;
    if (j->v[node].type != MX_J_ARR && j->v[node].type != MX_J_OBJ)
        return -1;
    return j->v[node].child;
}
