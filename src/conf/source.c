/* source: the only file-system access of src/conf: reading configuration
 * files and expanding `include` patterns. Everything else works on buffers.
 */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/conf-int.h"

#define MAX_FILE_SIZE (16u << 20)

/* Read up to len bytes; *got says how many came (a file may shrink). */
static int read_all(int fd, char *buf, size_t len, size_t *got)
{
    *got = 0;
    while (*got < len) {
        ssize_t r = read(fd, buf + *got, len - *got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        *got += (size_t)r;
    }
    buf[*got] = '\0';
    return 0;
}

int cfg_read_file(const char *path, char **buf, size_t *len, dev_t *dev, ino_t *ino, char *err,
                  size_t errlen)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    char *b;
    size_t got;

    if (fd < 0 || fstat(fd, &st) < 0) {
        snprintf(err, errlen, "cannot open '%s': %s", path, strerror(errno));
        goto fail;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "cannot read '%s': not a regular file", path);
        goto fail;
    }
    if ((uint64_t)st.st_size > MAX_FILE_SIZE) {
        snprintf(err, errlen, "cannot read '%s': larger than 16 MiB", path);
        goto fail;
    }
    b = malloc((size_t)st.st_size + 1);
    if (!b) {
        snprintf(err, errlen, "cannot read '%s': out of memory", path);
        goto fail;
    }
    if (read_all(fd, b, (size_t)st.st_size, &got) < 0) {
        snprintf(err, errlen, "cannot read '%s': %s", path, strerror(errno));
        free(b);
        goto fail;
    }
    close(fd);
    *buf = b;
    *len = got;
    *dev = st.st_dev;
    *ino = st.st_ino;
    return 0;
fail:
    if (fd >= 0)
        close(fd);
    return -1;
}

int cfg_file_id(const char *path, dev_t *dev, ino_t *ino)
{
    struct stat st;

    if (stat(path, &st) < 0)
        return -1;
    *dev = st.st_dev;
    *ino = st.st_ino;
    return 0;
}

int cfg_has_glob(const char *pattern)
{
    return strpbrk(pattern, "*?[") != NULL;
}

/* A relative pattern is taken relative to the directory of `from`. A
 * pattern without wildcards gives its path whether it exists or not, so that
 * reading it reports the real error. */
int cfg_glob(const char *from, const char *pattern, char ***paths, char *err, size_t errlen)
{
    const char *slash = strrchr(from, '/');
    char *full;
    glob_t g;
    int r, n;

    if (pattern[0] == '/' || !slash)
        full = strdup(pattern);
    else if (asprintf(&full, "%.*s/%s", (int)(slash - from), from, pattern) < 0)
        full = NULL;
    if (!full) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (!cfg_has_glob(pattern)) {
        *paths = calloc(1, sizeof(char *));
        if (!*paths) {
            free(full);
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        (*paths)[0] = full;
        return 1;
    }
    r = glob(full, 0, NULL, &g);
    free(full);
    if (r == GLOB_NOMATCH) {
        *paths = NULL;
        return 0;
    }
    if (r != 0) {
        snprintf(err, errlen, "cannot expand include pattern '%s'", pattern);
        return -1;
    }
    n = (int)g.gl_pathc;
    *paths = calloc((size_t)n, sizeof(char *));
    for (int i = 0; *paths && i < n; i++) {
        (*paths)[i] = strdup(g.gl_pathv[i]);
        if (!(*paths)[i]) {
            cfg_glob_free(*paths, i);
            *paths = NULL;
        }
    }
    globfree(&g);
    if (!*paths) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return n;
}

void cfg_glob_free(char **paths, int n)
{
    for (int i = 0; i < n; i++)
        free(paths[i]);
    free(paths);
}
