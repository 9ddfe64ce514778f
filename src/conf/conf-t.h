/* cfg-t: the configuration model (types only).
 *
 * One model for every input: the native parser fills it, the keepalived.conf
 * and haproxy.cfg importers fill it too, and the VRRP engine, the trackers and
 * the proxy only ever read it. After a successful cfg_load_*() every value is
 * resolved: defaults are applied, inherited values (global_defs -> instance)
 * are copied in, names are resolved to indexes, so readers never need to know
 * what was written and what was defaulted (the `at` positions say so when it
 * matters: line 0 means "not written").
 *
 * Units: durations are uint64_t milliseconds (`_ms`), counts are plain
 * integers, addresses are struct cfg_addr in network byte order.
 * Ownership: the struct cfg owns every pointer below; cfg_free() frees it all.
 */
#ifndef HAPLANE_CONF_CONF_T_H
#define HAPLANE_CONF_CONF_T_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Where an item was written. file points into cfg->files (or is NULL);
 * line and col are 1-based, col counts bytes (a tab is one column).
 * line == 0: the value was not written anywhere (a default). */
struct cfg_pos {
    const char *file;
    uint32_t line;
    uint32_t col;
};

/* An IPv4 or IPv6 address with a prefix length. Host addresses (peers,
 * source addresses, endpoints) carry the full length, 32 or 128; a VIP
 * written without "/N" gets 32 or 128 as well (keepalived does the same). */
struct cfg_addr {
    int family;     /* AF_INET, AF_INET6; AF_UNSPEC: not set */
    uint8_t prefix; /* 0-32 or 0-128 */
    union {
        struct in_addr v4;
        struct in6_addr v6;
    } u;
};

/* HOST:PORT. `*:PORT` (or `:PORT`) is CFG_HOST_ANY: every local address of
 * both families (the proxy binds [::] dual-stack). CFG_HOST_NAME keeps a DNS
 * name that is resolved when the proxy starts, not by the parser. */
enum cfg_host_kind { CFG_HOST_ADDR = 0, CFG_HOST_ANY, CFG_HOST_NAME };

struct cfg_endpoint {
    enum cfg_host_kind kind;
    struct cfg_addr addr; /* CFG_HOST_ADDR only */
    char *name;           /* CFG_HOST_NAME only */
    uint16_t port;        /* 1-65535 */
};

/* The PATH a command's bare name (no '/') is looked up in when checked and
 * when run, and its value in the command's environment: never the PATH the
 * daemon was started with (docs/configuration.md, Commands). */
#define CFG_CMD_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* A command to run (vrrp_script `script`, notify_*): argv is NULL-terminated
 * with argc entries, or NULL when unset. user/group: run as (NULL: the
 * global script_user, keepalived semantics). */
struct cfg_cmd {
    char **argv;
    size_t argc;
    char *user;
    char *group;
};

/* VIP lifetime "off": the VIP is installed forever, as keepalived does. */
#define CFG_LIFETIME_FOREVER UINT64_MAX

/* A VRRP advert carries every VIP of its instance in one packet, which
 * must fit an Ethernet MTU: IP header + VRRP header (+ v2 auth data) +
 * the addresses. Past that it cannot be sent (validation refuses it;
 * at run time the interface's MTU is checked too). */
#define CFG_QUORUM_PORT  7112 /* UDP, the quorum heartbeat (vrrp/hb.h) */
#define CFG_ADVERT_MTU   1500
#define CFG_IP4_HDR      20
#define CFG_IP6_HDR      40
#define CFG_VRRP_HDR     8
#define CFG_VRRP_V2_AUTH 8

/* failover_reset_rate: reset segments per second (vrrp/tuples.h) */
#define CFG_FAILOVER_RESET_RATE 10000

