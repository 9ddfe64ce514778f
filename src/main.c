/* main: the command line. Each subcommand parses its own options and calls
 * into the modules; nothing here knows file syntax or protocol details. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import/import.h"
#include "conf/conf.h"
#include "ctl/ctl.h"
#include "daemon.h"
#include "log.h"
#include "manifest/manifest.h"
#include "nodelocal/nodelocal.h"
#include "preflight/preflight.h"
#include "track/track.h"
#include "util/sbuf.h"

/* Exit codes: 0 ok, 1 failure (bad config, daemon error), 2 usage error. */
#define EXIT_USAGE 2

struct common {
    /* positional arguments (drain, undrain): the command wants npos of them */
    int npos;
    char *pos[2];
    const char *config;
    const char *keepalived;
    const char *haproxy;
    const char *config_id;
    const char *control;
    int json;
};

static const char *const usage_main =
    "usage: haplane COMMAND [OPTIONS]\n"
    "\n"
    "One daemon for a Kubernetes API server VIP (VRRP) and its load balancer.\n"
    "\n"
    "commands:\n"
    "  run -f FILE          run in the foreground with a native config file\n"
    "  run --keepalived F [--haproxy F]   run from existing keepalived/haproxy files\n"
    "  check -f FILE | --keepalived F [--haproxy F]\n"
    "                       validate; errors as FILE:LINE:COL: message, exit 1\n"
    "  convert --keepalived F [--haproxy F]   print the equivalent native config\n"
    "  status [--json]      state of a running daemon (via its control socket)\n"
    "  drain PROXY SERVER   stop sending new connections to a server (maintenance)\n"
    "  undrain PROXY SERVER put a drained server back in service\n"
    "  preflight [--vip ADDR] [--fix]   check this node's preparation, with fix commands\n"
    "  manifest -f FILE | --keepalived F [--haproxy F] [--image IMG]\n"
    "                       print a static-pod manifest (kubeadm) for that configuration\n"
    "  node-local --server HOST:PORT [...] | -f FILE\n"
    "                       the proxy on a worker, on loopback (127.0.0.1:6444), no VRRP\n"
    "  version              print the version\n"
    "  help [COMMAND]       this text, or a command's options\n"
    "\n"
    "common options:\n"
    "  --control PATH       control socket (default " CTL_DEFAULT_PATH ")\n"
    "  --log-level LEVEL    error | warn | info | debug (default info)\n"
    "  --log-format FORMAT  text (logfmt) | json (default text)\n"
    "\n"
    "Run 'haplane COMMAND --help' for a command's options. Docs: docs/ in the source tree.\n";

static const char *const usage_run =
    "usage: haplane run -f FILE [--control PATH] [--log-level L] [--log-format F]\n"
    "       haplane run --keepalived FILE [--haproxy FILE] [--config-id ID] [...]\n"
    "\n"
    "Run in the foreground (for systemd, a static pod, or a terminal). Logs go to stderr.\n"
    "Signals: SIGHUP re-reads the file(s) (a file with errors is rejected and the running\n"
    "configuration stays); SIGTERM and SIGINT stop the daemon cleanly. Facts about this\n"
    "machine (a missing command, user, file or source address) are errors here; a missing\n"
    "VRRP interface is a warning: its instance waits in FAULT until the interface appears.\n"
    "\n"
    "  -f, --config FILE    native configuration file\n"
    "  --keepalived FILE    keepalived.conf (VRRP part), as keepalived reads it\n"
    "  --haproxy FILE       haproxy.cfg (proxy part: frontends/listens in mode tcp)\n"
    "  --config-id ID       keepalived's -i: which '@ID' lines apply (default: the host\n"
    "                       name up to its first '.')\n"
    "  --control PATH       control socket (default " CTL_DEFAULT_PATH ")\n"
    "  --log-level LEVEL    error | warn | info | debug\n"
    "  --log-format FORMAT  text | json\n";

static const char *const usage_check =
    "usage: haplane check -f FILE\n"
    "       haplane check --keepalived FILE [--haproxy FILE] [--config-id ID]\n"
    "\n"
    "Validate a configuration without running it. Prints every error and warning as\n"
    "FILE:LINE:COL: error|warning: message. Exit 0 when valid (warnings allowed), 1 if not.\n"
    "Facts about this machine (interfaces, commands, addresses) are only warnings here.\n"
    "\n"
    "  -f, --config FILE    native configuration file\n"
    "  --keepalived FILE    keepalived.conf\n"
    "  --haproxy FILE       haproxy.cfg\n"
    "  --config-id ID       keepalived's -i (which '@ID' lines apply)\n"
    "  -q, --quiet          print nothing when the file is valid\n";

