/* track cmd: see cmd.h. */
#include "track/cmd-int.h"

#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

size_t track_argv_slots(const struct cfg_cmd *cmd, const char *const extra[])
{
    if (!cmd || !cmd->argv || cmd->argc == 0)
        return 0;
    size_t n = cmd->argc + 1;
    for (size_t i = 0; extra && extra[i]; i++)
        n++;
    return n;
}

int track_argv_fill(const struct cfg_cmd *cmd, const char *const extra[], char **out, size_t outlen)
{
    size_t need = track_argv_slots(cmd, extra);
    if (need == 0 || outlen < need || need - 1 > INT_MAX)
        return -1;
    size_t k = 0;
    for (size_t i = 0; i < cmd->argc; i++)
        out[k++] = cmd->argv[i];
    for (size_t i = 0; extra && extra[i]; i++)
        out[k++] = (char *)extra[i];
    out[k] = NULL;
    return (int)k;
}

/* ---- what a command starts with ---- */

char *const track_envp[] = {"PATH=" TRACK_PATH, NULL};

int track_resolve(const char *argv0, char *buf, size_t len)
{
    if (strchr(argv0, '/')) {
        if ((size_t)snprintf(buf, len, "%s", argv0) < len)
            return 0;
        errno = ENAMETOOLONG;
        return -1;
    }
    return track_path_search(argv0, TRACK_PATH, buf, len);
}

void track_start_error(const char *argv0, int e, char *buf, size_t len)
{
    if (e == ENOENT && !strchr(argv0, '/'))
        snprintf(buf, len, "cannot start %s: not found in %s", argv0, TRACK_PATH);
    else
        snprintf(buf, len, "cannot start %s: %s", argv0, strerror(e));
}

/* ---- users ---- */

static size_t pw_buflen(void)
{
    long a = sysconf(_SC_GETPW_R_SIZE_MAX), b = sysconf(_SC_GETGR_R_SIZE_MAX);
    long m = a > b ? a : b;
    return m > 0 ? (size_t)m : 16384;
}

int track_runas_lookup(const char *user, const char *group, struct track_runas *ra, char *err,
                       size_t errlen)
{
    size_t blen = pw_buflen();
    char *buf = malloc(blen);
    struct passwd pw, *pwp = NULL;
    struct group gr, *grp = NULL;
    int rc = -1;
    if (!buf) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int e = getpwnam_r(user, &pw, buf, blen, &pwp);
    if (e || !pwp) {
        snprintf(err, errlen, "user %s %s", user, e ? strerror(e) : "does not exist");
        goto out;
    }
    ra->uid = pw.pw_uid;
    ra->gid = pw.pw_gid;
    if (group) {
        e = getgrnam_r(group, &gr, buf, blen, &grp);
        if (e || !grp) {
            snprintf(err, errlen, "group %s %s", group, e ? strerror(e) : "does not exist");
            goto out;
        }
        ra->gid = gr.gr_gid;
    }
    ra->set_ids = ra->uid != geteuid() || ra->gid != getegid();
    snprintf(ra->user, sizeof(ra->user), "%s", user);
    rc = 0;
out:
    free(buf);
    return rc;
}

void track_runas_self(struct track_runas *ra)
{
    ra->uid = geteuid();
    ra->gid = getegid();
    ra->set_ids = false;
    struct passwd *pw = getpwuid(ra->uid);
    if (pw)
        snprintf(ra->user, sizeof(ra->user), "%s", pw->pw_name);
    else
        snprintf(ra->user, sizeof(ra->user), "%u", (unsigned)ra->uid);
}

/* ---- enable_script_security ---- */

const char *track_stat_unsafe(const struct stat *st, bool last)
{
    if (!last && !S_ISDIR(st->st_mode))
        return "not a directory";
    if (last && !S_ISREG(st->st_mode) && !S_ISLNK(st->st_mode))
        return "not a regular file";
    if (st->st_uid != 0)
        return "owned by a non-root user";
    bool guarded = S_ISREG(st->st_mode) || (S_ISDIR(st->st_mode) && !(st->st_mode & S_ISVTX));
    if (guarded && st->st_gid != 0 && (st->st_mode & S_IWGRP))
        return "writable by a non-root group";
    if (guarded && (st->st_mode & S_IWOTH))
        return "writable by others";
    return NULL;
}

int track_path_search(const char *name, const char *path, char *buf, size_t len)
{
    if (!path)
        path = "/bin:/usr/bin";
    for (const char *p = path;; p++) {
        const char *end = strchrnul(p, ':');
        int n = end == p ? snprintf(buf, len, "%s", name)
                         : snprintf(buf, len, "%.*s/%s", (int)(end - p), p, name);
        struct stat st;
        if (n >= 0 && (size_t)n < len && stat(buf, &st) == 0 && S_ISREG(st.st_mode) &&
            access(buf, X_OK) == 0)
            return 0;
        if (!*end)
            break;
        p = end;
    }
    errno = ENOENT;
    return -1;
}

/* Every prefix of path ("/", "/usr", "/usr/bin", "/usr/bin/x"), not
 * following symlinks, must pass track_stat_unsafe. */
static int walk_path(const char *path, char *why, size_t len)
{
    char pfx[PATH_MAX];
    size_t n = strlen(path);
    if (n >= sizeof(pfx)) {
        snprintf(why, len, "%s: path too long", path);
        return -1;
    }
    for (size_t i = 0; i <= n; i++) {
        bool last = i == n;
        if (!last && path[i] != '/')
            continue;
        if (!last && i + 1 < n && path[i + 1] == '/')
            continue;                 /* "a//b": one component */
        size_t plen = i == 0 ? 1 : i; /* keep "/" itself for the root */
        if (last && i > 0 && path[i - 1] == '/')
            break; /* trailing slash: already checked */
        memcpy(pfx, path, plen);
        pfx[plen] = 0;
        struct stat st;
        if (lstat(pfx, &st) < 0) {
            snprintf(why, len, "%s: %s", pfx, strerror(errno));
            return -1;
        }
        const char *bad = track_stat_unsafe(&st, last);
        if (bad) {
            snprintf(why, len, "%s is %s", pfx, bad);
            return -1;
        }
    }
    return 0;
}

int track_secure_check(const char *argv0, const struct track_runas *ra, bool always, char *why,
                       size_t len)
{
    char path[PATH_MAX];
    if (track_resolve(argv0, path, sizeof(path)) < 0) {
        snprintf(why, len, "%s not found in %s", argv0, TRACK_PATH);
        return -1;
    }
    struct stat st;
    if (stat(path, &st) < 0) {
        snprintf(why, len, "%s: %s", path, strerror(errno));
        return -1;
    }
    bool root = always || ra->uid == 0 || ra->gid == 0 ||
                (st.st_uid == 0 && (st.st_mode & S_ISUID) && (st.st_mode & S_IXUSR)) ||
                (st.st_gid == 0 && (st.st_mode & S_ISGID) && (st.st_mode & S_IXGRP));
    if (!root)
        return 0;
    if (walk_path(path, why, len) < 0)
        return -1;
    char *real = realpath(path, NULL);
    if (!real) {
        snprintf(why, len, "%s: %s", path, strerror(errno));
        return -1;
    }
    int rc = strcmp(real, path) == 0 ? 0 : walk_path(real, why, len);
    free(real);
    return rc;
}
