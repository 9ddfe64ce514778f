/* write: the pod as YAML. Keys are fixed and written plain; every string
 * value goes through mf_yaml_quote; integers and booleans are written as
 * YAML's core schema reads them. Indentation: two spaces, list items at
 * their parent key's level (what kubectl writes). */
#include "manifest/manifest-int.h"

#include <stdio.h>
#include <string.h>

#include "manifest/yaml.h"

struct w {
    struct sbuf *b;
    const char *bad; /* the first string that could not be written */
};

/* key: "value" at indent (key may start with "- "). */
static void kv(struct w *w, int indent, const char *key, const char *value)
{
    sbuf_printf(w->b, "%*s%s: ", indent, "", key);
    if (mf_yaml_quote(w->b, value) < 0 && !w->bad)
        w->bad = value;
    sbuf_puts(w->b, "\n");
}

/* - "value" */
static void item(struct w *w, int indent, const char *value)
{
    sbuf_printf(w->b, "%*s- ", indent, "");
    if (mf_yaml_quote(w->b, value) < 0 && !w->bad)
        w->bad = value;
    sbuf_puts(w->b, "\n");
}

/* # text, one comment line per line of text (names and paths from the
 * configuration: nothing in them can end the comment). */
static void comment(struct w *w, int indent, const char *text)
{
    while (*text) {
        size_t n = strcspn(text, "\n");
        sbuf_printf(w->b, "%*s# ", indent, "");
        mf_yaml_comment(w->b, text, n);
        sbuf_puts(w->b, "\n");
        text += n + (text[n] == '\n');
    }
}

static void header(struct w *w, const struct mf_plan *p)
{
    sbuf_puts(w->b, "# haplane as a static pod: /etc/kubernetes/manifests/haplane.yaml\n");
    sbuf_printf(w->b, "# made by `haplane manifest` (haplane %s) from\n", HAPLANE_VERSION);
    comment(w, 0, p->source);
    sbuf_puts(w->b, "# Every file below is mounted read-only from the host at the same path,\n"
                    "# so it must exist there. Regenerate after changing the configuration.\n"
                    "apiVersion: \"v1\"\n"
                    "kind: \"Pod\"\n"
                    "metadata:\n");
    kv(w, 2, "name", "haplane");
    kv(w, 2, "namespace", "kube-system");
    sbuf_puts(w->b, "  labels:\n");
    kv(w, 4, "component", "haplane");
    kv(w, 4, "tier", "control-plane");
    kv(w, 4, "app.kubernetes.io/name", "haplane");
}

static void pod_spec(struct w *w, const struct mf_plan *p, const char *image)
{
    sbuf_puts(w->b, "spec:\n"
                    "  # VRRP, the VIP and the proxy's listeners live in the node's network\n"
                    "  hostNetwork: true\n"
                    "  # static pods start before cluster DNS exists, and cluster DNS needs the\n"
                    "  # API server this pod fronts: resolve names with the node's resolv.conf\n");
    kv(w, 2, "dnsPolicy", "Default");
    sbuf_puts(w->b, "  # the kubelet never evicts it; the value kubeadm gives its control plane\n");
    kv(w, 2, "priorityClassName", "system-node-critical");
    sbuf_puts(w->b, "  priority: 2000001000\n");
    sbuf_printf(w->b,
                "  # SIGTERM: the VIP is handed over, then connections close over the\n"
                "  # longest `timeout drain` (+10 s)\n"
                "  terminationGracePeriodSeconds: %u\n",
                p->grace_s);
    if (p->image_cmds.len) {
        sbuf_puts(w->b, "  # commands the image must provide (not mounted from the host):\n");
        comment(w, 2, p->image_cmds.buf);
    }
    sbuf_puts(w->b, "  containers:\n");
    kv(w, 2, "- name", "haplane");
    kv(w, 4, "image", image);
    kv(w, 4, "imagePullPolicy", "IfNotPresent");
}

static void security(struct w *w, const struct mf_plan *p)
{
    sbuf_puts(w->b, "    securityContext:\n"
                    "      # root in the container, but with only the capabilities added below:\n"
                    "      # Kubernetes gives a non-root user none of them\n"
                    "      runAsUser: 0\n"
                    "      privileged: false\n"
                    "      allowPrivilegeEscalation: false\n"
                    "      readOnlyRootFilesystem: true\n"
                    "      capabilities:\n"
                    "        drop:\n");
    item(w, 8, "ALL");
    if (!p->caps.set) {
        sbuf_puts(w->b, "        add: []\n");
        return;
    }
    sbuf_puts(w->b, "        add:\n");
    for (int c = 0; c < MF_CAP_COUNT; c++) {
        if (!(p->caps.set & (1u << c)))
            continue;
        comment(w, 8, p->caps.why[c]);
        item(w, 8, mf_cap_name((enum mf_cap)c));
    }
}

/* exec `haplane status`: exit 0 when the main loop (VRRP, checks, control
 * socket) answers. */
