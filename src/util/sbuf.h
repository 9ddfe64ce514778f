/* sbuf: a growable byte buffer for building replies, JSON and log lines.
 * Owns its memory; sbuf_free releases it. On allocation failure the buffer
 * is marked failed and further appends are dropped (check sbuf->failed). */
#ifndef HAPLANE_UTIL_SBUF_H
#define HAPLANE_UTIL_SBUF_H

#include <stdarg.h>
#include <stddef.h>

struct sbuf {
    char *buf;
    size_t len, cap;
    int failed;
};

void sbuf_init(struct sbuf *b);
void sbuf_free(struct sbuf *b);
void sbuf_reset(struct sbuf *b);
void sbuf_add(struct sbuf *b, const void *p, size_t n);
void sbuf_puts(struct sbuf *b, const char *s);
void sbuf_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append s as a JSON string literal, quotes included. */
void sbuf_json_str(struct sbuf *b, const char *s);
/* NUL-terminated contents ("" when empty). */
const char *sbuf_str(struct sbuf *b);

#endif
