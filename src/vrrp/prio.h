/* prio: what this node is worth to a virtual router (pure: no I/O, no clock,
 * no allocation, no globals).
 *
 * An instance's effective priority and whether it must sit in FAULT follow
 * from its base priority and a list of inputs, one row each: the
 * instance's own interface, every track_script, track_interface and
 * track_proxy, and (as they are built) quorum, the etcd fence and
 * track_etcd. instance.c gathers the verdicts (the I/O part) and calls
 * vrrp_prio_compute(); `haplane status` shows the contribution of each row.
 *
 * The rules (keepalived 2.2.7's, VRRP-INTEROP.md):
 *   - a row with weight 0 that is failing puts the instance in FAULT;
 *   - a negative weight is added while its row is failing, a positive one
 *     while it is ok;
 *   - a row with no verdict yet (a script that has not run) counts neither
 *     way;
 *   - the sum is clamped to 1-254; an address owner (base 255) never moves.
 */
#ifndef HAPLANE_VRRP_PRIO_H
#define HAPLANE_VRRP_PRIO_H

#include <stddef.h>
#include <stdint.h>

/* What a row stands for; names by vrrp_input_kind_name(). */
enum vrrp_input_kind {
    VRRP_IN_OWN_IFACE, /* the instance's interface (always weight 0) */
    VRRP_IN_SCRIPT,    /* track_script */
    VRRP_IN_IFACE,     /* track_interface */
    VRRP_IN_PROXY,     /* track_proxy */
    VRRP_IN_QUORUM,    /* quorum: a majority of the peers is seen */
    VRRP_IN_FENCE,     /* fence etcd: the lease is held */
    VRRP_IN_ETCD,      /* track_etcd: the local member is healthy */
    VRRP_IN_COUNT
};

/* One input. */
struct vrrp_prio_input {
    enum vrrp_input_kind kind;
    const char *name; /* interface, script, proxy or endpoint; borrowed */
    int32_t weight;   /* 0: failing means FAULT */
    int verdict;      /* 1 ok, 0 failing, -1 no verdict yet */
};

/* What a row did to the priority. */
enum vrrp_effect {
    VRRP_EFF_NONE,    /* ok with a negative or zero weight, or failing with a positive one */
    VRRP_EFF_PENDING, /* no verdict yet */
    VRRP_EFF_WEIGHT,  /* its weight was added */
    VRRP_EFF_FAULT    /* it puts the instance in FAULT */
};

struct vrrp_prio {
    uint8_t priority; /* effective, 1-255 */
    int32_t delta;    /* sum of the weights added, before clamping */
    unsigned faults;  /* rows in FAULT */
    int first_fault;  /* index of the first of them, -1 if none */
};

/* Compute the effective priority from base and the n rows of in. effects,
 * when not NULL, receives one entry per row. */
void vrrp_prio_compute(uint8_t base, const struct vrrp_prio_input *in, size_t n,
                       enum vrrp_effect *effects, struct vrrp_prio *out);

/* "script", "interface", "proxy", ... */
const char *vrrp_input_kind_name(enum vrrp_input_kind k);
/* How a failing row of kind k reads: "down", "without a healthy server" ... */
const char *vrrp_input_failing(enum vrrp_input_kind k);
/* "none", "pending", "weight", "fault" */
const char *vrrp_effect_name(enum vrrp_effect e);

/* Why a row is in FAULT, for logs and status: "interface eth0 down",
 * "script chk_apiserver failing". Returns buf. */
const char *vrrp_prio_fault_text(const struct vrrp_prio_input *row, char *buf, size_t len);

#endif