/* global_defs { ... } */
struct cfg_global {
    struct cfg_pos pos;                  /* the global_defs keyword (last one, if several) */
    char *router_id;                     /* NULL: the host name (used in logs and notify) */
    char *script_user;                   /* NULL: keepalived_script if it exists, else nobody */
    char *script_group;                  /* NULL: the primary group of script_user */
    bool enable_script_security;         /* refuse scripts writable by non-root; off */
    char *run_as;                        /* `haplane run` drops to this user; NULL: stays */
    char *run_as_group;                  /* NULL: the primary group of run_as */
    uint8_t vrrp_version;                /* default version of instances: 2 or 3; 2 */
    uint32_t garp_master_repeat;         /* GARP/NA per VIP on becoming master; 5 */
    uint64_t garp_master_delay_ms;       /* second burst after this; 0 = none; 5s */
    uint64_t garp_master_refresh_ms;     /* periodic GARP while master; 0 = off */
    uint32_t garp_master_refresh_repeat; /* GARPs per refresh; 1 */
    uint64_t garp_interval_ms;           /* gap between GARPs of one burst; 0 */
    uint64_t gna_interval_ms;            /* gap between unsolicited NAs; 0 */
    struct cfg_addr mcast_group4;        /* 224.0.0.18 (RFC 5798 5.1.1.2) */
    struct cfg_addr mcast_group6;        /* ff02::12 (RFC 5798 5.1.2.2) */
    bool realtime;                       /* native: SCHED_RR for the VRRP thread; off */
    bool mlockall;                       /* native: lock memory against page-fault stalls; off */
    uint32_t quorum_port;                /* UDP port of the quorum heartbeat; 7112 */
    char *quorum_key;                    /* heartbeat HMAC key; NULL: not authenticated */
    uint32_t failover_reset_rate;        /* reset segments per second after a takeover; 10000 */
    struct cfg_endpoint metrics_listen;  /* /metrics, /healthz, status page; port 0 = off */
    struct {
        struct cfg_pos router_id, script_user, enable_script_security, vrrp_version,
            garp_master_repeat, garp_master_delay, garp_master_refresh, garp_master_refresh_repeat,
            garp_interval, gna_interval, mcast_group4, mcast_group6, realtime, mlockall,
            quorum_port, quorum_key, metrics_listen, run_as, failover_reset_rate;
    } at;
};

/* vrrp_script NAME { ... }: a command run every interval; its exit status
 * (0 = success) moves it between up and down after `rise`/`fall` results in
 * a row, keepalived semantics. */
struct cfg_vrrp_script {
    struct cfg_pos pos; /* the name token */
    char *name;
    struct cfg_cmd cmd;   /* script "cmd args" (+ user USER [GROUP]); required */
    uint64_t interval_ms; /* between runs; 1s */
    uint64_t timeout_ms;  /* a run taking longer counts as failed; = interval */
    int32_t weight;       /* -253..253; 0: down puts instances in FAULT,
                             else priority += weight while up (w > 0) or
                             while down (w < 0); 0 */
    uint32_t fall;        /* failures in a row to go down; 1 */
    uint32_t rise;        /* successes in a row to go up; 1 */
    bool tracked;         /* some instance tracks it (set by validation) */
    struct {
        struct cfg_pos script, interval, timeout, weight, fall, rise, user;
    } at;
};

enum cfg_vrrp_state { CFG_STATE_BACKUP = 0, CFG_STATE_MASTER };
enum cfg_auth_type { CFG_AUTH_NONE = 0, CFG_AUTH_PASS, CFG_AUTH_AH };

/* virtual_ipaddress { ADDR[/PFX] [dev IF] [label L] } */
struct cfg_vip {
    struct cfg_pos pos; /* the address token */
    struct cfg_addr addr;
    char *dev;   /* NULL: the instance's interface */
    char *label; /* IPv4 address label (ifconfig alias); NULL: none */
};

/* unicast_peer { ADDR ... } */
struct cfg_peer {
    struct cfg_pos pos;
    struct cfg_addr addr;
    /* TTL / hop limit its adverts may arrive with: min_ttl..max_ttl
     * (keepalived's spelling); 0: unset (min 1, max 255: not checked) */
    uint8_t min_ttl, max_ttl;
};

/* track_script / track_interface / track_proxy entry: NAME [weight W].
 * weight 0: the tracked object failing puts the instance in FAULT (it gives
 * the VIP up); otherwise the priority moves by weight (keepalived: a negative
 * weight applies while failed, a positive one while healthy). */
struct cfg_track {
    struct cfg_pos pos; /* the name token */
    char *name;
    int32_t weight;  /* -253..253; resolved (a script's own weight
                        when the track line gives none) */
    bool has_weight; /* the track line gave `weight W` */
    struct cfg_pos weight_pos;
    size_t ref; /* index into cfg->scripts / cfg->proxies after
                   load; SIZE_MAX for interfaces */
};

