/* fsm: the VRRP state machine (pure: no I/O, no clock, no allocation).
 *
 * One table, (state, event) -> (next state, actions), in fsm.c; one function,
 * vrrp_fsm_step(), applies it and is the only code that assigns a state.
 * Guards (owner or not, who wins an election, preempt rules) live in
 * vrrp_fsm_classify(), which turns a generic input (STARTUP, FAULT_CLEARED,
 * ADV) into one of the table's columns; step() calls it first.
 *
 * The caller (instance.c) owns the clock, sockets and timers: it feeds
 * events in and carries out the returned actions in bit order (lowest bit
 * first), using the durations in struct vrrp_fsm_result. Three actions are
 * informational (RESET_ADVER_INT, LEARN_ADVER_INT, PREEMPT_ALLOW): the fsm has
 * already updated its own fields.
 *
 * Behaviour follows RFC 3768 / RFC 5798 section 6 with keepalived 2.2.7's
 * documented extensions (VRRP-INTEROP.md):
 *   - initial state MASTER (start_master) with priority 255 starts as master;
 *     without 255 it starts as backup whose first master-down timer is one
 *     advert interval plus the minimum skew ((1/256) of the interval; v2: of
 *     one second) instead of 3 intervals plus skew; without start_master even
 *     priority 255 starts as backup.
 *   - a master answers a lower-priority advert with an advert of its own
 *     ("forcing new election") unless lower_prio_no_advert (RFC: discard).
 *   - preempt_delay: a backup that receives an advert from a lower-priority
 *     master keeps accepting that master for preempt_delay, counted from the
 *     first such advert since it entered BACKUP; after that it discards them
 *     and takes over when its master-down timer runs out (so takeover comes
 *     about preempt_delay + Master_Down_Interval after the first lower
 *     advert, as keepalived's man page says). It never delays a takeover when
 *     no master is heard at all.
 *   - tracked priority changes are clamped to 1-254 and ignored for an
 *     address owner; a backup's running master-down timer moves by the change
 *     in skew; a master does nothing (RFC: backups preempt it when they see
 *     its lower adverts).
 *   - entering a state from MASTER for FAULT or SHUTDOWN sends priority 0.
 */
#ifndef HAPLANE_VRRP_FSM_H
#define HAPLANE_VRRP_FSM_H

#include "vrrp/vrrp-t.h"

enum vrrp_state {
    VRRP_STATE_INIT = 0, /* RFC "Initialize": not started, or shut down */
    VRRP_STATE_BACKUP,
    VRRP_STATE_MASTER,
    VRRP_STATE_FAULT, /* started, but a tracked interface/script says fault */
    VRRP_STATE_COUNT
};

enum vrrp_event {
    /* The table's columns. */
    VRRP_EV_STARTUP_BACKUP = 0,  /* startup, not start_master */
    VRRP_EV_STARTUP_OWNER,       /* startup, start_master and priority 255 */
    VRRP_EV_STARTUP_WANT_MASTER, /* startup, start_master, priority < 255 */
    VRRP_EV_SHUTDOWN,
    VRRP_EV_FAULT,                /* a tracked interface / fault went down */
    VRRP_EV_FAULT_CLEARED_BACKUP, /* last fault cleared */
    VRRP_EV_FAULT_CLEARED_OWNER,  /* last fault cleared, start_master and priority 255 */
    VRRP_EV_MASTER_DOWN,          /* master-down timer expired */
    VRRP_EV_ADVERT_TIMER,         /* advert timer expired (master sends) */
    VRRP_EV_PREEMPT_DELAY,        /* preempt-delay timer expired */
    VRRP_EV_PRIORITY_CHANGED,     /* own effective priority changed (in->priority) */
    VRRP_EV_RESIGN,               /* master hands over on purpose (not in the RFC) */
    VRRP_EV_ADV_PRIO0,            /* advert with priority 0 */
    VRRP_EV_ADV_HIGHER,           /* sender wins: master: higher prio, or equal and higher
                                     address; backup: priority >= ours (RFC 6.4.2) */
    VRRP_EV_ADV_LOWER,            /* sender loses; backup discards it (will preempt),
                                     master answers it (keepalived) */
    VRRP_EV_ADV_LOWER_HOLD,       /* sender loses but we do not act: backup with nopreempt
                                     or preempt delay running accepts it as master; master
                                     with lower_prio_no_advert ignores it */
    VRRP_EV_ADV_LOWER_DELAY,      /* backup, first lower advert: accept, start preempt delay */
    VRRP_EV_ADV_SELF,             /* source is our own primary address: ignored */
    VRRP_EV_COUNT,
    /* Generic inputs, refined by vrrp_fsm_classify() before the lookup. */
    VRRP_EV_STARTUP = VRRP_EV_COUNT,
    VRRP_EV_FAULT_CLEARED,
    VRRP_EV_ADV, /* in: priority, adver_int_cs, src */
};

