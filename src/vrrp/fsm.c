/* fsm: the VRRP state machine table and the pure logic around it. See fsm.h. */
#include "vrrp/fsm.h"
#include "vrrp/pkt.h"

#include <stdio.h>

/* Short action names for the table below. */
#define xADV   VRRP_ACT_STOP_ADVERT_TIMER
#define xDOWN  VRRP_ACT_STOP_DOWN_TIMER
#define xPD    VRRP_ACT_STOP_PREEMPT_DELAY
#define RESET  VRRP_ACT_RESET_ADVER_INT
#define LEARN  VRRP_ACT_LEARN_ADVER_INT
#define PD_OK  VRRP_ACT_PREEMPT_ALLOW
#define SEND0  VRRP_ACT_SEND_ADVERT_PRIO0
#define SEND   VRRP_ACT_SEND_ADVERT
#define DELVIP VRRP_ACT_REMOVE_VIPS
#define ADDVIP VRRP_ACT_ADD_VIPS
#define GARP   VRRP_ACT_SEND_GARP
#define REANN  VRRP_ACT_REANNOUNCE
#define ADV    VRRP_ACT_START_ADVERT_TIMER
#define DOWN   VRRP_ACT_START_DOWN_TIMER
#define DSKEW  VRRP_ACT_DOWN_TIMER_SKEW
#define DSHORT VRRP_ACT_DOWN_TIMER_SHORT
#define DSHIFT VRRP_ACT_SHIFT_DOWN_TIMER
#define PD     VRRP_ACT_START_PREEMPT_DELAY
#define NOTIFY VRRP_ACT_NOTIFY

/* Becoming master (RFC 5798 6.4.1 / 6.4.2 "Master_Down_Timer fires"): advert
 * first so the old master lets go, then the VIPs, then GARP/NA (keepalived
 * order). */
#define TO_MASTER (RESET | SEND | ADDVIP | GARP | ADV | NOTIFY)
/* Leaving master for good (RFC 5798 6.4.3 Shutdown; keepalived on FAULT). */
#define QUIT_MASTER (xADV | SEND0 | DELVIP | NOTIFY)

struct rule {
    uint8_t next;
    uint32_t act;
};

#define I VRRP_STATE_INIT
#define B VRRP_STATE_BACKUP
#define M VRRP_STATE_MASTER
#define F VRRP_STATE_FAULT

/* THE table. Every (state, event) pair is written out; {S, 0} in state S
 * means: ignored. */