/* What a master whose etcd fence lost etcd does (fence etcd { on_etcd_loss }). */
enum cfg_etcd_loss {
    CFG_ETCD_LOSS_KEEP = 0, /* fall back to heartbeat + VRRP, as before etcd first answered */
    CFG_ETCD_LOSS_RELEASE,  /* nobody holds the VIP without etcd */
};

#define CFG_FENCE_TTL_MS        2000 /* etcd's minimum lease with its default election timeout */
#define CFG_FENCE_KEY_PREFIX    "/haplane/"
#define CFG_FENCE_MAX_ENDPOINTS 16

/* fence etcd { endpoints URL...; cacert F; cert F; key F; ttl D; key_prefix P;
 * on_etcd_loss keep|release }: hold the VIP only while holding an etcd lease
 * on the key PREFIX + instance name (vrrp/fence.h). URLs are
 * http(s)://IP[:PORT] (util/url.h), checked by validation. */
struct cfg_fence {
    bool on;          /* a fence block was given */
    char **endpoints; /* at least one */
    size_t nendpoints;
    char *cacert;               /* https: CA bundle; NULL: the system's */
    char *cert, *key;           /* https: client certificate and key; NULL: none */
    uint64_t ttl_ms;            /* lease TTL, whole seconds; 2s */
    char *key_prefix;           /* NULL: "/haplane/" */
    enum cfg_etcd_loss on_loss; /* keep */
    struct {
        struct cfg_pos block, endpoints, cacert, cert, key, ttl, key_prefix, on_loss;
    } at;
};

/* vrrp_instance NAME { ... }: one virtual router (RFC 3768 / RFC 5798). */
struct cfg_vrrp_instance {
    struct cfg_pos pos; /* the name token */
    char *name;
    enum cfg_vrrp_state state;    /* initial state; BACKUP; MASTER when the
                                     priority is 255 (RFC 5798 6.4.1) */
    char *interface;              /* required; <= 15 characters */
    uint8_t vrid;                 /* virtual_router_id 1-255; required */
    uint8_t priority;             /* 1-255; 255 = address owner; default 100, or 255
                                     with `state MASTER` (keepalived) */
    uint8_t version;              /* 2 or 3; default global_defs vrrp_version */
    int family;                   /* AF_INET or AF_INET6: the VIPs' family (RFC 5798
                                     carries one family per virtual router) */
    uint64_t advert_int_ms;       /* v2: whole seconds 1-255 s; v3: 10 ms steps,
                                     10 ms - 40.95 s; 1s */
    enum cfg_auth_type auth_type; /* v2 only (RFC 3768 / RFC 2338); none */
    char auth_pass[9];            /* at most 8 characters, as sent; "" when none */
    struct cfg_addr src_ip;       /* unicast_src_ip / mcast_src_ip; AF_UNSPEC:
                                     the interface's primary / link-local address */
    struct cfg_peer *peers;       /* unicast_peer; none: multicast */
    size_t npeers;
    struct cfg_vip *vips; /* at least one, at most 255 */
    size_t nvips;
    bool preempt;              /* a higher priority takes over; on (nopreempt) */
    uint64_t preempt_delay_ms; /* wait this long after startup before
                                  preempting; 0..1000 s; 0 */
    struct cfg_track *track_scripts;
    size_t ntrack_scripts;
    struct cfg_track *track_ifs;
    size_t ntrack_ifs;
    struct cfg_track *track_proxies; /* proxy with no healthy server = failed */
    size_t ntrack_proxies;
    bool quorum;               /* hold the VIP only while a majority of
                                  {self} + unicast_peer is seen; off */
    uint32_t cluster_size;     /* quorum with multicast: nodes in the group,
                                  this one included; 0: unset (the peers) */
    bool failover_reset;       /* share the proxy's client connections on the VIPs
                                  with the peers; reset the previous holder's
                                  on taking over; on (active only where a proxy
                                  accepts on a VIP: cfg_failover_reset_active) */
    struct cfg_fence fence;    /* fence etcd { ... }; .on false: none */
    char *track_etcd;          /* track_etcd URL: the local member's /health; NULL: none */
    int32_t track_etcd_weight; /* 0: unhealthy puts the instance in FAULT */
    struct cfg_cmd notify_master, notify_backup, notify_fault, notify_stop;
    struct cfg_cmd notify;               /* called with: INSTANCE NAME STATE PRIORITY */
    uint32_t garp_master_repeat;         /* default from global_defs */
    uint64_t garp_master_delay_ms;       /* default from global_defs */
    uint64_t garp_master_refresh_ms;     /* default from global_defs; 0 = off */
    uint32_t garp_master_refresh_repeat; /* default from global_defs */
    uint64_t vip_lifetime_ms;            /* kernel valid_lft of the VIPs, whole seconds;
                                            0 = auto (derived from advert_int by the
                                            engine); CFG_LIFETIME_FOREVER = off */
    struct {
        struct cfg_pos state, interface, vrid, priority, advert_int, version, auth, auth_type,
            auth_pass, src_ip, peers, vips, preempt, preempt_delay, quorum, notify_master,
            notify_backup, notify_fault, notify_stop, notify, garp_master_repeat, garp_master_delay,
            garp_master_refresh, garp_master_refresh_repeat, vip_lifetime, track_etcd, cluster_size,
            failover_reset;
    } at;
};

