/* args: turn directive arguments (tokens) into model values, reporting bad
 * ones at the token as "invalid WHAT 'TEXT': REASON".
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf/conf-int.h"

int cfg_arg_str(struct cfg_ctx *cx, const struct cfg_tok *t, char **dst)
{
    char *s = strdup(t->s);

    if (!s)
        return cfg_oom(cx);
    free(*dst);
    *dst = s;
    return 0;
}

int cfg_arg_uint(struct cfg_ctx *cx, const struct cfg_tok *t, const char *what, uint32_t min,
                 uint32_t max, uint32_t *out)
{
    char err[96];
    int64_t v;

    if (cfg_parse_int(t->s, min, max, &v, err, sizeof(err)) < 0)
        return cfg_err(cx, t, "invalid %s '%.80s': %s", what, t->s, err);
    *out = (uint32_t)v;
    return 0;
}

int cfg_arg_int(struct cfg_ctx *cx, const struct cfg_tok *t, const char *what, int32_t min,
                int32_t max, int32_t *out)
{
    char err[96];
    int64_t v;

    if (cfg_parse_int(t->s, min, max, &v, err, sizeof(err)) < 0)
        return cfg_err(cx, t, "invalid %s '%.80s': %s", what, t->s, err);
    *out = (int32_t)v;
    return 0;
}

int cfg_arg_dur(struct cfg_ctx *cx, const struct cfg_tok *t, const char *what, uint64_t min,
                uint64_t max, uint64_t *out)
{
    char err[96], a[32], b[32];
    uint64_t v;

    if (cfg_parse_duration(t->s, &v, err, sizeof(err)) < 0)
        return cfg_err(cx, t, "invalid %s '%.80s': %s", what, t->s, err);
    if (v < min || v > max)
        return cfg_err(cx, t, "invalid %s '%.80s': must be between %s and %s", what, t->s,
                       cfg_format_duration(min, a, sizeof(a)),
                       cfg_format_duration(max, b, sizeof(b)));
    *out = v;
    return 0;
}

int cfg_arg_bool(struct cfg_ctx *cx, const struct cfg_tok *t, const char *what, bool *out)
{
    if (cfg_parse_bool(t->s, out) < 0)
        return cfg_err(cx, t, "invalid %s '%.80s': expected on or off", what, t->s);
    return 0;
}

int cfg_arg_addr(struct cfg_ctx *cx, const struct cfg_tok *t, const char *what, int allow_prefix,
                 struct cfg_addr *out)
{
    char err[96];

    if (cfg_parse_addr(t->s, allow_prefix, out, err, sizeof(err)) < 0)
        return cfg_err(cx, t, "invalid %s '%.80s': %s", what, t->s, err);
    return 0;
}

/* One of names (case-insensitive); *out is its index. */
int cfg_arg_enum(struct cfg_ctx *cx, const struct cfg_tok *t, const char *what,
                 const char *const *names, size_t n, int *out)
{
    char list[160] = "";
    size_t used = 0;

    for (size_t i = 0; i < n; i++) {
        if (!strcasecmp(t->s, names[i])) {
            *out = (int)i;
            return 0;
        }
    }
    for (size_t i = 0; i < n && used < sizeof(list); i++)
        used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s",
                                 i == 0       ? ""
                                 : i + 1 == n ? " or "
                                              : ", ",
                                 names[i]);
    return cfg_err(cx, t, "invalid %s '%.80s': expected %s", what, t->s, list);
}

/* Linux interface names: 1-15 bytes (IFNAMSIZ - 1), no '/', ':' is allowed
 * only in labels, so it is refused here too, and no whitespace. */
int cfg_arg_ifname(struct cfg_ctx *cx, const struct cfg_tok *t, char **dst)
{
    if (t->len == 0 || t->len > 15)
        return cfg_err(cx, t, "invalid interface name '%.80s': must be 1 to 15 characters", t->s);
    if (strpbrk(t->s, "/: \t\n") || !strcmp(t->s, ".") || !strcmp(t->s, ".."))
        return cfg_err(cx, t, "invalid interface name '%.80s'", t->s);
    return cfg_arg_str(cx, t, dst);
}

/* One token: split into argv. Several tokens: one argument each. The
 * command's user/group are left alone. */
int cfg_arg_cmd(struct cfg_ctx *cx, const struct cfg_tok *t, size_t n, struct cfg_cmd *c)
{
    struct cfg_cmd nc = {0};
    char err[96];

    if (n == 1) {
        if (cfg_split_cmd(t->s, &nc, err, sizeof(err)) < 0)
            return cfg_err(cx, t, "invalid command: %s", err);
    } else {
        nc.argv = calloc(n + 1, sizeof(char *));
        if (!nc.argv)
            return cfg_oom(cx);
        for (nc.argc = 0; nc.argc < n; nc.argc++) {
            nc.argv[nc.argc] = strdup(t[nc.argc].s);
            if (!nc.argv[nc.argc]) {
                cfg_cmd_free(&nc);
                return cfg_oom(cx);
            }
        }
    }
    for (size_t i = 0; i < c->argc; i++)
        free(c->argv[i]);
    free(c->argv);
    c->argv = nc.argv;
    c->argc = nc.argc;
    return 0;
}
