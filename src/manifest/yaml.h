/* yaml: the one piece of YAML syntax `haplane manifest` needs: a string
 * written as a double-quoted scalar (YAML 1.2 section 7.3.1, read the same
 * way by YAML 1.1 parsers such as PyYAML and by Kubernetes' sigs.k8s.io/yaml).
 * Everything else in the manifest is fixed keys, integers and booleans that
 * the writer spells out itself. Pure: no I/O, no globals. */
#ifndef HAPLANE_MANIFEST_YAML_H
#define HAPLANE_MANIFEST_YAML_H

#include "util/sbuf.h"

/* Append s to b as a double-quoted YAML scalar, quotes included.
 * Printable characters are written as they are (UTF-8 stays UTF-8); '"' and
 * '\' are escaped; tab, newline, CR and the other C0 controls, DEL, the C1
 * controls, U+2028/U+2029 (line breaks to some parsers), U+FEFF and the
 * non-characters U+FFFE/U+FFFF are written as escapes, so the scalar is
 * always one line of printable text and reads back as exactly s.
 * Returns 0, or -1 when s is not valid UTF-8 (an overlong form, a surrogate,
 * a code point above U+10FFFF, a truncated sequence): YAML has no escape for
 * a raw byte, so such a string cannot be written; b is left as it was. */
int mf_yaml_quote(struct sbuf *b, const char *s);

/* Append the n bytes at s as the text of a comment: printable UTF-8 is kept,
 * and every byte that YAML could read as a line break (LF, CR, NEL, U+2028,
 * U+2029) or that is not printable or not valid UTF-8 becomes '?', so the
 * text can never end the comment. */
void mf_yaml_comment(struct sbuf *b, const char *s, size_t n);

#endif
