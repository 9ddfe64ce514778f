/* path: the file paths of a static pod. Pure: strings in, strings out; the
 * caller gives the working directory. */
#ifndef HAPLANE_MANIFEST_PATH_H
#define HAPLANE_MANIFEST_PATH_H

#include <stddef.h>

/* path as an absolute, clean path: relative ones are taken from cwd (which
 * must be absolute); "//", "." and ".." are resolved as text (Kubernetes
 * refuses a hostPath or mountPath with a ".." element), symbolic links are
 * kept. "/" stays "/"; no trailing '/'. Returns 0, or -1 when out is too
 * small or cwd is not absolute. */
int mf_path_abs(const char *path, const char *cwd, char *out, size_t len);

/* The part of path below dir ("a/b" for "/d/a/b" under "/d"), or NULL when
 * path is not strictly below dir. Both clean and absolute. */
const char *mf_path_below(const char *path, const char *dir);

/* 1 when path is in /bin, /sbin, /usr/bin or /usr/sbin (or below them):
 * a program the container image provides, not one mounted from the host. */
int mf_path_in_image(const char *path);

#endif
