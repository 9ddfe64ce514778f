/* manifest-int: what the files of src/manifest share: the plan (what the
 * pod mounts and runs, made from the model by plan.c) and its YAML writer
 * (write.c). */
#ifndef HAPLANE_MANIFEST_MANIFEST_INT_H
#define HAPLANE_MANIFEST_MANIFEST_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "conf/conf-t.h"
#include "manifest/caps.h"
#include "util/sbuf.h"

/* Where the binary is in the image (docs/operations.md: an image built with
 * `make install PREFIX=/usr`), and the pod's fixed paths. */
#define MF_BIN            "/usr/sbin/haplane"
#define MF_CONFIG_DEFAULT "/etc/haplane/haplane.conf"
#define MF_RUN_DIR        "/run/haplane"
#define MF_CONTROL        MF_RUN_DIR "/control.sock"
#define MF_PATH_MAX       4096

/* What `haplane manifest` was given. */
struct mf_opts {
    const char *image;       /* NULL: "haplane:" HAPLANE_VERSION */
    const char *config_path; /* native: where the file is on the node; NULL: default */
    const char *native;      /* -f FILE, as given; or NULL */
    const char *keepalived;  /* --keepalived FILE, or NULL */
    const char *haproxy;     /* --haproxy FILE, or NULL */
    const char *config_id;   /* --config-id, or NULL */
    const char *cwd;         /* absolute: relative paths of the above are taken from it */
};

enum mf_kind { MF_CONFIG = 0, MF_TLS, MF_SCRIPT, MF_USERS };

/* One host file, mounted read-only at the same path in the container. */
struct mf_mount {
    enum mf_kind kind;
    char *path; /* absolute, clean */
    char *why;  /* one line for the comment above it */
};

/* Everything the writer needs; mf_plan_free frees it. */
struct mf_plan {
    struct mf_mount *mounts;
    size_t nmounts;
    char **args; /* the container's args after the binary */
    size_t nargs;
    struct mf_caps caps;
    bool tmp;         /* commands run: an emptyDir on /tmp for them */
    unsigned grace_s; /* terminationGracePeriodSeconds */
    /* livenessProbe: httpGet on metrics_listen's /healthz when it is set
     * (live_port != 0; live_host "" for a wildcard address: the kubelet
     * then asks the pod IP, which is the node's), else exec `status` */
    char live_host[256];
    unsigned live_port;
    struct sbuf image_cmds;        /* comment lines: commands the image must provide */
    struct sbuf warnings;          /* lines for stderr */
    char source[MF_PATH_MAX + 64]; /* "FILE" or "KEEPALIVED + HAPROXY", absolute */
};

/* Make the plan for cfg loaded from o's sources. Returns 0, or -1 with the
 * reason in err (a relative TLS file or command path, a path too long, out
 * of memory). p is owned by the caller either way (mf_plan_free). */
int mf_plan_build(const struct cfg *cfg, const struct mf_opts *o, struct mf_plan *p, char *err,
                  size_t errlen);
void mf_plan_free(struct mf_plan *p);

/* Write the pod for plan p with image `image` to out. Returns 0, or -1 with
 * the reason in err (a string that is not UTF-8, out of memory). */
int mf_write(const struct mf_plan *p, const char *image, struct sbuf *out, char *err,
             size_t errlen);

#endif
