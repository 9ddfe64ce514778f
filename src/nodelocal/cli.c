/* nodelocal: see nodelocal.h. */
#include "nodelocal/nodelocal.h"

#include <arpa/inet.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf/conf.h"
#include "daemon.h"
#include "log.h"
#include "nodelocal/conftext.h"
#include "nodelocal/discover.h"
#include "nodelocal/endpoints.h"

#define EXIT_USAGE 2

const char nl_usage[] =
    "usage: haplane node-local [--listen ADDR:PORT] --server HOST:PORT [--server HOST:PORT ...]\n"
    "                          [--ca FILE] [--cert FILE --key FILE] [--discover KUBECONFIG]\n"
    "                          [--control PATH] [--metrics-listen ADDR:PORT] [--relay MODE]\n"
    "       haplane node-local -f FILE [--control PATH]\n"
    "\n"
    "Run the API-server proxy on a worker (or any host that talks to the API), on\n"
    "loopback: point the kubelet's kubeconfig at it (server: https://127.0.0.1:6444) and\n"
    "it reaches a healthy API server without the VIP or VRRP. The same proxy and checks\n"
    "as 'haplane run' on the masters; 'haplane status --control PATH' shows them.\n"
    "Signals: SIGHUP rebuilds the configuration (re-reads -f FILE); SIGTERM stops.\n"
    "\n"
    "  --listen ADDR:PORT   where clients connect (default " NL_LISTEN_DEFAULT ")\n"
    "  --server HOST:PORT   an API server (repeat; at most 64); with --discover, the seed\n"
    "  --ca FILE            the cluster CA: verify the servers' certificates in the check\n"
    "                       (default: not verified; the kubelet verifies its own TLS)\n"
    "  --cert FILE --key FILE   client certificate for the check (if /readyz needs one)\n"
    "  --discover KUBECONFIG    every 30 s, read the API servers from the 'kubernetes'\n"
    "                       Endpoints object, through this proxy, with the kubeconfig's\n"
    "                       client certificate; a changed list applies like a reload\n"
    "  --discover-interval DURATION   (default 30s)\n"
    "  --control PATH       control socket (default " NL_CONTROL_DEFAULT ")\n"
    "  --metrics-listen ADDR:PORT   /metrics, /healthz and the status page (default off)\n"
    "  --relay MODE         splice (default) | copy\n"
    "  -f, --config FILE    a native file with proxy blocks and no vrrp_instance, instead of\n"
    "                       --listen/--server/...\n"
    "  --log-level LEVEL    error | warn | info | debug\n"
    "  --log-format FORMAT  text | json\n"
    "\n"
    "Defaults (docs/operations.md, Workers: node-local): balance leastconn, retries 3,\n"
    "timeout connect " NL_CONNECT ", timeout hedge " NL_HEDGE " (a silent server costs one hedge delay),\n"
    "timeout idle " NL_IDLE " (watches), check https GET /readyz every " NL_CHECK_INTERVAL
    " +-" NL_CHECK_JITTER ",\n"
    "every " NL_CHECK_FAST " while a server is suspect, fall " "2" " rise " "2" ". Speed comes from passive\n"
    "signals (hedges, connect failures, keepalive on server sockets), so thousands of\n"
    "workers do not load the API servers with checks.\n";

struct nl {
    /* the options */
    const char *listen, *ca, *cert, *key, *metrics, *relay, *file, *discover;
    char *seed[NL_MAX_SERVERS];
    size_t nseed;
    uint64_t discover_ms;
    struct cfg_endpoint listen_ep;
    /* the servers the configuration is built with: the seed, then
     * discovery's last list */
    struct nl_list servers;
    char describe[1200];
    struct nl_disc *disc;
};

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("haplane node-local: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputs("\nRun 'haplane node-local --help' for the options.\n", stderr);
    va_end(ap);
    return EXIT_USAGE;
}

/* ---- the loader (daemon_ext.load) ---- */

