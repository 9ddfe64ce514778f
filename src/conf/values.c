/* values: the syntax of single values (durations, integers, addresses,
 * HOST:PORT, booleans, command lines) and their canonical text forms.
 *
 * Pure functions: a string in, a value or a short reason out. The reasons are
 * written to fit "invalid WHAT 'TEXT': REASON".
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "conf/conf-int.h"

/* Longest duration accepted at all (about 317 years); directives have their
 * own, much smaller, limits. Keeps every computation far from overflow. */
#define DURATION_LIMIT_MS 10000000000000ULL

static int fail(char *err, size_t errlen, const char *reason)
{
    snprintf(err, errlen, "%s", reason);
    return -1;
}

static int unit_ms(const char *u, uint64_t *mult)
{
    static const struct {
        const char *name;
        uint64_t ms;
    } units[] = {{"", 1000}, {"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}, {"d", 86400000}};

    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        if (!strcmp(u, units[i].name)) {
            *mult = units[i].ms;
            return 0;
        }
    }
    return -1;
}

/* N[.F][unit]: a bare number is seconds (keepalived style), decimals are
 * allowed as long as the result is a whole number of milliseconds. */
int cfg_parse_duration(const char *s, uint64_t *ms, char *err, size_t errlen)
{
    const char *bad = "expected a duration such as 250ms, 2s, 1m, 1h or 0.5";
    uint64_t ip = 0, frac = 0, scale = 1, mult;
    size_t digits = 0;
    const char *p = s;

    for (; isdigit((unsigned char)*p); p++, digits++) {
        if (ip > DURATION_LIMIT_MS)
            return fail(err, errlen, "too large");
        ip = ip * 10 + (uint64_t)(*p - '0');
    }
    if (*p == '.') {
        for (p++; isdigit((unsigned char)*p); p++, digits++) {
            if (scale < 1000000000ULL) {
                frac = frac * 10 + (uint64_t)(*p - '0');
                scale *= 10;
            } else if (*p != '0') {
                return fail(err, errlen, "not a whole number of milliseconds");
            }
        }
    }
    if (!digits || unit_ms(p, &mult) < 0)
        return fail(err, errlen, bad);
    if (ip > DURATION_LIMIT_MS / mult)
        return fail(err, errlen, "too large");
    if ((frac * mult) % scale)
        return fail(err, errlen, "not a whole number of milliseconds");
    *ms = ip * mult + frac * mult / scale;
    return 0;
}

int cfg_parse_int(const char *s, int64_t min, int64_t max, int64_t *out, char *err, size_t errlen)
{
    const char *p = s;
    bool neg = false, big = false;
    int64_t v = 0;

    if (*p == '+' || *p == '-')
        neg = *p++ == '-';
    if (!isdigit((unsigned char)*p))
        return fail(err, errlen, "expected an integer");
    for (; isdigit((unsigned char)*p); p++) {
        if (v < 1000000000000000LL)
            v = v * 10 + (*p - '0');
        else
            big = true;
    }
    if (*p)
        return fail(err, errlen, "expected an integer");
    if (neg)
        v = -v;
    if (big || v < min || v > max) {
        snprintf(err, errlen, "must be between %lld and %lld", (long long)min, (long long)max);
        return -1;
    }
    *out = v;
    return 0;
}

int cfg_parse_bool(const char *s, bool *out)
{
    if (!strcmp(s, "on") || !strcmp(s, "yes") || !strcmp(s, "true")) {
        *out = true;
        return 0;
    }
    if (!strcmp(s, "off") || !strcmp(s, "no") || !strcmp(s, "false")) {
        *out = false;
        return 0;
    }
    return -1;
}

/* The address part only (no prefix): IPv6 when it has a ':'. */
static int parse_ip(const char *s, size_t len, struct cfg_addr *out)
{
    char buf[INET6_ADDRSTRLEN + 1];

    if (len == 0 || len >= sizeof(buf))
        return -1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    memset(out, 0, sizeof(*out));
    if (memchr(buf, ':', len)) {
        if (inet_pton(AF_INET6, buf, &out->u.v6) != 1)
            return -1;
        out->family = AF_INET6;
        out->prefix = 128;
    } else {
        if (inet_pton(AF_INET, buf, &out->u.v4) != 1)
            return -1;
        out->family = AF_INET;
        out->prefix = 32;
    }
    return 0;
}

int cfg_parse_addr(const char *s, int allow_prefix, struct cfg_addr *out, char *err, size_t errlen)
{
    const char *slash = strchr(s, '/');
    size_t len = slash ? (size_t)(slash - s) : strlen(s);
    struct cfg_addr a;
    int64_t pfx;

    if (parse_ip(s, len, &a) < 0)
        return fail(err, errlen, "not an IPv4 or IPv6 address");
    if (slash) {
        if (!allow_prefix)
            return fail(err, errlen, "a prefix length is not allowed here");
        if (cfg_parse_int(slash + 1, 0, a.prefix, &pfx, err, errlen) < 0 || slash[1] == '+' ||
            slash[1] == '-') {
            snprintf(err, errlen, "prefix length must be between 0 and %u", a.prefix);
            return -1;
        }
        a.prefix = (uint8_t)pfx;
    }
    *out = a;
    return 0;
}

/* RFC 1123 host name: dot-separated labels of letters, digits and '-'
 * (not at either end), 1-63 bytes each, 253 in all, and a last label that is
 * not all digits (so a mistyped IPv4 address is not taken for a name). */
static int valid_hostname(const char *s, size_t len)
{
    size_t label = 0;
    int alpha = 0;

    if (len == 0 || len > 253)
        return 0;
    for (size_t i = 0; i <= len; i++) {
        char c = i < len ? s[i] : '.';
        if (c == '.') {
            if (label == 0 || label > 63 || s[i - 1] == '-')
                return 0;
            if (i == len && !alpha)
                return 0;
            label = 0;
            alpha = 0;
            continue;
        }
        if (!isalnum((unsigned char)c) && c != '-')
            return 0;
        if (c == '-' && label == 0)
            return 0;
        alpha |= !isdigit((unsigned char)c);
        label++;
    }
    return 1;
}

static int parse_port(const char *s, uint16_t *port, char *err, size_t errlen)
{
    int64_t v;

    if (!*s)
        return fail(err, errlen, "missing port (expected HOST:PORT)");
    if (cfg_parse_int(s, 1, 65535, &v, err, errlen) < 0 || *s == '+' || *s == '-') {
        snprintf(err, errlen, "port must be between 1 and 65535");
        return -1;
    }
    *port = (uint16_t)v;
    return 0;
}

static int parse_host(const char *h, size_t len, int allow_name, struct cfg_endpoint *out,
                      char *err, size_t errlen)
{
    if (len == 0 || (len == 1 && *h == '*')) {
        out->kind = CFG_HOST_ANY;
        return 0;
    }
    if (memchr(h, ':', len))
        return fail(err, errlen, "IPv6 addresses need brackets, as in [2001:db8::1]:6443");
    if (parse_ip(h, len, &out->addr) == 0) {
        out->kind = CFG_HOST_ADDR;
        return 0;
    }
    if (!allow_name || !valid_hostname(h, len))
        return fail(err, errlen,
                    allow_name ? "not an address or host name"
                               : "expected ADDRESS:PORT, "
                                 "[IPv6]:PORT or *:PORT");
    out->name = strndup(h, len);
    if (!out->name)
        return fail(err, errlen, "out of memory");
    out->kind = CFG_HOST_NAME;
    return 0;
}

int cfg_parse_endpoint(const char *s, int allow_name, struct cfg_endpoint *out, char *err,
                       size_t errlen)
{
    struct cfg_endpoint e = {0};
    const char *colon;

    if (*s == '[') {
        const char *close = strchr(s, ']');
        if (!close || parse_ip(s + 1, (size_t)(close - s - 1), &e.addr) < 0 ||
            e.addr.family != AF_INET6)
            return fail(err, errlen, "expected [IPv6]:PORT");
        if (close[1] != ':')
            return fail(err, errlen, "missing port (expected [IPv6]:PORT)");
        e.kind = CFG_HOST_ADDR;
        colon = close + 1;
    } else {
        colon = strrchr(s, ':');
        if (!colon)
            return fail(err, errlen, "missing port (expected HOST:PORT)");
        if (parse_host(s, (size_t)(colon - s), allow_name, &e, err, errlen) < 0)
            return -1;
    }
    if (parse_port(colon + 1, &e.port, err, errlen) < 0) {
        free(e.name);
        return -1;
    }
    *out = e;
    return 0;
}

bool cfg_valid_sni(const char *s)
{
    struct cfg_endpoint e;
    char err[8], buf[300];
    int r;

    if (strlen(s) >= 254)
        return false;
    snprintf(buf, sizeof(buf), "%s:1", s);
    r = cfg_parse_endpoint(buf, 1, &e, err, sizeof(err));
    if (r == 0)
        cfg_endpoint_free(&e);
    return r == 0 && e.kind == CFG_HOST_NAME;
}

const char *cfg_quote(const char *s, char *buf, size_t len)
{
    size_t n = 0;

    if (!len)
        return buf;
    buf[0] = '\0';
    for (size_t i = 0; s[i] && i < 80 && n + 5 < len; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c > 0x20 && c < 0x7f)
            buf[n++] = (char)c;
        else
            n += (size_t)snprintf(buf + n, len - n, "\\x%02x", c);
        buf[n] = '\0';
    }
    return buf;
}

