/* nl_endpoints: see endpoints.h. */
#include "nodelocal/endpoints.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

void nl_list_free(struct nl_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    l->n = 0;
}

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void nl_list_sort(struct nl_list *l)
{
    size_t j = 0;
    qsort(l->v, l->n, sizeof(l->v[0]), cmp);
    for (size_t i = 0; i < l->n; i++) {
        if (j && strcmp(l->v[j - 1], l->v[i]) == 0)
            free(l->v[i]);
        else
            l->v[j++] = l->v[i];
    }
    l->n = j;
}

bool nl_list_equal(const struct nl_list *a, const struct nl_list *b)
{
    if (a->n != b->n)
        return false;
    for (size_t i = 0; i < a->n; i++)
        if (strcmp(a->v[i], b->v[i]) != 0)
            return false;
    return true;
}

bool nl_list_has(const struct nl_list *l, const char *s)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i], s) == 0)
            return true;
    return false;
}

int nl_list_copy(struct nl_list *dst, const struct nl_list *src)
{
    dst->n = 0;
    for (size_t i = 0; i < src->n; i++) {
        if (!(dst->v[i] = strdup(src->v[i]))) {
            nl_list_free(dst);
            return -1;
        }
        dst->n = i + 1;
    }
    return 0;
}

const char *nl_list_format(const struct nl_list *l, char *buf, size_t len)
{
    size_t at = 0;
    if (len)
        buf[0] = 0;
    for (size_t i = 0; i < l->n && at < len; i++) {
        int n = snprintf(buf + at, len - at, "%s%s", i ? ", " : "", l->v[i]);
        if (n < 0)
            break;
        at += (size_t)n;
    }
    return buf;
}

/* The subset's port: the one named "https", else the only one. */
static int subset_port(json_t *ports, long *port)
{
    size_t i, n = json_array_size(ports);
    json_t *p;
    json_array_foreach(ports, i, p)
    {
        const char *name = json_string_value(json_object_get(p, "name"));
        json_t *v = json_object_get(p, "port");
        if ((n == 1 || (name && strcmp(name, "https") == 0)) && json_is_integer(v)) {
            *port = (long)json_integer_value(v);
            return *port >= 1 && *port <= 65535 ? 0 : -1;
        }
    }
    return -1;
}

int nl_endpoints_parse(const char *body, size_t len, struct nl_list *out, char *err, size_t errlen)
{
    json_error_t je;
    json_t *root = json_loadb(body, len, 0, &je);
    out->n = 0;
    if (!root) {
        snprintf(err, errlen, "not JSON: %s (line %d)", je.text, je.line);
        return -1;
    }
    int rc = -1;
    const char *kind = json_string_value(json_object_get(root, "kind"));
    json_t *subsets = json_object_get(root, "subsets");
    if (!kind || strcmp(kind, "Endpoints") != 0) {
        snprintf(err, errlen, "kind is '%.40s', expected 'Endpoints'", kind ? kind : "(none)");
        goto out;
    }
    size_t i, j;
    json_t *ss, *a;
    json_array_foreach(subsets, i, ss)
    {
        long port;
        if (subset_port(json_object_get(ss, "ports"), &port) < 0) {
            snprintf(err, errlen, "subset %zu: no usable port (named 'https', or the only one)",
                     i);
            goto out;
        }
        json_array_foreach(json_object_get(ss, "addresses"), j, a)
        {
            const char *ip = json_string_value(json_object_get(a, "ip"));
            unsigned char bin[16];
            char text[80];
            if (!ip) {
                snprintf(err, errlen, "subset %zu address %zu: no ip", i, j);
                goto out;
            }
            char canon[INET6_ADDRSTRLEN];
            if (inet_pton(AF_INET, ip, bin) == 1 && inet_ntop(AF_INET, bin, canon, sizeof(canon)))
                snprintf(text, sizeof(text), "%s:%ld", canon, port);
            else if (inet_pton(AF_INET6, ip, bin) == 1 &&
                     inet_ntop(AF_INET6, bin, canon, sizeof(canon)))
                snprintf(text, sizeof(text), "[%s]:%ld", canon, port);
            else {
                snprintf(err, errlen, "subset %zu address %zu: '%.60s' is not an IP address", i, j,
                         ip);
                goto out;
            }
            if (nl_list_has(out, text))
                continue;
            if (out->n == NL_MAX_SERVERS) {
                snprintf(err, errlen, "more than %d addresses", NL_MAX_SERVERS);
                goto out;
            }
            if (!(out->v[out->n] = strdup(text))) {
                snprintf(err, errlen, "out of memory");
                goto out;
            }
            out->n++;
        }
    }
    if (out->n == 0) {
        snprintf(err, errlen, "no address in the Endpoints object");
        goto out;
    }
    nl_list_sort(out);
    rc = 0;
out:
    if (rc < 0)
        nl_list_free(out);
    json_decref(root);
    return rc;
}
