/* page: the read-only HTML status page at `/`, from the status document
 * of `haplane status --json`. No JavaScript, no external assets; it
 * reloads itself (<meta http-equiv=refresh>). Every string that comes from
 * the document is HTML-escaped. Pure. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "metrics/metrics-int.h"

static const char style[] = "body{font-family:sans-serif;margin:1em;color:#222}"
                            "table{border-collapse:collapse;margin:.5em 0 1.2em}"
                            "th,td{border:1px solid #bbb;padding:.2em .6em;text-align:left}"
                            "th{background:#eee}.ok{background:#d7f5d7}.bad{background:#f8d0d0}"
                            ".warn{background:#fbeec0}small{color:#666}";

void mx_html_escape(struct sbuf *b, const char *s)
{
    for (const char *p = s ? s : ""; *p; p++) {
        switch (*p) {
        case '&':
            sbuf_puts(b, "&amp;");
            break;
        case '<':
            sbuf_puts(b, "&lt;");
            break;
        case '>':
            sbuf_puts(b, "&gt;");
            break;
        case '"':
            sbuf_puts(b, "&quot;");
            break;
        case '\'':
            sbuf_puts(b, "&#39;");
            break;
        default:
            sbuf_add(b, p, 1);
        }
    }
}

/* <td class=cls>escaped text</td> */
static void td(struct sbuf *b, const char *cls, const char *text)
{
    sbuf_puts(b, cls ? "<td class=" : "<td");
    if (cls)
        sbuf_puts(b, cls);
    sbuf_puts(b, ">");
    mx_html_escape(b, text);
    sbuf_puts(b, "</td>");
}

/* A whole number; with a sign when signed (a weight). */
static void td_num(struct sbuf *b, bool signed_, double v)
{
    char n[64];
    snprintf(n, sizeof(n), signed_ ? "%+.0f" : "%.0f", v);
    td(b, NULL, n);
}

static void header_row(struct sbuf *b, const char *const *cols)
{
    sbuf_puts(b, "<tr>");
    for (; *cols; cols++)
        sbuf_printf(b, "<th>%s</th>", *cols); /* constants */
    sbuf_puts(b, "</tr>\n");
}

static const char *state_class(const char *st)
{
    return !strcmp(st, "MASTER") ? "ok" : !strcmp(st, "FAULT") ? "bad" : NULL;
}

/* The master of an instance: "this node (ADDR)", "ADDR (priority P)" or "-". */
static void master_cell(struct sbuf *b, const struct mx_json *j, int in)
{
    char m[160];
    int mn = mx_json_get(j, in, "master");
    if (mn < 0 || j->v[mn].type != MX_J_OBJ)
        snprintf(m, sizeof(m), "unknown");
    else if (mx_json_true(j, mn, "self"))
        snprintf(m, sizeof(m), "this node (%s)", mx_json_str(j, mn, "address", "?"));
    else
        snprintf(m, sizeof(m), "%s (priority %.0f)", mx_json_str(j, mn, "address", "?"),
                 mx_json_num(j, mn, "priority", 0));
    td(b, NULL, m);
}

static void vips_cell(struct sbuf *b, const struct mx_json *j, int in)
{
    struct sbuf s;
    sbuf_init(&s);
    for (int c = mx_json_first(j, mx_json_get(j, in, "vips")); c >= 0; c = j->v[c].next)
        sbuf_printf(&s, "%s%s", s.len ? " " : "", j->v[c].str ? j->v[c].str : "");
    sbuf_printf(&s, " %s", mx_json_true(j, in, "vips_held") ? "(held here)" : "(not here)");
    td(b, mx_json_true(j, in, "vips_held") ? "ok" : NULL, sbuf_str(&s));
    sbuf_free(&s);
}

