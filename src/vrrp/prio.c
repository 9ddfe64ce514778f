/* prio: an instance's effective priority from its inputs. See prio.h. */
#include "vrrp/prio.h"

#include <stdio.h>

#define PRIO_OWNER 255

static const char *const kind_names[VRRP_IN_COUNT] = {
    [VRRP_IN_OWN_IFACE] = "interface", [VRRP_IN_SCRIPT] = "script", [VRRP_IN_IFACE] = "interface",
    [VRRP_IN_PROXY] = "proxy",         [VRRP_IN_QUORUM] = "quorum", [VRRP_IN_FENCE] = "fence",
    [VRRP_IN_ETCD] = "etcd",
};

static const char *const failing_names[VRRP_IN_COUNT] = {
    [VRRP_IN_OWN_IFACE] = "down",
    [VRRP_IN_SCRIPT] = "failing",
    [VRRP_IN_IFACE] = "down",
    [VRRP_IN_PROXY] = "without a healthy server",
    [VRRP_IN_QUORUM] = "without a majority",
    [VRRP_IN_FENCE] = "without the etcd lease",
    [VRRP_IN_ETCD] = "unhealthy",
};

const char *vrrp_input_kind_name(enum vrrp_input_kind k)
{
    return (unsigned)k < VRRP_IN_COUNT ? kind_names[k] : "?";
}

const char *vrrp_input_failing(enum vrrp_input_kind k)
{
    return (unsigned)k < VRRP_IN_COUNT ? failing_names[k] : "failing";
}

const char *vrrp_effect_name(enum vrrp_effect e)
{
    static const char *const names[] = {"none", "pending", "weight", "fault"};
    return (unsigned)e < sizeof(names) / sizeof(names[0]) ? names[e] : "?";
}

const char *vrrp_prio_fault_text(const struct vrrp_prio_input *row, char *buf, size_t len)
{
    snprintf(buf, len, "%s %s %s", vrrp_input_kind_name(row->kind), row->name ? row->name : "-",
             vrrp_input_failing(row->kind));
    return buf;
}

/* The effect of one row (the rules in prio.h). */
static enum vrrp_effect row_effect(const struct vrrp_prio_input *r)
{
    if (r->verdict < 0)
        return VRRP_EFF_PENDING;
    if (r->weight == 0 || r->kind == VRRP_IN_OWN_IFACE)
        return r->verdict ? VRRP_EFF_NONE : VRRP_EFF_FAULT;
    if ((r->weight < 0 && !r->verdict) || (r->weight > 0 && r->verdict))
        return VRRP_EFF_WEIGHT;
    return VRRP_EFF_NONE;
}

void vrrp_prio_compute(uint8_t base, const struct vrrp_prio_input *in, size_t n,
                       enum vrrp_effect *effects, struct vrrp_prio *out)
{
    *out = (struct vrrp_prio){.first_fault = -1};
    for (size_t i = 0; i < n; i++) {
        enum vrrp_effect e = row_effect(&in[i]);
        if (effects)
            effects[i] = e;
        if (e == VRRP_EFF_WEIGHT) {
            out->delta += in[i].weight;
        } else if (e == VRRP_EFF_FAULT) {
            if (!out->faults++)
                out->first_fault = (int)i;
        }
    }
    if (base == PRIO_OWNER) {
        out->priority = PRIO_OWNER;
        return;
    }
    int32_t p = (int32_t)base + out->delta;
    out->priority = (uint8_t)(p < 1 ? 1 : p > 254 ? 254 : p);
}
