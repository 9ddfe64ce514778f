/* diag: the diagnostics collector and spelling suggestions.
 *
 * The parser never prints: it records "FILE:LINE:COL: error: MSG" entries
 * here and the caller decides where they go (stderr for `haplane check`, the
 * log on reload).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf-int.h"

int cfg_diag_vadd(struct cfg_diags *d, enum cfg_severity sev, const struct cfg_pos *pos,
                  const char *fmt, va_list ap)
{
    struct cfg_diag *e;
    char msg[512];

    if (sev == CFG_SEV_ERROR)
        d->nerrors++;
    else
        d->nwarnings++;
    vsnprintf(msg, sizeof(msg), fmt, ap);
    for (char *p = msg; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
    e = cfg_vec_push(&d->v, &d->n, sizeof(*d->v));
    if (!e)
        goto oom;
    e->sev = sev;
    e->line = pos ? pos->line : 0;
    e->col = pos ? pos->col : 0;
    e->msg = strdup(msg);
    e->file = pos && pos->file ? strdup(pos->file) : NULL;
    if (!e->msg || (pos && pos->file && !e->file)) {
        free(e->msg);
        free(e->file);
        d->n--;
        goto oom;
    }
    return 0;
oom:
    d->oom = true;
    return -1;
}

int cfg_diag_add(struct cfg_diags *d, enum cfg_severity sev, const struct cfg_pos *pos,
                 const char *fmt, ...)
{
    va_list ap;
    int r;

    va_start(ap, fmt);
    r = cfg_diag_vadd(d, sev, pos, fmt, ap);
    va_end(ap);
    return r;
}

int cfg_diag_format(const struct cfg_diag *e, char *buf, size_t len)
{
    const char *sev = e->sev == CFG_SEV_ERROR ? "error" : "warning";

    if (e->file && e->line)
        return snprintf(buf, len, "%s:%u:%u: %s: %s", e->file, (unsigned)e->line, (unsigned)e->col,
                        sev, e->msg);
    if (e->file)
        return snprintf(buf, len, "%s: %s: %s", e->file, sev, e->msg);
    return snprintf(buf, len, "%s: %s", sev, e->msg);
}

void cfg_diags_print(const struct cfg_diags *d, FILE *f)
{
    char line[1024];

    for (size_t i = 0; i < d->n; i++) {
        cfg_diag_format(&d->v[i], line, sizeof(line));
        fprintf(f, "%s\n", line);
    }
    if (d->oom)
        fprintf(f, "error: out of memory while collecting diagnostics\n");
}

void cfg_diags_free(struct cfg_diags *d)
{
    for (size_t i = 0; i < d->n; i++) {
        free(d->v[i].file);
        free(d->v[i].msg);
    }
    free(d->v);
    memset(d, 0, sizeof(*d));
}

/* Optimal string alignment distance (Levenshtein plus adjacent
 * transpositions), for words of at most SUGGEST_MAX bytes. */
#define SUGGEST_MAX 48

static size_t osa_distance(const char *a, size_t la, const char *b, size_t lb)
{
    size_t rows[3][SUGGEST_MAX + 1];
    size_t *pp = rows[0], *p = rows[1], *c = rows[2];

    for (size_t j = 0; j <= lb; j++)
        p[j] = j;
    for (size_t i = 1; i <= la; i++) {
        c[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t cost = a[i - 1] != b[j - 1];
            size_t v = p[j] + 1;

            if (c[j - 1] + 1 < v)
                v = c[j - 1] + 1;
            if (p[j - 1] + cost < v)
                v = p[j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && pp[j - 2] + 1 < v)
                v = pp[j - 2] + 1;
            c[j] = v;
        }
        size_t *t = pp;
        pp = p;
        p = c;
        c = t;
    }
    return p[lb];
}

void cfg_suggest_init(struct cfg_suggest *s, const char *word)
{
    s->word = word;
    s->best = NULL;
    s->dist = SIZE_MAX;
}

/* A candidate is suggested when it is within a third of the word's length
 * (at least 1 edit) and closer than any earlier candidate. */
void cfg_suggest_try(struct cfg_suggest *s, const char *cand)
{
    size_t lw = strlen(s->word), lc = strlen(cand), max = lw / 3 ? lw / 3 : 1, dist;

    if (lw > SUGGEST_MAX || lc > SUGGEST_MAX || lw == 0)
        return;
    dist = osa_distance(s->word, lw, cand, lc);
    if (dist > 0 && dist <= max && dist < s->dist) {
        s->best = cand;
        s->dist = dist;
    }
}
