/* track-int: types shared by track.c (life cycle, notify, status) and
 * script.c (vrrp_script runs). Not for use outside src/track. */
#ifndef HAPLANE_TRACK_TRACK_INT_H
#define HAPLANE_TRACK_TRACK_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "track/cmd-int.h"
#include "track/counter.h"
#include "track/link-int.h"
#include "track/run-int.h"
#include "track/track.h"

/* What the config says about one vrrp_script, copied (owned). */
struct track_spec {
    char *name;
    char **argv; /* NULL-terminated, argc entries */
    size_t argc;
    char *user, *group; /* NULL: the default script user */
    uint64_t interval_ms, timeout_ms;
    uint32_t rise, fall;
    bool tracked; /* some instance tracks it; keepalived runs only those */
};

struct track_script {
    struct track *t;
    struct track_spec *spec;
    struct track_counter ctr;
    struct track_run run;
    struct ev_timer tick;
    uint64_t next_ns;          /* deadline of the next tick */
    struct ev_spawn_opts opts; /* quiet, run-as */
    char user[33];             /* who runs it, for status */
    char refused[192];         /* "" unless refused (not run, down) */
    bool dying;                /* removed by a reload, waiting to be reaped */
    struct track_script *next; /* in t->dying */
    /* the last outcome */
    bool has_last;
    enum track_run_end last_how;
    int last_code;
    uint64_t last_duration_ms;
    int last_exit; /* -1: no exit seen yet */
    /* counters */
    uint64_t runs, successes, failures, timeouts, skipped, spawn_errors;
    uint32_t skip_streak;
    uint32_t spawn_streak; /* starts failed in a row */
};

/* Default run-as policy from global_defs. */
struct track_policy {
    bool security;          /* enable_script_security */
    bool run_as;            /* global_defs run_as: def is that user, the daemon's own */
    bool def_ok;            /* def is usable */
    bool def_self;          /* def is the daemon itself (no keepalived_script) */
    struct track_runas def; /* script_user, keepalived_script or ourselves */
    char def_err[160];      /* why def is not usable */
    bool root_warned;
};

struct track_notify_run {
    struct track *t;
    struct track_run run;
    char name[64]; /* argv[0], for logs */
    uint64_t timeout_ms;
    track_notify_done done; /* NULL: nobody to tell */
    void *owner;
    struct track_notify_run *prev, *next;
};

struct track {
    struct ev_loop *loop;
    track_change_cb cb;
    void *arg;
    struct track_policy pol;
    struct track_script **scripts; /* index = cfg->scripts index */
    size_t nscripts;
    struct track_script *dying;
    struct track_links links;
    struct track_notify_run *notifies;
    uint64_t notify_timeout_ms;
    uint64_t notify_started, notify_failed, notify_timeouts, notify_refused, notify_running;
};

/* track.c */
/* Resolve who runs a command with user/group (NULL: the default) and, with
 * enable_script_security, check its path. Returns 0, or -1 with why
 * (refuse it). Warns once when the default falls back to root. */
int track_runas_for(struct track *t, const char *argv0, const char *user, const char *group,
                    struct track_runas *ra, char *why, size_t len);
void track_changed(struct track *t);

/* script.c */
struct track_spec *track_spec_new(const struct cfg_vrrp_script *c);
void track_spec_free(struct track_spec *s);
/* Same name and argv. */
bool track_spec_same(const struct track_spec *a, const struct track_spec *b);
/* A script for spec (taken over), not started. NULL on OOM. */
struct track_script *track_script_new(struct track *t, struct track_spec *spec);
/* (Re)resolve its user, then schedule it: a first run at once when it is
 * new or its command came back from refused. */
void track_script_begin(struct track_script *s);
/* Reload: take over spec for an unchanged command, keep state and any run. */
void track_script_respec(struct track_script *s, struct track_spec *spec);
/* Reload removed it: kill and free once reaped (or now when idle). */
void track_script_retire(struct track_script *s);
/* Shutdown: kill, wait up to wait_ms for it, free. */
void track_script_destroy(struct track_script *s, unsigned wait_ms);
void track_script_json(const struct track_script *s, struct sbuf *out);

#endif
