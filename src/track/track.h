/* track: the VRRP engine's tracking inputs, keepalived 2.2.7 semantics.
 *
 *  - vrrp_script: a command run every `interval`, never two runs of one script
 *    at once; exit 0 is a success, any other exit, a signal or the `timeout`
 *    a failure; `rise` successes in a row bring it up, `fall` failures in a
 *    row bring it down. Until its first result a script is TRACK_INIT (see
 *    track_script_up).
 *  - links: any interface name, watched through rtnetlink (RTMGRP_LINK); up
 *    means present with IFF_UP and IFF_RUNNING (keepalived's FLAGS_UP).
 *  - notify commands: fire and forget, killed after a timeout.
 *
 * Commands run without a shell (argv from the config; a bare name is looked
 * up in CFG_CMD_PATH, not the daemon's PATH), with PATH=CFG_CMD_PATH as
 * their whole environment, stdio on /dev/null and no other fd, default signal
 * dispositions, the fd limit the daemon started with (ev_child_spawn), in
 * their own process group, as the command's `user`, else global_defs
 * script_user, else keepalived_script if that user exists, else the daemon's
 * own user (root: warned once, at start when the config has such a
 * command). With global_defs run_as the daemon has dropped to that user
 * before tracking starts and every command runs as it (validation refuses
 * any other user; one here is refused too). With enable_script_security a
 * command that would run as root, or as the run_as user, from a path
 * writable by a non-root user is refused (logged, counted as failed), and
 * so is one that would fall back to the daemon's own user.
 *
 * Everything runs on the caller's event loop; nothing blocks it except the
 * user lookups (getpwnam_r: at start and reload, and for each notify command
 * that names its own user) and the one-off link query of a new name.
 */
#ifndef HAPLANE_TRACK_TRACK_H
#define HAPLANE_TRACK_TRACK_H

#include <stddef.h>
#include <stdint.h>

#include "conf/conf-t.h"
#include "ev/ev.h"
#include "track/counter.h"
#include "util/sbuf.h"

struct track;

/* cfg_host.command_unsafe (conf/conf.h): the enable_script_security rule of
 * the commands, applied to a configuration. `haplane run` and `check` load
 * with it, so an unsafe script is refused at its FILE:LINE before anything
 * runs. 1 with why when c must not run, else 0. */
int track_command_unsafe(const struct cfg_global *g, const struct cfg_cmd *c, char *why, size_t len,
                         void *arg);

/* Called on the loop whenever a verdict changes (a script went init/down/up,
 * a watched link went up/down), once per batch of changes. The callback may
 * query verdicts, call track_link_up (also for new names) and track_notify;
 * it must not call track_reload or track_stop (defer those to a timer). */
typedef void (*track_change_cb)(void *arg);

/* Start tracking for cfg: opens the netlink sockets, resolves the script
 * users, schedules each vrrp_script's first run on the next loop iteration.
 * Nothing in cfg is referenced after the call (names and commands are
 * copied), so the caller may free cfg whenever it likes. Returns a new
 * object owned by the caller (free with track_stop), or NULL with err filled
 * (netlink unavailable, out of memory). */
struct track *track_start(struct ev_loop *loop, const struct cfg *cfg, track_change_cb cb,
                          void *arg, char *err, size_t errlen);

/* Apply a new config. A script whose name and argv are unchanged keeps its
 * verdict, its counters and a run in progress; its interval, timeout,
 * rise/fall and user come from the new config (a changed interval
 * reschedules the next run). A new script starts in TRACK_INIT and runs at
 * once; a removed script's process group is killed (SIGKILL) and reaped in
 * the background. Watched links are kept. Script indexes follow the new
 * cfg->scripts. The change callback is not called: re-read verdicts after
 * the call. Returns 0, or -1 with err filled (out of memory; the old
 * scripts then keep running unchanged). */
int track_reload(struct track *t, const struct cfg *cfg, char *err, size_t errlen);

/* Kill every running vrrp_script (SIGKILL to its process group; each is
 * reaped if it dies within the 200 ms that track_stop waits in total, else
 * left unreaped), close the sockets, free t. Notify commands still running
 * are left to finish (a notify_stop must be able to run during shutdown);
 * they are no longer watched or timed out. NULL is a no-op. */
void track_stop(struct track *t);

/* Verdict of cfg->scripts[script_index] (of the config last given):
 * TRACK_UP (1), TRACK_DOWN (0) or TRACK_INIT (-1): no result yet since start
 * or since it was added. keepalived 2.2.7 leaves a script in init out of
 * the instance's priority and fault state (neither weight applies, weight 0
 * does not cause FAULT; vrrp_track.c initialise_track_script_state); its
 * first result then decides up or down whatever rise and fall are. A script
 * refused at start (unknown user, unsafe path) is TRACK_DOWN. An index out of
 * range is TRACK_DOWN. */
int track_script_up(const struct track *t, size_t script_index);

/* Link verdict: 1 if ifname exists and has IFF_UP and IFF_RUNNING, else 0.
 * The first query of a name reads the link synchronously (one rtnetlink
 * request) and watches it from then on: removal or rename makes it 0, an
 * interface that appears (or is renamed to ifname) later is picked up. */
int track_link_up(struct track *t, const char *ifname);

/* Run cmd->argv with extra[] appended (NULL-terminated; NULL for none),
 * keepalived's notify: fire and forget, as the command's user (see above),
 * killed (SIGTERM to its group, SIGKILL 2 s later) when it outlives the
 * notify timeout (10 s unless track_set_notify_timeout). Nothing is kept of
 * cmd or extra after the call. A failure to start, a non-zero exit or a
 * timeout is logged and counted. done, when not NULL, is called with owner
 * once the command has ended and been reaped (whatever its end), unless
 * track_notify_forget(owner) came first. Returns 1 when started, 0 when cmd
 * has no argv (nothing to do; done is not called), -1 when it could not be
 * started (refused or fork failed; logged; done is not called). */
typedef void (*track_notify_done)(void *owner);
int track_notify(struct track *t, const struct cfg_cmd *cmd, const char *const extra[],
                 track_notify_done done, void *owner);
/* owner is going away: its running notify commands go on, but call nothing
 * back. */
void track_notify_forget(struct track *t, const void *owner);

#define TRACK_NOTIFY_TIMEOUT_MS 10000u
/* Timeout of notify commands started from now on (0: the default). */
void track_set_notify_timeout(struct track *t, uint64_t timeout_ms);

/* Append a JSON object to out:
 * {"scripts":[{"name","state","running","tracked","refused","user",
 *   "last_result","last_exit","last_duration_ms","runs","successes",
 *   "failures","timeouts","skipped","spawn_errors","row","rise","fall",
 *   "interval_ms","timeout_ms"}...],          (in cfg->scripts order)
 *  "links":[{"name","state","present","ifindex","flags","changes"}...],
 *  "notify":{"started","failed","timeouts","refused","running","timeout_ms"},
 *  "netlink_overruns":N}
 * "state" is "init" | "up" | "down"; "refused" null or why the script is not
 * run; "last_exit" null unless the last run exited; "row": results in a row
 * against the current state; "skipped": ticks that found the previous run
 * still going. */
void track_status_json(const struct track *t, struct sbuf *out);

#endif