/* One argument of a command line: a bare word, or '...' / "..." kept whole. */
static const char *split_one(const char *p, char **arg, char *err, size_t errlen)
{
    const char *start = p, *end;

    if (*p == '\'' || *p == '"') {
        end = strchr(p + 1, *p);
        if (!end) {
            snprintf(err, errlen, "unterminated %c quote", *p);
            return NULL;
        }
        start = p + 1;
        p = end + 1;
    } else {
        while (*p && !isspace((unsigned char)*p))
            p++;
        end = p;
    }
    *arg = strndup(start, (size_t)(end - start));
    if (!*arg)
        snprintf(err, errlen, "out of memory");
    return *arg ? p : NULL;
}

int cfg_split_cmd(const char *s, struct cfg_cmd *c, char *err, size_t errlen)
{
    size_t n = 0;
    char **argv = NULL;

    for (const char *p = s;;) {
        while (isspace((unsigned char)*p))
            p++;
        if (!*p)
            break;
        char **slot = cfg_vec_push(&argv, &n, sizeof(*argv));
        if (!slot || !(p = split_one(p, slot, err, errlen))) {
            if (!slot)
                snprintf(err, errlen, "out of memory");
            for (size_t i = 0; i < n; i++)
                free(argv[i]);
            free(argv);
            return -1;
        }
    }
    if (!n)
        return fail(err, errlen, "empty command");
    /* NULL terminator: push one more slot (zeroed) and do not count it. */
    if (!cfg_vec_push(&argv, &n, sizeof(*argv))) {
        for (size_t i = 0; i < n; i++)
            free(argv[i]);
        free(argv);
        return fail(err, errlen, "out of memory");
    }
    c->argv = argv;
    c->argc = n - 1;
    return 0;
}