// clang-format off
static const struct rule table[VRRP_STATE_COUNT][VRRP_EV_COUNT] = {
    [VRRP_STATE_INIT] = { /* RFC 5798 6.4.1 */
        [VRRP_EV_STARTUP_BACKUP]       = {B, RESET | DOWN | NOTIFY},
        [VRRP_EV_STARTUP_OWNER]        = {M, TO_MASTER},
        [VRRP_EV_STARTUP_WANT_MASTER]  = {B, RESET | DSHORT | NOTIFY},
        [VRRP_EV_SHUTDOWN]             = {I, 0},
        [VRRP_EV_FAULT]                = {F, NOTIFY},
        [VRRP_EV_FAULT_CLEARED_BACKUP] = {I, 0},
        [VRRP_EV_FAULT_CLEARED_OWNER]  = {I, 0},
        [VRRP_EV_MASTER_DOWN]          = {I, 0},
        [VRRP_EV_ADVERT_TIMER]         = {I, 0},
        [VRRP_EV_PREEMPT_DELAY]        = {I, 0},
        [VRRP_EV_PRIORITY_CHANGED]     = {I, 0},
        [VRRP_EV_RESIGN]               = {I, 0},
        [VRRP_EV_ADV_PRIO0]            = {I, 0},
        [VRRP_EV_ADV_HIGHER]           = {I, 0},
        [VRRP_EV_ADV_LOWER]            = {I, 0},
        [VRRP_EV_ADV_LOWER_HOLD]       = {I, 0},
        [VRRP_EV_ADV_LOWER_DELAY]      = {I, 0},
        [VRRP_EV_ADV_SELF]             = {I, 0},
    },
    [VRRP_STATE_BACKUP] = { /* RFC 5798 6.4.2 */
        [VRRP_EV_STARTUP_BACKUP]       = {B, 0},
        [VRRP_EV_STARTUP_OWNER]        = {B, 0},
        [VRRP_EV_STARTUP_WANT_MASTER]  = {B, 0},
        [VRRP_EV_SHUTDOWN]             = {I, xDOWN | xPD | NOTIFY},
        [VRRP_EV_FAULT]                = {F, xDOWN | xPD | NOTIFY},
        [VRRP_EV_FAULT_CLEARED_BACKUP] = {B, 0},
        [VRRP_EV_FAULT_CLEARED_OWNER]  = {B, 0},
        [VRRP_EV_MASTER_DOWN]          = {M, xPD | TO_MASTER},
        [VRRP_EV_ADVERT_TIMER]         = {B, 0},
        [VRRP_EV_PREEMPT_DELAY]        = {B, PD_OK},
        [VRRP_EV_PRIORITY_CHANGED]     = {B, DSHIFT},
        [VRRP_EV_RESIGN]               = {B, 0},
        [VRRP_EV_ADV_PRIO0]            = {B, DSKEW},
        [VRRP_EV_ADV_HIGHER]           = {B, xPD | LEARN | DOWN},
        [VRRP_EV_ADV_LOWER]            = {B, 0},
        [VRRP_EV_ADV_LOWER_HOLD]       = {B, LEARN | DOWN},
        [VRRP_EV_ADV_LOWER_DELAY]      = {B, LEARN | DOWN | PD},
        [VRRP_EV_ADV_SELF]             = {B, 0},
    },
    [VRRP_STATE_MASTER] = { /* RFC 5798 6.4.3 */
        [VRRP_EV_STARTUP_BACKUP]       = {M, 0},
        [VRRP_EV_STARTUP_OWNER]        = {M, 0},
        [VRRP_EV_STARTUP_WANT_MASTER]  = {M, 0},
        [VRRP_EV_SHUTDOWN]             = {I, QUIT_MASTER},
        [VRRP_EV_FAULT]                = {F, QUIT_MASTER},
        [VRRP_EV_FAULT_CLEARED_BACKUP] = {M, 0},
        [VRRP_EV_FAULT_CLEARED_OWNER]  = {M, 0},
        [VRRP_EV_MASTER_DOWN]          = {M, 0},
        [VRRP_EV_ADVERT_TIMER]         = {M, SEND | ADV},
        [VRRP_EV_PREEMPT_DELAY]        = {M, 0},
        [VRRP_EV_PRIORITY_CHANGED]     = {M, 0},
        [VRRP_EV_RESIGN]               = {B, xADV | SEND0 | DELVIP | DOWN | NOTIFY},
        [VRRP_EV_ADV_PRIO0]            = {M, SEND | ADV},
        [VRRP_EV_ADV_HIGHER]           = {B, xADV | LEARN | DELVIP | DOWN | NOTIFY},
        [VRRP_EV_ADV_LOWER]            = {M, SEND | REANN},
        [VRRP_EV_ADV_LOWER_HOLD]       = {M, REANN},
        [VRRP_EV_ADV_LOWER_DELAY]      = {M, 0},
        [VRRP_EV_ADV_SELF]             = {M, 0},
    },
    [VRRP_STATE_FAULT] = {
        [VRRP_EV_STARTUP_BACKUP]       = {F, 0},
        [VRRP_EV_STARTUP_OWNER]        = {F, 0},
        [VRRP_EV_STARTUP_WANT_MASTER]  = {F, 0},
        [VRRP_EV_SHUTDOWN]             = {I, NOTIFY},
        [VRRP_EV_FAULT]                = {F, 0},
        [VRRP_EV_FAULT_CLEARED_BACKUP] = {B, RESET | DOWN | NOTIFY},
        [VRRP_EV_FAULT_CLEARED_OWNER]  = {M, TO_MASTER},
        [VRRP_EV_MASTER_DOWN]          = {F, 0},
        [VRRP_EV_ADVERT_TIMER]         = {F, 0},
        [VRRP_EV_PREEMPT_DELAY]        = {F, 0},
        [VRRP_EV_PRIORITY_CHANGED]     = {F, 0},
        [VRRP_EV_RESIGN]               = {F, 0},
        [VRRP_EV_ADV_PRIO0]            = {F, 0},
        [VRRP_EV_ADV_HIGHER]           = {F, 0},
        [VRRP_EV_ADV_LOWER]            = {F, 0},
        [VRRP_EV_ADV_LOWER_HOLD]       = {F, 0},
        [VRRP_EV_ADV_LOWER_DELAY]      = {F, 0},
        [VRRP_EV_ADV_SELF]             = {F, 0},
    },
};
// clang-format on

