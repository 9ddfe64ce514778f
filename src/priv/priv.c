/* priv: see priv.h. Raw capget/capset system calls (linux/capability.h),
 * no libcap: the three calls needed do not justify a library. */
#include "priv/priv.h"

#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static size_t pw_buflen(void)
{
    long a = sysconf(_SC_GETPW_R_SIZE_MAX), b = sysconf(_SC_GETGR_R_SIZE_MAX);
    long m = a > b ? a : b;
    return m > 0 && m < (1 << 20) ? (size_t)m : 16384;
}

int priv_lookup(const char *user, const char *group, struct priv_ids *ids, char *err, size_t errlen)
{
    size_t blen = pw_buflen();
    char *buf = malloc(blen);
    struct passwd pw, *pwp = NULL;
    struct group gr, *grp = NULL;
    int rc = -1, e;
    memset(ids, 0, sizeof(*ids));
    if (!buf) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    e = getpwnam_r(user, &pw, buf, blen, &pwp);
    if (e || !pwp) {
        snprintf(err, errlen, "run_as: user %s %s", user, e ? strerror(e) : "does not exist");
        goto out;
    }
    ids->uid = pw.pw_uid;
    ids->gid = pw.pw_gid;
    snprintf(ids->user, sizeof(ids->user), "%s", user);
    if (group) {
        e = getgrnam_r(group, &gr, buf, blen, &grp);
        if (e || !grp) {
            snprintf(err, errlen, "run_as: group %s %s", group, e ? strerror(e) : "does not exist");
            goto out;
        }
        ids->gid = gr.gr_gid;
        snprintf(ids->group, sizeof(ids->group), "%s", group);
    } else {
        e = getgrgid_r(ids->gid, &gr, buf, blen, &grp);
        if (!e && grp)
            snprintf(ids->group, sizeof(ids->group), "%s", gr.gr_name);
        else
            snprintf(ids->group, sizeof(ids->group), "%u", (unsigned)ids->gid);
    }
    if (ids->uid == 0 || ids->gid == 0) {
        snprintf(err, errlen, "run_as: %s %s is %s 0: that is not dropping anything",
                 ids->uid == 0 ? "user" : "group", ids->uid == 0 ? user : ids->group,
                 ids->uid == 0 ? "uid" : "gid");
        goto out;
    }
    rc = 0;
out:
    free(buf);
    return rc;
}

/* The highest capability number this kernel knows. */
static int last_cap(void)
{
    FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
    int n = -1;
    if (f) {
        if (fscanf(f, "%d", &n) != 1)
            n = -1;
        fclose(f);
    }
    return n >= 0 && n < 64 ? n : CAP_LAST_CAP;
}

static int capset_mask(uint64_t eff, uint64_t prm, uint64_t inh)
{
    struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct d[2];
    memset(d, 0, sizeof(d));
    d[0].effective = (uint32_t)eff;
    d[1].effective = (uint32_t)(eff >> 32);
    d[0].permitted = (uint32_t)prm;
    d[1].permitted = (uint32_t)(prm >> 32);
    d[0].inheritable = (uint32_t)inh;
    d[1].inheritable = (uint32_t)(inh >> 32);
    return (int)syscall(SYS_capset, &h, d);
}

static int capget_mask(uint64_t *eff, uint64_t *prm, uint64_t *inh)
{
    struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct d[2];
    memset(d, 0, sizeof(d));
    if (syscall(SYS_capget, &h, d) < 0)
        return -1;
    *eff = d[0].effective | (uint64_t)d[1].effective << 32;
    *prm = d[0].permitted | (uint64_t)d[1].permitted << 32;
    *inh = d[0].inheritable | (uint64_t)d[1].inheritable << 32;
    return 0;
}

#define FAIL(...)                                                                                  \
    do {                                                                                           \
        snprintf(err, errlen, __VA_ARGS__);                                                        \
        return -1;                                                                                 \
    } while (0)

int priv_drop(const struct priv_ids *ids, bool *bset_kept, char *err, size_t errlen)
{
    int top = last_cap();
    *bset_kept = false;
    if (geteuid() != 0)
        FAIL("run_as %s: haplane runs as uid %u, not root: start it as root (it drops to %s "
             "itself after opening what needs root) or remove run_as",
             ids->user, (unsigned)geteuid(), ids->user);
    /* 1. the bounding set: only the three (needs CAP_SETPCAP, which root
     * may lack under a service manager or in a container) */
    for (int c = 0; c <= top; c++) {
        if (PRIV_KEEP_MASK & (UINT64_C(1) << c))
            continue;
        int in = prctl(PR_CAPBSET_READ, (unsigned long)c, 0, 0, 0);
        if (in <= 0)
            continue;
        if (prctl(PR_CAPBSET_DROP, (unsigned long)c, 0, 0, 0) < 0) {
            if (errno != EPERM)
                FAIL("run_as: dropping capability %d from the bounding set: %s", c,
                     strerror(errno));
            *bset_kept = true;
            break;
        }
    }
    /* 2. keep the permitted set across the change of uid */
    if (prctl(PR_SET_KEEPCAPS, 1L, 0, 0, 0) < 0)
        FAIL("run_as: PR_SET_KEEPCAPS: %s", strerror(errno));
    /* 3. groups, then gid, then uid (each needs what the next takes away) */
    if (setgroups(1, &ids->gid) < 0)
        FAIL("run_as: setgroups(%u): %s", (unsigned)ids->gid, strerror(errno));
    if (setresgid(ids->gid, ids->gid, ids->gid) < 0)
        FAIL("run_as: setresgid(%u): %s", (unsigned)ids->gid, strerror(errno));
    if (setresuid(ids->uid, ids->uid, ids->uid) < 0)
        FAIL("run_as: setresuid(%u): %s", (unsigned)ids->uid, strerror(errno));
    /* 4. permitted and effective: the three; inheritable and ambient: none */
    if (capset_mask(PRIV_KEEP_MASK, PRIV_KEEP_MASK, 0) < 0)
        FAIL("run_as: capset(" PRIV_KEEP_NAMES "): %s (were they in the bounding set "
             "haplane was started with?)",
             strerror(errno));
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
        FAIL("run_as: clearing the ambient set: %s", strerror(errno));
    if (prctl(PR_SET_KEEPCAPS, 0L, 0, 0, 0) < 0)
        FAIL("run_as: PR_SET_KEEPCAPS 0: %s", strerror(errno));
    if (prctl(PR_SET_NO_NEW_PRIVS, 1L, 0, 0, 0) < 0)
        FAIL("run_as: PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
    /* 5. check what the kernel says, and that there is no way back */
    uid_t r, e, s;
    gid_t gr, ge, gs;
    uint64_t eff, prm, inh;
    if (getresuid(&r, &e, &s) < 0 || r != ids->uid || e != ids->uid || s != ids->uid ||
        getresgid(&gr, &ge, &gs) < 0 || gr != ids->gid || ge != ids->gid || gs != ids->gid)
        FAIL("run_as: the user or group ids did not all change to %u:%u", (unsigned)ids->uid,
             (unsigned)ids->gid);
    if (capget_mask(&eff, &prm, &inh) < 0 || eff != PRIV_KEEP_MASK || prm != PRIV_KEEP_MASK ||
        inh != 0)
        FAIL("run_as: capabilities are not the three expected after the drop");
    if (setuid(0) == 0 || setgid(0) == 0)
        FAIL("run_as: could become root again after the drop");
    return 0;
}
