/* cli: `haplane manifest` options, loading the configuration, printing. */
#include "manifest/manifest.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "import/import.h"
#include "manifest/manifest-int.h"

#define EXIT_USAGE 2

const char mf_usage[] =
    "usage: haplane manifest -f FILE [--config-path PATH] [--image IMAGE]\n"
    "       haplane manifest --keepalived FILE [--haproxy FILE] [--config-id ID] [--image IMAGE]\n"
    "\n"
    "Print a static-pod manifest for /etc/kubernetes/manifests (YAML) that runs haplane\n"
    "with this configuration: host network, system-node-critical, every capability\n"
    "dropped but the ones the configuration needs, a read-only root file system, the\n"
    "configuration, its TLS files and scripts mounted read-only from the host at their\n"
    "own paths, /run/haplane shared for `haplane status`, an exec liveness probe,\n"
    "resources. The configuration is loaded and validated as `check` does: errors as\n"
    "FILE:LINE:COL on stderr and exit 1, nothing printed then. Exit 0 when printed.\n"
    "\n"
    "  -f, --config FILE    native configuration file\n"
    "  --config-path PATH   where that file is on the node (default " MF_CONFIG_DEFAULT ");\n"
    "                       files it includes from its directory are mounted at the same\n"
    "                       place relative to PATH\n"
    "  --keepalived FILE    keepalived.conf: the pod runs from it (and haproxy.cfg) at\n"
    "  --haproxy FILE       their absolute paths, as `run --keepalived` does\n"
    "  --config-id ID       keepalived's -i, passed on to the pod (default: the node's\n"
    "                       host name, which a host-network pod shares)\n"
    "  --image IMAGE        the container image (default haplane:" HAPLANE_VERSION "); it must\n"
    "                       hold the binary at " MF_BIN "\n";

enum { OPT_KEEPALIVED = 256, OPT_HAPROXY, OPT_CONFIG_ID, OPT_IMAGE, OPT_CONFIG_PATH };

static const struct option opts[] = {
    {"config", required_argument, NULL, 'f'},
    {"keepalived", required_argument, NULL, OPT_KEEPALIVED},
    {"haproxy", required_argument, NULL, OPT_HAPROXY},
    {"config-id", required_argument, NULL, OPT_CONFIG_ID},
    {"image", required_argument, NULL, OPT_IMAGE},
    {"config-path", required_argument, NULL, OPT_CONFIG_PATH},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("haplane manifest: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n%s", mf_usage);
    return EXIT_USAGE;
}

/* An image reference: not empty, no space or control character. */
static int image_ok(const char *s)
{
    if (!*s)
        return 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p <= 0x20 || *p == 0x7f)
            return 0;
    return 1;
}

/* -1 to go on, or an exit code. */
static int parse_args(int argc, char **argv, struct mf_opts *o)
{
    int opt;
    optind = 1;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "+f:h", opts, NULL)) != -1) {
        switch (opt) {
        case 'h':
            return fputs(mf_usage, stdout), 0;
        case 'f':
            o->native = optarg;
            break;
        case OPT_KEEPALIVED:
            o->keepalived = optarg;
            break;
        case OPT_HAPROXY:
            o->haproxy = optarg;
            break;
        case OPT_CONFIG_ID:
            o->config_id = optarg;
            break;
        case OPT_IMAGE:
            if (!image_ok(optarg))
                return usage_error("--image: '%s' is not an image reference", optarg);
            o->image = optarg;
            break;
        case OPT_CONFIG_PATH:
            if (optarg[0] != '/')
                return usage_error("--config-path: '%s' is not an absolute path", optarg);
            o->config_path = optarg;
            break;
        default:
            return usage_error("unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return usage_error("unexpected argument '%s'", argv[optind]);
    return -1;
}

/* The sources rules of run/check, and this command's own. */
static int check_sources(const struct mf_opts *o)
{
    if (o->native && (o->keepalived || o->haproxy))
        return usage_error("-f and --keepalived/--haproxy cannot be used together");
    if (!o->native && !o->keepalived && !o->haproxy)
        return usage_error("a config file is required (-f FILE, or --keepalived FILE and/or "
                           "--haproxy FILE)");
    if (o->config_id && !o->keepalived)
        return usage_error("--config-id applies to --keepalived only");
    if (o->config_path && !o->native)
        return usage_error("--config-path applies to -f only (keepalived.conf and haproxy.cfg "
                           "are mounted at their own paths)");
    return -1;
}

/* Plan and write the pod for cfg; print it, or the reason it cannot be. */
static int emit(const struct cfg *cfg, const struct mf_opts *o)
{
    struct mf_plan p;
    struct sbuf out;
    char err[512];
    int rc = mf_plan_build(cfg, o, &p, err, sizeof(err));
    sbuf_init(&out);
    if (rc == 0)
        rc = mf_write(&p, o->image ? o->image : "haplane:" HAPLANE_VERSION, &out, err, sizeof(err));
    if (rc == 0) {
        for (const char *l = sbuf_str(&p.warnings); *l; l += strcspn(l, "\n") + 1)
            fprintf(stderr, "haplane manifest: warning: %.*s\n", (int)strcspn(l, "\n"), l);
        fputs(sbuf_str(&out), stdout);
        if (fflush(stdout) != 0) {
            fprintf(stderr, "haplane manifest: cannot write the output\n");
            rc = -1;
        }
    } else {
        fprintf(stderr, "haplane manifest: %s\n", err);
    }
    sbuf_free(&out);
    mf_plan_free(&p);
    return rc == 0 ? 0 : 1;
}

int mf_cmd(int argc, char **argv)
{
    struct mf_opts o = {0};
    char cwd[MF_PATH_MAX];
    int rc = parse_args(argc, argv, &o);
    if (rc >= 0 || (rc = check_sources(&o)) >= 0)
        return rc;
    if (!getcwd(cwd, sizeof(cwd))) {
        perror("haplane manifest: getcwd");
        return 1;
    }
    o.cwd = cwd;
    struct imp_sources src = {.native = o.native,
                              .keepalived = o.keepalived,
                              .haproxy = o.haproxy,
                              .config_id = o.config_id,
                              .facts = CFG_FACTS_WARN};
    struct cfg *cfg = NULL;
    struct cfg_diags d = {0};
    rc = imp_load(&src, &cfg, &d);
    cfg_diags_print(&d, stderr);
    cfg_diags_free(&d);
    if (rc == 0)
        rc = emit(cfg, &o);
    else
        rc = 1;
    cfg_free(cfg);
    return rc;
}
