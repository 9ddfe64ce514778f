/* json: see json.h. The text is parsed by jansson (the project's one JSON
 * library), then flattened into the node array the readers walk. */
#include "metrics/json.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MX_JSON_MAX_NODES 200000

static int new_node(struct mx_json *j, enum mx_jtype t, const char *key)
{
    if (j->n == j->cap) {
        int cap = j->cap ? j->cap * 2 : 64;
        struct mx_jnode *v;
        if (cap > MX_JSON_MAX_NODES || !(v = realloc(j->v, (size_t)cap * sizeof(*v))))
            return -1;
        j->v = v;
        j->cap = cap;
    }
    j->v[j->n] = (struct mx_jnode){.type = t, .key = key, .child = -1, .next = -1};
    return j->n++;
}

static enum mx_jtype type_of(const json_t *x)
{
    switch (json_typeof(x)) {
    case JSON_OBJECT:
        return MX_J_OBJ;
    case JSON_ARRAY:
        return MX_J_ARR;
    case JSON_STRING:
        return MX_J_STR;
    case JSON_INTEGER:
    case JSON_REAL:
        return MX_J_NUM;
    case JSON_TRUE:
        return MX_J_TRUE;
    case JSON_FALSE:
        return MX_J_FALSE;
    default:
        return MX_J_NULL;
    }
}

/* Append x (member `key` of its parent, or NULL) and its children, depth
 * first; returns its node or -1 (too deep or too large). Strings and keys
 * point into the jansson tree, which lives as long as j. */
static int flatten(struct mx_json *j, json_t *x, const char *key, int depth)
{
    int n = new_node(j, type_of(x), key), last = -1;
    if (n < 0 || depth > MX_JSON_DEPTH)
        return -1;
    if (json_is_number(x))
        j->v[n].num = json_number_value(x);
    else if (json_is_string(x))
        j->v[n].str = json_string_value(x);
    const char *k;
    json_t *c;
    size_t i;
    if (json_is_object(x)) {
        json_object_foreach(x, k, c)
        {
            int m = flatten(j, c, k, depth + 1);
            if (m < 0)
                return -1;
            *(last < 0 ? &j->v[n].child : &j->v[last].next) = m;
            last = m;
        }
    } else if (json_is_array(x)) {
        json_array_foreach(x, i, c)
        {
            int m = flatten(j, c, NULL, depth + 1);
            if (m < 0)
                return -1;
            *(last < 0 ? &j->v[n].child : &j->v[last].next) = m;
            last = m;
        }
    }
    return n;
}

int mx_json_parse(struct mx_json *j, char *text, size_t len, char *err, size_t errlen)
{
    json_error_t e;
    memset(j, 0, sizeof(*j));
    text[len] = 0;
    json_t *root = json_loadb(text, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &e);
    if (!root) {
        snprintf(err, errlen, "JSON at offset %d: %s", e.position, e.text);
        return -1;
    }
    j->root = root;
    if (flatten(j, root, NULL, 0) < 0) {
        snprintf(err, errlen, "JSON: nested deeper than %d or too large", MX_JSON_DEPTH);
        return -1;
    }
    return 0;
}

void mx_json_free(struct mx_json *j)
{
    json_decref(j->root);
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
