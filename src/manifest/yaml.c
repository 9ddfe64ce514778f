/* yaml: double-quoted scalars; see yaml.h. */
#include "manifest/yaml.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Decode one UTF-8 sequence at s (s[0] >= 0x80). Returns its length and
 * the code point in *cp, or 0 when it is not a valid, shortest-form
 * sequence of a scalar value (RFC 3629 section 4). */
static size_t utf8_decode(const unsigned char *s, uint32_t *cp)
{
    size_t n;
    uint32_t c, min;
    if (s[0] >= 0xc2 && s[0] <= 0xdf)
        n = 2, c = s[0] & 0x1f, min = 0x80;
    else if (s[0] >= 0xe0 && s[0] <= 0xef)
        n = 3, c = s[0] & 0x0f, min = 0x800;
    else if (s[0] >= 0xf0 && s[0] <= 0xf4)
        n = 4, c = s[0] & 0x07, min = 0x10000;
    else
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80) /* also stops at the NUL */
            return 0;
        c = (c << 6) | (s[i] & 0x3f);
    }
    if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
        return 0;
    *cp = c;
    return n;
}

/* The escape for an ASCII byte that is not printable or not literal in a
 * double-quoted scalar, or NULL when c is written as it is. */
static const char *ascii_escape(unsigned char c, char *buf, size_t len)
{
    switch (c) {
    case '"':
        return "\\\"";
    case '\\':
        return "\\\\";
    case '\t':
        return "\\t";
    case '\n':
        return "\\n";
    case '\r':
        return "\\r";
    default:
        break;
    }
    if (c >= 0x20 && c < 0x7f)
        return NULL;
    snprintf(buf, len, "\\x%02x", c);
    return buf;
}

/* Whether code point c (>= 0x80) must be escaped: outside YAML's printable
 * set (C1 controls, U+FFFE, U+FFFF), or a line break or BOM to readers. */
static int needs_escape(uint32_t c)
{
    return c <= 0x9f || c == 0x2028 || c == 0x2029 || c == 0xfeff || c == 0xfffe || c == 0xffff;
}

int mf_yaml_quote(struct sbuf *b, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t start = b->len;
    char esc[16];
    sbuf_add(b, "\"", 1);
    while (*p) {
        if (*p < 0x80) {
            const char *e = ascii_escape(*p, esc, sizeof(esc));
            if (e)
                sbuf_puts(b, e);
            else
                sbuf_add(b, p, 1);
            p++;
            continue;
        }
        uint32_t cp;
        size_t n = utf8_decode(p, &cp);
        if (n == 0) {
            b->len = start; /* as it was */
            if (b->buf)
                b->buf[start] = 0;
            return -1;
        }
        if (!needs_escape(cp)) {
            sbuf_add(b, p, n);
        } else {
            snprintf(esc, sizeof(esc), cp <= 0xff ? "\\x%02x" : "\\u%04x", (unsigned)cp);
            sbuf_puts(b, esc);
        }
        p += n;
    }
    sbuf_add(b, "\"", 1);
    return 0;
}

void mf_yaml_comment(struct sbuf *b, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    while (p < end) {
        uint32_t cp = 0;
        size_t k = 1;
        if (*p >= 0x80) {
            /* utf8_decode stops at a NUL; a sequence cut by `end` is invalid */
            char tmp[5] = {0};
            memcpy(tmp, p, (size_t)(end - p) < 4 ? (size_t)(end - p) : 4);
            k = utf8_decode((const unsigned char *)tmp, &cp);
        }
        if (*p < 0x80 ? (*p < 0x20 || *p == 0x7f) : (k == 0 || needs_escape(cp))) {
            sbuf_add(b, "?", 1);
            p += k ? k : 1;
        } else {
            sbuf_add(b, p, k);
            p += k;
        }
    }
}