const char *cfg_format_duration(uint64_t ms, char *buf, size_t len)
{
    if (ms == 0)
        snprintf(buf, len, "0s");
    else if (ms % 3600000 == 0)
        snprintf(buf, len, "%lluh", (unsigned long long)(ms / 3600000));
    else if (ms % 60000 == 0)
        snprintf(buf, len, "%llum", (unsigned long long)(ms / 60000));
    else if (ms % 1000 == 0)
        snprintf(buf, len, "%llus", (unsigned long long)(ms / 1000));
    else
        snprintf(buf, len, "%llums", (unsigned long long)ms);
    return buf;
}

const char *cfg_format_addr(const struct cfg_addr *a, int with_prefix, char *buf, size_t len)
{
    char ip[INET6_ADDRSTRLEN];

    if (a->family != AF_INET && a->family != AF_INET6)
        snprintf(ip, sizeof(ip), "none");
    else
        inet_ntop(a->family, &a->u, ip, sizeof(ip));
    if (with_prefix)
        snprintf(buf, len, "%s/%u", ip, (unsigned)a->prefix);
    else
        snprintf(buf, len, "%s", ip);
    return buf;
}

const char *cfg_format_endpoint(const struct cfg_endpoint *e, char *buf, size_t len)
{
    char ip[INET6_ADDRSTRLEN];

    switch (e->kind) {
    case CFG_HOST_ANY:
        snprintf(buf, len, "*:%u", (unsigned)e->port);
        break;
    case CFG_HOST_NAME:
        snprintf(buf, len, "%s:%u", e->name, (unsigned)e->port);
        break;
    default:
        cfg_format_addr(&e->addr, 0, ip, sizeof(ip));
        snprintf(buf, len, e->addr.family == AF_INET6 ? "[%s]:%u" : "%s:%u", ip, (unsigned)e->port);
    }
    return buf;
}

int cfg_addr_equal(const struct cfg_addr *a, const struct cfg_addr *b)
{
    if (a->family != b->family)
        return 0;
    if (a->family == AF_INET)
        return a->u.v4.s_addr == b->u.v4.s_addr;
    if (a->family == AF_INET6)
        return !memcmp(&a->u.v6, &b->u.v6, sizeof(a->u.v6));
    return 1;
}