static const char *const usage_convert =
    "usage: haplane convert --keepalived FILE [--haproxy FILE] [--config-id ID]\n"
    "       haplane convert -f FILE\n"
    "\n"
    "Print the equivalent native configuration on stdout: every value written out, with\n"
    "comments where haplane's behaviour differs from keepalived's or haproxy's. Running\n"
    "the output behaves as running the original files. Errors and warnings go to stderr\n"
    "(FILE:LINE:COL); exit 1 when there are errors (nothing is printed then).\n"
    "\n"
    "  --keepalived FILE    keepalived.conf\n"
    "  --haproxy FILE       haproxy.cfg\n"
    "  --config-id ID       keepalived's -i: '@ID' lines are resolved for this host\n"
    "  -f, --config FILE    a native file (printed in canonical form)\n";

static const char *const usage_status =
    "usage: haplane status [--json] [--control PATH]\n"
    "\n"
    "Ask a running daemon for its state over its control socket.\n"
    "\n"
    "  --json               machine-readable output\n"
    "  --control PATH       control socket (default " CTL_DEFAULT_PATH ")\n";

static const char *const usage_drain =
    "usage: haplane drain PROXY SERVER [--control PATH]\n"
    "       haplane undrain PROXY SERVER [--control PATH]\n"
    "\n"
    "Put a server of a running daemon in drain for maintenance, or back in service.\n"
    "A drained server gets no new connections; the ones it has stay open until their\n"
    "clients close them. 'haplane status' shows it as draining. A reload keeps the state\n"
    "unless it changes the 'drain' flag on the server's line; a restart does not keep it\n"
    "(to drain a server for good, write 'drain' on its server line).\n"
    "Exit 0 when done, 1 when the daemon refuses (no such proxy or server) or cannot\n"
    "be reached.\n"
    "\n"
    "  --control PATH       control socket (default " CTL_DEFAULT_PATH ")\n";

static const char *const usage_version = "usage: haplane version\n";

enum {
    OPT_CONTROL = 256,
    OPT_LOG_LEVEL,
    OPT_LOG_FORMAT,
    OPT_JSON,
    OPT_KEEPALIVED,
    OPT_HAPROXY,
    OPT_CONFIG_ID
};