/* The priority contributions: one row per tracked input. */
static void tracks(struct sbuf *b, const struct mx_json *j, int in)
{
    static const char *const cols[] = {"input", "name", "weight", "verdict", "effect", NULL};
    int tr = mx_json_first(j, mx_json_get(j, in, "tracks"));
    if (tr < 0)
        return;
    sbuf_puts(b, "<table>\n");
    header_row(b, cols);
    for (int c = tr; c >= 0; c = j->v[c].next) {
        int ok = mx_json_get(j, c, "ok");
        const char *v = ok < 0 || j->v[ok].type == MX_J_NULL ? "no verdict yet"
                        : j->v[ok].type == MX_J_TRUE         ? "ok"
                                                             : "failing";
        const char *eff = mx_json_str(j, c, "effect", "");
        sbuf_puts(b, "<tr>");
        td(b, NULL, mx_json_str(j, c, "kind", ""));
        td(b, NULL, mx_json_str(j, c, "name", ""));
        td_num(b, true, mx_json_num(j, c, "weight", 0));
        td(b, !strcmp(v, "ok") ? "ok" : !strcmp(v, "failing") ? "bad" : NULL, v);
        td(b, !strcmp(eff, "fault") ? "bad" : !strcmp(eff, "weight") ? "warn" : NULL, eff);
        sbuf_puts(b, "</tr>\n");
    }
    sbuf_puts(b, "</table>\n");
}

static void quorum(struct sbuf *b, const struct mx_json *j, int in)
{
    int q = mx_json_get(j, in, "quorum");
    char t[160];
    if (q < 0 || j->v[q].type != MX_J_OBJ)
        return;
    bool maj = mx_json_true(j, q, "majority");
    snprintf(t, sizeof(t), "quorum: %.0f of %.0f nodes seen, %.0f needed: %s",
             mx_json_num(j, q, "seen", 0), mx_json_num(j, q, "nodes", 0),
             mx_json_num(j, q, "needed", 0), maj ? "majority" : "NO MAJORITY");
    sbuf_printf(b, "<p class=%s>", maj ? "ok" : "bad");
    mx_html_escape(b, t);
    for (int p = mx_json_first(j, mx_json_get(j, q, "peers")); p >= 0; p = j->v[p].next) {
        sbuf_puts(b, "; ");
        mx_html_escape(b, mx_json_str(j, p, "address", "?"));
        sbuf_puts(b, mx_json_true(j, p, "seen") ? " seen" : " unseen");
    }
    sbuf_puts(b, "</p>\n");
}

static void instances(struct sbuf *b, const struct mx_json *j)
{
    static const char *const cols[] = {"instance", "state",  "priority", "VIPs", "master",
                                       "since",    "reason", "fault",    NULL};
    int first = mx_json_first(j, mx_json_get(j, 0, "vrrp.instances"));
    sbuf_puts(b, "<h2>VRRP instances</h2>\n");
    if (first < 0) {
        sbuf_puts(b, "<p>none configured</p>\n");
        return;
    }
    for (int in = first; in >= 0; in = j->v[in].next) {
        const char *st = mx_json_str(j, in, "state", "?");
        char prio[64];
        snprintf(prio, sizeof(prio), "%.0f (base %.0f)", mx_json_num(j, in, "priority", 0),
                 mx_json_num(j, in, "base_priority", 0));
        sbuf_puts(b, "<table>\n");
        header_row(b, cols);
        sbuf_puts(b, "<tr>");
        td(b, NULL, mx_json_str(j, in, "name", ""));
        td(b, state_class(st), st);
        td(b, NULL, prio);
        vips_cell(b, j, in);
        master_cell(b, j, in);
        snprintf(prio, sizeof(prio), "%.1f s", mx_json_num(j, in, "since_s", 0));
        td(b, NULL, prio);
        td(b, NULL, mx_json_str(j, in, "reason", ""));
        td(b, mx_json_str(j, in, "fault", NULL) ? "bad" : NULL, mx_json_str(j, in, "fault", "-"));
        sbuf_puts(b, "</tr>\n</table>\n");
        quorum(b, j, in);
        tracks(b, j, in);
    }
}

static double sum_members(const struct mx_json *j, int obj)
{
    double s = 0;
    for (int c = mx_json_first(j, obj); c >= 0; c = j->v[c].next)
        if (j->v[c].type == MX_J_NUM)
            s += j->v[c].num;
    return s;
}

