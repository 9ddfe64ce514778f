/* import: the drop-in. Reads keepalived.conf and haproxy.cfg into the one
 * configuration model (struct cfg) that src/conf defines, and picks the
 * loader for `haplane run|check|convert`: the native one for -f, the
 * importers for --keepalived / --haproxy (load.c).
 *
 * src/import uses src/conf (the model, and the native keyword tables that
 * the keepalived importer extends); src/conf never uses src/import.
 */
#ifndef HAPLANE_IMPORT_IMPORT_H
#define HAPLANE_IMPORT_IMPORT_H

#include "conf/conf.h"

/* Where a configuration comes from: native, or keepalived and/or haproxy
 * (`haplane run|check|convert -f F | --keepalived F [--haproxy F]`). */
struct imp_sources {
    const char *native;          /* native file; NULL when importing */
    const char *keepalived;      /* keepalived.conf (includes followed) */
    const char *haproxy;         /* haproxy.cfg */
    const char *config_id;       /* keepalived's -i: the word `@word` lines are compared
                                    with; NULL: the host name up to its first '.' */
    const char *const *env;      /* haproxy's "${VAR}": NAME=VALUE strings, NULL-terminated;
                                    NULL: the process environment */
    enum cfg_facts facts;        /* machine facts: skip, warn or error */
    const struct cfg_host *host; /* NULL: cfg_host_system() */
    bool no_include;             /* keepalived's `include` is an error: nothing
                                    but the given texts is read (fuzzing) */
};

/* Load a configuration from its sources into one model: the native loader,
 * or the importers (keepalived.conf, haproxy.cfg, then their meeting point:
 * a track_script that only checks that haproxy runs becomes track_proxy),
 * then validation and the machine facts. Same contract as cfg_load_file:
 * 0 and *out, or -1, *out NULL and errors in d; warnings either way. */
int imp_load(const struct imp_sources *src, struct cfg **out, struct cfg_diags *d);

/* The same with the texts given (tests, fuzzing): name is used in messages
 * and for relative includes; a NULL text (or name) means that input is
 * absent. src->native, src->keepalived and src->haproxy are not read. */
struct imp_text {
    const char *name;
    const char *buf;
    size_t len;
};
int imp_load_texts(const struct imp_text *keepalived, const struct imp_text *haproxy,
                   const struct imp_sources *src, struct cfg **out, struct cfg_diags *d);

/* "FILE", or "KEEPALIVED + HAPROXY", for logs and status. Returns buf. */
const char *imp_describe(const struct imp_sources *src, char *buf, size_t len);

#endif