static const struct option long_opts[] = {
    {"config", required_argument, NULL, 'f'},
    {"control", required_argument, NULL, OPT_CONTROL},
    {"log-level", required_argument, NULL, OPT_LOG_LEVEL},
    {"log-format", required_argument, NULL, OPT_LOG_FORMAT},
    {"json", no_argument, NULL, OPT_JSON},
    {"keepalived", required_argument, NULL, OPT_KEEPALIVED},
    {"haproxy", required_argument, NULL, OPT_HAPROXY},
    {"config-id", required_argument, NULL, OPT_CONFIG_ID},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static int usage_error(const char *cmd, const char *usage, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int usage_error(const char *cmd, const char *usage, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "haplane %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n%s", usage);
    va_end(ap);
    return EXIT_USAGE;
}

/* Parse options shared by all subcommands. Returns -1 to continue, or an
 * exit code (help printed, or a usage error). */
static int parse_common(int argc, char **argv, const char *cmd, const char *usage, struct common *c,
                        int *quiet)
{
    enum log_level level = LOG_INFO;
    enum log_format format = LOG_TEXT;
    int opt;
    optind = 1;
    opterr = 0;
    /* commands with positional arguments take options on either side of
     * them (GNU argument permutation); the others stop at the first one */
    while ((opt = getopt_long(argc, argv, c->npos ? "f:qh" : "+f:qh", long_opts, NULL)) != -1) {
        switch (opt) {
        case 'f':
            c->config = optarg;
            break;
        case 'q':
            *quiet = 1;
            break;
        case 'h':
            fputs(usage, stdout);
            return 0;
        case OPT_CONTROL:
            c->control = optarg;
            break;
        case OPT_JSON:
            c->json = 1;
            break;
        case OPT_KEEPALIVED:
            c->keepalived = optarg;
            break;
        case OPT_HAPROXY:
            c->haproxy = optarg;
            break;
        case OPT_CONFIG_ID:
            c->config_id = optarg;
            break;
        case OPT_LOG_LEVEL:
            if (log_level_parse(optarg, &level) < 0)
                return usage_error(cmd, usage, "unknown log level '%s'", optarg);
            break;
        case OPT_LOG_FORMAT:
            if (log_format_parse(optarg, &format) < 0)
                return usage_error(cmd, usage, "unknown log format '%s'", optarg);
            break;
        default:
            return usage_error(cmd, usage, "unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (c->npos) {
        if (argc - optind < c->npos)
            return usage_error(cmd, usage, "%s", "missing arguments");
        for (int i = 0; i < c->npos; i++)
            c->pos[i] = argv[optind++];
    }
    if (optind < argc)
        return usage_error(cmd, usage, "unexpected argument '%s'", argv[optind]);
    log_init(level, format, 2);
    return -1;
}

/* The machine as conf sees it, plus track's enable_script_security rule. */
static const struct cfg_host *host_with_script_security(void)
{
    static struct cfg_host h;
    if (!h.has_user) {
        h = *cfg_host_system();
        h.command_unsafe = track_command_unsafe;
    }
    return &h;
}

/* The configuration sources of run/check/convert. Returns -1 when they are
 * complete, or a usage error's exit code. */
static int sources(const char *cmd, const char *usage, const struct common *c, enum cfg_facts facts,
                   struct imp_sources *src)
{
    if (c->config && (c->keepalived || c->haproxy))
        return usage_error(cmd, usage, "%s",
                           "-f and --keepalived/--haproxy cannot be used together");
    if (!c->config && !c->keepalived && !c->haproxy)
        return usage_error(cmd, usage, "%s",
                           "a config file is required (-f FILE, or --keepalived FILE "
                           "and/or --haproxy FILE)");
    if (c->config_id && !c->keepalived)
        return usage_error(cmd, usage, "%s", "--config-id applies to --keepalived only");
    *src = (struct imp_sources){
        .native = c->config,
        .keepalived = c->keepalived,
        .haproxy = c->haproxy,
        .config_id = c->config_id,
        .facts = facts,
        .host = host_with_script_security(),
    };
    return -1;
}

static int cmd_check(int argc, char **argv)
{
    struct common c = {0};
    int quiet = 0, rc = parse_common(argc, argv, "check", usage_check, &c, &quiet);
    struct imp_sources src;
    if (rc >= 0 || (rc = sources("check", usage_check, &c, CFG_FACTS_WARN, &src)) >= 0)
        return rc;
    struct cfg *cfg = NULL;
    struct cfg_diags d = {0};
    rc = imp_load(&src, &cfg, &d);
    cfg_diags_print(&d, stderr);
    if (rc == 0 && !quiet) {
        char sum[256], name[1024];
        cfg_summary(cfg, sum, sizeof(sum));
        printf("%s: ok: %s\n", imp_describe(&src, name, sizeof(name)), sum);
    }
    cfg_diags_free(&d);
    cfg_free(cfg);
    return rc == 0 ? 0 : 1;
}

static int cmd_run(int argc, char **argv)
{
    struct common c = {0};
    int quiet = 0, rc = parse_common(argc, argv, "run", usage_run, &c, &quiet);
    struct daemon_opts o = {.control_path = c.control ? c.control : CTL_DEFAULT_PATH};
    if (rc >= 0 || (rc = sources("run", usage_run, &c, CFG_FACTS_ERROR, &o.sources)) >= 0)
        return rc;
    o.control_path = c.control ? c.control : CTL_DEFAULT_PATH;
    return daemon_run(&o);
}

/* The comment on top of a converted file. */
static void convert_header(const struct imp_sources *src, char *buf, size_t len)
{
    int n = snprintf(buf, len, "haplane configuration, made by `haplane convert` (haplane %s)%s\n",
                     HAPLANE_VERSION, src->native ? "" : " from:");
    if (src->keepalived && n >= 0 && (size_t)n < len)
        n += snprintf(buf + n, len - (size_t)n, "  keepalived: %s%s%s\n", src->keepalived,
                      src->config_id ? ", config-id " : "", src->config_id ? src->config_id : "");
    if (src->haproxy && n >= 0 && (size_t)n < len)
        n += snprintf(buf + n, len - (size_t)n, "  haproxy:    %s\n", src->haproxy);
    if (!src->native && n >= 0 && (size_t)n < len)
        snprintf(buf + n, len - (size_t)n,
                 "Comments above an item say where its meaning differs from the original.");
}

static int cmd_convert(int argc, char **argv)
{
    struct common c = {0};
    int quiet = 0, rc = parse_common(argc, argv, "convert", usage_convert, &c, &quiet);
    struct imp_sources src;
    if (rc >= 0 || (rc = sources("convert", usage_convert, &c, CFG_FACTS_WARN, &src)) >= 0)
        return rc;
    struct cfg *cfg = NULL;
    struct cfg_diags d = {0};
    char header[4096];
    rc = imp_load(&src, &cfg, &d);
    cfg_diags_print(&d, stderr);
    convert_header(&src, header, sizeof(header));
    if (rc == 0 && (cfg_write_converted(cfg, header, stdout) < 0 || fflush(stdout) != 0)) {
        fprintf(stderr, "haplane convert: cannot write the output\n");
        rc = -1;
    }
    cfg_diags_free(&d);
    cfg_free(cfg);
    return rc == 0 ? 0 : 1;
}

static int cmd_status(int argc, char **argv)
{
    struct common c = {0};
    int quiet = 0, rc = parse_common(argc, argv, "status", usage_status, &c, &quiet);
    if (rc >= 0)
        return rc;
    const char *path = c.control ? c.control : CTL_DEFAULT_PATH;
    struct sbuf out;
    char err[512];
    sbuf_init(&out);
    rc = ctl_request(path, c.json ? "status json" : "status", &out, err, sizeof(err));
    if (rc < 0)
        fprintf(stderr, "haplane status: %s\n", err);
    else
        fputs(sbuf_str(&out), stdout);
    sbuf_free(&out);
    return rc < 0 ? 1 : 0;
}

/* drain/undrain PROXY SERVER: one control command, its answer printed. */
static int cmd_drain(int argc, char **argv)
{
    const char *verb = argv[0];
    struct common c = {.npos = 2};
    int quiet = 0, rc = parse_common(argc, argv, verb, usage_drain, &c, &quiet);
    if (rc >= 0)
        return rc;
    for (int i = 0; i < 2; i++)
        for (const char *p = c.pos[i]; *p; p++)
            if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
                return usage_error(verb, usage_drain, "'%s' is not a proxy or server name",
                                   c.pos[i]);
    const char *path = c.control ? c.control : CTL_DEFAULT_PATH;
    char cmd[512], err[512];
    snprintf(cmd, sizeof(cmd), "%s %s %s", verb, c.pos[0], c.pos[1]);
    struct sbuf out;
    sbuf_init(&out);
    rc = ctl_request(path, cmd, &out, err, sizeof(err));
    if (rc < 0) {
        fprintf(stderr, "haplane %s: %s\n", verb, err);
    } else if (strncmp(sbuf_str(&out), "ok", 2) != 0) {
        fprintf(stderr, "haplane %s: %s", verb, sbuf_str(&out));
        rc = -1;
    } else {
        fputs(sbuf_str(&out) + (strncmp(sbuf_str(&out), "ok: ", 4) ? 0 : 4), stdout);
    }
    sbuf_free(&out);
    return rc < 0 ? 1 : 0;
}

static int cmd_version(int argc, char **argv)
{
    if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        fputs(usage_version, stdout);
        return 0;
    }
    printf("haplane %s (%s)\n", HAPLANE_VERSION, HAPLANE_GITREV);
    return 0;
}

struct command {
    const char *name;
    int (*fn)(int, char **);
};

static const struct command commands[] = {
    {"run", cmd_run},         {"check", cmd_check},  {"convert", cmd_convert},
    {"status", cmd_status},   {"drain", cmd_drain},  {"undrain", cmd_drain},
    {"version", cmd_version}, {"preflight", pf_cmd}, {"manifest", mf_cmd},
    {"node-local", nl_cmd},
};

static const char *command_usage(const char *name)
{
    const char *const table[][2] = {
        {"run", usage_run},         {"check", usage_check},  {"convert", usage_convert},
        {"status", usage_status},   {"drain", usage_drain},  {"undrain", usage_drain},
        {"version", usage_version}, {"preflight", pf_usage}, {"manifest", mf_usage},
        {"node-local", nl_usage},
    };
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
        if (!strcmp(name, table[i][0]))
            return table[i][1];
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage_main, stderr);
        return EXIT_USAGE;
    }
    const char *name = argv[1];
    if (!strcmp(name, "help") || !strcmp(name, "--help") || !strcmp(name, "-h")) {
        const char *u = argc > 2 ? command_usage(argv[2]) : NULL;
        fputs(u ? u : usage_main, stdout);
        return 0;
    }
    if (!strcmp(name, "--version"))
        return cmd_version(1, argv);
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (!strcmp(name, commands[i].name))
            return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "haplane: unknown command '%s'\n\n%s", name, usage_main);
    return EXIT_USAGE;
}