#undef I
#undef B
#undef M
#undef F
#undef TO_MASTER
#undef QUIT_MASTER
#undef xADV
#undef xDOWN
#undef xPD
#undef RESET
#undef LEARN
#undef PD_OK
#undef SEND0
#undef SEND
#undef DELVIP
#undef ADDVIP
#undef GARP
#undef REANN
#undef ADV
#undef DOWN
#undef DSKEW
#undef DSHORT
#undef DSHIFT
#undef PD
#undef NOTIFY

/* ---- names ---- */

static const char *const state_names[VRRP_STATE_COUNT] = {"INIT", "BACKUP", "MASTER", "FAULT"};

static const char *const event_names[] = {
    [VRRP_EV_STARTUP_BACKUP] = "startup",
    [VRRP_EV_STARTUP_OWNER] = "startup-owner",
    [VRRP_EV_STARTUP_WANT_MASTER] = "startup-want-master",
    [VRRP_EV_SHUTDOWN] = "shutdown",
    [VRRP_EV_FAULT] = "fault",
    [VRRP_EV_FAULT_CLEARED_BACKUP] = "fault-cleared",
    [VRRP_EV_FAULT_CLEARED_OWNER] = "fault-cleared-owner",
    [VRRP_EV_MASTER_DOWN] = "master-down",
    [VRRP_EV_ADVERT_TIMER] = "advert-timer",
    [VRRP_EV_PREEMPT_DELAY] = "preempt-delay",
    [VRRP_EV_PRIORITY_CHANGED] = "priority-changed",
    [VRRP_EV_RESIGN] = "resign",
    [VRRP_EV_ADV_PRIO0] = "adv-prio0",
    [VRRP_EV_ADV_HIGHER] = "adv-higher",
    [VRRP_EV_ADV_LOWER] = "adv-lower",
    [VRRP_EV_ADV_LOWER_HOLD] = "adv-lower-hold",
    [VRRP_EV_ADV_LOWER_DELAY] = "adv-lower-delay",
    [VRRP_EV_ADV_SELF] = "adv-self",
    [VRRP_EV_STARTUP] = "startup?",
    [VRRP_EV_FAULT_CLEARED] = "fault-cleared?",
    [VRRP_EV_ADV] = "adv?",
};

static const char *const action_names[VRRP_ACT_COUNT_BITS] = {
    "stop-advert-timer",   "stop-down-timer", "stop-preempt-delay", "reset-adver-int",
    "learn-adver-int",     "preempt-allow",   "send-advert-prio0",  "send-advert",
    "remove-vips",         "add-vips",        "send-garp",          "start-advert-timer",
    "start-down-timer",    "down-timer-skew", "down-timer-short",   "shift-down-timer",
    "start-preempt-delay", "notify",          "reannounce",
};

const char *vrrp_state_name(enum vrrp_state s)
{
    return (unsigned)s < VRRP_STATE_COUNT ? state_names[s] : "?";
}

const char *vrrp_event_name(enum vrrp_event ev)
{
    return (unsigned)ev <= VRRP_EV_ADV ? event_names[ev] : "?";
}

const char *vrrp_action_name(uint32_t bit)
{
    unsigned i;

    for (i = 0; i < VRRP_ACT_COUNT_BITS; i++)
        if (bit == 1u << i)
            return action_names[i];
    return "?";
}

char *vrrp_actions_fmt(uint32_t actions, char *buf, size_t len)
{
    size_t used = 0;
    unsigned i;
    int n;

    if (len == 0)
        return buf;
    buf[0] = '\0';
    for (i = 0; i < VRRP_ACT_COUNT_BITS && used < len; i++) {
        if (!(actions & (1u << i)))
            continue;
        n = snprintf(buf + used, len - used, "%s%s", used ? "," : "", action_names[i]);
        if (n < 0)
            break;
        used += (size_t)n;
    }
    return buf;
}

/* ---- timers (RFC 3768 6.1, RFC 5798 6.1) ---- */

uint64_t vrrp_skew_us(uint8_t version, uint8_t priority, uint16_t adver_int_cs)
{
    uint64_t span = version == 2 ? 1000000ULL : adver_int_cs * VRRP_CS_US;

    return (256u - priority) * span / 256u;
}

