/* metrics internals: what the files of src/metrics share. */
#ifndef HAPLANE_METRICS_METRICS_INT_H
#define HAPLANE_METRICS_METRICS_INT_H

#include <stdint.h>

#include "metrics/json.h"
#include "util/sbuf.h"

/* The listener's own counters: requests answered by page, and connections
 * closed on an error, by reason. */
#define MX_PAGES(X) X(metrics, "/metrics") X(healthz, "/healthz") X(status, "/") X(other, "other")
#define MX_ERRORS(X)                                                                               \
    X(bad_request, "bad_request")                                                                  \
    X(too_large, "too_large")                                                                      \
    X(timeout, "timeout")                                                                          \
    X(not_found, "not_found")                                                                      \
    X(bad_method, "method_not_allowed")                                                            \
    X(rejected, "too_many_clients")                                                                \
    X(accept_errors, "accept_error")                                                               \
    X(write_errors, "write_error")                                                                 \
    X(internal, "internal_error")

#define MX_ENUM_(n, s) MX_P_##n,
enum mx_page { MX_PAGES(MX_ENUM_) MX_P_COUNT };
#undef MX_ENUM_
#define MX_ENUM_(n, s) MX_E_##n,
enum mx_err { MX_ERRORS(MX_ENUM_) MX_E_COUNT };
#undef MX_ENUM_

struct mx_self {
    uint64_t pages[MX_P_COUNT];
    uint64_t errors[MX_E_COUNT];
    unsigned clients;    /* connected now */
    double started_unix; /* wall-clock start of the daemon, seconds */
};

const char *mx_page_name(enum mx_page p);
const char *mx_err_name(enum mx_err e);

/* Write every metric, from the status document j (the `haplane status
 * --json` object) and the listener's own counters. Pure. */
void mx_collect(struct sbuf *out, const struct mx_json *j, const struct mx_self *self);

/* The HTML status page from the same document; refresh_s for the
 * <meta http-equiv=refresh>. Pure; every string from j is escaped. */
void mx_page(struct sbuf *out, const struct mx_json *j, unsigned refresh_s);
/* Append s HTML-escaped (& < > " '). */
void mx_html_escape(struct sbuf *b, const char *s);

#endif
