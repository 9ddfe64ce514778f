/* expo: see expo.h. */
#include "metrics/expo.h"

#include <math.h>
#include <stdint.h>

static const char *type_name(enum mx_type t)
{
    return t == MX_COUNTER ? "counter" : t == MX_GAUGE ? "gauge" : "histogram";
}

void mx_family(struct sbuf *b, const char *name, enum mx_type t, const char *help)
{
    sbuf_printf(b, "# HELP %s ", name);
    for (const char *p = help; *p; p++) {
        if (*p == '\\')
            sbuf_puts(b, "\\\\");
        else if (*p == '\n')
            sbuf_puts(b, "\\n");
        else
            sbuf_add(b, p, 1);
    }
    sbuf_printf(b, "\n# TYPE %s %s\n", name, type_name(t));
}

void mx_escape_label(struct sbuf *b, const char *s)
{
    for (const char *p = s ? s : ""; *p; p++) {
        if (*p == '\\')
            sbuf_puts(b, "\\\\");
        else if (*p == '"')
            sbuf_puts(b, "\\\"");
        else if (*p == '\n')
            sbuf_puts(b, "\\n");
        else
            sbuf_add(b, p, 1);
    }
}

void mx_value(struct sbuf *b, double v)
{
    if (isnan(v))
        sbuf_puts(b, "NaN");
    else if (isinf(v))
        sbuf_puts(b, v > 0 ? "+Inf" : "-Inf");
    /* |v| < 2^53: exactly an integer (no libm: floor() is not linked) */
    else if (v > -9007199254740992.0 && v < 9007199254740992.0 && v == (double)(long long)v)
        sbuf_printf(b, "%lld", (long long)v);
    else
        sbuf_printf(b, "%.15g", v);
}

static void label(struct sbuf *b, int *first, const char *name, const char *value)
{
    sbuf_printf(b, "%s%s=\"", *first ? "{" : ",", name);
    mx_escape_label(b, value);
    sbuf_puts(b, "\"");
    *first = 0;
}

void mx_sample_x(struct sbuf *b, const char *name, const struct mx_label *labels, const char *xname,
                 const char *xvalue, double value)
{
    int first = 1;
    sbuf_puts(b, name);
    for (const struct mx_label *l = labels; l && l->name; l++)
        label(b, &first, l->name, l->value);
    if (xname)
        label(b, &first, xname, xvalue);
    if (!first)
        sbuf_puts(b, "}");
    sbuf_puts(b, " ");
    mx_value(b, value);
    sbuf_puts(b, "\n");
}

void mx_sample(struct sbuf *b, const char *name, const struct mx_label *labels, double value)
{
    mx_sample_x(b, name, labels, NULL, NULL, value);
}
