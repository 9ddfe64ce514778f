/* expo: the Prometheus text exposition format, version 0.0.4.
 *
 * Pure: appends to a caller's sbuf. A family is announced once with
 * mx_family (HELP and TYPE lines), then its samples follow with mx_sample;
 * the caller keeps a family's samples together, as the format requires.
 * Label values are escaped (backslash, double quote, newline); names are
 * the caller's constants and are not checked here.
 */
#ifndef HAPLANE_METRICS_EXPO_H
#define HAPLANE_METRICS_EXPO_H

#include "util/sbuf.h"

#define MX_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

enum mx_type { MX_COUNTER, MX_GAUGE, MX_HISTOGRAM };

/* A label: name and value; a list ends at a NULL name. */
struct mx_label {
    const char *name;
    const char *value;
};

/* "# HELP name help\n# TYPE name type\n" (help escaped as the format says:
 * backslash and newline). */
void mx_family(struct sbuf *b, const char *name, enum mx_type t, const char *help);

/* name{l1="v1",...} value\n; labels may be NULL. */
void mx_sample(struct sbuf *b, const char *name, const struct mx_label *labels, double value);
/* The same with one more label (name, value) after labels, e.g. a
 * histogram's `le` or a `state`; labels may be NULL. */
void mx_sample_x(struct sbuf *b, const char *name, const struct mx_label *labels, const char *xname,
                 const char *xvalue, double value);

/* Append value s as a label value (escaped, without quotes). */
void mx_escape_label(struct sbuf *b, const char *s);
/* A sample value: integers exactly, others with 15 significant digits;
 * NaN, +Inf, -Inf as the format spells them. */
void mx_value(struct sbuf *b, double v);

#endif