uint64_t vrrp_master_down_us(uint8_t version, uint8_t priority, uint16_t adver_int_cs,
                             uint8_t down_adverts)
{
    uint64_t n = down_adverts ? down_adverts : VRRP_DOWN_ADVERTS;

    return n * adver_int_cs * VRRP_CS_US + vrrp_skew_us(version, priority, adver_int_cs);
}

static uint64_t down_interval(const struct vrrp_fsm *f)
{
    return vrrp_master_down_us(f->p.version, f->priority, f->master_adver_int_cs,
                               f->p.down_timer_adverts);
}

/* keepalived vrrp_init_state: initial state MASTER, not owner: one interval
 * plus the minimum skew (that of priority 255). */
static uint64_t short_interval(const struct vrrp_fsm *f)
{
    return f->p.adver_int_cs * VRRP_CS_US +
           vrrp_skew_us(f->p.version, VRRP_PRIO_OWNER, f->p.adver_int_cs);
}

/* ---- setup ---- */

static int params_check(const struct vrrp_fsm_params *p, char *err, size_t errlen)
{
    if (p->version != 2 && p->version != 3)
        return snprintf(err, errlen, "version %u: must be 2 or 3", p->version), -1;
    if (p->priority == 0)
        return snprintf(err, errlen, "priority 0 is reserved (1-255)"), -1;
    if (p->version == 2 && (p->adver_int_cs == 0 || p->adver_int_cs % 100 ||
                            p->adver_int_cs / 100 > VRRP_V2_MAX_INT_S))
        return snprintf(err, errlen, "VRRPv2 interval must be 1-255 whole seconds"), -1;
    if (p->version == 3 && (p->adver_int_cs == 0 || p->adver_int_cs > VRRP_V3_MAX_INT_CS))
        return snprintf(err, errlen, "VRRPv3 interval must be 1-4095 centiseconds"), -1;
    if (p->down_timer_adverts > VRRP_DOWN_ADVERTS_MAX)
        return snprintf(err, errlen, "down_timer_adverts must be 1-100"), -1;
    if (p->primary.family && p->primary.family != AF_INET &&
        !(p->version == 3 && p->primary.family == AF_INET6))
        return snprintf(err, errlen, "primary address family not usable with VRRPv%u", p->version),
               -1;
    return 0;
}

int vrrp_fsm_init(struct vrrp_fsm *f, const struct vrrp_fsm_params *p, char *err, size_t errlen)
{
    if (params_check(p, err, errlen) < 0)
        return -1;
    memset(f, 0, sizeof(*f));
    f->p = *p;
    if (f->p.down_timer_adverts == 0)
        f->p.down_timer_adverts = VRRP_DOWN_ADVERTS;
    /* keepalived vrrp_complete_instance: nopreempt and preempt_delay make
     * no sense for an owner or an initial MASTER; delay needs preemption. */
    if (p->priority == VRRP_PRIO_OWNER || p->start_master) {
        f->p.nopreempt = false;
        f->p.preempt_delay_us = 0;
    }
    if (f->p.nopreempt)
        f->p.preempt_delay_us = 0;
    f->state = VRRP_STATE_INIT;
    f->priority = p->priority;
    f->master_adver_int_cs = p->adver_int_cs;
    return 0;
}

/* ---- guards ---- */

/* RFC 5798 6.4.2 (backup) and 6.4.3 (master), with nopreempt / preempt
 * delay / keepalived's answer to lower adverts. */
static enum vrrp_event classify_adv(const struct vrrp_fsm *f, const struct vrrp_fsm_in *in)
{
    int cmp = vrrp_addr_cmp(&in->src, &f->p.primary);

    if (cmp == 0)
        return VRRP_EV_ADV_SELF;
    if (in->priority == VRRP_PRIO_STOP)
        return VRRP_EV_ADV_PRIO0;
    if (f->state == VRRP_STATE_MASTER) {
        if (in->priority > f->priority || (in->priority == f->priority && cmp > 0))
            return VRRP_EV_ADV_HIGHER;
        return f->p.lower_prio_no_advert ? VRRP_EV_ADV_LOWER_HOLD : VRRP_EV_ADV_LOWER;
    }
    if (in->priority >= f->priority)
        return VRRP_EV_ADV_HIGHER;
    if (f->p.nopreempt)
        return VRRP_EV_ADV_LOWER_HOLD;
    if (f->p.preempt_delay_us && f->preempt == VRRP_PREEMPT_IDLE)
        return VRRP_EV_ADV_LOWER_DELAY;
    if (f->p.preempt_delay_us && f->preempt == VRRP_PREEMPT_RUNNING)
        return VRRP_EV_ADV_LOWER_HOLD;
    return VRRP_EV_ADV_LOWER;
}

