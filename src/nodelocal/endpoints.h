/* nl_endpoints: the API servers from the `kubernetes` Endpoints object
 * (GET /api/v1/namespaces/default/endpoints/kubernetes), parsed with
 * jansson (pure).
 *
 * Every address of every subset, with the subset's port named "https" (or
 * its only port): "IP:PORT", "[IPv6]:PORT", sorted and without duplicates,
 * so two answers compare with nl_list_equal. notReadyAddresses are left
 * out: the API server reconciler lists only serving masters.
 */
#ifndef HAPLANE_NODELOCAL_ENDPOINTS_H
#define HAPLANE_NODELOCAL_ENDPOINTS_H

#include <stdbool.h>
#include <stddef.h>

#define NL_MAX_SERVERS 64 /* = CFG_MAX_SERVERS */

struct nl_list {
    char *v[NL_MAX_SERVERS];
    size_t n;
};

/* Parse body (len bytes). Returns 0 with the list (at least one entry), or
 * -1 with a reason ("not JSON: ...", "kind is 'Status', expected
 * 'Endpoints'", "no address", "more than 64 addresses"). */
int nl_endpoints_parse(const char *body, size_t len, struct nl_list *out, char *err,
                       size_t errlen);

/* Sort and drop duplicates in place. */
void nl_list_sort(struct nl_list *l);
bool nl_list_equal(const struct nl_list *a, const struct nl_list *b);
bool nl_list_has(const struct nl_list *l, const char *s);
/* Copy (strings duplicated); -1 when out of memory (dst is then empty). */
int nl_list_copy(struct nl_list *dst, const struct nl_list *src);
void nl_list_free(struct nl_list *l);
/* "a, b, c" into buf. */
const char *nl_list_format(const struct nl_list *l, char *buf, size_t len);

#endif
