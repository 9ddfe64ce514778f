/* fix: `haplane preflight --fix`. Only three kinds of change, the ones the
 * seed does by hand and that undo themselves at reboot: `swapoff -a`,
 * `modprobe br_netfilter`, and writing 1 to a sysctl under /proc/sys.
 * Nothing under /etc is edited (the fix text shows how to persist). With
 * --root the sysctl files are written in the tree and the two commands are
 * not run at all: they would change the running machine, not the tree. */
#include "preflight/preflight-int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static struct pf_action *act(struct pf_report *r, enum pf_act_result res, const char *what)
{
    static struct pf_action spare;
    struct pf_action *a = r->nacts < PF_MAX_ACTIONS ? &r->acts[r->nacts++] : &spare;
    a->result = res;
    snprintf(a->what, sizeof(a->what), "%s", what);
    a->detail[0] = 0;
    return a;
}

static unsigned wanted(const struct pf_report *r)
{
    unsigned w = 0;
    for (size_t i = 0; i < r->n; i++)
        if (r->rows[i].v.status == PF_FAIL)
            w |= r->rows[i].v.autofix;
    return w;
}

static void run_cmd(const struct pf_ctx *c, struct pf_report *r, const char *const argv[],
                    const char *what)
{
    char err[256];
    if (c->root[0]) {
        snprintf(act(r, PF_ACT_NOT_RUN, what)->detail, sizeof(r->acts[0].detail),
                 "--root: a command would change this machine, not the tree");
        return;
    }
    if (pf_spawn(argv, NULL, err, sizeof(err)) < 0)
        snprintf(act(r, PF_ACT_FAILED, what)->detail, sizeof(r->acts[0].detail), "%s", err);
    else
        act(r, PF_ACT_DONE, what);
}

/* Write "1" to one sysctl file; what it read before goes into the detail. */
static void write_sysctl(const struct pf_ctx *c, struct pf_report *r, const struct pf_check *k)
{
    char what[160];
    struct pf_file f;
    snprintf(what, sizeof(what), "%s = 1", k->id);
    pf_file_read(c, k->path, &f);
    struct pf_action *a = act(r, PF_ACT_FAILED, what);
    if (!f.t.text) {
        snprintf(a->detail, sizeof(a->detail), "%s: %s", f.path, strerror(f.t.err));
        return;
    }
    int fd = open(f.path, O_WRONLY | O_TRUNC | O_CLOEXEC);
    int ok = fd >= 0 && write(fd, "1\n", 2) == 2, e = errno;
    if (fd >= 0 && close(fd) < 0 && ok)
        ok = 0, e = errno;
    if (ok) {
        a->result = PF_ACT_DONE;
        snprintf(a->detail, sizeof(a->detail), "%s: %.*s -> 1", f.path,
                 (int)strcspn(f.t.text, "\n"), f.t.text);
    } else {
        snprintf(a->detail, sizeof(a->detail), "writing %s: %s", f.path, strerror(e));
    }
    pf_file_free(&f);
}

void pf_apply_fixes(struct pf_ctx *c, struct pf_report *r)
{
    static const char *const swapoff[] = {"swapoff", "-a", NULL};
    static const char *const modprobe[] = {"modprobe", "br_netfilter", NULL};
    unsigned w = wanted(r);
    r->fixed = 1;
    if (w & PF_AUTO_SWAPOFF)
        run_cmd(c, r, swapoff, "swapoff -a");
    if (w & PF_AUTO_MODPROBE) {
        run_cmd(c, r, modprobe, "modprobe br_netfilter");
        /* the bridge sysctls exist now (on a live system): judge them again */
        for (size_t i = 0; i < r->n; i++)
            if (r->rows[i].check->by_module)
                r->rows[i].check->fn(c, r->rows[i].check, &r->rows[i].v);
    }
    for (size_t i = 0; i < r->n; i++) {
        const struct pf_row *row = &r->rows[i];
        if (row->v.status == PF_FAIL && (row->v.autofix & PF_AUTO_SYSCTL) &&
            !(row->v.autofix & PF_AUTO_MODPROBE))
            write_sysctl(c, r, row->check);
    }
    /* the report shows the state after the fixes */
    struct pf_action acts[PF_MAX_ACTIONS];
    size_t nacts = r->nacts;
    memcpy(acts, r->acts, sizeof(acts));
    c->nft_read = 0;
    pf_run_checks(c, r);
    memcpy(r->acts, acts, sizeof(acts));
    r->nacts = nacts;
}
