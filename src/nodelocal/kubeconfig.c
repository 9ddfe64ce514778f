/* nl_kubeconfig: see kubeconfig.h. */
#include "nodelocal/kubeconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <yaml.h>

/* ---- walking the document ---- */

static yaml_node_t *map_get(yaml_document_t *doc, yaml_node_t *map, const char *key)
{
    if (!map || map->type != YAML_MAPPING_NODE)
        return NULL;
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        yaml_node_t *k = yaml_document_get_node(doc, p->key);
        if (k && k->type == YAML_SCALAR_NODE && strcmp((char *)k->data.scalar.value, key) == 0)
            return yaml_document_get_node(doc, p->value);
    }
    return NULL;
}

/* A scalar's text, or NULL (absent, or not a scalar). */
static const char *scalar(yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* The entry of a list (clusters, contexts, users) whose name is `name`,
 * and its inner map under `inner` ("cluster", "context", "user"). */
static yaml_node_t *named(yaml_document_t *doc, yaml_node_t *root, const char *list,
                          const char *name, const char *inner)
{
    yaml_node_t *seq = map_get(doc, root, list);
    if (!seq || seq->type != YAML_SEQUENCE_NODE)
        return NULL;
    for (yaml_node_item_t *i = seq->data.sequence.items.start; i < seq->data.sequence.items.top;
         i++) {
        yaml_node_t *e = yaml_document_get_node(doc, *i);
        const char *n = scalar(map_get(doc, e, "name"));
        if (n && strcmp(n, name) == 0)
            return map_get(doc, e, inner);
    }
    return NULL;
}

static int set_path(char **dst, const char *dir, const char *v)
{
    if (v[0] == '/' || !dir || !dir[0]) {
        *dst = strdup(v);
    } else if (asprintf(dst, "%s/%s", dir, v) < 0) {
        *dst = NULL;
    }
    return *dst ? 0 : -1;
}

/* base64 (whitespace allowed) into a NUL-terminated buffer. */
static int b64(const char *in, char **out, size_t *outlen)
{
    size_t n = strlen(in), m = 0;
    char *clean = malloc(n + 1);
    if (!clean)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (in[i] != ' ' && in[i] != '\n' && in[i] != '\r' && in[i] != '\t')
            clean[m++] = in[i];
    clean[m] = 0;
    if (m == 0 || m % 4) {
        free(clean);
        return -1;
    }
    unsigned char *buf = malloc(m / 4 * 3 + 1);
    int r = buf ? EVP_DecodeBlock(buf, (unsigned char *)clean, (int)m) : -1;
    if (r < 0) {
        free(clean);
        free(buf);
        return -1;
    }
    /* EVP_DecodeBlock counts the padding as zero bytes */
    size_t len = (size_t)r;
    if (m >= 1 && clean[m - 1] == '=')
        len--;
    if (m >= 2 && clean[m - 2] == '=')
        len--;
    buf[len] = 0;
    free(clean);
    *out = (char *)buf;
    *outlen = len;
    return 0;
}

/* One PEM object from `file_key` (a path) or `data_key` (base64). */
static int pem(yaml_document_t *doc, yaml_node_t *m, const char *file_key, const char *data_key,
               const char *dir, struct nl_pem *p, const char *where, char *err, size_t errlen)
{
    const char *f = scalar(map_get(doc, m, file_key));
    const char *d = scalar(map_get(doc, m, data_key));
    if (d && d[0]) {
        if (b64(d, &p->data, &p->len) < 0) {
            snprintf(err, errlen, "%s: %s is not base64", where, data_key);
            return -1;
        }
        return 0;
    }
    if (f && f[0] && set_path(&p->file, dir, f) < 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

int nl_kubeconfig_parse(const char *text, size_t len, const char *dir, struct nl_kubeconfig *out,
                        char *err, size_t errlen)
{
    yaml_parser_t parser;
    yaml_document_t doc;
    int rc = -1;
    memset(out, 0, sizeof(*out));
    if (!yaml_parser_initialize(&parser)) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, &doc)) {
        snprintf(err, errlen, "line %lu: %s", (unsigned long)parser.problem_mark.line + 1,
                 parser.problem ? parser.problem : "not YAML");
        yaml_parser_delete(&parser);
        return -1;
    }
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (!root || root->type != YAML_MAPPING_NODE) {
        snprintf(err, errlen, "not a kubeconfig (no mapping at the top)");
        goto out;
    }
    const char *ctx = scalar(map_get(&doc, root, "current-context"));
    if (!ctx || !ctx[0]) {
        yaml_node_t *seq = map_get(&doc, root, "contexts");
        size_t n = seq && seq->type == YAML_SEQUENCE_NODE
                       ? (size_t)(seq->data.sequence.items.top - seq->data.sequence.items.start)
                       : 0;
        if (n != 1) {
            snprintf(err, errlen, "no current-context and %zu contexts", n);
            goto out;
        }
        ctx = scalar(map_get(
            &doc, yaml_document_get_node(&doc, *seq->data.sequence.items.start), "name"));
        if (!ctx) {
            snprintf(err, errlen, "the only context has no name");
            goto out;
        }
    }
    yaml_node_t *c = named(&doc, root, "contexts", ctx, "context");
    if (!c) {
        snprintf(err, errlen, "context '%.100s' not found", ctx);
        goto out;
    }
    const char *cl = scalar(map_get(&doc, c, "cluster"));
    const char *us = scalar(map_get(&doc, c, "user"));
    if (!cl || !us) {
        snprintf(err, errlen, "context '%.100s' needs a cluster and a user", ctx);
        goto out;
    }
    yaml_node_t *cm = named(&doc, root, "clusters", cl, "cluster");
    yaml_node_t *um = named(&doc, root, "users", us, "user");
    if (!cm) {
        snprintf(err, errlen, "cluster '%.100s' not found", cl);
        goto out;
    }
    if (!um) {
        snprintf(err, errlen, "user '%.100s' not found", us);
        goto out;
    }
    const char *server = scalar(map_get(&doc, cm, "server"));
    if (!server || strncmp(server, "https://", 8) != 0) {
        snprintf(err, errlen, "cluster '%.100s': server must be https://HOST[:PORT]", cl);
        goto out;
    }
    const char *insecure = scalar(map_get(&doc, cm, "insecure-skip-tls-verify"));
    out->insecure = insecure && strcmp(insecure, "true") == 0;
    if (!(out->context = strdup(ctx)) || !(out->server = strdup(server))) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    char where[160];
    snprintf(where, sizeof(where), "cluster '%.100s'", cl);
    if (pem(&doc, cm, "certificate-authority", "certificate-authority-data", dir, &out->ca, where,
            err, errlen) < 0)
        goto out;
    snprintf(where, sizeof(where), "user '%.100s'", us);
    if (pem(&doc, um, "client-certificate", "client-certificate-data", dir, &out->cert, where,
            err, errlen) < 0 ||
        pem(&doc, um, "client-key", "client-key-data", dir, &out->key, where, err, errlen) < 0)
        goto out;
    bool has_cert = out->cert.file || out->cert.data, has_key = out->key.file || out->key.data;
    if (has_cert != has_key) {
        snprintf(err, errlen, "%s: %s", where,
                 has_cert ? "client-certificate without client-key"
                          : "client-key without client-certificate");
        goto out;
    }
    if (!has_cert) {
        snprintf(err, errlen,
                 "%s: no client certificate (node-local authenticates with "
                 "client-certificate and client-key, as the kubelet does)",
                 where);
        goto out;
    }
    rc = 0;
out:
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    if (rc < 0)
        nl_kubeconfig_free(out);
    return rc;
}

static void pem_free(struct nl_pem *p)
{
    free(p->file);
    free(p->data);
    memset(p, 0, sizeof(*p));
}

void nl_kubeconfig_free(struct nl_kubeconfig *k)
{
    free(k->context);
    free(k->server);
    pem_free(&k->ca);
    pem_free(&k->cert);
    pem_free(&k->key);
    memset(k, 0, sizeof(*k));
}

int nl_server_hostport(const char *url, char *host, size_t hostlen, unsigned *port, char *err,
                       size_t errlen)
{
    const char *p = url, *h, *e;
    if (strncmp(p, "https://", 8) != 0) {
        snprintf(err, errlen, "server '%.100s': expected https://", url);
        return -1;
    }
    p += 8;
    if (*p == '[') {
        h = p + 1;
        e = strchr(h, ']');
        if (!e) {
            snprintf(err, errlen, "server '%.100s': missing ']'", url);
            return -1;
        }
        p = e + 1;
    } else {
        h = p;
        e = p + strcspn(p, ":/");
        p = e;
    }
    if ((size_t)(e - h) >= hostlen || e == h) {
        snprintf(err, errlen, "server '%.100s': bad host", url);
        return -1;
    }
    memcpy(host, h, (size_t)(e - h));
    host[e - h] = 0;
    *port = 443;
    if (*p == ':') {
        char *end;
        unsigned long v = strtoul(p + 1, &end, 10);
        if (end == p + 1 || v == 0 || v > 65535 || (*end && *end != '/')) {
            snprintf(err, errlen, "server '%.100s': bad port", url);
            return -1;
        }
        *port = (unsigned)v;
    } else if (*p && *p != '/') {
        snprintf(err, errlen, "server '%.100s': bad host", url);
        return -1;
    }
    return 0;
}