static void probe(struct w *w, const char *name, int period, int timeout, int failures)
{
    sbuf_printf(w->b, "    %s:\n      exec:\n        command:\n", name);
    item(w, 8, MF_BIN);
    item(w, 8, "status");
    item(w, 8, "--control");
    item(w, 8, MF_CONTROL);
    sbuf_printf(w->b,
                "      periodSeconds: %d\n      timeoutSeconds: %d\n      failureThreshold: %d\n",
                period, timeout, failures);
}

static void http_probe(struct w *w, const struct mf_plan *p, const char *name, int period,
                       int timeout, int failures)
{
    sbuf_printf(w->b, "    %s:\n      httpGet:\n", name);
    if (p->live_host[0])
        kv(w, 8, "host", p->live_host);
    kv(w, 8, "path", "/healthz");
    sbuf_printf(w->b, "        port: %u\n        scheme: HTTP\n", p->live_port);
    sbuf_printf(w->b,
                "      periodSeconds: %d\n      timeoutSeconds: %d\n      failureThreshold: %d\n",
                period, timeout, failures);
}

static void resources(struct w *w)
{
    sbuf_puts(w->b, "    # no CPU limit: CFS throttling would delay the VRRP timers (a late\n"
                    "    # advert is a spurious failover); the request is the CPU weight under\n"
                    "    # contention. Idle RSS is ~7 MiB; the limit only contains a runaway.\n"
                    "    resources:\n      requests:\n");
    kv(w, 8, "cpu", "100m");
    kv(w, 8, "memory", "64Mi");
    sbuf_puts(w->b, "      limits:\n");
    kv(w, 8, "memory", "512Mi");
}

static const char *const kind_names[] = {"config", "tls", "script", "users"};

static void mounts(struct w *w, const struct mf_plan *p)
{
    char name[32];
    unsigned idx[4] = {0};
    sbuf_puts(w->b, "    volumeMounts:\n");
    for (size_t i = 0; i < p->nmounts; i++) {
        const struct mf_mount *m = &p->mounts[i];
        snprintf(name, sizeof(name), "%s-%u", kind_names[m->kind], idx[m->kind]++);
        comment(w, 4, m->why);
        kv(w, 4, "- name", name);
        kv(w, 6, "mountPath", m->path);
        sbuf_puts(w->b, "      readOnly: true\n");
    }
    sbuf_puts(w->b, "    # the control socket, for `haplane status` on the node\n");
    kv(w, 4, "- name", "run");
    kv(w, 6, "mountPath", MF_RUN_DIR);
    if (p->tmp) {
        sbuf_puts(w->b,
                  "    # scripts may want a writable /tmp; the root file system is read-only\n");
        kv(w, 4, "- name", "tmp");
        kv(w, 6, "mountPath", "/tmp");
    }
}

static void volumes(struct w *w, const struct mf_plan *p)
{
    char name[32];
    unsigned idx[4] = {0};
    sbuf_puts(w->b, "  volumes:\n");
    for (size_t i = 0; i < p->nmounts; i++) {
        const struct mf_mount *m = &p->mounts[i];
        snprintf(name, sizeof(name), "%s-%u", kind_names[m->kind], idx[m->kind]++);
        kv(w, 2, "- name", name);
        sbuf_puts(w->b, "    hostPath:\n");
        kv(w, 6, "path", m->path);
        kv(w, 6, "type", "File");
    }
    kv(w, 2, "- name", "run");
    sbuf_puts(w->b, "    hostPath:\n");
    kv(w, 6, "path", MF_RUN_DIR);
    kv(w, 6, "type", "DirectoryOrCreate");
    if (p->tmp) {
        kv(w, 2, "- name", "tmp");
        sbuf_puts(w->b, "    emptyDir:\n");
        kv(w, 6, "medium", "Memory");
        kv(w, 6, "sizeLimit", "16Mi");
    }
}

int mf_write(const struct mf_plan *p, const char *image, struct sbuf *out, char *err, size_t errlen)
{
    struct w w = {.b = out};
    header(&w, p);
    pod_spec(&w, p, image);
    sbuf_puts(out, "    command:\n");
    item(&w, 4, MF_BIN);
    sbuf_puts(out, "    args:\n");
    for (size_t i = 0; i < p->nargs; i++)
        item(&w, 4, p->args[i]);
    security(&w, p);
    sbuf_puts(out,
              "    # the daemon has 60 s to open its control socket (it takes milliseconds)\n");
    probe(&w, "startupProbe", 2, 5, 30);
    sbuf_puts(out, "    # a main loop that stops answering for 15 s is restarted (the VIP has\n"
                   "    # expired from this node long before: it is installed with a lifetime)\n");
    if (p->live_port) {
        sbuf_puts(out, "    # /healthz of metrics_listen: 200 while the main loop answered\n"
                       "    # within the last second\n");
        http_probe(&w, p, "livenessProbe", 5, 5, 3);
    } else {
        sbuf_puts(out,
                  "    # no metrics_listen in the configuration, so no /healthz to ask: the\n"
                  "    # control socket's `status` (answered by the same main loop) instead\n");
        probe(&w, "livenessProbe", 5, 5, 3);
    }
    resources(&w);
    mounts(&w, p);
    volumes(&w, p);
    if (w.bad) {
        snprintf(err, errlen, "cannot write '%.200s' in YAML: not valid UTF-8", w.bad);
        return -1;
    }
    if (out->failed) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}