/* -f FILE: a native file with proxies and no VRRP. */
static int load_file(struct nl *nl, struct cfg **out, struct cfg_diags *d)
{
    if (cfg_load_file(nl->file, out, d) < 0)
        return -1;
    struct cfg *cfg = *out;
    int bad = 0;
    for (size_t i = 0; i < cfg->ninstances; i++) {
        cfg_diag_add(d, CFG_SEV_ERROR, &cfg->instances[i].pos,
                     "vrrp_instance '%s' in a node-local file: node-local runs proxies only, "
                     "with no VRRP (remove it, or run this file with 'haplane run -f')",
                     cfg->instances[i].name);
        bad = 1;
    }
    if (!cfg->nproxies) {
        cfg_diag_add(d, CFG_SEV_ERROR, NULL,
                     "%s: no proxy block: node-local needs at least one "
                     "(proxy NAME { bind 127.0.0.1:6444 ... server ... })",
                     nl->file);
        bad = 1;
    }
    if (!bad && cfg_check_host(cfg, cfg_host_system(), CFG_SEV_ERROR, d))
        bad = 1;
    if (bad) {
        cfg_free(cfg);
        *out = NULL;
        return -1;
    }
    return 0;
}

/* The options (and the current server list) as a native text, loaded by
 * the native parser. */
static int load_options(struct nl *nl, struct cfg **out, struct cfg_diags *d)
{
    struct nl_conf c = {
        .listen = nl->listen,
        .servers = (const char *const *)nl->servers.v,
        .nservers = nl->servers.n,
        .ca = nl->ca,
        .cert = nl->cert,
        .key = nl->key,
        .metrics_listen = nl->metrics,
        .relay = nl->relay,
    };
    struct sbuf text;
    char err[400];
    int rc;
    sbuf_init(&text);
    if (nl_conftext(&c, &text, err, sizeof(err)) < 0) {
        cfg_diag_add(d, CFG_SEV_ERROR, NULL, "%s", err);
        sbuf_free(&text);
        return -1;
    }
    rc = cfg_load_buffer("node-local options", sbuf_str(&text), text.len, out, d);
    if (rc == 0 && cfg_check_host(*out, cfg_host_system(), CFG_SEV_ERROR, d)) {
        cfg_free(*out);
        *out = NULL;
        rc = -1;
    }
    if (rc < 0) /* a bug, or a fact of this machine: show what was loaded */
        log_error("nl", NULL, "the configuration made from the options:\n%s", sbuf_str(&text));
    sbuf_free(&text);
    return rc;
}

static int nl_load(void *arg, struct cfg **out, struct cfg_diags *d)
{
    struct nl *nl = arg;
    return nl->file ? load_file(nl, out, d) : load_options(nl, out, d);
}

/* ---- discovery ---- */

/* A new list from the cluster: the next configuration is built with it. */
static void (*reload_fn)(void *);
static void *reload_dm;

static void on_servers(void *arg, const struct nl_list *servers)
{
    struct nl *nl = arg;
    struct nl_list next;
    if (nl_list_copy(&next, servers) < 0) {
        log_error("nl", "discover", "out of memory: keeping the servers");
        return;
    }
    nl_list_free(&nl->servers);
    nl->servers = next;
    reload_fn(reload_dm);
}

/* Where discovery connects: the listener, with a wildcard made loopback. */
static void listener_sa(const struct cfg_endpoint *ep, struct sockaddr_storage *ss,
                        socklen_t *len)
{
    memset(ss, 0, sizeof(*ss));
    if (ep->kind == CFG_HOST_ADDR && ep->addr.family == AF_INET6) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons(ep->port);
        s6->sin6_addr = IN6_IS_ADDR_UNSPECIFIED(&ep->addr.u.v6) ? in6addr_loopback : ep->addr.u.v6;
        *len = sizeof(*s6);
        return;
    }
    struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
    s4->sin_family = AF_INET;
    s4->sin_port = htons(ep->port);
    if (ep->kind == CFG_HOST_ADDR && ep->addr.u.v4.s_addr != htonl(INADDR_ANY))
        s4->sin_addr = ep->addr.u.v4;
    else
        s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    *len = sizeof(*s4);
}

static int nl_start(void *arg, struct ev_loop *loop, void (*reload_cb)(void *), void *dm,
                    char *err, size_t errlen)
{
    struct nl *nl = arg;
    struct sockaddr_storage ss;
    socklen_t len;
    if (!nl->disc)
        return 0;
    reload_fn = reload_cb;
    reload_dm = dm;
    listener_sa(&nl->listen_ep, &ss, &len);
    return nl_disc_start(nl->disc, loop, (struct sockaddr *)&ss, len, &nl->servers, on_servers,
                         nl, err, errlen);
}

