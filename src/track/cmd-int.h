/* track cmd: building a command line, finding who runs it, and keepalived's
 * enable_script_security check. Helpers fill a caller's error buffer and
 * never log. */
#ifndef HAPLANE_TRACK_CMD_INT_H
#define HAPLANE_TRACK_CMD_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "conf/conf-t.h"

/* Slots track_argv_fill needs for cmd + extra, the final NULL included
 * (0 when cmd has no argv). extra is NULL-terminated, or NULL. Pure. */
size_t track_argv_slots(const struct cfg_cmd *cmd, const char *const extra[]);

/* out[] = cmd->argv..., extra..., NULL. The strings are borrowed, not
 * copied. Returns the argument count (final NULL excluded), or -1 when cmd
 * has no argv or outlen < track_argv_slots(). Pure. */
int track_argv_fill(const struct cfg_cmd *cmd, const char *const extra[], char **out,
                    size_t outlen);

/* Who a command runs as. */
struct track_runas {
    uid_t uid;
    gid_t gid;
    bool set_ids; /* differs from the daemon's own ids: drop to them */
    char user[33];
};

/* USER [GROUP] -> ids (getpwnam_r / getgrnam_r; group: the user's primary
 * group when NULL). Returns 0, or -1 with err ("user X does not exist"). */
int track_runas_lookup(const char *user, const char *group, struct track_runas *ra, char *err,
                       size_t errlen);
/* The daemon's own ids (keepalived's last resort). */
void track_runas_self(struct track_runas *ra);

/* Why a path component with status st makes a script run as root unsafe,
 * or NULL when it does not (keepalived 2.2.7 lib/notify.c check_security):
 * not a directory (inner component) or not a regular file / symlink (last
 * one); owned by a non-root user; a regular file, or a directory without the
 * sticky bit, writable by a non-root group or by others. Pure. */
const char *track_stat_unsafe(const struct stat *st, bool last);

/* Every command (vrrp_script, notify) starts with track_envp
 * (PATH=TRACK_PATH) and nothing else, and a bare command name is looked up
 * in TRACK_PATH, never in the daemon's PATH; the config check looks there
 * too (conf/host.c). keepalived documents no variable of its own for
 * scripts. */
#define TRACK_PATH CFG_CMD_PATH
extern char *const track_envp[];

/* The program argv0 names: argv0 itself when it has a '/', else the first
 * match in TRACK_PATH. Returns 0 with the path in buf, or -1 with errno
 * (ENOENT, ENAMETOOLONG). */
int track_resolve(const char *argv0, char *buf, size_t len);

/* "cannot start ARGV0: REASON" for errno e from starting argv0 (a bare
 * name that is not found says where it was looked for). Pure. */
void track_start_error(const char *argv0, int e, char *buf, size_t len);

/* Find name (no '/') in the colon-separated path list like execvp does
 * (empty entries mean the current directory): the first executable regular
 * file. Returns 0 with the full path in buf, or -1 (ENOENT, ENAMETOOLONG). */
int track_path_search(const char *name, const char *path, char *buf, size_t len);

/* enable_script_security for argv0 run as ra. A command that runs as uid 0
 * or gid 0 (or is set-uid/gid root), or any command when always (the
 * daemon dropped to run_as and the command runs as that user: whoever can
 * rewrite it can signal and outlast the daemon), must not be reachable
 * through a path any component of which (as written and after resolving
 * symlinks) is unsafe by track_stat_unsafe. Returns 0 when safe (or not
 * checked), -1 when unsafe, not found or unreadable, with the reason in why. */
int track_secure_check(const char *argv0, const struct track_runas *ra, bool always, char *why,
                       size_t len);

#endif