enum vrrp_event vrrp_fsm_classify(const struct vrrp_fsm *f, enum vrrp_event ev,
                                  const struct vrrp_fsm_in *in)
{
    bool owner = f->p.start_master && f->p.priority == VRRP_PRIO_OWNER;

    switch (ev) {
    case VRRP_EV_STARTUP:
        if (owner)
            return VRRP_EV_STARTUP_OWNER;
        return f->p.start_master ? VRRP_EV_STARTUP_WANT_MASTER : VRRP_EV_STARTUP_BACKUP;
    case VRRP_EV_FAULT_CLEARED:
        return owner ? VRRP_EV_FAULT_CLEARED_OWNER : VRRP_EV_FAULT_CLEARED_BACKUP;
    case VRRP_EV_ADV:
        return in ? classify_adv(f, in) : VRRP_EV_ADV;
    default:
        return ev;
    }
}

/* ---- step ---- */

/* "lower priority 90 from 198.18.0.12, nopreempt" and friends. */
static int adv_reason(const struct vrrp_fsm *f, enum vrrp_event ev, const struct vrrp_fsm_in *in,
                      char *buf, size_t len)
{
    char a[INET6_ADDRSTRLEN];
    const char *rel, *tail = "";

    vrrp_addr_str(&in->src, a, sizeof(a));
    if (ev == VRRP_EV_ADV_SELF)
        return snprintf(buf, len, "own advert from %s", a);
    if (ev == VRRP_EV_ADV_PRIO0)
        return snprintf(buf, len, "priority 0 received from %s", a);
    rel = in->priority > f->priority ? "higher" : in->priority == f->priority ? "equal" : "lower";
    if (ev == VRRP_EV_ADV_HIGHER && f->state == VRRP_STATE_MASTER && in->priority == f->priority)
        tail = ", higher address";
    else if (ev == VRRP_EV_ADV_LOWER_HOLD)
        tail = f->state == VRRP_STATE_MASTER ? ", ignored"
               : f->p.nopreempt              ? ", nopreempt"
                                             : ", preempt delay running";
    else if (ev == VRRP_EV_ADV_LOWER_DELAY)
        tail = ", preempt delay started";
    else if (ev == VRRP_EV_ADV_LOWER)
        tail = f->state == VRRP_STATE_MASTER ? ", answering" : ", discarded";
    return snprintf(buf, len, "%s priority %u from %s%s", rel, in->priority, a, tail);
}

static const char *const plain_reasons[VRRP_EV_COUNT] = {
    [VRRP_EV_STARTUP_BACKUP] = "startup",
    [VRRP_EV_STARTUP_OWNER] = "startup as address owner (priority 255)",
    [VRRP_EV_STARTUP_WANT_MASTER] = "startup with initial state MASTER",
    [VRRP_EV_SHUTDOWN] = "shutdown",
    [VRRP_EV_FAULT] = "fault",
    [VRRP_EV_FAULT_CLEARED_BACKUP] = "fault cleared",
    [VRRP_EV_FAULT_CLEARED_OWNER] = "fault cleared, address owner",
    [VRRP_EV_MASTER_DOWN] = "master down timer expired",
    [VRRP_EV_ADVERT_TIMER] = "advert timer",
    [VRRP_EV_PREEMPT_DELAY] = "preempt delay expired",
    [VRRP_EV_RESIGN] = "resign",
};

static void make_reason(const struct vrrp_fsm *f, enum vrrp_event ev, const struct vrrp_fsm_in *in,
                        uint8_t new_prio, struct vrrp_fsm_result *r)
{
    size_t n = 0;
    int w;

    if (ev >= VRRP_EV_ADV_PRIO0)
        w = adv_reason(f, ev, in, r->reason, sizeof(r->reason));
    else if (ev == VRRP_EV_PRIORITY_CHANGED)
        w = snprintf(r->reason, sizeof(r->reason), "priority %u -> %u", f->priority, new_prio);
    else
        w = snprintf(r->reason, sizeof(r->reason), "%s", plain_reasons[ev]);
    if (w > 0)
        n = (size_t)w < sizeof(r->reason) ? (size_t)w : sizeof(r->reason) - 1;
    if (in && in->detail && n < sizeof(r->reason))
        snprintf(r->reason + n, sizeof(r->reason) - n, ": %s", in->detail);
}

