/* notify: an instance's notify commands, one round at a time. */
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

static void notify_run(struct vrrp_inst *in, enum vrrp_state to, int stopping);

/* A notify command of this instance ended. When none is left, the latest
 * state that arrived meanwhile is notified (once). */
static void on_notify_done(void *arg)
{
    struct vrrp_inst *in = arg;
    if (in->notify_running)
        in->notify_running--;
    if (in->notify_running || !in->notify_pending)
        return;
    in->notify_pending = 0;
    if (in->notify_pending_to == in->notified_to) {
        in->notify_coalesced++;
        log_info("vrrp", in->name,
                 "notify: back in %s before the last command ended: not run again",
                 vrrp_state_name(in->notified_to));
        return;
    }
    notify_run(in, in->notify_pending_to, 0);
}

/* Notify scripts of a state change, at most one round at a time per
 * instance: a change while the last round's commands still run is kept
 * (the latest wins) and notified when they end, so a flapping instance
 * cannot start processes without limit. notify_stop (stopping) always
 * runs at once. */
void vrrp_notify(struct vrrp_inst *in, enum vrrp_state to, int stopping)
{
    if (!stopping && in->notify_running) {
        if (in->notify_pending)
            in->notify_coalesced++;
        in->notify_pending = 1;
        in->notify_pending_to = to;
        log_rl(&in->rl_notify, ev_now(in->v->loop) / NS_PER_MS, LOG_INFO, "vrrp", in->name,
               "notify for %s deferred: the last notify is still running", vrrp_state_name(to));
        return;
    }
    notify_run(in, to, stopping);
}

static void notify_run(struct vrrp_inst *in, enum vrrp_state to, int stopping)
{
    const struct cfg_vrrp_instance *c = in->c;
    const struct cfg_cmd *cmd = NULL;
    const char *state = stopping ? "STOP" : vrrp_state_name(to);
    if (stopping)
        cmd = &c->notify_stop;
    else if (to == VRRP_STATE_MASTER)
        cmd = &c->notify_master;
    else if (to == VRRP_STATE_BACKUP)
        cmd = &c->notify_backup;
    else if (to == VRRP_STATE_FAULT)
        cmd = &c->notify_fault;
    in->notified_to = to;
    if (cmd && cmd->argv && track_notify(in->v->track, cmd, NULL, on_notify_done, in) > 0)
        in->notify_running++;
    if (c->notify.argv) {
        char prio[8];
        snprintf(prio, sizeof(prio), "%u", in->fsm.priority);
        const char *const extra[] = {"INSTANCE", in->name, state, prio, NULL};
        if (track_notify(in->v->track, &c->notify, extra, on_notify_done, in) > 0)
            in->notify_running++;
    }
}
