/* path: see path.h. */
#include "manifest/path.h"

#include <stdio.h>
#include <string.h>

/* Append the element e (n bytes, not "." or "" ) to out (clean, length *o),
 * or drop the last element for "..". Returns 0, or -1 when out is full. */
static int push(char *out, size_t len, size_t *o, const char *e, size_t n)
{
    if (n == 2 && e[0] == '.' && e[1] == '.') {
        while (*o > 0 && out[*o - 1] != '/')
            (*o)--;
        if (*o > 0)
            (*o)--; /* the '/' before it; "/.." is "/" */
        return 0;
    }
    if (*o + 1 + n >= len)
        return -1;
    out[(*o)++] = '/';
    memcpy(out + *o, e, n);
    *o += n;
    return 0;
}

/* Append every element of p to out. */
static int push_all(char *out, size_t len, size_t *o, const char *p)
{
    while (*p) {
        size_t n = strcspn(p, "/");
        if (n > 0 && !(n == 1 && p[0] == '.') && push(out, len, o, p, n) < 0)
            return -1;
        p += n;
        p += strspn(p, "/");
    }
    return 0;
}

int mf_path_abs(const char *path, const char *cwd, char *out, size_t len)
{
    size_t o = 0;
    if (len < 2 || (path[0] != '/' && (!cwd || cwd[0] != '/')))
        return -1;
    if (path[0] != '/' && push_all(out, len, &o, cwd) < 0)
        return -1;
    if (push_all(out, len, &o, path) < 0)
        return -1;
    if (o == 0)
        out[o++] = '/';
    out[o] = 0;
    return 0;
}

const char *mf_path_below(const char *path, const char *dir)
{
    size_t n = strlen(dir);
    if (n == 1 && dir[0] == '/')
        return path[0] == '/' && path[1] ? path + 1 : NULL;
    if (strncmp(path, dir, n) != 0 || path[n] != '/' || !path[n + 1])
        return NULL;
    return path + n + 1;
}

int mf_path_in_image(const char *path)
{
    static const char *const dirs[] = {"/bin", "/sbin", "/usr/bin", "/usr/sbin"};
    for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
        if (mf_path_below(path, dirs[i]))
            return 1;
    return 0;
}
