/* json: reading the daemon's own status document (the one `haplane status
 * --json` prints), so that the metrics and the status page are rendered
 * from that model and not from a second copy of the state.
 *
 * Pure: jansson parses the text, and the tree is kept as an array of nodes
 * for the readers below; no I/O. Depth and node count are bounded;
 * anything malformed is an error with a message, never a crash.
 */
#ifndef HAPLANE_METRICS_JSON_H
#define HAPLANE_METRICS_JSON_H

#include <stdbool.h>
#include <stddef.h>

enum mx_jtype { MX_J_NULL, MX_J_FALSE, MX_J_TRUE, MX_J_NUM, MX_J_STR, MX_J_ARR, MX_J_OBJ };

struct mx_jnode {
    enum mx_jtype type;
    const char *key; /* member name inside an object, else NULL */
    const char *str; /* MX_J_STR: the unescaped text (NUL-terminated) */
    double num;      /* MX_J_NUM */
    int child;       /* first element or member, -1 when none */
    int next;        /* next sibling, -1 when last */
};

struct mx_json {
    struct mx_jnode *v; /* v[0] is the root */
    int n, cap;
    void *root; /* the jansson tree the strings point into */
};

#define MX_JSON_DEPTH 32

/* Parse text[0..len) (text[len] must be writable and is set to NUL). 0, or -1 with a message in
 * err; free with mx_json_free either way. */
int mx_json_parse(struct mx_json *j, char *text, size_t len, char *err, size_t errlen);
void mx_json_free(struct mx_json *j);

/* The member `key` of object node obj, or -1 (also when obj is -1 or not an
 * object). A dotted path ("counters.adverts_rx") walks nested objects. */
int mx_json_get(const struct mx_json *j, int obj, const char *path);
/* The number at path (true = 1, false = 0), or dflt when absent or not a
 * number or boolean. */
double mx_json_num(const struct mx_json *j, int obj, const char *path, double dflt);
/* The string at path, or dflt. */
const char *mx_json_str(const struct mx_json *j, int obj, const char *path, const char *dflt);
/* Is the value at path true? */
bool mx_json_true(const struct mx_json *j, int obj, const char *path);

/* Iterate the children of an array or object: for (int c = mx_json_first(j, a); c >= 0; c =
 * j->v[c].next) */
int mx_json_first(const struct mx_json *j, int node);

#endif
