/* caps: which Linux capabilities `haplane run` needs for a configuration,
 * so that the static pod drops every capability and adds back only those.
 * Pure: reads the model, no I/O, no globals.
 *
 * The rules (docs/operations.md, "Running as a static pod"):
 *   NET_ADMIN, NET_RAW    a vrrp_instance: the VIP through rtnetlink; VRRP's
 *                         raw socket, gratuitous ARP, unsolicited NA
 *   NET_BIND_SERVICE      a proxy bind on a port below 1024, or an instance
 *                         with `quorum on` and a quorum_port below 1024
 *   SETUID, SETGID, KILL  a command that runs as a user other than root (a
 *                         tracked vrrp_script or a notify command, with its
 *                         own `user` or global_defs script_user): starting it
 *                         as that user, killing it on its timeout. With only
 *                         a group other than root: SETGID alone.
 *   SYS_NICE              global_defs `realtime on` (SCHED_RR; a container
 *                         has no RLIMIT_RTPRIO to use instead)
 *   IPC_LOCK              global_defs `mlockall on` (above RLIMIT_MEMLOCK)
 * A command without any user runs as the daemon's user (keepalived's rule
 * when no keepalived_script user exists), root in the pod: no capability.
 *
 * With global_defs `run_as USER` the daemon drops from root to USER at
 * start (priv/priv.h), and every command runs as USER:
 *   SETUID, SETGID, SETPCAP  the drop itself (setgroups, setresgid,
 *                         setresuid; reducing the bounding set), gone from
 *                         the process right after it
 *   SYS_RESOURCE          `realtime on` / `mlockall on`: raising
 *                         RLIMIT_RTPRIO / RLIMIT_MEMLOCK before the drop
 *                         (SYS_NICE / IPC_LOCK would not survive it)
 * and no capability for the commands' users (they run as USER: KILL is not
 * needed either). */
#ifndef HAPLANE_MANIFEST_CAPS_H
#define HAPLANE_MANIFEST_CAPS_H

#include <stddef.h>

#include "conf/conf-t.h"

enum mf_cap {
    MF_CAP_NET_ADMIN = 0,
    MF_CAP_NET_RAW,
    MF_CAP_NET_BIND_SERVICE,
    MF_CAP_SETUID,
    MF_CAP_SETGID,
    MF_CAP_KILL,
    MF_CAP_SYS_NICE,
    MF_CAP_IPC_LOCK,
    MF_CAP_SETPCAP,
    MF_CAP_SYS_RESOURCE,
    MF_CAP_COUNT
};

#define MF_CAP_WHY_LEN 160

/* The capabilities cfg needs: bit (1u << cap) set in `set`, and for each
 * one set, why[cap] says which item of the configuration needs it
 * ("proxy apiserver binds port 443"); the first such item is named. */
struct mf_caps {
    unsigned set;
    char why[MF_CAP_COUNT][MF_CAP_WHY_LEN];
};

/* Fill out from cfg (out is overwritten). */
void mf_caps_derive(const struct cfg *cfg, struct mf_caps *out);

/* Kubernetes' spelling without CAP_: "NET_ADMIN". */
const char *mf_cap_name(enum mf_cap c);

#endif