/* Actions, in the order the caller must carry them out. */
enum vrrp_action {
    VRRP_ACT_STOP_ADVERT_TIMER = 1u << 0,
    VRRP_ACT_STOP_DOWN_TIMER = 1u << 1,
    VRRP_ACT_STOP_PREEMPT_DELAY = 1u << 2,
    VRRP_ACT_RESET_ADVER_INT = 1u << 3,   /* info: master_adver_int := own interval */
    VRRP_ACT_LEARN_ADVER_INT = 1u << 4,   /* info: v3 master_adver_int := advert's */
    VRRP_ACT_PREEMPT_ALLOW = 1u << 5,     /* info: preempt delay over */
    VRRP_ACT_SEND_ADVERT_PRIO0 = 1u << 6, /* advert with priority 0 */
    VRRP_ACT_SEND_ADVERT = 1u << 7,       /* advert with result.advert_priority */
    VRRP_ACT_REMOVE_VIPS = 1u << 8,
    VRRP_ACT_ADD_VIPS = 1u << 9,
    VRRP_ACT_SEND_GARP = 1u << 10,           /* gratuitous ARP / unsolicited NA burst */
    VRRP_ACT_START_ADVERT_TIMER = 1u << 11,  /* (re)arm: result.advert_us */
    VRRP_ACT_START_DOWN_TIMER = 1u << 12,    /* (re)arm: result.down_us = master down interval */
    VRRP_ACT_DOWN_TIMER_SKEW = 1u << 13,     /* (re)arm: result.down_us = skew time */
    VRRP_ACT_DOWN_TIMER_SHORT = 1u << 14,    /* (re)arm: result.down_us = startup short wait */
    VRRP_ACT_SHIFT_DOWN_TIMER = 1u << 15,    /* move the running one by result.down_shift_us */
    VRRP_ACT_START_PREEMPT_DELAY = 1u << 16, /* arm: result.preempt_delay_us */
    VRRP_ACT_NOTIFY = 1u << 17,              /* state changed: notify scripts, metrics */
    VRRP_ACT_REANNOUNCE = 1u << 18,          /* a master heard a lower one: one GARP/NA round
                                                (rate-limited by the instance), so that hosts
                                                whose ARP cache took the other's last
                                                announcement point back here */
    VRRP_ACT_COUNT_BITS = 19
};

#define VRRP_ACT_DOWN_TIMER_ANY                                                                    \
    (VRRP_ACT_START_DOWN_TIMER | VRRP_ACT_DOWN_TIMER_SKEW | VRRP_ACT_DOWN_TIMER_SHORT)

enum vrrp_preempt {
    VRRP_PREEMPT_IDLE = 0, /* no delay running */
    VRRP_PREEMPT_RUNNING,  /* lower-priority master seen, delay running */
    VRRP_PREEMPT_EXPIRED,  /* delay over: lower adverts are discarded */
};

/* Configuration, copied by vrrp_fsm_init. */
struct vrrp_fsm_params {
    uint8_t version;            /* 2 or 3 */
    uint8_t priority;           /* base priority 1-255; 255 = address owner */
    uint16_t adver_int_cs;      /* own interval; v2: whole seconds (100-25500) */
    uint8_t down_timer_adverts; /* 0 = 3 (RFC); else 1-100 (keepalived) */
    bool start_master;          /* keepalived `state MASTER` (or no state and priority 255) */
    bool nopreempt;             /* cleared for owners and start_master (keepalived) */
    uint64_t preempt_delay_us;  /* 0 = none; cleared with nopreempt or start_master */
    bool lower_prio_no_advert;  /* master ignores lower adverts (RFC) instead of answering */
    struct vrrp_addr primary;   /* our advert source, for the tie-break; may be unset */
};