/* Limits that the running daemon enforces, here so that loading a file
 * (`haplane check`, `run`, SIGHUP) refuses what the daemon could not start.
 * CFG_MAX_SERVERS equals PX_BALANCE_MAX_SERVERS (src/proxy/balance.h; a unit
 * test asserts it). CFG_CHECK_PATH_MAX keeps the health check's request
 * (method <= 16, path, host <= 253 or an address, fixed lines) inside the
 * checker's 1024-byte request buffer (src/check/checker.c CHK_REQ_MAX). */
#define CFG_MAX_SERVERS    64
#define CFG_CHECK_PATH_MAX 512
#define CFG_CHECK_JITTER_MAX 50

enum cfg_balance { CFG_BALANCE_ROUNDROBIN = 0, CFG_BALANCE_LEASTCONN, CFG_BALANCE_SOURCE };
enum cfg_relay { CFG_RELAY_SPLICE = 0, CFG_RELAY_COPY };
enum cfg_check_kind { CFG_CHECK_TCP = 0, CFG_CHECK_HTTP, CFG_CHECK_HTTPS, CFG_CHECK_NONE };
enum cfg_tls_verify { CFG_VERIFY_NONE = 0, CFG_VERIFY_REQUIRED };

/* check tcp | check http|https METHOD PATH [options] | check none
 * (a second check line replaces the first; `timeout check D` and the
 * line's `timeout D` set the same value) */
struct cfg_check {
    enum cfg_check_kind kind;   /* tcp (connect only) */
    char *method;               /* http(s): GET, HEAD, ...; NULL for tcp */
    char *path;                 /* http(s): starts with '/', visible ASCII, at most
                                   CFG_CHECK_PATH_MAX bytes; NULL for tcp */
    uint16_t expect;            /* expected HTTP status, 100-599; 200 */
    uint64_t interval_ms;       /* between checks of a server; 1s */
    uint64_t fast_interval_ms;  /* while a server is between states (suspect);
                                   interval/4, at least 100ms, at most interval */
    uint64_t timeout_ms;        /* connect + answer; 1s (also `timeout check`) */
    uint32_t fall;              /* failures in a row to mark down; 3 */
    uint32_t rise;              /* successes in a row to mark up; 2 */
    uint32_t jitter_pct;        /* each interval drawn from interval +- this %
                                   (0-CFG_CHECK_JITTER_MAX), so that many
                                   checkers do not run in step; 0 */
    enum cfg_tls_verify verify; /* https: required when `ca` is given, else none */
    char *ca;                   /* https: CA bundle (the cluster CA); NULL */
    char *cert, *key;           /* https: client certificate and key; NULL */
    char *sni;                  /* https: server name; NULL: none */
    struct {
        struct cfg_pos kind, path, expect, interval, fast_interval, timeout, fall, rise, jitter,
            verify, ca, cert, key, sni;
    } at;
};

/* server NAME HOST:PORT [weight N] [backup] [drain] [check on|off] */
struct cfg_server {
    struct cfg_pos pos; /* the name token */
    char *name;
    struct cfg_endpoint addr;
    struct cfg_pos addr_pos;
    uint32_t weight; /* 0-256, relative share; 0 = no new connections; 1 */
    bool backup;     /* used only while no non-backup server is healthy */
    bool drain;      /* administratively draining: no new connections */
    bool check;      /* health-checked; off = always considered healthy */
};

