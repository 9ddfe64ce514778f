/* hap_util: the haproxy.cfg reader's reporting (FILE:LINE:COL of a word,
 * at most 50 errors), suggestions, and value syntax (haproxy times are
 * milliseconds when bare). Shared by hap_import.c, hap_opts.c and
 * hap_checks.c.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "import/hap-int.h"

/* ---- reporting ------------------------------------------------------------------ */

struct cfg_pos hap_pos(const struct hap_rd *h, const struct hap_word *w)
{
    struct cfg_pos p = {h->file, h->line, w ? w->col : 1};
    return p;
}

__attribute__((format(printf, 4, 0))) static int vreport(struct hap_rd *h, enum cfg_severity sev,
                                                         const struct hap_word *w, const char *fmt,
                                                         va_list ap)
{
    struct cfg_pos pos = hap_pos(h, w);

    if (h->stop)
        return -1;
    if (sev == CFG_SEV_ERROR && h->nerr >= h->max_errors) {
        cfg_diag_add(h->d, CFG_SEV_ERROR, &pos, "too many errors (%u), stopping here",
                     h->max_errors);
        h->stop = true;
        return -1;
    }
    h->nerr += sev == CFG_SEV_ERROR;
    if (cfg_diag_vadd(h->d, sev, &pos, fmt, ap) < 0)
        h->stop = true;
    return -1;
}

int hap_err(struct hap_rd *h, const struct hap_word *w, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vreport(h, CFG_SEV_ERROR, w, fmt, ap);
    va_end(ap);
    return -1;
}

int hap_warn(struct hap_rd *h, const struct hap_word *w, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vreport(h, CFG_SEV_WARNING, w, fmt, ap);
    va_end(ap);
    return -1;
}

int hap_oom(struct hap_rd *h)
{
    if (!h->stop)
        cfg_diag_add(h->d, CFG_SEV_ERROR, NULL, "out of memory");
    h->stop = true;
    return -1;
}

const char *hap_suggest(const char *word, const void *names, size_t n, size_t stride)
{
    struct cfg_suggest sg;

    cfg_suggest_init(&sg, word);
    for (size_t i = 0; i < n; i++)
        cfg_suggest_try(&sg, *(const char *const *)((const char *)names + i * stride));
    return sg.best;
}

/* An unknown keyword: "unknown WHAT 'x' in SECTION (did you mean 'y'?)". */
int hap_unknown(struct hap_rd *h, const struct hap_word *w, const char *what, const char *where,
                const void *names, size_t n, size_t stride)
{
    const char *best = hap_suggest(w->s, names, n, stride);

    if (best)
        return hap_err(h, w, "unknown %s '%.80s'%s%s (did you mean '%s'?)", what, w->s,
                       where ? " in " : "", where ? where : "", best);
    return hap_err(h, w, "unknown %s '%.80s'%s%s", what, w->s, where ? " in " : "",
                   where ? where : "");
}

int hap_ignored(struct hap_rd *h, const struct hap_word *w, const char *prefix, const char *why)
{
    return hap_warn(h, w, "'%s%s' is not supported; ignored (%s)", prefix, w->s, why);
}

/* ---- values ------------------------------------------------------------------------ */

int hap_time(struct hap_rd *h, const struct hap_word *w, const char *what, uint64_t min,
             uint64_t max, uint64_t *ms)
{
    static const struct {
        const char *unit;
        uint64_t num, den; /* ms = n * num / den, rounded up */
    } units[] = {{"", 1, 1},      {"us", 1, 1000},   {"ms", 1, 1},      {"s", 1000, 1},
                 {"m", 60000, 1}, {"h", 3600000, 1}, {"d", 86400000, 1}};
    const char *p = w->s;
    uint64_t v = 0;

    for (; *p >= '0' && *p <= '9' && v < 1000000000000ULL; p++)
        v = v * 10 + (uint64_t)(*p - '0');
    for (size_t i = 0; p != w->s && i < CFG_NELEM(units); i++) {
        if (strcmp(p, units[i].unit))
            continue;
        v = (v * units[i].num + units[i].den - 1) / units[i].den;
        if (v < min || v > max) {
            char a[32], b[32];
            return hap_err(h, w, "invalid %s '%.80s': must be between %s and %s", what, w->s,
                           cfg_format_duration(min, a, sizeof(a)),
                           cfg_format_duration(max, b, sizeof(b)));
        }
        *ms = v;
        return 0;
    }
    return hap_err(h, w,
                   "invalid %s '%.80s': expected a time such as 5000 (milliseconds), 5s, 1m or "
                   "1h",
                   what, w->s);
}

int hap_uint(struct hap_rd *h, const struct hap_word *w, const char *what, uint32_t min,
             uint32_t max, uint32_t *out)
{
    char err[96];
    int64_t v;

    if (cfg_parse_int(w->s, min, max, &v, err, sizeof(err)) < 0 || w->s[0] == '+')
        return hap_err(h, w, "invalid %s '%.80s': %s", what, w->s,
                       w->s[0] == '+' ? "expected an integer" : err);
    *out = (uint32_t)v;
    return 0;
}

int hap_need(struct hap_rd *h, const struct hap_line *l, size_t n, const char *usage)
{
    if (l->n >= n)
        return 0;
    return hap_err(h, &l->w[l->n - 1], "missing argument after '%s' (expected %s)",
                   l->w[l->n - 1].s, usage);
}

int hap_too_many(struct hap_rd *h, const struct hap_line *l, size_t n, const char *kw)
{
    if (l->n <= n)
        return 0;
    return hap_err(h, &l->w[n], "unexpected '%.80s' ('%s' takes %zu argument%s)", l->w[n].s, kw,
                   n - 1, n == 2 ? "" : "s");
}

int hap_set_str(struct hap_rd *h, char **dst, const char *s)
{
    char *c = strdup(s);

    if (!c)
        return hap_oom(h);
    free(*dst);
    *dst = c;
    return 0;
}
