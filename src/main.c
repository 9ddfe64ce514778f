/* main: the command line. Each subcommand parses its own options and calls
 * into the modules; nothing here knows file syntax or protocol details. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/cfg.h"
#include "ctl/ctl.h"
#include "daemon.h"
#include "log.h"
#include "util/sbuf.h"

/* Exit codes: 0 ok, 1 failure (bad config, daemon error), 2 usage error. */
#define EXIT_USAGE 2

struct common {
    const char *config;
    const char *keepalived;
    const char *haproxy;
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
    "  check -f FILE        validate a config; errors as FILE:LINE:COL: message, exit 1\n"
    "  status [--json]      state of a running daemon (via its control socket)\n"
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
    "\n"
    "Run in the foreground (for systemd, a static pod, or a terminal). Logs go to stderr.\n"
    "Signals: SIGHUP re-reads FILE (a file with errors is rejected and the running\n"
    "configuration stays); SIGTERM and SIGINT stop the daemon cleanly.\n"
    "\n"
    "  -f, --config FILE    native configuration file (required)\n"
    "  --control PATH       control socket (default " CTL_DEFAULT_PATH ")\n"
    "  --log-level LEVEL    error | warn | info | debug\n"
    "  --log-format FORMAT  text | json\n";

static const char *const usage_check =
    "usage: haplane check -f FILE\n"
    "\n"
    "Validate a configuration without running it. Prints every error and warning as\n"
    "FILE:LINE:COL: error|warning: message. Exit 0 when valid (warnings allowed), 1 if not.\n"
    "\n"
    "  -f, --config FILE    native configuration file\n"
    "  -q, --quiet          print nothing when the file is valid\n";

static const char *const usage_status =
    "usage: haplane status [--json] [--control PATH]\n"
    "\n"
    "Ask a running daemon for its state over its control socket.\n"
    "\n"
    "  --json               machine-readable output\n"
    "  --control PATH       control socket (default " CTL_DEFAULT_PATH ")\n";

static const char *const usage_version = "usage: haplane version\n";

enum { OPT_CONTROL = 256, OPT_LOG_LEVEL, OPT_LOG_FORMAT, OPT_JSON, OPT_KEEPALIVED, OPT_HAPROXY };

static const struct option long_opts[] = {
    {"config", required_argument, NULL, 'f'},
    {"control", required_argument, NULL, OPT_CONTROL},
    {"log-level", required_argument, NULL, OPT_LOG_LEVEL},
    {"log-format", required_argument, NULL, OPT_LOG_FORMAT},
    {"json", no_argument, NULL, OPT_JSON},
    {"keepalived", required_argument, NULL, OPT_KEEPALIVED},
    {"haproxy", required_argument, NULL, OPT_HAPROXY},
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
static int parse_common(int argc, char **argv, const char *cmd, const char *usage,
                        struct common *c, int *quiet)
{
    enum log_level level = LOG_INFO;
    enum log_format format = LOG_TEXT;
    int opt;
    optind = 1;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "+f:qh", long_opts, NULL)) != -1) {
        switch (opt) {
        case 'f': c->config = optarg; break;
        case 'q': *quiet = 1; break;
        case 'h': fputs(usage, stdout); return 0;
        case OPT_CONTROL: c->control = optarg; break;
        case OPT_JSON: c->json = 1; break;
        case OPT_KEEPALIVED: c->keepalived = optarg; break;
        case OPT_HAPROXY: c->haproxy = optarg; break;
        case OPT_LOG_LEVEL:
            if (log_level_parse(optarg, &level) < 0)
                return usage_error(cmd, usage, "unknown log level '%s'", optarg);
            break;
        case OPT_LOG_FORMAT:
            if (log_format_parse(optarg, &format) < 0)
                return usage_error(cmd, usage, "unknown log format '%s'", optarg);
            break;
        default:
            return usage_error(cmd, usage, "unknown or incomplete option '%s'",
                               argv[optind - 1]);
        }
    }
    if (optind < argc)
        return usage_error(cmd, usage, "unexpected argument '%s'", argv[optind]);
    if (c->keepalived || c->haproxy)
        return usage_error(cmd, usage, "%s",
                           "--keepalived/--haproxy input is not supported yet; "
                           "use a native file with -f");
    log_init(level, format, 2);
    return -1;
}

static int cmd_check(int argc, char **argv)
{
    struct common c = {0};
    int quiet = 0, rc = parse_common(argc, argv, "check", usage_check, &c, &quiet);
    if (rc >= 0)
        return rc;
    if (!c.config)
        return usage_error("check", usage_check, "%s", "a config file is required (-f FILE)");
    struct cfg *cfg = NULL;
    struct cfg_diags d = {0};
    rc = cfg_load_file(c.config, &cfg, &d);
    cfg_diags_print(&d, stderr);
    if (rc == 0 && !quiet) {
        char sum[256];
        cfg_summary(cfg, sum, sizeof(sum));
        printf("%s: ok: %s\n", c.config, sum);
    }
    cfg_diags_free(&d);
    cfg_free(cfg);
    return rc == 0 ? 0 : 1;
}

static int cmd_run(int argc, char **argv)
{
    struct common c = {0};
    int quiet = 0, rc = parse_common(argc, argv, "run", usage_run, &c, &quiet);
    if (rc >= 0)
        return rc;
    if (!c.config)
        return usage_error("run", usage_run, "%s", "a config file is required (-f FILE)");
    struct daemon_opts o = {
        .config_path = c.config,
        .control_path = c.control ? c.control : CTL_DEFAULT_PATH,
    };
    return daemon_run(&o);
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
    {"run", cmd_run},
    {"check", cmd_check},
    {"status", cmd_status},
    {"version", cmd_version},
};

static const char *command_usage(const char *name)
{
    const char *const table[][2] = {
        {"run", usage_run},
        {"check", usage_check},
        {"status", usage_status},
        {"version", usage_version},
    };
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
        if (!strcmp(name, table[i][0]))
            return table[i][1];
    return NULL;
}

/* Commands of the design that later work adds: say so instead of "unknown". */
static int planned(const char *name)
{
    static const char *const later[] = {"convert", "preflight", "manifest", "node-local"};
    for (size_t i = 0; i < sizeof(later) / sizeof(later[0]); i++)
        if (!strcmp(name, later[i]))
            return 1;
    return 0;
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
    if (planned(name))
        fprintf(stderr, "haplane: '%s' is part of the design but not built yet\n", name);
    else
        fprintf(stderr, "haplane: unknown command '%s'\n\n%s", name, usage_main);
    return EXIT_USAGE;
}