/* bind ADDR:PORT | *:PORT | [v6]:PORT */
struct cfg_bind {
    struct cfg_pos pos;
    struct cfg_endpoint addr;
};

/* proxy NAME { ... }: an L4 TCP listener balancing over servers. */
struct cfg_proxy {
    struct cfg_pos pos; /* the name token */
    char *name;
    struct cfg_bind *binds; /* at least one */
    size_t nbinds;
    enum cfg_balance balance;    /* roundrobin */
    uint64_t connect_timeout_ms; /* connect to a server; 2s */
    uint64_t hedge_timeout_ms;   /* no answer to a connect yet: race a second
                                    one to the next server; 100ms, 0 off */
    uint64_t idle_timeout_ms;    /* no bytes either way; 1h (watches) */
    uint64_t drain_timeout_ms;   /* spread closing a failed server's (or, on
                                    SIGTERM, all) connections over this; 10s */
    uint64_t silent_timeout_ms;  /* an established server connection with no
                                    answer (TCP keepalive or data) for this long
                                    is dead; whole seconds, 2s-1h; 4s */
    uint32_t retries;            /* connect failures retried on another server; 3 */
    uint32_t maxconn;            /* concurrent client connections; 0 = auto (fd limit) */
    uint32_t workers;            /* worker threads; 0 = auto (one per CPU) */
    enum cfg_relay relay;        /* splice (zero-copy) or copy; splice */
    uint32_t backlog;            /* listen(2) backlog; 1024 */
    bool keepalive;              /* SO_KEEPALIVE on both sides; on */
    bool nodelay;                /* TCP_NODELAY on both sides; on */
    struct cfg_check check;
    struct cfg_server *servers; /* at least one */
    size_t nservers;
    struct {
        struct cfg_pos balance, connect_timeout, hedge_timeout, idle_timeout, drain_timeout,
            silent_timeout, retries, maxconn, workers, relay, backlog, keepalive, nodelay, check;
    } at;
};

/* A remark on how an imported item differs in meaning from what its
 * source file said (keepalived.conf, haproxy.cfg). `haplane convert` writes
 * remarks as comments above the item; they carry no configuration:
 * cfg_write_native ignores them and loading a file never makes one. */
enum cfg_remark_on {
    CFG_REMARK_FILE = 0, /* the whole configuration (name NULL) */
    CFG_REMARK_SCRIPT,   /* vrrp_script `name` */
    CFG_REMARK_INSTANCE, /* vrrp_instance `name` */
    CFG_REMARK_PROXY,    /* proxy `name` */
};

struct cfg_remark {
    enum cfg_remark_on on;
    char *name; /* the item's name; NULL for CFG_REMARK_FILE */
    char *text; /* one line, no '#' */
};

/* The whole configuration. */
struct cfg {
    struct cfg_global global;
    struct cfg_vrrp_script *scripts;
    size_t nscripts;
    struct cfg_vrrp_instance *instances;
    size_t ninstances;
    struct cfg_proxy *proxies;
    size_t nproxies;
    char **files; /* every file read, in order; cfg_pos.file points here */
    size_t nfiles;
    struct cfg_remark *remarks; /* importers only; in the order made */
    size_t nremarks;
};

/* Diagnostics: collected by the loader, printed by the caller. */
enum cfg_severity { CFG_SEV_ERROR = 0, CFG_SEV_WARNING };

struct cfg_diag {
    enum cfg_severity sev;
    char *file;    /* owned copy; NULL when not about a file */
    uint32_t line; /* 0: about the whole file */
    uint32_t col;
    char *msg;
};

/* Zero-initialise; free with cfg_diags_free(). */
struct cfg_diags {
    struct cfg_diag *v;
    size_t n;
    size_t nerrors;
    size_t nwarnings;
    bool oom; /* an entry could not be stored */
};

/* Loader options; a zeroed struct gives the defaults. */
enum { CFG_LOAD_NO_INCLUDE = 1u << 0 }; /* `include` is an error (fuzzing) */

struct cfg_load_opts {
    unsigned flags;
    unsigned max_include_depth; /* 0: 8 */
    unsigned max_errors;        /* 0: 50; parsing stops after that many */
};

#endif