static void nl_stop(void *arg)
{
    struct nl *nl = arg;
    nl_disc_stop(nl->disc);
}

static void nl_status_text(void *arg, struct sbuf *r)
{
    struct nl *nl = arg;
    sbuf_printf(r, "node-local %s\n", nl->file ? nl->file : "configuration from the options");
    if (nl->disc)
        nl_disc_status_text(nl->disc, r);
}

static void nl_status_json(void *arg, struct sbuf *r)
{
    struct nl *nl = arg;
    sbuf_puts(r, "{\"file\":");
    if (nl->file)
        sbuf_json_str(r, nl->file);
    else
        sbuf_puts(r, "null");
    sbuf_puts(r, ",\"discover\":");
    if (nl->disc)
        nl_disc_status_json(nl->disc, r);
    else
        sbuf_puts(r, "null");
    sbuf_puts(r, "}");
}

/* ---- the command line ---- */

enum {
    O_LISTEN = 256,
    O_SERVER,
    O_CA,
    O_CERT,
    O_KEY,
    O_CONTROL,
    O_METRICS,
    O_DISCOVER,
    O_DISCOVER_INTERVAL,
    O_RELAY,
    O_LOG_LEVEL,
    O_LOG_FORMAT,
};

static const struct option opts[] = {
    {"listen", required_argument, NULL, O_LISTEN},
    {"server", required_argument, NULL, O_SERVER},
    {"ca", required_argument, NULL, O_CA},
    {"cert", required_argument, NULL, O_CERT},
    {"key", required_argument, NULL, O_KEY},
    {"control", required_argument, NULL, O_CONTROL},
    {"metrics-listen", required_argument, NULL, O_METRICS},
    {"discover", required_argument, NULL, O_DISCOVER},
    {"discover-interval", required_argument, NULL, O_DISCOVER_INTERVAL},
    {"relay", required_argument, NULL, O_RELAY},
    {"config", required_argument, NULL, 'f'},
    {"log-level", required_argument, NULL, O_LOG_LEVEL},
    {"log-format", required_argument, NULL, O_LOG_FORMAT},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static int readable(const char *opt, const char *path)
{
    if (access(path, R_OK) == 0)
        return 0;
    fprintf(stderr, "haplane node-local: %s %s: %m\n", opt, path);
    return -1;
}

int nl_cmd(int argc, char **argv)
{
    static struct nl nl; /* lives as long as the daemon */
    enum log_level level = LOG_INFO;
    enum log_format format = LOG_TEXT;
    const char *control = NL_CONTROL_DEFAULT;
    int opt;
    char err[400];
    memset(&nl, 0, sizeof(nl));
    optind = 1;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "+f:h", opts, NULL)) != -1) {
        switch (opt) {
        case 'h':
            fputs(nl_usage, stdout);
            return 0;
        case 'f':
            nl.file = optarg;
            break;
        case O_LISTEN:
            nl.listen = optarg;
            break;
        case O_SERVER:
            if (nl.nseed == NL_MAX_SERVERS)
                return usage_error("at most %d --server", NL_MAX_SERVERS);
            nl.seed[nl.nseed++] = optarg;
            break;
        case O_CA:
            nl.ca = optarg;
            break;
        case O_CERT:
            nl.cert = optarg;
            break;
        case O_KEY:
            nl.key = optarg;
            break;
        case O_CONTROL:
            control = optarg;
            break;
        case O_METRICS:
            nl.metrics = optarg;
            break;
        case O_DISCOVER:
            nl.discover = optarg;
            break;
        case O_DISCOVER_INTERVAL:
            if (cfg_parse_duration(optarg, &nl.discover_ms, err, sizeof(err)) < 0)
                return usage_error("invalid --discover-interval '%s': %s", optarg, err);
            if (nl.discover_ms < 100)
                return usage_error("invalid --discover-interval '%s': at least 100ms", optarg);
            break;
        case O_RELAY:
            if (strcmp(optarg, "splice") && strcmp(optarg, "copy"))
                return usage_error("invalid --relay '%s': splice or copy", optarg);
            nl.relay = optarg;
            break;
        case O_LOG_LEVEL:
            if (log_level_parse(optarg, &level) < 0)
                return usage_error("unknown log level '%s'", optarg);
            break;
        case O_LOG_FORMAT:
            if (log_format_parse(optarg, &format) < 0)
                return usage_error("unknown log format '%s'", optarg);
            break;
        default:
            return usage_error("unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return usage_error("unexpected argument '%s'", argv[optind]);
    if (nl.file) {
        const char *other = nl.listen      ? "--listen"
                            : nl.nseed     ? "--server"
                            : nl.ca        ? "--ca"
                            : nl.cert      ? "--cert"
                            : nl.key       ? "--key"
                            : nl.metrics   ? "--metrics-listen"
                            : nl.discover  ? "--discover"
                            : nl.relay     ? "--relay"
                                           : NULL;
        if (other)
            return usage_error("-f FILE cannot be combined with %s: write it in the file "
                               "(bind, server, check ... ca/cert/key, metrics_listen, relay)",
                               other);
        if (nl.discover_ms)
            return usage_error("--discover-interval needs --discover");
    } else {
        struct cfg_endpoint ep;
        if (!nl.listen)
            nl.listen = NL_LISTEN_DEFAULT;
        if (cfg_parse_endpoint(nl.listen, 0, &nl.listen_ep, err, sizeof(err)) < 0)
            return usage_error("invalid --listen '%s': %s (e.g. %s)",
                               nl.listen, err, NL_LISTEN_DEFAULT);
        if (!nl.nseed)
            return usage_error("at least one --server HOST:PORT is needed (or -f FILE)%s",
                               nl.discover ? "; with --discover it seeds the list" : "");
        for (size_t i = 0; i < nl.nseed; i++)
            if (cfg_parse_endpoint(nl.seed[i], 1, &ep, err, sizeof(err)) < 0)
                return usage_error("invalid --server '%s': %s", nl.seed[i],
                                   err);
            else
                free(ep.name);
        if (nl.metrics && cfg_parse_endpoint(nl.metrics, 0, &ep, err, sizeof(err)) < 0)
            return usage_error("invalid --metrics-listen '%s': %s",
                               nl.metrics, err);
        if (nl.cert && !nl.key)
            return usage_error("--cert needs --key (the client certificate's private key)");
        if (nl.key && !nl.cert)
            return usage_error("--key needs --cert (the client certificate)");
        if (nl.discover_ms && !nl.discover)
            return usage_error("--discover-interval needs --discover");
        if ((nl.ca && readable("--ca", nl.ca) < 0) ||
            (nl.cert && readable("--cert", nl.cert) < 0) ||
            (nl.key && readable("--key", nl.key) < 0))
            return 1;
        for (size_t i = 0; i < nl.nseed; i++)
            if (!nl_list_has(&nl.servers, nl.seed[i]) &&
                !(nl.servers.v[nl.servers.n++] = strdup(nl.seed[i]))) {
                fprintf(stderr, "haplane node-local: out of memory\n");
                return 1;
            }
    }
    log_init(level, format, 2);
    if (nl.discover && !(nl.disc = nl_disc_new(nl.discover, nl.discover_ms, err, sizeof(err)))) {
        fprintf(stderr, "haplane node-local: %s\n", err);
        return 1;
    }
    if (nl.file)
        snprintf(nl.describe, sizeof(nl.describe), "%s (node-local)", nl.file);
    else
        snprintf(nl.describe, sizeof(nl.describe), "node-local --listen %s (%zu server%s%s)",
                 nl.listen, nl.nseed, nl.nseed == 1 ? "" : "s",
                 nl.discover ? ", discovered" : "");
    struct daemon_ext ext = {
        .load = nl_load,
        .describe = nl.describe,
        .start = nl_start,
        .stop = nl_stop,
        .status_text = nl_status_text,
        .status_json = nl_status_json,
        .arg = &nl,
    };
    struct daemon_opts o = {.control_path = control, .ext = &ext};
    int rc = daemon_run(&o);
    nl_disc_free(nl.disc);
    nl_list_free(&nl.servers);
    return rc;
}