struct vrrp_fsm {
    enum vrrp_state state;        /* assigned only by vrrp_fsm_step */
    struct vrrp_fsm_params p;     /* normalised */
    uint8_t priority;             /* effective priority */
    uint16_t master_adver_int_cs; /* RFC 5798 Master_Adver_Interval */
    enum vrrp_preempt preempt;
    uint8_t master_priority;      /* last accepted master (status only) */
    struct vrrp_addr master_addr; /* unset when unknown */
};

/* Event input. ADV*: the advert's priority, interval (v2: seconds * 100)
 * and IP source. PRIORITY_CHANGED: the new effective priority. detail, if
 * not NULL, is appended to the reason ("fault: interface eth0 down"). */
struct vrrp_fsm_in {
    uint8_t priority;
    uint16_t adver_int_cs;
    struct vrrp_addr src;
    const char *detail;
};

struct vrrp_fsm_result {
    enum vrrp_state from, to;
    enum vrrp_event event;     /* the table column used */
    uint32_t actions;          /* enum vrrp_action bits */
    uint8_t advert_priority;   /* for SEND_ADVERT */
    uint64_t advert_us;        /* for START_ADVERT_TIMER */
    uint64_t down_us;          /* for any VRRP_ACT_DOWN_TIMER_ANY bit */
    int64_t down_shift_us;     /* for SHIFT_DOWN_TIMER (may be negative) */
    uint64_t preempt_delay_us; /* for START_PREEMPT_DELAY */
    char reason[128];          /* "higher priority 120 from 198.18.0.12" */
};

/* Validate and normalise p, set state INIT. Returns 0, or -1 with err. */
int vrrp_fsm_init(struct vrrp_fsm *f, const struct vrrp_fsm_params *p, char *err, size_t errlen);

/* Guard classifier: STARTUP, FAULT_CLEARED and ADV -> a table column, using
 * the configuration, the current state and (ADV) the advert; any other
 * event is returned unchanged. in is required for ADV. */
enum vrrp_event vrrp_fsm_classify(const struct vrrp_fsm *f, enum vrrp_event ev,
                                  const struct vrrp_fsm_in *in);

/* Apply one event: classify, look up the table, update the fsm, fill *r
 * (never NULL). in is required for ADV* and PRIORITY_CHANGED, optional
 * otherwise. Returns r->actions; an unknown event, or a missing in, changes
 * nothing and returns 0. */
uint32_t vrrp_fsm_step(struct vrrp_fsm *f, enum vrrp_event ev, const struct vrrp_fsm_in *in,
                       struct vrrp_fsm_result *r);

/* Timer arithmetic, microseconds (RFC 3768 6.1, RFC 5798 6.1).
 *   v2: skew = (256 - prio) * 1 s / 256 (independent of the interval)
 *   v3: skew = (256 - prio) * adver_int / 256
 *   down = n * adver_int + skew, n = down_adverts (0 -> 3)
 * Evaluated exactly and truncated to whole microseconds (as keepalived
 * 2.2.7 does), not in integer centiseconds: v3 prio 100, 100 cs gives
 * 609375 us, not 60 cs. adver_int is the master's (learned) interval. */
uint64_t vrrp_skew_us(uint8_t version, uint8_t priority, uint16_t adver_int_cs);
uint64_t vrrp_master_down_us(uint8_t version, uint8_t priority, uint16_t adver_int_cs,
                             uint8_t down_adverts);

/* Names for logs and metrics. */
const char *vrrp_state_name(enum vrrp_state s);  /* "INIT", "BACKUP", "MASTER", "FAULT" */
const char *vrrp_event_name(enum vrrp_event ev); /* "master-down", "adv-higher", ... */
const char *vrrp_action_name(uint32_t bit);      /* one bit: "send-advert", ... */
/* "send-advert,add-vips,..." into buf (always terminated); returns buf. */
char *vrrp_actions_fmt(uint32_t actions, char *buf, size_t len);

#endif