/* Tracked priority: clamped to 1-254; an owner keeps 255 (keepalived
 * vrrp_set_effective_priority). */
static uint8_t new_priority(const struct vrrp_fsm *f, const struct vrrp_fsm_in *in)
{
    if (f->p.priority == VRRP_PRIO_OWNER)
        return VRRP_PRIO_OWNER;
    if (in->priority == 0)
        return 1;
    return in->priority == VRRP_PRIO_OWNER ? VRRP_PRIO_OWNER - 1 : in->priority;
}

/* Bookkeeping the actions imply for the fsm's own fields. */
static void bookkeep(struct vrrp_fsm *f, uint32_t act, const struct vrrp_fsm_in *in)
{
    if (act & VRRP_ACT_RESET_ADVER_INT)
        f->master_adver_int_cs = f->p.adver_int_cs;
    if (act & VRRP_ACT_LEARN_ADVER_INT) {
        if (f->p.version == 3 && in->adver_int_cs)
            f->master_adver_int_cs = in->adver_int_cs; /* RFC 5798 6.4.2, 6.4.3 */
        f->master_priority = in->priority;
        f->master_addr = in->src;
    }
    if (act & VRRP_ACT_STOP_PREEMPT_DELAY)
        f->preempt = VRRP_PREEMPT_IDLE;
    if (act & VRRP_ACT_START_PREEMPT_DELAY)
        f->preempt = VRRP_PREEMPT_RUNNING;
    if ((act & VRRP_ACT_PREEMPT_ALLOW) && f->preempt == VRRP_PREEMPT_RUNNING)
        f->preempt = VRRP_PREEMPT_EXPIRED;
}

static void durations(const struct vrrp_fsm *f, struct vrrp_fsm_result *r)
{
    r->advert_priority = f->priority;
    r->advert_us = f->p.adver_int_cs * VRRP_CS_US;
    r->preempt_delay_us = f->p.preempt_delay_us;
    if (r->actions & VRRP_ACT_START_DOWN_TIMER)
        r->down_us = down_interval(f);
    else if (r->actions & VRRP_ACT_DOWN_TIMER_SKEW)
        r->down_us = vrrp_skew_us(f->p.version, f->priority, f->master_adver_int_cs);
    else if (r->actions & VRRP_ACT_DOWN_TIMER_SHORT)
        r->down_us = short_interval(f);
}

static bool needs_input(enum vrrp_event ev)
{
    return ev == VRRP_EV_PRIORITY_CHANGED || (ev >= VRRP_EV_ADV_PRIO0 && ev < VRRP_EV_COUNT);
}

uint32_t vrrp_fsm_step(struct vrrp_fsm *f, enum vrrp_event ev, const struct vrrp_fsm_in *in,
                       struct vrrp_fsm_result *r)
{
    const struct rule *rule;
    uint8_t prio = f->priority;
    uint64_t old_down;

    memset(r, 0, sizeof(*r));
    r->from = r->to = f->state;
    ev = vrrp_fsm_classify(f, ev, in);
    r->event = ev;
    if ((unsigned)ev >= VRRP_EV_COUNT || (needs_input(ev) && !in)) {
        snprintf(r->reason, sizeof(r->reason), "invalid event %d", (int)ev);
        return 0;
    }
    rule = &table[f->state][ev];
    if (ev == VRRP_EV_PRIORITY_CHANGED)
        prio = new_priority(f, in);
    make_reason(f, ev, in, prio, r);
    old_down = down_interval(f);
    f->priority = prio;
    r->down_shift_us = (int64_t)down_interval(f) - (int64_t)old_down;
    if (rule->next != f->state) { /* the master we knew is no longer known */
        f->master_priority = 0;
        memset(&f->master_addr, 0, sizeof(f->master_addr));
    }
    bookkeep(f, rule->act, in);
    if (rule->next == VRRP_STATE_MASTER) {
        f->master_priority = f->priority;
        f->master_addr = f->p.primary;
    }
    f->state = (enum vrrp_state)rule->next; /* the only state assignment */
    r->to = f->state;
    r->actions = rule->act;
    durations(f, r);
    return r->actions;
}
