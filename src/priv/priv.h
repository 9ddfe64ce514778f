/* priv: least privilege for `haplane run` (global_defs run_as USER [GROUP]).
 *
 * Started as root, the daemon drops, before any thread exists (Linux keeps
 * capabilities, the bounding set, keep-caps and no_new_privs per thread: a
 * worker started earlier would keep root's), to USER with USER's primary
 * group (or GROUP) and no supplementary groups, keeping exactly
 * CAP_NET_ADMIN (VIPs over rtnetlink), CAP_NET_RAW (VRRP raw sockets,
 * SO_BINDTODEVICE, gratuitous ARP, unsolicited NA) and CAP_NET_BIND_SERVICE
 * (a reload that binds a port below 1024) in the permitted and effective
 * sets. The inheritable and ambient sets are empty and the bounding set
 * holds those three only, so a command the daemon runs (vrrp_script,
 * notify) starts with no capability at all; PR_SET_NO_NEW_PRIVS keeps
 * set-uid programs and file capabilities from giving any back.
 */
#ifndef HAPLANE_PRIV_PRIV_H
#define HAPLANE_PRIV_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Who to become. */
struct priv_ids {
    uid_t uid;
    gid_t gid;
    char user[64], group[64];
};

/* The capability numbers kept, as a mask (bit n = capability n). */
#define PRIV_KEEP_MASK                                                                             \
    ((UINT64_C(1) << 12) /* CAP_NET_ADMIN */ | (UINT64_C(1) << 13) /* CAP_NET_RAW */ |             \
     (UINT64_C(1) << 10) /* CAP_NET_BIND_SERVICE */)
#define PRIV_KEEP_NAMES "CAP_NET_ADMIN, CAP_NET_RAW, CAP_NET_BIND_SERVICE"

/* USER [GROUP] -> ids (group NULL: USER's primary group). Returns 0, or -1
 * with err ("run_as: user haplane does not exist"). */
int priv_lookup(const char *user, const char *group, struct priv_ids *ids, char *err,
                size_t errlen);

/* Drop to ids as described above; the process must run as root (euid 0),
 * with CAP_SETUID and CAP_SETGID (CAP_SETPCAP for the bounding set: without
 * it the bounding set stays as it was and *bset_kept is set; no_new_privs
 * still keeps an exec from gaining anything). Returns 0, or -1 with err;
 * on -1 the process may be half-dropped and must exit. */
int priv_drop(const struct priv_ids *ids, bool *bset_kept, char *err, size_t errlen);

#endif