static void server_row(struct sbuf *b, const struct mx_json *j, int s)
{
    const char *health = mx_json_str(j, s, "health", "?");
    bool up = mx_json_true(j, s, "healthy");
    char last[160] = "not checked", lat[32] = "-";
    if (mx_json_true(j, s, "checked")) {
        const char *d = mx_json_str(j, s, "last_check.detail", "");
        snprintf(last, sizeof(last), "%s%s%s%s", mx_json_str(j, s, "last_check.result", "?"),
                 d[0] ? " (" : "", d, d[0] ? ")" : "");
        snprintf(lat, sizeof(lat), "%.1f ms", mx_json_num(j, s, "last_check.latency_ms", 0));
    }
    sbuf_puts(b, "<tr>");
    td(b, NULL, mx_json_str(j, s, "name", ""));
    td(b, NULL, mx_json_str(j, s, "address", ""));
    td(b, up ? "ok" : "bad", health);
    td(b, mx_json_true(j, s, "draining") ? "warn" : NULL,
       mx_json_true(j, s, "draining") ? "yes" : "no");
    td(b, NULL, last);
    td(b, NULL, lat);
    td_num(b, false, mx_json_num(j, s, "active", 0));
    td_num(b, false, mx_json_num(j, s, "connects", 0));
    td_num(b, false, sum_members(j, mx_json_get(j, s, "connect_failures")));
    sbuf_puts(b, "</tr>\n");
}

static void proxies(struct sbuf *b, const struct mx_json *j)
{
    static const char *const cols[] = {
        "server",        "address",     "health",   "draining",         "last check",
        "check latency", "connections", "connects", "connect failures", NULL};
    int first = mx_json_first(j, mx_json_get(j, 0, "proxies"));
    sbuf_puts(b, "<h2>Proxies</h2>\n");
    if (first < 0)
        sbuf_puts(b, "<p>none configured</p>\n");
    for (int p = first; p >= 0; p = j->v[p].next) {
        char t[200];
        bool ok = mx_json_true(j, p, "healthy");
        sbuf_puts(b, "<h3>proxy ");
        mx_html_escape(b, j->v[p].key);
        sbuf_puts(b, "</h3>\n<p>binds");
        for (int c = mx_json_first(j, mx_json_get(j, p, "binds")); c >= 0; c = j->v[c].next) {
            sbuf_puts(b, " ");
            mx_html_escape(b, j->v[c].str);
        }
        snprintf(t, sizeof(t), "; %s; %.0f connections (max %.0f); %s balance; %s relay",
                 ok ? "healthy" : "NO SERVER AVAILABLE", mx_json_num(j, p, "connections", 0),
                 mx_json_num(j, p, "maxconn", 0), mx_json_str(j, p, "balance", "?"),
                 mx_json_str(j, p, "relay", "?"));
        mx_html_escape(b, t);
        sbuf_puts(b, "</p>\n<table>\n");
        header_row(b, cols);
        for (int s = mx_json_first(j, mx_json_get(j, p, "servers")); s >= 0; s = j->v[s].next)
            server_row(b, j, s);
        sbuf_puts(b, "</table>\n");
    }
}

void mx_page(struct sbuf *b, const struct mx_json *j, unsigned refresh_s)
{
    char t[256];
    sbuf_printf(b,
                "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>"
                "<meta http-equiv=refresh content=\"%u\"><title>haplane status</title>"
                "<style>%s</style></head>\n<body>\n<h1>haplane status</h1>\n<p>",
                refresh_s, style);
    snprintf(t, sizeof(t), "haplane %s, pid %.0f, up %.1f s; config ",
             mx_json_str(j, 0, "version", "?"), mx_json_num(j, 0, "pid", 0),
             mx_json_num(j, 0, "uptime_s", 0));
    mx_html_escape(b, t);
    mx_html_escape(b, mx_json_str(j, 0, "config.path", "?"));
    snprintf(t, sizeof(t), " (generation %.0f)", mx_json_num(j, 0, "config.generation", 0));
    mx_html_escape(b, t);
    sbuf_puts(b, "</p>\n");
    if (mx_json_str(j, 0, "config.last_reload_error", NULL)) {
        sbuf_puts(b, "<p class=bad>last reload rejected: ");
        mx_html_escape(b, mx_json_str(j, 0, "config.last_reload_error", ""));
        sbuf_puts(b, "</p>\n");
    }
    instances(b, j);
    proxies(b, j);
    sbuf_printf(b,
                "<p><small>read-only; reloads every %u s; the same data as "
                "<code>haplane status --json</code>; metrics at <a href=\"/metrics\">/metrics"
                "</a></small></p>\n</body></html>\n",
                refresh_s);
}
