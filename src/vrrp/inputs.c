/* inputs: what the priority of an instance follows, one row per input
 * (prio.h); this file gathers the verdicts, prio.c decides. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_addr.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "vrrp/io-int.h"
#include "vrrp/vrrp-int.h"

void vrrp_inputs_free(struct vrrp_inst *in)
{
    free(in->rows);
    free(in->row_script);
    free(in->effects);
    in->rows = NULL;
    in->row_script = NULL;
    in->effects = NULL;
    in->nrows = 0;
}

/* The instance's inputs, one row each (prio.h): its own interface first,
 * then track_script, track_interface and track_proxy in configuration
 * order, then quorum, the fence and track_etcd. The rows' names point into the
 * instance's cfg. */
int vrrp_inputs_build(struct vrrp_inst *in)
{
    const struct cfg_vrrp_instance *c = in->c;
    size_t n = 1 + c->ntrack_scripts + c->ntrack_ifs + c->ntrack_proxies + (c->quorum ? 1 : 0) +
               (c->track_etcd ? 1 : 0) + (c->fence.on ? 1 : 0),
           k = 1;
    struct vrrp_prio_input *r = calloc(n, sizeof(*r));
    size_t *script = calloc(n, sizeof(*script));
    enum vrrp_effect *eff = calloc(n, sizeof(*eff));
    if (!r || !script || !eff) {
        free(r), free(script), free(eff);
        return -1;
    }
    r[0] = (struct vrrp_prio_input){VRRP_IN_OWN_IFACE, c->interface, 0, 1};
    for (size_t i = 0; i < c->ntrack_scripts; i++, k++) {
        r[k] = (struct vrrp_prio_input){VRRP_IN_SCRIPT, c->track_scripts[i].name,
                                        c->track_scripts[i].weight, -1};
        script[k] = c->track_scripts[i].ref;
    }
    for (size_t i = 0; i < c->ntrack_ifs; i++, k++)
        r[k] = (struct vrrp_prio_input){VRRP_IN_IFACE, c->track_ifs[i].name, c->track_ifs[i].weight,
                                        1};
    for (size_t i = 0; i < c->ntrack_proxies; i++, k++)
        r[k] = (struct vrrp_prio_input){VRRP_IN_PROXY, c->track_proxies[i].name,
                                        c->track_proxies[i].weight, 1};
    if (c->quorum) /* no majority until the peers are heard */
        r[k++] = (struct vrrp_prio_input){VRRP_IN_QUORUM, "heartbeat", 0, 0};
    if (c->fence.on) /* ok until etcd first answers */
        r[k++] = (struct vrrp_prio_input){VRRP_IN_FENCE, "etcd", 0, 1};
    if (c->track_etcd) /* no verdict until the first check */
        r[k++] = (struct vrrp_prio_input){VRRP_IN_ETCD, c->track_etcd, c->track_etcd_weight, -1};
    /* keep the last verdicts across a rebuild (reload), so only real
     * changes are logged */
    for (size_t i = 1; i < n; i++)
        for (size_t j = 1; j < in->nrows; j++)
            if (r[i].kind == in->rows[j].kind && !strcmp(r[i].name, in->rows[j].name))
                r[i].verdict = in->rows[j].verdict;
    vrrp_inputs_free(in);
    in->rows = r;
    in->row_script = script;
    in->effects = eff;
    in->nrows = n;
    return 0;
}

/* The verdict of row i now: 1 ok, 0 failing, -1 no verdict yet (a script
 * that has not run, a proxy that has not reported). */
static int row_verdict(struct vrrp_inst *in, size_t i)
{
    const struct vrrp_prio_input *r = &in->rows[i];
    switch (r->kind) {
    case VRRP_IN_OWN_IFACE:
        return in->if_up;
    case VRRP_IN_SCRIPT:
        return track_script_up(in->v->track, in->row_script[i]);
    case VRRP_IN_IFACE:
        return track_link_up(in->v->track, r->name);
    case VRRP_IN_PROXY:
        return vrrp_proxy_health_get(in->v, r->name);
    case VRRP_IN_QUORUM: /* two nodes have no majority apart: their fence decides */
        return (in->q && in->q->majority) || (in->q && in->q->n == 1 && vrrp_fence_arbitrates(in));
    case VRRP_IN_ETCD:
        return in->etcd_ok;
    case VRRP_IN_FENCE:
        return vrrp_fence_verdict(in);
    default:
        return r->verdict;
    }
}

/* Gather every row's verdict (logging each change of a tracked object),
 * then let prio.c decide the effective priority and the fault state. */
uint8_t vrrp_inputs_priority(struct vrrp_inst *in)
{
    struct vrrp_prio p;
    for (size_t i = 0; i < in->nrows; i++) {
        struct vrrp_prio_input *r = &in->rows[i];
        int ok = row_verdict(in, i);
        if (i > 0 && ok != r->verdict && ok >= 0)
            log_info("vrrp", in->name, "tracked %s %s is %s (weight %d)",
                     vrrp_input_kind_name(r->kind), r->name,
                     ok ? "ok" : vrrp_input_failing(r->kind), r->weight);
        r->verdict = ok;
    }
    vrrp_prio_compute(in->c->priority, in->rows, in->nrows, in->effects, &p);
    in->track_faults = (int)p.faults;
    in->fault_reason[0] = 0;
    if (p.faults)
        vrrp_prio_fault_text(&in->rows[p.first_fault], in->fault_reason, sizeof(in->fault_reason));
    return p.priority;
}
